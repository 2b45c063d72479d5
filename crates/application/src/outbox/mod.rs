//! The transactional outbox (I2): side effects are rows written with the change that causes them, then run
//! by a relay, retried with backoff and jitter, dead-lettered after a limit and replayable by an operator.

mod desk;
mod relay;

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::outbox::OutboxState;
use uuid::Uuid;

use crate::store::StoreError;

pub use desk::{OutboxDesk, OutboxDeskError};
pub use relay::{OutboxRelay, RelaySettings};

/// One side effect to run.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    /// The event's id; also the id of what it produces where one is needed (a mail's idempotency key).
    pub id: Uuid,
    /// What to do (`application.submitted`, `mail.send`, …): selects the handler.
    pub kind: String,
    /// What the handler needs; ids rather than personal data wherever the handler can read them back.
    pub payload: serde_json::Value,
    /// Pending, done or dead.
    pub state: OutboxState,
    /// Failed runs so far.
    pub attempts: u32,
    /// The last failure's message, cut to `MAX_ERROR_CHARS`; for operators, never logged (S12).
    pub last_error: Option<String>,
    /// Not run before this time.
    pub next_attempt_at: DateTime<Utc>,
    /// When the change that caused it committed.
    pub created_at: DateTime<Utc>,
    /// When its handler succeeded.
    pub processed_at: Option<DateTime<Utc>>,
}

impl OutboxEvent {
    /// A new pending event, due at once.
    pub fn new(id: Uuid, kind: impl Into<String>, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self {
            id,
            kind: kind.into(),
            payload,
            state: OutboxState::Pending,
            attempts: 0,
            last_error: None,
            next_attempt_at: now,
            created_at: now,
            processed_at: None,
        }
    }
}

/// Appends events inside the transaction of the change that causes them.
#[async_trait]
pub trait OutboxAppender: Send {
    /// Adds the event; it becomes visible to the relay only when the transaction commits.
    async fn append(&mut self, event: &OutboxEvent) -> Result<(), StoreError>;
}

/// How a failed run ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Stays pending, due again at this time.
    RetryAt(DateTime<Utc>),
    /// Goes to the dead letters.
    Dead,
}

/// Which events an operator's retry wakes up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryScope {
    /// Pending events that failed at least once become due now.
    Failing,
    /// Dead letters become pending again, with their attempt count reset, due now.
    Dead,
    /// This one event, dead or pending: pending, its attempt count reset, due now. A done event stays done.
    Event(Uuid),
}

/// Counts for operators and monitoring.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Events waiting to run.
    pub pending: u64,
    /// Pending events that failed at least once.
    pub failing: u64,
    /// Dead letters, waiting for an operator.
    pub dead: u64,
    /// Events handled.
    pub done: u64,
    /// Creation time of the oldest pending event.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// Pending and dead events per kind.
    pub by_kind: Vec<KindCount>,
}

/// The pending and dead events of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    /// The event kind.
    pub kind: String,
    /// Its pending events.
    pub pending: u64,
    /// Its dead letters.
    pub dead: u64,
}

/// The relay's view of the outbox.
///
/// Contract:
/// - `claim_due` returns up to `limit` pending events with `next_attempt_at <= now` that are not leased, or whose
///   lease ended before `now`, oldest due first, and leases each to `worker` until `lease_until`. Concurrent
///   callers (several relays, several replicas) never receive the same event while its lease holds.
/// - `mark_done` / `mark_failed` apply only while `worker` still holds the lease; they return `false` (and change
///   nothing) when the lease was lost to another relay.
/// - `release` gives back leases `worker` holds on events it will not run after all (shutdown, lease too short
///   to start another handler): they become claimable at once. It returns how many it released.
/// - `retry` returns how many events it woke up.
/// - `prune_done` deletes the `done` events whose handler succeeded before `processed_before` and returns how
///   many; pending and dead events stay whatever their age (a dead letter waits for an operator).
#[async_trait]
pub trait OutboxStore: Send + Sync + std::fmt::Debug {
    /// Leases up to `limit` due events to `worker` until `lease_until` (see the contract above).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError>;
    /// Records a success, if `worker` still holds the lease.
    async fn mark_done(&self, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Records a failure (`attempts` so far, the error and what follows), if `worker` still holds the lease.
    async fn mark_failed(
        &self,
        id: Uuid,
        worker: &str,
        attempts: u32,
        error: &str,
        outcome: FailureOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Gives back `worker`'s leases on events it will not run.
    async fn release(&self, ids: &[Uuid], worker: &str) -> Result<u64, StoreError>;
    /// One event, whatever its state; `None` if unknown.
    async fn get(&self, id: Uuid) -> Result<Option<OutboxEvent>, StoreError>;
    /// The counters for operators.
    async fn stats(&self) -> Result<OutboxStats, StoreError>;
    /// Makes the events of `scope` due at `now`; returns how many.
    async fn retry(&self, scope: RetryScope, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Deletes the `done` events processed before `processed_before`; returns how many.
    async fn prune_done(&self, processed_before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Runs the side effect of one kind of event.
///
/// Contract: idempotent. An event may run more than once (at-least-once delivery: a crash after the effect but
/// before `mark_done`), so running it twice must have the effect of running it once.
#[async_trait]
pub trait OutboxHandler: Send + Sync {
    /// The event kind this handler runs (`mail.send`, …).
    fn kind(&self) -> &'static str;
    /// Runs the event's side effect; an error sends it back to the relay's retry policy.
    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()>;
    /// Told once the relay has dead-lettered `event` after its last failed run (the mail handler marks the
    /// message's log row `dead`). Nothing by default. An error is logged; the event stays dead.
    async fn dead_lettered(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let _ = event;
        Ok(())
    }
}

/// The handlers the relay knows, by event kind.
#[derive(Clone, Default)]
pub struct HandlerRegistry {
    handlers: HashMap<&'static str, Arc<dyn OutboxHandler>>,
}

impl std::fmt::Debug for HandlerRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.handlers.keys()).finish()
    }
}

impl HandlerRegistry {
    /// Adds a handler; a later handler of the same kind replaces the earlier one.
    #[must_use]
    pub fn with(mut self, handler: Arc<dyn OutboxHandler>) -> Self {
        self.handlers.insert(handler.kind(), handler);
        self
    }

    /// Adds every handler of `other`; on a shared kind, `other`'s handler wins (tests replace a default one).
    #[must_use]
    pub fn merged(mut self, other: Self) -> Self {
        self.handlers.extend(other.handlers);
        self
    }

    /// The handler of this event kind, if any (an event with none fails and is retried).
    pub fn get(&self, kind: &str) -> Option<&Arc<dyn OutboxHandler>> {
        self.handlers.get(kind)
    }
}
