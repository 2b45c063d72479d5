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
    /// Anything else: unreachable database, corrupt row, … Logged at the HTTP boundary, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Which slice of a list to return: `skip` rows, then at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub skip: u64,
    pub limit: u64,
}

/// One page of a list and the number of all matching rows (F5: the true total, not the page size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// Opens transactions. A use case runs in ONE transaction: its rows, its audit rows and its outbox events commit
/// together or not at all (I1).
#[async_trait]
pub trait UnitOfWork: Send + Sync + std::fmt::Debug {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
}

/// An open transaction. Dropping it without `commit` rolls everything back.
#[async_trait]
pub trait Transaction: Send {
    fn offers(&mut self) -> &mut dyn OfferWriter;
    fn outbox(&mut self) -> &mut dyn OutboxAppender;
    fn users(&mut self) -> &mut dyn UserWriter;
    fn access_requests(&mut self) -> &mut dyn AccessRequestWriter;
    fn notifications(&mut self) -> &mut dyn NotificationWriter;
    fn audit(&mut self) -> &mut dyn AuditWriter;
    fn refresh_tokens(&mut self) -> &mut dyn RefreshTokenWriter;
    fn password_resets(&mut self) -> &mut dyn crate::identity::PasswordResetWriter;
    fn candidate_profiles(&mut self) -> &mut dyn CandidateProfileWriter;
    fn applications(&mut self) -> &mut dyn crate::applications::ApplicationWriter;
    fn drafts(&mut self) -> &mut dyn DraftWriter;
    fn uploads(&mut self) -> &mut dyn crate::applications::UploadLedger;
    /// The evaluations' writer (I6).
    fn evaluations(&mut self) -> &mut dyn crate::evaluations::EvaluationWriter;
    /// The interview slots' writer (I7).
    fn interview_slots(&mut self) -> &mut dyn crate::interviews::InterviewSlotWriter;
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}
