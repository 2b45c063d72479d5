//! The outbox: appends inside a use case's transaction; claims, leases and outcomes straight on the state,
//! under its lock, as the SQL adapter's single statements are atomic.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::outbox::{
    FailureOutcome, KindCount, OutboxAppender, OutboxEvent, OutboxStats, OutboxStore, RetryScope,
};
use seeg_domain::outbox::OutboxState;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction};

#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub(crate) event: OutboxEvent,
    pub(crate) locked_by: Option<String>,
    pub(crate) locked_until: Option<DateTime<Utc>>,
}

#[async_trait]
impl OutboxAppender for MemoryTransaction {
    async fn append(&mut self, event: &OutboxEvent) -> Result<(), StoreError> {
        self.record(Change::AppendEvent(event.clone()))
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        Ok(self.write(|state| {
            let mut due: Vec<&mut StoredEvent> = state
                .outbox
                .values_mut()
                .filter(|s| {
                    s.event.state == OutboxState::Pending
                        && s.event.next_attempt_at <= now
                        && s.locked_until.is_none_or(|until| until < now)
                })
                .collect();
            due.sort_by(|a, b| a.event.next_attempt_at.cmp(&b.event.next_attempt_at).then(a.event.id.cmp(&b.event.id)));
            due.into_iter()
                .take(limit as usize)
                .map(|s| {
                    s.locked_by = Some(worker.to_owned());
                    s.locked_until = Some(lease_until);
                    s.event.clone()
                })
                .collect()
        }))
    }

    async fn mark_done(&self, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.write(|state| match state.outbox.get_mut(&id) {
            Some(s) if s.locked_by.as_deref() == Some(worker) && s.event.state == OutboxState::Pending => {
                s.event.state = OutboxState::Done;
                s.event.processed_at = Some(now);
                s.locked_by = None;
                s.locked_until = None;
                true
            }
            _ => false,
        }))
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        worker: &str,
        attempts: u32,
        error: &str,
        outcome: FailureOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self.write(|state| match state.outbox.get_mut(&id) {
            Some(s) if s.locked_by.as_deref() == Some(worker) && s.event.state == OutboxState::Pending => {
                s.event.attempts = attempts;
                s.event.last_error = Some(error.to_owned());
                match outcome {
                    FailureOutcome::RetryAt(at) => s.event.next_attempt_at = at,
                    FailureOutcome::Dead => {
                        s.event.state = OutboxState::Dead;
                        s.event.processed_at = Some(now);
                    }
                }
                s.locked_by = None;
                s.locked_until = None;
                true
            }
            _ => false,
        }))
    }

    async fn release(&self, ids: &[Uuid], worker: &str) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let mut released = 0;
            for id in ids {
                if let Some(s) = state.outbox.get_mut(id)
                    && s.locked_by.as_deref() == Some(worker)
                    && s.event.state == OutboxState::Pending
                {
                    s.locked_by = None;
                    s.locked_until = None;
                    released += 1;
                }
            }
            released
        }))
    }

    async fn get(&self, id: Uuid) -> Result<Option<OutboxEvent>, StoreError> {
        Ok(self.read(|state| state.outbox.get(&id).map(|s| s.event.clone())))
    }

    async fn stats(&self) -> Result<OutboxStats, StoreError> {
        Ok(self.read(|state| {
            let mut stats = OutboxStats::default();
            let mut kinds: BTreeMap<&str, KindCount> = BTreeMap::new();
            for s in state.outbox.values() {
                let e = &s.event;
                let entry =
                    kinds.entry(&e.kind).or_insert_with(|| KindCount { kind: e.kind.clone(), pending: 0, dead: 0 });
                match e.state {
                    OutboxState::Pending => {
                        stats.pending += 1;
                        entry.pending += 1;
                        if e.attempts > 0 {
                            stats.failing += 1;
                        }
                        stats.oldest_pending_at =
                            Some(stats.oldest_pending_at.map_or(e.created_at, |o| o.min(e.created_at)));
                    }
                    OutboxState::Dead => {
                        stats.dead += 1;
                        entry.dead += 1;
                    }
                    OutboxState::Done => stats.done += 1,
                }
            }
            stats.by_kind = kinds.into_values().filter(|k| k.pending + k.dead > 0).collect();
            stats
        }))
    }

    async fn retry(&self, scope: RetryScope, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let mut woken = 0;
            for s in state.outbox.values_mut() {
                let e = &mut s.event;
                let wake = match scope {
                    RetryScope::Failing => e.state == OutboxState::Pending && e.attempts > 0,
                    RetryScope::Dead => e.state == OutboxState::Dead,
                    RetryScope::Event(id) => e.id == id && e.state != OutboxState::Done,
                };
                if wake {
                    if scope != RetryScope::Failing {
                        e.state = OutboxState::Pending;
                        e.attempts = 0;
                        e.processed_at = None;
                    }
                    e.next_attempt_at = now;
                    woken += 1;
                }
            }
            woken
        }))
    }

    async fn prune_done(&self, processed_before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let before = state.outbox.len();
            state.outbox.retain(|_, s| {
                s.event.state != OutboxState::Done || s.event.processed_at.is_none_or(|at| at >= processed_before)
            });
            (before - state.outbox.len()) as u64
        }))
    }
}
