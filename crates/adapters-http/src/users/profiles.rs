//! The candidate's own profile (legacy §1.4 `/users/me/profile`): read, and changed field by field. The
//! `candidate_profile` shown beside an account is `auth::account`'s.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate};
use seeg_domain::identity::{ProfileChanges, candidate};
use serde_json::{Map, Value};

use crate::auth::{Caller, CandidateProfileBody, UserWithProfile, with_profile};
use crate::body::Deferred;
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::{optional, text};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/users/me/profile")
            .route(web::get().to(get_own_profile))
            .route(web::put().to(update_own_profile)),
    );
}

/// The caller's candidate profile. It exists once the candidate has applied (R24) or saved it; before, 404.
/// Only candidates have one: 403 for staff.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/profile",
    operation_id = "get_own_profile",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    responses(
        (status = 200, body = inline(Envelope<CandidateProfileBody>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Pas encore de profil", body = ErrorBody),
    )
)]
pub(crate) async fn get_own_profile(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let profile = state.profiles.own(&caller.0).await?;
    Ok(HttpResponse::Ok()
        .json(Envelope::ok("Profil candidat récupéré avec succès", CandidateProfileBody::from(profile))))
}

/// The fields of `PUT /users/me/profile` (legacy `CandidateProfileUpdate`).
const PROFILE_FIELDS: [&str; 14] = [
    "address",
    "availability",
    "birth_date",
    "current_department",
    "current_position",
    "cv_url",
    "education",
    "expected_salary_min",
    "expected_salary_max",
    "gender",
    "linkedin_url",
    "portfolio_url",
    "skills",
    "years_experience",
];

/// Changes the caller's candidate profile; only the fields present change, `null` clears one. The first save
/// creates the profile, seeded from the account (R24; the legacy service answered 500, D20). `skills` is a list
/// of strings (the legacy service failed on it, D24); links must be `http(s)`; the expected minimum salary may
/// not exceed the maximum. A bad field is a 422 naming it, and nothing changes.
#[utoipa::path(
    put,
    path = "/api/v1/users/me/profile",
    operation_id = "update_own_profile",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    request_body(content = Object, description = "Champs de `CandidateProfileUpdate`, tous facultatifs"),
    responses(
        (status = 200, body = inline(Envelope<UserWithProfile>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 422, description = "Champ invalide ; rien n'est modifié", body = ErrorBody),
    )
)]
pub(crate) async fn update_own_profile(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.profiles.may_update_own(&caller.0)?;
    let body = body.read().await?;
    let changes = parse_changes(&body, state.clock.now().date_naive())?;
    state.profiles.update_own(&caller.0, changes).await?;
    let data = with_profile(&state, &caller.0).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Profil candidat mis à jour avec succès", data)))
}

fn parse_changes(body: &Map<String, Value>, today: NaiveDate) -> Result<ProfileChanges, ApiError> {
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|k| !PROFILE_FIELDS.contains(&k.as_str()))
        .map(|k| FieldError { field: format!("body.{k}"), message: "champ inconnu".to_owned() })
        .collect();
    let free_text = |v: &Value| candidate::profile_text(text(v)?).map_err(|e| e.to_string());
    let link = |v: &Value| candidate::web_address(text(v)?).map_err(|e| e.to_string());
    let whole = |v: &Value| v.as_i64().ok_or_else(|| "doit être un entier".to_owned());
    let mut field = |name: &str, parse: &dyn Fn(&Value) -> Result<Option<String>, String>| {
        optional(body, name, &mut errors, parse).map(Option::flatten)
    };
    let address = field("address", &free_text);
    let availability = field("availability", &free_text);
    let current_department = field("current_department", &free_text);
    let current_position = field("current_position", &free_text);
    let education = field("education", &free_text);
    let gender = field("gender", &free_text);
    let cv_url = field("cv_url", &link);
    let linkedin_url = field("linkedin_url", &link);
    let portfolio_url = field("portfolio_url", &link);
    let changes = ProfileChanges {
        address,
        availability,
        current_department,
        current_position,
        education,
        gender,
        cv_url,
        linkedin_url,
        portfolio_url,
        birth_date: optional(body, "birth_date", &mut errors, |v| {
            candidate::birth_date(calendar_date(text(v)?)?, today).map_err(|e| e.to_string())
        }),
        expected_salary_min: optional(body, "expected_salary_min", &mut errors, |v| {
            candidate::salary(whole(v)?).map_err(|e| e.to_string())
        }),
        expected_salary_max: optional(body, "expected_salary_max", &mut errors, |v| {
            candidate::salary(whole(v)?).map_err(|e| e.to_string())
        }),
        years_experience: optional(body, "years_experience", &mut errors, |v| {
            candidate::years_of_experience(whole(v)?).map_err(|e| e.to_string())
        }),
        // `null` clears the list.
        skills: optional(body, "skills", &mut errors, skill_list).map(Option::unwrap_or_default),
    };
    if errors.is_empty() { Ok(changes) } else { Err(ApiError::Validation(errors)) }
}

/// A list of strings; a JSON-encoded list in a string (what some legacy clients send) is read as the list.
fn skill_list(value: &Value) -> Result<Vec<String>, String> {
    let decoded;
    let value = match value {
        Value::String(s) if s.trim_start().starts_with('[') => {
            decoded = serde_json::from_str::<Value>(s).map_err(|_| "liste de chaînes attendue".to_owned())?;
            &decoded
        }
        other => other,
    };
    let items = value.as_array().ok_or_else(|| "liste de chaînes attendue".to_owned())?;
    let texts: Vec<&str> =
        items.iter().map(Value::as_str).collect::<Option<_>>().ok_or_else(|| "liste de chaînes attendue".to_owned())?;
    candidate::skills(&texts).map_err(|e| e.to_string())
}

/// `YYYY-MM-DD`, or a timestamp whose date part is taken (the legacy column was a timestamp).
fn calendar_date(raw: &str) -> Result<NaiveDate, String> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(raw).map(|t| t.date_naive()))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f").map(|t| t.date()))
        .map_err(|_| "date attendue au format AAAA-MM-JJ".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Map<String, Value> {
        serde_json::from_str(json).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn skills_arrive_as_a_list_or_as_a_json_list_in_a_string() {
        let from_list = parse_changes(&body(r#"{"skills":["Rust"," SQL "]}"#), today()).unwrap();
        let from_string = parse_changes(&body(r#"{"skills":"[\"Rust\",\"SQL\"]"}"#), today()).unwrap();
        assert_eq!(from_list.skills, Some(vec!["Rust".to_owned(), "SQL".to_owned()]));
        assert_eq!(from_list, from_string);
        assert_eq!(parse_changes(&body(r#"{"skills":null}"#), today()).unwrap().skills, Some(vec![]));
    }

    #[test]
    fn every_bad_field_is_named() {
        let Err(ApiError::Validation(errors)) = parse_changes(
            &body(
                r#"{"skills":[1],"linkedin_url":"javascript:alert(1)","expected_salary_min":-5,
                    "years_experience":99,"birth_date":"hier","role":"admin","address":7}"#,
            ),
            today(),
        ) else {
            panic!("expected a validation error");
        };
        let mut fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "body.address",
                "body.birth_date",
                "body.expected_salary_min",
                "body.linkedin_url",
                "body.role",
                "body.skills",
                "body.years_experience"
            ]
        );
    }

    #[test]
    fn dates_may_carry_a_time() {
        assert_eq!(calendar_date("1990-05-01"), Ok(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()));
        assert_eq!(calendar_date("1990-05-01T00:00:00"), Ok(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()));
        assert_eq!(calendar_date("1990-05-01T00:00:00Z"), Ok(NaiveDate::from_ymd_opt(1990, 5, 1).unwrap()));
        assert!(calendar_date("01/05/1990").is_err());
    }
}
