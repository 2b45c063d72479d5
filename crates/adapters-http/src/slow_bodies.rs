//! Slow clients (O8): a request body must arrive within a deadline, so a client that trickles its body holds its
//! connection for a bounded time. The head of a request has its own deadline (`http.client_request_timeout_secs`,
//! set on the server) and an idle kept-alive connection its own (`http.keep_alive_secs`).
//!
//! A body declared no larger than the JSON limit (every route but the uploads) has `small` to arrive; any other
//! (a large declared length, or none: chunked) has `large` plus `BACKSTOP`: the uploads read theirs within
//! `http.body_timeout_secs` themselves (`budget`, which also settles what a cut upload stored), so this one only
//! stops a large or chunked body sent to a route that has no deadline of its own. Past it the body ends in an
//! error the extractors answer with 408 `body_timeout`, and the connection is closed.

use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, web};
use futures_util::{Stream, StreamExt as _};

/// How long after the uploads' own deadline a large body is cut here (see the module's documentation).
const BACKSTOP: Duration = Duration::from_secs(10);

/// The deadlines, from the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyDeadlines {
    /// For a body declared at most `small_max_bytes` long.
    pub small: Duration,
    /// For any other.
    pub large: Duration,
    /// The largest body `small` applies to.
    pub small_max_bytes: usize,
}

impl BodyDeadlines {
    fn for_request(&self, req: &ServiceRequest) -> Duration {
        let declared: Option<usize> =
            req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse().ok());
        match declared {
            Some(length) if length <= self.small_max_bytes => self.small,
            _ => self.large + BACKSTOP,
        }
    }
}

/// The marker a late body's error carries (`is_slow_body`).
#[derive(Debug, thiserror::Error)]
#[error("le corps de la requête n'est pas arrivé dans le délai")]
pub(crate) struct SlowBody;

/// Whether a payload error is a body's deadline passing.
pub(crate) fn is_slow_body(error: &PayloadError) -> bool {
    let PayloadError::Io(io) = error else { return false };
    io.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<SlowBody>)
}

/// The middleware: wraps every request's body in its deadline.
pub(crate) async fn limit(
    mut req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // An HTTP/1 request without a body (a zero length, or neither a length nor chunks: RFC 9112, section 6.3) has nothing
    // to wait for; an HTTP/2 one may send a body without declaring its length.
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
    let has_body = match declared {
        Some(length) => length > 0,
        None => {
            req.headers().contains_key(header::TRANSFER_ENCODING) || req.version() >= actix_web::http::Version::HTTP_2
        }
    };
    if has_body && let Some(deadlines) = req.app_data::<web::Data<BodyDeadlines>>() {
        let deadline = tokio::time::Instant::now() + deadlines.for_request(&req);
        let payload = req.take_payload();
        let bounded: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> =
            Box::pin(within(payload, deadline));
        req.set_payload(Payload::from(bounded));
    }
    next.call(req).await
}

/// `payload`'s chunks until `deadline`; then one `SlowBody` error, and nothing more.
fn within(payload: Payload, deadline: tokio::time::Instant) -> impl Stream<Item = Result<web::Bytes, PayloadError>> {
    futures_util::stream::unfold(Some(payload), move |state| async move {
        let mut payload = state?;
        match tokio::time::timeout_at(deadline, payload.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(payload))),
            Ok(None) => None,
            Err(_) => Some((Err(PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, SlowBody))), None)),
        }
    })
    // Readers may poll again after the end: it stays the end.
    .fuse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(chunks: Vec<&'static [u8]>, then_stall: bool) -> Payload {
        let chunks = futures_util::stream::iter(chunks.into_iter().map(|c| Ok(web::Bytes::from_static(c))));
        let stream: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> =
            if then_stall { Box::pin(chunks.chain(futures_util::stream::pending())) } else { Box::pin(chunks) };
        Payload::from(stream)
    }

    #[actix_web::test]
    async fn a_body_that_stops_arriving_ends_in_the_slow_body_error_once() {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(50);
        let mut stream = Box::pin(within(payload(vec![b"{\"a\""], true), deadline));
        assert_eq!(stream.next().await.unwrap().unwrap(), web::Bytes::from_static(b"{\"a\""));
        let late = stream.next().await.unwrap().unwrap_err();
        assert!(is_slow_body(&late), "{late:?}");
        assert!(stream.next().await.is_none(), "nothing after the deadline's error");
        assert!(stream.next().await.is_none(), "and the end stays the end");
    }

    #[actix_web::test]
    async fn a_body_that_arrives_in_time_is_passed_through_whole() {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        let chunks: Vec<_> = within(payload(vec![b"{", b"}"], false), deadline).collect().await;
        let chunks: Vec<web::Bytes> = chunks.into_iter().map(Result::unwrap).collect();
        assert_eq!(chunks, [web::Bytes::from_static(b"{"), web::Bytes::from_static(b"}")]);
    }

    #[test]
    fn other_payload_errors_are_not_slow_bodies() {
        assert!(!is_slow_body(&PayloadError::Incomplete(None)));
        assert!(!is_slow_body(&PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, "autre"))));
    }
}
