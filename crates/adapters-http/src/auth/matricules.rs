//! Matricule checks (legacy §1.2 `POST` and `GET /auth/verify-matricule`, R4; decisions S7, K5): the public check
//! answers `valid` and `message` only, never an employee's name; the candidate's check verifies their own
//! matricule.

use actix_web::{HttpResponse, web};
use seeg_application::identity::{MatriculeCheckError, MatriculeQuery};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::caller::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routing::route;
use crate::state::ApiState;

/// The public answer when the employees list cannot be read: still a 200 (R4), with the K5 prefix and no cause.
const CHECK_FAILED: &str = "Erreur lors de la vérification: service momentanément indisponible";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/auth/verify-matricule")
            .route(web::post().to(verify_matricule))
            .route(web::get().to(verify_my_matricule)),
    );
}

/// `POST /api/v1/auth/verify-matricule`: any JSON object; only `matricule` is read.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // documents the body; the handler reads a JSON object so that any other key is accepted
pub struct VerifyMatriculeRequest {
    /// An integer, or a string of digits; any other value is answered 200 `valid: false` (legacy: always 200).
    #[schema(value_type = Option<Value>, example = 123_456)]
    pub matricule: Option<Value>,
}

/// The public answer: `agent_info` is always `null` (S7).
#[derive(Debug, Serialize, ToSchema)]
pub struct MatriculeVerification {
    pub valid: bool,
    pub message: &'static str,
    #[schema(value_type = Option<Object>)]
    pub agent_info: Option<()>,
}

/// The candidate's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnMatriculeVerification {
    pub valid: bool,
    pub reason: Option<&'static str>,
    pub agent_matricule: Option<i32>,
}

impl From<MatriculeCheckError> for ApiError {
    fn from(error: MatriculeCheckError) -> Self {
        match error {
            MatriculeCheckError::NotCandidate => Self::forbidden(error.to_string()),
            MatriculeCheckError::Store(e) => e.into(),
        }
    }
}

/// Reads `matricule` as the legacy service did: falsy values mean "none", an integer or a string of digits is a
/// number, anything else is not numeric.
fn query(body: &Map<String, Value>) -> MatriculeQuery {
    match body.get("matricule") {
        None | Some(Value::Null | Value::Bool(false)) => MatriculeQuery::Missing,
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(0), _) | (None, Some(0.0)) => MatriculeQuery::Missing,
            (Some(v), _) => MatriculeQuery::Number(v),
            // A whole float beyond i64 cannot be a matricule either: treat it as an unknown number.
            (None, Some(f)) if f.fract() == 0.0 => MatriculeQuery::Number(i64::MAX),
            _ => MatriculeQuery::NotNumeric,
        },
        Some(Value::String(s)) if s.is_empty() => MatriculeQuery::Missing,
        Some(Value::String(s)) => {
            let digits = s.trim();
            match digits.parse::<i64>() {
                Ok(v) => MatriculeQuery::Number(v),
                // Digits beyond i64: a number, and no employee's.
                Err(_) if is_long_integer(digits) => MatriculeQuery::Number(i64::MAX),
                Err(_) => MatriculeQuery::NotNumeric,
            }
        }
        Some(Value::Array(a)) if a.is_empty() => MatriculeQuery::Missing,
        Some(Value::Object(o)) if o.is_empty() => MatriculeQuery::Missing,
        Some(Value::Bool(true) | Value::Array(_) | Value::Object(_)) => MatriculeQuery::NotNumeric,
    }
}

/// An optional sign then digits: an integer too long for `i64`.
fn is_long_integer(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Says whether a matricule is in the SEEG employees list. Always 200; never names the employee (S7).
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify-matricule",
    operation_id = "verify_matricule",
    tag = "Authentification",
    request_body = VerifyMatriculeRequest,
    responses(
        (status = 200, description = "Toujours 200 : `valid` et `message` disent le résultat", body = MatriculeVerification),
        (status = 422, description = "Le corps n'est pas un objet JSON", body = ErrorBody),
        (status = 429, description = "Trop de demandes", body = ErrorBody),
    )
)]
pub(crate) async fn verify_matricule(state: web::Data<ApiState>, body: web::Json<Map<String, Value>>) -> HttpResponse {
    let (valid, message) = match state.matricules.verify(query(&body)).await {
        Ok(verdict) => (verdict.valid(), verdict.message()),
        Err(error) => {
            // The legacy answer stays a 200; the cause is logged here, once, without the matricule (S12).
            tracing::error!(error = %format!("{error:#}"), "matricule check failed");
            (false, CHECK_FAILED)
        }
    };
    HttpResponse::Ok().json(MatriculeVerification { valid, message, agent_info: None })
}

/// Checks the matricule stored on the calling candidate's account against the employees list.
#[utoipa::path(
    get,
    path = "/api/v1/auth/verify-matricule",
    operation_id = "verify_my_matricule",
    tag = "Authentification",
    security(("bearer" = [])),
    responses(
        (status = 200, body = OwnMatriculeVerification),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Accessible uniquement aux candidats", body = ErrorBody),
    )
)]
pub(crate) async fn verify_my_matricule(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let verdict = state.matricules.verify_own(&caller.0).await?;
    Ok(HttpResponse::Ok().json(OwnMatriculeVerification {
        valid: verdict.valid(),
        reason: verdict.reason(),
        agent_matricule: verdict.agent_matricule(),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: &Value) -> MatriculeQuery {
        query(json!({ "matricule": value }).as_object().unwrap())
    }

    #[test]
    fn the_matricule_is_read_as_the_legacy_service_did() {
        assert_eq!(query(&Map::new()), MatriculeQuery::Missing);
        for missing in [json!(null), json!(0), json!(""), json!(false), json!([]), json!({}), json!(0.0)] {
            assert_eq!(read(&missing), MatriculeQuery::Missing, "{missing}");
        }
        assert_eq!(read(&json!(123_456)), MatriculeQuery::Number(123_456));
        assert_eq!(read(&json!(" 123456 ")), MatriculeQuery::Number(123_456));
        assert_eq!(read(&json!("0")), MatriculeQuery::Number(0));
        assert_eq!(read(&json!(-5)), MatriculeQuery::Number(-5));
        assert_eq!(read(&json!("99999999999999999999999")), MatriculeQuery::Number(i64::MAX));
        for not_numeric in
            [json!("abc"), json!("12a"), json!("-"), json!(1.5), json!(true), json!([1]), json!({"a": 1})]
        {
            assert_eq!(read(&not_numeric), MatriculeQuery::NotNumeric, "{not_numeric}");
        }
    }
}
