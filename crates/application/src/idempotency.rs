//! Idempotent POSTs (decision I4): a client that retries a POST with the same `Idempotency-Key` gets the first
//! response again instead of a second effect. The HTTP adapter keeps the first successful response here, per
//! caller, for 24 hours.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::Clock;
use crate::store::StoreError;

/// How long a key replays its response.
pub const IDEMPOTENCY_WINDOW: TimeDelta = TimeDelta::hours(24);

/// A claim neither completed nor released this long after it was made is abandoned (its process died, or the
/// database was out when it tried to release it, O7): the key may be claimed again. Longer than any request may
/// take (an upload's body has `http.body_timeout_secs`, 10 minutes by default).
pub const ABANDONED_AFTER: TimeDelta = TimeDelta::minutes(30);
/// The longest key accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// A response as it will be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// sha256 (hex) of the request body that produced it: another body with the same key is refused.
    pub request_hash: String,
    /// The HTTP status sent.
    pub status: u16,
    /// The `Content-Type` sent, if any.
    pub content_type: Option<String>,
    /// The body sent, byte for byte.
    pub body: Vec<u8>,
}

/// A key as stored: claimed by a request in progress (`response` empty) or completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Whose key it is: the caller's account id (keys never collide across callers).
    pub scope: Uuid,
    /// The `Idempotency-Key` header's value (at most `MAX_IDEMPOTENCY_KEY` characters).
    pub key: String,
    /// The first response, once the request completed; `None` while it runs.
    pub response: Option<StoredResponse>,
    /// When the key was claimed: it replays for `IDEMPOTENCY_WINDOW` from then.
    pub created_at: DateTime<Utc>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is now this request's: run it, then `complete` or `release`.
    Claimed,
    /// Another request holds or held the key within the window.
    Existing(IdempotencyRecord),
}

/// Keeps idempotency keys.
///
/// Contract: keys are per `scope` (the caller's account). `claim` records `(scope, key)` as in progress at `at`
/// and answers `Claimed`, unless a record created at or after `not_before` exists, which it returns as
/// `Existing`; an older record is replaced, and so is one still in progress (never completed nor released)
/// created before `abandoned_before`. Of concurrent claims of one key exactly one is `Claimed`.
/// `complete` stores the response of a claimed key; `release` forgets the key (the request failed: a retry runs
/// again). Both do nothing for an unknown key. `remove_created_before` deletes every record, completed or not,
/// claimed before `created_before`, and returns how many.
#[async_trait]
pub trait IdempotencyStore: Send + Sync + std::fmt::Debug {
    /// Claims `(scope, key)` for a request starting at `at`, or returns the record still in the window.
    async fn claim(
        &self,
        scope: Uuid,
        key: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> Result<Claim, StoreError>;
    /// Stores the response of a claimed key, to be replayed.
    async fn complete(
        &self,
        scope: Uuid,
        key: &str,
        response: &StoredResponse,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Forgets a claimed key, so that a retry runs again.
    async fn release(&self, scope: Uuid, key: &str) -> Result<(), StoreError>;
    /// Deletes the records claimed before `created_before`; returns how many.
    async fn remove_created_before(&self, created_before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Idempotency keys as the HTTP layer uses them: claimed, completed and released at the clock's time, each
/// replaying for `IDEMPOTENCY_WINDOW`.
#[derive(Debug, Clone)]
pub struct IdempotentRequests {
    store: Arc<dyn IdempotencyStore>,
    clock: Arc<dyn Clock>,
}

impl IdempotentRequests {
    /// Keys kept in `store`, dated by `clock`.
    pub fn new(store: Arc<dyn IdempotencyStore>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }

    /// Claims `key` for `scope` now; a record older than the window no longer counts.
    pub async fn claim(&self, scope: Uuid, key: &str) -> Result<Claim, StoreError> {
        let now = self.clock.now();
        self.store.claim(scope, key, now, now - IDEMPOTENCY_WINDOW, now - ABANDONED_AFTER).await
    }

    /// Keeps the response of a claimed key, to replay.
    pub async fn complete(&self, scope: Uuid, key: &str, response: &StoredResponse) -> Result<(), StoreError> {
        self.store.complete(scope, key, response, self.clock.now()).await
    }

    /// Forgets a claimed key: its request failed, and a retry runs again.
    pub async fn release(&self, scope: Uuid, key: &str) -> Result<(), StoreError> {
        self.store.release(scope, key).await
    }
}
