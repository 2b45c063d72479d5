//! An account's in-app notifications (legacy §1.9, R33, I8b): listing, reading and marking read (`inbox`), in the
//! legacy shapes of `dto`, and their counts (`stats`). Here: the route table and the error mapping; who sees
//! which notification is the application ring's `Notifications` (the caller's own only, S3).

pub(crate) mod dto;
pub(crate) mod inbox;
pub(crate) mod stats;

pub(crate) use dto::NotificationBody;

use actix_web::web;
use seeg_application::notifications::NotificationError;

use crate::error::ApiError;
use crate::routing::route;

/// Every notification route. The fixed paths come before `/{notification_id}`, so that `read-all` is never read
/// as an id.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/notifications").route(web::get().to(inbox::list_notifications)))
        .service(route("/api/v1/notifications/read-all").route(web::put().to(inbox::mark_all_read)))
        .service(route("/api/v1/notifications/stats/unread-count").route(web::get().to(stats::unread_count)))
        .service(route("/api/v1/notifications/stats/overview").route(web::get().to(stats::overview)))
        .service(route("/api/v1/notifications/{notification_id}").route(web::get().to(inbox::get_notification)))
        .service(route("/api/v1/notifications/{notification_id}/read").route(web::put().to(inbox::mark_read)));
}

impl From<NotificationError> for ApiError {
    fn from(error: NotificationError) -> Self {
        match error {
            NotificationError::NotFound => Self::NotFound,
            NotificationError::Store(e) => e.into(),
        }
    }
}
