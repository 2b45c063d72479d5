//! A JSON body read only when the handler asks for it, so that authentication and the role check answer
//! 401/403 before a byte of the body is read or parsed (S3, S11).
//!
//! actix polls a handler's extractors in order but creates all their futures at once: while the caller's
//! (asynchronous) authentication is pending, a later `web::Json` already reads and rejects the body. Taking the
//! payload here without reading it leaves the order to the handler: `Caller` first, then the permission
//! check, then `read`.
//!
//! Large bodies (a base64 submission reaches 56 MiB, a streamed document keeps up to 10 MiB for its inspection)
//! also take their size from the process's `BodyBudget` before a byte is read, so that concurrent uploads
//! cannot hold more memory together than the budget allows (S11: limited before decoding).

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use serde::de::DeserializeOwned;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

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
    /// `read`, for a route whose body may reach `max_bytes`: the body's declared length (or `max_bytes` when it
    /// declares none) is taken from `budget` first, and held until the handler is done with the decoded body.
    pub(crate) async fn read_within(
        self,
        budget: &BodyBudget,
        max_bytes: usize,
    ) -> Result<(T, BodyAllowance), ApiError> {
        let allowance = budget.take(declared_length(&self.request).unwrap_or(max_bytes).min(max_bytes)).await?;
        Ok((self.read().await?, allowance))
    }
}

/// The length a request's `Content-Length` declares, if any.
pub(crate) fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers().get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// How many bytes of large bodies the process holds at once, in KiB permits.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    kib: Arc<Semaphore>,
    total_kib: u32,
}

/// Bytes taken from a `BodyBudget`, given back when dropped.
#[derive(Debug)]
pub(crate) struct BodyAllowance(#[allow(dead_code)] OwnedSemaphorePermit);

/// How long a large body waits for room in the budget before the request is answered 503.
const BUDGET_WAIT: Duration = Duration::from_secs(10);

impl BodyBudget {
    /// The default: 256 MiB of large bodies at once (four and a half of the largest submissions).
    pub const DEFAULT_BYTES: usize = 256 * 1024 * 1024;

    pub fn new(bytes: usize) -> Self {
        let total_kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).max(1);
        Self { kib: Arc::new(Semaphore::new(total_kib as usize)), total_kib }
    }

    /// Takes `bytes` (at most the whole budget), waiting up to `BUDGET_WAIT` for others to give theirs back.
    pub(crate) async fn take(&self, bytes: usize) -> Result<BodyAllowance, ApiError> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX).clamp(1, self.total_kib);
        match tokio::time::timeout(BUDGET_WAIT, Arc::clone(&self.kib).acquire_many_owned(kib)).await {
            Ok(Ok(permit)) => Ok(BodyAllowance(permit)),
            Ok(Err(_)) | Err(_) => Err(ApiError::Busy),
        }
    }

    /// KiB free now (tests).
    pub fn available_kib(&self) -> usize {
        self.kib.available_permits()
    }
}

impl Default for BodyBudget {
    fn default() -> Self {
        Self::new(Self::DEFAULT_BYTES)
    }
}

/// The `ApiError` that `json_error` put in the framework error; any other framework refusal is a bad body.
fn api_error(error: &actix_web::Error) -> ApiError {
    match error.as_error::<ApiError>() {
        Some(ApiError::PayloadTooLarge { max_bytes }) => ApiError::PayloadTooLarge { max_bytes: *max_bytes },
        Some(ApiError::Validation(fields)) => ApiError::Validation(fields.clone()),
        _ => ApiError::invalid("body", format!("corps JSON invalide : {error}")),
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

/// Middleware: the body of a JSON request is checked as it is read (no copy, no wait): a NUL character ends it
/// with `NulInJson`, which `json_error` answers with a 422.
pub(crate) async fn refuse_nul_in_json(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    use futures_util::StreamExt as _;
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
                return Err(actix_web::error::PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    NulInJson,
                )));
            }
            Ok(chunk)
        });
        req.set_payload(actix_web::dev::Payload::Stream { payload: Box::pin(checked) });
    }
    next.call(req).await
}

/// Whether a payload error is `refuse_nul_in_json`'s.
pub(crate) fn is_nul_in_json(error: &actix_web::error::PayloadError) -> bool {
    let actix_web::error::PayloadError::Io(io) = error else { return false };
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
