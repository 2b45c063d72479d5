//! Submitting an application (legacy §1.7, R19–R25 with I1, I3, I4, S3, S11): a JSON body with base64 documents,
//! or a `multipart/form-data` body whose documents stream to storage once the caller, offer, deadline and
//! duplicate are checked.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::applications::{DocumentIntake, IncomingDocument, SubmissionError, SubmitCommand};
use seeg_domain::applications::{ApplicationStatus, MtpAnswers, MtpAnswersError, ReferenceInput};
use seeg_domain::identity::User;
use seeg_domain::offers::MtpFamily;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::document_problem_code;
use super::dto::{ApplicationBody, DocumentUpload};
use super::upload::{FormPart, FormReader, decode_document, receive_file, within_deadline};
use crate::auth::Caller;
use crate::body::{Deferred, refuse_declared_length};
use crate::envelope::AppEnvelope;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::params::{NOT_A_UUID, uuid_field};
use crate::state::ApiState;

/// The largest submission body: 40 MiB of documents, base64 (4/3), and the rest of the form.
pub const SUBMISSION_BODY_LIMIT: usize = 56 * 1024 * 1024;

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
            SubmissionError::AccountInactive => Self::invalid_token(),
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
    crate::slow_bodies::allow_upload(&req);
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

impl SubmissionRequest {
    /// The offer and the candidate named by the text parts read so far: a streamed submission names its offer
    /// before its first file, so that it is checked before anything is stored.
    fn ids_before_files(&self) -> Result<(Uuid, Option<Uuid>), ApiError> {
        let Some(offer) = self.job_offer_id.as_deref() else {
            return Err(ApiError::invalid("body.job_offer_id", "requis, avant la première partie fichier"));
        };
        let uuid = |field: &str, raw: &str| {
            uuid_field(&format!("body.{field}"), raw).map_err(|error| ApiError::Validation(vec![error]))
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
            field("job_offer_id", NOT_A_UUID);
            Uuid::nil()
        }),
    };
    let candidate_id = body.candidate_id.as_deref().map(str::trim).filter(|c| !c.is_empty()).and_then(|raw| {
        raw.parse().map_or_else(
            |_| {
                field("candidate_id", NOT_A_UUID);
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
