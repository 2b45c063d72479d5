//! The `/emails/*` use cases (legacy §1.12, S8): staff write a message or an interview convocation, queued
//! through the outbox like every other e-mail, never sent inline; admins read the log; every account reads and
//! sets its own e-mail preferences (B9).

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use seeg_domain::identity::{Action, Decision, EmailAddress, Ownership, User, decide};
use seeg_domain::mail::{BODY_MAX_CHARS, MAX_RECIPIENTS, SUBJECT_MAX_CHARS, has_header_break};
use tracing::instrument;
use uuid::Uuid;

use super::log::{EmailLog, EmailLogFilter, EmailLogRepository, MailPreferenceRepository, MailPreferences};
use super::templates::{self, Convocation};
use super::{Outgoing, queue_mail};
use crate::applications::ApplicationRepository;
use crate::identity::{AuditEvent, RequestContext, UserRepository};
use crate::{Clock, IdGenerator, Page, PageOf, StoreError, UnitOfWork};

/// Where a convocation says the interview takes place when the caller does not say (legacy default).
pub const DEFAULT_INTERVIEW_LOCATION: &str = "Salle de réunion du siège de la SEEG, Libreville";
/// The longest name, job title, location or notes of a convocation.
pub const CONVOCATION_TEXT_MAX_CHARS: usize = 2_000;

/// A field of a hand-written message or convocation the caller sent in a shape it cannot be (422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualMailError {
    /// An address the domain refuses, or one carrying a line break (header injection).
    #[error("« {field} » : adresse e-mail invalide")]
    Address {
        /// The field (`to`, `cc`, `bcc`).
        field: &'static str,
    },
    /// A required text is empty.
    #[error("« {field} » : ne peut pas être vide")]
    Empty {
        /// The field.
        field: &'static str,
    },
    /// A text is longer than its limit.
    #[error("« {field} » : {max} caractères au plus")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its limit.
        max: usize,
    },
    /// A subject with a line break or a control character (header injection).
    #[error("« {field} » : retour à la ligne ou caractère de contrôle interdit")]
    HeaderBreak {
        /// The field.
        field: &'static str,
    },
    /// More recipients than `MAX_RECIPIENTS`, `to`, `cc` and `bcc` together.
    #[error("{MAX_RECIPIENTS} destinataires au plus (to, cc et bcc ensemble)")]
    TooManyRecipients,
}

impl ManualMailError {
    /// The field the error is about (`recipients` for their count).
    pub const fn field(&self) -> &'static str {
        match self {
            Self::Address { field }
            | Self::Empty { field }
            | Self::TooLong { field, .. }
            | Self::HeaderBreak { field } => field,
            Self::TooManyRecipients => "recipients",
        }
    }
}

fn address(field: &'static str, raw: &str) -> Result<String, ManualMailError> {
    if has_header_break(raw) {
        return Err(ManualMailError::Address { field });
    }
    EmailAddress::parse(raw.trim()).map(|a| a.as_str().to_owned()).map_err(|_| ManualMailError::Address { field })
}

fn text(field: &'static str, raw: &str, max: usize) -> Result<String, ManualMailError> {
    if raw.trim().is_empty() {
        return Err(ManualMailError::Empty { field });
    }
    if raw.chars().count() > max {
        return Err(ManualMailError::TooLong { field, max });
    }
    Ok(raw.to_owned())
}

fn subject(field: &'static str, raw: &str) -> Result<String, ManualMailError> {
    let subject = text(field, raw, SUBJECT_MAX_CHARS)?;
    if has_header_break(&subject) {
        return Err(ManualMailError::HeaderBreak { field });
    }
    Ok(subject.trim().to_owned())
}

fn optional(field: &'static str, raw: Option<&str>, max: usize) -> Result<Option<String>, ManualMailError> {
    raw.filter(|r| !r.trim().is_empty()).map(|r| text(field, r, max)).transpose()
}

/// A message staff write by hand (`POST /emails/send`), parsed: addresses checked, sizes bounded, no header
/// break in the subject or an address.
#[derive(Clone, PartialEq, Eq)]
pub struct ManualMail {
    to: String,
    cc: Vec<String>,
    bcc: Vec<String>,
    subject: String,
    body: String,
    html_body: Option<String>,
}

impl std::fmt::Debug for ManualMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManualMail").field("recipients", &(1 + self.cc.len() + self.bcc.len())).finish_non_exhaustive()
    }
}

impl ManualMail {
    /// Parses a message; the first problem found is the answer.
    pub fn parse(
        to: &str,
        cc: &[String],
        bcc: &[String],
        subject_line: &str,
        body: &str,
        html_body: Option<&str>,
    ) -> Result<Self, ManualMailError> {
        if 1 + cc.len() + bcc.len() > MAX_RECIPIENTS {
            return Err(ManualMailError::TooManyRecipients);
        }
        Ok(Self {
            to: address("to", to)?,
            cc: cc.iter().map(|a| address("cc", a)).collect::<Result<_, _>>()?,
            bcc: bcc.iter().map(|a| address("bcc", a)).collect::<Result<_, _>>()?,
            subject: subject("subject", subject_line)?,
            body: text("body", body, BODY_MAX_CHARS)?,
            html_body: optional("html_body", html_body, BODY_MAX_CHARS)?,
        })
    }
}

/// An interview convocation (`POST /emails/send-interview-email`), parsed.
#[derive(Clone, PartialEq, Eq)]
pub struct InterviewConvocation {
    to: String,
    candidate_full_name: String,
    job_title: String,
    date: NaiveDate,
    time: NaiveTime,
    location: Option<String>,
    application_id: Option<Uuid>,
    additional_notes: Option<String>,
}

impl std::fmt::Debug for InterviewConvocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InterviewConvocation").field("application_id", &self.application_id).finish_non_exhaustive()
    }
}

impl InterviewConvocation {
    /// Parses a convocation whose date and time the caller already parsed (the domain's strict parsers).
    #[allow(clippy::too_many_arguments)] // one per field of the legacy body
    pub fn parse(
        to: &str,
        candidate_full_name: &str,
        job_title: &str,
        date: NaiveDate,
        time: NaiveTime,
        location: Option<&str>,
        application_id: Option<Uuid>,
        additional_notes: Option<&str>,
    ) -> Result<Self, ManualMailError> {
        Ok(Self {
            to: address("to", to)?,
            candidate_full_name: text("candidate_full_name", candidate_full_name, CONVOCATION_TEXT_MAX_CHARS)?
                .trim()
                .to_owned(),
            // It goes into the subject: no header break there either.
            job_title: subject("job_title", job_title)?,
            date,
            time,
            location: optional("location", location, CONVOCATION_TEXT_MAX_CHARS)?,
            application_id,
            additional_notes: optional("additional_notes", additional_notes, CONVOCATION_TEXT_MAX_CHARS)?,
        })
    }
}

/// Why an `/emails/*` use case refused.
#[derive(Debug, thiserror::Error)]
pub enum MailDeskError {
    /// The caller's role may not (403).
    #[error("Accès refusé : réservé aux recruteurs et administrateurs")]
    Forbidden,
    /// Reading the log: admins only (403).
    #[error("Accès refusé : journal des e-mails réservé aux administrateurs")]
    LogsForbidden,
    /// `application_id` names no application (404).
    #[error("Candidature introuvable")]
    ApplicationNotFound,
    /// A field is malformed (422).
    #[error(transparent)]
    Invalid(#[from] ManualMailError),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The `/emails/*` use cases and the e-mail preferences.
#[derive(Debug, Clone)]
pub struct MailDesk {
    uow: Arc<dyn UnitOfWork>,
    logs: Arc<dyn EmailLogRepository>,
    preferences: Arc<dyn MailPreferenceRepository>,
    users: Arc<dyn UserRepository>,
    applications: Arc<dyn ApplicationRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl MailDesk {
    /// The use cases on their ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        logs: Arc<dyn EmailLogRepository>,
        preferences: Arc<dyn MailPreferenceRepository>,
        users: Arc<dyn UserRepository>,
        applications: Arc<dyn ApplicationRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, logs, preferences, users, applications, clock, ids }
    }

    /// Whether `caller` may send through `/emails/*` (S8): checked before the body is read.
    pub fn may_send(&self, caller: &User) -> Result<(), MailDeskError> {
        match decide(caller.role, Action::SendEmails, Ownership::Any) {
            Decision::Allow => Ok(()),
            Decision::Forbid | Decision::Hide => Err(MailDeskError::Forbidden),
        }
    }

    /// Whether `caller` may read the log (S8: admins).
    pub fn may_read_logs(&self, caller: &User) -> Result<(), MailDeskError> {
        match decide(caller.role, Action::ReadEmailLogs, Ownership::Any) {
            Decision::Allow => Ok(()),
            Decision::Forbid | Decision::Hide => Err(MailDeskError::LogsForbidden),
        }
    }

    /// Queues a hand-written message; returns its id. The text body is escaped into the service's layout, and
    /// so is `html_body`: caller HTML is never sent as HTML (S8, docs/decisions.md B9). Audited (ids only). Sent
    /// to an account's address, its log row names the account (an erasure finds it, B7).
    #[instrument(name = "mail.desk.send", skip_all, fields(user.id = %caller.id))]
    pub async fn send(&self, caller: &User, mail: ManualMail, context: &RequestContext) -> Result<Uuid, MailDeskError> {
        self.may_send(caller)?;
        let rendered = templates::manual(&mail.subject, &mail.body, mail.html_body.as_deref());
        let mut outgoing = Outgoing::new("manual", &mail.to, rendered).with_copies(mail.cc, mail.bcc);
        if let Some(account) = self.users.find_by_email(&mail.to).await? {
            outgoing = outgoing.for_account(account.id);
        }
        self.queue(caller, outgoing, "email.sent", None, context).await
    }

    /// Queues an interview convocation; returns its id. `application_id`, when given, must name an application
    /// (404) and is recorded on the log row. The greeting follows R38 when the recipient is an account whose
    /// sex is known, and uses `candidate_full_name` otherwise.
    #[instrument(name = "mail.desk.send_interview", skip_all, fields(user.id = %caller.id))]
    pub async fn send_interview(
        &self,
        caller: &User,
        convocation: InterviewConvocation,
        context: &RequestContext,
    ) -> Result<Uuid, MailDeskError> {
        self.may_send(caller)?;
        if let Some(id) = convocation.application_id
            && self.applications.get(id).await?.is_none()
        {
            return Err(MailDeskError::ApplicationNotFound);
        }
        let account = self.users.find_by_email(&convocation.to).await?;
        let known = account.as_ref().filter(|u| u.sexe.is_some());
        let greeting = known.map_or_else(|| convocation.candidate_full_name.clone(), templates::salutation);
        let rendered = templates::interview_convocation(&Convocation {
            greeting: &greeting,
            job_title: &convocation.job_title,
            date: convocation.date,
            time: convocation.time,
            location: convocation.location.as_deref().unwrap_or(DEFAULT_INTERVIEW_LOCATION),
            notes: convocation.additional_notes.as_deref(),
        });
        let mut outgoing = Outgoing::new("interview_convocation", &convocation.to, rendered);
        if let Some(account) = &account {
            outgoing = outgoing.for_account(account.id);
        }
        if let Some(id) = convocation.application_id {
            outgoing = outgoing.about(id);
        }
        self.queue(caller, outgoing, "email.interview_sent", convocation.application_id, context).await
    }

    async fn queue(
        &self,
        caller: &User,
        outgoing: Outgoing<'_>,
        action: &str,
        application_id: Option<Uuid>,
        context: &RequestContext,
    ) -> Result<Uuid, MailDeskError> {
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        let id = queue_mail(tx.as_mut(), self.ids.as_ref(), outgoing, now)
            .await?
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("un e-mail essentiel n'a pas été mis en file")))?;
        let fields = application_id.map(|_| vec!["application_id".to_owned()]).unwrap_or_default();
        let audit = AuditEvent::on_target(self.ids.new_id(), caller, action, ("email", id), fields, context, now);
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        tracing::info!(mail.id = %id, "e-mail queued by staff");
        Ok(id)
    }

    /// One page of the log, newest first (S8: admins).
    pub async fn logs(
        &self,
        caller: &User,
        filter: &EmailLogFilter,
        page: Page,
    ) -> Result<PageOf<EmailLog>, MailDeskError> {
        self.may_read_logs(caller)?;
        Ok(self.logs.list(filter, page).await?)
    }

    /// The caller's own e-mail preferences.
    pub async fn preferences(&self, caller: &User) -> Result<MailPreferences, StoreError> {
        self.preferences.get(caller.id).await
    }

    /// Saves the caller's own e-mail preferences and returns them.
    #[instrument(name = "mail.preferences.set", skip_all, fields(user.id = %caller.id))]
    pub async fn set_preferences(
        &self,
        caller: &User,
        preferences: MailPreferences,
    ) -> Result<MailPreferences, StoreError> {
        self.preferences.save(caller.id, preferences, self.clock.now()).await?;
        Ok(preferences)
    }
}
