//! `GET /api/v1/notifications/stream` (B3): Server-Sent Events. Authenticated by the `Authorization` header, or
//! by `?ticket=` (a stream ticket, as `EventSource` cannot send headers); `Last-Event-ID` resumes after the last
//! notification received, without loss. A comment keeps an idle stream alive every `heartbeat`; the stream ends
//! when its credential expires (the client asks for a new one) or its account is blocked.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use seeg_application::identity::TokenKind;
use seeg_application::live::{Cursor, LiveStream};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::events::{encode, sse_frame};
use crate::error::{ApiError, ErrorBody};
use crate::params::bearer_token;
use crate::state::ApiState;

/// How long the client waits before reconnecting after the stream drops (SSE `retry`).
const RETRY_MILLIS: u32 = 3_000;

/// The stream's query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StreamQuery {
    /// A stream ticket (`POST /api/v1/notifications/stream/ticket`), when no `Authorization` header can be sent.
    ticket: Option<String>,
}

/// One event of the stream as a client's parser reads it (OpenAPI 3.1: the schema of a `text/event-stream`
/// describes each event): `event` names it, `data` is its JSON text, `id` resumes the stream (`notifications:new`),
/// `retry` is the reconnection delay in milliseconds. Comment lines (`: ping`) are no event.
#[allow(dead_code)] // describes the stream in OpenAPI only
#[derive(ToSchema)]
pub(crate) struct SseEvent {
    #[schema(example = "notifications:unread_count")]
    event: String,
    #[schema(example = "{\"type\":\"notifications:unread_count\",\"count\":0}")]
    data: String,
    id: Option<String>,
    retry: Option<u64>,
}

/// The caller's live notifications, as Server-Sent Events: `notifications:new` (its `id` resumes the stream),
/// `notifications:unread_count`, `notifications:updated`, `notifications:updated_all`.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/stream",
    operation_id = "notification_stream",
    tag = "Notifications",
    security(("bearer" = []), ()),
    params(
        StreamQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "L'`id` du dernier événement reçu : le flux reprend après"),
    ),
    responses(
        (status = 200, description = "Flux `text/event-stream`", content_type = "text/event-stream", body = SseEvent),
        (status = 401, description = "Jeton ou ticket absent, invalide ou expiré", body = ErrorBody),
        (status = 422, description = "`Last-Event-ID` illisible", body = ErrorBody),
        (status = 429, description = "`too_many_streams` : trop de flux ouverts pour ce compte", body = ErrorBody),
    )
)]
pub(crate) async fn stream(
    req: HttpRequest,
    state: web::Data<ApiState>,
    query: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let (credential, kind) = match (bearer_token(req.headers()), query.ticket.as_deref()) {
        (Some(token), _) => (token, TokenKind::Access),
        (None, Some(ticket)) if !ticket.trim().is_empty() => (ticket.trim(), TokenKind::StreamTicket),
        (None, _) => return Err(ApiError::NotAuthenticated),
    };
    let (user, expires_at) = super::authenticate(&state, credential, kind).await?;
    let resume = match req.headers().get("last-event-id") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|raw| Cursor::parse_event_id(raw.trim()))
                .ok_or_else(|| ApiError::invalid("header.Last-Event-ID", "identifiant d'événement illisible"))?,
        ),
    };
    let live = state.live.hub.open(user.id, resume).await?;
    let lasts = (expires_at - state.clock.now()).to_std().unwrap_or_default();
    let body = frames(live, state.live.heartbeat, lasts);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        // Proxies that buffer (nginx) pass the events on as they come.
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

/// The stream's body: the events of `live`, a keep-alive every `heartbeat`, an end after `lasts`. A task of its
/// own drives the stream and hands frames over a short queue, so that a client that stops reading neither stops
/// the expiry nor the revocation, nor holds its place for ever: after two keep-alive periods without room in the
/// queue, the task ends and the stream's place is given back.
fn frames(
    live: LiveStream,
    heartbeat: Duration,
    lasts: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Bytes>(QUEUED_FRAMES);
    actix_web::rt::spawn(drive(live, sender, heartbeat, lasts));
    futures_util::stream::unfold(receiver, |mut receiver| async move {
        let frame = receiver.recv().await?;
        Some((Ok(frame), receiver))
    })
}

/// Frames a stream may have waiting for a slow client.
const QUEUED_FRAMES: usize = 16;

async fn drive(mut live: LiveStream, frames: tokio::sync::mpsc::Sender<Bytes>, heartbeat: Duration, lasts: Duration) {
    let send = |frame: String| {
        let frames = frames.clone();
        async move { matches!(tokio::time::timeout(heartbeat * 2, frames.send(Bytes::from(frame))).await, Ok(Ok(()))) }
    };
    if !send(format!("retry: {RETRY_MILLIS}\n\n")).await {
        return;
    }
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let ends = tokio::time::sleep(lasts);
    tokio::pin!(ends);
    loop {
        // `LiveStream::next` is cancel-safe: a tick or the end winning the race loses no event.
        let frame = tokio::select! {
            event = live.next() => match event {
                Ok(Some(event)) => sse_frame(&encode(&event)),
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(user.id = %live.user_id(), error = %error, "notification stream: store failed");
                    return;
                }
            },
            _ = ticks.tick() => ": ping\n\n".to_owned(),
            () = &mut ends => {
                // The credential expired: the client reconnects with a fresh one.
                let _ = send("event: notifications:expired\ndata: {\"type\":\"notifications:expired\"}\n\n".to_owned()).await;
                return;
            }
        };
        if !send(frame).await {
            return;
        }
    }
}
