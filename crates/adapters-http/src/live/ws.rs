//! `GET /api/v1/notifications/ws` (legacy §1.9, R34): the legacy WebSocket, as today's front end connects to it
//! (`?token=` with the access token, or the token among the `Sec-WebSocket-Protocol` values). A missing or bad
//! token is refused with 401 before the upgrade (S10; the legacy accepted it, D16). The server pushes the
//! events of `events` as text frames, pings every `heartbeat` and closes a connection that stopped answering, or
//! whose token expired (1008), or whose account was blocked; what the client sends is ignored, as before.

use std::time::Duration;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{CloseCode, CloseReason, Message, MessageStream, Session};
use futures_util::StreamExt as _;
use seeg_application::identity::TokenKind;
use seeg_application::live::LiveStream;
use serde::Deserialize;
use utoipa::IntoParams;

use super::events::encode;
use crate::error::{ApiError, ErrorBody};
use crate::params::bearer_token;
use crate::state::ApiState;

/// The largest frame read from a client (it has nothing to say: pings and a close).
const MAX_FRAME_BYTES: usize = 4 * 1024;

/// The legacy query.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct WsQuery {
    /// The access token (legacy); the `Authorization` header or a `Sec-WebSocket-Protocol` value also do.
    token: Option<String>,
}

/// Whether `value` has the shape of a JWT (three dot-separated base64url parts), to tell the token from a
/// protocol name among the `Sec-WebSocket-Protocol` values.
fn looks_like_a_token(value: &str) -> bool {
    value.split('.').count() == 3
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'='))
}

/// The token the client offered among its protocols, and the protocol to answer with (one it offered, as the
/// handshake requires: a protocol name beside the token, else the token itself).
fn protocol_token(req: &HttpRequest) -> Option<(String, String)> {
    let offered: Vec<String> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect();
    let token = offered.iter().find(|p| looks_like_a_token(p))?.clone();
    let answer = offered.iter().find(|p| !looks_like_a_token(p)).cloned().unwrap_or_else(|| token.clone());
    Some((token, answer))
}

/// The legacy notification WebSocket: `notifications:new`, `notifications:unread_count`,
/// `notifications:updated`, `notifications:updated_all` as JSON text frames.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/ws",
    operation_id = "notification_websocket",
    tag = "Notifications",
    security(("bearer" = []), ()),
    params(WsQuery),
    responses(
        (status = 101, description = "Connexion WebSocket établie"),
        (status = 400, description = "Requête sans en-têtes de mise à niveau WebSocket", body = ErrorBody),
        (status = 401, description = "Jeton absent, invalide ou expiré : refusé avant la mise à niveau", body = ErrorBody),
        (status = 429, description = "`too_many_streams` : trop de flux ouverts pour ce compte", body = ErrorBody),
    )
)]
pub(crate) async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<ApiState>,
    query: web::Query<WsQuery>,
) -> Result<HttpResponse, ApiError> {
    let from_protocol = protocol_token(&req);
    let credential = match (bearer_token(req.headers()), query.token.as_deref(), &from_protocol) {
        (Some(token), _, _) => token.to_owned(),
        (None, Some(token), _) if !token.trim().is_empty() => token.trim().to_owned(),
        (None, _, Some((token, _))) => token.clone(),
        (None, _, None) => return Err(ApiError::NotAuthenticated),
    };
    let (user, expires_at) = super::authenticate(&state, &credential, TokenKind::Access).await?;
    let live = state.live.hub.open(user.id, None).await?;
    let (mut response, session, messages) = actix_ws::handle(&req, body)
        .map_err(|_| ApiError::invalid("header.Upgrade", "connexion WebSocket attendue (en-têtes de mise à niveau)"))?;
    if let Some((_, answer)) = from_protocol
        && let Ok(value) = HeaderValue::from_str(&answer)
    {
        response.headers_mut().insert(header::SEC_WEBSOCKET_PROTOCOL, value);
    }
    let messages = messages.max_frame_size(MAX_FRAME_BYTES);
    let lasts = (expires_at - state.clock.now()).to_std().unwrap_or_default();
    actix_web::rt::spawn(run(session, messages, live, state.live.heartbeat, lasts));
    Ok(response)
}

/// Pushes the stream's events until the client leaves, stops answering pings or reading (every send waits two
/// keep-alive periods at most), the token expires (after `lasts`) or the account is blocked.
async fn run(
    mut session: Session,
    mut messages: MessageStream,
    mut live: LiveStream,
    heartbeat: Duration,
    lasts: Duration,
) {
    let expiry = tokio::time::sleep(lasts);
    tokio::pin!(expiry);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + heartbeat, heartbeat);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut answered = true;
    let reason = loop {
        tokio::select! {
            event = live.next() => match event {
                Ok(Some(event)) => {
                    // A client that stops reading fills the socket: it is let go after two keep-alive periods.
                    match tokio::time::timeout(heartbeat * 2, session.text(encode(&event).json)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => return,
                        Err(_) => break Some(CloseReason { code: CloseCode::Away, description: Some("client trop lent".into()) }),
                    }
                }
                Ok(None) => break Some(CloseReason { code: CloseCode::Policy, description: Some("accès révoqué".into()) }),
                Err(error) => {
                    tracing::warn!(user.id = %live.user_id(), error = %error, "notification websocket: store failed");
                    break Some(CloseCode::Error.into());
                }
            },
            message = messages.next() => match message {
                Some(Ok(Message::Ping(bytes))) => {
                    if !matches!(tokio::time::timeout(heartbeat * 2, session.pong(&bytes)).await, Ok(Ok(()))) {
                        return;
                    }
                }
                Some(Ok(Message::Pong(_))) => answered = true,
                Some(Ok(Message::Close(_))) | None => break None,
                // Legacy: what the client says is ignored.
                Some(Ok(_)) => {}
                Some(Err(_)) => break Some(CloseCode::Protocol.into()),
            },
            _ = ticks.tick() => {
                if !answered {
                    break Some(CloseReason { code: CloseCode::Away, description: Some("pas de réponse au ping".into()) });
                }
                answered = false;
                if !matches!(tokio::time::timeout(heartbeat * 2, session.ping(b"")).await, Ok(Ok(()))) {
                    return;
                }
            }
            () = &mut expiry => break Some(CloseReason { code: CloseCode::Policy, description: Some("jeton expiré".into()) }),
        }
    };
    // The stream's place is given back first; a client that reads nothing cannot hold the close either.
    drop(live);
    let _ = tokio::time::timeout(heartbeat * 2, session.close(reason)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_told_from_a_protocol_name() {
        assert!(looks_like_a_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
        for name in ["access_token", "bearer", "graphql-ws", "a.b", "a.b.c.d", "a b.c.d", ""] {
            assert!(!looks_like_a_token(name), "{name}");
        }
    }
}
