//! Applications (legacy §1.7): submission (`submit`, with the documents as they arrive: `upload`), the reads
//! (`read`, in the legacy shapes of `dto` and `views`), the pipeline and deletion (`edit`), the documents
//! (`documents`), and the drafts saved before submitting (`drafts`). Here: the route table and the code of a
//! refused document; who may read what is the application ring's `ApplicationReads`.

pub(crate) mod documents;
pub(crate) mod drafts;
pub(crate) mod dto;
pub(crate) mod edit;
pub(crate) mod read;
pub(crate) mod submit;
mod upload;
mod views;

use actix_web::http::header;
use actix_web::web;
use seeg_domain::applications::DocumentProblem;

pub(crate) use dto::{ApplicationBody, DocumentBody, HistoryBody};

use crate::body::json_config;
use crate::error::ErrorCode;
use crate::routing::route;

/// Every application route, the drafts' included, and the applications of one offer (`/jobs/{job_id}/…`).
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/applications")
            .app_data(json_config(submit::SUBMISSION_BODY_LIMIT))
            .route(web::post().guard(actix_web::guard::fn_guard(is_multipart)).to(submit::submit_multipart))
            .route(web::post().to(submit::submit))
            .route(web::get().to(read::list_applications)),
    )
    .service(
        route("/api/v1/applications/{application_id}")
            .route(web::get().to(read::get_application))
            .route(web::put().to(edit::update_application))
            .route(web::delete().to(edit::delete_application)),
    )
    .service(route("/api/v1/applications/{application_id}/export/pdf").route(web::get().to(read::export_pdf)))
    .service(route("/api/v1/applications/{application_id}/complete").route(web::get().to(read::get_complete)))
    .service(
        route("/api/v1/applications/{application_id}/history")
            .route(web::get().to(read::get_history))
            .route(web::post().to(edit::add_history_note)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents")
            .app_data(json_config(documents::DOCUMENT_BODY_LIMIT))
            .route(web::get().to(documents::list_documents))
            .route(web::post().guard(actix_web::guard::fn_guard(is_multipart)).to(documents::add_document_multipart))
            .route(web::post().to(documents::add_document)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents/{document_id}")
            .route(web::get().to(documents::get_document))
            .route(web::delete().to(documents::delete_document)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents/{document_id}/download")
            .route(web::get().to(documents::download_document)),
    )
    .service(route("/api/v1/jobs/{job_id}/applications").route(web::get().to(read::job_applications)));
    drafts::configure(cfg);
}

/// Whether the request carries a `multipart/form-data` body.
fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The code of a document refused by the S11 checks.
const fn document_problem_code(problem: &DocumentProblem) -> ErrorCode {
    match problem {
        DocumentProblem::NotPdf | DocumentProblem::NotPdfName => ErrorCode::DocumentNotPdf,
        DocumentProblem::NameInvalid => ErrorCode::DocumentNameInvalid,
        DocumentProblem::ActiveContent(_) => ErrorCode::DocumentActiveContent,
        DocumentProblem::TooLarge { .. } | DocumentProblem::TooLargeTogether { .. } => ErrorCode::DocumentTooLarge,
        DocumentProblem::TooMany { .. } => ErrorCode::TooManyDocuments,
        DocumentProblem::MissingRequired(_) => ErrorCode::MissingRequiredDocuments,
        DocumentProblem::DuplicateRequired(_) => ErrorCode::DuplicateRequiredDocument,
        DocumentProblem::TypeNotAllowed(_) => ErrorCode::DocumentTypeNotAllowed,
    }
}
