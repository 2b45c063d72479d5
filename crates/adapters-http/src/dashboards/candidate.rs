//! A candidate's applications with their offer, its recruiter, the documents, the interview slots and whether each
//! evaluation is completed (legacy `GET /optimized/candidates/{candidate_id}/applications/optimized`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::applications::read_models::ApplicationDetails;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::applications::DocumentBody;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::interviews::SlotBody;
use crate::params::parse_uuid;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/optimized/candidates/{candidate_id}/applications/optimized")
            .route(web::get().to(candidate_applications)),
    );
}

/// The recruiter of an offer, as a candidate sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruiterName {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// The offer of one of a candidate's applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateOfferCard {
    pub id: Uuid,
    pub title: String,
    pub location: String,
    pub contract_type: String,
    pub department: Option<String>,
    pub date_limite: Option<DateTime<Utc>>,
    /// `null` for an offer without a recruiter.
    pub recruiter: Option<RecruiterName>,
}

/// Whether each evaluation protocol is completed (`false` while the application has none): the legacy shape,
/// never a score, whoever reads it (scores are staff data, S3).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationProgress {
    pub protocol1_completed: bool,
    pub protocol2_completed: bool,
}

/// One of a candidate's applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateApplication {
    pub id: Uuid,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub job_offer: CandidateOfferCard,
    pub documents: Vec<DocumentBody>,
    /// As `GET /interviews/slots` returns them, by date then time, cancelled ones included (`status`
    /// `cancelled`, I7).
    pub interview_slots: Vec<SlotBody>,
    pub evaluations: EvaluationProgress,
}

impl From<&ApplicationDetails> for CandidateApplication {
    fn from(d: &ApplicationDetails) -> Self {
        let o = &d.offer;
        Self {
            id: d.application.id,
            status: d.application.status.as_str().to_owned(),
            created_at: d.application.created_at,
            updated_at: d.application.updated_at,
            job_offer: CandidateOfferCard {
                id: o.id,
                title: o.title.clone(),
                location: o.location.clone(),
                contract_type: o.contract_type.clone(),
                department: o.department.clone(),
                date_limite: o.date_limite,
                recruiter: d.recruiter.as_ref().map(|r| RecruiterName {
                    first_name: r.first_name.clone(),
                    last_name: r.last_name.clone(),
                    email: r.email.clone(),
                }),
            },
            documents: d.documents.iter().map(DocumentBody::from).collect(),
            interview_slots: d.interview_slots.iter().map(SlotBody::from).collect(),
            evaluations: EvaluationProgress {
                protocol1_completed: d.evaluations.protocol1.is_some_and(|e| e.completed),
                protocol2_completed: d.evaluations.protocol2.is_some_and(|e| e.completed),
            },
        }
    }
}

/// `GET /optimized/candidates/{candidate_id}/applications/optimized` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateApplications {
    pub candidate_id: Uuid,
    /// Newest first, then by id (F5).
    pub applications: Vec<CandidateApplication>,
    pub total_count: u64,
}

/// A candidate's applications with their offer, its recruiter, the documents, the interview slots and whether
/// each evaluation protocol is completed (never a score), newest first: a candidate its own (another candidate's
/// id is 404, S3), staff anyone's.
#[utoipa::path(
    get,
    path = "/api/v1/optimized/candidates/{candidate_id}/applications/optimized",
    operation_id = "optimized_candidate_applications",
    tag = "Tableaux de bord",
    security(("bearer" = [])),
    params(("candidate_id" = Uuid, Path)),
    responses(
        (status = 200, body = CandidateApplications),
        (status = 401, body = ErrorBody),
        (status = 404, description = "L'identifiant d'un autre candidat (S3)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn candidate_applications(
    state: web::Data<ApiState>,
    caller: Caller,
    candidate_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let candidate_id = parse_uuid("candidate_id", &candidate_id)?;
    let found = state.dashboards.candidate_applications(&caller.0, candidate_id).await?;
    Ok(HttpResponse::Ok().json(CandidateApplications {
        candidate_id,
        applications: found.items.iter().map(CandidateApplication::from).collect(),
        total_count: found.total,
    }))
}
