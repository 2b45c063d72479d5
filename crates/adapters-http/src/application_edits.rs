//! Changing a submitted application (I10): `DELETE /applications/{id}`, `DELETE …/documents/{doc}` and
//! `POST …/documents` (base64 JSON or multipart, the submission's checks). Legacy answered 204 without
//! committing (D3); these commit.

use actix_web::{HttpResponse, web};
use seeg_application::applications::{DocumentIntake, EditError, IncomingDocument, PendingUpload};
use serde::Serialize;
use utoipa::ToSchema;

use crate::applications::{DocumentBody, DocumentUpload, decode_document, read_form, within_deadline};
use crate::body::{Deferred, refuse_declared_length};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::identity::Caller;
use crate::offers::parse_uuid;
use crate::state::ApiState;

/// One document as base64 JSON, with room for the encoding.
pub const DOCUMENT_BODY_LIMIT: usize = 15 * 1024 * 1024;

impl From<EditError> for ApiError {
    fn from(error: EditError) -> Self {
        let detail = error.to_string();
        match error {
            EditError::NotFound | EditError::DocumentNotFound => Self::NotFound,
            EditError::Forbidden => Self::forbidden(detail),
            EditError::Locked(_) => Self::refused(ErrorCode::ApplicationLocked, detail),
            EditError::RequiredDocument(_) => Self::refused(ErrorCode::RequiredDocument, detail),
            EditError::Documents(problem) | EditError::Document { problem, .. } => {
                Self::refused(crate::applications::document_problem_code(&problem), detail)
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
    state.editing.delete_application(&caller.0, id, &crate::middleware::audit_context()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes an optional document; a required one (CV, lettre de motivation, diplôme) is only replaced (409
/// `required_document`).
#[utoipa::path(
    delete,
    path = "/api/v1/applications/{application_id}/documents/{document_id}",
    operation_id = "delete_application_document",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Supprimé"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`required_document` ou `application_locked`", body = ErrorBody),
    )
)]
pub(crate) async fn delete_document(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (application_id, document_id) = path.into_inner();
    let id = parse_uuid("application_id", &application_id)?;
    let document_id = parse_uuid("document_id", &document_id)?;
    state.editing.delete_document(&caller.0, id, document_id, &crate::middleware::audit_context()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST …/documents` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedDocumentBody {
    pub success: bool,
    pub message: String,
    pub data: DocumentBody,
}

/// Adds an optional document, or replaces the required document of the same type: base64 JSON
/// (`{document_type, file_name, file_data}`) or `multipart/form-data` with one file part named by its type.
/// Same checks as the submission (S11), within the application's count and size limits.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{application_id}/documents",
    operation_id = "add_application_document",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    request_body(
        description = "JSON (base64) ou multipart/form-data (une partie fichier nommée par son type)",
        content((DocumentUpload = "application/json"), ("multipart/form-data"))
    ),
    responses(
        (status = 201, body = AddedDocumentBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`application_locked`", body = ErrorBody),
        (status = 413, description = "Corps ou formulaire trop volumineux (taille, nombre de parties)", body = ErrorBody),
        (status = 429, description = "Quota de documents en attente dépassé (`upload_quota_exceeded`, `Retry-After`)", body = ErrorBody),
        (status = 408, description = "Corps arrivé trop lentement (`body_timeout`)", body = ErrorBody),
        (status = 415, description = "Corps compressé (`unsupported_content_encoding`)", body = ErrorBody),
        (status = 503, description = "Trop de documents reçus à la fois (`server_busy`, `Retry-After`)", body = ErrorBody),
        (status = 422, description = "Document invalide (codes S11, `document_name_invalid`)", body = ErrorBody),
    )
)]
pub(crate) async fn add_document(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    body: Deferred<DocumentUpload>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    // Refused before the body is read: 403/404/409 for a caller who may not change the application.
    state.editing.check(&caller.0, id).await?;
    let (body, _allowance) = body.read_within(&state.body_budget).await?;
    let incoming = decode_document(body, state.editing.limits()).map_err(|(field, message)| {
        ApiError::Validation(vec![FieldError { field: format!("body.{field}"), message }])
    })?;
    added(&state, &caller, id, incoming, None).await
}

/// `add_document` with a multipart body: the document streams to storage once the caller may change the
/// application.
pub(crate) async fn add_document_multipart(
    req: actix_web::HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    state.editing.check(&caller.0, id).await?;
    refuse_declared_length(&req, DOCUMENT_BODY_LIMIT)?;
    let mut intake = state.editing.intake(&caller.0);
    let incoming = match within_deadline(&state.body_budget, read_one_document(&state, form, &mut intake)).await {
        Ok(incoming) => incoming,
        Err(error) => {
            // Refused before the use case saw the document: its reservation counts what was stored.
            intake.abandon().await;
            return Err(error);
        }
    };
    let pending = intake.into_pending();
    added(&state, &caller, id, incoming, pending).await
}

/// The one document a multipart form carries, streamed into `intake`; text parts carry nothing this route reads.
async fn read_one_document(
    state: &ApiState,
    form: actix_multipart::Multipart,
    intake: &mut DocumentIntake,
) -> Result<IncomingDocument, ApiError> {
    read_form(form, &state.body_budget, intake, |_, _| {}).await?;
    let mut documents = intake.take_documents();
    if documents.len() != 1 {
        let message = "exactement un fichier attendu, dans une partie nommée par son type";
        return Err(ApiError::invalid("body", message));
    }
    Ok(documents.remove(0))
}

async fn added(
    state: &ApiState,
    caller: &Caller,
    id: uuid::Uuid,
    incoming: IncomingDocument,
    pending: Option<PendingUpload>,
) -> Result<HttpResponse, ApiError> {
    let context = crate::middleware::audit_context();
    let added = state.editing.add_document(&caller.0, id, incoming, pending, &context).await?;
    let message =
        if added.replaced.is_some() { "Document remplacé avec succès" } else { "Document ajouté avec succès" };
    Ok(HttpResponse::Created().json(AddedDocumentBody {
        success: true,
        message: message.to_owned(),
        data: DocumentBody::from(&added.document),
    }))
}
