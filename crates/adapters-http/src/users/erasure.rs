//! `POST /api/v1/users/{user_id}/erase` (B7): an administrator erases an account's personal data, with a reason.
//! The database is erased in one transaction before the answer; the documents and the data lake's objects follow
//! through the outbox (`privacy.erased`).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::privacy::{AccountErasure, Eraser, ErasureError, ErasureReason, ErasureRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/users/{user_id}/erase").route(web::post().to(erase_user)));
}

impl From<ErasureError> for ApiError {
    fn from(error: ErasureError) -> Self {
        match error {
            ErasureError::NotFound => Self::NotFound,
            ErasureError::Forbidden => Self::forbidden(error.to_string()),
            ErasureError::OwnAccount => Self::refused(ErrorCode::OwnAccountUnerasable, error.to_string()),
            ErasureError::ApplicationsInProgress(_) => {
                Self::refused(ErrorCode::ApplicationsInProgress, error.to_string())
            }
            ErasureError::NotACandidate => Self::refused(ErrorCode::AccountNotCandidate, error.to_string()),
            ErasureError::InvalidReason(detail) => Self::invalid("body.reason", detail),
            ErasureError::Store(e) => e.into(),
        }
    }
}

/// `POST /users/{user_id}/erase`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Why (5 to 1 000 characters once trimmed); kept with the erasure. Write no personal data in it.
    #[schema(min_length = 5, max_length = 1000)]
    pub reason: String,
    /// Close the account's applications in progress (as `retiree`) to allow the erasure; without it, an account
    /// with one is refused (409 `applications_in_progress`).
    #[serde(default)]
    pub force: bool,
}

/// An erasure, as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureBody {
    pub user_id: Uuid,
    pub erased_at: DateTime<Utc>,
    /// The administrator who asked; `null` for the retention job.
    pub erased_by: Option<Uuid>,
    pub reason: String,
    /// Whether applications in progress were closed to allow it.
    pub forced: bool,
    pub applications_closed: u32,
    pub documents_deleted: u32,
}

impl From<ErasureRecord> for ErasureBody {
    fn from(r: ErasureRecord) -> Self {
        Self {
            user_id: r.user_id,
            erased_at: r.erased_at,
            erased_by: r.erased_by,
            reason: r.reason,
            forced: r.forced,
            applications_closed: r.applications_closed,
            documents_deleted: r.documents_deleted,
        }
    }
}

/// Erases an account's personal data (B7), for an administrator: e-mail, names and every personal field replaced;
/// profile, drafts, notifications, sessions, access requests and documents deleted; references, answers and
/// the evaluators' and recruiters' free texts removed from its applications; its e-mail log entries emptied;
/// its data-lake objects rewritten without personal fields and its PDF copies removed (after the answer, through
/// the outbox). Applications, statuses, scores and the audit trail stay, without personal values. Refused while
/// an application is in progress unless `force` (which closes it as `retiree`). Idempotent: an account erased
/// already answers its erasure, 200.
#[utoipa::path(
    post,
    path = "/api/v1/users/{user_id}/erase",
    operation_id = "erase_user",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "Identifiant du compte")),
    request_body = EraseRequest,
    responses(
        (status = 200, body = ErasureBody),
        (status = 400, description = "Son propre compte (`own_account_unerasable`)", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Candidature(s) en cours, effacement non forcé (`applications_in_progress`) ; compte du personnel (`account_not_candidate`)", body = ErrorBody),
    )
)]
pub(crate) async fn erase_user(
    state: web::Data<ApiState>,
    caller: Caller,
    user_id: web::Path<Uuid>,
    body: Deferred<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    AccountErasure::may_erase(&caller.0)?;
    let body = body.read().await?;
    let reason = ErasureReason::parse(&body.reason)?;
    let context = audit_context();
    let record =
        state.erasures.erase(Eraser::Account(&caller.0, &context), user_id.into_inner(), &reason, body.force).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(ErasureBody::from(record)))
}
