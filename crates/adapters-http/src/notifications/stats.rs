//! `GET /notifications/stats/unread-count` and `/stats/overview` (legacy §1.9, R33): the caller's own
//! notifications counted.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use seeg_application::identity::NotificationStats;
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

/// Legacy `{count}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    /// The caller's unread notifications.
    pub count: u64,
}

/// Legacy `/notifications/stats/overview` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationStatsBody {
    pub total_notifications: u64,
    pub unread_count: u64,
    /// `total_notifications - unread_count`.
    pub read_count: u64,
    /// Each type the caller has notifications of, with their number; those without a type (legacy rows) are
    /// counted under `autre`.
    #[schema(example = json!({"application_status_changed": 3, "interview_scheduled": 1}))]
    pub notifications_by_type: BTreeMap<String, u64>,
}

impl From<NotificationStats> for NotificationStatsBody {
    fn from(stats: NotificationStats) -> Self {
        Self {
            total_notifications: stats.total,
            unread_count: stats.unread,
            read_count: stats.total.saturating_sub(stats.unread),
            notifications_by_type: stats.by_kind,
        }
    }
}

/// How many of the caller's notifications are unread.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/stats/unread-count",
    operation_id = "notifications_unread_count",
    tag = "Notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = UnreadCount),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn unread_count(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let count = state.notifications.unread_count(&caller.0).await?;
    Ok(HttpResponse::Ok().json(UnreadCount { count }))
}

/// The caller's notifications counted: in all, unread, read, per type.
#[utoipa::path(
    get,
    path = "/api/v1/notifications/stats/overview",
    operation_id = "notifications_stats_overview",
    tag = "Notifications",
    security(("bearer" = [])),
    responses(
        (status = 200, body = NotificationStatsBody),
        (status = 401, body = ErrorBody),
    )
)]
pub(crate) async fn overview(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let counted = state.notifications.stats(&caller.0).await?;
    Ok(HttpResponse::Ok().json(NotificationStatsBody::from(counted)))
}
