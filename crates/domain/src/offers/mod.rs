//! Job offers: the entity, its enumerations, the MTP questions and who may see what (R14, K3, K3b).

mod mtp;
mod visibility;

use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

pub use mtp::{MtpFamily, MtpQuestions, MtpQuestionsError};
pub use visibility::Audience;

use crate::identity::UnknownValue;

/// Who an offer is open to (legacy `offer_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferVisibility {
    /// `tous`: everyone.
    Everyone,
    /// `interne`: SEEG employees only.
    InternalOnly,
    /// `externe`: meant for external candidates (internal candidates still see it, R14).
    ExternalOnly,
}

impl OfferVisibility {
    pub const ALL: [Self; 3] = [Self::Everyone, Self::InternalOnly, Self::ExternalOnly];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Everyone => "tous",
            Self::InternalOnly => "interne",
            Self::ExternalOnly => "externe",
        }
    }
}

impl FromStr for OfferVisibility {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue { value: s.to_owned(), expected: "tous, interne, externe" })
    }
}

impl fmt::Display for OfferVisibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an offer is in its life (legacy `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferStatus {
    Draft,
    Active,
    Closed,
    Archived,
}

impl OfferStatus {
    pub const ALL: [Self; 4] = [Self::Draft, Self::Active, Self::Closed, Self::Archived];

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Closed => "closed",
            Self::Archived => "archived",
        }
    }
}

impl FromStr for OfferStatus {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue { value: s.to_owned(), expected: "draft, active, closed, archived" })
    }
}

impl fmt::Display for OfferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
