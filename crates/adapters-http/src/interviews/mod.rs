//! Interview slots (legacy §1.11, I7): booking, reading, moving and cancelling them (`slots`), in the legacy
//! shapes of `dto`, and their counts by status (`stats`). Here: the route table and the error mapping; who may
//! do or see what is the application ring's `InterviewSlots`.

mod dto;
pub(crate) mod slots;
pub(crate) mod stats;

pub(crate) use dto::SlotBody;

use actix_web::web;
use seeg_application::interviews::SlotError;
use seeg_domain::interviews::SlotFieldError;

use crate::error::{ApiError, ErrorCode};
use crate::routing::route;

/// Every interview route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route("/api/v1/interviews/slots")
            .route(web::post().to(slots::create_slot))
            .route(web::get().to(slots::list_slots)),
    )
    .service(
        route("/api/v1/interviews/slots/{slot_id}")
            .route(web::get().to(slots::get_slot))
            .route(web::put().to(slots::update_slot))
            .route(web::delete().to(slots::cancel_slot)),
    )
    .service(route("/api/v1/interviews/stats/overview").route(web::get().to(stats::overview)));
}

/// The body field a malformed value was read from.
fn field_of(error: &SlotFieldError) -> String {
    match error {
        SlotFieldError::Date => "body.date".to_owned(),
        SlotFieldError::Time => "body.time".to_owned(),
        SlotFieldError::TooLong { field, .. } => format!("body.{field}"),
    }
}

impl From<SlotError> for ApiError {
    fn from(error: SlotError) -> Self {
        let detail = error.to_string();
        match error {
            SlotError::NotFound | SlotError::ApplicationNotFound => Self::NotFound,
            SlotError::Forbidden => Self::forbidden(detail),
            SlotError::Closed(_) => Self::refused(ErrorCode::ApplicationClosed, detail),
            SlotError::Occupied { .. } => Self::refused(ErrorCode::SlotOccupied, detail),
            SlotError::Invalid(e) => Self::invalid(field_of(&e), detail),
            SlotError::ApplicationChange => Self::invalid("body.application_id", detail),
            SlotError::Store(e) => e.into(),
        }
    }
}
