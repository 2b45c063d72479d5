//! Job offers: the entity, its enumerations, the MTP questions and who may see what (R14, K3, K3b).

mod mtp;
mod rules;
mod visibility;

use chrono::{DateTime, Utc};
use uuid::Uuid;

pub use mtp::{MtpFamily, MtpQuestions, MtpQuestionsError};
pub use rules::{
    CONTRACT_TYPES, DEPARTMENT_MAX_CHARS, DESCRIPTION_CHARS, LOCATION_CHARS, LONG_TEXT_MAX_CHARS, MAX_LIST_ITEMS,
    OfferChanges, OfferRuleError, SHORT_TEXT_MAX_CHARS, TITLE_CHARS, canonical_contract_type,
};
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
        /// Prepared, not yet shown to candidates.
        Draft => "draft",
        /// Published: candidates of its audience see it and may apply until its deadline.
        Active => "active",
        /// No longer takes applications; staff still see it.
        Closed => "closed",
        /// Kept for the record only; staff still see it.
        Archived => "archived",
    }
}

/// A job offer with the legacy fields (legacy §2.4). Salaries are in FCFA.
///
/// Offers are created and changed through validated commands (the recruiter side); this struct is the
/// stored state, so its fields are public for the repositories that rebuild it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOffer {
    /// The offer's id.
    pub id: Uuid,
    /// The recruiter (or admin) who created it; S3 lets a recruiter change only its own offers. `None` for rows
    /// imported without one.
    pub recruiter_id: Option<Uuid>,
    /// 5 to 200 characters (`TITLE_CHARS`).
    pub title: String,
    /// 20 to 20 000 characters (`DESCRIPTION_CHARS`).
    pub description: String,
    /// Place of work, 2 to 100 characters (`LOCATION_CHARS`).
    pub location: String,
    /// One of `CONTRACT_TYPES`, in its canonical spelling.
    pub contract_type: String,
    /// Department of SEEG that hires, at most `DEPARTMENT_MAX_CHARS`.
    pub department: Option<String>,
    /// Lowest salary offered, in FCFA; not negative, not above `salary_max`.
    pub salary_min: Option<i64>,
    /// Highest salary offered, in FCFA; not negative.
    pub salary_max: Option<i64>,
    /// Free text about the pay (at most `SHORT_TEXT_MAX_CHARS`).
    pub salary_note: Option<String>,
    /// What the candidate must bring, one item per entry (at most `MAX_LIST_ITEMS`).
    pub requirements: Vec<String>,
    /// What the job offers, one item per entry (at most `MAX_LIST_ITEMS`).
    pub benefits: Vec<String>,
    /// What the job holder will do, one item per entry (at most `MAX_LIST_ITEMS`).
    pub responsibilities: Vec<String>,
    /// Where the offer is in its life (legacy `status`); candidates see `active` offers only.
    pub status: OfferStatus,
    /// Who the offer is open to (legacy `offer_status`, R14).
    pub visibility: OfferVisibility,
    /// Applications close after this instant (see `deadline`).
    pub application_deadline: Option<DateTime<Utc>>,
    /// The legacy deadline field, used when `application_deadline` is empty.
    pub date_limite: Option<DateTime<Utc>>,
    /// When the job starts.
    pub start_date: Option<DateTime<Utc>>,
    /// Who the job holder reports to (at most `SHORT_TEXT_MAX_CHARS`).
    pub reporting_line: Option<String>,
    /// The profile sought, free text (at most `LONG_TEXT_MAX_CHARS`).
    pub profile: Option<String>,
    /// Job family (at most `SHORT_TEXT_MAX_CHARS`).
    pub categorie_metier: Option<String>,
    /// Grade of the position (at most `SHORT_TEXT_MAX_CHARS`).
    pub job_grade: Option<String>,
    /// The MTP questions candidates answer when they apply (K3); `None` when the offer asks none.
    pub questions_mtp: Option<MtpQuestions>,
    /// When the offer was created.
    pub created_at: DateTime<Utc>,
    /// When a change last altered it (an update that changes nothing leaves it).
    pub updated_at: DateTime<Utc>,
}

impl JobOffer {
    /// Whether `audience` may see this offer at all (lists, reads by id, applications: K3b).
    pub fn is_visible_to(&self, audience: Audience) -> bool {
        audience.sees_status(self.status) && audience.sees_visibility(self.visibility)
    }

    /// The date after which applications close: `application_deadline`, else the legacy `date_limite`.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.application_deadline.or(self.date_limite)
    }

    /// Whether an application may arrive at `now`: the offer is `active` and its deadline, if any, has not passed.
    /// Offers are not closed by a background job: this rule is read whenever it matters (responses' `is_open`,
    /// and application submissions), so an offer closes at its deadline to the second and stays `active` in
    /// storage.
    pub fn accepts_applications(&self, now: DateTime<Utc>) -> bool {
        self.status == OfferStatus::Active && self.deadline().is_none_or(|deadline| now <= deadline)
    }

    /// What the folded search text `q` is compared with (B8): title, description, department and location,
    /// folded (`search::fold`) and joined with a separator no search text can contain (text filters refuse
    /// control characters), so a term never matches across two fields.
    pub fn search_folded(&self) -> String {
        search_folded(&self.title, &self.description, self.department.as_deref(), &self.location)
    }
}

/// `JobOffer::search_folded` from the four fields (the migration that backfills the column uses it too).
pub fn search_folded(title: &str, description: &str, department: Option<&str>, location: &str) -> String {
    crate::search::fold_fields([Some(title), Some(description), department, Some(location)].into_iter().flatten())
}

/// Separates the fields inside `JobOffer::search_folded` (ASCII unit separator).
pub const SEARCH_FIELD_SEPARATOR: &str = crate::search::FIELD_SEPARATOR;

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    fn offer(deadline: Option<DateTime<Utc>>, date_limite: Option<DateTime<Utc>>) -> JobOffer {
        let now = DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z").unwrap().with_timezone(&Utc);
        JobOffer {
            id: Uuid::nil(),
            recruiter_id: None,
            title: "Électricien".into(),
            description: "Réseau HTA".into(),
            location: "Port-Gentil".into(),
            contract_type: "CDI".into(),
            department: None,
            salary_min: None,
            salary_max: None,
            salary_note: None,
            requirements: vec![],
            benefits: vec![],
            responsibilities: vec![],
            status: OfferStatus::Active,
            visibility: OfferVisibility::Everyone,
            application_deadline: deadline,
            date_limite,
            start_date: None,
            reporting_line: None,
            profile: None,
            categorie_metier: None,
            job_grade: None,
            questions_mtp: None,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn applications_close_after_the_deadline_or_the_legacy_date_limite() {
        let at = DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let second = TimeDelta::seconds(1);
        assert!(offer(None, None).accepts_applications(at));
        assert!(offer(Some(at), None).accepts_applications(at), "open up to the deadline itself");
        assert!(!offer(Some(at), None).accepts_applications(at + second));
        assert!(!offer(None, Some(at)).accepts_applications(at + second));
        assert!(offer(Some(at + second), Some(at)).accepts_applications(at + second), "application_deadline first");
        let mut closed = offer(None, None);
        closed.status = OfferStatus::Closed;
        assert!(!closed.accepts_applications(at));
    }

    #[test]
    fn the_search_text_is_folded_field_by_field() {
        let mut o = offer(None, None);
        o.department = Some("Direction de l'Électricité".into());
        assert_eq!(o.search_folded(), "electricien\u{1f}reseau hta\u{1f}direction de l'electricite\u{1f}port-gentil");
    }
}
