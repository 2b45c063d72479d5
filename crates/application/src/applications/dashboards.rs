//! Staff dashboards over applications (legacy §1.7 `stats/*`, §1.10 "optimized" routes), and a candidate's own
//! applications at a glance. Who may read what is decided here, once (S3): statistics and the cross-candidate
//! lists are staff data; a candidate reads only its own applications, another candidate's do not exist for it.

use std::sync::Arc;

use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide};
use tracing::instrument;
use uuid::Uuid;

use super::ApplicationFilter;
use super::read_models::{
    ApplicationBreakdown, ApplicationCountsSummary, ApplicationDetails, ApplicationReadModel, DetailParts,
    RecruitmentFigures,
};
use crate::store::{Page, PageOf, StoreError};

/// Why a dashboard could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// Candidates reading staff data (S3).
    #[error("Accès réservé au personnel (administrateurs, recruteurs, observateurs)")]
    Forbidden,
    /// A candidate asking for another candidate's applications (S3: ids cannot be probed).
    #[error("candidat introuvable")]
    NotFound,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The most applications one candidate's overview lists: far more than anyone files (one per offer, I4); the
/// total reports them all should it ever be reached.
pub const CANDIDATE_APPLICATIONS_LIMIT: u64 = 1000;

/// The dashboards, over the read-model port.
#[derive(Debug, Clone)]
pub struct ApplicationDashboards {
    read_model: Arc<dyn ApplicationReadModel>,
}

fn require(caller: &User, action: Action) -> Result<(), DashboardError> {
    // Reads across every candidate: no one resource to hide, so a candidate's `Hide` is a plain refusal here.
    match decide(caller.role, action, Ownership::Any) {
        Decision::Allow => Ok(()),
        Decision::Forbid | Decision::Hide => Err(DashboardError::Forbidden),
    }
}

impl ApplicationDashboards {
    /// The dashboards, read from `read_model`.
    pub fn new(read_model: Arc<dyn ApplicationReadModel>) -> Self {
        Self { read_model }
    }

    /// Every application by status, every document by type (`GET /applications/stats/overview`): staff only.
    #[instrument(name = "applications.dashboards.summary", skip_all, fields(actor.id = %caller.id))]
    pub async fn summary(&self, caller: &User) -> Result<ApplicationCountsSummary, DashboardError> {
        require(caller, Action::ReadStatistics)?;
        Ok(self.read_model.summary().await?)
    }

    /// The summary plus counts by offer and by month (`GET /applications/stats/advanced`): staff only.
    #[instrument(name = "applications.dashboards.breakdown", skip_all, fields(actor.id = %caller.id))]
    pub async fn breakdown(&self, caller: &User) -> Result<ApplicationBreakdown, DashboardError> {
        require(caller, Action::ReadStatistics)?;
        Ok(self.read_model.breakdown().await?)
    }

    /// A page of applications with their candidate, offer, documents, history, notifications, evaluations and
    /// interview slots (`GET /optimized/applications/optimized`): staff only, who read every application (S3).
    #[instrument(name = "applications.dashboards.details", skip_all, fields(actor.id = %caller.id, applications.skip = page.skip, applications.limit = page.limit))]
    pub async fn details(
        &self,
        caller: &User,
        filter: &ApplicationFilter,
        page: Page,
        parts: DetailParts,
    ) -> Result<PageOf<ApplicationDetails>, DashboardError> {
        require(caller, Action::ReadApplications)?;
        Ok(self.read_model.details(filter, page, parts).await?)
    }

    /// The recruitment figures of `recruiter_id`'s offers (`GET /optimized/dashboard/stats/optimized`): staff only.
    /// A recruiter who names no one gets its own offers; admins and observers naming no one get every offer. As in
    /// the legacy service a recruiter may name another recruiter: S3 lets recruiters read every application.
    #[instrument(name = "applications.dashboards.recruitment", skip_all, fields(actor.id = %caller.id))]
    pub async fn recruitment(
        &self,
        caller: &User,
        recruiter_id: Option<Uuid>,
    ) -> Result<RecruitmentFigures, DashboardError> {
        require(caller, Action::ReadStatistics)?;
        let scope = recruiter_id.or_else(|| (caller.role == Role::Recruiter).then_some(caller.id));
        Ok(self.read_model.recruitment(scope).await?)
    }

    /// A candidate's applications with their offer, the offer's recruiter, the documents, the interview slots and
    /// the evaluations' summaries, newest first (`GET /optimized/candidates/{id}/applications/optimized`): its own
    /// for a candidate (another id is `NotFound`, S3), anyone's for staff. The route shows every caller whether
    /// each protocol is completed, never a score (scores are staff data, S3). At most
    /// `CANDIDATE_APPLICATIONS_LIMIT`; `total` counts them all.
    #[instrument(name = "applications.dashboards.candidate_applications", skip_all, fields(actor.id = %caller.id, candidate.id = %candidate_id))]
    pub async fn candidate_applications(
        &self,
        caller: &User,
        candidate_id: Uuid,
    ) -> Result<PageOf<ApplicationDetails>, DashboardError> {
        let ownership = if caller.id == candidate_id { Ownership::Own } else { Ownership::Any };
        match decide(caller.role, Action::ReadApplications, ownership) {
            Decision::Allow => {}
            Decision::Hide => return Err(DashboardError::NotFound),
            Decision::Forbid => return Err(DashboardError::Forbidden),
        }
        let filter = ApplicationFilter { candidate_id: Some(candidate_id), ..ApplicationFilter::default() };
        let page = Page { skip: 0, limit: CANDIDATE_APPLICATIONS_LIMIT };
        let parts = DetailParts { documents: true, evaluations: true, interview_slots: true, ..DetailParts::NONE };
        Ok(self.read_model.details(&filter, page, parts).await?)
    }
}
