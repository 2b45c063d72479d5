//! Applications (legacy §1.7): submission with base64 documents (R19–R25 with I1, I3, I4, S3, S11), and the
//! reads a candidate and the staff need: the list, one application, its documents and their bytes.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use futures_util::StreamExt as _;
use seeg_application::Page;
use seeg_application::applications::{
    ApplicationDocument, ApplicationFilter, ApplicationView, DocumentIntake, IncomingDocument, SubmissionError,
    SubmitCommand,
};
use seeg_application::documents::DocumentStoreError;
use seeg_domain::applications::{
    Application, ApplicationStatus, DocumentProblem, MtpAnswers, MtpAnswersError, ReferenceInput,
};
use seeg_domain::identity::User;
use seeg_domain::offers::MtpFamily;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::application_edits;
use crate::application_views::{self, ApplicationAdminView};
use crate::body::{Deferred, refuse_declared_length};
use crate::budget::{BodyAllowance, BodyBudget};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::identity::Caller;
use crate::offers::{TOTAL_COUNT_HEADER, parse_limit, parse_number, parse_uuid};
use crate::routing::route;
use crate::state::ApiState;

/// The largest submission body: 40 MiB of documents, base64 (4/3), and the rest of the form.
pub const SUBMISSION_BODY_LIMIT: usize = 56 * 1024 * 1024;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let submission_json = web::JsonConfig::default().limit(SUBMISSION_BODY_LIMIT).error_handler(crate::json_error);
    cfg.service(
        route("/api/v1/applications")
            .app_data(submission_json)
            .route(web::post().guard(actix_web::guard::fn_guard(is_multipart)).to(submit_multipart))
            .route(web::post().to(submit))
            .route(web::get().to(list_applications)),
    )
    .service(
        route("/api/v1/applications/{application_id}")
            .route(web::get().to(get_application))
            .route(web::put().to(update_application))
            .route(web::delete().to(application_edits::delete_application)),
    )
    .service(route("/api/v1/applications/{application_id}/export/pdf").route(web::get().to(export_pdf)))
    .service(
        route("/api/v1/applications/{application_id}/complete").route(web::get().to(application_views::get_complete)),
    )
    .service(
        route("/api/v1/applications/{application_id}/history")
            .route(web::get().to(get_history))
            .route(web::post().to(add_history_note)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents")
            .app_data(crate::json_config(application_edits::DOCUMENT_BODY_LIMIT))
            .route(web::get().to(list_documents))
            .route(
                web::post()
                    .guard(actix_web::guard::fn_guard(is_multipart))
                    .to(application_edits::add_document_multipart),
            )
            .route(web::post().to(application_edits::add_document)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents/{document_id}")
            .route(web::get().to(get_document))
            .route(web::delete().to(application_edits::delete_document)),
    )
    .service(
        route("/api/v1/applications/{application_id}/documents/{document_id}/download")
            .route(web::get().to(download_document)),
    );
}

/// Whether the request carries a `multipart/form-data` body.
fn is_multipart(ctx: &actix_web::guard::GuardContext<'_>) -> bool {
    ctx.head()
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// The legacy `AppEnvelope<T>`: `{success, message, data}` (no `errors` key).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppEnvelope<T> {
    pub success: bool,
    pub message: String,
    pub data: T,
}

/// Legacy `Application`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationBody {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    /// `candidature`, `incubation`, `entretien_programme`, `simulation_programmee`, `embauche`, `refuse`, `retiree`.
    pub status: String,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<DateTime<Utc>>,
    pub has_been_manager: bool,
    pub ref_entreprise: Option<String>,
    pub ref_fullname: Option<String>,
    pub ref_mail: Option<String>,
    pub ref_contact: Option<String>,
    /// `{reponses_metier: [..], reponses_talent: [..], reponses_paradigme: [..]}`.
    #[schema(value_type = Object)]
    pub mtp_answers: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationBody {
    fn from(a: &Application) -> Self {
        let mut answers = serde_json::Map::new();
        for family in MtpFamily::ALL {
            answers
                .insert(MtpAnswers::answers_key(family).to_owned(), serde_json::json!(a.mtp_answers.answers(family)));
        }
        Self {
            id: a.id,
            candidate_id: a.candidate_id,
            job_offer_id: a.job_offer_id,
            status: a.status.as_str().to_owned(),
            reference_contacts: a.reference_contacts.clone(),
            availability_start: a.availability_start,
            has_been_manager: a.has_been_manager,
            ref_entreprise: a.reference.entreprise.clone(),
            ref_fullname: a.reference.fullname.clone(),
            ref_mail: a.reference.mail.clone(),
            ref_contact: a.reference.contact.clone(),
            mtp_answers: Value::Object(answers),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Legacy `Document` (no bytes), with the sha256 that is also the download's `ETag`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentBody {
    pub id: Uuid,
    pub application_id: Uuid,
    pub document_type: String,
    pub file_name: String,
    pub file_size: u64,
    pub file_type: String,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<&ApplicationDocument> for DocumentBody {
    fn from(d: &ApplicationDocument) -> Self {
        Self {
            id: d.id,
            application_id: d.application_id,
            document_type: d.document_type.as_str().to_owned(),
            file_name: d.file_name.clone(),
            file_size: d.file_size,
            file_type: d.file_type.clone(),
            sha256: d.sha256.clone(),
            uploaded_at: d.uploaded_at,
        }
    }
}

/// One document of a submission: base64 bytes (no `data:` prefix).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DocumentUpload {
    pub document_type: Option<String>,
    pub file_name: Option<String>,
    pub file_data: Option<String>,
}

/// Legacy `ApplicationCreate`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SubmissionRequest {
    /// Must be the caller's own id when given.
    pub candidate_id: Option<String>,
    pub job_offer_id: Option<String>,
    /// Only the initial status (`pending` or `candidature`) is accepted: the pipeline moves it (I5).
    pub status: Option<String>,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<String>,
    pub has_been_manager: Option<bool>,
    pub ref_entreprise: Option<String>,
    pub ref_fullname: Option<String>,
    pub ref_mail: Option<String>,
    pub ref_contact: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub mtp_answers: Option<Value>,
    pub documents: Option<Vec<DocumentUpload>>,
}

/// The code of a document refused by the S11 checks.
pub(crate) const fn document_problem_code(problem: &DocumentProblem) -> ErrorCode {
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

impl From<SubmissionError> for ApiError {
    fn from(error: SubmissionError) -> Self {
        let detail = error.to_string();
        match error {
            SubmissionError::NotACandidate | SubmissionError::ForeignCandidate => Self::forbidden(detail),
            SubmissionError::OfferNotFound => Self::NotFound,
            SubmissionError::OfferClosed => Self::refused(ErrorCode::OfferClosed, detail),
            SubmissionError::Duplicate => Self::refused(ErrorCode::ApplicationExists, detail),
            SubmissionError::Answers(MtpAnswersError::CountMismatch(_)) => {
                Self::refused(ErrorCode::MtpAnswersMismatch, detail)
            }
            SubmissionError::Answers(_) => Self::invalid("body.mtp_answers", detail),
            SubmissionError::Reference(e) => Self::invalid(format!("body.{}", e.field()), detail),
            SubmissionError::Documents(problem) | SubmissionError::Document { problem, .. } => {
                Self::refused(document_problem_code(&problem), detail)
            }
            SubmissionError::ExtraFile { .. } => Self::invalid("body", detail),
            SubmissionError::MalformedUpload(_) => Self::refused(ErrorCode::MalformedForm, detail),
            SubmissionError::Quota(exceeded) => exceeded.into(),
            SubmissionError::InspectorBusy => Self::Busy,
            SubmissionError::Storage(e) => Self::Unexpected(anyhow::Error::new(e)),
            SubmissionError::Store(e) => e.into(),
        }
    }
}

/// Submits an application for the caller (a candidate): the offer must be visible to it, active and open; the
/// documents real PDFs without active content (S11); the MTP answers one per question (K3); the references per
/// kind of candidate (R19). All of it commits at once, or nothing does. 201 with the legacy message.
#[utoipa::path(
    post,
    path = "/api/v1/applications/",
    operation_id = "submit_application",
    tag = "Candidatures",
    security(("bearer" = [])),
    request_body(
        description = "JSON (documents en base64) ou multipart/form-data (documents en flux, B1)",
        content((SubmissionRequest = "application/json"), (SubmissionForm = "multipart/form-data"))
    ),
    params(("Idempotency-Key" = Option<String>, Header, description = "Rejoue la première réponse (I4)")),
    responses(
        (status = 201, body = inline(AppEnvelope<ApplicationBody>)),
        (status = 400, description = "Candidature existante, offre fermée, réponses MTP", body = ErrorBody),
        (status = 403, description = "Réservé aux candidats, en leur propre nom", body = ErrorBody),
        (status = 404, description = "Offre inconnue ou non visible", body = ErrorBody),
        (status = 413, description = "Corps trop volumineux", body = ErrorBody),
        (status = 429, description = "Quota de documents en attente dépassé (`upload_quota_exceeded`, `Retry-After`)", body = ErrorBody),
        (status = 408, description = "Corps arrivé trop lentement (`body_timeout`)", body = ErrorBody),
        (status = 415, description = "Corps compressé (`unsupported_content_encoding`)", body = ErrorBody),
        (status = 503, description = "Trop de documents reçus à la fois (`server_busy`, `Retry-After`)", body = ErrorBody),
        (status = 422, description = "Champ ou document invalide (codes S11)", body = ErrorBody),
    )
)]
pub(crate) async fn submit(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<SubmissionRequest>,
) -> Result<HttpResponse, ApiError> {
    // Refused before the body is read: staff get 403 whatever they send.
    state.submissions.admit(&caller.0)?;
    let (body, _allowance) = body.read_within(&state.body_budget).await?;
    let command = parse_submission(body, Documents::Base64(state.submissions.limits()))?;
    submitted(&state, &caller.0, command).await
}

/// The same submission as `multipart/form-data` (B1): the `ApplicationCreate` fields as text parts
/// (`mtp_answers` as JSON text, `has_been_manager` as `true`/`false`), and one file part per document whose part
/// name is its type (`cv`, `cover_letter`, `diplome`, `certificats`, `lettre_recommandation`, `portfolio`,
/// `autres`) and whose file name is the document's. Documents stream to storage as they arrive, checked on the
/// way; the answer is the JSON route's, for the same content. `job_offer_id` (and `candidate_id`, if sent) come
/// before the first file part: the caller, offer, deadline and duplicate are checked before a byte is stored.
pub(crate) async fn submit_multipart(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    form: actix_multipart::Multipart,
) -> Result<HttpResponse, ApiError> {
    // Refused before a byte is read.
    state.submissions.admit(&caller.0)?;
    refuse_declared_length(&req, SUBMISSION_BODY_LIMIT)?;
    let mut intake = state.submissions.intake(&caller.0);
    let read = within_deadline(&state.body_budget, read_submission_form(&state, &caller.0, form, &mut intake));
    let mut command = match read.await {
        Ok(command) => command,
        Err(error) => {
            // Refused before the use case saw the documents: their reservation counts what was stored.
            intake.abandon().await;
            return Err(error);
        }
    };
    command.pending_upload = intake.into_pending();
    submitted(&state, &caller.0, command).await
}

/// The submission a multipart form carries, its files streamed into `intake` once the offer, caller, deadline and
/// duplicate are checked.
async fn read_submission_form(
    state: &ApiState,
    caller: &User,
    form: actix_multipart::Multipart,
    intake: &mut DocumentIntake,
) -> Result<SubmitCommand, ApiError> {
    let mut fields = SubmissionRequest::default();
    let mut errors = Vec::new();
    let mut form = FormReader::new(form);
    let mut checked = false;
    while let Some(part) = form.next().await? {
        match part {
            // The ids were checked before the first file: one sent again afterwards could name another offer or
            // candidate once the bytes are stored.
            FormPart::Text(name, _) if checked && matches!(name.as_str(), "job_offer_id" | "candidate_id") => {
                return Err(ApiError::invalid(
                    format!("body.{name}"),
                    "à envoyer une seule fois, avant le premier fichier".to_owned(),
                ));
            }
            FormPart::Text(name, text) => fields.set(&name, text, &mut errors),
            FormPart::File(document_type, file_name, part) => {
                if !checked {
                    // A form already invalid is refused before its files are stored, not after.
                    if !errors.is_empty() {
                        return Err(ApiError::Validation(errors));
                    }
                    // Offer, caller, duplicate and deadline before the first byte is stored.
                    let (job_offer_id, candidate_id) = fields.ids_before_files()?;
                    state.submissions.precheck(caller, job_offer_id, candidate_id).await?;
                    checked = true;
                }
                receive_file(&state.body_budget, intake, &document_type, &file_name, part).await?;
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    parse_submission(fields, Documents::Received(intake.take_documents()))
}

/// Streams one file part into `intake`, its bytes charged to `budget` as they arrive and held until the document
/// has been inspected (its stream is dropped then): a refusal for want of room is a 503, a body that stops
/// sending a 408.
async fn receive_file(
    budget: &BodyBudget,
    intake: &mut DocumentIntake,
    document_type: &str,
    file_name: &str,
    part: Box<actix_multipart::Field>,
) -> Result<(), ApiError> {
    let allowance = BodyAllowance::default();
    // Twice its bytes: the copy kept for the inspection, and what the store's writer buffers.
    let received = intake.receive(document_type, file_name, budget.charge(part, 2, allowance.clone())).await;
    received.map_err(|error| allowance.refusal().unwrap_or_else(|| error.into()))
}

/// `reading` (a multipart form), unless its body takes longer than the budget's deadline to arrive (408).
pub(crate) async fn within_deadline<T>(
    budget: &BodyBudget,
    reading: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    tokio::time::timeout(budget.deadline(), reading).await.unwrap_or(Err(ApiError::BodyTimeout))
}

/// The most parts a form may have: every field of a submission and its ten documents fit with room to spare.
const MAX_FORM_PARTS: usize = 40;

/// One part of a multipart form: a text field, whole, or a file (its part name, its file name, its bytes to
/// stream).
pub(crate) enum FormPart {
    Text(String, String),
    File(String, String, Box<actix_multipart::Field>),
}

/// Reads a multipart form part by part, in order, within `MAX_FORM_PARTS` parts and `MAX_FORM_TEXT` bytes per
/// text part (S11: limited before decoding).
pub(crate) struct FormReader {
    form: actix_multipart::Multipart,
    parts: usize,
}

impl FormReader {
    pub(crate) const fn new(form: actix_multipart::Multipart) -> Self {
        Self { form, parts: 0 }
    }

    pub(crate) async fn next(&mut self) -> Result<Option<FormPart>, ApiError> {
        let Some(part) = self.form.next().await else { return Ok(None) };
        self.parts += 1;
        if self.parts > MAX_FORM_PARTS {
            return Err(ApiError::TooManyParts { max: MAX_FORM_PARTS });
        }
        let part = part.map_err(|e| SubmissionError::MalformedUpload(e.to_string()))?;
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(file_name) = part.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned) {
            return Ok(Some(FormPart::File(name, file_name, Box::new(part))));
        }
        let text = form_text(part).await?;
        if text.contains('\0') {
            // As in JSON bodies (`body::NulInJson`): no field accepts it, and PostgreSQL could not store it.
            return Err(ApiError::invalid(format!("body.{name}"), crate::body::NulInJson.to_string()));
        }
        Ok(Some(FormPart::Text(name, text)))
    }
}

/// Reads a multipart form in order: each file part streams into `intake` (its part name is the document type),
/// each text part is handed whole to `text`.
pub(crate) async fn read_form(
    form: actix_multipart::Multipart,
    budget: &BodyBudget,
    intake: &mut DocumentIntake,
    mut text: impl FnMut(&str, String),
) -> Result<(), ApiError> {
    let mut form = FormReader::new(form);
    while let Some(part) = form.next().await? {
        match part {
            FormPart::Text(name, value) => text(&name, value),
            FormPart::File(document_type, file_name, part) => {
                receive_file(budget, intake, &document_type, &file_name, part).await?;
            }
        }
    }
    Ok(())
}

/// The largest text part of a multipart form.
const MAX_FORM_TEXT: usize = 64 * 1024;

/// A text part, whole, up to `MAX_FORM_TEXT` bytes of UTF-8.
async fn form_text(mut part: actix_multipart::Field) -> Result<String, ApiError> {
    let mut text = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk = chunk.map_err(|e| SubmissionError::MalformedUpload(e.to_string()))?;
        if text.len() + chunk.len() > MAX_FORM_TEXT {
            return Err(ApiError::PayloadTooLarge { max_bytes: MAX_FORM_TEXT });
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).map_err(|_| SubmissionError::MalformedUpload("texte UTF-8 attendu".to_owned()).into())
}

impl SubmissionRequest {
    /// The offer and the candidate named by the text parts read so far: a streamed submission names its offer
    /// before its first file, so that it is checked before anything is stored.
    fn ids_before_files(&self) -> Result<(Uuid, Option<Uuid>), ApiError> {
        let Some(offer) = self.job_offer_id.as_deref() else {
            return Err(ApiError::invalid("body.job_offer_id", "requis, avant la première partie fichier"));
        };
        let uuid = |field: &str, raw: &str| {
            crate::params::uuid_field(&format!("body.{field}"), raw).map_err(|error| ApiError::Validation(vec![error]))
        };
        let job_offer_id = uuid("job_offer_id", offer)?;
        let candidate_id = match self.candidate_id.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(candidate) => Some(uuid("candidate_id", candidate)?),
            None => None,
        };
        Ok((job_offer_id, candidate_id))
    }

    /// Sets the field a multipart text part names; unknown names are ignored (as JSON ignores unknown keys).
    fn set(&mut self, name: &str, text: String, errors: &mut Vec<FieldError>) {
        let mut invalid = |message: &str| {
            errors.push(FieldError { field: format!("body.{name}"), message: message.to_owned() });
        };
        match name {
            "candidate_id" => self.candidate_id = Some(text),
            "job_offer_id" => self.job_offer_id = Some(text),
            "status" => self.status = Some(text),
            "reference_contacts" => self.reference_contacts = Some(text),
            "availability_start" => self.availability_start = Some(text),
            "has_been_manager" => match text.trim() {
                "true" | "1" => self.has_been_manager = Some(true),
                "false" | "0" => self.has_been_manager = Some(false),
                "" => self.has_been_manager = None,
                _ => invalid("booléen attendu (true ou false)"),
            },
            "ref_entreprise" => self.ref_entreprise = Some(text),
            "ref_fullname" => self.ref_fullname = Some(text),
            "ref_mail" => self.ref_mail = Some(text),
            "ref_contact" => self.ref_contact = Some(text),
            "mtp_answers" => match serde_json::from_str(&text) {
                Ok(value) => self.mtp_answers = Some(value),
                Err(_) => invalid("objet JSON attendu"),
            },
            _ => {}
        }
    }
}

/// `multipart/form-data` submission (B1): the `ApplicationCreate` fields as text parts, and one file part per
/// document named by its type (optional types may repeat); the part's file name is the document's.
#[allow(dead_code)] // describes the form in OpenAPI; the handler reads the parts as they stream
#[derive(ToSchema)]
pub struct SubmissionForm {
    job_offer_id: Uuid,
    candidate_id: Option<Uuid>,
    status: Option<String>,
    reference_contacts: Option<String>,
    availability_start: Option<String>,
    /// `true` or `false`.
    has_been_manager: Option<bool>,
    ref_entreprise: Option<String>,
    ref_fullname: Option<String>,
    ref_mail: Option<String>,
    ref_contact: Option<String>,
    /// The JSON object of the JSON body, as text.
    mtp_answers: Option<String>,
    #[schema(value_type = String, format = Binary)]
    cv: Vec<u8>,
    #[schema(value_type = String, format = Binary)]
    cover_letter: Vec<u8>,
    #[schema(value_type = String, format = Binary)]
    diplome: Vec<u8>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    certificats: Option<Vec<u8>>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    lettre_recommandation: Option<Vec<u8>>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    portfolio: Option<Vec<u8>>,
    #[schema(value_type = Option<Vec<String>>, format = Binary)]
    autres: Option<Vec<u8>>,
}

/// Where a submission's documents come from.
enum Documents<'a> {
    /// In the JSON body, base64, decoded within these limits.
    Base64(&'a seeg_domain::applications::DocumentLimits),
    /// Already received from a multipart body.
    Received(Vec<IncomingDocument>),
}

async fn submitted(state: &ApiState, caller: &User, command: SubmitCommand) -> Result<HttpResponse, ApiError> {
    let submitted = state.submissions.submit(caller, command).await?;
    let count = submitted.documents.len();
    let body = AppEnvelope {
        success: true,
        message: format!("Candidature créée avec succès ({count} document(s) uploadé(s))"),
        data: ApplicationBody::from(&submitted.application),
    };
    Ok(HttpResponse::Created().json(body))
}

fn parse_submission(body: SubmissionRequest, documents: Documents<'_>) -> Result<SubmitCommand, ApiError> {
    let mut errors = Vec::new();
    let mut field = |name: &str, message: &str| {
        errors.push(FieldError { field: format!("body.{name}"), message: message.to_owned() });
    };
    let job_offer_id = match body.job_offer_id.as_deref().map(str::trim) {
        None | Some("") => {
            field("job_offer_id", "champ obligatoire");
            Uuid::nil()
        }
        Some(raw) => raw.parse().unwrap_or_else(|_| {
            field("job_offer_id", crate::params::NOT_A_UUID);
            Uuid::nil()
        }),
    };
    let candidate_id = body.candidate_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).and_then(|raw| {
        raw.parse().map_or_else(
            |_| {
                field("candidate_id", crate::params::NOT_A_UUID);
                None
            },
            Some,
        )
    });
    if let Some(status) = body.status.as_deref()
        && ApplicationStatus::parse_input(status) != Ok(ApplicationStatus::Candidature)
    {
        field("status", "une candidature commence au statut « candidature » (ou « pending »)");
    }
    let availability_start =
        body.availability_start.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|raw| {
            DateTime::parse_from_rfc3339(raw)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                        .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
                })
                .map_err(|_| field("availability_start", "date attendue (AAAA-MM-JJ ou RFC 3339)"))
                .ok()
        });
    let (metier, talent, paradigme) = match &body.mtp_answers {
        None | Some(Value::Null) => (Vec::new(), Vec::new(), Vec::new()),
        Some(Value::Object(answers)) => {
            let mut family = |f: MtpFamily| -> Vec<String> {
                let key = MtpAnswers::answers_key(f);
                match answers.get(key) {
                    None | Some(Value::Null) => Vec::new(),
                    Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
                        items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                    }
                    Some(_) => {
                        field(&format!("mtp_answers.{key}"), "liste de chaînes attendue");
                        Vec::new()
                    }
                }
            };
            (family(MtpFamily::Metier), family(MtpFamily::Talent), family(MtpFamily::Paradigme))
        }
        Some(_) => {
            field("mtp_answers", "objet attendu");
            (Vec::new(), Vec::new(), Vec::new())
        }
    };
    let documents = match (documents, body.documents) {
        (Documents::Received(received), _) => received,
        (Documents::Base64(_), None) => {
            field("documents", "champ obligatoire");
            Vec::new()
        }
        (Documents::Base64(limits), Some(list)) => {
            let mut documents = Vec::with_capacity(list.len());
            for (index, upload) in list.into_iter().enumerate() {
                match decode_document(upload, limits) {
                    Ok(document) => documents.push(document),
                    Err((name, message)) => field(&format!("documents[{index}].{name}"), &message),
                }
            }
            documents
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(SubmitCommand {
        job_offer_id,
        candidate_id,
        reference_contacts: body.reference_contacts,
        availability_start,
        has_been_manager: body.has_been_manager,
        reference: ReferenceInput {
            entreprise: body.ref_entreprise,
            fullname: body.ref_fullname,
            mail: body.ref_mail,
            contact: body.ref_contact,
        },
        answers_metier: metier,
        answers_talent: talent,
        answers_paradigme: paradigme,
        documents,
        pending_upload: None,
    })
}

/// Decodes one document's base64, refusing an oversized one from its encoded length, before decoding it.
pub(crate) fn decode_document(
    upload: DocumentUpload,
    limits: &seeg_domain::applications::DocumentLimits,
) -> Result<IncomingDocument, (&'static str, String)> {
    let document_type = upload.document_type.unwrap_or_default();
    let file_name =
        upload.file_name.filter(|n| !n.trim().is_empty()).ok_or(("file_name", "champ obligatoire".into()))?;
    let data = upload.file_data.ok_or(("file_data", "champ obligatoire".to_owned()))?;
    let data = data.trim();
    let decoded_estimate = (data.len() as u64 / 4) * 3;
    if decoded_estimate > limits.max_document_bytes + 3 {
        let too_large = seeg_domain::applications::DocumentProblem::TooLarge { max_bytes: limits.max_document_bytes };
        return Err(("file_data", too_large.to_string()));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| ("file_data", "base64 invalide".to_owned()))?;
    Ok(IncomingDocument::whole(document_type, file_name, bytes.into()))
}

/// Query of `GET /api/v1/applications/`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationsQuery {
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// 1..=1000, default 100.
    #[param(value_type = Option<u64>)]
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
    let skip = parse_number("skip", query.skip.as_deref(), 0, 0, &mut errors);
    // 1..=1000 as the legacy list (422 beyond), 100 by default.
    let limit = parse_limit(query.limit.as_deref(), 100, 1000, &mut errors);
    let status = query.status_filter.as_deref().map(str::trim).filter(|s| !s.is_empty()).and_then(|s| {
        ApplicationStatus::parse_input(s)
            .map_err(|e| errors.push(FieldError { field: "query.status_filter".into(), message: e.to_string() }))
            .ok()
    });
    let mut uuid = |name: &str, raw: Option<&str>| {
        raw.map(str::trim).filter(|s| !s.is_empty()).and_then(|s| {
            crate::params::uuid_field(&format!("query.{name}"), s).map_err(|error| errors.push(error)).ok()
        })
    };
    let job_offer_id = uuid("job_offer_id", query.job_offer_id.as_deref());
    let candidate_id = uuid("candidate_id", query.candidate_id.as_deref());
    let q = crate::offers::text_filter_within("q", query.q.as_ref(), MAX_SEARCH_CHARS, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let filter = ApplicationFilter { candidate_id, job_offer_id, status, q };
    let page = Page { skip, limit };
    let found = state.reads.list(&caller.0, filter, page).await?;
    let body = ApplicationList {
        success: true,
        message: format!("{} candidature(s) trouvée(s)", found.items.len()),
        data: found.items.iter().map(ApplicationBody::from).collect(),
        total: found.total,
        page: skip / limit + 1,
        per_page: limit,
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
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
            body = inline(AppEnvelope<ApplicationAdminView>)
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
fn attachment(stored: &str) -> header::ContentDisposition {
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

impl From<seeg_application::applications::PipelineError> for ApiError {
    fn from(error: seeg_application::applications::PipelineError) -> Self {
        use seeg_application::applications::PipelineError;
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
    let context = crate::middleware::audit_context();
    let application = state.pipeline.change_status(&caller.0, id, status, body.notes, &context).await?;
    Ok(HttpResponse::Ok().json(AppEnvelope {
        success: true,
        message: "Candidature mise à jour avec succès".to_owned(),
        data: ApplicationBody::from(&application),
    }))
}

/// One history row (legacy §2.8).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    pub id: Uuid,
    pub application_id: Uuid,
    pub changed_by: Option<Uuid>,
    pub previous_status: Option<String>,
    pub new_status: String,
    pub notes: Option<String>,
    pub changed_at: DateTime<Utc>,
}

impl From<&seeg_application::applications::StatusChange> for HistoryBody {
    fn from(c: &seeg_application::applications::StatusChange) -> Self {
        Self {
            id: c.id,
            application_id: c.application_id,
            changed_by: c.changed_by,
            previous_status: c.previous_status.map(|s| s.as_str().to_owned()),
            new_status: c.new_status.as_str().to_owned(),
            notes: c.notes.clone(),
            changed_at: c.changed_at,
        }
    }
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
    let context = crate::middleware::audit_context();
    let change = state.pipeline.add_note(&caller.0, id, note, &context).await?;
    Ok(HttpResponse::Created().json(AppEnvelope {
        success: true,
        message: "Note ajoutée à l'historique".to_owned(),
        data: HistoryBody::from(&change),
    }))
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

impl From<seeg_application::applications::DossierExportError> for ApiError {
    fn from(error: seeg_application::applications::DossierExportError) -> Self {
        use seeg_application::applications::DossierExportError;
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
    let _ = query.include_documents;
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
