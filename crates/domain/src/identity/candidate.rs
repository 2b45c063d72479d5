//! A candidate's profile (legacy §2.3): what a candidate says about their career beyond the account itself.
//! It appears at the first application, seeded from the account (R24), or when the candidate first saves it.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{DateOfBirth, MAX_YEARS_OF_EXPERIENCE, User};

/// The longest free-text field kept (address, education, …).
pub const MAX_PROFILE_TEXT: usize = 2000;
/// The longest web address kept.
pub const MAX_WEB_ADDRESS: usize = 500;
/// At most this many skills, each at most `MAX_SKILL` characters.
pub const MAX_SKILLS: usize = 50;
/// The longest skill, in characters.
pub const MAX_SKILL: usize = 100;

/// A candidate's profile (legacy §2.3): one per candidate account, seeded from the account at the first
/// application (R24). Its values passed this module's parsers (`profile_text`, `web_address`, `skills`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateProfile {
    /// The profile's id.
    pub id: Uuid,
    /// The candidate account it belongs to (one profile per account).
    pub user_id: Uuid,
    /// Postal address (at most `MAX_PROFILE_TEXT`).
    pub address: Option<String>,
    /// Free text; the front end offers "Immédiate", "Dans 1 mois", "Dans 2 mois", "Dans 3 mois ou plus".
    pub availability: Option<String>,
    /// Birth date (18 to 100 years old when it was set).
    pub birth_date: Option<NaiveDate>,
    /// Department the candidate works in now (at most `MAX_PROFILE_TEXT`).
    pub current_department: Option<String>,
    /// Job the candidate holds now (at most `MAX_PROFILE_TEXT`).
    pub current_position: Option<String>,
    /// Link to a CV held elsewhere: `http` or `https` only (at most `MAX_WEB_ADDRESS`).
    pub cv_url: Option<String>,
    /// Education, free text (at most `MAX_PROFILE_TEXT`).
    pub education: Option<String>,
    /// Lowest salary the candidate expects: zero or more, not above `expected_salary_max`.
    pub expected_salary_min: Option<i32>,
    /// Highest salary the candidate expects: zero or more.
    pub expected_salary_max: Option<i32>,
    /// Free text, as the legacy column (at most `MAX_PROFILE_TEXT`).
    pub gender: Option<String>,
    /// LinkedIn page: `http` or `https` only (at most `MAX_WEB_ADDRESS`).
    pub linkedin_url: Option<String>,
    /// Portfolio page: `http` or `https` only (at most `MAX_WEB_ADDRESS`).
    pub portfolio_url: Option<String>,
    /// A real list (the legacy service failed on any update of it, D24); never holds blanks or duplicates.
    pub skills: Vec<String>,
    /// Years of experience, 0 to `MAX_YEARS_OF_EXPERIENCE`.
    pub years_experience: Option<i32>,
    /// When the profile was created.
    pub created_at: DateTime<Utc>,
    /// When a change last altered it.
    pub updated_at: DateTime<Utc>,
}

impl CandidateProfile {
    /// The profile a candidate gets before saying anything (R24): position, address and experience copied from
    /// the account, no skills.
    pub fn seeded_from(user: &User, id: Uuid, at: DateTime<Utc>) -> Self {
        Self {
            id,
            user_id: user.id,
            address: user.adresse.clone(),
            availability: None,
            birth_date: user.date_of_birth,
            current_department: None,
            current_position: user.poste_actuel.clone(),
            cv_url: None,
            education: None,
            expected_salary_min: None,
            expected_salary_max: None,
            gender: None,
            linkedin_url: None,
            portfolio_url: None,
            skills: Vec::new(),
            years_experience: user.annees_experience,
            created_at: at,
            updated_at: at,
        }
    }

    /// Applies the changes and checks the result as a whole (the salary range); returns the names of the fields
    /// whose value changed and touches `updated_at` only when one did. On error nothing changes.
    pub fn apply(&mut self, changes: ProfileChanges, at: DateTime<Utc>) -> Result<Vec<&'static str>, ProfileError> {
        let mut next = self.clone();
        let mut touched = Vec::new();
        macro_rules! set {
            ($field:ident) => {
                if let Some(value) = changes.$field
                    && value != next.$field
                {
                    next.$field = value;
                    touched.push(stringify!($field));
                }
            };
        }
        set!(address);
        set!(availability);
        set!(birth_date);
        set!(current_department);
        set!(current_position);
        set!(cv_url);
        set!(education);
        set!(expected_salary_min);
        set!(expected_salary_max);
        set!(gender);
        set!(linkedin_url);
        set!(portfolio_url);
        set!(skills);
        set!(years_experience);
        if let (Some(min), Some(max)) = (next.expected_salary_min, next.expected_salary_max)
            && min > max
        {
            return Err(ProfileError::SalaryRange);
        }
        if !touched.is_empty() {
            next.updated_at = at;
            *self = next;
        }
        Ok(touched)
    }
}

/// What a candidate changes on their profile: `None` leaves a field alone; `Some(None)` clears it. Values come
/// from the parsers below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(clippy::option_option)] // "leave alone" and "clear" are different requests
pub struct ProfileChanges {
    /// From `profile_text`.
    pub address: Option<Option<String>>,
    /// From `profile_text`.
    pub availability: Option<Option<String>>,
    /// From `birth_date`.
    pub birth_date: Option<Option<NaiveDate>>,
    /// From `profile_text`.
    pub current_department: Option<Option<String>>,
    /// From `profile_text`.
    pub current_position: Option<Option<String>>,
    /// From `web_address`.
    pub cv_url: Option<Option<String>>,
    /// From `profile_text`.
    pub education: Option<Option<String>>,
    /// From `salary`; the result must not exceed the maximum.
    pub expected_salary_min: Option<Option<i32>>,
    /// From `salary`.
    pub expected_salary_max: Option<Option<i32>>,
    /// From `profile_text`.
    pub gender: Option<Option<String>>,
    /// From `web_address`.
    pub linkedin_url: Option<Option<String>>,
    /// From `web_address`.
    pub portfolio_url: Option<Option<String>>,
    /// From `skills`; replaces the whole list (an empty one clears it).
    pub skills: Option<Vec<String>>,
    /// From `years_of_experience`.
    pub years_experience: Option<Option<i32>>,
}

/// Why a profile value or a whole profile was refused. Messages are shown to the candidate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// A text or web address over its limit.
    #[error("{max} caractères au plus")]
    TooLong {
        /// Most characters allowed.
        max: usize,
    },
    /// A web address that is not `http://` or `https://` followed by a host, or that holds white space.
    #[error("adresse web http(s) attendue")]
    NotAWebAddress,
    /// More than `MAX_SKILLS` skills, or one longer than `MAX_SKILL`.
    #[error("{MAX_SKILLS} compétences au plus, de {MAX_SKILL} caractères au plus chacune")]
    TooManySkills,
    /// An expected salary below zero or beyond a 32-bit integer.
    #[error("doit être un entier positif ou nul")]
    NegativeSalary,
    /// Years of experience outside 0 to `MAX_YEARS_OF_EXPERIENCE`.
    #[error("doit être un entier entre 0 et {MAX_YEARS_OF_EXPERIENCE}")]
    Experience,
    /// The expected minimum is above the expected maximum.
    #[error("le salaire minimum attendu dépasse le salaire maximum attendu")]
    SalaryRange,
    /// A birth date refused by `DateOfBirth::parse`, with its message.
    #[error("{0}")]
    BirthDate(String),
}

/// Free text: trimmed, blank is "none", at most `MAX_PROFILE_TEXT` characters.
pub fn profile_text(raw: &str) -> Result<Option<String>, ProfileError> {
    let text = raw.trim();
    if text.chars().count() > MAX_PROFILE_TEXT {
        return Err(ProfileError::TooLong { max: MAX_PROFILE_TEXT });
    }
    Ok(Some(text.to_owned()).filter(|t| !t.is_empty()))
}

/// A web address shown to recruiters as a link: only `http` and `https`, so no `javascript:` ever reaches a page.
pub fn web_address(raw: &str) -> Result<Option<String>, ProfileError> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_WEB_ADDRESS {
        return Err(ProfileError::TooLong { max: MAX_WEB_ADDRESS });
    }
    let lower = text.to_ascii_lowercase();
    let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !text.chars().any(char::is_whitespace) => {
            Ok(Some(text.to_owned()))
        }
        _ => Err(ProfileError::NotAWebAddress),
    }
}

/// Skills: trimmed, blanks dropped, duplicates (ignoring case and accents) dropped, order kept.
pub fn skills<S: AsRef<str>>(raw: &[S]) -> Result<Vec<String>, ProfileError> {
    let mut kept: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    for skill in raw {
        let skill = skill.as_ref().trim();
        if skill.chars().count() > MAX_SKILL {
            return Err(ProfileError::TooManySkills);
        }
        let folded = crate::search::fold(skill);
        if skill.is_empty() || seen.contains(&folded) {
            continue;
        }
        seen.push(folded);
        kept.push(skill.to_owned());
    }
    if kept.len() > MAX_SKILLS {
        return Err(ProfileError::TooManySkills);
    }
    Ok(kept)
}

/// An expected salary: a whole amount, zero or more.
pub fn salary(raw: i64) -> Result<i32, ProfileError> {
    i32::try_from(raw).ok().filter(|s| *s >= 0).ok_or(ProfileError::NegativeSalary)
}

/// Years of experience, as on the account.
pub fn years_of_experience(raw: i64) -> Result<i32, ProfileError> {
    i32::try_from(raw).ok().filter(|y| (0..=MAX_YEARS_OF_EXPERIENCE).contains(y)).ok_or(ProfileError::Experience)
}

/// A birth date under the account's rule (18 to 100 years old on `today`).
pub fn birth_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, ProfileError> {
    DateOfBirth::parse(date, today).map(DateOfBirth::date).map_err(|e| ProfileError::BirthDate(e.to_string()))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;
    use crate::identity::{CandidateKind, Role, UserStatus};

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap()
    }

    fn user() -> User {
        User {
            id: Uuid::from_u128(7),
            email: "a@example.com".into(),
            first_name: "Awa".into(),
            last_name: "Mba".into(),
            role: Role::Candidate,
            phone: None,
            date_of_birth: None,
            sexe: None,
            matricule: None,
            password_hash: String::new(),
            email_verified: false,
            last_login: None,
            candidate_kind: Some(CandidateKind::External),
            status: UserStatus::Active,
            adresse: Some("Libreville".into()),
            poste_actuel: Some("Technicienne".into()),
            annees_experience: Some(4),
            no_seeg_email: false,
            created_at: at(1),
            updated_at: at(1),
        }
    }

    #[test]
    fn a_new_profile_copies_position_address_and_experience_from_the_account() {
        let profile = CandidateProfile::seeded_from(&user(), Uuid::from_u128(1), at(2));
        assert_eq!(profile.user_id, Uuid::from_u128(7));
        assert_eq!(profile.current_position.as_deref(), Some("Technicienne"));
        assert_eq!(profile.address.as_deref(), Some("Libreville"));
        assert_eq!(profile.years_experience, Some(4));
        assert!(profile.skills.is_empty());
    }

    #[test]
    fn only_changed_fields_are_reported_and_updated_at_moves_only_then() {
        let mut profile = CandidateProfile::seeded_from(&user(), Uuid::from_u128(1), at(2));
        let changes = ProfileChanges {
            address: Some(Some("Libreville".into())),
            skills: Some(vec!["Rust".into()]),
            expected_salary_max: Some(Some(900_000)),
            ..ProfileChanges::default()
        };
        assert_eq!(profile.apply(changes.clone(), at(3)), Ok(vec!["expected_salary_max", "skills"]));
        assert_eq!(profile.updated_at, at(3));
        assert_eq!(profile.apply(changes, at(4)), Ok(vec![]));
        assert_eq!(profile.updated_at, at(3));
    }

    #[test]
    fn a_minimum_above_the_maximum_is_refused_and_changes_nothing() {
        let mut profile = CandidateProfile::seeded_from(&user(), Uuid::from_u128(1), at(2));
        profile.expected_salary_max = Some(500_000);
        let before = profile.clone();
        let changes = ProfileChanges {
            expected_salary_min: Some(Some(600_000)),
            education: Some(Some("Master".into())),
            ..ProfileChanges::default()
        };
        assert_eq!(profile.apply(changes, at(3)), Err(ProfileError::SalaryRange));
        assert_eq!(profile, before);
    }

    #[test]
    fn skills_are_trimmed_deduplicated_and_bounded() {
        assert_eq!(
            skills(&[" Rust ", "", "rust", "Électricité", "electricite", "SQL"]).unwrap(),
            ["Rust", "Électricité", "SQL"]
        );
        let many: Vec<String> = (0..=MAX_SKILLS).map(|i| format!("s{i}")).collect();
        assert_eq!(skills(&many), Err(ProfileError::TooManySkills));
        assert_eq!(skills(&["x".repeat(MAX_SKILL + 1)]), Err(ProfileError::TooManySkills));
    }

    #[test]
    fn only_http_and_https_addresses_are_links() {
        assert_eq!(web_address(" https://linkedin.com/in/awa "), Ok(Some("https://linkedin.com/in/awa".into())));
        assert_eq!(web_address("HTTP://exemple.ga"), Ok(Some("HTTP://exemple.ga".into())));
        assert_eq!(web_address(""), Ok(None));
        for bad in ["javascript:alert(1)", "https://", "https:///x", "ftp://x", "https://a b", "linkedin.com/in/a"] {
            assert_eq!(web_address(bad), Err(ProfileError::NotAWebAddress), "{bad}");
        }
    }

    #[test]
    fn numbers_keep_their_bounds() {
        assert_eq!(salary(0), Ok(0));
        assert_eq!(salary(-1), Err(ProfileError::NegativeSalary));
        assert_eq!(salary(i64::from(i32::MAX) + 1), Err(ProfileError::NegativeSalary));
        assert_eq!(years_of_experience(i64::from(MAX_YEARS_OF_EXPERIENCE)), Ok(MAX_YEARS_OF_EXPERIENCE));
        assert_eq!(years_of_experience(-1), Err(ProfileError::Experience));
        assert_eq!(profile_text("  "), Ok(None));
        assert!(profile_text(&"a".repeat(MAX_PROFILE_TEXT + 1)).is_err());
    }
}
