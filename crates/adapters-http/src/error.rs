//! The one place that turns failures into HTTP (CONVENTIONS 4, decision F1).
//!
//! Every error body is `{"detail", "code", "status", "request_id"}`; validation errors add `errors`. The
//! mapping from each variant to its status and code is one exhaustive `match`, tested status by status.
//! Causes of 5xx are logged here, once, with their chain; the client only sees the opaque body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use seeg_application::StoreError;
use seeg_application::applications::QuotaExceeded;
use seeg_application::offers::OffersError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::current_request_id;

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

/// Every error a route can return.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(&'static str),
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
    /// 400 with the legacy French message and a stable code (business rules: duplicates, R2, …).
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// No bearer token (legacy: "Not authenticated").
    #[error("Not authenticated")]
    NotAuthenticated,
    /// A token was given but is not valid for this request (legacy: "Could not validate credentials").
    #[error("{detail}")]
    Unauthorized { code: &'static str, detail: String },
    /// Authenticated but not allowed.
    #[error("{detail}")]
    Forbidden { code: &'static str, detail: String },
    /// The request contradicts the current state of the resource (409).
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// Well formed but refused as a whole, with a code of its own (422 that is not a field error).
    #[error("{detail}")]
    Unprocessable { code: &'static str, detail: String },
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

/// The code catalogue: every `code` the API returns, with its status and meaning. Published in OpenAPI.
pub const CODE_CATALOGUE: &[(&str, u16, &str)] = &[
    ("not_found", 404, "La ressource n'existe pas ou n'est pas visible pour l'appelant."),
    ("route_not_found", 404, "Aucune route ne correspond à l'adresse demandée."),
    ("method_not_allowed", 405, "La route existe mais pas pour cette méthode HTTP."),
    ("validation_error", 422, "Un paramètre ou un champ est invalide ; `errors` les liste."),
    ("bad_request", 400, "La requête est mal formée."),
    ("rate_limited", 429, "Trop de requêtes : voir `Retry-After` et `X-RateLimit-*` (S6)."),
    ("payload_too_large", 413, "Le corps de la requête dépasse la limite."),
    (
        "upload_quota_exceeded",
        429,
        "Trop de documents envoyés sans candidature enregistrée dans le délai de nettoyage : voir `Retry-After` (S11).",
    ),
    ("not_authenticated", 401, "Aucun jeton `Authorization: Bearer` fourni."),
    ("invalid_token", 401, "Jeton invalide, expiré, d'un autre type, ou compte qui n'est plus actif."),
    ("invalid_webhook_token", 401, "En-tête `X-Webhook-Token` absent ou différent du secret du webhook (S9)."),
    ("invalid_credentials", 401, "E-mail ou mot de passe incorrect (même réponse dans les deux cas)."),
    ("invalid_refresh_token", 401, "Jeton de renouvellement invalide, expiré, déjà utilisé ou révoqué."),
    ("wrong_current_password", 401, "Mot de passe actuel incorrect."),
    ("invalid_reset_token", 400, "Jeton de réinitialisation inconnu, déjà utilisé ou expiré (1 h, usage unique)."),
    (
        "field_not_self_editable",
        403,
        "Champ réservé aux administrateurs dans `PUT /users/me` (S2) ; rien n'est modifié.",
    ),
    ("forbidden", 403, "Rôle insuffisant pour cette action (matrice des permissions S3)."),
    ("own_access_unchangeable", 400, "Un administrateur ne peut pas modifier son propre rôle ni son propre statut."),
    ("account_not_active", 403, "Mot de passe correct mais compte en attente, bloqué, inactif ou archivé."),
    ("own_account_undeletable", 400, "Un administrateur ne peut pas supprimer son propre compte."),
    ("access_request_already_processed", 400, "La demande d'accès a déjà été approuvée ou refusée."),
    (
        "access_request_account_not_pending",
        409,
        "Le compte de la demande n'est plus `en_attente` (activé, bloqué ou archivé) : la demande ne peut plus être traitée.",
    ),
    ("email_taken", 400, "Un utilisateur avec cet e-mail existe déjà."),
    ("matricule_taken", 400, "Un utilisateur avec ce matricule existe déjà."),
    ("matricule_required", 400, "Le matricule est obligatoire pour les candidats internes."),
    ("company_email_required", 400, "Un candidat interne doit utiliser son e-mail @seeg-gabon.com."),
    ("company_email_inconsistent", 400, "Candidat interne « sans e-mail SEEG » avec une adresse @seeg-gabon.com."),
    (
        "idempotency_key_reused",
        422,
        "`Idempotency-Key` déjà utilisée par cet appelant pour un autre corps de requête (I4).",
    ),
    (
        "idempotency_key_in_progress",
        409,
        "Une requête avec la même `Idempotency-Key` est en cours : réessayer quand elle sera terminée (I4).",
    ),
    (
        "invalid_status_transition",
        409,
        "Changement de statut impossible depuis le statut actuel pour cet appelant ; `allowed` liste les possibles (I5).",
    ),
    ("offer_closed", 400, "L'offre n'accepte plus de candidatures (date limite dépassée ou offre fermée)."),
    ("application_exists", 400, "Une candidature existe déjà pour cette offre d'emploi (I4)."),
    ("mtp_answers_mismatch", 400, "Le nombre de réponses MTP ne correspond pas aux questions de l'offre (K3)."),
    (
        "document_name_invalid",
        422,
        "Nom de fichier d'un document : 255 caractères au plus, sans caractère de contrôle, « / » ni « \\ ».",
    ),
    ("document_not_pdf", 422, "Un document n'est pas un PDF (en-tête, fin de fichier ou nom en .pdf) (S11)."),
    ("document_active_content", 422, "Un PDF contient du contenu actif (JavaScript, Launch, fichier joint) (S11)."),
    ("document_too_large", 422, "Un document dépasse 10 Mio, ou les documents 40 Mio ensemble (S11)."),
    ("too_many_documents", 422, "Plus de 10 documents dans une candidature (S11)."),
    ("missing_required_documents", 422, "CV, lettre de motivation ou diplôme manquant (S11)."),
    ("duplicate_required_document", 422, "Un document obligatoire est fourni deux fois (S11)."),
    ("document_type_not_allowed", 422, "Type de document inconnu (S11)."),
    ("offer_has_applications", 409, "L'offre d'emploi a des candidatures : elle ne peut pas être supprimée (I10)."),
    ("not_ready", 503, "Une dépendance (base de données, stockage) ne répond pas."),
    ("body_timeout", 408, "Le corps de la requête n'est pas arrivé dans le délai (`http.body_timeout_secs`)."),
    (
        "unsupported_content_encoding",
        415,
        "Corps de requête compressé (`Content-Encoding` autre que `identity`) : envoyer le corps tel quel.",
    ),
    (
        "server_busy",
        503,
        "Trop de gros corps de requête (documents) en mémoire à la fois : réessayer après `Retry-After`.",
    ),
    ("internal_error", 500, "Erreur interne ; le détail est dans les journaux, retrouvé par `request_id`."),
];

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            Self::RouteNotFound => (StatusCode::NOT_FOUND, "route_not_found"),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            Self::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_error"),
            Self::NotReady => (StatusCode::SERVICE_UNAVAILABLE, "not_ready"),
            Self::Busy => (StatusCode::SERVICE_UNAVAILABLE, "server_busy"),
            Self::BodyTimeout => (StatusCode::REQUEST_TIMEOUT, "body_timeout"),
            Self::UnsupportedEncoding => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_content_encoding"),
            Self::PayloadTooLarge { .. } | Self::TooManyParts { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            Self::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            Self::NotAuthenticated => (StatusCode::UNAUTHORIZED, "not_authenticated"),
            Self::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, code),
            Self::Forbidden { code, .. } => (StatusCode::FORBIDDEN, code),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, code),
            Self::Unprocessable { code, .. } => (StatusCode::UNPROCESSABLE_ENTITY, code),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            Self::UploadQuota(_) => (StatusCode::TOO_MANY_REQUESTS, "upload_quota_exceeded"),
            Self::InvalidTransition { .. } => (StatusCode::CONFLICT, "invalid_status_transition"),
            Self::Unexpected(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.into(), message: message.into() }])
    }
}

/// The message a client sees for a status that no route chose (5xx, or a framework error).
pub(crate) fn generic_detail(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::NOT_FOUND => ("La ressource demandée n'a pas été trouvée", "route_not_found"),
        StatusCode::METHOD_NOT_ALLOWED => ("Méthode non autorisée pour cette adresse", "method_not_allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => ("Le corps de la requête est trop volumineux", "payload_too_large"),
        s if s.is_server_error() => ("Une erreur interne du serveur s'est produite", "internal_error"),
        _ => ("Requête invalide", "bad_request"),
    }
}

pub(crate) fn error_response(
    status: StatusCode,
    code: &str,
    detail: String,
    errors: Option<Vec<FieldError>>,
) -> HttpResponse {
    let body = ErrorBody {
        detail,
        code: code.to_owned(),
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
        self.status_and_code().0
    }

    fn error_response(&self) -> HttpResponse {
        let (status, code) = self.status_and_code();
        match self {
            Self::Unexpected(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "unexpected error");
                error_response(status, code, generic_detail(status).0.to_owned(), None)
            }
            Self::NotFound(_) | Self::RouteNotFound => {
                // Legacy clients look for this phrase on every 404 (legacy §0).
                error_response(status, code, "La ressource demandée n'a pas été trouvée".to_owned(), None)
            }
            Self::Validation(errors) => error_response(status, code, self.to_string(), Some(errors.clone())),
            Self::MethodNotAllowed | Self::NotReady | Self::Busy | Self::BodyTimeout | Self::UnsupportedEncoding => {
                error_response(status, code, capitalise(&self.to_string()), None)
            }
            Self::BadRequest { .. }
            | Self::Forbidden { .. }
            | Self::Conflict { .. }
            | Self::Unprocessable { .. }
            | Self::PayloadTooLarge { .. }
            | Self::TooManyParts { .. } => error_response(status, code, self.to_string(), None),
            Self::NotAuthenticated | Self::Unauthorized { .. } => {
                let mut response = error_response(status, code, self.to_string(), None);
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                response
            }
            Self::InvalidTransition { detail, allowed } => {
                let body = ErrorBody {
                    detail: detail.clone(),
                    code: code.to_owned(),
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
                crate::rate_limit::insert_headers(headers, *limit, 0, *reset_secs);
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
            OffersError::NotFound => Self::NotFound("offre d'emploi introuvable"),
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
    async fn each_variant_has_its_status_code_and_f1_body() {
        let cases = [
            (ApiError::NotFound("x"), 404, "not_found"),
            (ApiError::RouteNotFound, 404, "route_not_found"),
            (ApiError::MethodNotAllowed, 405, "method_not_allowed"),
            (ApiError::invalid("query.limit", "doit être au moins 1"), 422, "validation_error"),
            (ApiError::NotReady, 503, "not_ready"),
            (ApiError::BadRequest { code: "email_taken", detail: "x".into() }, 400, "email_taken"),
            (ApiError::NotAuthenticated, 401, "not_authenticated"),
            (ApiError::Unauthorized { code: "invalid_token", detail: "x".into() }, 401, "invalid_token"),
            (ApiError::Forbidden { code: "account_not_active", detail: "x".into() }, 403, "account_not_active"),
            (
                ApiError::Conflict { code: "idempotency_key_in_progress", detail: "x".into() },
                409,
                "idempotency_key_in_progress",
            ),
            (
                ApiError::Unprocessable { code: "idempotency_key_reused", detail: "x".into() },
                422,
                "idempotency_key_reused",
            ),
            (ApiError::Conflict { code: "offer_has_applications", detail: "x".into() }, 409, "offer_has_applications"),
            (ApiError::Unexpected(anyhow::anyhow!("secret internals")), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let (got_status, body) = body_of(error).await;
            assert_eq!(got_status.as_u16(), status);
            assert_eq!(body["code"], code);
            assert_eq!(body["status"], status);
            assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
            assert!(body.get("request_id").is_some());
            assert!(
                CODE_CATALOGUE.iter().any(|(c, s, _)| *c == code && *s == status),
                "{code} missing from the catalogue"
            );
        }
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
