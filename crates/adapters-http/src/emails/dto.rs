//! The bodies of the e-mail routes, in the legacy shapes (legacy §1.12).

use chrono::{DateTime, Utc};
use seeg_application::mail::{EmailLog, MailPreferences};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// `POST /emails/send`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendEmailRequest {
    /// The recipient.
    #[schema(format = "email")]
    pub to: String,
    /// 1 to 255 characters, no line break.
    #[schema(min_length = 1, max_length = 255)]
    pub subject: String,
    /// The text, at least one character (50 000 at most).
    #[schema(min_length = 1, max_length = 50_000)]
    pub body: String,
    /// Shown as text inside the service's layout, never as HTML (S8); 50 000 characters at most.
    #[schema(max_length = 50_000)]
    pub html_body: Option<String>,
    /// Copies; `to`, `cc` and `bcc` together: 50 recipients at most.
    pub cc: Option<Vec<String>>,
    /// Blind copies.
    pub bcc: Option<Vec<String>>,
}

/// `POST /emails/send-interview-email`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InterviewEmailRequest {
    /// The candidate's address.
    #[schema(format = "email")]
    pub to: String,
    /// The name the greeting uses when the address is not an account whose sex is known (R38).
    pub candidate_full_name: String,
    /// The post.
    pub job_title: String,
    /// `YYYY-MM-DD`.
    #[schema(example = "2026-12-14")]
    pub date: String,
    /// `HH:MM` or `HH:MM:SS` (shown as HH:MM).
    #[schema(example = "09:30")]
    pub time: String,
    /// Where; the head office's meeting room when absent.
    pub location: Option<String>,
    /// The application it is about: it must exist.
    #[schema(value_type = Option<Uuid>)]
    pub application_id: Option<String>,
    /// Anything else the candidate should know.
    pub additional_notes: Option<String>,
}

/// The answer of both send routes: the message is queued, its id is the log row's.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailQueued {
    pub success: bool,
    #[schema(example = "Email envoyé avec succès")]
    pub message: &'static str,
    /// The message id: the `email_logs` row, and the outbox event that sends it.
    pub message_id: Uuid,
}

/// One log row, without its bodies.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailLogBody {
    pub id: Uuid,
    /// Every recipient, joined with `, `.
    pub recipient_email: String,
    pub subject: String,
    /// `queued`, `sent`, `failed` or `dead`.
    pub status: String,
    /// The same word as `status` (legacy `category`).
    pub category: String,
    /// What caused it (`manual`, `interview_convocation`, `password_reset`, …).
    pub kind: String,
    /// Attempts so far.
    pub attempts: u32,
    /// The last failure's category (`unreachable`, `timeout`, `rejected`, …).
    pub error_message: Option<String>,
    pub provider_message_id: Option<String>,
    pub application_id: Option<Uuid>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<EmailLog> for EmailLogBody {
    fn from(log: EmailLog) -> Self {
        Self {
            id: log.id,
            recipient_email: log.to,
            subject: log.subject,
            status: log.status.as_str().to_owned(),
            category: log.status.as_str().to_owned(),
            kind: log.kind,
            attempts: log.attempts,
            error_message: log.last_error,
            provider_message_id: log.provider_message_id,
            application_id: log.application_id,
            sent_at: log.sent_at,
            created_at: log.created_at,
            updated_at: log.updated_at,
        }
    }
}

/// `GET /emails/logs`.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailLogList {
    pub success: bool,
    #[schema(example = "Logs récupérés avec succès")]
    pub message: &'static str,
    pub data: Vec<EmailLogBody>,
    /// Every matching row, across pages.
    pub total: u64,
    pub skip: u64,
    pub limit: u64,
    pub has_more: bool,
}

/// `GET`/`PUT /users/me/notification-settings`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Non-essential e-mails (application confirmations, status changes); security, access and interview
    /// e-mails are always sent.
    pub email_non_essential: bool,
}

impl From<MailPreferences> for NotificationSettings {
    fn from(p: MailPreferences) -> Self {
        Self { email_non_essential: p.email_non_essential }
    }
}
