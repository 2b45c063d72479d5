//! The per-user quota of pending uploads (S11): bytes a user has stored that no application names yet.
//!
//! Why: documents are stored BEFORE the transaction that names them (a row must never name missing bytes), so a
//! refused or abandoned request leaves orphans that the sweep removes only after its grace period (a day by
//! default). Without a bound, one account could fill the store with 40 MiB requests that always fail at the
//! last step.
//!
//! How: a request reserves what it may store in a ledger row BEFORE its first byte is stored, in a transaction
//! that locks the user's row, so two concurrent requests of one user cannot both pass the check: a body already
//! read reserves its exact size (`UploadQuota::reserve`); a streamed one, whose size is known only at its end,
//! reserves its maximum or the room left, whichever is smaller (`UploadQuota::reserve_up_to`), and is refused
//! only if it goes on past what it reserved (`PendingUpload::admits`). The request then holds a `PendingUpload`:
//! - committed (submission, added document): its row is released in the same transaction as the application
//!   rows: bytes that a row names are not pending;
//! - refused: its row is settled to the bytes that may be in the store (finished documents, and the bytes written
//!   of a partial one unless its abort succeeded), which count until the grace period ends, when the sweep may
//!   remove them; a request that stored nothing leaves no row;
//! - dropped without either (the process died): the row keeps the request's reservation until the grace period
//!   ends. Counting too much for a day is the safe side.
//!
//! A candidate's own change that un-names stored documents (deleting an application or a document, replacing
//! one) adds a row of their size (`count_unnamed`): they too stay stored until the sweep.
//!
//! Only rows younger than the grace period count: older orphans are the sweep's to remove.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use seeg_domain::identity::User;
use uuid::Uuid;

use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// One request's claim on its user's quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReservation {
    /// The reservation's id.
    pub id: Uuid,
    /// Whose quota it counts on.
    pub user_id: Uuid,
    /// The request's maximum while it runs; what it stored once settled.
    pub bytes: u64,
    /// When it was made: it counts until `QuotaLimits::window` has passed.
    pub created_at: DateTime<Utc>,
}

/// What a user's reservations younger than a cut-off add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PendingBytes {
    /// Their bytes together.
    pub bytes: u64,
    /// The oldest of them: when it ages out, its bytes stop counting.
    pub oldest: Option<DateTime<Utc>>,
}

/// The ledger of reservations, written in a transaction.
///
/// Contract:
/// - `insert` adds a reservation (ids are unique: `StoreError::Conflict` otherwise).
/// - `pending` sums the bytes of `user_id`'s reservations created at or after `since`, as this transaction sees
///   them, with the oldest creation time among them (`None` when there is none).
/// - `settle` sets reservation `id`'s bytes; `release` deletes it; each returns whether the reservation existed.
/// - `forget_before` deletes `user_id`'s reservations created before `before`; returns how many.
/// - All of it rolls back with the transaction.
#[async_trait]
pub trait UploadLedger: Send {
    /// Adds a reservation.
    async fn insert(&mut self, reservation: &UploadReservation) -> Result<(), StoreError>;
    /// `user_id`'s reservations made at or after `since`, summed.
    async fn pending(&mut self, user_id: Uuid, since: DateTime<Utc>) -> Result<PendingBytes, StoreError>;
    /// Sets a reservation's bytes to what its request stored; `false` if unknown.
    async fn settle(&mut self, id: Uuid, bytes: u64) -> Result<bool, StoreError>;
    /// Deletes a reservation; `false` if unknown.
    async fn release(&mut self, id: Uuid) -> Result<bool, StoreError>;
    /// Deletes `user_id`'s reservations made before `before`; returns how many.
    async fn forget_before(&mut self, user_id: Uuid, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The quota's settings: at most `max_bytes` pending per user, counted over `window` (the sweep's grace period).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaLimits {
    /// Most bytes pending per user.
    pub max_bytes: u64,
    /// How long a reservation counts (the sweep's grace period).
    pub window: TimeDelta,
}

impl QuotaLimits {
    /// The default: five refused 40 MiB submissions a day, counted over the sweep's default grace period.
    pub const DEFAULT_MAX_BYTES: u64 = 200 * 1024 * 1024;
}

impl Default for QuotaLimits {
    fn default() -> Self {
        Self { max_bytes: Self::DEFAULT_MAX_BYTES, window: crate::documents_sweep::GracePeriod::default().as_delta() }
    }
}

/// A request was refused: its user's pending uploads would pass the quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "Trop de documents envoyés sans candidature enregistrée ({} Mio au plus) : réessayez plus tard",
    .max_bytes / (1024 * 1024)
)]
pub struct QuotaExceeded {
    /// The quota, in bytes.
    pub max_bytes: u64,
    /// When enough may have aged out: the oldest pending reservation's end of window.
    pub retry_after_secs: u64,
}

/// Why a reservation was not made.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// The user's pending uploads would pass the quota.
    #[error(transparent)]
    Exceeded(#[from] QuotaExceeded),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A reservation held by a running request (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    id: Uuid,
    /// The bytes the request has stored so far.
    stored: u64,
    /// The bytes reserved: the most the request may store.
    reserved: u64,
    /// The refusal a request that goes past `reserved` gets.
    exceeded: QuotaExceeded,
}

impl PendingUpload {
    pub(crate) fn add_stored(&mut self, bytes: u64) {
        self.stored = self.stored.saturating_add(bytes);
    }

    /// Bytes counted as stored that are gone after all (an upload aborted).
    pub(crate) fn remove_stored(&mut self, bytes: u64) {
        self.stored = self.stored.saturating_sub(bytes);
    }

    /// Whether `more` bytes, besides those stored so far, stay within the reservation.
    pub fn admits(&self, more: u64) -> bool {
        self.stored.saturating_add(more) <= self.reserved
    }

    /// Why a request that goes past its reservation is refused.
    pub const fn exceeded(&self) -> QuotaExceeded {
        self.exceeded
    }

    /// The bytes reserved.
    pub const fn reserved(&self) -> u64 {
        self.reserved
    }
}

/// How much a reservation asks for.
#[derive(Debug, Clone, Copy)]
enum Claim {
    /// Exactly this, or nothing.
    Exactly(u64),
    /// As much of this as the quota has room for (at least a byte).
    UpTo(u64),
}

/// Reserves, settles and releases pending uploads.
#[derive(Debug, Clone)]
pub struct UploadQuota {
    uow: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    limits: QuotaLimits,
}

impl UploadQuota {
    /// The quota on `limits`, reserving through `uow`.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        limits: QuotaLimits,
    ) -> Self {
        Self { uow, clock, ids, limits }
    }

    /// The quota's settings.
    pub const fn limits(&self) -> QuotaLimits {
        self.limits
    }

    /// Reserves `bytes` for a request of `user` before it stores anything, or refuses it when `user`'s pending
    /// uploads and `bytes` together would pass the quota. The user's row is locked first: one user's requests
    /// reserve one at a time.
    pub async fn reserve(&self, user: &User, bytes: u64) -> Result<PendingUpload, ReserveError> {
        self.claim(user, Claim::Exactly(bytes)).await
    }

    /// Reserves `most` bytes, or the room `user` has left if that is less, for a request whose size is known only
    /// at its end (a stream); refuses it only when no room is left. The request must keep within
    /// `PendingUpload::admits`.
    pub async fn reserve_up_to(&self, user: &User, most: u64) -> Result<PendingUpload, ReserveError> {
        self.claim(user, Claim::UpTo(most)).await
    }

    async fn claim(&self, user: &User, claim: Claim) -> Result<PendingUpload, ReserveError> {
        let now = self.clock.now();
        let since = now - self.limits.window;
        let mut tx = self.uow.begin().await?;
        tx.users().lock(user.id).await?;
        tx.uploads().forget_before(user.id, since).await?;
        let pending = tx.uploads().pending(user.id, since).await?;
        let room = self.limits.max_bytes.saturating_sub(pending.bytes);
        // Until the oldest counted row leaves the window (this request's own, if it is the first).
        let ages_out = pending.oldest.unwrap_or(now) + self.limits.window;
        let exceeded = QuotaExceeded {
            max_bytes: self.limits.max_bytes,
            retry_after_secs: u64::try_from((ages_out - now).num_seconds()).unwrap_or(0).max(1),
        };
        let bytes = match claim {
            Claim::Exactly(bytes) if bytes <= room => bytes,
            Claim::UpTo(most) if room > 0 => most.min(room),
            Claim::Exactly(_) | Claim::UpTo(_) => return Err(exceeded.into()),
        };
        let reservation = UploadReservation { id: self.ids.new_id(), user_id: user.id, bytes, created_at: now };
        tx.uploads().insert(&reservation).await?;
        tx.commit().await?;
        Ok(PendingUpload { id: reservation.id, stored: 0, reserved: bytes, exceeded })
    }

    /// A refused request: its reservation now counts what it stored (nothing stored: the row goes). A failure
    /// here only leaves the request's maximum counted until the window ends, so it is logged, not returned.
    pub async fn settle(&self, pending: PendingUpload) {
        let settled = async {
            let mut tx = self.uow.begin().await?;
            if pending.stored == 0 {
                tx.uploads().release(pending.id).await?;
            } else {
                tx.uploads().settle(pending.id, pending.stored).await?;
            }
            tx.commit().await
        }
        .await;
        if let Err(error) = settled {
            tracing::warn!(error = %error, "pending upload not settled; its maximum counts until the window ends");
        }
    }
}

impl UploadQuota {
    /// `outcome` as it is, after settling `pending` if the request was refused (a committed one released it).
    pub(crate) async fn settle_if_refused<T, E>(
        &self,
        outcome: Result<T, E>,
        pending: Option<PendingUpload>,
    ) -> Result<T, E> {
        if outcome.is_err()
            && let Some(pending) = pending
        {
            self.settle(pending).await;
        }
        outcome
    }
}

/// Counts `bytes` that `tx` un-names (a deleted application or document, a replaced one) on `user_id`'s quota:
/// objects no row names any more stay stored until the sweep's grace period ends, like a refused upload's, so a
/// user cannot store without bound by committing, then deleting, over and over.
pub(crate) async fn count_unnamed(
    tx: &mut dyn crate::store::Transaction,
    ids: &dyn IdGenerator,
    user_id: Uuid,
    bytes: u64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if bytes == 0 {
        return Ok(());
    }
    tx.uploads().insert(&UploadReservation { id: ids.new_id(), user_id, bytes, created_at: now }).await
}

/// Releases `pending` in `tx`, the transaction that makes its documents part of an application.
pub(crate) async fn release_in(
    tx: &mut dyn crate::store::Transaction,
    pending: Option<&PendingUpload>,
) -> Result<(), StoreError> {
    if let Some(pending) = pending {
        tx.uploads().release(pending.id).await?;
    }
    Ok(())
}
