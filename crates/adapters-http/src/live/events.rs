//! The events a live stream pushes, in the legacy WebSocket's JSON (R34): `{"type": "notifications:…", …}`; SSE
//! sends the same JSON as its `data`, the type as its `event`, and a new notification's cursor as its `id`.

use seeg_application::live::{Cursor, PushEvent};
use serde::Serialize;
use uuid::Uuid;

use crate::notifications::NotificationBody;

#[derive(Debug, Serialize)]
#[serde(tag = "type")]
enum Wire<'a> {
    #[serde(rename = "notifications:new")]
    New { notification: &'a NotificationBody },
    #[serde(rename = "notifications:unread_count")]
    UnreadCount { count: u64 },
    #[serde(rename = "notifications:updated")]
    Updated { id: Uuid },
    #[serde(rename = "notifications:updated_all")]
    UpdatedAll,
}

/// One event ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Encoded {
    /// `notifications:new`, `notifications:unread_count`, …
    pub name: &'static str,
    /// The SSE `id` (new notifications only).
    pub id: Option<String>,
    /// The JSON object.
    pub json: String,
}

pub(crate) fn encode(event: &PushEvent) -> Encoded {
    let body;
    let (name, id, wire) = match event {
        PushEvent::New(n) => {
            let id = Some(Cursor::after(n).to_event_id());
            body = NotificationBody::from(n.as_ref());
            ("notifications:new", id, Wire::New { notification: &body })
        }
        PushEvent::UnreadCount(count) => ("notifications:unread_count", None, Wire::UnreadCount { count: *count }),
        PushEvent::Updated(id) => ("notifications:updated", None, Wire::Updated { id: *id }),
        PushEvent::UpdatedAll => ("notifications:updated_all", None, Wire::UpdatedAll),
    };
    // Serialising these plain structs cannot fail.
    let json = serde_json::to_string(&wire).unwrap_or_else(|_| String::from("{}"));
    Encoded { name, id, json }
}

/// The SSE frame of `event`: `id`, `event`, one `data` line (the JSON has no newline), a blank line.
pub(crate) fn sse_frame(event: &Encoded) -> String {
    let mut frame = String::with_capacity(event.json.len() + 96);
    if let Some(id) = &event.id {
        frame.push_str("id: ");
        frame.push_str(id);
        frame.push('\n');
    }
    frame.push_str("event: ");
    frame.push_str(event.name);
    frame.push_str("\ndata: ");
    frame.push_str(&event.json);
    frame.push_str("\n\n");
    frame
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use seeg_application::identity::Notification;

    use super::*;

    #[test]
    fn events_carry_the_legacy_types_and_a_new_notification_its_cursor() {
        let notification = Notification {
            id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            related_application_id: None,
            title: "Entretien\nprogrammé".into(),
            message: "« Ingénieur » : <b>lundi</b>".into(),
            kind: "interview_scheduled".into(),
            link: Some("/applications".into()),
            read: false,
            created_at: DateTime::from_timestamp_micros(1_780_000_000_000_001).unwrap(),
        };
        let new = encode(&PushEvent::New(Box::new(notification)));
        assert_eq!(new.name, "notifications:new");
        assert_eq!(new.id.as_deref(), Some("1780000000000001.00000000-0000-0000-0000-000000000001"));
        let frame = sse_frame(&new);
        assert_eq!(frame.matches('\n').count(), 4, "the title's newline is escaped in the JSON: {frame}");
        let data: serde_json::Value = serde_json::from_str(frame.split("data: ").nth(1).unwrap().trim()).unwrap();
        assert_eq!(data["type"], "notifications:new");
        assert_eq!(data["notification"]["title"], "Entretien\nprogrammé");
        assert_eq!(data["notification"]["type"], "interview_scheduled");
        assert_eq!(data["notification"]["created_at"], "2026-05-28T20:26:40.000001Z");
        let count = encode(&PushEvent::UnreadCount(3));
        assert_eq!(count.json, r#"{"type":"notifications:unread_count","count":3}"#);
        assert_eq!(encode(&PushEvent::UpdatedAll).json, r#"{"type":"notifications:updated_all"}"#);
        let updated = encode(&PushEvent::Updated(Uuid::from_u128(1)));
        assert_eq!(updated.json, r#"{"type":"notifications:updated","id":"00000000-0000-0000-0000-000000000001"}"#);
    }
}
