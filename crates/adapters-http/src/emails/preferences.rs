//! `GET` and `PUT /users/me/notification-settings` (B9): any account reads and sets its own e-mail preferences.

use actix_web::{HttpResponse, web};
use seeg_application::mail::MailPreferences;

use super::dto::NotificationSettings;
use crate::auth::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

/// The caller's e-mail preferences (non-essential e-mails on by default).
#[utoipa::path(
    get,
    path = "/api/v1/users/me/notification-settings",
    operation_id = "get_notification_settings",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    responses(
        (status = 200, body = NotificationSettings),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn get_settings(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let preferences = state.mail.preferences(&caller.0).await?;
    Ok(HttpResponse::Ok().json(NotificationSettings::from(preferences)))
}

/// Sets the caller's e-mail preferences. With `email_non_essential: false`, application confirmations and
/// status-change e-mails are no longer queued; security, access and interview e-mails always are.
#[utoipa::path(
    put,
    path = "/api/v1/users/me/notification-settings",
    operation_id = "put_notification_settings",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    request_body = NotificationSettings,
    responses(
        (status = 200, body = NotificationSettings),
        (status = 401, body = ErrorBody),
        (status = 422, description = "`email_non_essential` absent ou pas un booléen", body = ErrorBody),
    )
)]
pub(crate) async fn put_settings(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<NotificationSettings>,
) -> Result<HttpResponse, ApiError> {
    let body = body.read().await?;
    let preferences = MailPreferences { email_non_essential: body.email_non_essential };
    let saved = state.mail.set_preferences(&caller.0, preferences).await?;
    Ok(HttpResponse::Ok().json(NotificationSettings::from(saved)))
}
