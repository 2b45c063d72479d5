//! The outbox for administrators: `GET /api/v1/admin/outbox` (counters, lag, per kind) and
//! `POST /api/v1/admin/outbox/{id}/retry` (replay one event).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::outbox::{OutboxDeskError, OutboxEvent};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::parse_uuid;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/admin/outbox").route(web::get().to(outbox_status)))
        .service(route("/api/v1/admin/outbox/{event_id}/retry").route(web::post().to(retry_event)));
}

impl From<OutboxDeskError> for ApiError {
    fn from(error: OutboxDeskError) -> Self {
        let detail = error.to_string();
        match error {
            OutboxDeskError::Forbidden => Self::forbidden(detail),
            OutboxDeskError::NotFound => Self::NotFound,
            OutboxDeskError::AlreadyDone => Self::refused(ErrorCode::OutboxEventDone, detail),
            OutboxDeskError::Store(e) => e.into(),
        }
    }
}

/// The outbox's counters, for operators and monitoring.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxStatus {
    pub pending: u64,
    /// Pending events that failed at least once (retrying with backoff).
    pub failing: u64,
    /// Dead letters: failed too often, kept until an operator retries them.
    pub dead: u64,
    pub done: u64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// The lag: how long the oldest pending event has waited, in seconds (0 when none waits).
    pub oldest_pending_age_seconds: i64,
    pub by_kind: Vec<OutboxKindCount>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxKindCount {
    pub kind: String,
    pub pending: u64,
    pub dead: u64,
}

/// One event as an operator sees it (its payload holds ids, not personal data).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEventBody {
    pub id: Uuid,
    pub kind: String,
    /// `pending`, `done` or `dead`.
    pub state: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl From<&OutboxEvent> for OutboxEventBody {
    fn from(e: &OutboxEvent) -> Self {
        Self {
            id: e.id,
            kind: e.kind.clone(),
            state: e.state.as_str().to_owned(),
            attempts: e.attempts,
            last_error: e.last_error.clone(),
            next_attempt_at: e.next_attempt_at,
            created_at: e.created_at,
        }
    }
}

/// Pending, failing, dead and done events, the age of the oldest pending one, and pending/dead per kind.
#[utoipa::path(
    get,
    path = "/api/v1/admin/outbox",
    operation_id = "outbox_status",
    tag = "Administration",
    security(("bearer" = [])),
    responses(
        (status = 200, body = OutboxStatus),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
    )
)]
pub(crate) async fn outbox_status(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let (counters, now) = state.outbox_desk.status(&caller.0).await?;
    let age = counters.oldest_pending_at.map_or(0, |oldest| (now - oldest).num_seconds().max(0));
    Ok(HttpResponse::Ok().json(OutboxStatus {
        pending: counters.pending,
        failing: counters.failing,
        dead: counters.dead,
        done: counters.done,
        oldest_pending_at: counters.oldest_pending_at,
        oldest_pending_age_seconds: age,
        by_kind: counters
            .by_kind
            .into_iter()
            .map(|k| OutboxKindCount { kind: k.kind, pending: k.pending, dead: k.dead })
            .collect(),
    }))
}

/// `POST …/retry` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetriedEvent {
    pub success: bool,
    pub message: String,
    pub data: OutboxEventBody,
}

/// Runs one dead or failing event again, now, with its attempts reset. A done event is not run again (409).
#[utoipa::path(
    post,
    path = "/api/v1/admin/outbox/{event_id}/retry",
    operation_id = "retry_outbox_event",
    tag = "Administration",
    security(("bearer" = [])),
    params(("event_id" = Uuid, Path)),
    responses(
        (status = 200, body = RetriedEvent),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`outbox_event_done`", body = ErrorBody),
    )
)]
pub(crate) async fn retry_event(
    state: web::Data<ApiState>,
    caller: Caller,
    event_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("event_id", &event_id)?;
    let event = state.outbox_desk.retry(&caller.0, id, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(RetriedEvent {
        success: true,
        message: "Événement relancé".to_owned(),
        data: OutboxEventBody::from(&event),
    }))
}
