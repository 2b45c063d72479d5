//! The e-mail log (`email_logs`, legacy §2.14, I8) and the recipients' e-mail preferences (B9).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::mail::MailStatus;
use uuid::Uuid;

use super::{MailFailure, MailMessage};
use crate::{Page, PageOf, StoreError};

/// One e-mail and where it stands. Its id is the message id and the id of the outbox event that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailLog {
    /// The message id (= the `mail.send` outbox event's id).
    pub id: Uuid,
    /// The application it is about, if any.
    pub application_id: Option<Uuid>,
    /// The account it was addressed to, if any (`email_logs.user_id`): the erasure finds a person's mail by it,
    /// whatever address the account had then (B7).
    pub user_id: Option<Uuid>,
    /// Every recipient, `to` then copies, joined with `, ` (legacy `"to"`; personal data: never logged).
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The HTML part.
    pub html: String,
    /// The plain-text part (`email_metadata.body_plain`).
    pub text: String,
    /// What caused it (`password_reset`, `interview_invitation`, `manual`, …).
    pub kind: String,
    /// Where it stands.
    pub status: MailStatus,
    /// Attempts so far (0 while queued).
    pub attempts: u32,
    /// The last failure's category (`unreachable`, `timeout`, …; never an address or a server's text).
    pub last_error: Option<String>,
    /// The transport's reference for the accepted message.
    pub provider_message_id: Option<String>,
    /// When the transport accepted it.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// Its last change.
    pub updated_at: DateTime<Utc>,
}

/// Leaves the recipients and the content out (S12).
impl std::fmt::Debug for EmailLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailLog")
            .field("id", &self.id)
            .field("application_id", &self.application_id)
            .field("user_id", &self.user_id)
            .field("kind", &self.kind)
            .field("status", &self.status)
            .field("attempts", &self.attempts)
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

impl EmailLog {
    /// The `queued` row of `message`, written with its outbox event: about application `application_id`,
    /// addressed to account `user_id`.
    pub fn queued(
        message: &MailMessage,
        kind: &str,
        application_id: Option<Uuid>,
        user_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Self {
        let recipients: Vec<&str> = std::iter::once(message.to.as_str())
            .chain(message.cc.iter().chain(&message.bcc).map(String::as_str))
            .collect();
        Self {
            id: message.id,
            application_id,
            user_id,
            to: recipients.join(", "),
            subject: message.subject.clone(),
            html: message.html.clone(),
            text: message.text.clone(),
            kind: kind.to_owned(),
            status: MailStatus::Queued,
            attempts: 0,
            last_error: None,
            provider_message_id: None,
            sent_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// One attempt's outcome, as the handler and the relay record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The transport took the message: `sent`, with the attempts so far and its reference; the error is cleared.
    Sent {
        /// Attempts so far, this one included.
        attempts: u32,
        /// The transport's reference, if it gave one.
        provider_message_id: Option<String>,
    },
    /// It failed: `failed`, with the attempts so far and the failure's category.
    Failed {
        /// Attempts so far, this one included.
        attempts: u32,
        /// What kind of failure.
        error: MailFailure,
    },
    /// The outbox dead-lettered the event: `dead`, attempts and error kept.
    Dead,
}

/// Which log rows to list (`GET /emails/logs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmailLogFilter {
    /// Only rows in this status.
    pub status: Option<MailStatus>,
    /// Only rows whose recipients contain this text, ignoring case.
    pub recipient: Option<String>,
    /// Only rows about this application.
    pub application_id: Option<Uuid>,
    /// Only rows addressed to this account (`user_id`).
    pub user_id: Option<Uuid>,
    /// Only rows queued at or after this time.
    pub queued_from: Option<DateTime<Utc>>,
    /// Only rows queued before this time.
    pub queued_before: Option<DateTime<Utc>>,
}

/// Writes log rows inside the transaction of the change that causes the e-mail.
#[async_trait]
pub trait EmailLogWriter: Send {
    /// Adds `log`; `Conflict` when its id exists.
    async fn insert(&mut self, log: &EmailLog) -> Result<(), StoreError>;
    /// The preferences of account `user_id` as this transaction sees them (the defaults when it never set any).
    async fn preferences(&mut self, user_id: Uuid) -> Result<MailPreferences, StoreError>;
}

/// Reads the log and records attempts.
///
/// Contract: `list` orders newest first (`created_at`, then id, both descending) and counts every match;
/// `record` changes the row with this id and returns `false` when there is none (an event queued before the log
/// existed). `Dead` keeps the attempts and the error of the last failure.
#[async_trait]
pub trait EmailLogRepository: Send + Sync + std::fmt::Debug {
    /// One row; `None` if unknown.
    async fn get(&self, id: Uuid) -> Result<Option<EmailLog>, StoreError>;
    /// One page of the matching rows, newest first.
    async fn list(&self, filter: &EmailLogFilter, page: Page) -> Result<PageOf<EmailLog>, StoreError>;
    /// Records an attempt's outcome on row `id` at `now`.
    async fn record(&self, id: Uuid, attempt: &Attempt, now: DateTime<Utc>) -> Result<bool, StoreError>;
}

/// What an account wants to receive by e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPreferences {
    /// Non-essential e-mails (application confirmations, status changes); on by default.
    pub email_non_essential: bool,
}

impl Default for MailPreferences {
    fn default() -> Self {
        Self { email_non_essential: true }
    }
}

/// The accounts' e-mail preferences.
///
/// Contract: `get` returns the defaults for an account that never saved any; `save` creates or replaces them.
#[async_trait]
pub trait MailPreferenceRepository: Send + Sync + std::fmt::Debug {
    /// The preferences of `user_id`.
    async fn get(&self, user_id: Uuid) -> Result<MailPreferences, StoreError>;
    /// Saves the preferences of `user_id`.
    async fn save(&self, user_id: Uuid, preferences: MailPreferences, now: DateTime<Utc>) -> Result<(), StoreError>;
}
