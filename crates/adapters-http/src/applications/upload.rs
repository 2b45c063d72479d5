//! Documents as they arrive: base64 in a JSON body, or file parts of a `multipart/form-data` body streamed into
//! the use case's `DocumentIntake`, within the parts, sizes, memory budget and deadline of S11.

use base64::Engine as _;
use futures_util::StreamExt as _;
use seeg_application::applications::{DocumentIntake, IncomingDocument, SubmissionError};

use super::dto::DocumentUpload;
use crate::body::NulInJson;
use crate::budget::{BodyAllowance, BodyBudget};
use crate::error::ApiError;

/// Streams one file part into `intake`, its bytes charged to `budget` as they arrive and held until the document
/// has been inspected (its stream is dropped then): a refusal for want of room is a 503, a body that stops
/// sending a 408.
pub(super) async fn receive_file(
    budget: &BodyBudget,
    intake: &mut DocumentIntake,
    document_type: &str,
    file_name: &str,
    part: Box<actix_multipart::Field>,
) -> Result<(), ApiError> {
    let allowance = BodyAllowance::default();
    // Twice its bytes: the copy kept for the inspection, and what the store's writer buffers.
    let part = part.map(|chunk| chunk.map_err(|error| MalformedPart(french_multipart(&error))));
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

/// Why a multipart body could not be read, in French (actix's wording is English, F1).
fn french_multipart(error: &actix_multipart::MultipartError) -> &'static str {
    use actix_multipart::MultipartError as E;
    match error {
        E::ContentTypeMissing => "en-tête Content-Type absent",
        E::ContentTypeParse => "en-tête Content-Type illisible",
        E::ContentTypeIncompatible => "le corps doit être un formulaire multipart/form-data",
        E::BoundaryMissing => "délimiteur (boundary) absent de l'en-tête Content-Type",
        E::ContentDispositionMissing | E::ContentDispositionNameMissing => {
            "partie sans en-tête Content-Disposition qui nomme son champ"
        }
        E::Nested => "formulaire imbriqué non pris en charge",
        E::Incomplete => "formulaire incomplet : une partie est interrompue",
        E::Parse(_) => "partie mal formée",
        E::Payload(_) => "le corps de la requête n'a pas pu être lu",
        E::DuplicateField(_) => "champ en double",
        E::MissingField(_) => "champ obligatoire absent",
        E::UnknownField(_) => "champ inconnu",
        _ => "partie illisible",
    }
}

/// A file part's stream error, said in French (see `french_multipart`).
#[derive(Debug)]
struct MalformedPart(&'static str);

impl std::fmt::Display for MalformedPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
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
        let part = part.map_err(|e| SubmissionError::MalformedUpload(french_multipart(&e).to_owned()))?;
        let name = part.name().unwrap_or_default().to_owned();
        if let Some(file_name) = part.content_disposition().and_then(|d| d.get_filename()).map(str::to_owned) {
            return Ok(Some(FormPart::File(name, file_name, Box::new(part))));
        }
        let text = form_text(part).await?;
        if text.contains('\0') {
            // As in JSON bodies (`body::NulInJson`): no field accepts it, and PostgreSQL could not store it.
            return Err(ApiError::invalid(format!("body.{name}"), NulInJson.to_string()));
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
        let chunk = chunk.map_err(|e| SubmissionError::MalformedUpload(french_multipart(&e).to_owned()))?;
        if text.len() + chunk.len() > MAX_FORM_TEXT {
            return Err(ApiError::PayloadTooLarge { max_bytes: MAX_FORM_TEXT });
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).map_err(|_| SubmissionError::MalformedUpload("texte UTF-8 attendu".to_owned()).into())
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
