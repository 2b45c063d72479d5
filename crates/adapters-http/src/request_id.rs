//! The request id (S12, F1, B2): one per request, made by the service's id generator, sent back in `X-Request-ID`,
//! and readable for the whole of the request's task: error bodies, the log line, the audit trail.

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use seeg_application::IdGenerator;
use seeg_application::identity::RequestContext;

tokio::task_local! {
    static REQUEST_ID: String;
}

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// A new request id.
pub(crate) fn new_request_id(ids: &dyn IdGenerator) -> String {
    ids.new_id().to_string()
}

/// Runs `serving` (the rest of the request) with `id` as its request id.
pub(crate) async fn with_request_id<T>(id: String, serving: impl Future<Output = T>) -> T {
    REQUEST_ID.scope(id, serving).await
}

/// The id of the request being served, for error bodies. Empty outside a request.
pub(crate) fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// What the use cases record beside an audited write: this request's id (B2).
pub(crate) fn audit_context() -> RequestContext {
    RequestContext { request_id: Some(current_request_id()) }
}

/// `X-Request-ID: id` on a response.
pub(crate) fn insert_header(headers: &mut HeaderMap, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn the_id_is_the_request_s_inside_and_empty_outside() {
        assert_eq!(current_request_id(), "");
        let inside = with_request_id("abc".to_owned(), async { (current_request_id(), audit_context()) }).await;
        assert_eq!(inside.0, "abc");
        assert_eq!(inside.1.request_id.as_deref(), Some("abc"));
        let mut headers = HeaderMap::new();
        insert_header(&mut headers, "abc");
        assert_eq!(headers.get(REQUEST_ID_HEADER).unwrap(), "abc");
    }
}
