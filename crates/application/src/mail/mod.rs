//! E-mail: the `Mailer` port, the `mail.send` outbox handler that drives it, the e-mail log, the recipients'
//! preferences, the French templates and the `/emails/*` use cases.
//!
//! Every message is rendered by the use case that causes it and queued with [`queue_mail`]: an outbox event and a
//! `queued` log row written in the same transaction (I2, I8); the relay's handler only sends it and records each
//! attempt on the log row. The payload holds the recipient's address (it must, to send), so neither the handler
//! nor the mailers ever log the payload: ids only (S12).

mod desk;
mod log;
pub mod templates;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::mail::{MailClass, MailStatus};
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;
use uuid::Uuid;

use crate::outbox::{OutboxEvent, OutboxHandler};
use crate::{IdGenerator, StoreError, Transaction};

pub use desk::{
    DEFAULT_INTERVIEW_LOCATION, InterviewConvocation, MailDesk, MailDeskError, ManualMail, ManualMailError,
};
pub use log::{
    Attempt, EmailLog, EmailLogFilter, EmailLogRepository, EmailLogWriter, MailPreferenceRepository, MailPreferences,
};

/// The outbox event kind of an e-mail to send.
pub const MAIL_SEND: &str = "mail.send";

/// One rendered message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Stable across retries: the mailer's idempotency key, the outbox event's id and the log row's id.
    pub id: Uuid,
    /// The recipient's address (personal data: never logged, S12).
    pub to: String,
    /// Copies (`/emails/send`); absent from most messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    /// Blind copies (`/emails/send`); absent from most messages.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<String>,
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
        MailMessage { id, to: to.into(), cc: Vec::new(), bcc: Vec::new(), subject, text, html, attachments }
    }

    /// The same message with `attachment` after the files it already carries.
    #[must_use]
    pub fn with_attachment(mut self, attachment: Attachment) -> Self {
        self.attachments.push(attachment);
        self
    }
}

/// Why a message could not be sent: a short category stored on the log row (no address, no server text, S12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailFailure {
    /// The server could not be reached (refused, unknown host, connection dropped).
    Unreachable,
    /// The server did not answer in time.
    Timeout,
    /// The TLS handshake failed.
    Tls,
    /// The server refused for now (4xx): worth retrying.
    Transient,
    /// The server refused for good (5xx): a bad recipient, a policy.
    Rejected,
    /// The message could not be built (an address the transport refuses).
    Invalid,
    /// Writing the message (the folder mailer) failed.
    Storage,
    /// Anything else.
    Other,
}

impl MailFailure {
    /// The word stored in `email_logs.last_error`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Unreachable => "unreachable",
            Self::Timeout => "timeout",
            Self::Tls => "tls",
            Self::Transient => "transient",
            Self::Rejected => "rejected",
            Self::Invalid => "invalid_message",
            Self::Storage => "storage",
            Self::Other => "other",
        }
    }
}

/// A failed send: its category and the transport's error (for the outbox's `last_error`, never logged).
#[derive(Debug, thiserror::Error)]
#[error("{} : {source:#}", failure.as_str())]
pub struct MailError {
    /// What kind of failure it was.
    pub failure: MailFailure,
    /// The transport's error.
    #[source]
    pub source: anyhow::Error,
}

impl MailError {
    /// A failure of this category.
    pub fn new(failure: MailFailure, source: impl Into<anyhow::Error>) -> Self {
        Self { failure, source: source.into() }
    }
}

impl From<anyhow::Error> for MailError {
    fn from(source: anyhow::Error) -> Self {
        Self::new(MailFailure::Other, source)
    }
}

/// What the transport said when it took a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// The transport's reference: the SMTP server's answer (`2.0.0 Ok: queued as …`), the folder mailer's file
    /// name; `None` when it gives none.
    pub provider_message_id: Option<String>,
}

/// Sends one rendered message.
///
/// Contract: idempotent by `message.id`: sending the same id twice delivers once where the transport allows it
/// (the folder mailer overwrites the same file; SMTP cannot take a message back, so a crash between the send and
/// the log's `sent` may deliver twice). An error means the message may not have left: the outbox retries it.
/// Implementations never log the recipients or the content.
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    /// Sends `message` (see the contract above).
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError>;
}

/// The outbox event that sends `message`; the message id is the event id, so a replayed event sends the same
/// message.
fn mail_event(message: &MailMessage, now: DateTime<Utc>) -> OutboxEvent {
    let mut payload = serde_json::json!({
        "id": message.id,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
    });
    // Only when there are some: a message without copies or files keeps the payload it always had.
    if !message.cc.is_empty() {
        payload["cc"] = serde_json::json!(message.cc);
    }
    if !message.bcc.is_empty() {
        payload["bcc"] = serde_json::json!(message.bcc);
    }
    if !message.attachments.is_empty() {
        let attachments = message
            .attachments
            .iter()
            .map(|a| serde_json::json!({ "file_name": a.file_name, "content_type": a.content_type, "text": a.text }));
        payload["attachments"] = serde_json::Value::Array(attachments.collect());
    }
    OutboxEvent::new(message.id, MAIL_SEND, payload, now)
}

/// A message to queue, with what the log and the preferences need to know about it.
#[derive(Clone)]
pub struct Outgoing<'a> {
    kind: &'static str,
    to: &'a str,
    rendered: Rendered,
    cc: Vec<String>,
    bcc: Vec<String>,
    class: MailClass,
    user_id: Option<Uuid>,
    application_id: Option<Uuid>,
}

/// Leaves the recipients and the content out (S12).
impl std::fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("kind", &self.kind)
            .field("class", &self.class)
            .field("user_id", &self.user_id)
            .field("application_id", &self.application_id)
            .finish_non_exhaustive()
    }
}

impl<'a> Outgoing<'a> {
    /// An essential message of `kind` (`password_reset`, `interview_invitation`, …) to `to`: always sent.
    pub fn new(kind: &'static str, to: &'a str, rendered: Rendered) -> Self {
        let (cc, bcc) = (Vec::new(), Vec::new());
        Self { kind, to, rendered, cc, bcc, class: MailClass::Essential, user_id: None, application_id: None }
    }

    /// A non-essential message to the account `user_id`: not queued when it turned them off (B9).
    #[must_use]
    pub fn optional_for(self, user_id: Uuid) -> Self {
        Self { class: MailClass::NonEssential, ..self.for_account(user_id) }
    }

    /// The account the message is addressed to (`email_logs.user_id`, by which an erasure finds it, B7).
    #[must_use]
    pub fn for_account(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// The application the message is about (`email_logs.application_id`).
    #[must_use]
    pub fn about(mut self, application_id: Uuid) -> Self {
        self.application_id = Some(application_id);
        self
    }

    /// Copies and blind copies.
    #[must_use]
    pub fn with_copies(mut self, cc: Vec<String>, bcc: Vec<String>) -> Self {
        (self.cc, self.bcc) = (cc, bcc);
        self
    }
}

/// Queues `mail` in `tx`: its `mail.send` outbox event and its `queued` log row, whose id is the event's (and the
/// message's). Returns that id, or `None` when the recipient turned this non-essential message off: then
/// nothing is written (no event, no log row; docs/decisions.md B9).
pub async fn queue_mail(
    tx: &mut dyn Transaction,
    ids: &dyn IdGenerator,
    mail: Outgoing<'_>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    if let (MailClass::NonEssential, Some(user_id)) = (mail.class, mail.user_id)
        && !tx.email_logs().preferences(user_id).await?.email_non_essential
    {
        tracing::info!(user.id = %user_id, mail.kind = mail.kind, "non-essential e-mail turned off: not queued");
        return Ok(None);
    }
    let id = ids.new_id();
    let mut message = mail.rendered.to(id, mail.to);
    (message.cc, message.bcc) = (mail.cc, mail.bcc);
    let log = EmailLog::queued(&message, mail.kind, mail.application_id, mail.user_id, now);
    tx.outbox().append(&mail_event(&message, now)).await?;
    tx.email_logs().insert(&log).await?;
    Ok(Some(id))
}

/// Runs `mail.send` events: deserialises the rendered message, hands it to the mailer and records each attempt on
/// the message's log row (`sent`, `failed`, and `dead` when the outbox gives up).
#[derive(Debug)]
pub struct MailHandler {
    mailer: std::sync::Arc<dyn Mailer>,
    logs: std::sync::Arc<dyn EmailLogRepository>,
    clock: std::sync::Arc<dyn crate::Clock>,
}

impl MailHandler {
    /// A handler that sends each `mail.send` event through `mailer` and records the attempts in `logs`.
    pub fn new(
        mailer: std::sync::Arc<dyn Mailer>,
        logs: std::sync::Arc<dyn EmailLogRepository>,
        clock: std::sync::Arc<dyn crate::Clock>,
    ) -> Self {
        Self { mailer, logs, clock }
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
        // Idempotent by message id: a message the log already says was sent (the relay lost its lease, or crashed
        // before recording the outcome) is not handed to the transport again.
        if self.logs.get(message.id).await?.is_some_and(|log| log.status == MailStatus::Sent) {
            tracing::info!(outbox.event_id = %event.id, mail.id = %message.id, "mail already sent");
            return Ok(());
        }
        let attempts = event.attempts + 1;
        let sending = tracing::info_span!("mail.send", mail.id = %message.id, outbox.id = %event.id);
        match self.mailer.send(&message).instrument(sending).await {
            Ok(delivery) => {
                let attempt = Attempt::Sent { attempts, provider_message_id: delivery.provider_message_id };
                self.logs.record(message.id, &attempt, self.clock.now()).await?;
                metrics::counter!("seeg_email_attempts_total", "outcome" => "sent").increment(1);
                tracing::info!(outbox.event_id = %event.id, mail.id = %message.id, "mail sent");
                Ok(())
            }
            Err(error) => {
                metrics::counter!("seeg_email_attempts_total", "outcome" => "failed").increment(1);
                let attempt = Attempt::Failed { attempts, error: error.failure };
                self.logs.record(message.id, &attempt, self.clock.now()).await?;
                Err(error.into())
            }
        }
    }

    async fn dead_lettered(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        self.logs.record(event.id, &Attempt::Dead, self.clock.now()).await?;
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
        async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
            self.0.lock().unwrap().push(message.clone());
            Ok(Delivery::default())
        }
    }

    /// A log without rows: every event predates it.
    #[derive(Debug)]
    struct NoLog;

    #[async_trait]
    impl EmailLogRepository for NoLog {
        async fn get(&self, _: Uuid) -> Result<Option<EmailLog>, StoreError> {
            Ok(None)
        }
        async fn list(&self, _: &EmailLogFilter, _: crate::Page) -> Result<crate::PageOf<EmailLog>, StoreError> {
            Ok(crate::PageOf { items: Vec::new(), total: 0 })
        }
        async fn record(&self, _: Uuid, _: &Attempt, _: DateTime<Utc>) -> Result<bool, StoreError> {
            Ok(false)
        }
    }

    fn handler(mailer: Arc<dyn Mailer>) -> MailHandler {
        MailHandler::new(mailer, Arc::new(NoLog), Arc::new(crate::SystemClock))
    }

    fn event_of(to: &str, rendered: Rendered) -> OutboxEvent {
        mail_event(&rendered.to(Uuid::from_u128(7), to), chrono::DateTime::UNIX_EPOCH)
    }

    #[tokio::test]
    async fn the_handler_sends_the_message_the_event_carries() {
        let rendered = Rendered {
            subject: "Objet 🔑".into(),
            text: "texte".into(),
            html: "<p>html</p>".into(),
            attachments: Vec::new(),
        };
        let event = event_of("awa@example.com", rendered.clone());
        assert_eq!(event.kind, MAIL_SEND);
        let mailer = Arc::new(Recording::default());
        handler(mailer.clone()).handle(&event).await.unwrap();
        let sent = mailer.0.lock().unwrap().clone();
        assert_eq!(sent, vec![rendered.to(event.id, "awa@example.com")]);
    }

    #[test]
    fn an_outgoing_message_leaves_its_recipients_and_content_out_of_debug() {
        let outgoing = Outgoing::new("manual", "secret@example.com", Rendered::default())
            .with_copies(vec!["cc@example.com".into()], vec!["bcc@example.com".into()]);
        let shown = format!("{outgoing:?}");
        assert!(!shown.contains("example.com") && shown.contains("manual"), "{shown}");
    }

    #[tokio::test]
    async fn an_unreadable_payload_fails_without_quoting_it() {
        let event = OutboxEvent::new(
            Uuid::from_u128(1),
            MAIL_SEND,
            serde_json::json!({"to": "secret@example.com"}),
            chrono::DateTime::UNIX_EPOCH,
        );
        let error = handler(Arc::new(Recording::default())).handle(&event).await.unwrap_err();
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
        let event = event_of("awa@example.com", rendered.clone());
        let mailer = Arc::new(Recording::default());
        handler(mailer.clone()).handle(&event).await.unwrap();
        assert_eq!(mailer.0.lock().unwrap()[0], rendered.to(event.id, "awa@example.com"));

        let old = serde_json::json!({"id": Uuid::nil(), "to": "a@b.c", "subject": "s", "text": "t", "html": "h"});
        let event = OutboxEvent::new(Uuid::from_u128(2), MAIL_SEND, old, chrono::DateTime::UNIX_EPOCH);
        handler(mailer.clone()).handle(&event).await.unwrap();
        assert!(mailer.0.lock().unwrap()[1].attachments.is_empty());
        let plain = event_of("a@b.c", Rendered::default());
        assert!(plain.payload.get("attachments").is_none(), "no files, the payload it always had");
    }
}
