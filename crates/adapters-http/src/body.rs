//! A JSON body read only when the handler asks for it, so that authentication and the role check answer
//! 401/403 before a byte of the body is read or parsed (S3, S11).
//!
//! actix polls a handler's extractors in order but creates all their futures at once: while the caller's
//! (asynchronous) authentication is pending, a later `web::Json` already reads and rejects the body. Taking the
//! payload here without reading it leaves the order to the handler: `Caller` first, then the permission
//! check, then `read`.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

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

/// The `ApiError` that `json_error` put in the framework error; any other framework refusal is a bad body.
fn api_error(error: &actix_web::Error) -> ApiError {
    match error.as_error::<ApiError>() {
        Some(ApiError::PayloadTooLarge { max_bytes }) => ApiError::PayloadTooLarge { max_bytes: *max_bytes },
        Some(ApiError::Validation(fields)) => ApiError::Validation(fields.clone()),
        _ => ApiError::invalid("body", format!("corps JSON invalide : {error}")),
    }
}
