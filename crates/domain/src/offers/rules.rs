//! Writing offers: the field rules (R15, with the decisions the README lists for offers), applied the same way on create and on update.
//!
//! A create is the changes applied to an empty offer; an update is the changes applied to the stored one. Either
//! way the WHOLE result is checked before anything is returned, so an offer that breaks a rule is never built,
//! hence never stored (R18 kept, D21 fixed).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{JobOffer, MtpQuestions, MtpQuestionsError, OfferStatus, OfferVisibility};
use crate::search;

/// The contract types an offer may have (legacy documented list, now enforced). Writes accept each word in any
/// case, with or without accents and surrounding spaces, and store this spelling.
pub const CONTRACT_TYPES: [&str; 5] = ["CDI", "CDD", "Stage", "Alternance", "Freelance"];

/// The canonical spelling of a contract type, if `raw` names one of `CONTRACT_TYPES`.
pub fn canonical_contract_type(raw: &str) -> Option<&'static str> {
    let folded = search::fold(raw);
    CONTRACT_TYPES.into_iter().find(|c| search::fold(c) == folded)
}

/// `title`: at least 5 and at most 200 characters. The length limits of the text fields, `(fewest, most)` or
/// most, are counted in characters and are the legacy schema's, and the columns'.
pub const TITLE_CHARS: (usize, usize) = (5, 200);
/// `description`: at least 20 and at most 20 000 characters.
pub const DESCRIPTION_CHARS: (usize, usize) = (20, 20_000);
/// `location`: at least 2 and at most 100 characters.
pub const LOCATION_CHARS: (usize, usize) = (2, 100);
/// `department`, when given: at most this many characters.
pub const DEPARTMENT_MAX_CHARS: usize = 100;
/// `salary_note`, `reporting_line`, `categorie_metier`, `job_grade`.
pub const SHORT_TEXT_MAX_CHARS: usize = 255;
/// `profile`, and each item of `requirements`, `benefits`, `responsibilities`.
pub const LONG_TEXT_MAX_CHARS: usize = 5_000;
/// Items in each of `requirements`, `benefits`, `responsibilities`.
pub const MAX_LIST_ITEMS: usize = 50;

/// One broken rule, with the field it is about.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferRuleError {
    /// A required field (title, description, location, contract type) is absent on create.
    #[error("champ obligatoire")]
    Missing {
        /// The legacy field name.
        field: &'static str,
    },
    /// A text is shorter or longer than its limits (in characters, after trimming).
    #[error("doit faire entre {min} et {max} caractères")]
    Length {
        /// The legacy field name.
        field: &'static str,
        /// Fewest characters allowed.
        min: usize,
        /// Most characters allowed.
        max: usize,
    },
    /// A salary below zero.
    #[error("doit être positif ou nul")]
    NegativeSalary {
        /// `salary_min` or `salary_max`.
        field: &'static str,
    },
    /// `salary_min` above `salary_max`.
    #[error("le salaire minimum ne peut pas dépasser le salaire maximum")]
    SalaryRange,
    /// A contract type outside `CONTRACT_TYPES`.
    #[error("type de contrat inconnu (attendu : {})", CONTRACT_TYPES.join(", "))]
    ContractType,
    /// A deadline set by this write is not after the time of the write.
    #[error("la date doit être dans le futur")]
    DeadlineNotInFuture {
        /// `application_deadline` or `date_limite`.
        field: &'static str,
    },
    /// A list has more than `MAX_LIST_ITEMS` items.
    #[error("au plus {max} éléments", max = MAX_LIST_ITEMS)]
    TooManyItems {
        /// `requirements`, `benefits` or `responsibilities`.
        field: &'static str,
    },
    /// The MTP questions break K3.
    #[error("{0}")]
    Questions(MtpQuestionsError),
}

impl OfferRuleError {
    /// The legacy name of the field the rule is about.
    pub const fn field(&self) -> &'static str {
        match self {
            Self::Missing { field }
            | Self::Length { field, .. }
            | Self::NegativeSalary { field }
            | Self::DeadlineNotInFuture { field }
            | Self::TooManyItems { field } => field,
            Self::SalaryRange => "salary_min",
            Self::ContractType => "contract_type",
            Self::Questions(_) => "questions_mtp",
        }
    }
}

/// What a create or an update sets. `None` leaves a field as it is; for a nullable field `Some(None)` clears it.
/// Text is trimmed when applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::option_option)] // absent, null and a value are three different requests
pub struct OfferChanges {
    /// Required on create (`TITLE_CHARS`).
    pub title: Option<String>,
    /// Required on create (`DESCRIPTION_CHARS`).
    pub description: Option<String>,
    /// Required on create (`LOCATION_CHARS`).
    pub location: Option<String>,
    /// Required on create; any spelling of one of `CONTRACT_TYPES`, stored canonically.
    pub contract_type: Option<String>,
    /// Blank text clears it.
    pub department: Option<Option<String>>,
    /// In FCFA, not negative, not above the maximum (the stored one when only this changes).
    pub salary_min: Option<Option<i64>>,
    /// In FCFA, not negative.
    pub salary_max: Option<Option<i64>>,
    /// Blank text clears it.
    pub salary_note: Option<Option<String>>,
    /// Replaces the whole list.
    pub requirements: Option<Vec<String>>,
    /// Replaces the whole list.
    pub benefits: Option<Vec<String>>,
    /// Replaces the whole list.
    pub responsibilities: Option<Vec<String>>,
    /// The offer's life status (`active` when a create leaves it out).
    pub status: Option<OfferStatus>,
    /// Legacy `offer_status` (`tous` when a create leaves it out).
    pub visibility: Option<OfferVisibility>,
    /// Must be in the future when set.
    pub application_deadline: Option<Option<DateTime<Utc>>>,
    /// Must be in the future when set.
    pub date_limite: Option<Option<DateTime<Utc>>>,
    /// When the job starts (any date).
    pub start_date: Option<Option<DateTime<Utc>>>,
    /// Blank text clears it.
    pub reporting_line: Option<Option<String>>,
    /// Blank text clears it.
    pub profile: Option<Option<String>>,
    /// Blank text clears it.
    pub categorie_metier: Option<Option<String>>,
    /// Blank text clears it.
    pub job_grade: Option<Option<String>>,
    /// Already within the K3 limits when parsed (`MtpQuestions::parse`, `from_legacy_strings`).
    pub questions_mtp: Option<Option<MtpQuestions>>,
}

fn trimmed(text: String) -> String {
    match text.trim() {
        t if t.len() == text.len() => text,
        t => t.to_owned(),
    }
}

/// Blank optional text is no text.
fn optional_text(text: Option<String>) -> Option<String> {
    text.map(trimmed).filter(|t| !t.is_empty())
}

fn length(field: &'static str, text: &str, (min, max): (usize, usize), problems: &mut Vec<OfferRuleError>) {
    let chars = text.chars().count();
    if chars < min || chars > max {
        problems.push(OfferRuleError::Length { field, min, max });
    }
}

/// Sets `slot` when the change differs from it, and records the field's name.
fn set<T: PartialEq>(slot: &mut T, change: Option<T>, field: &'static str, changed: &mut Vec<&'static str>) {
    if let Some(value) = change
        && *slot != value
    {
        *slot = value;
        changed.push(field);
    }
}

impl JobOffer {
    /// A new offer by `recruiter_id`, `active` and open to everyone unless the changes say otherwise. Title,
    /// description, location and contract type are required; deadlines must be in the future.
    pub fn create(
        id: Uuid,
        recruiter_id: Uuid,
        changes: OfferChanges,
        now: DateTime<Utc>,
    ) -> Result<(Self, Vec<&'static str>), Vec<OfferRuleError>> {
        let mut missing = Vec::new();
        for (field, given) in [
            ("title", changes.title.is_some()),
            ("description", changes.description.is_some()),
            ("location", changes.location.is_some()),
            ("contract_type", changes.contract_type.is_some()),
        ] {
            if !given {
                missing.push(OfferRuleError::Missing { field });
            }
        }
        let empty = Self {
            id,
            recruiter_id: Some(recruiter_id),
            title: String::new(),
            description: String::new(),
            location: String::new(),
            contract_type: String::new(),
            department: None,
            salary_min: None,
            salary_max: None,
            salary_note: None,
            requirements: Vec::new(),
            benefits: Vec::new(),
            responsibilities: Vec::new(),
            status: OfferStatus::Active,
            visibility: OfferVisibility::Everyone,
            application_deadline: None,
            date_limite: None,
            start_date: None,
            reporting_line: None,
            profile: None,
            categorie_metier: None,
            job_grade: None,
            questions_mtp: None,
            created_at: now,
            updated_at: now,
        };
        match empty.change(changes, now) {
            Ok(done) if missing.is_empty() => Ok(done),
            Ok(_) => Err(missing),
            Err(mut problems) => {
                problems.retain(|p| !missing.iter().any(|m| m.field() == p.field()));
                missing.extend(problems);
                Err(missing)
            }
        }
    }

    /// This offer with `changes` applied, and the names of the fields that changed. The whole result is checked
    /// against the rules, so an update cannot leave an invalid offer behind; a deadline the changes set must be in
    /// the future. Without any change the offer comes back as it was, `updated_at` included.
    pub fn change(
        &self,
        c: OfferChanges,
        now: DateTime<Utc>,
    ) -> Result<(Self, Vec<&'static str>), Vec<OfferRuleError>> {
        let mut next = self.clone();
        let mut changed = Vec::new();
        set(&mut next.title, c.title.map(trimmed), "title", &mut changed);
        set(&mut next.description, c.description.map(trimmed), "description", &mut changed);
        set(&mut next.location, c.location.map(trimmed), "location", &mut changed);
        let contract_type = c.contract_type.map(|raw| canonical_contract_type(&raw).map_or(raw, str::to_owned));
        set(&mut next.contract_type, contract_type, "contract_type", &mut changed);
        set(&mut next.department, c.department.map(optional_text), "department", &mut changed);
        set(&mut next.salary_min, c.salary_min, "salary_min", &mut changed);
        set(&mut next.salary_max, c.salary_max, "salary_max", &mut changed);
        set(&mut next.salary_note, c.salary_note.map(optional_text), "salary_note", &mut changed);
        set(&mut next.requirements, c.requirements, "requirements", &mut changed);
        set(&mut next.benefits, c.benefits, "benefits", &mut changed);
        set(&mut next.responsibilities, c.responsibilities, "responsibilities", &mut changed);
        set(&mut next.status, c.status, "status", &mut changed);
        set(&mut next.visibility, c.visibility, "offer_status", &mut changed);
        set(&mut next.application_deadline, c.application_deadline, "application_deadline", &mut changed);
        set(&mut next.date_limite, c.date_limite, "date_limite", &mut changed);
        set(&mut next.start_date, c.start_date, "start_date", &mut changed);
        set(&mut next.reporting_line, c.reporting_line.map(optional_text), "reporting_line", &mut changed);
        set(&mut next.profile, c.profile.map(optional_text), "profile", &mut changed);
        set(&mut next.categorie_metier, c.categorie_metier.map(optional_text), "categorie_metier", &mut changed);
        set(&mut next.job_grade, c.job_grade.map(optional_text), "job_grade", &mut changed);
        // No question at all is stored as no questions (NULL), as the legacy service stored `{}` (R15).
        set(
            &mut next.questions_mtp,
            c.questions_mtp.map(|q| q.filter(|q| !q.is_empty())),
            "questions_mtp",
            &mut changed,
        );

        let mut problems = next.broken_rules();
        for (field, deadline) in
            [("application_deadline", next.application_deadline), ("date_limite", next.date_limite)]
        {
            if changed.contains(&field) && deadline.is_some_and(|d| d <= now) {
                problems.push(OfferRuleError::DeadlineNotInFuture { field });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if !changed.is_empty() {
            next.updated_at = now;
        }
        Ok((next, changed))
    }

    /// Every rule the offer breaks, field by field (none for an offer written through `create` or `change`).
    pub fn broken_rules(&self) -> Vec<OfferRuleError> {
        let mut problems = Vec::new();
        length("title", &self.title, TITLE_CHARS, &mut problems);
        length("description", &self.description, DESCRIPTION_CHARS, &mut problems);
        length("location", &self.location, LOCATION_CHARS, &mut problems);
        if !CONTRACT_TYPES.contains(&self.contract_type.as_str()) {
            problems.push(OfferRuleError::ContractType);
        }
        if let Some(department) = &self.department {
            length("department", department, (1, DEPARTMENT_MAX_CHARS), &mut problems);
        }
        for (field, text) in [
            ("salary_note", &self.salary_note),
            ("reporting_line", &self.reporting_line),
            ("categorie_metier", &self.categorie_metier),
            ("job_grade", &self.job_grade),
        ] {
            if let Some(text) = text {
                length(field, text, (1, SHORT_TEXT_MAX_CHARS), &mut problems);
            }
        }
        if let Some(profile) = &self.profile {
            length("profile", profile, (1, LONG_TEXT_MAX_CHARS), &mut problems);
        }
        for (field, items) in [
            ("requirements", &self.requirements),
            ("benefits", &self.benefits),
            ("responsibilities", &self.responsibilities),
        ] {
            if items.len() > MAX_LIST_ITEMS {
                problems.push(OfferRuleError::TooManyItems { field });
            } else if let Some(item) = items.iter().find(|i| i.chars().count() > LONG_TEXT_MAX_CHARS) {
                length(field, item, (0, LONG_TEXT_MAX_CHARS), &mut problems);
            }
        }
        for (field, salary) in [("salary_min", self.salary_min), ("salary_max", self.salary_max)] {
            if salary.is_some_and(|s| s < 0) {
                problems.push(OfferRuleError::NegativeSalary { field });
            }
        }
        if let (Some(min), Some(max)) = (self.salary_min, self.salary_max)
            && min >= 0
            && max >= 0
            && min > max
        {
            problems.push(OfferRuleError::SalaryRange);
        }
        if let Some(questions) = &self.questions_mtp
            && let Err(error) = questions.check()
        {
            problems.push(OfferRuleError::Questions(error));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::offers::MtpFamily;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z").unwrap().with_timezone(&Utc)
    }

    fn required() -> OfferChanges {
        OfferChanges {
            title: Some("  Ingénieur réseaux  ".into()),
            description: Some("Une description suffisamment longue.".into()),
            location: Some("Libreville".into()),
            contract_type: Some(" cdi ".into()),
            ..OfferChanges::default()
        }
    }

    fn created() -> JobOffer {
        JobOffer::create(Uuid::nil(), Uuid::nil(), required(), now()).unwrap().0
    }

    fn n(count: usize) -> Vec<String> {
        (1..=count).map(|i| format!("Question {i} ?")).collect()
    }

    #[test]
    fn a_create_applies_defaults_trims_and_canonicalises_the_contract_type() {
        let offer = created();
        assert_eq!(offer.title, "Ingénieur réseaux");
        assert_eq!(offer.contract_type, "CDI");
        assert_eq!((offer.status, offer.visibility), (OfferStatus::Active, OfferVisibility::Everyone));
        assert_eq!(offer.recruiter_id, Some(Uuid::nil()));
        assert!(offer.broken_rules().is_empty());
    }

    #[test]
    fn contract_types_match_whatever_the_case_and_accents() {
        assert_eq!(canonical_contract_type("freelance"), Some("Freelance"));
        assert_eq!(canonical_contract_type("STAGE"), Some("Stage"));
        assert_eq!(canonical_contract_type("Intérim"), None);
        let error = JobOffer::create(
            Uuid::nil(),
            Uuid::nil(),
            OfferChanges { contract_type: Some("Temps partiel".into()), ..required() },
            now(),
        )
        .unwrap_err();
        assert_eq!(error, [OfferRuleError::ContractType]);
    }

    #[test]
    fn missing_required_fields_are_each_named_once() {
        let error = JobOffer::create(Uuid::nil(), Uuid::nil(), OfferChanges::default(), now()).unwrap_err();
        let fields: Vec<&str> = error.iter().map(OfferRuleError::field).collect();
        assert_eq!(fields, ["title", "description", "location", "contract_type"]);
        assert!(error.iter().all(|e| matches!(e, OfferRuleError::Missing { .. })));
    }

    #[test]
    fn lengths_salaries_and_deadlines_are_checked_on_create() {
        let changes = OfferChanges {
            title: Some("Abc".into()),
            salary_min: Some(Some(900)),
            salary_max: Some(Some(100)),
            application_deadline: Some(Some(now() - TimeDelta::days(1))),
            ..required()
        };
        let error = JobOffer::create(Uuid::nil(), Uuid::nil(), changes, now()).unwrap_err();
        assert_eq!(
            error,
            [
                OfferRuleError::Length { field: "title", min: 5, max: 200 },
                OfferRuleError::SalaryRange,
                OfferRuleError::DeadlineNotInFuture { field: "application_deadline" },
            ]
        );
        let negative = OfferChanges { salary_min: Some(Some(-1)), ..required() };
        let error = JobOffer::create(Uuid::nil(), Uuid::nil(), negative, now()).unwrap_err();
        assert_eq!(error, [OfferRuleError::NegativeSalary { field: "salary_min" }]);
    }

    #[test]
    fn an_update_is_checked_as_a_whole_and_reports_the_changed_fields() {
        let offer = created();
        let later = now() + TimeDelta::hours(1);
        let (updated, changed) = offer
            .change(
                OfferChanges {
                    title: Some("Ingénieur réseaux".into()),
                    salary_max: Some(Some(10)),
                    ..OfferChanges::default()
                },
                later,
            )
            .unwrap();
        assert_eq!(changed, ["salary_max"], "an unchanged value is not a change");
        assert_eq!(updated.updated_at, later);

        let with_max = updated;
        let error =
            with_max.change(OfferChanges { salary_min: Some(Some(20)), ..OfferChanges::default() }, later).unwrap_err();
        assert_eq!(error, [OfferRuleError::SalaryRange], "the stored maximum counts against a new minimum");

        let (same, changed) = with_max.change(OfferChanges::default(), later + TimeDelta::hours(1)).unwrap();
        assert!(changed.is_empty());
        assert_eq!(same, with_max);
    }

    #[test]
    fn a_past_deadline_already_stored_does_not_block_other_changes() {
        let mut offer = created();
        offer.application_deadline = Some(now() - TimeDelta::days(3));
        let (_, changed) = offer
            .change(OfferChanges { title: Some("Nouveau titre".into()), ..OfferChanges::default() }, now())
            .unwrap();
        assert_eq!(changed, ["title"]);
        let error = offer
            .change(OfferChanges { date_limite: Some(Some(now())), ..OfferChanges::default() }, now())
            .unwrap_err();
        assert_eq!(error, [OfferRuleError::DeadlineNotInFuture { field: "date_limite" }]);
    }

    #[test]
    fn stored_questions_beyond_the_limits_block_an_update_until_fixed() {
        let mut offer = created();
        offer.questions_mtp = Some(MtpQuestions::from_stored(n(9), vec![], vec![]));
        let error = offer
            .change(OfferChanges { title: Some("Nouveau titre".into()), ..OfferChanges::default() }, now())
            .unwrap_err();
        assert_eq!(
            error,
            [OfferRuleError::Questions(MtpQuestionsError::TooManyQuestions { family: MtpFamily::Metier, given: 9 })]
        );
        let fixed = MtpQuestions::parse(n(7), n(3), n(3)).unwrap();
        let (offer, changed) =
            offer.change(OfferChanges { questions_mtp: Some(Some(fixed)), ..OfferChanges::default() }, now()).unwrap();
        assert_eq!(changed, ["questions_mtp"]);
        assert_eq!(offer.questions_mtp.unwrap().total(), 13);
    }

    #[test]
    fn empty_questions_are_stored_as_none() {
        let (offer, _) = JobOffer::create(
            Uuid::nil(),
            Uuid::nil(),
            OfferChanges { questions_mtp: Some(Some(MtpQuestions::default())), ..required() },
            now(),
        )
        .unwrap();
        assert_eq!(offer.questions_mtp, None);
    }
}
