//! One in-memory database: a state behind a lock. A transaction records its changes and applies them all at
//! commit, under the lock: like a SQL transaction it changes only the rows it wrote, so work done meanwhile
//! outside it (the relay claiming and finishing events) is never undone by the commit. Here too: the unique
//! indexes a change claims, the unit of work and the health probe.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::applications::drafts::{Draft, DraftWriter};
use seeg_application::applications::{
    ApplicationDocument, ApplicationWriter, StatusChange, UploadLedger, UploadReservation,
};
use seeg_application::health::Probe;
use seeg_application::idempotency::IdempotencyRecord;
use seeg_application::identity::{
    AccessRequest, AccessRequestWriter, AuditEvent, AuditWriter, CandidateProfileWriter, Notification,
    NotificationWriter, PasswordResetRecord, PasswordResetWriter, RefreshTokenRecord, RefreshTokenWriter, UserWriter,
};
use seeg_application::offers::OfferWriter;
use seeg_application::outbox::{OutboxAppender, OutboxEvent};
use seeg_application::{Page, PageOf, StoreError, Transaction, UnitOfWork};
use seeg_domain::applications::{Application, ApplicationStatus};
use seeg_domain::identity::{CandidateProfile, User};
use seeg_domain::offers::JobOffer;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

use crate::agents::StoredAgent;
use crate::drafts::save_draft;
use crate::identity::{Revocation, mark_access_requests_viewed, review_access_request};
use crate::outbox::StoredEvent;
use crate::uploads;

/// Every table, by primary key. Fields are the crate's: each capability module reads and writes its own.
#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub(crate) offers: BTreeMap<Uuid, JobOffer>,
    /// The catalogue version (P2): one more with every committed offer change.
    pub(crate) offers_version: i64,
    pub(crate) outbox: BTreeMap<Uuid, StoredEvent>,
    pub(crate) users: BTreeMap<Uuid, User>,
    pub(crate) access_requests: BTreeMap<Uuid, AccessRequest>,
    pub(crate) notifications: BTreeMap<Uuid, Notification>,
    pub(crate) audit: BTreeMap<Uuid, AuditEvent>,
    pub(crate) refresh_tokens: BTreeMap<Uuid, RefreshTokenRecord>,
    pub(crate) password_resets: BTreeMap<Uuid, PasswordResetRecord>,
    pub(crate) agents: BTreeMap<i32, StoredAgent>,
    /// By account: one profile per account.
    pub(crate) candidate_profiles: BTreeMap<Uuid, CandidateProfile>,
    /// By (user, offer): one draft each.
    pub(crate) drafts: BTreeMap<(Uuid, Uuid), Draft>,
    pub(crate) idempotency: BTreeMap<(Uuid, String), IdempotencyRecord>,
    /// Every application, whole: the offer side counts them here too.
    pub(crate) applications: BTreeMap<Uuid, Application>,
    pub(crate) application_documents: BTreeMap<Uuid, ApplicationDocument>,
    pub(crate) application_history: BTreeMap<Uuid, StatusChange>,
    pub(crate) upload_reservations: BTreeMap<Uuid, UploadReservation>,
    pub(crate) evaluations: crate::evaluations::Tables,
    pub(crate) interview_slots: crate::interview_slots::Table,
    pub(crate) email_logs: crate::email_logs::Table,
    /// By account.
    pub(crate) mail_preferences: BTreeMap<Uuid, seeg_application::mail::MailPreferences>,
    /// By account: the erasures (B7).
    pub(crate) erasures: BTreeMap<Uuid, seeg_application::privacy::ErasureRecord>,
    /// By account: when the retention job last warned it (B7).
    pub(crate) retention_warnings: BTreeMap<Uuid, DateTime<Utc>>,
}

/// The in-memory database. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
    /// Serialises transactions, as SQLite does: one writer at a time.
    writer: Arc<Mutex<()>>,
    /// The live notifications' subscribers (B3): each commit's signals, after it.
    pub(crate) live: Arc<crate::live::LiveBus>,
    /// The exclusive locks (O6), within this process as the data is.
    locks: seeg_application::locks::InProcessLocks,
}

#[async_trait]
impl seeg_application::locks::ExclusiveLocks for MemoryStore {
    async fn try_lock(
        &self,
        key: seeg_application::locks::LockKey,
    ) -> Result<Option<seeg_application::locks::LockGuard>, seeg_application::StoreError> {
        self.locks.try_lock(key).await
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl Change {
    /// What the live streams hear of this change once committed (B3).
    fn signal(&self) -> Option<seeg_application::live::Signal> {
        use seeg_application::live::Signal;
        match self {
            Self::InsertNotification(n) => Some(Signal::New(Box::new(n.clone()))),
            Self::Signal(signal) => Some(signal.clone()),
            Self::UpdateUser(u) if u.status != seeg_domain::identity::UserStatus::Active => {
                Some(Signal::Revoked { user_id: u.id })
            }
            Self::Erase(plan) => Some(Signal::Revoked { user_id: plan.record.user_id }),
            _ => None,
        }
    }
}

/// One change a transaction will make.
#[derive(Debug)]
pub(crate) enum Change {
    /// The erasure of an account (B7).
    Erase(Box<seeg_application::privacy::ErasurePlan>),
    InsertOffer(Box<JobOffer>),
    UpdateOffer(Box<JobOffer>),
    DeleteOffer(Uuid),
    AppendEvent(OutboxEvent),
    InsertUser(Box<User>),
    RecordLogin {
        id: Uuid,
        at: DateTime<Utc>,
    },
    InsertAccessRequest(Box<AccessRequest>),
    InsertNotification(Notification),
    MarkNotificationsRead(Vec<Uuid>),
    /// Changes nothing: what the live streams hear once the transaction commits (B3).
    Signal(seeg_application::live::Signal),
    AppendAudit(AuditEvent),
    InsertRefreshToken(RefreshTokenRecord),
    UpdateUser(Box<User>),
    SetPassword {
        id: Uuid,
        hash: String,
        at: DateTime<Utc>,
    },
    ConsumeRefreshToken {
        id: Uuid,
        at: DateTime<Utc>,
    },
    RevokeRefreshTokens {
        which: Revocation,
        at: DateTime<Utc>,
    },
    InsertPasswordReset(PasswordResetRecord),
    ConsumePasswordReset {
        id: Uuid,
        at: DateTime<Utc>,
    },
    ReviewAccessRequest(Box<AccessRequest>),
    MarkAccessRequestsViewed {
        at: DateTime<Utc>,
    },
    SaveCandidateProfile(Box<CandidateProfile>),
    InsertApplication(Box<Application>),
    InsertApplicationDocument(Box<ApplicationDocument>),
    AppendHistory(Box<StatusChange>),
    UpdateApplicationStatus {
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    },
    TouchApplication {
        id: Uuid,
        at: DateTime<Utc>,
    },
    DeleteApplication(Uuid),
    DeleteApplicationDocument(Uuid),
    SaveDraft(Box<Draft>),
    DeleteDraft {
        user_id: Uuid,
        job_offer_id: Uuid,
    },
    InsertUploadReservation(UploadReservation),
    SettleUploadReservation {
        id: Uuid,
        bytes: u64,
    },
    /// Deletes the reservations `which` keeps (`uploads`).
    DeleteUploadReservations(uploads::Deleted),
    /// Inserts or rewrites an evaluation or a history row (`evaluations`, which checks uniqueness).
    Evaluation(crate::evaluations::Written),
    /// Inserts or rewrites a slot (`interview_slots`, which checks uniqueness).
    WriteInterviewSlot(Box<seeg_domain::interviews::InterviewSlot>),
    InsertEmailLog(Box<seeg_application::mail::EmailLog>),
    /// Inserts or replaces an account's retention warning (B7).
    RecordRetentionWarning {
        user_id: Uuid,
        at: DateTime<Utc>,
    },
}

/// A value a unique index holds: what the SQL schema's primary keys and unique indexes enforce.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum UniqueKey {
    Offer(Uuid),
    Event(Uuid),
    User(Uuid),
    UserEmail(String),
    UserMatricule(i32),
    AccessRequest(Uuid),
    Notification(Uuid),
    Audit(Uuid),
    RefreshToken(Uuid),
    RefreshTokenHash(String),
    PasswordReset(Uuid),
    PasswordResetHash(String),
    Application(Uuid),
    /// One application per (candidate, offer) (I4).
    ApplicationPair(Uuid, Uuid),
    ApplicationDocument(Uuid),
    StatusChange(Uuid),
    UploadReservation(Uuid),
    EmailLog(Uuid),
}

impl UniqueKey {
    fn taken_in(&self, state: &State) -> bool {
        match self {
            Self::Offer(id) => state.offers.contains_key(id),
            Self::Event(id) => state.outbox.contains_key(id),
            Self::User(id) => state.users.contains_key(id),
            Self::UserEmail(email) => state.users.values().any(|u| &u.email == email),
            Self::UserMatricule(m) => state.users.values().any(|u| u.matricule == Some(*m)),
            Self::AccessRequest(id) => state.access_requests.contains_key(id),
            Self::Notification(id) => state.notifications.contains_key(id),
            Self::Audit(id) => state.audit.contains_key(id),
            Self::RefreshToken(id) => state.refresh_tokens.contains_key(id),
            Self::RefreshTokenHash(hash) => state.refresh_tokens.values().any(|t| &t.token_hash == hash),
            Self::PasswordReset(id) => state.password_resets.contains_key(id),
            Self::PasswordResetHash(hash) => state.password_resets.values().any(|r| &r.token_hash == hash),
            Self::Application(id) => state.applications.contains_key(id),
            Self::ApplicationPair(candidate, offer) => {
                state.applications.values().any(|a| a.candidate_id == *candidate && a.job_offer_id == *offer)
            }
            Self::ApplicationDocument(id) => state.application_documents.contains_key(id),
            Self::StatusChange(id) => state.application_history.contains_key(id),
            Self::UploadReservation(id) => state.upload_reservations.contains_key(id),
            Self::EmailLog(id) => state.email_logs.contains_key(id),
        }
    }

    /// Names the index, and the row by id only: e-mails, matricules and token hashes stay out of messages.
    fn describe(&self) -> String {
        match self {
            Self::Offer(id) => format!("offre {id}"),
            Self::Event(id) => format!("événement {id}"),
            Self::User(id) => format!("compte {id}"),
            Self::UserEmail(_) => "ux_users_email".to_owned(),
            Self::UserMatricule(_) => "ux_users_matricule".to_owned(),
            Self::AccessRequest(id) => format!("demande d'accès {id}"),
            Self::Notification(id) => format!("notification {id}"),
            Self::Audit(id) => format!("événement d'audit {id}"),
            Self::RefreshToken(id) => format!("jeton de renouvellement {id}"),
            Self::RefreshTokenHash(_) => "ux_refresh_tokens_hash".to_owned(),
            Self::PasswordReset(id) => format!("jeton de réinitialisation {id}"),
            Self::PasswordResetHash(_) => "ux_password_resets_hash".to_owned(),
            Self::Application(id) => format!("candidature {id}"),
            Self::ApplicationPair(..) => "uq_applications_candidate_job".to_owned(),
            Self::ApplicationDocument(id) => format!("document {id}"),
            Self::StatusChange(id) => format!("historique {id}"),
            Self::UploadReservation(id) => format!("réservation d'envoi {id}"),
            Self::EmailLog(id) => format!("e-mail {id}"),
        }
    }
}

impl Change {
    /// The unique values the change writes; updates claim none.
    fn keys(&self) -> Vec<UniqueKey> {
        match self {
            Self::InsertOffer(o) => vec![UniqueKey::Offer(o.id)],
            Self::AppendEvent(e) => vec![UniqueKey::Event(e.id)],
            Self::InsertApplication(a) => {
                vec![UniqueKey::Application(a.id), UniqueKey::ApplicationPair(a.candidate_id, a.job_offer_id)]
            }
            Self::InsertApplicationDocument(d) => vec![UniqueKey::ApplicationDocument(d.id)],
            Self::AppendHistory(c) => vec![UniqueKey::StatusChange(c.id)],
            Self::InsertUser(u) => {
                let mut keys = vec![UniqueKey::User(u.id), UniqueKey::UserEmail(u.email.clone())];
                keys.extend(u.matricule.map(UniqueKey::UserMatricule));
                keys
            }
            Self::RecordLogin { .. }
            | Self::Erase(_)
            | Self::UpdateOffer(_)
            | Self::DeleteOffer(_)
            | Self::UpdateUser(_)
            | Self::SetPassword { .. }
            | Self::ConsumeRefreshToken { .. }
            | Self::RevokeRefreshTokens { .. }
            | Self::ConsumePasswordReset { .. }
            | Self::ReviewAccessRequest(_)
            | Self::MarkAccessRequestsViewed { .. }
            | Self::SaveCandidateProfile(_)
            | Self::UpdateApplicationStatus { .. }
            | Self::TouchApplication { .. }
            | Self::DeleteApplication(_)
            | Self::DeleteApplicationDocument(_)
            | Self::SaveDraft(_)
            | Self::DeleteDraft { .. }
            | Self::SettleUploadReservation { .. }
            | Self::DeleteUploadReservations(_)
            | Self::Evaluation(_)
            | Self::WriteInterviewSlot(_)
            | Self::MarkNotificationsRead(_)
            | Self::RecordRetentionWarning { .. }
            | Self::Signal(_) => Vec::new(),
            Self::InsertUploadReservation(r) => vec![UniqueKey::UploadReservation(r.id)],
            Self::InsertEmailLog(l) => vec![UniqueKey::EmailLog(l.id)],
            Self::InsertAccessRequest(r) => vec![UniqueKey::AccessRequest(r.id)],
            Self::InsertNotification(n) => vec![UniqueKey::Notification(n.id)],
            Self::AppendAudit(e) => vec![UniqueKey::Audit(e.id)],
            Self::InsertRefreshToken(t) => {
                vec![UniqueKey::RefreshToken(t.id), UniqueKey::RefreshTokenHash(t.token_hash.clone())]
            }
            Self::InsertPasswordReset(r) => {
                vec![UniqueKey::PasswordReset(r.id), UniqueKey::PasswordResetHash(r.token_hash.clone())]
            }
        }
    }

    fn apply(self, state: &mut State) {
        match self {
            Self::InsertOffer(o) | Self::UpdateOffer(o) => {
                state.offers_version += 1;
                state.offers.insert(o.id, *o);
            }
            Self::DeleteOffer(id) => {
                state.offers_version += 1;
                state.offers.remove(&id);
                // `ON DELETE CASCADE` from the offer to its drafts.
                state.drafts.retain(|(_, offer), _| *offer != id);
            }
            Self::AppendEvent(e) => {
                state.outbox.insert(e.id, StoredEvent { event: e, locked_by: None, locked_until: None });
            }
            Self::InsertUser(u) | Self::UpdateUser(u) => {
                state.users.insert(u.id, *u);
            }
            Self::RecordLogin { id, at } => {
                if let Some(user) = state.users.get_mut(&id) {
                    user.last_login = Some(at);
                }
            }
            Self::InsertAccessRequest(r) => {
                state.access_requests.insert(r.id, *r);
            }
            Self::InsertNotification(n) => {
                state.notifications.insert(n.id, n);
            }
            Self::MarkNotificationsRead(ids) => crate::notifications::mark_read(&mut state.notifications, &ids),
            Self::Signal(_) => {}
            Self::AppendAudit(e) => {
                state.audit.insert(e.id, e);
            }
            Self::InsertRefreshToken(t) => {
                state.refresh_tokens.insert(t.id, t);
            }
            Self::SetPassword { id, hash, at } => {
                if let Some(user) = state.users.get_mut(&id) {
                    user.password_hash = hash;
                    user.updated_at = at;
                }
            }
            Self::ConsumeRefreshToken { id, at } => {
                if let Some(token) = state.refresh_tokens.get_mut(&id) {
                    token.used_at = Some(at);
                }
            }
            Self::RevokeRefreshTokens { which, at } => {
                for token in state.refresh_tokens.values_mut().filter(|t| which.reaches(t) && t.revoked_at.is_none()) {
                    token.revoked_at = Some(at);
                }
            }
            Self::InsertPasswordReset(r) => {
                state.password_resets.insert(r.id, r);
            }
            Self::ConsumePasswordReset { id, at } => {
                if let Some(reset) = state.password_resets.get_mut(&id) {
                    reset.used_at = Some(at);
                }
            }
            Self::ReviewAccessRequest(r) => {
                review_access_request(&mut state.access_requests, &r);
            }
            Self::MarkAccessRequestsViewed { at } => {
                mark_access_requests_viewed(&mut state.access_requests, at);
            }
            Self::InsertApplication(a) => {
                state.applications.insert(a.id, *a);
            }
            Self::InsertApplicationDocument(d) => {
                state.application_documents.insert(d.id, *d);
            }
            Self::AppendHistory(c) => {
                state.application_history.insert(c.id, *c);
            }
            Self::UpdateApplicationStatus { id, status, at } => {
                if let Some(application) = state.applications.get_mut(&id) {
                    (application.status, application.updated_at) = (status, at);
                }
            }
            Self::SaveCandidateProfile(p) => {
                let mut profile = *p;
                if let Some(stored) = state.candidate_profiles.get(&profile.user_id) {
                    (profile.id, profile.created_at) = (stored.id, stored.created_at);
                }
                state.candidate_profiles.insert(profile.user_id, profile);
            }
            Self::SaveDraft(d) => {
                save_draft(&mut state.drafts, *d);
            }
            Self::InsertUploadReservation(_)
            | Self::SettleUploadReservation { .. }
            | Self::DeleteUploadReservations(_) => uploads::apply(&self, &mut state.upload_reservations),
            Self::DeleteDraft { user_id, job_offer_id } => {
                state.drafts.remove(&(user_id, job_offer_id));
            }
            Self::TouchApplication { id, at } => {
                if let Some(application) = state.applications.get_mut(&id) {
                    application.updated_at = at;
                }
            }
            Self::DeleteApplication(id) => {
                state.applications.remove(&id);
                state.application_documents.retain(|_, d| d.application_id != id);
                state.application_history.retain(|_, c| c.application_id != id);
                crate::evaluations::cascade(&mut state.evaluations, id);
                crate::interview_slots::cascade(&mut state.interview_slots, id);
                crate::notifications::cascade(&mut state.notifications, id);
                crate::email_logs::forget_application(&mut state.email_logs, id);
            }
            Self::Evaluation(written) => crate::evaluations::apply(&written, &mut state.evaluations),
            Self::WriteInterviewSlot(slot) => {
                state.interview_slots.insert(slot.id, *slot);
            }
            Self::InsertEmailLog(log) => {
                state.email_logs.insert(log.id, *log);
            }
            Self::DeleteApplicationDocument(id) => {
                state.application_documents.remove(&id);
            }
            Self::Erase(plan) => crate::erasure::apply(&plan, state),
            Self::RecordRetentionWarning { user_id, at } => {
                state.retention_warnings.insert(user_id, at);
            }
        }
    }
}

pub(crate) struct MemoryTransaction {
    pub(crate) store: MemoryStore,
    pub(crate) changes: Vec<Change>,
    _writer: OwnedMutexGuard<()>,
}

impl MemoryTransaction {
    /// Records `change` unless it conflicts with committed data or with this transaction's own changes.
    pub(crate) fn record(&mut self, change: Change) -> Result<(), StoreError> {
        let pending: Vec<UniqueKey> = self.changes.iter().flat_map(Change::keys).collect();
        let taken =
            self.store.read(|state| change.keys().into_iter().find(|key| key.taken_in(state) || pending.contains(key)));
        if let Some(key) = taken {
            return Err(StoreError::Conflict(key.describe()));
        }
        self.changes.push(change);
        Ok(())
    }
}

#[async_trait]
impl UnitOfWork for MemoryStore {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        let writer = Arc::clone(&self.writer).lock_owned().await;
        Ok(Box::new(MemoryTransaction { store: self.clone(), changes: Vec::new(), _writer: writer }))
    }
}

#[async_trait]
impl Transaction for MemoryTransaction {
    fn offers(&mut self) -> &mut dyn OfferWriter {
        self
    }

    fn outbox(&mut self) -> &mut dyn OutboxAppender {
        self
    }

    fn users(&mut self) -> &mut dyn UserWriter {
        self
    }

    fn access_requests(&mut self) -> &mut dyn AccessRequestWriter {
        self
    }

    fn notifications(&mut self) -> &mut dyn NotificationWriter {
        self
    }

    fn audit(&mut self) -> &mut dyn AuditWriter {
        self
    }

    fn refresh_tokens(&mut self) -> &mut dyn RefreshTokenWriter {
        self
    }

    fn password_resets(&mut self) -> &mut dyn PasswordResetWriter {
        self
    }

    fn candidate_profiles(&mut self) -> &mut dyn CandidateProfileWriter {
        self
    }

    fn applications(&mut self) -> &mut dyn ApplicationWriter {
        self
    }

    fn drafts(&mut self) -> &mut dyn DraftWriter {
        self
    }

    fn uploads(&mut self) -> &mut dyn UploadLedger {
        self
    }

    fn evaluations(&mut self) -> &mut dyn seeg_application::evaluations::EvaluationWriter {
        self
    }

    fn interview_slots(&mut self) -> &mut dyn seeg_application::interviews::InterviewSlotWriter {
        self
    }

    fn email_logs(&mut self) -> &mut dyn seeg_application::mail::EmailLogWriter {
        self
    }

    fn erasure(&mut self) -> &mut dyn seeg_application::privacy::ErasureWriter {
        self
    }

    fn retention_warnings(&mut self) -> &mut dyn seeg_application::privacy::RetentionWarningWriter {
        self
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let MemoryTransaction { store, changes, _writer } = *self;
        let signals: Vec<_> = changes.iter().filter_map(Change::signal).collect();
        store.write(|state| changes.into_iter().for_each(|change| change.apply(state)));
        store.live.publish(signals);
        Ok(())
    }
}

/// Slices rows already in list order and counts them all (F5).
pub(crate) fn page_of<T: Clone>(rows: Vec<&T>, page: Page) -> PageOf<T> {
    let total = rows.len() as u64;
    let items = rows
        .into_iter()
        .skip(usize::try_from(page.skip).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    PageOf { items, total }
}

#[async_trait]
impl Probe for MemoryStore {
    async fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// No pool in memory: zeros.
impl seeg_application::monitoring::ConnectionPool for MemoryStore {
    fn pool_use(&self) -> seeg_application::monitoring::PoolUse {
        seeg_application::monitoring::PoolUse::default()
    }
}
