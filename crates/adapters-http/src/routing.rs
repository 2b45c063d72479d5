//! Route registration shared by every capability.

use actix_web::dev::ServiceRequest;
use actix_web::{HttpResponse, Resource, web};

use crate::error::ApiError;

/// A resource answering at `path` with AND without a trailing slash, no redirect (K1), whose unsupported
/// methods get the F1 405 body.
pub(crate) fn route(path: &str) -> Resource {
    let trimmed = path.trim_end_matches('/');
    web::resource([trimmed.to_owned(), format!("{trimmed}/")]).default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

pub(crate) async fn route_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::RouteNotFound)
}

/// The pattern of the resource the router will pick for `req`, known before routing: middleware decide on it,
/// never on the raw path, which the router reads percent-decoded (`/auth/log%69n` is `/auth/login`).
pub(crate) fn route_pattern(req: &ServiceRequest) -> Option<String> {
    req.resource_map().match_pattern(req.match_info().as_str())
}
