//! Moving an application in the pipeline (I5), the recruiters' notes in its history, and deleting it (I10),
//! with the errors of the changes to an application and its documents.

use actix_web::{HttpResponse, web};
use seeg_application::applications::{EditError, PipelineError};
use seeg_domain::applications::ApplicationStatus;
use serde::Deserialize;
use utoipa::ToSchema;

use super::document_problem_code;
use super::dto::{ApplicationBody, HistoryBody};
use crate::auth::Caller;
use crate::body::Deferred;
use crate::envelope::AppEnvelope;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::parse_uuid;
use crate::request_id::audit_context;
use crate::state::ApiState;

impl From<PipelineError> for ApiError {
    fn from(error: PipelineError) -> Self {
        match error {
            PipelineError::NotFound => Self::NotFound,
            PipelineError::Forbidden => Self::forbidden(error.to_string()),
            PipelineError::Transition(t) => Self::InvalidTransition {
                detail: t.to_string(),
                allowed: t.allowed.iter().map(|s| s.as_str().to_owned()).collect(),
            },
            PipelineError::InvalidNote => Self::invalid("body.notes", error.to_string()),
            PipelineError::Store(e) => e.into(),
        }
    }
}

/// `PUT /applications/{id}`: `{"status": "...", "notes": "..."}` (I5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusUpdate {
    /// The next status; `pending` is read as `candidature`.
    #[schema(schema_with = crate::fields::application_status, required = true)]
    pub status: Option<String>,
    /// Goes into the history row.
    pub notes: Option<String>,
}

/// Moves an application in the pipeline (I5): staff along `candidature → incubation → entretien_programme →
/// simulation_programmee → embauche`, or to `refuse` from any open status (an admin may reopen `refuse` →
/// `incubation`); its candidate may only withdraw (`retiree`). Anything else is 409 `invalid_status_transition`
/// with `allowed`. Writes a history row, notifies and e-mails the candidate (outbox), audits staff moves (B2).
#[utoipa::path(
    put,
    path = "/api/v1/applications/{application_id}",
    operation_id = "update_application",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    request_body = StatusUpdate,
    responses(
        (status = 200, body = inline(AppEnvelope<ApplicationBody>)),
        (status = 403, description = "Observateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Transition impossible (`allowed`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn update_application(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    body: Deferred<StatusUpdate>,
) -> Result<HttpResponse, ApiError> {
    state.pipeline.may_change_status(&caller.0)?;
    let body = body.read().await?;
    let id = parse_uuid("application_id", &application_id)?;
    let raw = body.status.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let raw = raw.ok_or_else(|| ApiError::invalid("body.status", "champ obligatoire"))?;
    let status = ApplicationStatus::parse_input(raw).map_err(|e| ApiError::invalid("body.status", e.to_string()))?;
    let context = audit_context();
    let application = state.pipeline.change_status(&caller.0, id, status, body.notes, &context).await?;
    Ok(HttpResponse::Ok().json(AppEnvelope {
        success: true,
        message: "Candidature mise à jour avec succès".to_owned(),
        data: ApplicationBody::from(&application),
    }))
}

/// `POST /{id}/history`: a recruiter's note.
#[derive(Debug, Deserialize, ToSchema)]
pub struct HistoryNote {
    pub notes: Option<String>,
}

/// Adds a recruiter's note to the history, without changing the status (recruiters and admins; audited).
#[utoipa::path(
    post,
    path = "/api/v1/applications/{application_id}/history",
    operation_id = "add_application_history_note",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    request_body = HistoryNote,
    responses(
        (status = 201, body = inline(AppEnvelope<HistoryBody>)),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn add_history_note(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    body: Deferred<HistoryNote>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    state.pipeline.may_add_note(&caller.0, id).await?;
    let body = body.read().await?;
    let note = body.notes.unwrap_or_default();
    let context = audit_context();
    let change = state.pipeline.add_note(&caller.0, id, note, &context).await?;
    Ok(HttpResponse::Created().json(AppEnvelope {
        success: true,
        message: "Note ajoutée à l'historique".to_owned(),
        data: HistoryBody::from(&change),
    }))
}

impl From<EditError> for ApiError {
    fn from(error: EditError) -> Self {
        let detail = error.to_string();
        match error {
            EditError::NotFound | EditError::DocumentNotFound => Self::NotFound,
            EditError::Forbidden => Self::forbidden(detail),
            EditError::Locked(_) | EditError::UnderReview => Self::refused(ErrorCode::ApplicationLocked, detail),
            EditError::RequiredDocument(_) => Self::refused(ErrorCode::RequiredDocument, detail),
            EditError::Documents(problem) | EditError::Document { problem, .. } => {
                Self::refused(document_problem_code(&problem), detail)
            }
            EditError::Quota(exceeded) => exceeded.into(),
            EditError::InspectorBusy => Self::Busy,
            EditError::Storage(e) => Self::Unexpected(anyhow::Error::new(e)),
            EditError::Store(e) => e.into(),
        }
    }
}

/// Deletes an application with its documents and history: its candidate while it is `candidature`, or an admin.
#[utoipa::path(
    delete,
    path = "/api/v1/applications/{application_id}",
    operation_id = "delete_application",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Supprimée"),
        (status = 403, description = "Recruteurs et observateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`application_locked` : plus au statut « candidature »", body = ErrorBody),
    )
)]
pub(crate) async fn delete_application(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    state.editing.delete_application(&caller.0, id, &audit_context()).await?;
    Ok(HttpResponse::NoContent().finish())
}
