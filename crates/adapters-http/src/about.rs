//! What the service is, for signed-in callers (legacy §1.1, O2 in docs/decisions.md): `GET /` and `GET /info`, in
//! their legacy shapes minus what the legacy service leaked (D11: the database URL, the CORS origins) and minus what it
//! claimed falsely (D10: rate limiting is reported as it is). Nothing here is a secret or personal data: the
//! caller's own id, e-mail and role, and facts about the running release.

use actix_web::{HttpResponse, web};
use seeg_domain::applications::{DocumentLimits, DocumentType};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/").route(web::get().to(root))).service(route("/info").route(web::get().to(info)));
}

/// `GET /`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Root {
    #[schema(example = "API One HCM SEEG")]
    pub message: &'static str,
    pub version: String,
    /// `active`.
    pub status: &'static str,
    /// `/docs` (Swagger UI).
    pub docs: &'static str,
    /// `/redoc`.
    pub redoc: &'static str,
    pub user: RootUser,
}

/// The caller (legacy `{email, role}`, K1): its own address, told to itself only, and its id.
#[derive(Debug, Serialize, ToSchema)]
pub struct RootUser {
    pub id: Uuid,
    pub email: String,
    /// `admin`, `recruiter`, `observer` or `candidate`.
    pub role: &'static str,
}

/// `GET /info`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Info {
    #[schema(example = "One HCM SEEG")]
    pub app_name: &'static str,
    pub app_version: String,
    /// `development`, `test` or `production`.
    pub environment: String,
    /// Always `false`: no debug mode exists (errors never carry internal text, F1).
    pub debug_mode: bool,
    /// The engine only, `postgresql` or `sqlite` (never the URL, D11).
    pub database: &'static str,
    pub monitoring: InfoMonitoring,
    pub features: Vec<&'static str>,
    pub pdf_support: PdfSupport,
    pub security: InfoSecurity,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InfoMonitoring {
    /// `disabled`.
    pub application_insights: &'static str,
    /// `opentelemetry` when spans are exported (`telemetry.otlp_endpoint`), else `disabled`.
    pub instrumentation: &'static str,
    /// `enabled`.
    pub metrics: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PdfSupport {
    /// Every document type an application may carry (K2).
    pub allowed_types: Vec<&'static str>,
    /// `PDF`.
    pub file_format: &'static str,
    /// Where documents are kept: `local`, `memory`, `azure` or `s3`.
    pub storage: &'static str,
    /// The checks every document passes (S11).
    pub validation: PdfValidation,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PdfValidation {
    pub max_documents: usize,
    pub max_document_bytes: u64,
    pub max_total_bytes: u64,
    /// `%PDF-` header and `%%EOF` trailer required; active content (`/JavaScript`, `/JS`, `/Launch`,
    /// `/EmbeddedFile`) refused.
    pub checks: Vec<&'static str>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InfoSecurity {
    /// `enabled` or `disabled`, as configured (S6).
    pub rate_limiting: &'static str,
    /// `jwt`: bearer access tokens, rotating refresh tokens (S4).
    pub authentication: &'static str,
    /// `bcrypt`.
    pub password_hashing: &'static str,
    /// `enabled`: the legacy security headers on every response (S13).
    pub security_headers: &'static str,
}

const fn enabled(on: bool) -> &'static str {
    if on { "enabled" } else { "disabled" }
}

/// The API's welcome: its version and where its documentation is, and who the caller is (id and role).
#[utoipa::path(
    get,
    path = "/",
    operation_id = "root",
    tag = "Service",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Root),
        (status = 401, description = "Non authentifié", body = ErrorBody),
    )
)]
pub(crate) async fn root(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(Root {
        message: "API One HCM SEEG",
        version: state.info.version.clone(),
        status: "active",
        docs: "/docs",
        redoc: "/redoc",
        user: RootUser { id: caller.0.id, email: caller.0.email.clone(), role: caller.0.role.as_str() },
    }))
}

/// What this release is and does: version, environment, database engine, features, the document rules and the
/// security settings that are on. No URL, origin, secret or personal data (D11).
#[utoipa::path(
    get,
    path = "/info",
    operation_id = "info",
    tag = "Service",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Info),
        (status = 401, description = "Non authentifié", body = ErrorBody),
    )
)]
pub(crate) async fn info(state: web::Data<ApiState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let info = &state.info;
    let limits = DocumentLimits::default();
    let mut features = vec![
        "authentication",
        "job_offers",
        "applications",
        "application_drafts",
        "pdf_documents",
        "evaluations",
        "interviews",
        "notifications",
        "realtime_notifications",
        "emails",
        "access_requests",
        "audit_trail",
        "idempotency_keys",
        "outbox",
    ];
    if info.lake_export {
        features.push("data_lake_export");
    }
    if info.rate_limiting {
        features.push("rate_limiting");
    }
    Ok(HttpResponse::Ok().json(Info {
        app_name: "One HCM SEEG",
        app_version: info.version.clone(),
        environment: info.environment.clone(),
        debug_mode: false,
        database: info.database_engine,
        monitoring: InfoMonitoring {
            application_insights: "disabled",
            instrumentation: if info.tracing { "opentelemetry" } else { "disabled" },
            metrics: "enabled",
        },
        features,
        pdf_support: PdfSupport {
            allowed_types: DocumentType::ALL.iter().map(|t| t.as_str()).collect(),
            file_format: "PDF",
            storage: info.document_storage,
            validation: PdfValidation {
                max_documents: limits.max_documents,
                max_document_bytes: limits.max_document_bytes,
                max_total_bytes: limits.max_total_bytes,
                checks: vec!["pdf_header", "pdf_trailer", "no_active_content", "pdf_file_name"],
            },
        },
        security: InfoSecurity {
            rate_limiting: enabled(info.rate_limiting),
            authentication: "jwt",
            password_hashing: "bcrypt",
            security_headers: "enabled",
        },
    }))
}
