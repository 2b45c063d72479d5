//! E-mails (legacy §1.12, S8): staff send a message or an interview convocation (`send`), queued through the
//! outbox and never sent inline; admins read the log (`logs`); every account sets its own e-mail preferences
//! (`preferences`, B9). Here: the route table and the error mapping; who may do what is the application ring's
//! `MailDesk`.

pub(crate) mod dto;
pub(crate) mod logs;
pub(crate) mod preferences;
pub(crate) mod send;

use actix_web::web;
use seeg_application::mail::{MailDeskError, ManualMailError};

use crate::error::ApiError;
use crate::routing::route;

/// Every e-mail route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/emails/send").route(web::post().to(send::send_email)))
        .service(route("/api/v1/emails/send-interview-email").route(web::post().to(send::send_interview_email)))
        .service(route("/api/v1/emails/logs").route(web::get().to(logs::list_logs)))
        .service(
            route("/api/v1/users/me/notification-settings")
                .route(web::get().to(preferences::get_settings))
                .route(web::put().to(preferences::put_settings)),
        );
}

impl From<ManualMailError> for ApiError {
    fn from(error: ManualMailError) -> Self {
        Self::invalid(format!("body.{}", error.field()), error.to_string())
    }
}

impl From<MailDeskError> for ApiError {
    fn from(error: MailDeskError) -> Self {
        let detail = error.to_string();
        match error {
            MailDeskError::Forbidden | MailDeskError::LogsForbidden => Self::forbidden(detail),
            MailDeskError::ApplicationNotFound => Self::NotFound,
            MailDeskError::Invalid(e) => e.into(),
            MailDeskError::Store(e) => e.into(),
        }
    }
}
