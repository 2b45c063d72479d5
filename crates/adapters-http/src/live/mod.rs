//! Live notifications (B3, S10): the SSE stream (`GET /api/v1/notifications/stream`), the ticket that opens it
//! from a URL (`POST /api/v1/notifications/stream/ticket`, for `EventSource`), and the legacy WebSocket
//! (`/api/v1/notifications/ws`). A missing, invalid or expired credential is refused before anything streams
//! (legacy D16 accepted it); a stream ends when its credential expires or its account is blocked. What a stream
//! pushes is the application ring's `LiveNotifications`; `events` is its wire form.

mod events;
pub(crate) mod sse;
pub(crate) mod ticket;
pub(crate) mod ws;

use actix_web::web;
use chrono::{DateTime, Utc};
use seeg_application::identity::{AuthenticationError, TokenKind};
use seeg_application::live::LiveError;
use seeg_domain::identity::User;

use crate::error::{ApiError, ErrorCode};
use crate::routing::route;
use crate::state::ApiState;

/// Every live route; registered before `/api/v1/notifications/{id}` so that `stream` and `ws` are not read as ids.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/notifications/stream").route(web::get().to(sse::stream)))
        .service(route("/api/v1/notifications/stream/ticket").route(web::post().to(ticket::issue)))
        .service(route("/api/v1/notifications/ws").route(web::get().to(ws::connect)));
}

/// The account `credential` opens a stream for, and when the stream must end; any failure is 401.
async fn authenticate(state: &ApiState, credential: &str, kind: TokenKind) -> Result<(User, DateTime<Utc>), ApiError> {
    match state.accounts.authenticate_stream(credential, kind).await {
        Ok(found) => Ok(found),
        Err(AuthenticationError::InvalidToken) => Err(ApiError::invalid_token()),
        Err(AuthenticationError::Store(error)) => Err(error.into()),
    }
}

impl From<LiveError> for ApiError {
    fn from(error: LiveError) -> Self {
        let detail = error.to_string();
        match error {
            LiveError::TooManyStreams { .. } => Self::refused(ErrorCode::TooManyStreams, detail),
            LiveError::ServerFull { .. } => Self::refused(ErrorCode::StreamsFull, detail),
            LiveError::Revoked => Self::refused(ErrorCode::InvalidToken, detail),
            LiveError::Store(e) => e.into(),
        }
    }
}
