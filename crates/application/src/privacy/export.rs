//! What the service holds about a person, gathered for them (B7, issue 19): their account, their candidate
//! profile, their applications with their MTP answers, documents and history as the candidate may see it, the
//! evaluations' outcomes for an administrator's export, their notifications and the e-mails sent to them. The
//! HTTP adapter packs it into a ZIP, streaming each document from the store.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use seeg_domain::applications::Application;
use seeg_domain::identity::{CandidateProfile, Role, User};
use tracing::instrument;
use uuid::Uuid;

use crate::applications::{ApplicationDocument, ApplicationFilter, ApplicationRepository, StatusChange};
use crate::evaluations::EvaluationRepository;
use crate::identity::{
    AuditEvent, CandidateProfileRepository, Notification, NotificationRepository, RequestContext, UserRepository,
};
use crate::mail::{EmailLog, EmailLogFilter, EmailLogRepository};
use crate::store::UnitOfWork;
use crate::store::{Page, StoreError};
use crate::{Clock, IdGenerator};

/// Rows read per page while gathering (every page is read: an export is whole).
const PAGE: u64 = 200;

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No such account.
    #[error("compte introuvable")]
    NotFound,
    /// Another account's data, and the caller is not an administrator.
    #[error("Seul un administrateur peut exporter les données d'un autre compte")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An evaluation's outcome, as an export shows it: the protocol, the overall score out of 20, when.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationOutcome {
    /// `1` or `2`.
    pub protocol: u8,
    /// The overall score, out of 20.
    pub overall_score: f64,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// One application and what goes with it.
#[derive(Debug, Clone)]
pub struct ExportedApplication {
    /// The application, its answers included.
    pub application: Application,
    /// Its documents' descriptions (the bytes are read from the store as the archive is written).
    pub documents: Vec<ApplicationDocument>,
    /// Its history as the candidate may see it (no staff notes, no authors).
    pub history: Vec<StatusChange>,
    /// Its evaluations' outcomes: only in an administrator's export (candidates never see evaluations, S3).
    pub evaluations: Vec<EvaluationOutcome>,
}

/// Everything gathered for one person.
#[derive(Debug, Clone)]
pub struct PersonalData {
    /// The account.
    pub user: User,
    /// The candidate profile, if any.
    pub profile: Option<CandidateProfile>,
    /// Their applications, newest first.
    pub applications: Vec<ExportedApplication>,
    /// Their notifications, newest first.
    pub notifications: Vec<Notification>,
    /// The e-mails addressed to them, newest first.
    pub emails: Vec<EmailLog>,
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Whether an administrator asked (and so the evaluations' outcomes are in).
    pub by_administrator: bool,
}

/// The export of a person's data (B7): their own, or anyone's for an administrator.
#[derive(Debug, Clone)]
pub struct PersonalDataExports {
    users: Arc<dyn UserRepository>,
    profiles: Arc<dyn CandidateProfileRepository>,
    applications: Arc<dyn ApplicationRepository>,
    evaluations: Arc<dyn EvaluationRepository>,
    notifications: Arc<dyn NotificationRepository>,
    emails: Arc<dyn EmailLogRepository>,
    uow: Arc<dyn UnitOfWork>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
}

/// The audit action of an administrator's export of another account (B2, B7): who read whose data, and when.
pub const USER_EXPORTED: &str = "user.exported";

/// The ports an export reads.
#[derive(Debug, Clone)]
pub struct ExportPorts {
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Candidate profiles.
    pub profiles: Arc<dyn CandidateProfileRepository>,
    /// Applications, their documents and history.
    pub applications: Arc<dyn ApplicationRepository>,
    /// Evaluations.
    pub evaluations: Arc<dyn EvaluationRepository>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationRepository>,
    /// The e-mail log.
    pub emails: Arc<dyn EmailLogRepository>,
    /// Where an administrator's export of another account is audited.
    pub uow: Arc<dyn UnitOfWork>,
    /// The audit lines' ids.
    pub ids: Arc<dyn IdGenerator>,
}

impl PersonalDataExports {
    /// The use case on its ports.
    pub fn new(ports: ExportPorts, clock: Arc<dyn Clock>) -> Self {
        let ExportPorts { users, profiles, applications, evaluations, notifications, emails, uow, ids } = ports;
        Self { users, profiles, applications, evaluations, notifications, emails, uow, ids, clock }
    }

    /// Everything held about account `subject`, for `caller`: themselves, or an administrator. An
    /// administrator's export of another account is audited (`USER_EXPORTED`, no values) before anything is read.
    #[instrument(name = "privacy.export", skip_all, fields(subject = %subject))]
    pub async fn export(
        &self,
        caller: &User,
        subject: Uuid,
        context: &RequestContext,
    ) -> Result<PersonalData, ExportError> {
        let by_administrator = caller.role == Role::Admin;
        if caller.id != subject && !by_administrator {
            return Err(ExportError::Forbidden);
        }
        let user = self.users.get(subject).await?.ok_or(ExportError::NotFound)?;
        if caller.id != subject {
            let mut tx = self.uow.begin().await?;
            let line = AuditEvent::on_target(
                self.ids.new_id(),
                caller,
                USER_EXPORTED,
                ("user", subject),
                Vec::new(),
                context,
                self.clock.now(),
            );
            tx.audit().append(&line).await?;
            tx.commit().await?;
        }
        let profile = self.profiles.for_user(subject).await?;
        let mut applications = Vec::new();
        let filter = ApplicationFilter { candidate_id: Some(subject), ..ApplicationFilter::default() };
        for application in every(async |page| self.applications.list(&filter, page).await).await? {
            let documents = self.applications.documents(application.id).await?;
            // As the candidate may see it, whoever asks: the export is the person's copy.
            let history = self
                .applications
                .history(application.id)
                .await?
                .into_iter()
                .map(|change| StatusChange { notes: None, changed_by: None, ..change })
                .collect();
            let evaluations = if by_administrator { self.outcomes(application.id).await? } else { Vec::new() };
            applications.push(ExportedApplication { application, documents, history, evaluations });
        }
        let notifications = every(async |page| self.notifications.list_for_user(subject, page).await).await?;
        let filter = EmailLogFilter { recipient: Some(user.email.as_str().to_owned()), ..EmailLogFilter::default() };
        let mut emails: Vec<EmailLog> = every(async |page| self.emails.list(&filter, page).await)
            .await?
            .into_iter()
            // The filter matches text inside the recipients: keep the rows with exactly this address among them as
            // the person's (not another account's own address then, B7).
            .filter(|log| super::lists_address(&log.to, log.user_id, subject, user.email.as_str()))
            .collect();
        // And those addressed to the account at an address it had before (B7).
        let filter = EmailLogFilter { user_id: Some(subject), ..EmailLogFilter::default() };
        for log in every(async |page| self.emails.list(&filter, page).await).await? {
            if !emails.iter().any(|kept| kept.id == log.id) {
                emails.push(log);
            }
        }
        emails.sort_by_key(|log| std::cmp::Reverse((log.created_at, log.id)));
        Ok(PersonalData {
            user,
            profile,
            applications,
            notifications,
            emails,
            exported_at: self.clock.now(),
            by_administrator,
        })
    }

    async fn outcomes(&self, application_id: Uuid) -> Result<Vec<EvaluationOutcome>, StoreError> {
        let mut outcomes = Vec::new();
        if let Some(e) = self.evaluations.protocol1_of(application_id).await? {
            outcomes.push(EvaluationOutcome {
                protocol: 1,
                overall_score: e.overall_score.points(),
                updated_at: e.updated_at,
            });
        }
        if let Some(e) = self.evaluations.protocol2_of(application_id).await? {
            outcomes.push(EvaluationOutcome {
                protocol: 2,
                overall_score: e.overall_score.points(),
                updated_at: e.updated_at,
            });
        }
        Ok(outcomes)
    }
}

/// Every row of a paged list, page after page.
async fn every<T>(
    mut page_of: impl AsyncFnMut(Page) -> Result<crate::store::PageOf<T>, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut rows = Vec::new();
    loop {
        let page = page_of(Page { skip: rows.len() as u64, limit: PAGE }).await?;
        let got = page.items.len() as u64;
        rows.extend(page.items);
        if got < PAGE || rows.len() as u64 >= page.total {
            return Ok(rows);
        }
    }
}
