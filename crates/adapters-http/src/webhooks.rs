//! `POST /api/v1/webhooks/application-submitted` (S9, legacy R40): a trusted caller (the warehouse's jobs, legacy
//! scripts) asks for an application to be exported to the data lake again. Authenticated by `X-Webhook-Token`
//! (constant-time comparison); with no secret configured the route does not exist (404), it is never open. The
//! export is queued in the outbox, not run in the request: 202 with the legacy body shape. The secret itself is
//! configuration (`state::WebhookToken`).

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use futures_util::future::{Ready, ready};
use seeg_application::applications::ExportRequestError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::parse_uuid;
use crate::routing::route;
use crate::state::ApiState;

/// The header the caller proves itself with (legacy name, K1).
pub const WEBHOOK_TOKEN_HEADER: &str = "X-Webhook-Token";

/// The legacy phrase of the answer (kept for the clients that read it, although the export is now queued).
const EXPORT_MESSAGE: &str = "Export ETL Data Warehouse effectué (Star Schema)";

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/webhooks/application-submitted")
            .route(web::post().to(application_submitted))
            .default_service(web::to(other_method)),
    );
}

/// Another method on the webhook's path: 405 while the webhook is on, 404 while it is off (S9: a disabled webhook
/// looks like no route at all).
async fn other_method(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    Err(if state.webhook_token.is_some() { ApiError::MethodNotAllowed } else { ApiError::RouteNotFound })
}

/// A caller that presented the webhook secret. Extracted before the body, so an unauthenticated caller learns
/// nothing about what the route accepts.
pub(crate) struct WebhookCaller;

impl FromRequest for WebhookCaller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = req.app_data::<web::Data<ApiState>>().and_then(|state| state.webhook_token.clone());
        let presented = req.headers().get(WEBHOOK_TOKEN_HEADER).map(actix_web::http::header::HeaderValue::as_bytes);
        ready(match (token, presented) {
            // No secret configured: the route is disabled, indistinguishable from an unknown one (S9).
            (None, _) => Err(ApiError::RouteNotFound),
            (Some(token), Some(presented)) if token.accepts(presented) => Ok(Self),
            (Some(_), _) => Err(ApiError::refused(ErrorCode::InvalidWebhookToken, "Webhook non autorisé")),
        })
    }
}

impl From<ExportRequestError> for ApiError {
    fn from(error: ExportRequestError) -> Self {
        match error {
            ExportRequestError::NotFound => Self::NotFound,
            ExportRequestError::Store(e) => e.into(),
        }
    }
}

/// The webhook's body (legacy R40).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApplicationSubmittedHook {
    /// The application to export (UUID).
    pub application_id: String,
    /// Forwarded to the Azure Function (R44); not used otherwise.
    #[serde(default)]
    pub last_watermark: Option<String>,
}

/// The legacy answer (§1.13).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAccepted {
    pub success: bool,
    pub message: String,
    pub data: ExportAcceptedData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExportAcceptedData {
    pub application_id: uuid::Uuid,
    /// `true` when the data lake is on: the export is committed to the outbox and will be written (retried until
    /// it is); `false` when this deployment has no lake (paths then null).
    pub exported_to_blob: bool,
    pub tables_exported: TablesExported,
    pub documents_count: usize,
    /// The application's documents, in MiB rounded to 2 decimals.
    pub total_size_mb: f64,
}

/// The keys the export writes in today's partition (R41: the export's UTC date).
#[derive(Debug, Serialize, ToSchema)]
pub struct TablesExported {
    pub dim_candidates: Option<String>,
    pub dim_job_offers: Option<String>,
    pub fact_applications: Option<String>,
}

/// Queues the data-lake export of one application (and the Azure Function call when configured).
#[utoipa::path(
    post,
    path = "/api/v1/webhooks/application-submitted",
    operation_id = "webhook_application_submitted",
    tag = "Webhooks",
    request_body = ApplicationSubmittedHook,
    params(("X-Webhook-Token" = String, Header, description = "Le secret du webhook (WEBHOOK_SECRET)")),
    responses(
        (status = 202, description = "Export mis en file (outbox)", body = ExportAccepted),
        (status = 401, description = "Jeton absent ou invalide (`invalid_webhook_token`)", body = ErrorBody),
        (status = 404, description = "Candidature introuvable, ou webhook désactivé (aucun secret configuré)", body = ErrorBody),
        (status = 422, description = "application_id n'est pas un UUID", body = ErrorBody),
    )
)]
pub(crate) async fn application_submitted(
    _: WebhookCaller,
    state: web::Data<ApiState>,
    body: web::Json<ApplicationSubmittedHook>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let id = parse_uuid("application_id", body.application_id.trim())
        .map_err(|_| ApiError::invalid("body.application_id", "doit être un identifiant UUID"))?;
    let receipt = state.export_requests.request(id, body.last_watermark.as_deref()).await?;
    let tables = receipt.tables;
    #[allow(clippy::cast_precision_loss)] // sizes are far below 2^52 bytes
    let total_size_mb = (receipt.total_size_bytes as f64 / (1024.0 * 1024.0) * 100.0).round() / 100.0;
    Ok(HttpResponse::Accepted().json(ExportAccepted {
        success: true,
        message: EXPORT_MESSAGE.to_owned(),
        data: ExportAcceptedData {
            application_id: receipt.application_id,
            exported_to_blob: tables.is_some(),
            tables_exported: TablesExported {
                dim_candidates: tables.as_ref().map(|t| t.dim_candidates.clone()),
                dim_job_offers: tables.as_ref().map(|t| t.dim_job_offers.clone()),
                fact_applications: tables.map(|t| t.fact_applications),
            },
            documents_count: receipt.documents_count,
            total_size_mb,
        },
    }))
}
