//! Recruitment figures over one recruiter's offers or all of them (legacy `GET /optimized/dashboard/stats/optimized`):
//! offers, applications by status, departments, the candidates' gender distribution.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_domain::applications::ApplicationStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::status_breakdown;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params::query_uuid;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/optimized/dashboard/stats/optimized").route(web::get().to(dashboard)));
}

/// Query of `GET /optimized/dashboard/stats/optimized`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// Whose offers: default the caller's own for a recruiter, every offer for admins and observers.
    #[param(value_type = Option<Uuid>)]
    recruiter_id: Option<String>,
}

/// One department's offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentStats {
    /// `null` for the offers without a department.
    pub department: Option<String>,
    pub job_count: u64,
    pub application_count: u64,
    /// The share of the department's offers that received at least one application, in percent (0 to 100, two
    /// decimals).
    #[schema(example = 66.67)]
    pub coverage_rate: f64,
}

/// The distinct candidates who applied, by the `sexe` of their account (`M`, `F`).
#[derive(Debug, Serialize, ToSchema)]
pub struct GenderDistribution {
    /// Percent of the candidates whose `sexe` is known (two decimals; 0 when none is).
    pub male_percent: f64,
    pub female_percent: f64,
    pub total_with_gender: u64,
}

/// The figures of a recruitment dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardStats {
    pub total_jobs: u64,
    /// Offers with status `active`.
    pub active_jobs: u64,
    pub total_applications: u64,
    /// Distinct candidates among the applications.
    pub unique_candidates: u64,
    /// Every status with its number of applications, 0 included.
    pub status_breakdown: BTreeMap<String, u64>,
    /// Applications in `incubation`, as the legacy service counted them (not the booked interview slots).
    pub interviews_scheduled: u64,
    /// Applications in `embauche`.
    pub hired: u64,
    /// Applications in `refuse`.
    pub rejected: u64,
    /// By department name, offers without a department first.
    pub department_stats: Vec<DepartmentStats>,
    pub gender_distribution: GenderDistribution,
}

/// `GET /optimized/dashboard/stats/optimized` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardBody {
    pub stats: DashboardStats,
    /// When the figures were computed (the legacy service sent a constant).
    pub generated_at: DateTime<Utc>,
}

/// Recruitment figures over one recruiter's offers, or over all of them (staff only). A recruiter who names no
/// one gets its own offers, and may name another recruiter (S3: recruiters read every application); admins and
/// observers naming no one get every offer. `coverage_rate` is the percentage of a department's offers that
/// received at least one application.
#[utoipa::path(
    get,
    path = "/api/v1/optimized/dashboard/stats/optimized",
    operation_id = "optimized_dashboard_stats",
    tag = "Tableaux de bord",
    security(("bearer" = [])),
    params(DashboardQuery),
    responses(
        (status = 200, body = DashboardBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
        (status = 422, description = "`recruiter_id` n'est pas un uuid", body = ErrorBody),
    )
)]
pub(crate) async fn dashboard(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = Vec::new();
    let recruiter_id = query_uuid("recruiter_id", query.recruiter_id.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let figures = state.dashboards.recruitment(&caller.0, recruiter_id).await?;
    let candidates = figures.candidates;
    let figures_body = DashboardStats {
        total_jobs: figures.total_jobs(),
        active_jobs: figures.active_jobs,
        total_applications: figures.total_applications(),
        unique_candidates: candidates.candidates(),
        status_breakdown: status_breakdown(&figures.applications_by_status),
        interviews_scheduled: figures.in_status(ApplicationStatus::Incubation),
        hired: figures.in_status(ApplicationStatus::Embauche),
        rejected: figures.in_status(ApplicationStatus::Refuse),
        department_stats: figures
            .departments
            .iter()
            .map(|d| DepartmentStats {
                department: d.department.clone(),
                job_count: d.jobs,
                application_count: d.applications,
                coverage_rate: d.coverage_rate(),
            })
            .collect(),
        gender_distribution: GenderDistribution {
            male_percent: candidates.male_percent(),
            female_percent: candidates.female_percent(),
            total_with_gender: candidates.with_gender(),
        },
    };
    Ok(HttpResponse::Ok().json(DashboardBody { stats: figures_body, generated_at: state.clock.now() }))
}
