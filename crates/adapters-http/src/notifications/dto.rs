//! The legacy shapes of a notification (`Notification`, `NotificationList`, legacy §1.15), the id a UUID string
//! (F3), times RFC 3339 UTC (F2).

use chrono::{DateTime, Utc};
use seeg_application::identity::Notification;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Legacy `Notification`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationBody {
    /// Short title, in French.
    pub title: String,
    pub message: String,
    /// `registration`, `application_status_changed`, `interview_scheduled`, … (R32); `null` for a legacy row
    /// stored without a type.
    #[serde(rename = "type")]
    #[schema(example = "application_status_changed")]
    pub kind: Option<String>,
    /// Where the front end takes the reader (`/applications/{id}`, …).
    pub link: Option<String>,
    pub read: bool,
    /// A UUID (F3).
    pub id: Uuid,
    pub user_id: Uuid,
    pub related_application_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&Notification> for NotificationBody {
    fn from(n: &Notification) -> Self {
        Self {
            title: n.title.clone(),
            message: n.message.clone(),
            kind: Some(n.kind.clone()).filter(|k| !k.is_empty()),
            link: n.link.clone(),
            read: n.read,
            id: n.id,
            user_id: n.user_id,
            related_application_id: n.related_application_id,
            created_at: n.created_at,
        }
    }
}

/// Legacy `NotificationList`, with the true total (F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<NotificationBody>,
    /// Every matching notification, not the page size.
    pub total: u64,
    /// `skip / limit + 1`.
    pub page: u64,
    pub per_page: u64,
    /// `ceil(total / per_page)`.
    pub total_pages: u64,
}
