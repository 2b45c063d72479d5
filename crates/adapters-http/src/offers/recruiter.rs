//! The job-offer routes for signed-in users (legacy §1.5): lists and reads with the visibility rule (K3b), the
//! recruiter side (create, update, delete, own offers, statistics), search (B8). Offers past their deadline are
//! flagged `is_open: false`, computed when read (`JobOffer::accepts_applications`). The applications of an offer
//! are read with the applications (`applications::read`).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::Page;
use seeg_application::offers::OfferFilter;
use seeg_domain::identity::Action;
use seeg_domain::offers::{Audience, JobOffer, OfferStatus, canonical_contract_type};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::changes::{JobOfferCreate, JobOfferUpdate, offer_changes};
use super::public::{JobPublic, QuestionsMtp};
use crate::auth::Caller;
use crate::body::Deferred;
use crate::envelope::TOTAL_COUNT_HEADER;
use crate::error::{ApiError, ErrorBody};
use crate::params::{PageQuery, choice, parse_uuid, text_filter};
use crate::rendered;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed `/recruiter/*` paths before `/{job_id}`, so that they are never read as ids.
    cfg.service(route("/api/v1/jobs/recruiter/my-jobs").route(web::get().to(my_jobs)))
        .service(route("/api/v1/jobs/recruiter/statistics").route(web::get().to(recruiter_statistics)))
        .service(route("/api/v1/jobs").route(web::get().to(list_jobs)).route(web::post().to(create_job)))
        .service(
            route("/api/v1/jobs/{job_id}")
                .route(web::get().to(get_job))
                .route(web::put().to(update_job))
                .route(web::delete().to(delete_job)),
        );
}

/// An offer in full (legacy `Job`), with whether it still accepts applications.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Job)]
pub struct JobBody {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub location: String,
    /// `CDI`, `CDD`, `Stage`, `Alternance` or `Freelance`.
    pub contract_type: String,
    pub department: Option<String>,
    /// FCFA.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_note: Option<String>,
    pub requirements: Option<Vec<String>>,
    pub benefits: Option<Vec<String>>,
    pub responsibilities: Option<Vec<String>>,
    /// `draft`, `active`, `closed` or `archived`.
    #[schema(example = "active")]
    pub status: String,
    /// `tous`, `interne` or `externe`.
    #[schema(example = "tous")]
    pub offer_status: String,
    pub application_deadline: Option<DateTime<Utc>>,
    pub date_limite: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub reporting_line: Option<String>,
    pub profile: Option<String>,
    pub categorie_metier: Option<String>,
    pub job_grade: Option<String>,
    pub questions_mtp: Option<QuestionsMtp>,
    pub recruiter_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `false` once the offer is not `active` or its deadline (`application_deadline`, else `date_limite`) has
    /// passed: applications are then refused. Computed when read; the stored status does not change.
    pub is_open: bool,
}

impl JobBody {
    fn new(o: &JobOffer, now: DateTime<Utc>) -> Self {
        let public = JobPublic::from(o);
        Self {
            id: o.id,
            title: public.title,
            description: public.description,
            location: public.location,
            contract_type: public.contract_type,
            department: public.department,
            salary_min: public.salary_min,
            salary_max: public.salary_max,
            salary_note: public.salary_note,
            requirements: public.requirements,
            benefits: public.benefits,
            responsibilities: public.responsibilities,
            status: o.status.as_str().to_owned(),
            offer_status: public.offer_status,
            application_deadline: o.application_deadline,
            date_limite: o.date_limite,
            start_date: o.start_date,
            reporting_line: o.reporting_line.clone(),
            profile: public.profile,
            categorie_metier: public.categorie_metier,
            job_grade: public.job_grade,
            questions_mtp: o.questions_mtp.as_ref().filter(|q| !q.is_empty()).map(Into::into),
            recruiter_id: o.recruiter_id,
            created_at: o.created_at,
            updated_at: o.updated_at,
            is_open: o.accepts_applications(now),
        }
    }
}

/// An offer as a candidate lists it (legacy `JobPublic`), with `is_open`.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPublicOpen {
    #[serde(flatten)]
    pub offer: JobPublic,
    /// Whether applications are still accepted (see `Job.is_open`).
    pub is_open: bool,
}

/// One item of `GET /jobs/`: the full `Job` for staff, the `JobPublic` fields for candidates.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JobListItem {
    Staff(JobBody),
    Candidate(JobPublicOpen),
}

/// `anyOf`, not the `oneOf` the derive writes for an untagged enum: a `Job` has every field of a `JobPublicOpen`, so
/// a staff item matches both schemas (the schema fuzzing refused every staff list under `oneOf`).
impl utoipa::PartialSchema for JobListItem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, Ref};
        AnyOfBuilder::new()
            .item(Ref::from_schema_name(<JobBody as ToSchema>::name()))
            .item(Ref::from_schema_name(<JobPublicOpen as ToSchema>::name()))
            .description(Some(
                "One item of `GET /jobs/`: the full `Job` for staff, the `JobPublic` fields for candidates.",
            ))
            .into()
    }
}

impl ToSchema for JobListItem {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema as _;
        schemas.push((<JobBody as ToSchema>::name().into_owned(), JobBody::schema()));
        <JobBody as ToSchema>::schemas(schemas);
        schemas.push((<JobPublicOpen as ToSchema>::name().into_owned(), JobPublicOpen::schema()));
        <JobPublicOpen as ToSchema>::schemas(schemas);
    }
}

/// The largest page of the offer lists (legacy `limit` 1..=1000).
pub const JOBS_MAX_LIMIT: u64 = 1000;
/// The page size when none is asked.
pub const JOBS_DEFAULT_LIMIT: u64 = 100;

/// Query of `GET /api/v1/jobs/`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// Offers to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Staff only: `draft`, `active`, `closed` or `archived` (default: every status). Candidates always see
    /// active offers only, whatever they pass.
    #[param(schema_with = crate::fields::offer_status)]
    status_filter: Option<String>,
    /// Part of the location; case and accents are ignored.
    location: Option<String>,
    /// Contract type (`CDI`, `cdi`, … name the same one).
    contract_type: Option<String>,
    /// Part of the department; case and accents are ignored.
    department: Option<String>,
    /// Search in title, description, department and location; case and accents are ignored (`electricite`
    /// finds `Électricité`). Offers whose title matches come first. With `q`, `X-Total-Count` is exact up to 1 000
    /// matches and says 1 000 when there are more (P3).
    q: Option<String>,
}

impl JobsQuery {
    fn into_parts(self) -> Result<(OfferFilter, Page), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<JOBS_DEFAULT_LIMIT, JOBS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let statuses: Vec<(&str, OfferStatus)> = OfferStatus::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let status = choice("status_filter", self.status_filter.as_ref(), &statuses, &mut errors);
        let contract_type = text_filter("contract_type", self.contract_type.as_ref(), &mut errors)
            .map(|c| canonical_contract_type(&c).map_or(c, str::to_owned));
        let filter = OfferFilter {
            location: text_filter("location", self.location.as_ref(), &mut errors),
            contract_type,
            department: text_filter("department", self.department.as_ref(), &mut errors),
            q: text_filter("q", self.q.as_ref(), &mut errors),
            status,
            // The use case puts the caller's audience in.
            ..OfferFilter::for_audience(Audience::Anonymous)
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok((filter, page))
    }
}

/// Lists the offers the caller may see (K3b): external candidates the active offers open to everyone or to
/// external candidates; internal candidates every active offer; staff every offer, of any status
/// (`status_filter` narrows). With `q`, offers whose title matches come first; otherwise newest first.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/",
    operation_id = "list_jobs",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(JobsQuery),
    responses(
        (status = 200, description = "Offres visibles (le `Job` complet pour le personnel, les champs de `JobPublic` \
         pour les candidats) ; le total de toutes les offres correspondantes est dans `X-Total-Count`.",
         body = [JobListItem], headers(("X-Total-Count" = u64, description = "Nombre total d'offres correspondantes"))),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_jobs(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<JobsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_parts()?;
    let found = state.offer_desk.list(&caller.0, filter, page).await?;
    let now = state.clock.now();
    // `is_open` is the only hour-dependent field: a kept body is served again while every flag still says the same.
    let open: Vec<bool> = found.items.iter().map(|o| o.accepts_applications(now)).collect();
    let body = if caller.0.role.is_staff() {
        state.offer_bodies.staff_pages().body(&found, &open, || {
            let items = found.items.iter().map(|o| JobListItem::Staff(JobBody::new(o, now)));
            serde_json::to_vec(&items.collect::<Vec<_>>())
        })?
    } else {
        state.offer_bodies.candidate_pages().body(&found, &open, || {
            let items = found.items.iter().zip(&open);
            let items = items.map(|(o, &is_open)| JobListItem::Candidate(JobPublicOpen { offer: o.into(), is_open }));
            serde_json::to_vec(&items.collect::<Vec<_>>())
        })?
    };
    Ok(rendered::json_list(found.total, body))
}

/// One offer, if the caller may see it (K3b): an offer hidden from the caller answers 404, as an unknown id.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}",
    operation_id = "get_job",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(("job_id" = Uuid, Path, description = "Identifiant de l'offre")),
    responses(
        (status = 200, body = JobBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Offre inconnue ou non visible", body = ErrorBody),
        (status = 422, description = "Identifiant mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn get_job(
    state: web::Data<ApiState>,
    caller: Caller,
    job_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("job_id", &job_id)?;
    let offer = state.offer_desk.get(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(JobBody::new(&offer, state.clock.now())))
}

/// Publishes an offer (recruiters and admins; `recruiter_id` is the caller). Rules: title 5..200 characters,
/// description ≥ 20, location 2..100, department ≤ 100, contract type among `CDI`, `CDD`, `Stage`,
/// `Alternance`, `Freelance` (any case), salaries ≥ 0 with `salary_min ≤ salary_max`, deadlines in the future,
/// at most 7 / 3 / 3 MTP questions (`questions_mtp`, or the legacy `question_metier`, … one question per line).
/// Audited (B2).
#[utoipa::path(
    post,
    path = "/api/v1/jobs/",
    operation_id = "create_job",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    request_body(content = JobOfferCreate, description = "Champs de l'offre (legacy `JobOfferCreate`)"),
    responses(
        (status = 201, body = JobBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 422, description = "Champ invalide ; `errors` les liste", body = ErrorBody),
    )
)]
pub(crate) async fn create_job(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.offer_desk.may_write(&caller.0, Action::CreateOffer)?;
    let body = body.read().await?;
    let changes = offer_changes(&body)?;
    let offer = state.offer_desk.create(&caller.0, changes, &audit_context()).await?;
    Ok(HttpResponse::Created().json(JobBody::new(&offer, state.clock.now())))
}

/// Changes an offer (its recruiter, or an admin): only the fields sent change, and the resulting offer must obey
/// every rule of the creation (a deadline sent must be in the future); otherwise 422 and nothing changes. The
/// legacy question fields replace all the questions (R17). Audited with the names of the changed fields (B2).
#[utoipa::path(
    put,
    path = "/api/v1/jobs/{job_id}",
    operation_id = "update_job",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(("job_id" = Uuid, Path, description = "Identifiant de l'offre")),
    request_body(content = JobOfferUpdate, description = "Champs à modifier (legacy `JobOfferUpdate`)"),
    responses(
        (status = 200, body = JobBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Ni le recruteur de l'offre, ni un administrateur", body = ErrorBody),
        (status = 404, description = "Offre inconnue", body = ErrorBody),
        (status = 422, description = "Champ invalide ; rien n'est modifié", body = ErrorBody),
    )
)]
pub(crate) async fn update_job(
    state: web::Data<ApiState>,
    caller: Caller,
    job_id: web::Path<String>,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.offer_desk.may_write(&caller.0, Action::UpdateOffer)?;
    let body = body.read().await?;
    let id = parse_uuid("job_id", &job_id)?;
    let changes = offer_changes(&body)?;
    let offer = state.offer_desk.update(&caller.0, id, changes, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(JobBody::new(&offer, state.clock.now())))
}

/// `DELETE /jobs/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    #[schema(example = "Offre d'emploi supprimée avec succès")]
    pub message: &'static str,
}

/// Deletes an offer (its recruiter, or an admin) that has no application; one with applications is kept: 409
/// `offer_has_applications` (I10). Audited (B2).
#[utoipa::path(
    delete,
    path = "/api/v1/jobs/{job_id}",
    operation_id = "delete_job",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(("job_id" = Uuid, Path, description = "Identifiant de l'offre")),
    responses(
        (status = 200, body = Deleted),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Ni le recruteur de l'offre, ni un administrateur", body = ErrorBody),
        (status = 404, description = "Offre inconnue", body = ErrorBody),
        (status = 409, description = "L'offre a des candidatures (`offer_has_applications`)", body = ErrorBody),
    )
)]
pub(crate) async fn delete_job(
    state: web::Data<ApiState>,
    caller: Caller,
    job_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("job_id", &job_id)?;
    state.offer_desk.delete(&caller.0, id, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(Deleted { message: "Offre d'emploi supprimée avec succès" }))
}

/// The caller's own offers, every status, newest first (recruiters and admins), paginated in the database.
#[utoipa::path(
    get,
    path = "/api/v1/jobs/recruiter/my-jobs",
    operation_id = "my_jobs",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = [JobBody],
         headers(("X-Total-Count" = u64, description = "Nombre total d'offres du recruteur"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn my_jobs(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = query.page()?;
    let found = state.offer_desk.own_offers(&caller.0, page).await?;
    let now = state.clock.now();
    let body: Vec<JobBody> = found.items.iter().map(|o| JobBody::new(o, now)).collect();
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

/// `GET /jobs/recruiter/statistics`: the legacy keys (`recruiter_id`, `total_offers`, `message`) with real counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecruiterStatisticsBody {
    pub recruiter_id: Uuid,
    /// The caller's offers, every status.
    pub total_offers: u64,
    /// The caller's offers per status (`draft`, `active`, `closed`, `archived`; every status present).
    pub offers_by_status: BTreeMap<String, u64>,
    /// Applications to the caller's offers.
    pub total_applications: u64,
    /// Applications to the caller's offers per status (statuses with applications only).
    pub applications_by_status: BTreeMap<String, u64>,
    #[schema(example = "Statistiques du recruteur")]
    pub message: &'static str,
}

/// The caller's offers and the applications to them, counted per status (recruiters and admins).
#[utoipa::path(
    get,
    path = "/api/v1/jobs/recruiter/statistics",
    operation_id = "recruiter_statistics",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    responses(
        (status = 200, body = RecruiterStatisticsBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
    )
)]
pub(crate) async fn recruiter_statistics(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let statistics = state.offer_desk.statistics(&caller.0).await?;
    let offers_by_status: BTreeMap<String, u64> = OfferStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), statistics.offers_by_status.get(s).copied().unwrap_or_default()))
        .collect();
    Ok(HttpResponse::Ok().json(RecruiterStatisticsBody {
        recruiter_id: caller.0.id,
        total_offers: offers_by_status.values().sum(),
        offers_by_status,
        total_applications: statistics.applications_by_status.values().sum(),
        applications_by_status: statistics.applications_by_status,
        message: "Statistiques du recruteur",
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_queries_canonicalise_the_contract_type_and_bound_the_page() {
        let query = JobsQuery { contract_type: Some("cdi".into()), limit: Some("1000".into()), ..JobsQuery::default() };
        let (filter, page) = query.into_parts().unwrap();
        assert_eq!(filter.contract_type.as_deref(), Some("CDI"));
        assert_eq!(page, Page { skip: 0, limit: 1000 });
        let legacy = JobsQuery { contract_type: Some("Temps partiel".into()), ..JobsQuery::default() };
        assert_eq!(legacy.into_parts().unwrap().0.contract_type.as_deref(), Some("Temps partiel"));
        let over = JobsQuery { limit: Some("1001".into()), ..JobsQuery::default() };
        assert!(matches!(over.into_parts(), Err(ApiError::Validation(_))));
    }
}
