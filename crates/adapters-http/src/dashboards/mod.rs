//! Staff dashboards (S3: statistics are staff data): the application statistics (`stats`, legacy
//! `/applications/stats/*`), and the aggregated reads of the legacy `/optimized/*` routes, built from the
//! read-model port in a fixed number of queries whatever the page size (the legacy service's N+1 is gone, and so
//! is its 500 on any application with interview slots or notifications, D18): a page of detailed applications
//! (`applications`), the recruitment figures (`recruitment`), a candidate's applications (`candidate`).
//!
//! Evaluations (I6) and interview slots (I7) are read with the applications: staff see each protocol's id,
//! status, completion and overall score; the candidate view carries whether each protocol is completed, never a
//! score (S3). Slots have the shape of the `/interviews/slots` routes.

pub(crate) mod applications;
pub(crate) mod candidate;
pub(crate) mod recruitment;
pub(crate) mod stats;

use std::collections::BTreeMap;

use actix_web::web;
use seeg_application::applications::DashboardError;
use seeg_domain::applications::ApplicationStatus;

use crate::error::ApiError;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    stats::configure(cfg);
    applications::configure(cfg);
    recruitment::configure(cfg);
    candidate::configure(cfg);
}

impl From<DashboardError> for ApiError {
    fn from(error: DashboardError) -> Self {
        let detail = error.to_string();
        match error {
            DashboardError::Forbidden => Self::forbidden(detail),
            DashboardError::NotFound => Self::NotFound,
            DashboardError::Store(e) => e.into(),
        }
    }
}

/// Every application status, with its count (0 when none).
pub(crate) fn status_breakdown(counts: &BTreeMap<ApplicationStatus, u64>) -> BTreeMap<String, u64> {
    ApplicationStatus::ALL.iter().map(|s| (s.as_str().to_owned(), counts.get(s).copied().unwrap_or_default())).collect()
}
