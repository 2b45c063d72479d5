//! What every response gets, errors included (S13, F1): the request id (`request_id`), the legacy security
//! headers, `Cache-Control: no-store` unless the route allows caching, a JSON error body whatever produced the
//! error, and one log line with ids and timings only (S12).

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use tracing::Instrument as _;

use crate::error::{error_response, generic_detail};
use crate::request_id::{new_request_id, with_request_id};
use crate::state::ApiState;

const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "1; mode=block"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
];

pub(crate) async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let request_id = req.app_data::<web::Data<ApiState>>().map(|s| new_request_id(s.ids.as_ref())).unwrap_or_default();
    let started = Instant::now();
    let method = req.method().clone();
    let span = tracing::info_span!("http.request", http.method = %method, request.id = %request_id);

    // Holding a clone of the request here would break the router (it needs the request uniquely), so an `Err`
    // from inner services is passed on as is; none of ours returns one (CORS mismatches are not errors, see
    // `cors`), and routes turn their errors into responses themselves.
    let mut response = with_request_id(request_id.clone(), async move {
        next.call(req).await.map(|r| ensure_json_error(r.map_into_boxed_body()))
    })
    .instrument(span.clone())
    .await?;

    let headers = response.headers_mut();
    crate::request_id::insert_header(headers, &request_id);
    for (name, value) in SECURITY_HEADERS {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    // Tokens, profiles, applications and documents must never sit in a browser's or a proxy's cache; a route
    // whose answer may be kept (the documentation's assets) says so itself.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let route = response.request().match_pattern();
    let (status, elapsed) = (response.status().as_u16(), started.elapsed());
    let _entered = span.enter();
    tracing::info!(
        http.route = route.as_deref().unwrap_or("unmatched"),
        http.status = status,
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "request served"
    );
    crate::scrape::record_request(&method, route, status, elapsed);
    Ok(response)
}

/// Errors produced outside our handlers (the router, extractors, other middleware) get the F1 body too.
fn ensure_json_error(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    if status.is_server_error()
        && let Some(error) = response.response().error()
    {
        tracing::error!(error = %error, "framework error");
    }
    let (detail, code) = generic_detail(status);
    let json = error_response(status, code, detail.to_owned(), None);
    response.into_response(json)
}
