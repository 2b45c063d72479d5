//! One in-memory database: a state behind a lock. A transaction records its changes and applies them all at
//! commit, under the lock: like a SQL transaction it changes only the rows it wrote, so work done meanwhile
//! outside it (the relay claiming and finishing events) is never undone by the commit.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::health::Probe;
use seeg_application::offers::{OfferFilter, OfferRepository, OfferWriter};
use seeg_application::outbox::{
    FailureOutcome, KindCount, OutboxAppender, OutboxEvent, OutboxStats, OutboxStore, RetryScope,
};
use seeg_application::{Page, PageOf, StoreError, Transaction, UnitOfWork};
use seeg_domain::offers::JobOffer;
use seeg_domain::outbox::OutboxState;
use seeg_domain::search;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
struct State {
    offers: BTreeMap<Uuid, JobOffer>,
    outbox: BTreeMap<Uuid, StoredEvent>,
}

#[derive(Debug, Clone)]
struct StoredEvent {
    event: OutboxEvent,
    locked_by: Option<String>,
    locked_until: Option<DateTime<Utc>>,
}

/// The in-memory database. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
    /// Serialises transactions, as SQLite does: one writer at a time.
    writer: Arc<Mutex<()>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// One change a transaction will make.
#[derive(Debug)]
enum Change {
    InsertOffer(Box<JobOffer>),
    AppendEvent(OutboxEvent),
}

impl Change {
    /// The table and primary key the change writes.
    fn row(&self) -> (&'static str, Uuid) {
        match self {
            Self::InsertOffer(o) => ("offre", o.id),
            Self::AppendEvent(e) => ("événement", e.id),
        }
    }

    fn exists_in(&self, state: &State) -> bool {
        match self {
            Self::InsertOffer(o) => state.offers.contains_key(&o.id),
            Self::AppendEvent(e) => state.outbox.contains_key(&e.id),
        }
    }

    fn apply(self, state: &mut State) {
        match self {
            Self::InsertOffer(o) => {
                state.offers.insert(o.id, *o);
            }
            Self::AppendEvent(e) => {
                state.outbox.insert(e.id, StoredEvent { event: e, locked_by: None, locked_until: None });
            }
        }
    }
}

struct MemoryTransaction {
    store: MemoryStore,
    changes: Vec<Change>,
    _writer: OwnedMutexGuard<()>,
}

impl MemoryTransaction {
    /// Records `change` unless it conflicts with committed data or with this transaction's own changes.
    fn record(&mut self, change: Change) -> Result<(), StoreError> {
        let row = change.row();
        if self.store.read(|state| change.exists_in(state)) || self.changes.iter().any(|c| c.row() == row) {
            return Err(StoreError::Conflict(format!("{} {}", row.0, row.1)));
        }
        self.changes.push(change);
        Ok(())
    }
}

#[async_trait]
impl UnitOfWork for MemoryStore {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let writer = Arc::clone(&self.writer).lock_owned().await;
        Ok(Box::new(MemoryTransaction { store: self.clone(), changes: Vec::new(), _writer: writer }))
    }
}

#[async_trait]
impl Transaction for MemoryTransaction {
    fn offers(&mut self) -> &mut dyn OfferWriter {
        self
    }

    fn outbox(&mut self) -> &mut dyn OutboxAppender {
        self
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let MemoryTransaction { store, changes, _writer } = *self;
        store.write(|state| changes.into_iter().for_each(|change| change.apply(state)));
        Ok(())
    }
}

#[async_trait]
impl OfferWriter for MemoryTransaction {
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError> {
        self.record(Change::InsertOffer(Box::new(offer.clone())))
    }
}

#[async_trait]
impl OutboxAppender for MemoryTransaction {
    async fn append(&mut self, event: &OutboxEvent) -> Result<(), StoreError> {
        self.record(Change::AppendEvent(event.clone()))
    }
}

fn matches(filter: &OfferFilter, offer: &JobOffer) -> bool {
    offer.is_visible_to(filter.audience)
        && filter.location.as_ref().is_none_or(|needle| search::fold(&offer.location).contains(&search::fold(needle)))
        && filter.contract_type.as_ref().is_none_or(|c| &offer.contract_type == c)
}

#[async_trait]
impl OfferRepository for MemoryStore {
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError> {
        self.read(|state| {
            let mut found: Vec<&JobOffer> = state.offers.values().filter(|o| matches(filter, o)).collect();
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            let total = found.len() as u64;
            let items = found
                .into_iter()
                .skip(usize::try_from(page.skip).unwrap_or(usize::MAX))
                .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
                .cloned()
                .collect();
            Ok(PageOf { items, total })
        })
    }

    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        Ok(self.read(|state| state.offers.values().filter(|o| matches(filter, o)).count() as u64))
    }

    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError> {
        Ok(self.read(|state| state.offers.get(&id).cloned()))
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
                };
                if wake {
                    if scope == RetryScope::Dead {
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
}

#[async_trait]
impl Probe for MemoryStore {
    async fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }
}
