//! The middleware that counts every request in its class and refuses one past a quota (429), with the
//! `X-RateLimit-*` headers on what it lets through.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, ResponseError as _, web};

use super::client::client_key;
use super::{Class, ClientAddress, Limits, classify};
use crate::error::{ApiError, insert_rate_limit_headers};
use crate::routing::route_pattern;

/// Counts the request under the class of the route the router will pick (never the path's text) and the client
/// (`client_key`), with the limits `S` (the application's state) holds. Without that state, or with the limits
/// off, the request passes uncounted.
pub(crate) async fn limit<S: Limits>(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<S>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let limiter = state.rate_limiter();
    if !limiter.config.enabled {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let pattern = route_pattern(&req);
    let class = classify(req.method(), pattern.as_deref());
    let client = client_key(&req, state.get_ref(), class);
    if class == Class::Auth {
        req.extensions_mut().insert(ClientAddress(client.clone()));
    }
    let verdict = limiter.store.check(class, &client).await;
    if !verdict.allowed {
        metrics::counter!("seeg_rate_limit_rejections_total", "class" => class.name()).increment(1);
        let refused = ApiError::RateLimited { limit: verdict.limit, reset_secs: verdict.reset_secs };
        return Ok(req.into_response(refused.error_response()));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    // A refusal decided inside the route (per account) already carries its own figures.
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        insert_rate_limit_headers(response.headers_mut(), verdict.limit, verdict.remaining, verdict.reset_secs);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_pattern(
        req: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
    ) -> Result<ServiceResponse<BoxBody>, Error> {
        let pattern = route_pattern(&req).unwrap_or_default();
        let response = next.call(req).await?;
        Ok(response.map_body(|_, _| BoxBody::new(pattern)))
    }

    #[actix_web::test]
    async fn encoded_and_reshaped_paths_find_the_pattern_the_router_matches() {
        use actix_web::test::{TestRequest, call_and_read_body, init_service};
        let app = init_service(
            actix_web::App::new()
                .service(crate::routing::route("/api/v1/auth/login"))
                .service(crate::routing::route("/api/v1/applications/{application_id}/documents"))
                .wrap(actix_web::middleware::from_fn(echo_pattern)),
        )
        .await;
        for (uri, expected) in [
            ("/api/v1/auth/log%69n", "/api/v1/auth/login"),
            ("/api/v1/auth/login/", "/api/v1/auth/login"),
            ("/api/v1/auth/%6C%6F%67%69%6E", "/api/v1/auth/login"),
            ("/api/v1/applications/7/d%6Fcuments/", "/api/v1/applications/{application_id}/documents"),
            ("/api/v1//auth/login", ""),
            ("/api/v1/auth/login%2F", ""),
        ] {
            let body = call_and_read_body(&app, TestRequest::post().uri(uri).to_request()).await;
            assert_eq!(String::from_utf8_lossy(&body).trim_end_matches('/'), expected, "{uri}");
        }
    }
}
