//! A JSON body read only when the handler asks for it, so that authentication and the role check answer
//! 401/403 before a byte of the body is read or parsed (S3, S11).
//!
//! actix polls a handler's extractors in order but creates all their futures at once: while the caller's
//! (asynchronous) authentication is pending, a later `web::Json` already reads and rejects the body. Taking the
//! payload here without reading it leaves the order to the handler: `Caller` first, then the permission
//! check, then `read`.
//!
//! Large bodies (a base64 submission reaches 56 MiB) are also charged to the process's `BodyBudget` as they
//! arrive (`read_within`, see `budget`). Every request body is plain (`guard_body`): no content encoding, and
//! no NUL character in JSON. A JSON body over its route's limit is a 413, a malformed one a 422 (`json_config`).

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PayloadError, UrlencodedError};
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use futures_util::StreamExt as _;
use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::budget::{BodyAllowance, BodyBudget, ChargedError};
use crate::error::{ApiError, FieldError};

/// JSON bodies up to `limit` bytes (413 beyond, before decoding; 422 for a malformed one). Routes that take larger
/// bodies register their own with a larger limit.
pub(crate) fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(json_error)
}

/// A JSON body that cannot be read: 413 when over the route's limit (before decoding, S11), 422 otherwise.
fn json_error(error: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    match error {
        JsonPayloadError::Overflow { limit } | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            ApiError::PayloadTooLarge { max_bytes: limit }.into()
        }
        JsonPayloadError::Payload(payload) if crate::slow_bodies::is_slow_body(&payload) => {
            ApiError::BodyTimeout.into()
        }
        JsonPayloadError::Payload(payload) if is_nul_in_json(&payload) => {
            ApiError::invalid("body", NulInJson.to_string()).into()
        }
        other => ApiError::Validation(vec![unreadable_json(&other)]).into(),
    }
}

/// Why a JSON body could not be read, in French (serde's and the framework's wording is English, F1), naming
/// the field when serde says which (`body.email` for a missing `email`).
fn unreadable_json(error: &JsonPayloadError) -> FieldError {
    let (field, message) = match error {
        JsonPayloadError::ContentType => {
            (None, "le corps doit être du JSON, avec l'en-tête Content-Type: application/json".to_owned())
        }
        JsonPayloadError::Deserialize(error) | JsonPayloadError::Serialize(error) => {
            let at = format!("ligne {}, colonne {}", error.line(), error.column());
            match error.classify() {
                Category::Eof => (None, format!("corps JSON incomplet ({at})")),
                Category::Syntax => (None, format!("corps JSON mal formé ({at})")),
                Category::Io => (None, "corps JSON illisible".to_owned()),
                Category::Data => {
                    let english = error.to_string();
                    let english = english.rsplit_once(" at line ").map_or(english.as_str(), |(message, _)| message);
                    let (field, message) = crate::params::serde_message(english);
                    (field, format!("{message} ({at})"))
                }
            }
        }
        JsonPayloadError::Payload(_) => (None, "le corps de la requête n'a pas pu être lu".to_owned()),
        _ => (None, "corps JSON illisible".to_owned()),
    };
    let field = field.map_or_else(|| "body".to_owned(), |name| format!("body.{name}"));
    FieldError { field, message }
}

/// A form body that cannot be read: 413 when over the limit (as a JSON body), otherwise a 422 in French.
pub(crate) fn form_error(error: &UrlencodedError) -> ApiError {
    let message = match error {
        UrlencodedError::Overflow { limit, .. } => return ApiError::PayloadTooLarge { max_bytes: *limit },
        UrlencodedError::ContentType => {
            "le corps doit être un formulaire, avec l'en-tête Content-Type: application/x-www-form-urlencoded"
        }
        UrlencodedError::Parse(_) => "formulaire mal formé",
        UrlencodedError::Encoding => "le formulaire doit être encodé en UTF-8",
        UrlencodedError::Chunked | UrlencodedError::UnknownLength => "longueur du formulaire inconnue",
        _ => "le formulaire n'a pas pu être lu",
    };
    ApiError::invalid("body", message)
}

/// The body of a write route, not yet read.
pub(crate) struct Deferred<T> {
    request: HttpRequest,
    payload: Payload,
    body: PhantomData<fn() -> T>,
}

impl<T> FromRequest for Deferred<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        ready(Ok(Self { request: req.clone(), payload: payload.take(), body: PhantomData }))
    }
}

impl<T: DeserializeOwned + 'static> Deferred<T> {
    /// Reads and decodes the body with the route's `JsonConfig` (its limit: 413 before decoding; 422 when
    /// malformed, see `json_error`).
    pub(crate) async fn read(mut self) -> Result<T, ApiError> {
        web::Json::<T>::from_request(&self.request, &mut self.payload)
            .await
            .map(web::Json::into_inner)
            .map_err(|error| api_error(&error))
    }
}

impl<T: DeserializeOwned + 'static> Deferred<T> {
    /// `read`, for a large body: its bytes are charged to `budget` twice over as they arrive (the buffered text,
    /// then the strings decoded from it), and held until the handler drops the allowance. A body declared longer
    /// than the route's `JsonConfig` limit is still refused before a byte is read (413); one slower than the
    /// budget's deadline is refused (408) and gives back what it held.
    pub(crate) async fn read_within(mut self, budget: &BodyBudget) -> Result<(T, BodyAllowance), ApiError> {
        crate::slow_bodies::allow_upload(&self.request);
        let allowance = BodyAllowance::default();
        let payload =
            budget.charge(std::mem::replace(&mut self.payload, Payload::None), 2, allowance.clone()).map(|chunk| {
                chunk.map_err(|error| match error {
                    ChargedError::Inner(error) => error,
                    ChargedError::Stopped(why) => PayloadError::Io(std::io::Error::other(why)),
                })
            });
        self.payload = Payload::Stream { payload: Box::pin(payload) };
        match tokio::time::timeout(budget.deadline(), self.read()).await {
            Ok(Ok(body)) => Ok((body, allowance)),
            Ok(Err(error)) => Err(allowance.refusal().unwrap_or(error)),
            Err(_) => Err(ApiError::BodyTimeout),
        }
    }
}

/// Whether the request carries a body: a `Content-Length` above 0, or a chunked one.
pub(crate) fn declares_body(req: &HttpRequest) -> bool {
    crate::slow_bodies::declared_length(req.headers()).is_some_and(|n| n > 0)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
}

/// 413 at once for a body whose declared length is over `max_bytes` (a multipart form: a JSON body's
/// `JsonConfig` does the same); one without a length is bounded as it is read (parts, text sizes, documents).
pub(crate) fn refuse_declared_length(req: &HttpRequest, max_bytes: usize) -> Result<(), ApiError> {
    if crate::slow_bodies::declared_length(req.headers()).is_some_and(|length| length > max_bytes as u64) {
        return Err(ApiError::PayloadTooLarge { max_bytes });
    }
    Ok(())
}

/// The `ApiError` that `json_error` put in the framework error; any other framework refusal is a bad body.
pub(crate) fn api_error(error: &actix_web::Error) -> ApiError {
    match error.as_error::<ApiError>() {
        Some(ApiError::PayloadTooLarge { max_bytes }) => ApiError::PayloadTooLarge { max_bytes: *max_bytes },
        Some(ApiError::Validation(fields)) => ApiError::Validation(fields.clone()),
        Some(ApiError::BodyTimeout) => ApiError::BodyTimeout,
        _ => ApiError::invalid("body", "corps JSON illisible"),
    }
}

/// Why a JSON body was refused: it holds a NUL character (the escape `\u0000`), text that PostgreSQL cannot store
/// and no field of ours accepts. Refused for every JSON body, whatever the route, so that the answer is the same
/// on every store (a 422, never a 500).
#[derive(Debug, thiserror::Error)]
#[error("le caractère nul (\\u0000) n'est accepté dans aucun texte")]
pub(crate) struct NulInJson;

/// Finds the escape `\u0000` in JSON text fed in chunks (a raw NUL is not valid JSON: the decoder refuses it).
/// Exact for valid JSON: a backslash starts an escape only when it is not itself escaped.
#[derive(Debug, Clone, Copy, Default)]
struct NulScan {
    /// After an unescaped backslash: `Some(0)`; after `\u`: `Some(1 + zeros)`.
    escape: Option<u8>,
}

impl NulScan {
    /// Whether `chunk`, after what came before it, completes a `\u0000`.
    fn finds_nul(&mut self, chunk: &[u8]) -> bool {
        let mut at = 0;
        while at < chunk.len() {
            match self.escape {
                None => match memchr::memchr(b'\\', &chunk[at..]) {
                    Some(offset) => {
                        self.escape = Some(0);
                        at += offset + 1;
                        continue;
                    }
                    None => return false,
                },
                Some(0) => self.escape = (chunk[at] == b'u').then_some(1),
                Some(matched) => {
                    self.escape = (chunk[at] == b'0').then_some(matched + 1);
                    if self.escape == Some(5) {
                        return true;
                    }
                }
            }
            at += 1;
        }
        false
    }
}

/// Middleware for every request body: a `Content-Encoding` other than `identity` is refused (415) before a byte
/// is read, since a decoded body could be many times what was sent, past the size limits and the memory budget
/// counted on the wire; the body of a JSON request is checked as it is read (no copy, no wait): a NUL character
/// ends it with `NulInJson`, which `json_error` answers with a 422.
pub(crate) async fn guard_body(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let encoded = req.headers().get_all(header::CONTENT_ENCODING).any(|value| {
        value
            .to_str()
            .map_or(true, |value| value.split(',').any(|coding| !coding.trim().eq_ignore_ascii_case("identity")))
    });
    if encoded {
        // A response, not an `Err`: the outer middleware then give it the request id and the usual headers.
        let response = actix_web::ResponseError::error_response(&ApiError::UnsupportedEncoding);
        return Ok(req.into_response(response).map_into_right_body());
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().to_ascii_lowercase().ends_with("json"));
    if json {
        let mut scan = NulScan::default();
        let checked = req.take_payload().map(move |chunk| {
            let chunk = chunk?;
            if scan.finds_nul(&chunk) {
                return Err(PayloadError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, NulInJson)));
            }
            Ok(chunk)
        });
        req.set_payload(Payload::Stream { payload: Box::pin(checked) });
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// Whether a payload error is `guard_body`'s.
fn is_nul_in_json(error: &PayloadError) -> bool {
    let PayloadError::Io(io) = error else { return false };
    io.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<NulInJson>)
}

#[cfg(test)]
mod tests {
    use super::NulScan;

    fn finds(chunks: &[&[u8]]) -> bool {
        let mut scan = NulScan::default();
        chunks.iter().any(|chunk| scan.finds_nul(chunk))
    }

    #[test]
    fn a_nul_escape_is_found_even_across_chunks_and_an_escaped_backslash_is_not_one() {
        assert!(finds(&[br#"{"a": "x\u0000y"}"#]));
        assert!(finds(&[br#"{"a": "x\u00"#, br#"00y"}"#]));
        assert!(finds(&[br#"{"a": "x\"#, br#"u0000"}"#]));
        assert!(finds(&[br#"{"a": "\\\u0000"}"#]), "an escaped backslash, then the escape");
        assert!(!finds(&[br#"{"a": "\\u0000"}"#]), "an escaped backslash, then the text u0000");
        assert!(!finds(&[br#"{"a": "\\"#, br#"u0000"}"#]));
        assert!(!finds(&[br#"{"a": "\u0001 \u00e9 \u1000 \n \/"}"#]));
        assert!(!finds(&[b"{\"a\": \"plain text, no escape at all\"}"]));
    }
}
