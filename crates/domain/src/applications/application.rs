//! An application as stored (legacy §2.5): a candidate's answer to one offer, moving through the pipeline (I5).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ApplicationStatus, MtpAnswers, Reference};

/// A candidate's application to one offer, as stored (legacy §2.5). There is at most one per (candidate, offer)
/// (I4); its status moves only through `ApplicationStatus::transition` (I5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    /// The application's id.
    pub id: Uuid,
    /// The candidate (user) who applied.
    pub candidate_id: Uuid,
    /// The offer applied to.
    pub job_offer_id: Uuid,
    /// Where it stands in the pipeline (I5).
    pub status: ApplicationStatus,
    /// Free text the candidate gave about references (legacy `reference_contacts`), trimmed; `None` when blank.
    pub reference_contacts: Option<String>,
    /// When the candidate can start.
    pub availability_start: Option<DateTime<Utc>>,
    /// Whether the candidate has managed people: an answer internal candidates must give (R19); `false` when not
    /// given by an external one.
    pub has_been_manager: bool,
    /// The professional reference (legacy `ref_*` columns): required of external candidates (R19, K3d).
    pub reference: Reference,
    /// The answers to the offer's MTP questions, one per question (K3).
    pub mtp_answers: MtpAnswers,
    /// When it was submitted.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}
