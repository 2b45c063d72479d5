//! Access requests (legacy §1.3, R35): internal candidates without a company e-mail wait for a recruiter's or an
//! admin's decision. Every field of the legacy response is filled (I8, fixing D26).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use seeg_application::Page;
use seeg_application::identity::{AccessRequestError, AccessRequestFilter, AccessRequestView};
use seeg_domain::identity::{AccessRequestStatus, RejectionReason};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::params::PageQuery;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/access-requests").route(web::get().to(list_access_requests)))
        .service(route("/api/v1/access-requests/approve").route(web::post().to(approve_access_request)))
        .service(route("/api/v1/access-requests/reject").route(web::post().to(reject_access_request)))
        .service(route("/api/v1/access-requests/mark-all-viewed").route(web::post().to(mark_all_viewed)))
        .service(route("/api/v1/access-requests/unviewed-count").route(web::get().to(unviewed_count)));
}

impl From<AccessRequestError> for ApiError {
    fn from(error: AccessRequestError) -> Self {
        match error {
            AccessRequestError::Forbidden => Self::forbidden(error.to_string()),
            AccessRequestError::NotFound => Self::NotFound,
            AccessRequestError::AlreadyProcessed(_) => {
                Self::refused(ErrorCode::AccessRequestAlreadyProcessed, error.to_string())
            }
            AccessRequestError::AccountNotPending(_) => {
                Self::refused(ErrorCode::AccessRequestAccountNotPending, error.to_string())
            }
            AccessRequestError::Store(e) => e.into(),
        }
    }
}

/// An access request (legacy `AccessRequest`), with the applicant's account fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRequestBody {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    /// The matricule as text (legacy column).
    pub matricule: Option<String>,
    #[schema(example = "internal_no_seeg_email")]
    pub request_type: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub viewed: bool,
    pub id: Uuid,
    pub user_id: Uuid,
    pub rejection_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<Uuid>,
    pub updated_at: DateTime<Utc>,
    /// From the account: `YYYY-MM-DD` (F2).
    pub date_of_birth: Option<NaiveDate>,
    /// From the account: `M` or `F`.
    pub sexe: Option<String>,
    /// From the account.
    pub adresse: Option<String>,
    /// The account's current statut.
    pub user_statut: Option<String>,
}

impl From<AccessRequestView> for AccessRequestBody {
    fn from(v: AccessRequestView) -> Self {
        let r = v.request;
        Self {
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            phone: r.phone,
            matricule: r.matricule,
            request_type: r.request_type,
            status: r.status.as_str().to_owned(),
            viewed: r.viewed,
            id: r.id,
            user_id: r.user_id,
            rejection_reason: r.rejection_reason,
            created_at: r.created_at,
            reviewed_at: r.reviewed_at,
            reviewed_by: r.reviewed_by,
            updated_at: r.updated_at,
            date_of_birth: v.date_of_birth,
            sexe: v.sexe.map(|s| s.as_str().to_owned()),
            adresse: v.adresse,
            user_statut: v.user_statut.map(|s| s.as_str().to_owned()),
        }
    }
}

/// The largest page of `GET /access-requests/` (legacy `limit` 1..=500).
pub const ACCESS_REQUESTS_MAX_LIMIT: u64 = 500;
/// The page size when none is asked.
pub const ACCESS_REQUESTS_DEFAULT_LIMIT: u64 = 100;

/// Query of `GET /api/v1/access-requests/`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessRequestsQuery {
    /// `pending`, `approved` or `rejected`.
    #[param(schema_with = crate::fields::access_request_status)]
    status_filter: Option<String>,
    /// `true` or `false`.
    #[param(value_type = Option<bool>)]
    viewed_filter: Option<String>,
    /// Requests to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=500, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

impl AccessRequestsQuery {
    fn into_parts(self) -> Result<(AccessRequestFilter, Page), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<ACCESS_REQUESTS_DEFAULT_LIMIT, ACCESS_REQUESTS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let status = match self.status_filter.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => raw.parse::<AccessRequestStatus>().map_or_else(
                |_| {
                    let words: Vec<&str> = AccessRequestStatus::ALL.iter().map(|s| s.as_str()).collect();
                    errors.push(FieldError {
                        field: "query.status_filter".to_owned(),
                        message: format!("valeurs admises : {}", words.join(", ")),
                    });
                    None
                },
                Some,
            ),
        };
        let viewed = match self.viewed_filter.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                errors.push(FieldError {
                    field: "query.viewed_filter".to_owned(),
                    message: "valeurs admises : true, false".to_owned(),
                });
                None
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok((AccessRequestFilter { status, viewed }, page))
    }
}

/// `GET /access-requests/` (legacy shape; `total` is every match, F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRequestList {
    pub success: bool,
    #[schema(example = "2 demande(s) d'accès trouvée(s)")]
    pub message: String,
    pub data: Vec<AccessRequestBody>,
    pub total: u64,
    /// Every pending request, whatever the filters.
    pub pending_count: u64,
    /// Every pending request not yet viewed, whatever the filters.
    pub unviewed_count: u64,
}

/// Lists access requests, newest first, with the global counters (recruiters and admins).
#[utoipa::path(
    get,
    path = "/api/v1/access-requests/",
    operation_id = "list_access_requests",
    tag = "Demandes d'accès",
    security(("bearer" = [])),
    params(AccessRequestsQuery),
    responses(
        (status = 200, body = AccessRequestList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_access_requests(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<AccessRequestsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_parts()?;
    let found = state.access_requests.list(&caller.0, &filter, page).await?;
    let body = AccessRequestList {
        success: true,
        message: format!("{} demande(s) d'accès trouvée(s)", found.total),
        data: found.items.into_iter().map(AccessRequestBody::from).collect(),
        total: found.total,
        pending_count: found.counts.pending,
        unviewed_count: found.counts.unviewed,
    };
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /access-requests/approve`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ApproveRequest {
    pub request_id: Uuid,
}

/// `POST /access-requests/reject`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RejectRequest {
    pub request_id: Uuid,
    /// At least 20 characters once trimmed; told to the candidate.
    #[schema(min_length = 20)]
    pub rejection_reason: String,
}

/// The answer of approve and reject.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewedAccessRequest {
    pub success: bool,
    pub message: &'static str,
    pub data: AccessRequestBody,
}

/// Approves a pending request: the account becomes `actif` and may sign in. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/access-requests/approve",
    operation_id = "approve_access_request",
    tag = "Demandes d'accès",
    security(("bearer" = [])),
    request_body = ApproveRequest,
    responses(
        (status = 200, body = ReviewedAccessRequest),
        (status = 400, description = "Demande déjà traitée (`access_request_already_processed`)", body = ErrorBody),
        (status = 409, description = "Compte plus en attente : activé, bloqué ou archivé par un administrateur (`access_request_account_not_pending`)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn approve_access_request(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<ApproveRequest>,
) -> Result<HttpResponse, ApiError> {
    state.access_requests.may_review(&caller.0)?;
    let body = body.read().await?;
    let view = state.access_requests.approve(&caller.0, body.request_id, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(ReviewedAccessRequest {
        success: true,
        message: "Demande d'accès approuvée avec succès. L'utilisateur peut désormais se connecter.",
        data: view.into(),
    }))
}

/// Rejects a pending request with its reason (at least 20 characters): the account becomes `bloqué`. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/access-requests/reject",
    operation_id = "reject_access_request",
    tag = "Demandes d'accès",
    security(("bearer" = [])),
    request_body = RejectRequest,
    responses(
        (status = 200, body = ReviewedAccessRequest),
        (status = 400, description = "Demande déjà traitée (`access_request_already_processed`)", body = ErrorBody),
        (status = 409, description = "Compte plus en attente : activé, bloqué ou archivé par un administrateur (`access_request_account_not_pending`)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "Raison trop courte", body = ErrorBody),
    )
)]
pub(crate) async fn reject_access_request(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<RejectRequest>,
) -> Result<HttpResponse, ApiError> {
    state.access_requests.may_review(&caller.0)?;
    let body = body.read().await?;
    let reason = RejectionReason::parse(&body.rejection_reason)
        .map_err(|e| ApiError::invalid("body.rejection_reason", e.to_string()))?;
    let view = state.access_requests.reject(&caller.0, body.request_id, reason, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(ReviewedAccessRequest {
        success: true,
        message: "Demande d'accès refusée. Le compte de l'utilisateur est bloqué.",
        data: view.into(),
    }))
}

/// `{success, message, count}` of mark-all-viewed.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedViewed {
    pub success: bool,
    #[schema(example = "3 demande(s) marquée(s) comme vue(s)")]
    pub message: String,
    pub count: u64,
}

/// Marks every pending, unviewed request as viewed (recruiters, admins, observers).
#[utoipa::path(
    post,
    path = "/api/v1/access-requests/mark-all-viewed",
    operation_id = "mark_all_access_requests_viewed",
    tag = "Demandes d'accès",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MarkedViewed),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel", body = ErrorBody),
    )
)]
pub(crate) async fn mark_all_viewed(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let count = state.access_requests.mark_all_viewed(&caller.0, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(MarkedViewed {
        success: true,
        message: format!("{count} demande(s) marquée(s) comme vue(s)"),
        count,
    }))
}

/// `{success, count}` of unviewed-count.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnviewedCount {
    pub success: bool,
    pub count: u64,
}

/// How many pending requests nobody has viewed yet (recruiters, admins, observers).
#[utoipa::path(
    get,
    path = "/api/v1/access-requests/unviewed-count",
    operation_id = "count_unviewed_access_requests",
    tag = "Demandes d'accès",
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnviewedCount),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel", body = ErrorBody),
    )
)]
pub(crate) async fn unviewed_count(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let count = state.access_requests.unviewed_count(&caller.0).await?;
    Ok(HttpResponse::Ok().json(UnviewedCount { success: true, count }))
}
