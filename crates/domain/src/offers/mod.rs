//! Job offers: the entity, its enumerations, the MTP questions and who may see what (R14, K3, K3b).

mod mtp;
mod visibility;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use mtp::{MtpFamily, MtpQuestions, MtpQuestionsError};
pub use visibility::Audience;

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Who an offer is open to (legacy `offer_status`).
    pub enum OfferVisibility {
        /// `tous`: everyone.
        Everyone => "tous",
        /// `interne`: SEEG employees only.
        InternalOnly => "interne",
        /// `externe`: meant for external candidates (internal candidates still see it, R14).
        ExternalOnly => "externe",
    }
}

wire_enum! {
    /// Where an offer is in its life (legacy `status`).
    pub enum OfferStatus {
        Draft => "draft",
        Active => "active",
        Closed => "closed",
        Archived => "archived",
    }
}

/// A job offer with the legacy fields (legacy §2.4). Salaries are in FCFA.
///
/// Offers are created and changed through validated commands (the recruiter side); this struct is the
/// stored state, so its fields are public for the repositories that rebuild it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOffer {
    pub id: Uuid,
    pub recruiter_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub location: String,
    pub contract_type: String,
    pub department: Option<String>,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_note: Option<String>,
    pub requirements: Vec<String>,
    pub benefits: Vec<String>,
    pub responsibilities: Vec<String>,
    pub status: OfferStatus,
    pub visibility: OfferVisibility,
    pub application_deadline: Option<DateTime<Utc>>,
    pub date_limite: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub reporting_line: Option<String>,
    pub profile: Option<String>,
    pub categorie_metier: Option<String>,
    pub job_grade: Option<String>,
    pub questions_mtp: Option<MtpQuestions>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl JobOffer {
    /// Whether `audience` may see this offer at all (lists, reads by id, applications: K3b).
    pub fn is_visible_to(&self, audience: Audience) -> bool {
        audience.sees_status(self.status) && audience.sees_visibility(self.visibility)
    }
}
