//! E-mail: the `Mailer` port, the `mail.send` outbox handler that drives it, and the French templates.
//!
//! Every message is rendered by the use case that causes it and stored, rendered, in an outbox event written in
//! the same transaction (I2); the relay's handler only sends it. The payload holds the recipient's address (it
//! must, to send), so neither the handler nor the mailers ever log the payload: ids only (S12).

pub mod templates;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::IdGenerator;
use crate::outbox::{OutboxEvent, OutboxHandler};

/// The outbox event kind of an e-mail to send.
pub const MAIL_SEND: &str = "mail.send";

/// One rendered message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Stable across retries: the mailer's idempotency key.
    pub id: Uuid,
    /// The recipient's address (personal data: never logged, S12).
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part; user-supplied text in it is escaped (S8).
    pub html: String,
    /// Files sent beside the body (an interview's invitation, B4). Absent from events written before
    /// attachments existed, which still deserialize.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// A text file sent with a message: a calendar invitation (B4).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// The name the recipient sees (`invitation.ics`).
    pub file_name: String,
    /// Its MIME type with its parameters (`text/calendar; method=REQUEST; charset=UTF-8`).
    pub content_type: String,
    /// Its content, UTF-8 text (personal data: never logged, S12).
    pub text: String,
}

/// Leaves the content out: an invitation names its attendee (S12).
impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attachment")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.text.len())
            .finish()
    }
}

/// Leaves the address and the body out, so a message that reaches a log by accident leaks nothing (S12).
impl std::fmt::Debug for MailMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailMessage").field("id", &self.id).finish_non_exhaustive()
    }
}

/// A message without its id and recipient: what a template produces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part; user-supplied text in it is escaped (S8).
    pub html: String,
    /// Files sent beside the body.
    pub attachments: Vec<Attachment>,
}

impl Rendered {
    /// The message with its id (the mailer's idempotency key) and recipient.
    pub fn to(self, id: Uuid, to: impl Into<String>) -> MailMessage {
        let Self { subject, text, html, attachments } = self;
        MailMessage { id, to: to.into(), subject, text, html, attachments }
    }

    /// The same message with `attachment` after the files it already carries.
    #[must_use]
    pub fn with_attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

/// Sends one rendered message.
///
/// Contract: idempotent by `message.id`: sending the same id twice delivers once where the transport allows it
/// (the folder mailer overwrites the same file; SMTP cannot take a message back, so a crash between the send and
/// the outbox's `mark_done` may deliver twice). An error means the message may not have left: the outbox
/// retries it. Implementations never log the recipient or the content.
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends `message` (see the contract above).
    async fn send(&self, message: &MailMessage) -> anyhow::Result<()>;
}

/// The outbox event that sends `rendered` to `to`; the message id is the event id, so a replayed event sends the
/// same message.
pub fn mail_event(ids: &dyn IdGenerator, to: &str, rendered: Rendered, now: DateTime<Utc>) -> OutboxEvent {
    let id = ids.new_id();
    let message = rendered.to(id, to);
    let mut payload = serde_json::json!({
        "id": message.id,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
    });
    // Only when there are some: a message without files keeps the payload it always had.
    if !message.attachments.is_empty() {
        let attachments = message
            .attachments
            .iter()
            .map(|a| serde_json::json!({ "file_name": a.file_name, "content_type": a.content_type, "text": a.text }));
        payload["attachments"] = serde_json::Value::Array(attachments.collect());
    }
    OutboxEvent::new(id, MAIL_SEND, payload, now)
}

/// Runs `mail.send` events: deserialises the rendered message and hands it to the mailer.
#[derive(Debug)]
pub struct MailHandler {
    mailer: std::sync::Arc<dyn Mailer>,
}

impl MailHandler {
    /// A handler that sends each `mail.send` event through `mailer`.
    pub fn new(mailer: std::sync::Arc<dyn Mailer>) -> Self {
        Self { mailer }
    }
}

#[async_trait]
impl OutboxHandler for MailHandler {
    fn kind(&self) -> &'static str {
        MAIL_SEND
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        // The serde error could quote the payload: keep only its category.
        let message: MailMessage = serde_json::from_value(event.payload.clone())
            .map_err(|e| anyhow::anyhow!("message mail.send illisible ({:?}, événement {})", e.classify(), event.id))?;
        self.mailer.send(&message).await?;
        tracing::info!(outbox.event_id = %event.id, mail.id = %message.id, "mail sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<MailMessage>>);

    #[async_trait]
    impl Mailer for Recording {
        async fn send(&self, message: &MailMessage) -> anyhow::Result<()> {
            self.0.lock().unwrap().push(message.clone());
            Ok(())
        }
    }

    #[derive(Debug)]
    struct FixedId;

    impl IdGenerator for FixedId {
        fn new_id(&self) -> Uuid {
            Uuid::from_u128(7)
        }
    }

    #[tokio::test]
    async fn the_handler_sends_the_message_the_event_carries() {
        let rendered = Rendered {
            subject: "Objet 🔑".into(),
            text: "texte".into(),
            html: "<p>html</p>".into(),
            attachments: Vec::new(),
        };
        let event = mail_event(&FixedId, "awa@example.com", rendered.clone(), chrono::DateTime::UNIX_EPOCH);
        assert_eq!(event.kind, MAIL_SEND);
        let mailer = Arc::new(Recording::default());
        MailHandler::new(mailer.clone()).handle(&event).await.unwrap();
        let sent = mailer.0.lock().unwrap().clone();
        assert_eq!(sent, vec![rendered.to(event.id, "awa@example.com")]);
    }

    #[tokio::test]
    async fn an_unreadable_payload_fails_without_quoting_it() {
        let event = OutboxEvent::new(
            Uuid::from_u128(1),
            MAIL_SEND,
            serde_json::json!({"to": "secret@example.com"}),
            chrono::DateTime::UNIX_EPOCH,
        );
        let error = MailHandler::new(Arc::new(Recording::default())).handle(&event).await.unwrap_err();
        assert!(!format!("{error:#}").contains("secret@example.com"));
    }

    fn invitation(text: &str) -> Attachment {
        Attachment {
            file_name: "invitation.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=UTF-8".into(),
            text: text.into(),
        }
    }

    #[test]
    fn debug_leaves_the_address_and_the_attachments_out() {
        let message = Rendered { subject: "s".into(), text: "t".into(), html: "h".into(), attachments: Vec::new() }
            .with_attachment(invitation("ATTENDEE:mailto:a@b.c"))
            .to(Uuid::nil(), "a@b.c");
        assert!(!format!("{message:?}").contains("a@b.c"));
        assert!(!format!("{:?}", message.attachments).contains("a@b.c"));
    }

    #[tokio::test]
    async fn attachments_travel_in_the_event_and_old_events_still_read() {
        let rendered = Rendered { subject: "s".into(), text: "t".into(), html: "h".into(), attachments: Vec::new() }
            .with_attachment(invitation("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
        let event = mail_event(&FixedId, "awa@example.com", rendered.clone(), chrono::DateTime::UNIX_EPOCH);
        let mailer = Arc::new(Recording::default());
        MailHandler::new(mailer.clone()).handle(&event).await.unwrap();
        assert_eq!(mailer.0.lock().unwrap()[0], rendered.to(event.id, "awa@example.com"));

        let old = serde_json::json!({"id": Uuid::nil(), "to": "a@b.c", "subject": "s", "text": "t", "html": "h"});
        let event = OutboxEvent::new(Uuid::from_u128(2), MAIL_SEND, old, chrono::DateTime::UNIX_EPOCH);
        MailHandler::new(mailer.clone()).handle(&event).await.unwrap();
        assert!(mailer.0.lock().unwrap()[1].attachments.is_empty());
        let plain = mail_event(&FixedId, "a@b.c", Rendered::default(), chrono::DateTime::UNIX_EPOCH);
        assert!(plain.payload.get("attachments").is_none(), "no files, the payload it always had");
    }
}
