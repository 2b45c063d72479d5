//! The documents of an application (legacy §1.7, R28; I10): listed, read whole in base64 or streamed (ranges,
//! `ETag`), added or replaced (base64 JSON or multipart, the submission's checks), deleted. The legacy service
//! answered 204 without committing (D3); these commit.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use seeg_application::applications::{DocumentIntake, IncomingDocument, PendingUpload};
use seeg_application::documents::DocumentStoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::dto::{DocumentBody, DocumentUpload};
use super::upload::{decode_document, read_form, within_deadline};
use crate::auth::Caller;
use crate::body::{Deferred, refuse_declared_length};
use crate::envelope::AppEnvelope;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::parse_uuid;
use crate::request_id::audit_context;
use crate::state::ApiState;

/// `GET …/documents` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub success: bool,
    pub message: String,
    pub data: Vec<DocumentBody>,
    pub total: u64,
}

/// Query of `GET …/documents` (legacy §1.7).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentsQuery {
    /// Only the documents of this type (`cv`, `cover_letter`, `diplome`, `certificats`, `lettre_recommandation`,
    /// `portfolio`, `autres`).
    document_type: Option<String>,
}

/// The documents of an application, without their bytes.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/documents",
    operation_id = "list_application_documents",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path), DocumentsQuery),
    responses(
        (status = 200, body = DocumentList),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`document_type` inconnu", body = ErrorBody),
    )
)]
pub(crate) async fn list_documents(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    query: web::Query<DocumentsQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    let only = match query.document_type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(raw) => Some(
            seeg_domain::applications::DocumentType::parse_allowed(raw)
                .map_err(|problem| ApiError::invalid("query.document_type", problem.to_string()))?,
        ),
        None => None,
    };
    let documents = state.reads.documents(&caller.0, id, only).await?;
    let body = DocumentList {
        success: true,
        message: format!("{} document(s) trouvé(s)", documents.len()),
        total: documents.len() as u64,
        data: documents.iter().map(DocumentBody::from).collect(),
    };
    Ok(HttpResponse::Ok().json(body))
}

/// Legacy `DocumentWithData`: the document and its bytes in base64.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentWithData {
    #[serde(flatten)]
    pub document: DocumentBody,
    /// The PDF, base64 (standard alphabet, padded).
    pub file_data: String,
}

/// One document with its bytes in base64 (legacy R28); prefer `…/download`, which streams them.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/documents/{document_id}",
    operation_id = "get_application_document",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses((status = 200, body = inline(AppEnvelope<DocumentWithData>)), (status = 404, body = ErrorBody))
)]
pub(crate) async fn get_document(
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (application_id, document_id) = path.into_inner();
    let application_id = parse_uuid("application_id", &application_id)?;
    let document_id = parse_uuid("document_id", &document_id)?;
    let document = state.reads.document(&caller.0, application_id, document_id).await?;
    let bytes = state.reads.bytes(&document).await.map_err(|e| ApiError::Unexpected(anyhow::Error::new(e)))?;
    let file_data = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(HttpResponse::Ok().json(AppEnvelope {
        success: true,
        message: "Document récupéré avec succès".to_owned(),
        data: DocumentWithData { document: DocumentBody::from(&document), file_data },
    }))
}

/// Streams a document's bytes: `application/pdf`, `Content-Disposition`, `Content-Length`, `ETag` (the sha256),
/// `If-None-Match` (304) and single byte ranges (206, `Content-Range`; an unsatisfiable one is 416).
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/documents/{document_id}/download",
    operation_id = "download_application_document",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path), ("document_id" = Uuid, Path)),
    responses(
        (status = 200, content_type = "application/pdf", description = "Le PDF"),
        (status = 206, content_type = "application/pdf", description = "Une plage d'octets"),
        (status = 304, description = "Inchangé (If-None-Match)"),
        (status = 404, body = ErrorBody),
        (status = 416, description = "Plage impossible"),
    )
)]
pub(crate) async fn download_document(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (application_id, document_id) = path.into_inner();
    let application_id = parse_uuid("application_id", &application_id)?;
    let document_id = parse_uuid("document_id", &document_id)?;
    let document = state.reads.document(&caller.0, application_id, document_id).await?;
    let etag = format!("\"{}\"", document.sha256);
    if req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(&etag)) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let disposition = attachment(&document.file_name);
    let size = document.file_size;
    let range = match req.headers().get(header::RANGE).and_then(|v| v.to_str().ok()) {
        None => None,
        Some(raw) => match byte_range(raw, size) {
            Some(range) => Some(range),
            None => {
                return Ok(HttpResponse::RangeNotSatisfiable()
                    .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                    .finish());
            }
        },
    };
    let stream = state.reads.open(&document, range.clone()).await.map_err(|e| match e {
        DocumentStoreError::NotFound => ApiError::Unexpected(anyhow::anyhow!("objet du document introuvable")),
        other => ApiError::Unexpected(anyhow::Error::new(other)),
    })?;
    let stream = futures_util::TryStreamExt::map_err(stream, actix_web::error::ErrorInternalServerError);
    let mut response = match &range {
        Some(r) => {
            let mut partial = HttpResponse::PartialContent();
            partial.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{size}", r.start, r.end - 1)));
            partial
        }
        None => HttpResponse::Ok(),
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    Ok(response
        .content_type("application/pdf")
        .insert_header(disposition)
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(length)
        .streaming(stream))
}

/// `Content-Disposition: attachment` for a stored file name (RFC 6266): the name whole in `filename*` (UTF-8,
/// percent-encoded), and a plain ASCII `filename` fallback. Names stored before upload names were checked may
/// hold control characters: they become `_` (a header value cannot carry them), as do quotes and separators.
pub(super) fn attachment(stored: &str) -> header::ContentDisposition {
    let mut name: String =
        stored.trim().chars().map(|c| if c.is_control() || matches!(c, '/' | '\\') { '_' } else { c }).collect();
    if !name.to_lowercase().ends_with(".pdf") {
        name.push_str(".pdf");
    }
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' || c == ' ' { c } else { '_' }).collect();
    header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![
            header::DispositionParam::Filename(ascii),
            header::DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: name.into_bytes(),
            }),
        ],
    }
}

/// One `bytes=a-b`, `bytes=a-` or `bytes=-n` range within `size`, end exclusive; `None` if unsatisfiable.
fn byte_range(raw: &str, size: u64) -> Option<std::ops::Range<u64>> {
    let spec = raw.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = match (start.trim(), end.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (size.checked_sub(n.min(size))?, size)
        }
        (start, "") => (start.parse().ok()?, size),
        (start, end) => (start.parse().ok()?, end.parse::<u64>().ok()?.saturating_add(1).min(size)),
    };
    (start < end && start < size).then_some(start..end)
}

/// One document as base64 JSON, with room for the encoding.
pub const DOCUMENT_BODY_LIMIT: usize = 15 * 1024 * 1024;

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
    state.editing.delete_document(&caller.0, id, document_id, &audit_context()).await?;
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
        (status = 400, description = "Formulaire multipart illisible (`malformed_form`)", body = ErrorBody),
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
    crate::slow_bodies::allow_upload(&req);
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
    let context = audit_context();
    let added = state.editing.add_document(&caller.0, id, incoming, pending, &context).await?;
    let message =
        if added.replaced.is_some() { "Document remplacé avec succès" } else { "Document ajouté avec succès" };
    Ok(HttpResponse::Created().json(AddedDocumentBody {
        success: true,
        message: message.to_owned(),
        data: DocumentBody::from(&added.document),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_ranges_follow_rfc_9110() {
        assert_eq!(byte_range("bytes=0-4", 10), Some(0..5));
        assert_eq!(byte_range("bytes=5-", 10), Some(5..10));
        assert_eq!(byte_range("bytes=-3", 10), Some(7..10));
        assert_eq!(byte_range("bytes=8-100", 10), Some(8..10));
        for bad in ["bytes=10-", "bytes=5-2", "items=0-1", "bytes=0-1,3-4", "bytes=x-1"] {
            assert_eq!(byte_range(bad, 10), None, "{bad}");
        }
    }
}
