//! The public offer routes (legacy §1.6): anonymous visitors see active offers open to everyone or to external
//! candidates (R14); the shapes are the legacy `JobPublic` and `JobPublicDetail` (legacy §1.15).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::Page;
use seeg_application::offers::OfferFilter;
use seeg_domain::offers::{Audience, JobOffer, MtpFamily, MtpQuestions};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::{ApiError, ErrorBody};
use crate::params::{PageQuery, parse_uuid, text_filter};
use crate::rendered;
use crate::routing::route;
use crate::state::ApiState;

/// The legacy public listing never returned more than this many offers per page, whatever was asked.
pub const PUBLIC_MAX_LIMIT: u64 = 100;

/// The public listing's page: 100 by default, and a larger `limit` served as 100, as the legacy service did.
type PublicPage = PageQuery<PUBLIC_MAX_LIMIT, PUBLIC_MAX_LIMIT>;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/public/jobs").route(web::get().to(list_public_jobs)))
        .service(route("/api/v1/public/jobs/count").route(web::get().to(count_public_jobs)))
        .service(route("/api/v1/public/jobs/{job_id}").route(web::get().to(get_public_job)));
}

/// An offer as the public and candidates see it (legacy `JobPublic`).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPublic {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub location: String,
    /// `CDI`, `CDD`, `Stage`, `Alternance`, `Freelance`, …
    pub contract_type: String,
    pub department: Option<String>,
    /// FCFA.
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_note: Option<String>,
    pub requirements: Option<Vec<String>>,
    pub benefits: Option<Vec<String>>,
    pub responsibilities: Option<Vec<String>>,
    /// Who the offer is open to: `tous`, `interne` or `externe`.
    #[schema(example = "tous")]
    pub offer_status: String,
    pub application_deadline: Option<DateTime<Utc>>,
    pub date_limite: Option<DateTime<Utc>>,
    pub start_date: Option<DateTime<Utc>>,
    pub profile: Option<String>,
    pub categorie_metier: Option<String>,
    pub job_grade: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The offer's MTP questions (`questions_mtp`).
#[derive(Debug, Serialize, ToSchema)]
#[allow(clippy::struct_field_names)] // the legacy wire names
pub struct QuestionsMtp {
    pub questions_metier: Vec<String>,
    pub questions_talent: Vec<String>,
    pub questions_paradigme: Vec<String>,
}

/// One public offer in full (legacy `JobPublicDetail`).
#[derive(Debug, Serialize, ToSchema)]
pub struct JobPublicDetail {
    #[serde(flatten)]
    pub offer: JobPublic,
    pub reporting_line: Option<String>,
    pub questions_mtp: Option<QuestionsMtp>,
    pub updated_at: DateTime<Utc>,
}

/// `GET /api/v1/public/jobs/count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicJobCount {
    pub total: u64,
    #[schema(example = "active")]
    pub status: &'static str,
    #[schema(example = "public")]
    pub r#type: &'static str,
}

fn non_empty(items: &[String]) -> Option<Vec<String>> {
    // The legacy service stored empty lists as NULL and clients expect `null` (R15).
    (!items.is_empty()).then(|| items.to_vec())
}

impl From<&JobOffer> for JobPublic {
    fn from(o: &JobOffer) -> Self {
        Self {
            id: o.id,
            title: o.title.clone(),
            description: o.description.clone(),
            location: o.location.clone(),
            contract_type: o.contract_type.clone(),
            department: o.department.clone(),
            salary_min: o.salary_min,
            salary_max: o.salary_max,
            salary_note: o.salary_note.clone(),
            requirements: non_empty(&o.requirements),
            benefits: non_empty(&o.benefits),
            responsibilities: non_empty(&o.responsibilities),
            offer_status: o.visibility.as_str().to_owned(),
            application_deadline: o.application_deadline,
            date_limite: o.date_limite,
            start_date: o.start_date,
            profile: o.profile.clone(),
            categorie_metier: o.categorie_metier.clone(),
            job_grade: o.job_grade.clone(),
            created_at: o.created_at,
        }
    }
}

impl From<&MtpQuestions> for QuestionsMtp {
    fn from(q: &MtpQuestions) -> Self {
        Self {
            questions_metier: q.questions(MtpFamily::Metier).to_vec(),
            questions_talent: q.questions(MtpFamily::Talent).to_vec(),
            questions_paradigme: q.questions(MtpFamily::Paradigme).to_vec(),
        }
    }
}

impl From<&JobOffer> for JobPublicDetail {
    fn from(o: &JobOffer) -> Self {
        Self {
            offer: o.into(),
            reporting_line: o.reporting_line.clone(),
            questions_mtp: o.questions_mtp.as_ref().filter(|q| !q.is_empty()).map(Into::into),
            updated_at: o.updated_at,
        }
    }
}

/// Query of `GET /api/v1/public/jobs`. Numbers arrive as text so a bad value names its field.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicJobsQuery {
    /// Offers to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (≥ 1, default 100; larger values are served as 100, as the legacy service did).
    #[param(value_type = Option<u64>, minimum = 1)]
    limit: Option<String>,
    /// Part of the location; case and accents are ignored (`libreville`, `NDJOLÉ`).
    location: Option<String>,
    /// Exact contract type.
    contract_type: Option<String>,
}

impl PublicJobsQuery {
    fn into_filter_and_page(self) -> Result<(OfferFilter, Page), ApiError> {
        let mut errors = Vec::new();
        let page = PublicPage::read_capped(self.skip.as_deref(), self.limit.as_deref(), &mut errors);
        let location = text_filter("location", self.location.as_ref(), &mut errors);
        let contract_type = text_filter("contract_type", self.contract_type.as_ref(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let filter = OfferFilter { location, contract_type, ..OfferFilter::for_audience(Audience::Anonymous) };
        Ok((filter, page))
    }
}

/// Lists the offers anyone may see: active, open to everyone or to external candidates; newest first.
#[utoipa::path(
    get,
    path = "/api/v1/public/jobs",
    operation_id = "list_public_jobs",
    tag = "Public",
    params(PublicJobsQuery),
    responses(
        (status = 200, description = "Offres visibles ; le total de toutes les offres correspondantes est dans `X-Total-Count`.",
         body = [JobPublic], headers(("X-Total-Count" = u64, description = "Nombre total d'offres correspondantes"))),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_public_jobs(
    state: web::Data<ApiState>,
    query: web::Query<PublicJobsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_filter_and_page()?;
    let found = state.offers.list(&filter, page).await?;
    let body = state
        .offer_bodies
        .public_pages()
        .body(&found, &[], || serde_json::to_vec(&found.items.iter().map(JobPublic::from).collect::<Vec<_>>()))?;
    Ok(rendered::json_list(found.total, body))
}

/// Counts the offers anyone may see.
#[utoipa::path(
    get,
    path = "/api/v1/public/jobs/count",
    operation_id = "count_public_jobs",
    tag = "Public",
    responses((status = 200, body = PublicJobCount))
)]
pub(crate) async fn count_public_jobs(state: web::Data<ApiState>) -> Result<HttpResponse, ApiError> {
    let total = state.offers.count(&OfferFilter::for_audience(Audience::Anonymous)).await?;
    Ok(HttpResponse::Ok().json(PublicJobCount { total, status: "active", r#type: "public" }))
}

/// One offer anyone may see, with its MTP questions. An internal, draft or closed offer answers 404.
#[utoipa::path(
    get,
    path = "/api/v1/public/jobs/{job_id}",
    operation_id = "get_public_job",
    tag = "Public",
    params(("job_id" = Uuid, Path, description = "Identifiant de l'offre")),
    responses(
        (status = 200, body = JobPublicDetail),
        (status = 404, description = "Offre inconnue ou non publique", body = ErrorBody),
        (status = 422, description = "Identifiant mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn get_public_job(
    state: web::Data<ApiState>,
    job_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("job_id", &job_id)?;
    let offer = state.offers.get(Audience::Anonymous, id).await?;
    let body = state
        .offer_bodies
        .public_offers()
        .body(&offer, &[], || serde_json::to_vec(&JobPublicDetail::from(offer.as_ref())))?;
    Ok(rendered::json(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::MAX_FILTER_CHARS;

    fn query(skip: Option<&str>, limit: Option<&str>) -> PublicJobsQuery {
        PublicJobsQuery {
            skip: skip.map(Into::into),
            limit: limit.map(Into::into),
            location: None,
            contract_type: None,
        }
    }

    #[test]
    fn defaults_and_cap_follow_the_legacy_listing() {
        let (_, page) = query(None, None).into_filter_and_page().unwrap();
        assert_eq!(page, Page { skip: 0, limit: 100 });
        let (_, page) = query(Some("5"), Some("1000")).into_filter_and_page().unwrap();
        assert_eq!(page, Page { skip: 5, limit: PUBLIC_MAX_LIMIT });
    }

    #[test]
    fn bad_numbers_name_their_field() {
        let Err(ApiError::Validation(errors)) = query(Some("-1"), Some("abc")).into_filter_and_page() else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["query.skip", "query.limit"]);
        assert!(matches!(query(None, Some("0")).into_filter_and_page(), Err(ApiError::Validation(_))));
    }

    #[test]
    fn control_characters_and_overlong_filters_are_refused() {
        let q = PublicJobsQuery {
            skip: None,
            limit: None,
            location: Some("Libre\0ville".into()),
            contract_type: Some("x".repeat(MAX_FILTER_CHARS + 1)),
        };
        let Err(ApiError::Validation(errors)) = q.into_filter_and_page() else { panic!("expected a validation error") };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["query.location", "query.contract_type"]);
    }

    #[test]
    fn blank_filters_are_no_filter() {
        let q = PublicJobsQuery {
            skip: None,
            limit: None,
            location: Some("  ".into()),
            contract_type: Some(" CDI ".into()),
        };
        let (filter, _) = q.into_filter_and_page().unwrap();
        assert_eq!(filter.location, None);
        assert_eq!(filter.contract_type.as_deref(), Some("CDI"));
    }
}
