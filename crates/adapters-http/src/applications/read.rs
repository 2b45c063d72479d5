//! The reads of applications: the list (a candidate's own, or all for staff), the applications of one offer, one
//! application in its legacy shapes, its history, and its dossier as a PDF.

use actix_web::{HttpResponse, web};
use seeg_application::applications::{ApplicationFilter, ApplicationView, DossierExportError};
use seeg_domain::applications::ApplicationStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::documents::attachment;
use super::dto::{ApplicationBody, HistoryBody};
use super::views::{ApplicationAdminView, ApplicationComplete};
use crate::auth::Caller;
use crate::envelope::{AppEnvelope, TOTAL_COUNT_HEADER, page_number};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::{PageQuery, choice, parse_uuid, query_uuid, text_filter_within};
use crate::state::ApiState;

/// Query of `GET /api/v1/applications/`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// 1..=1000, default 100.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    status_filter: Option<String>,
    #[param(value_type = Option<Uuid>)]
    job_offer_id: Option<String>,
    /// Staff only; a candidate always lists its own.
    #[param(value_type = Option<Uuid>)]
    candidate_id: Option<String>,
    /// Staff only: words of the candidate's first name, last name or e-mail, ignoring case and accents.
    q: Option<String>,
}

/// The longest `q` of the application list.
const MAX_SEARCH_CHARS: usize = 100;

/// `GET /applications/` body (legacy shape, true total, F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub success: bool,
    pub message: String,
    pub data: Vec<ApplicationBody>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Lists applications, newest first: a candidate its own; staff all, filtered by status, offer or candidate.
#[utoipa::path(
    get,
    path = "/api/v1/applications/",
    operation_id = "list_applications",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(ApplicationsQuery),
    responses((status = 200, body = ApplicationList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody))
)]
pub(crate) async fn list_applications(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<ApplicationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut errors = Vec::new();
    // 1..=1000 as the legacy list (422 beyond), 100 by default.
    let page = PageQuery::<100, 1000>::read(query.skip.as_deref(), query.limit.as_deref(), &mut errors);
    let status = query.status_filter.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| {
        ApplicationStatus::parse_input(s)
            .map_err(|e| errors.push(FieldError { field: "query.status_filter".into(), message: e.to_string() }))
            .ok()
    });
    let job_offer_id = query_uuid("job_offer_id", query.job_offer_id.as_deref(), &mut errors);
    let candidate_id = query_uuid("candidate_id", query.candidate_id.as_deref(), &mut errors);
    let q = text_filter_within("q", query.q.as_ref(), MAX_SEARCH_CHARS, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = ApplicationFilter { candidate_id, job_offer_id, status, q };
    let found = state.reads.list(&caller.0, filter, page).await?;
    let body = ApplicationList {
        success: true,
        message: format!("{} candidature(s) trouvée(s)", found.items.len()),
        data: found.items.iter().map(ApplicationBody::from).collect(),
        total: found.total,
        page: page_number(page),
        per_page: page.limit,
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

/// The `data` of `GET /applications/{id}`: an `ApplicationAdminView` for staff, an `Application` for its candidate.
/// Declared `anyOf`: an admin view has every field of an application (the schema fuzzing found the candidate's
/// answer refused when only the admin view was declared).
#[allow(dead_code)] // describes the body in OpenAPI only
pub(crate) struct ApplicationViewBody;

impl utoipa::PartialSchema for ApplicationViewBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, Ref};
        AnyOfBuilder::new()
            .item(Ref::from_schema_name(<ApplicationAdminView as utoipa::ToSchema>::name()))
            .item(Ref::from_schema_name(<ApplicationBody as utoipa::ToSchema>::name()))
            .into()
    }
}

impl utoipa::ToSchema for ApplicationViewBody {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema as _;
        schemas.push((<ApplicationAdminView as utoipa::ToSchema>::name().into_owned(), ApplicationAdminView::schema()));
        <ApplicationAdminView as utoipa::ToSchema>::schemas(schemas);
        schemas.push((<ApplicationBody as utoipa::ToSchema>::name().into_owned(), ApplicationBody::schema()));
        <ApplicationBody as utoipa::ToSchema>::schemas(schemas);
    }
}

/// One application: a candidate's own (legacy `Application`), or any for staff with its candidate and offer
/// (legacy `ApplicationAdminView`, a superset). Another candidate's is 404 (S3).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}",
    operation_id = "get_application",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses(
        (
            status = 200,
            description = "Personnel : ApplicationAdminView ; candidat : Application (sans `candidate` ni `job_offer`)",
            body = inline(AppEnvelope<ApplicationViewBody>)
        ),
        (status = 404, body = ErrorBody)
    )
)]
pub(crate) async fn get_application(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    let message = "Candidature récupérée avec succès".to_owned();
    Ok(match state.reads.view(&caller.0, id).await? {
        ApplicationView::Own(application) => HttpResponse::Ok().json(AppEnvelope {
            success: true,
            message,
            data: ApplicationBody::from(application.as_ref()),
        }),
        ApplicationView::Staff(detail) => HttpResponse::Ok().json(AppEnvelope {
            success: true,
            message,
            data: ApplicationAdminView::from(detail.as_ref()),
        }),
    })
}

/// An application with its candidate, profile, offer and documents (legacy `ApplicationComplete`): staff, or
/// its own candidate (another's is 404, S3).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/complete",
    operation_id = "get_application_complete",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses((status = 200, body = inline(AppEnvelope<ApplicationComplete>)), (status = 404, body = ErrorBody))
)]
pub(crate) async fn get_complete(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    let detail = state.reads.detail(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(AppEnvelope {
        success: true,
        message: "Détails récupérés avec succès".to_owned(),
        data: ApplicationComplete::from(&detail),
    }))
}

/// `GET /{id}/history` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryList {
    pub success: bool,
    pub data: Vec<HistoryBody>,
}

/// An application's history, oldest first: its own candidate's (dates and statuses only), or any for staff
/// (with notes and authors).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/history",
    operation_id = "application_history",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses((status = 200, body = HistoryList), (status = 404, body = ErrorBody))
)]
pub(crate) async fn get_history(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    let history = state.dossiers.history(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(HistoryList { success: true, data: history.iter().map(HistoryBody::from).collect() }))
}

/// Query of the PDF export.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `A4` (default) or `Letter`; anything else is 422 (the legacy service silently chose Letter).
    format: Option<String>,
    /// `fr` only: the dossier is written in French (the legacy service ignored this parameter).
    language: Option<String>,
    /// Accepted for compatibility: the dossier lists the documents (name, type, size, sha256), never their bytes.
    include_documents: Option<String>,
}

impl From<DossierExportError> for ApiError {
    fn from(error: DossierExportError) -> Self {
        match error {
            DossierExportError::NotFound => Self::NotFound,
            DossierExportError::Forbidden => Self::forbidden(error.to_string()),
            DossierExportError::Store(e) => e.into(),
            DossierExportError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// The application's dossier as a PDF (candidate, offer, MTP questions and answers, documents, history): for
/// staff, and for its own candidate; another candidate's is 404 (S3).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/export/pdf",
    operation_id = "export_application_pdf",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path), ExportQuery),
    responses(
        (status = 200, content_type = "application/pdf", description = "Le dossier"),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn export_pdf(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    use seeg_application::dossier::PageSize;
    let id = parse_uuid("application_id", &application_id)?;
    let query = query.into_inner();
    // Ignored (the dossier never carries the documents' bytes), but a boolean, as the legacy service read it.
    let mut errors = Vec::new();
    let booleans = [("true", true), ("false", false), ("1", true), ("0", false)];
    let _ = choice("include_documents", query.include_documents.as_ref(), &booleans, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let page_size = match query.format.as_deref().map(str::trim) {
        None | Some("") => PageSize::A4,
        Some(f) if f.eq_ignore_ascii_case("a4") => PageSize::A4,
        Some(f) if f.eq_ignore_ascii_case("letter") => PageSize::Letter,
        Some(_) => return Err(ApiError::invalid("query.format", "valeurs admises : A4, Letter")),
    };
    if query.language.as_deref().map(str::trim).is_some_and(|l| !l.is_empty() && !l.eq_ignore_ascii_case("fr")) {
        return Err(ApiError::invalid("query.language", "valeur admise : fr (le dossier est rédigé en français)"));
    }
    let rendered = state.dossiers.export(&caller.0, id, page_size).await?;
    let disposition = attachment(&rendered.file_name);
    Ok(HttpResponse::Ok().content_type("application/pdf").insert_header(disposition).body(rendered.bytes))
}

/// `GET /jobs/{id}/applications`: one page of the offer's applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferApplications {
    pub success: bool,
    pub message: String,
    /// Newest first (legacy `Application` shape).
    pub data: Vec<ApplicationBody>,
    pub total: u64,
    /// `skip / limit + 1`.
    pub page: u64,
    pub per_page: u64,
}

/// The applications to an offer, newest first, for staff (S3: recruiters and observers read every application).
#[utoipa::path(
    get,
    path = "/api/v1/jobs/{job_id}/applications",
    operation_id = "job_applications",
    tag = "Offres d'emploi",
    security(("bearer" = [])),
    params(("job_id" = Uuid, Path, description = "Identifiant de l'offre"), PageQuery),
    responses(
        (status = 200, body = OfferApplications),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel", body = ErrorBody),
        (status = 404, description = "Offre inconnue", body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn job_applications(
    state: web::Data<ApiState>,
    caller: Caller,
    job_id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("job_id", &job_id)?;
    let page = query.page()?;
    let found = state.reads.of_offer(&caller.0, id, page).await?;
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(OfferApplications {
        success: true,
        message: format!("{} candidature(s) récupérée(s)", found.items.len()),
        data: found.items.iter().map(ApplicationBody::from).collect(),
        total: found.total,
        page: page_number(page),
        per_page: page.limit,
    }))
}
