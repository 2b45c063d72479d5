//! An application as stored (legacy §2.5): a candidate's answer to one offer, moving through the pipeline (I5).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ApplicationStatus, MtpAnswers, Reference};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    pub status: ApplicationStatus,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<DateTime<Utc>>,
    pub has_been_manager: bool,
    pub reference: Reference,
    pub mtp_answers: MtpAnswers,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
