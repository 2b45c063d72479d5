//! Application statistics (legacy §1.7 `GET /applications/stats/overview` and `/stats/advanced`): the legacy keys,
//! counted by the database, for staff only (S3: the legacy service answered anyone).
//!
//! Every status of the pipeline (I5) and every document type (K2) is a key of its breakdown, 0 when nothing is
//! counted: a dashboard reads a stable shape instead of guessing which keys may be missing.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use seeg_domain::applications::DocumentType;
use serde::Serialize;
use utoipa::ToSchema;

use super::status_breakdown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/applications/stats/overview").route(web::get().to(overview)))
        .service(route("/api/v1/applications/stats/advanced").route(web::get().to(advanced)));
}

/// Every document type, with its count (0 when none).
fn document_breakdown(counts: &BTreeMap<DocumentType, u64>) -> BTreeMap<String, u64> {
    DocumentType::ALL.iter().map(|t| (t.as_str().to_owned(), counts.get(t).copied().unwrap_or_default())).collect()
}

/// `data` of `GET /applications/stats/overview`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOverview {
    pub total_applications: u64,
    /// Every status (`candidature`, `incubation`, `entretien_programme`, `simulation_programmee`, `embauche`,
    /// `refuse`, `retiree`) with its number of applications, 0 included.
    #[schema(example = json!({"candidature": 12, "incubation": 3, "entretien_programme": 0,
        "simulation_programmee": 0, "embauche": 1, "refuse": 2, "retiree": 0}))]
    pub status_breakdown: BTreeMap<String, u64>,
    /// Every document type (`cv`, `cover_letter`, `diplome`, `certificats`, `lettre_recommandation`, `portfolio`,
    /// `autres`) with its number of documents, 0 included.
    pub document_types: BTreeMap<String, u64>,
}

/// `GET /applications/stats/overview` body (legacy envelope).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOverviewBody {
    pub success: bool,
    #[schema(example = "Statistiques récupérées avec succès")]
    pub message: &'static str,
    pub data: ApplicationOverview,
}

/// Every application counted by status and every document by type (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/applications/stats/overview",
    operation_id = "application_stats_overview",
    tag = "Candidatures",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationOverviewBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
    )
)]
pub(crate) async fn overview(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let summary = state.dashboards.summary(&caller.0).await?;
    Ok(HttpResponse::Ok().json(ApplicationOverviewBody {
        success: true,
        message: "Statistiques récupérées avec succès",
        data: ApplicationOverview {
            total_applications: summary.total(),
            status_breakdown: status_breakdown(&summary.by_status),
            document_types: document_breakdown(&summary.documents_by_type),
        },
    }))
}

/// `data` of `GET /applications/stats/advanced`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationBreakdownData {
    pub total_applications: u64,
    /// Every status with its number of applications, 0 included.
    pub status_breakdown: BTreeMap<String, u64>,
    /// Offer id -> its number of applications; offers without applications are left out.
    pub by_job_offer: BTreeMap<String, u64>,
    /// `YYYY-MM-01` (the UTC month of `created_at`) -> applications created that month; months without
    /// applications are left out. Keys sort chronologically.
    #[schema(example = json!({"2026-05-01": 4, "2026-06-01": 9}))]
    pub by_month: BTreeMap<String, u64>,
    /// Every document type with its number of documents, 0 included.
    pub documents_by_type: BTreeMap<String, u64>,
}

/// `GET /applications/stats/advanced` body (legacy: no `message`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationBreakdownBody {
    pub success: bool,
    pub data: ApplicationBreakdownData,
}

/// The overview plus applications by offer and by month (staff only).
#[utoipa::path(
    get,
    path = "/api/v1/applications/stats/advanced",
    operation_id = "application_stats_advanced",
    tag = "Candidatures",
    security(("bearer" = [])),
    responses(
        (status = 200, body = ApplicationBreakdownBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
    )
)]
pub(crate) async fn advanced(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let breakdown = state.dashboards.breakdown(&caller.0).await?;
    Ok(HttpResponse::Ok().json(ApplicationBreakdownBody {
        success: true,
        data: ApplicationBreakdownData {
            total_applications: breakdown.summary.total(),
            status_breakdown: status_breakdown(&breakdown.summary.by_status),
            by_job_offer: breakdown.by_job_offer.iter().map(|(offer, n)| (offer.to_string(), *n)).collect(),
            by_month: breakdown.by_month.iter().map(|(month, n)| (month.format("%Y-%m-%d").to_string(), *n)).collect(),
            documents_by_type: document_breakdown(&breakdown.summary.documents_by_type),
        },
    }))
}
