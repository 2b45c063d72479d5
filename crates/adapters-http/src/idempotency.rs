//! `Idempotency-Key` on POST routes (decision I4): a signed-in caller retrying a POST with the same key gets the
//! first successful response again (same status, same body, `Idempotency-Replayed: true`) for 24 hours, instead
//! of a second effect; the same key with another body is 422 `idempotency_key_reused`; while the first request
//! runs, 409 `idempotency_key_in_progress`. Only successes are kept: a failed request releases its key, so a
//! retry runs again. Anonymous requests (sign-up, login) ignore the header: a key alone is no proof of who sends
//! it, and their responses are not to be handed to someone else. Nor do the `/api/v1/auth/*` session routes, whoever
//! calls them: their answers carry tokens (never kept in the key store) and must run their own checks (a blocked
//! account, a spent refresh token) every time, never be replayed. `auth/create-user`, a staff write answering
//! with a user and no token, keeps the header like any other write.
//!
//! The request body is hashed as the route reads it, never buffered here, so streamed uploads stay streamed.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, HttpResponse, ResponseError as _, web};
use futures_util::{Stream, StreamExt as _};
use seeg_application::idempotency::{Claim, MAX_IDEMPOTENCY_KEY, StoredResponse};
use seeg_application::identity::TokenKind;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::error::{ApiError, ErrorCode};
use crate::routing::route_pattern;
use crate::state::ApiState;

pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
const REPLAYED_HEADER: &str = "idempotency-replayed";
/// Responses larger than this are not kept (ours are envelopes of a few KiB).
const MAX_STORED_RESPONSE: usize = 1024 * 1024;
/// A replayed request's body is read (to compare its hash) up to this size; beyond, it cannot be the same.
const MAX_COMPARED_BODY: u64 = 64 * 1024 * 1024;

pub(crate) async fn replay(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let Some(raw) = req.headers().get(IDEMPOTENCY_KEY_HEADER).cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    if req.method() != Method::POST || never_replayed(&req) {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let Some(scope) = caller(&req, &state) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match valid_key(&raw) {
        Ok(key) => key,
        Err(error) => return Ok(req.into_response(error.error_response())),
    };
    let claim = match state.idempotency.claim(scope, &key).await {
        Ok(claim) => claim,
        Err(error) => return Ok(req.into_response(ApiError::from(error).error_response())),
    };
    match claim {
        Claim::Claimed => first_run(req, next, &state, scope, &key).await,
        Claim::Existing(record) => match record.response {
            None => {
                let busy = ApiError::refused(
                    ErrorCode::IdempotencyKeyInProgress,
                    "Une requête avec cette clé d'idempotence est en cours de traitement",
                );
                Ok(req.into_response(busy.error_response()))
            }
            Some(stored) => {
                let started = fingerprint_of(&req);
                let same = body_hash(started, req.take_payload()).await.is_some_and(|hash| hash == stored.request_hash);
                let response = if same {
                    replayed(&stored)
                } else {
                    ApiError::refused(
                        ErrorCode::IdempotencyKeyReused,
                        "Cette clé d'idempotence a déjà servi pour une autre requête",
                    )
                    .error_response()
                };
                Ok(req.into_response(response))
            }
        },
    }
}

/// Runs the request with its body hashed on the way to the route; keeps a success, releases anything else.
async fn first_run(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    state: &ApiState,
    scope: Uuid,
    key: &str,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let hasher = Arc::new(Mutex::new(fingerprint_of(&req)));
    let feeding = Arc::clone(&hasher);
    let payload = req.take_payload().map(move |chunk| {
        if let Ok(bytes) = &chunk {
            feeding.lock().unwrap_or_else(PoisonError::into_inner).update(bytes);
        }
        chunk
    });
    let boxed: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> = Box::pin(payload);
    req.set_payload(Payload::from(boxed));

    let release = || async {
        if let Err(error) = state.idempotency.release(scope, key).await {
            tracing::warn!(error = %error, "idempotency key not released");
        }
    };
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        Err(error) => {
            release().await;
            return Err(error);
        }
    };
    if !response.status().is_success() {
        release().await;
        return Ok(response);
    }
    let (request, response) = response.into_parts();
    let (head, body) = response.into_parts();
    let Ok(bytes) = body::to_bytes(body).await else {
        release().await;
        return Err(actix_web::error::ErrorInternalServerError("réponse illisible"));
    };
    if bytes.len() <= MAX_STORED_RESPONSE {
        let request_hash = hex::encode(hasher.lock().unwrap_or_else(PoisonError::into_inner).clone().finalize());
        let content_type = head.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let stored =
            StoredResponse { request_hash, status: head.status().as_u16(), content_type, body: bytes.to_vec() };
        if let Err(error) = state.idempotency.complete(scope, key, &stored).await {
            tracing::warn!(error = %error, "idempotent response not kept");
            release().await;
        }
    } else {
        release().await;
    }
    Ok(ServiceResponse::new(request, head.set_body(bytes).map_into_boxed_body()))
}

fn replayed(stored: &StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = &stored.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type.as_str()));
    }
    response.insert_header((HeaderName::from_static(REPLAYED_HEADER), HeaderValue::from_static("true")));
    response.body(stored.body.clone())
}

/// The routes whose answers are never kept: the session routes under `/api/v1/auth/`, as the router will match
/// them (percent-encoded or with a trailing slash alike).
fn never_replayed(req: &ServiceRequest) -> bool {
    route_pattern(req).is_some_and(|pattern| {
        pattern.starts_with(AUTH_ROUTES) && pattern.trim_end_matches('/') != STAFF_WRITE_UNDER_AUTH
    })
}

const AUTH_ROUTES: &str = "/api/v1/auth/";
const STAFF_WRITE_UNDER_AUTH: &str = "/api/v1/auth/create-user";

/// The start of a request's fingerprint: its method and target, so that one key sent to another route (or with
/// another query) is a reuse, never the other route's answer replayed; the body is hashed after them.
fn fingerprint_of(req: &ServiceRequest) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b"\n");
    hasher.update(req.uri().path_and_query().map_or("", |p| p.as_str()));
    hasher.update(b"\n");
    hasher
}

/// The signed-in caller, from a valid access token; `None` for anonymous requests.
fn caller(req: &ServiceRequest, state: &ApiState) -> Option<Uuid> {
    let token = crate::params::bearer_token(req.headers())?;
    state.accounts.tokens().verify(token, TokenKind::Access, state.clock.now()).ok().map(|v| v.user_id)
}

fn valid_key(raw: &HeaderValue) -> Result<String, ApiError> {
    let key = raw.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "header.Idempotency-Key",
            format!("1 à {MAX_IDEMPOTENCY_KEY} caractères ASCII visibles attendus"),
        ));
    }
    Ok(key.to_owned())
}

/// sha256 of a whole request body; `None` when it cannot be read or exceeds `MAX_COMPARED_BODY`.
async fn body_hash(mut hasher: Sha256, mut payload: Payload) -> Option<String> {
    let mut read = 0_u64;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.ok()?;
        read += chunk.len() as u64;
        if read > MAX_COMPARED_BODY {
            return None;
        }
        hasher.update(&chunk);
    }
    Some(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_short_visible_ascii() {
        assert_eq!(valid_key(&HeaderValue::from_static(" 8f14e45f-ceea ")).unwrap(), "8f14e45f-ceea");
        for bad in ["", "   ", "a b"] {
            assert!(valid_key(&HeaderValue::from_static(bad)).is_err(), "{bad:?}");
        }
        let long = HeaderValue::from_str(&"k".repeat(MAX_IDEMPOTENCY_KEY + 1)).unwrap();
        assert!(valid_key(&long).is_err());
    }
}
