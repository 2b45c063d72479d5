//! Personal data (B7 in docs/decisions.md, issue 19): a person's export, the erasure of an account, and the
//! retention of inactive candidates' accounts.

mod erased_objects;
mod erasure;
mod export;
mod retention;

use async_trait::async_trait;
use uuid::Uuid;

use crate::store::StoreError;

pub use erased_objects::ErasedObjectsHandler;
pub use erasure::{
    AccountErasure, AccountStanding, CLOSED_NOTE, ERASED_DOMAIN, ERASED_FIRST_NAME, ERASED_LAST_NAME,
    ERASED_PASSWORD_HASH, ERASED_TEXT, ErasedData, Eraser, ErasureError, ErasurePlan, ErasureReason, ErasureRecord,
    ErasureRepository, ErasureWriter, PERSONAL_DATA_ERASED, erased_email, erased_recipients, first_recipient,
    former_addresses, lists_address, mentions_address,
};
pub use export::{
    EvaluationOutcome, ExportError, ExportPorts, ExportedApplication, PersonalData, PersonalDataExports, USER_EXPORTED,
};
pub use retention::{
    FIRST_PASS_AFTER, MAX_INACTIVE_AFTER_DAYS, MAX_WARNING_DAYS, MIN_INACTIVE_AFTER_DAYS, MIN_WARNING_DAYS,
    PlannedRetention, RETENTION_BATCH, RETENTION_WARNING, RetentionAction, RetentionCandidate, RetentionJob,
    RetentionPolicy, RetentionPolicyOutOfRange, RetentionReport, RetentionRepository, RetentionWarningWriter,
    erasure_reason,
};

/// Erases an inactive account for the retention job: the same erasure an administrator asks for, done by the
/// service itself (no actor).
#[async_trait]
pub trait InactiveAccountEraser: Send + Sync + std::fmt::Debug {
    /// Erases account `user_id`, recording `reason`, if nothing happened on it since `warned_at` (checked under the
    /// account's lock: a sign-in just before keeps it). `Ok(true)` when it was erased now; `Ok(false)` when it was
    /// not: unknown, already erased, not a candidate, active since the warning, or one of its applications is
    /// still in progress (never forced).
    async fn erase_inactive(
        &self,
        user_id: Uuid,
        reason: &str,
        warned_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError>;
}
