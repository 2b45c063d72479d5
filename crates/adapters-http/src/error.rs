//! The one place that turns failures into HTTP (CONVENTIONS 4, decision F1).
//!
//! Every error body is `{"detail", "code", "status", "request_id"}`; validation errors add `errors`. The
//! mapping from each variant to its status and code is one exhaustive `match`, tested status by status.
//! Causes of 5xx are logged here, once, with their chain; the client only sees the opaque body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use seeg_application::applications::QuotaExceeded;
use seeg_application::offers::OffersError;
use seeg_application::{Outage, StoreError, StoreOutage};
use serde::Serialize;
use utoipa::ToSchema;

pub use crate::error_codes::ErrorCode;
use crate::request_id::current_request_id;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Where the value was: `query.limit`, `path.job_id`, `body.title`, …
    pub field: String,
    pub message: String,
}

/// The error body of every response with a 4xx or 5xx status (decision F1).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, in French, for a person.
    #[schema(example = "La ressource demandée n'a pas été trouvée")]
    pub detail: String,
    /// Stable, for programs: see the code catalogue in the API description.
    #[schema(example = "not_found")]
    pub code: String,
    #[schema(example = 404)]
    pub status: u16,
    /// The `X-Request-ID` of the response: quote it when reporting a problem.
    pub request_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// An illegal status change only: the statuses the caller may move to from here (F1, I5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

/// Every error a route can return. Each maps to one `ErrorCode`, whose status the response has.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 404 with the legacy phrase every legacy client looks for (legacy §0): what was not found is not said, so
    /// that another user's resource and a missing one answer alike (S3).
    #[error("la ressource demandée n'a pas été trouvée")]
    NotFound,
    #[error("aucune route ne correspond à cette adresse")]
    RouteNotFound,
    #[error("méthode non autorisée pour cette adresse")]
    MethodNotAllowed,
    #[error("{}", validation_summary(.0))]
    Validation(Vec<FieldError>),
    #[error("le service n'est pas prêt")]
    NotReady,
    /// 503 `server_busy`: too many large bodies in memory at once; retry shortly.
    #[error("le serveur reçoit trop de documents en ce moment : réessayez dans quelques secondes")]
    Busy,
    /// 408 `body_timeout`: the body took longer than `http.body_timeout_secs` to arrive.
    #[error("le corps de la requête est arrivé trop lentement : réessayez avec une meilleure connexion")]
    BodyTimeout,
    /// 415 `unsupported_content_encoding`: a compressed request body.
    #[error("le corps de la requête ne doit pas être compressé (Content-Encoding non accepté)")]
    UnsupportedEncoding,
    /// 413 before any decoding (S11).
    #[error("Le corps de la requête est trop volumineux (au plus {max_bytes} octets)")]
    PayloadTooLarge { max_bytes: usize },
    /// 413: a multipart form with more parts than any legitimate one has (S11).
    #[error("Le formulaire compte trop de parties (au plus {max})")]
    TooManyParts { max: usize },
    /// A request refused with a code of its own and the legacy French message (business rules, authentication,
    /// permissions, conflicts); its status is the code's.
    #[error("{detail}")]
    Refused { code: ErrorCode, detail: String },
    /// No bearer token (legacy: "Not authenticated").
    #[error("Not authenticated")]
    NotAuthenticated,
    /// 409 `invalid_status_transition` with the statuses allowed from here (I5).
    #[error("{detail}")]
    InvalidTransition { detail: String, allowed: Vec<String> },
    /// 429 (S6): the quota closest to exhaustion, reported in `Retry-After` and `X-RateLimit-*`.
    #[error("Trop de requêtes. Veuillez réessayer dans {reset_secs} s.")]
    RateLimited { limit: u32, reset_secs: u64 },
    /// 429 `upload_quota_exceeded`: the caller's pending uploads would pass their quota (S11), with `Retry-After`.
    #[error(transparent)]
    UploadQuota(#[from] QuotaExceeded),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn validation_summary(errors: &[FieldError]) -> String {
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    format!("Données invalides : {}", fields.join(", "))
}

impl ApiError {
    /// The code the response carries (and so its status).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::NotFound,
            Self::RouteNotFound => ErrorCode::RouteNotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::Validation(_) => ErrorCode::ValidationError,
            Self::NotReady => ErrorCode::NotReady,
            Self::Busy => ErrorCode::ServerBusy,
            Self::BodyTimeout => ErrorCode::BodyTimeout,
            Self::UnsupportedEncoding => ErrorCode::UnsupportedContentEncoding,
            Self::PayloadTooLarge { .. } | Self::TooManyParts { .. } => ErrorCode::PayloadTooLarge,
            Self::Refused { code, .. } => *code,
            Self::NotAuthenticated => ErrorCode::NotAuthenticated,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::UploadQuota(_) => ErrorCode::UploadQuotaExceeded,
            Self::InvalidTransition { .. } => ErrorCode::InvalidStatusTransition,
            Self::Unexpected(cause) => match StoreOutage::find(cause) {
                Some(StoreOutage::Database(Outage::Unreachable | Outage::Contended)) => ErrorCode::DatabaseUnavailable,
                Some(StoreOutage::Documents(Outage::Unreachable | Outage::Contended)) => ErrorCode::StorageUnavailable,
                Some(StoreOutage::Database(Outage::Full) | StoreOutage::Documents(Outage::Full)) => {
                    ErrorCode::InsufficientStorage
                }
                None => ErrorCode::InternalError,
            },
        }
    }

    /// A refusal with `code` and the French `detail`.
    pub fn refused(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self::Refused { code, detail: detail.into() }
    }

    /// The refusal of a token that names no active account (S4), or of a request whose account stopped being
    /// active while it ran (B7): 401 `invalid_token`, with the legacy detail.
    pub fn invalid_token() -> Self {
        Self::refused(ErrorCode::InvalidToken, "Could not validate credentials")
    }

    /// 403 `forbidden`, with the message of the use case's refusal.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::refused(ErrorCode::Forbidden, detail)
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.into(), message: message.into() }])
    }
}

/// The message a client sees for a status that no route chose (5xx, or a framework error).
pub(crate) fn generic_detail(status: StatusCode) -> (&'static str, ErrorCode) {
    match status {
        StatusCode::NOT_FOUND => ("La ressource demandée n'a pas été trouvée", ErrorCode::RouteNotFound),
        StatusCode::METHOD_NOT_ALLOWED => ("Méthode non autorisée pour cette adresse", ErrorCode::MethodNotAllowed),
        StatusCode::PAYLOAD_TOO_LARGE => ("Le corps de la requête est trop volumineux", ErrorCode::PayloadTooLarge),
        s if s.is_server_error() => ("Une erreur interne du serveur s'est produite", ErrorCode::InternalError),
        _ => ("Requête invalide", ErrorCode::BadRequest),
    }
}

/// What a client reads when a store is out (O7): nothing was recorded, and whether trying again soon may help.
fn outage_detail(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::InsufficientStorage => "Le serveur n'a plus d'espace disque : rien n'a été enregistré",
        ErrorCode::StorageUnavailable => {
            "Le stockage des documents ne répond pas : rien n'a été enregistré, réessayez dans quelques secondes"
        }
        // A commit whose answer was lost may have landed: no promise that nothing was recorded.
        _ => "La base de données ne répond pas : réessayez dans quelques secondes",
    }
}

/// The F1 body for `code`, with `status` (the code's own, but for a framework error: see `generic_detail`).
pub(crate) fn error_response(
    status: StatusCode,
    code: ErrorCode,
    detail: String,
    errors: Option<Vec<FieldError>>,
) -> HttpResponse {
    let body = ErrorBody {
        detail,
        code: code.as_str().to_owned(),
        status: status.as_u16(),
        request_id: current_request_id(),
        errors,
        allowed: None,
    };
    let mut response = HttpResponse::build(status).json(body);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    response
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }

    fn error_response(&self) -> HttpResponse {
        let code = self.code();
        let status = code.status();
        match self {
            Self::Unexpected(cause)
                if matches!(StoreOutage::find(cause), Some(StoreOutage::Database(Outage::Contended))) =>
            {
                // Two transactions that could not run beside each other: a lock order to look at, so an error line
                // (O7); the client retries what was rolled back whole.
                tracing::error!(error = %format!("{cause:#}"), code = code.as_str(), "transaction rolled back by contention");
                let detail = "Opération annulée par une opération concurrente : rien n'a été enregistré, réessayez";
                error_response(status, code, detail.to_owned(), None)
            }
            Self::Unexpected(cause) if code != ErrorCode::InternalError => {
                // An outage (O7): the operator sees it in the readiness probe and the metrics; one line per request.
                tracing::warn!(error = %format!("{cause:#}"), code = code.as_str(), "store unavailable");
                error_response(status, code, outage_detail(code).to_owned(), None)
            }
            Self::Unexpected(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "unexpected error");
                error_response(status, code, generic_detail(status).0.to_owned(), None)
            }
            Self::NotFound | Self::RouteNotFound => {
                // Legacy clients look for this phrase on every 404 (legacy §0).
                error_response(status, code, "La ressource demandée n'a pas été trouvée".to_owned(), None)
            }
            Self::Validation(errors) => error_response(status, code, self.to_string(), Some(errors.clone())),
            Self::MethodNotAllowed | Self::NotReady | Self::Busy | Self::BodyTimeout | Self::UnsupportedEncoding => {
                error_response(status, code, capitalise(&self.to_string()), None)
            }
            Self::Refused { .. }
            | Self::PayloadTooLarge { .. }
            | Self::TooManyParts { .. }
            | Self::NotAuthenticated => {
                let mut response = error_response(status, code, self.to_string(), None);
                if status == StatusCode::UNAUTHORIZED {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                }
                response
            }
            Self::InvalidTransition { detail, allowed } => {
                let body = ErrorBody {
                    detail: detail.clone(),
                    code: code.as_str().to_owned(),
                    status: status.as_u16(),
                    request_id: current_request_id(),
                    errors: None,
                    allowed: Some(allowed.clone()),
                };
                HttpResponse::build(status).json(body)
            }
            Self::RateLimited { limit, reset_secs } => {
                let mut response = error_response(status, code, self.to_string(), None);
                let headers = response.headers_mut();
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*reset_secs));
                insert_rate_limit_headers(headers, *limit, 0, *reset_secs);
                response
            }
            Self::UploadQuota(exceeded) => {
                let mut response = error_response(status, code, self.to_string(), None);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(exceeded.retry_after_secs));
                response
            }
        }
    }
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds): on a 429, and on every response the limits let
/// through (`rate_limit`).
pub(crate) fn insert_rate_limit_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset_secs: u64) {
    headers.insert(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(limit));
    headers.insert(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(remaining));
    headers.insert(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(reset_secs));
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::Unexpected(anyhow::Error::new(error))
    }
}

impl From<OffersError> for ApiError {
    fn from(error: OffersError) -> Self {
        match error {
            OffersError::NotFound => Self::NotFound,
            OffersError::Store(e) => e.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::to_bytes;

    async fn body_of(error: ApiError) -> (StatusCode, serde_json::Value) {
        let response = error.error_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[actix_web::test]
    async fn each_variant_has_its_code_s_status_and_the_f1_body() {
        let cases = [
            (ApiError::NotFound, 404, "not_found"),
            (ApiError::RouteNotFound, 404, "route_not_found"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::invalid("query.limit", "doit être au moins 1"), 422, "validation_error"),
            (ApiError::NotReady, 503, "not_ready"),
            (ApiError::refused(ErrorCode::EmailTaken, "x"), 400, "email_taken"),
            (ApiError::NotAuthenticated, 401, "not_authenticated"),
            (ApiError::refused(ErrorCode::InvalidToken, "x"), 401, "invalid_token"),
            (ApiError::refused(ErrorCode::AccountNotActive, "x"), 403, "account_not_active"),
            (ApiError::refused(ErrorCode::IdempotencyKeyInProgress, "x"), 409, "idempotency_key_in_progress"),
            (ApiError::refused(ErrorCode::IdempotencyKeyReused, "x"), 422, "idempotency_key_reused"),
            (ApiError::refused(ErrorCode::OfferHasApplications, "x"), 409, "offer_has_applications"),
            (ApiError::Unexpected(anyhow::anyhow!("secret internals")), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let (got_status, body) = body_of(error).await;
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(body["code"], code);
            assert_eq!(body["status"], status);
            assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
            assert!(body.get("request_id").is_some());
        }
    }

    #[actix_web::test]
    async fn an_outage_is_a_503_to_retry_or_a_507_wherever_the_use_case_wrapped_it() {
        use seeg_application::documents::DocumentStoreError;
        let database = |kind| StoreError::Unavailable { kind, cause: anyhow::anyhow!("connection refused at db:5432") };
        let documents = |kind| DocumentStoreError::Unavailable { kind, cause: anyhow::anyhow!("io") };
        let cases = [
            (ApiError::from(database(Outage::Unreachable)), 503, "database_unavailable"),
            (ApiError::from(database(Outage::Full)), 507, "insufficient_storage"),
            (ApiError::from(database(Outage::Contended)), 503, "database_unavailable"),
            // Wrapped by a use case in context of its own: still found.
            (
                ApiError::Unexpected(anyhow::Error::new(database(Outage::Unreachable)).context("soumission")),
                503,
                "database_unavailable",
            ),
            (ApiError::Unexpected(anyhow::Error::new(documents(Outage::Unreachable))), 503, "storage_unavailable"),
            (ApiError::Unexpected(anyhow::Error::new(documents(Outage::Full))), 507, "insufficient_storage"),
            (ApiError::from(StoreError::Unexpected(anyhow::anyhow!("corrupt row"))), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let response = error.error_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).is_some(),
                status == 503,
                "{code}: Retry-After on a 503 only"
            );
            let body: serde_json::Value =
                serde_json::from_slice(&to_bytes(response.into_body()).await.unwrap()).unwrap();
            assert_eq!((body["code"].as_str(), body["status"].as_u64()), (Some(code), Some(u64::from(status))));
            let detail = body["detail"].as_str().unwrap();
            assert!(!detail.contains("5432") && !detail.contains("refused"), "{detail}");
        }
    }

    #[actix_web::test]
    async fn a_401_asks_for_a_bearer_token() {
        for error in [ApiError::NotAuthenticated, ApiError::refused(ErrorCode::InvalidCredentials, "x")] {
            let response = error.error_response();
            assert_eq!(response.headers().get(header::WWW_AUTHENTICATE).unwrap(), "Bearer");
        }
        assert!(!ApiError::forbidden("x").error_response().headers().contains_key(header::WWW_AUTHENTICATE));
    }

    #[actix_web::test]
    async fn internal_text_never_reaches_the_client() {
        let (_, body) = body_of(ApiError::Unexpected(anyhow::anyhow!("password=hunter2 at db.internal"))).await;
        assert!(!body.to_string().contains("hunter2"));
        assert_eq!(body["detail"], "Une erreur interne du serveur s'est produite");
    }

    #[actix_web::test]
    async fn validation_errors_list_each_field() {
        let (_, body) = body_of(ApiError::Validation(vec![
            FieldError { field: "query.skip".into(), message: "a".into() },
            FieldError { field: "query.limit".into(), message: "b".into() },
        ]))
        .await;
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(2));
        assert_eq!(body["errors"][1]["field"], "query.limit");
    }
}
