//! What a create or update body of an offer asks for (legacy `JobOfferCreate` / `JobOfferUpdate`), and where in
//! that body a broken rule points (`body.title`, `body.questions_mtp.questions_talent`, …).

use seeg_application::offers::OfferDeskError;
use seeg_domain::offers::{
    MtpFamily, MtpQuestions, MtpQuestionsError, OfferChanges, OfferRuleError, OfferStatus, OfferVisibility,
};
use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorCode, FieldError};
use crate::params::{optional, text, timestamp};

impl From<OfferDeskError> for ApiError {
    fn from(error: OfferDeskError) -> Self {
        match error {
            OfferDeskError::Forbidden => Self::forbidden(error.to_string()),
            OfferDeskError::NotFound => Self::NotFound,
            OfferDeskError::Invalid(problems) => Self::Validation(
                problems.iter().map(|p| FieldError { field: rule_field(p), message: p.to_string() }).collect(),
            ),
            OfferDeskError::HasApplications => Self::refused(ErrorCode::OfferHasApplications, error.to_string()),
            OfferDeskError::Store(e) => e.into(),
        }
    }
}

fn rule_field(problem: &OfferRuleError) -> String {
    match problem {
        OfferRuleError::Questions(error) => format!("body.questions_mtp.{}", mtp_family(error).questions_key()),
        other => format!("body.{}", other.field()),
    }
}

const fn mtp_family(error: &MtpQuestionsError) -> MtpFamily {
    match error {
        MtpQuestionsError::TooManyQuestions { family, .. }
        | MtpQuestionsError::BlankQuestion { family, .. }
        | MtpQuestionsError::QuestionTooLong { family, .. } => *family,
    }
}

/// The legacy multi-line field of each family (R17).
const fn legacy_question_field(family: MtpFamily) -> &'static str {
    match family {
        MtpFamily::Metier => "question_metier",
        MtpFamily::Talent => "question_talent",
        MtpFamily::Paradigme => "question_paradigme",
    }
}

fn string_list(value: &Value) -> Result<Vec<String>, String> {
    let message = || "doit être une liste de chaînes".to_owned();
    value.as_array().ok_or_else(message)?.iter().map(|v| v.as_str().map(str::to_owned).ok_or_else(message)).collect()
}

fn salary(value: &Value) -> Result<i64, String> {
    value.as_i64().ok_or_else(|| "doit être un nombre entier (FCFA)".to_owned())
}

/// A field that cannot be null: `null` is an error; absent is `None`.
fn required<T>(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<T> {
    let value = optional(body, name, errors, parse)?;
    if value.is_none() {
        errors.push(FieldError { field: format!("body.{name}"), message: "ne peut pas être null".to_owned() });
    }
    value
}

fn mtp_error(field: String, error: &MtpQuestionsError) -> FieldError {
    FieldError { field, message: error.to_string() }
}

/// `questions_mtp` (an object of string lists, keys optional), else the legacy multi-line fields (R17), each
/// within the K3 limits. Absent: no change. `questions_mtp: null` without legacy fields clears the questions.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
fn questions(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<Option<MtpQuestions>> {
    match body.get("questions_mtp") {
        Some(Value::Null) | None => {}
        Some(Value::Object(object)) => {
            let mut lists = Vec::new();
            for family in MtpFamily::ALL {
                let key = family.questions_key();
                match object.get(key) {
                    None | Some(Value::Null) => lists.push(Vec::new()),
                    Some(value) => match string_list(value) {
                        Ok(list) => lists.push(list),
                        Err(message) => {
                            errors.push(FieldError { field: format!("body.questions_mtp.{key}"), message });
                            return None;
                        }
                    },
                }
            }
            let [metier, talent, paradigme]: [Vec<String>; 3] = lists.try_into().ok()?;
            return match MtpQuestions::parse(metier, talent, paradigme) {
                Ok(q) => Some(Some(q)),
                Err(e) => {
                    errors.push(mtp_error(format!("body.questions_mtp.{}", mtp_family(&e).questions_key()), &e));
                    None
                }
            };
        }
        Some(_) => {
            errors.push(FieldError {
                field: "body.questions_mtp".to_owned(),
                message: "doit être un objet {questions_metier, questions_talent, questions_paradigme}".to_owned(),
            });
            return None;
        }
    }
    let mut legacy = Vec::new();
    for family in MtpFamily::ALL {
        let field = legacy_question_field(family);
        legacy.push(optional(body, field, errors, |v| text(v).map(str::to_owned)).flatten());
    }
    if legacy.iter().all(Option::is_none) {
        // `questions_mtp: null` clears; absent leaves the questions as they are.
        return body.contains_key("questions_mtp").then_some(None);
    }
    match MtpQuestions::from_legacy_strings(legacy[0].as_deref(), legacy[1].as_deref(), legacy[2].as_deref()) {
        Ok(q) => Some(Some(q)),
        Err(e) => {
            errors.push(mtp_error(format!("body.{}", legacy_question_field(mtp_family(&e))), &e));
            None
        }
    }
}

/// The body of `POST /jobs/` (legacy `JobOfferCreate`), as documented: `offer_changes` reads it field by field and
/// the domain checks the whole offer (`seeg_domain::offers::rules`: lengths counted after trimming, salary range,
/// contract type, deadlines in the future, K3 question limits). Texts are trimmed before they are counted, so only
/// their least length is a schema constraint: at most 200 characters for `title`, 20 000 for `description`, 100 for
/// `location` and `department`, 5 000 for `profile` and 255 for the other texts. Unknown fields are ignored.
#[allow(dead_code)] // describes the body in OpenAPI only
#[derive(utoipa::ToSchema)]
pub struct JobOfferCreate {
    #[schema(min_length = 5)]
    title: String,
    #[schema(min_length = 20)]
    description: String,
    #[schema(min_length = 2)]
    location: String,
    /// `CDI`, `CDD`, `Stage`, `Alternance` or `Freelance` (case and accents ignored).
    #[schema(example = "CDI")]
    contract_type: String,
    department: Option<String>,
    /// FCFA, at most `salary_max`.
    #[schema(minimum = 0)]
    salary_min: Option<i64>,
    #[schema(minimum = 0)]
    salary_max: Option<i64>,
    salary_note: Option<String>,
    #[schema(max_items = 50)]
    requirements: Option<Vec<String>>,
    #[schema(max_items = 50)]
    benefits: Option<Vec<String>>,
    #[schema(max_items = 50)]
    responsibilities: Option<Vec<String>>,
    /// `draft`, `active` (the default), `closed` or `archived`.
    #[schema(schema_with = crate::fields::offer_status, required = false)]
    status: Option<String>,
    /// Who sees it: `tous` (the default), `interne` or `externe`.
    #[schema(schema_with = crate::fields::offer_visibility, required = false)]
    offer_status: Option<String>,
    /// RFC 3339, or a naive date-time or `YYYY-MM-DD` read as UTC; in the future.
    #[schema(example = "2026-12-31T23:59:59Z")]
    application_deadline: Option<String>,
    #[schema(example = "2026-12-31T23:59:59Z")]
    date_limite: Option<String>,
    #[schema(example = "2027-01-15")]
    start_date: Option<String>,
    reporting_line: Option<String>,
    profile: Option<String>,
    categorie_metier: Option<String>,
    job_grade: Option<String>,
    /// At most 7 métier, 3 talent and 3 paradigme questions of at most 1 000 characters (K3).
    #[schema(value_type = Option<Object>)]
    questions_mtp: Option<serde_json::Value>,
}

/// The body of `PUT /jobs/{job_id}` (legacy `JobOfferUpdate`): the fields of `JobOfferCreate`, each optional (absent
/// fields stay); `title`, `description`, `location`, `contract_type`, `status` and `offer_status` may not be `null`.
#[allow(dead_code)] // describes the body in OpenAPI only
#[derive(utoipa::ToSchema)]
pub struct JobOfferUpdate {
    #[schema(min_length = 5, nullable = false)]
    title: Option<String>,
    #[schema(min_length = 20, nullable = false)]
    description: Option<String>,
    #[schema(min_length = 2, nullable = false)]
    location: Option<String>,
    /// `CDI`, `CDD`, `Stage`, `Alternance` or `Freelance` (case and accents ignored).
    #[schema(example = "CDI", nullable = false)]
    contract_type: Option<String>,
    department: Option<String>,
    /// FCFA, at most `salary_max`.
    #[schema(minimum = 0)]
    salary_min: Option<i64>,
    #[schema(minimum = 0)]
    salary_max: Option<i64>,
    salary_note: Option<String>,
    #[schema(max_items = 50)]
    requirements: Option<Vec<String>>,
    #[schema(max_items = 50)]
    benefits: Option<Vec<String>>,
    #[schema(max_items = 50)]
    responsibilities: Option<Vec<String>>,
    /// `draft`, `active` (the default), `closed` or `archived`.
    #[schema(schema_with = crate::fields::offer_status, required = false)]
    status: Option<String>,
    /// Who sees it: `tous` (the default), `interne` or `externe`.
    #[schema(schema_with = crate::fields::offer_visibility, required = false)]
    offer_status: Option<String>,
    /// RFC 3339, or a naive date-time or `YYYY-MM-DD` read as UTC; in the future.
    #[schema(example = "2026-12-31T23:59:59Z")]
    application_deadline: Option<String>,
    #[schema(example = "2026-12-31T23:59:59Z")]
    date_limite: Option<String>,
    #[schema(example = "2027-01-15")]
    start_date: Option<String>,
    reporting_line: Option<String>,
    profile: Option<String>,
    categorie_metier: Option<String>,
    job_grade: Option<String>,
    /// At most 7 métier, 3 talent and 3 paradigme questions of at most 1 000 characters (K3).
    #[schema(value_type = Option<Object>)]
    questions_mtp: Option<serde_json::Value>,
}

/// The changes a create or update body asks for (legacy `JobOfferCreate` / `JobOfferUpdate`). Types are checked
/// here; the rules (lengths, salary range, contract type, deadlines, …) by the domain, on the whole offer.
/// Unknown fields are ignored, as the legacy service did (`recruiter_id` comes from the token).
pub(super) fn offer_changes(body: &Map<String, Value>) -> Result<OfferChanges, ApiError> {
    let mut errors = Vec::new();
    let e = &mut errors;
    let owned = |v: &Value| text(v).map(str::to_owned);
    let changes = OfferChanges {
        title: required(body, "title", e, owned),
        description: required(body, "description", e, owned),
        location: required(body, "location", e, owned),
        contract_type: required(body, "contract_type", e, owned),
        department: optional(body, "department", e, owned),
        salary_min: optional(body, "salary_min", e, salary),
        salary_max: optional(body, "salary_max", e, salary),
        salary_note: optional(body, "salary_note", e, owned),
        requirements: optional(body, "requirements", e, string_list).map(Option::unwrap_or_default),
        benefits: optional(body, "benefits", e, string_list).map(Option::unwrap_or_default),
        responsibilities: optional(body, "responsibilities", e, string_list).map(Option::unwrap_or_default),
        status: required(body, "status", e, |v| text(v)?.trim().parse::<OfferStatus>().map_err(|e| e.to_string())),
        visibility: required(body, "offer_status", e, |v| {
            text(v)?.trim().parse::<OfferVisibility>().map_err(|e| e.to_string())
        }),
        application_deadline: optional(body, "application_deadline", e, timestamp),
        date_limite: optional(body, "date_limite", e, timestamp),
        start_date: optional(body, "start_date", e, timestamp),
        reporting_line: optional(body, "reporting_line", e, owned),
        profile: optional(body, "profile", e, owned),
        categorie_metier: optional(body, "categorie_metier", e, owned),
        job_grade: optional(body, "job_grade", e, owned),
        questions_mtp: questions(body, e),
    };
    if errors.is_empty() { Ok(changes) } else { Err(ApiError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("an object, not {other}"),
        }
    }

    #[test]
    fn dates_are_rfc3339_or_the_legacy_naive_forms_read_as_utc() {
        let expected = DateTime::parse_from_rfc3339("2026-12-31T00:00:00Z").unwrap().with_timezone(&Utc);
        for raw in ["2026-12-31T00:00:00Z", "2026-12-31T01:00:00+01:00", "2026-12-31T00:00:00", "2026-12-31"] {
            assert_eq!(timestamp(&json!(raw)), Ok(expected), "{raw}");
        }
        assert!(timestamp(&json!("31/12/2026")).is_err());
        for out_of_range in ["-5000-01-01", "+200000-01-01", "1899-12-31", "0001-01-01T00:00:00Z"] {
            assert!(timestamp(&json!(out_of_range)).is_err(), "{out_of_range}");
        }
        assert!(timestamp(&json!(20_261_231)).is_err());
    }

    #[test]
    fn absent_null_and_values_are_three_different_changes() {
        let changes = offer_changes(&body(json!({"department": null, "salary_min": 10, "benefits": null}))).unwrap();
        assert_eq!(changes.department, Some(None));
        assert_eq!(changes.salary_min, Some(Some(10)));
        assert_eq!(changes.benefits, Some(Vec::new()), "a null list is an empty list");
        assert_eq!(changes.title, None);
        assert_eq!(changes.questions_mtp, None, "no question field: the questions stay");
        let cleared = offer_changes(&body(json!({"questions_mtp": null}))).unwrap();
        assert_eq!(cleared.questions_mtp, Some(None));
    }

    #[test]
    fn questions_mtp_wins_over_the_legacy_strings_and_type_errors_name_their_field() {
        let both = body(json!({"questions_mtp": {"questions_metier": ["A ?"]}, "question_metier": "B ?\nC ?"}));
        let questions = offer_changes(&both).unwrap().questions_mtp.unwrap().unwrap();
        assert_eq!(questions.questions(MtpFamily::Metier), ["A ?"]);
        let Err(ApiError::Validation(errors)) =
            offer_changes(&body(json!({"title": 5, "status": null, "questions_mtp": {"questions_talent": "x"}})))
        else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["body.title", "body.status", "body.questions_mtp.questions_talent"]);
    }
}
