//! What every persistence port shares: errors, pages, and the unit of work a use case writes through.

use async_trait::async_trait;

use crate::applications::drafts::DraftWriter;
use crate::identity::{
    AccessRequestWriter, AuditWriter, CandidateProfileWriter, NotificationWriter, RefreshTokenWriter, UserWriter,
};
use crate::offers::OfferWriter;
use crate::outbox::OutboxAppender;

/// A persistence port's failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write (the adapter maps the database's unique violation here).
    #[error("conflit d'unicité : {0}")]
    Conflict(String),
    /// The database cannot serve now (unreachable, restarting, out of connections, out of disk): nothing of the
    /// call was written, and the same call may succeed later (O7). Logged at the HTTP boundary, never shown.
    #[error("base de données indisponible ({kind})")]
    Unavailable {
        /// Why.
        kind: Outage,
        /// The driver's error.
        #[source]
        cause: anyhow::Error,
    },
    /// Anything else: corrupt row, broken invariant, … Logged at the HTTP boundary, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a store (the database or the document store) cannot serve for now (O7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Outage {
    /// It does not answer, refuses connections, is shutting down or has no connection to spare.
    #[error("injoignable")]
    Unreachable,
    /// Its disk is full: reads may work, writes fail until room is made.
    #[error("disque plein")]
    Full,
    /// It gave up the transaction for another one it could not run beside (a deadlock, a serialisation
    /// failure): rolled back whole, and the same call may run later.
    #[error("transaction annulée par concurrence")]
    Contended,
}

/// Which store an outage stopped, and why (O7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOutage {
    /// The database.
    Database(Outage),
    /// The document store.
    Documents(Outage),
}

impl StoreOutage {
    /// The outage `error` reports, if it is one: a store's `Unavailable` error anywhere in its chain of causes (a
    /// use case may have wrapped the store's error in its own).
    pub fn find(error: &anyhow::Error) -> Option<Self> {
        error.chain().find_map(|cause| {
            if let Some(StoreError::Unavailable { kind, .. }) = cause.downcast_ref::<StoreError>() {
                return Some(Self::Database(*kind));
            }
            match cause.downcast_ref::<crate::documents::DocumentStoreError>() {
                Some(crate::documents::DocumentStoreError::Unavailable { kind, .. }) => Some(Self::Documents(*kind)),
                _ => None,
            }
        })
    }
}

/// Which slice of a list to return: `skip` rows, then at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Page {
    /// Rows passed over before the page starts.
    pub skip: u64,
    /// Most rows in the page.
    pub limit: u64,
}

/// One page of a list and the number of all matching rows (F5: the true total, not the page size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOf<T> {
    /// The rows of this page, in the list's order.
    pub items: Vec<T>,
    /// How many rows match in all, across every page.
    pub total: u64,
}

/// Opens transactions. A use case runs in ONE transaction: its rows, its audit rows and its outbox events commit
/// together or not at all (I1).
#[async_trait]
pub trait UnitOfWork: Send + Sync + std::fmt::Debug {
    /// Opens a transaction; nothing written through it is seen by others until it commits.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
}

/// An open transaction. Dropping it without `commit` rolls everything back.
#[async_trait]
pub trait Transaction: Send {
    /// Offers, written inside this transaction.
    fn offers(&mut self) -> &mut dyn OfferWriter;
    /// The outbox: events appended here run only if the transaction commits (I2).
    fn outbox(&mut self) -> &mut dyn OutboxAppender;
    /// Accounts, written inside this transaction.
    fn users(&mut self) -> &mut dyn UserWriter;
    /// Access requests (R35), written inside this transaction.
    fn access_requests(&mut self) -> &mut dyn AccessRequestWriter;
    /// Candidates' notifications, written inside this transaction.
    fn notifications(&mut self) -> &mut dyn NotificationWriter;
    /// The audit trail (B2), written with the change it records.
    fn audit(&mut self) -> &mut dyn AuditWriter;
    /// Refresh-token families (S4), written inside this transaction.
    fn refresh_tokens(&mut self) -> &mut dyn RefreshTokenWriter;
    /// Password-reset tokens (S4), written inside this transaction.
    fn password_resets(&mut self) -> &mut dyn crate::identity::PasswordResetWriter;
    /// Candidate profiles, written inside this transaction.
    fn candidate_profiles(&mut self) -> &mut dyn CandidateProfileWriter;
    /// Applications, their documents and their status history, written inside this transaction.
    fn applications(&mut self) -> &mut dyn crate::applications::ApplicationWriter;
    /// Application drafts, written inside this transaction.
    fn drafts(&mut self) -> &mut dyn DraftWriter;
    /// The ledger of pending uploads (the per-user upload quota), written inside this transaction.
    fn uploads(&mut self) -> &mut dyn crate::applications::UploadLedger;
    /// The evaluations' writer (I6).
    fn evaluations(&mut self) -> &mut dyn crate::evaluations::EvaluationWriter;
    /// The interview slots' writer (I7).
    fn interview_slots(&mut self) -> &mut dyn crate::interviews::InterviewSlotWriter;
    /// The e-mail log (I8), written with the outbox event that sends each message.
    fn email_logs(&mut self) -> &mut dyn crate::mail::EmailLogWriter;
    /// The erasure of an account's personal data (B7).
    fn erasure(&mut self) -> &mut dyn crate::privacy::ErasureWriter;
    /// The retention job's warnings (B7), written with the e-mail that carries each.
    fn retention_warnings(&mut self) -> &mut dyn crate::privacy::RetentionWarningWriter;
    /// Makes every write of the transaction durable and visible at once; an error means none of them is.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
