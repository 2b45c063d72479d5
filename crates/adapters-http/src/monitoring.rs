//! `GET /monitoring/stats` (legacy §1.14, admin only; D15 fixed: real figures instead of an error object):
//! counts of accounts, offers, applications and documents, and the outbox's state. Counts only: no row, no
//! personal data. (`/monitoring/health` is in `health`.)

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::service_stats::ServiceStatsError;
use seeg_domain::applications::{ApplicationStatus, DocumentType};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferStatus;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/monitoring/stats").route(web::get().to(service_stats)));
}

impl From<ServiceStatsError> for ApiError {
    fn from(error: ServiceStatsError) -> Self {
        match error {
            ServiceStatsError::Forbidden => Self::forbidden(error.to_string()),
            ServiceStatsError::Store(e) => e.into(),
        }
    }
}

/// `GET /monitoring/stats`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceStatsBody {
    pub timestamp: DateTime<Utc>,
    pub version: String,
    pub environment: String,
    /// Accounts, whatever their statut.
    pub users: UserCounts,
    pub job_offers: StatusCounts,
    pub applications: StatusCounts,
    /// Application documents.
    pub documents: TypeCounts,
    pub outbox: OutboxFigures,
}

/// Accounts: a total and its parts by role, every role listed (0 included).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserCounts {
    pub total: u64,
    pub by_role: BTreeMap<&'static str, u64>,
}

/// A total and its parts by status, every status listed (0 included).
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusCounts {
    pub total: u64,
    pub by_status: BTreeMap<&'static str, u64>,
}

/// Documents: a total and its parts by type, every type listed (0 included).
#[derive(Debug, Serialize, ToSchema)]
pub struct TypeCounts {
    pub total: u64,
    pub by_type: BTreeMap<&'static str, u64>,
}

/// The total of `counts` and the counts by wire word.
fn words<K: Copy>(counts: &BTreeMap<K, u64>, word: impl Fn(K) -> &'static str) -> (u64, BTreeMap<&'static str, u64>) {
    (counts.values().sum(), counts.iter().map(|(k, n)| (word(*k), *n)).collect())
}

/// The outbox (I2), as `/api/v1/admin/outbox` counts it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxFigures {
    pub pending: u64,
    /// Pending events that failed at least once.
    pub failing: u64,
    /// Dead letters, waiting for an operator.
    pub dead: u64,
    /// Handled events not yet pruned (`[housekeeping]`).
    pub done: u64,
    /// How long the oldest pending event has waited, seconds (0 when none waits).
    pub oldest_pending_age_seconds: i64,
}

/// The service's figures for operators. Administrators only (legacy; S3).
#[utoipa::path(
    get,
    path = "/monitoring/stats",
    operation_id = "service_stats",
    tag = "Service",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ServiceStatsBody),
        (status = 401, description = "Non authentifié", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs (`forbidden`)", body = ErrorBody),
    )
)]
pub(crate) async fn service_stats(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let figures = state.service_stats.figures(&caller.0).await?;
    let age = figures.outbox.oldest_pending_at.map_or(0, |oldest| (figures.at - oldest).num_seconds().max(0));
    let (users, by_role) = words(&figures.users_by_role, Role::as_str);
    let (offers, offers_by_status) = words(&figures.offers_by_status, OfferStatus::as_str);
    let (applications, applications_by_status) = words(&figures.applications_by_status, ApplicationStatus::as_str);
    let (documents, by_type) = words(&figures.documents_by_type, DocumentType::as_str);
    Ok(HttpResponse::Ok().json(ServiceStatsBody {
        timestamp: figures.at,
        version: state.info.version.clone(),
        environment: state.info.environment.clone(),
        users: UserCounts { total: users, by_role },
        job_offers: StatusCounts { total: offers, by_status: offers_by_status },
        applications: StatusCounts { total: applications, by_status: applications_by_status },
        documents: TypeCounts { total: documents, by_type },
        outbox: OutboxFigures {
            pending: figures.outbox.pending,
            failing: figures.outbox.failing,
            dead: figures.outbox.dead,
            done: figures.outbox.done,
            oldest_pending_age_seconds: age,
        },
    }))
}
