//! A page of applications with everything a recruiter's dashboard shows beside each (legacy
//! `GET /optimized/applications/optimized`): candidate and profile, offer and recruiter, documents, evaluations,
//! history, interview slots, notifications.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use seeg_application::Page;
use seeg_application::applications::ApplicationFilter;
use seeg_application::applications::read_models::{
    ApplicationDetails, DetailParts, EvaluationSummaries, Protocol1Summary, Protocol2Summary,
};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{CandidateProfile, User};
use seeg_domain::offers::JobOffer;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::applications::{ApplicationBody, DocumentBody, HistoryBody};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::interviews::SlotBody;
use crate::notifications::NotificationBody;
use crate::params::{PageQuery, choice, query_uuid};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/optimized/applications/optimized").route(web::get().to(applications)));
}

/// A boolean switch in the query (`true` or `false`), `default` when absent.
fn switch(field: &str, raw: Option<&String>, default: bool, errors: &mut Vec<FieldError>) -> bool {
    choice(field, raw, &[("true", true), ("false", false)], errors).unwrap_or(default)
}

/// Query of `GET /optimized/applications/optimized`. Everything arrives as text so a bad value is a 422 naming
/// its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DetailedApplicationsQuery {
    /// Applications to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// One status (`pending` is read as `candidature`).
    #[param(schema_with = crate::fields::application_status)]
    status_filter: Option<String>,
    #[param(value_type = Option<Uuid>)]
    job_offer_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    candidate_id: Option<String>,
    /// `true` (default) or `false`: with `false`, `documents` is `[]` and not read.
    #[param(value_type = Option<bool>)]
    include_documents: Option<String>,
    /// `true` (default) or `false`: with `false`, `evaluations` is `{protocol1: null, protocol2: null}` and not
    /// read.
    #[param(value_type = Option<bool>)]
    include_evaluations: Option<String>,
}

impl DetailedApplicationsQuery {
    fn into_parts(self) -> Result<(ApplicationFilter, Page, DetailParts), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<100, 1000>::read(self.skip.as_deref(), self.limit.as_deref(), &mut errors);
        let mut statuses: Vec<(&str, ApplicationStatus)> = ApplicationStatus::ALL.map(|s| (s.as_str(), s)).to_vec();
        statuses.push(("pending", ApplicationStatus::Candidature));
        let status = choice("status_filter", self.status_filter.as_ref(), &statuses, &mut errors);
        let job_offer_id = query_uuid("job_offer_id", self.job_offer_id.as_deref(), &mut errors);
        let candidate_id = query_uuid("candidate_id", self.candidate_id.as_deref(), &mut errors);
        let documents = switch("include_documents", self.include_documents.as_ref(), true, &mut errors);
        let evaluations = switch("include_evaluations", self.include_evaluations.as_ref(), true, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let parts = DetailParts { documents, evaluations, ..DetailParts::ALL };
        Ok((ApplicationFilter { candidate_id, job_offer_id, status, q: None }, page, parts))
    }
}

/// A candidate's profile, as the legacy dashboard showed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfileCard {
    pub id: Uuid,
    pub gender: Option<String>,
    pub current_position: Option<String>,
    pub years_experience: Option<i32>,
    pub address: Option<String>,
    pub linkedin_url: Option<String>,
    pub portfolio_url: Option<String>,
}

impl From<&CandidateProfile> for ProfileCard {
    fn from(p: &CandidateProfile) -> Self {
        Self {
            id: p.id,
            gender: p.gender.clone(),
            current_position: p.current_position.clone(),
            years_experience: p.years_experience,
            address: p.address.clone(),
            linkedin_url: p.linkedin_url.clone(),
            portfolio_url: p.portfolio_url.clone(),
        }
    }
}

/// The candidate of an application.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateCard {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: Option<String>,
    /// `YYYY-MM-DD` (F2).
    pub date_of_birth: Option<NaiveDate>,
    /// `null` until the candidate has a profile.
    pub profile: Option<ProfileCard>,
}

/// The recruiter of an offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruiterCard {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

impl From<&User> for RecruiterCard {
    fn from(u: &User) -> Self {
        Self { id: u.id, first_name: u.first_name.clone(), last_name: u.last_name.clone(), email: u.email.clone() }
    }
}

/// The offer of an application, with its recruiter.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferCard {
    pub id: Uuid,
    pub title: String,
    pub department: Option<String>,
    pub location: String,
    pub contract_type: String,
    /// `draft`, `active`, `closed` or `archived`.
    pub status: String,
    /// `tous`, `interne` or `externe`.
    pub offer_status: String,
    pub application_deadline: Option<DateTime<Utc>>,
    pub date_limite: Option<DateTime<Utc>>,
    pub recruiter_id: Option<Uuid>,
    /// `null` for an offer without a recruiter.
    pub recruiter: Option<RecruiterCard>,
}

impl OfferCard {
    fn new(o: &JobOffer, recruiter: Option<&User>) -> Self {
        Self {
            id: o.id,
            title: o.title.clone(),
            department: o.department.clone(),
            location: o.location.clone(),
            contract_type: o.contract_type.clone(),
            status: o.status.as_str().to_owned(),
            offer_status: o.visibility.as_str().to_owned(),
            application_deadline: o.application_deadline,
            date_limite: o.date_limite,
            recruiter_id: o.recruiter_id,
            recruiter: recruiter.map(RecruiterCard::from),
        }
    }
}

/// A protocol 1 evaluation, as the dashboard shows it (legacy §1.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct Protocol1Card {
    pub id: Uuid,
    /// `pending`, `in_progress`, `completed` or `rejected`.
    pub status: String,
    pub completed: bool,
    /// Out of 20, computed from the weighted parts (I6); a JSON number (F3).
    #[schema(example = 11.8)]
    pub overall_score: f64,
}

impl From<&Protocol1Summary> for Protocol1Card {
    fn from(e: &Protocol1Summary) -> Self {
        Self {
            id: e.id,
            status: e.status.as_str().to_owned(),
            completed: e.completed,
            overall_score: e.overall_score.points(),
        }
    }
}

/// A protocol 2 evaluation, as the dashboard shows it (legacy §1.10).
#[derive(Debug, Serialize, ToSchema)]
pub struct Protocol2Card {
    pub id: Uuid,
    pub completed: bool,
    /// Out of 20, computed from the weighted parts (I6); a JSON number (F3).
    #[schema(example = 14.5)]
    pub overall_score: f64,
}

impl From<&Protocol2Summary> for Protocol2Card {
    fn from(e: &Protocol2Summary) -> Self {
        Self { id: e.id, completed: e.completed, overall_score: e.overall_score.points() }
    }
}

/// The evaluations of an application, at most one per protocol (I6).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationsCard {
    /// `null` when the application has no protocol 1 evaluation, or with `include_evaluations=false`.
    pub protocol1: Option<Protocol1Card>,
    /// `null` when the application has no protocol 2 evaluation, or with `include_evaluations=false`.
    pub protocol2: Option<Protocol2Card>,
}

impl From<&EvaluationSummaries> for EvaluationsCard {
    fn from(e: &EvaluationSummaries) -> Self {
        Self {
            protocol1: e.protocol1.as_ref().map(Protocol1Card::from),
            protocol2: e.protocol2.as_ref().map(Protocol2Card::from),
        }
    }
}

/// One application with everything a recruiter's dashboard shows beside it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailedApplication {
    #[serde(flatten)]
    pub application: ApplicationBody,
    pub candidate: Option<CandidateCard>,
    pub job_offer: OfferCard,
    /// Upload order; `[]` with `include_documents=false`.
    pub documents: Vec<DocumentBody>,
    pub evaluations: EvaluationsCard,
    /// Status changes, oldest first.
    pub history: Vec<HistoryBody>,
    /// As `GET /interviews/slots` returns them, by date then time, cancelled ones included (`status`
    /// `cancelled`, I7).
    pub interview_slots: Vec<SlotBody>,
    /// Notifications about the application, newest first.
    pub notifications: Vec<NotificationBody>,
}

impl From<&ApplicationDetails> for DetailedApplication {
    fn from(d: &ApplicationDetails) -> Self {
        Self {
            application: ApplicationBody::from(&d.application),
            candidate: d.candidate.as_ref().map(|c| CandidateCard {
                id: c.id,
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                email: c.email.clone(),
                phone: c.phone.clone(),
                date_of_birth: c.date_of_birth,
                profile: d.profile.as_ref().map(ProfileCard::from),
            }),
            job_offer: OfferCard::new(&d.offer, d.recruiter.as_ref()),
            documents: d.documents.iter().map(DocumentBody::from).collect(),
            evaluations: EvaluationsCard::from(&d.evaluations),
            history: d.history.iter().map(HistoryBody::from).collect(),
            interview_slots: d.interview_slots.iter().map(SlotBody::from).collect(),
            notifications: d.notifications.iter().map(NotificationBody::from).collect(),
        }
    }
}

/// `GET /optimized/applications/optimized` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DetailedApplicationsPage {
    /// Newest first, then by id (F5).
    pub applications: Vec<DetailedApplication>,
    /// Every matching application, not the page size (F5).
    pub total_count: u64,
    pub skip: u64,
    pub limit: u64,
    /// Whether applications remain after this page.
    pub has_more: bool,
}

/// A page of applications with their candidate (and profile), offer (and recruiter), documents, evaluations
/// (with their overall scores), history, interview slots and notifications, newest first (staff only). A fixed
/// number of queries whatever the page size.
#[utoipa::path(
    get,
    path = "/api/v1/optimized/applications/optimized",
    operation_id = "optimized_applications",
    tag = "Tableaux de bord",
    security(("bearer" = [])),
    params(DetailedApplicationsQuery),
    responses(
        (status = 200, body = DetailedApplicationsPage),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
        (status = 422, description = "Paramètre invalide (limit hors de 1..=1000, uuid, statut, booléen)", body = ErrorBody),
    )
)]
pub(crate) async fn applications(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<DetailedApplicationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page, parts) = query.into_inner().into_parts()?;
    let found = state.dashboards.details(&caller.0, &filter, page, parts).await?;
    let shown = page.skip.saturating_add(found.items.len() as u64);
    Ok(HttpResponse::Ok().json(DetailedApplicationsPage {
        applications: found.items.iter().map(DetailedApplication::from).collect(),
        total_count: found.total,
        skip: page.skip,
        limit: page.limit,
        has_more: shown < found.total,
    }))
}
