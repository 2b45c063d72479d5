//! `POST /api/v1/notifications/stream/ticket` (B3): a short-lived ticket that opens SSE streams from a URL
//! (within its 60 s), for `EventSource`, which cannot send an `Authorization` header; the access token itself
//! never goes in a URL.

use actix_web::{HttpResponse, web};
use seeg_application::identity::STREAM_TICKET_LIFETIME;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

/// A stream ticket.
#[derive(Debug, Serialize, ToSchema)]
pub struct StreamTicketBody {
    /// Put it in `GET /api/v1/notifications/stream?ticket=…`.
    pub ticket: String,
    /// Seconds it stays valid (a stream opened in time runs until the caller's access token would expire).
    pub expires_in: u64,
}

/// A ticket opening the caller's notification stream from a URL.
#[utoipa::path(
    post,
    path = "/api/v1/notifications/stream/ticket",
    operation_id = "notification_stream_ticket",
    tag = "Notifications",
    security(("bearer" = [])),
    responses(
        (status = 201, body = StreamTicketBody),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn issue(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let issued = state.accounts.stream_ticket(&caller.0)?;
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(StreamTicketBody { ticket: issued.token, expires_in: STREAM_TICKET_LIFETIME.as_secs() }))
}
