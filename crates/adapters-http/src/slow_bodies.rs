//! Slow clients (O8): a request body must arrive within a deadline, so a client that trickles its body holds its
//! connection for a bounded time. The head of a request has its own deadline (`http.client_request_timeout_secs`,
//! set on the server) and an idle kept-alive connection its own (`http.keep_alive_secs`).
//!
//! Every body has `small` to arrive per 64 KiB of its declared length (`small` when it declares none: chunked),
//! never more than `large`, counted from the first time it is read (a request that waited for a database
//! connection does not eat its client's time). The upload routes call `allow_upload` before they read: theirs is
//! `large` plus `BACKSTOP`, since they read within
//! `http.body_timeout_secs` themselves (`budget`, which also settles what a cut upload stored). Past its deadline
//! the body ends in an error the extractors answer with 408 `body_timeout`.
//!
//! A body the handler left unread is not drained after the answer (actix would read a chunked one for as long
//! as its client trickles it): the answer closes the connection instead.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, HttpRequest, web};
use futures_util::{Stream, StreamExt as _};

/// How long after the uploads' own deadline an upload's body is cut here (see the module's documentation).
const BACKSTOP: Duration = Duration::from_secs(10);

/// The deadlines, from the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyDeadlines {
    /// For every body but an upload's.
    pub small: Duration,
    /// For an upload's (`allow_upload`), before `BACKSTOP`.
    pub large: Duration,
}

/// The size of body `small` is for; a larger declared one gets as many `small`s as it has such slices.
const SMALL_BYTES: u64 = 64 * 1024;

impl BodyDeadlines {
    /// A body's allowance from its declared length: `small` per 64 KiB started (a 528 KiB draft gets nine), never
    /// more than an upload's `large`; `small` without a declared length.
    fn for_length(&self, declared: Option<u64>) -> Duration {
        let slices = declared.map_or(1, |length| length.div_ceil(SMALL_BYTES).max(1));
        let slices = u32::try_from(slices).unwrap_or(u32::MAX);
        self.small.saturating_mul(slices).min(self.large).max(self.small)
    }
}

/// One request body's clock, shared by the middleware, the body's reader and the route (`allow_upload`).
#[derive(Debug, Clone)]
struct BodyClock {
    /// How long the body may take, from its first read.
    allowed: Rc<Cell<Duration>>,
    /// An upload's allowance.
    upload: Duration,
    /// Whether the body was read to its end (or cut at its deadline).
    finished: Rc<Cell<bool>>,
}

/// Gives the request's body an upload's time to arrive: for the routes that read uploads, before they read.
pub(crate) fn allow_upload(req: &HttpRequest) {
    if let Some(clock) = req.extensions().get::<BodyClock>() {
        clock.allowed.set(clock.upload);
    }
}

/// The marker a late body's error carries (`is_slow_body`).
#[derive(Debug, thiserror::Error)]
#[error("le corps de la requête n'est pas arrivé dans le délai")]
pub(crate) struct SlowBody;

/// The body's length as its `Content-Length` declares it, if it does.
pub(crate) fn declared_length(headers: &header::HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse().ok())
}

/// Whether a payload error is a body's deadline passing.
pub(crate) fn is_slow_body(error: &PayloadError) -> bool {
    let PayloadError::Io(io) = error else { return false };
    io.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<SlowBody>)
}

/// The middleware: every request body within its deadline, and an answer that left its body unread closes the
/// connection.
pub(crate) async fn limit(
    mut req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // An HTTP/1 request without a body (a zero length, or neither a length nor chunks: RFC 9112, section 6.3) has
    // nothing to wait for; an HTTP/2 one may send a body without declaring its length.
    let declared = declared_length(req.headers());
    let has_body = match declared {
        Some(length) => length > 0,
        None => {
            req.headers().contains_key(header::TRANSFER_ENCODING) || req.version() >= actix_web::http::Version::HTTP_2
        }
    };
    let Some(deadlines) = req.app_data::<web::Data<BodyDeadlines>>().filter(|_| has_body).map(|d| *d.get_ref()) else {
        return next.call(req).await;
    };
    let clock = BodyClock {
        allowed: Rc::new(Cell::new(deadlines.for_length(declared))),
        upload: deadlines.large + BACKSTOP,
        finished: Rc::new(Cell::new(false)),
    };
    req.extensions_mut().insert(clock.clone());
    let payload = req.take_payload();
    let bounded: Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>> =
        Box::pin(within(payload, clock.clone()));
    req.set_payload(Payload::from(bounded));
    let mut response = next.call(req).await?;
    if !clock.finished.get() {
        response.response_mut().head_mut().set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(response)
}

/// `payload`'s chunks until its clock runs out (counted from the first read); then one `SlowBody` error, and
/// nothing more.
fn within(payload: Payload, clock: BodyClock) -> impl Stream<Item = Result<web::Bytes, PayloadError>> {
    futures_util::stream::unfold((Some(payload), None), move |(state, started)| {
        let clock = clock.clone();
        async move {
            let mut payload = state?;
            let started: tokio::time::Instant = started.unwrap_or_else(tokio::time::Instant::now);
            match tokio::time::timeout_at(started + clock.allowed.get(), payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, (Some(payload), Some(started)))),
                Ok(None) => {
                    clock.finished.set(true);
                    None
                }
                Err(_) => {
                    let late = PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, SlowBody));
                    Some((Err(late), (None, Some(started))))
                }
            }
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

    fn clock(allowed: Duration) -> BodyClock {
        BodyClock { allowed: Rc::new(Cell::new(allowed)), upload: allowed * 10, finished: Rc::new(Cell::new(false)) }
    }

    #[actix_web::test]
    async fn a_body_that_stops_arriving_ends_in_the_slow_body_error_once_and_is_not_finished() {
        let clock = clock(Duration::from_millis(50));
        let mut stream = Box::pin(within(payload(vec![b"{\"a\""], true), clock.clone()));
        assert_eq!(stream.next().await.unwrap().unwrap(), web::Bytes::from_static(b"{\"a\""));
        let late = stream.next().await.unwrap().unwrap_err();
        assert!(is_slow_body(&late), "{late:?}");
        assert!(stream.next().await.is_none(), "nothing after the deadline's error");
        assert!(stream.next().await.is_none(), "and the end stays the end");
        assert!(!clock.finished.get(), "a cut body was not read to its end: its connection closes");
    }

    #[actix_web::test]
    async fn a_body_that_arrives_in_time_is_passed_through_whole_and_finished() {
        let clock = clock(Duration::from_secs(60));
        let chunks: Vec<_> = within(payload(vec![b"{", b"}"], false), clock.clone()).collect().await;
        let chunks: Vec<web::Bytes> = chunks.into_iter().map(Result::unwrap).collect();
        assert_eq!(chunks, [web::Bytes::from_static(b"{"), web::Bytes::from_static(b"}")]);
        assert!(clock.finished.get());
    }

    #[actix_web::test]
    async fn an_upload_s_allowance_set_before_the_first_read_holds() {
        let clock = clock(Duration::from_millis(20));
        clock.allowed.set(clock.upload);
        let mut stream = Box::pin(within(payload(vec![b"x"], true), clock.clone()));
        assert!(stream.next().await.unwrap().is_ok());
        // 20 ms would have cut it; the upload's 200 ms has not passed yet when a 60 ms wait ends.
        let waited = tokio::time::timeout(Duration::from_millis(60), stream.next()).await;
        assert!(waited.is_err(), "still waiting within the upload's allowance");
    }

    #[test]
    fn a_body_gets_the_small_deadline_per_64_kib_declared_up_to_an_upload_s() {
        let deadlines = BodyDeadlines { small: Duration::from_secs(30), large: Duration::from_secs(600) };
        let secs = |declared| deadlines.for_length(declared).as_secs();
        assert_eq!(secs(None), 30, "chunked: the small deadline");
        assert_eq!(secs(Some(1)), 30);
        assert_eq!(secs(Some(64 * 1024)), 30);
        assert_eq!(secs(Some(64 * 1024 + 1)), 60);
        assert_eq!(secs(Some(528 * 1024)), 270, "a draft's largest body");
        assert_eq!(secs(Some(u64::MAX)), 600, "never more than an upload's");
    }

    #[test]
    fn other_payload_errors_are_not_slow_bodies() {
        assert!(!is_slow_body(&PayloadError::Incomplete(None)));
        assert!(!is_slow_body(&PayloadError::Io(std::io::Error::new(std::io::ErrorKind::TimedOut, "autre"))));
    }
}
