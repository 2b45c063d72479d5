//! Listing, reading and marking read the caller's notifications (legacy §1.9, R33, I8). Any signed-in role; a
//! notification of another account answers 404 as an unknown one (S3).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use seeg_application::Page;
use seeg_application::identity::{NotificationFilter, NotificationSort, NotificationSortKey, SortOrder};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use super::dto::{NotificationBody, NotificationList};
use crate::auth::Caller;
use crate::envelope::{TOTAL_COUNT_HEADER, page_number};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::{PageQuery, choice, parse_uuid, text_filter, text_filter_within, timestamp};
use crate::state::ApiState;

/// The page size of `GET /notifications/` when none is asked (legacy).
pub const NOTIFICATIONS_DEFAULT_LIMIT: u64 = 100;
/// The largest page of `GET /notifications/` (legacy `limit` 1..=1000).
pub const NOTIFICATIONS_MAX_LIMIT: u64 = 1000;
/// The longest `type` filter: the column's width.
pub const TYPE_MAX_CHARS: usize = 50;

/// Query of `GET /api/v1/notifications/`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationsQuery {
    /// Notifications to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `true`: the unread ones only (default `false`).
    #[param(value_type = Option<bool>)]
    unread_only: Option<String>,
    /// Text found in the title or the message, case and accents ignored (at most 200 characters).
    q: Option<String>,
    /// Only this type (`application_status_changed`, `interview_scheduled`, …), compared exactly.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    /// Written at or after this instant: RFC 3339 (`2026-12-05T08:00:00Z`; a `+` offset sent as `%2B`), or a
    /// day `YYYY-MM-DD` (from its start, UTC).
    #[param(value_type = Option<String>)]
    date_from: Option<String>,
    /// Written at or before this instant: RFC 3339, or a day `YYYY-MM-DD` (up to its end, UTC).
    #[param(value_type = Option<String>)]
    date_to: Option<String>,
    /// `created_at` (default) or `title`; ties are broken by id.
    #[param(schema_with = crate::fields::notification_sort)]
    sort: Option<String>,
    /// `desc` (default) or `asc`.
    #[param(schema_with = crate::fields::sort_order)]
    order: Option<String>,
}

/// An instant of the query: `timestamp`'s forms; a bare day is its first instant, or its last when `end_of_day`
/// (a `date_to` of a day includes that day).
fn instant(field: &str, raw: Option<&String>, end_of_day: bool, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = raw.map(|r| r.trim()).filter(|r| !r.is_empty())?;
    match timestamp(&Value::String(raw.to_owned())) {
        Ok(at) if end_of_day && NaiveDate::parse_from_str(raw, "%Y-%m-%d").is_ok() => {
            Some(at + TimeDelta::days(1) - TimeDelta::microseconds(1))
        }
        Ok(at) => Some(at),
        Err(message) => {
            errors.push(FieldError { field: format!("query.{field}"), message });
            None
        }
    }
}

impl NotificationsQuery {
    fn into_parts(self) -> Result<(NotificationFilter, Page, NotificationSort), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<NOTIFICATIONS_DEFAULT_LIMIT, NOTIFICATIONS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let booleans = [("true", true), ("false", false), ("1", true), ("0", false)];
        let unread_only = choice("unread_only", self.unread_only.as_ref(), &booleans, &mut errors).unwrap_or(false);
        let q = text_filter("q", self.q.as_ref(), &mut errors);
        let kind = text_filter_within("type", self.kind.as_ref(), TYPE_MAX_CHARS, &mut errors);
        let created_from = instant("date_from", self.date_from.as_ref(), false, &mut errors);
        let created_to = instant("date_to", self.date_to.as_ref(), true, &mut errors);
        let keys = [("created_at", NotificationSortKey::CreatedAt), ("title", NotificationSortKey::Title)];
        let key = choice("sort", self.sort.as_ref(), &keys, &mut errors).unwrap_or_default();
        let orders = [("asc", SortOrder::Asc), ("desc", SortOrder::Desc)];
        let order = choice("order", self.order.as_ref(), &orders, &mut errors).unwrap_or(SortOrder::Desc);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let filter = NotificationFilter { unread_only, q, kind, created_from, created_to };
        Ok((filter, page, NotificationSort { key, order }))
    }
}

/// Lists the caller's notifications, newest first unless asked otherwise (R33). `total` (and `X-Total-Count`)
/// counts every match.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/",
    operation_id = "list_notifications",
    tag = "Notifications",
    security(("bearer" = [])),
    params(NotificationsQuery),
    responses(
        (status = 200, body = NotificationList,
         headers(("X-Total-Count" = u64, description = "Nombre total de notifications correspondantes"))),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Paramètre invalide (le champ est nommé dans `errors`)", body = ErrorBody),
    )
)]
pub(crate) async fn list_notifications(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<NotificationsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page, sort) = query.into_inner().into_parts()?;
    let found = state.notifications.list(&caller.0, &filter, page, sort).await?;
    let body = NotificationList {
        notifications: found.items.iter().map(NotificationBody::from).collect(),
        total: found.total,
        page: page_number(page),
        per_page: page.limit,
        total_pages: found.total.div_ceil(page.limit),
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

/// One of the caller's notifications (another account's is 404, S3).
#[utoipa::path(
    get,
    path = "/api/v1/notifications/{notification_id}",
    operation_id = "get_notification",
    tag = "Notifications",
    security(("bearer" = [])),
    params(("notification_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = NotificationBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Notification inconnue ou d'un autre compte", body = ErrorBody),
        (status = 422, description = "`notification_id` n'est pas un UUID", body = ErrorBody),
    )
)]
pub(crate) async fn get_notification(
    state: web::Data<ApiState>,
    caller: Caller,
    notification_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("notification_id", &notification_id)?;
    let notification = state.notifications.get(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(NotificationBody::from(&notification)))
}

/// Marks one of the caller's notifications read, persisted (I8); marking it again changes nothing.
#[utoipa::path(
    put,
    path = "/api/v1/notifications/{notification_id}/read",
    operation_id = "mark_notification_read",
    tag = "Notifications",
    security(("bearer" = [])),
    params(("notification_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, description = "La notification, lue", body = NotificationBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Notification inconnue ou d'un autre compte", body = ErrorBody),
        (status = 422, description = "`notification_id` n'est pas un UUID", body = ErrorBody),
    )
)]
pub(crate) async fn mark_read(
    state: web::Data<ApiState>,
    caller: Caller,
    notification_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("notification_id", &notification_id)?;
    let notification = state.notifications.mark_read(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(NotificationBody::from(&notification)))
}

/// Marks every notification of the caller read, persisted (I8).
#[utoipa::path(
    put,
    path = "/api/v1/notifications/read-all",
    operation_id = "mark_all_notifications_read",
    tag = "Notifications",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Toutes lues"),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn mark_all_read(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    state.notifications.mark_all_read(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
