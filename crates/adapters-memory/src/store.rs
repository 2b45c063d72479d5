//! One in-memory database: a state behind a lock. A transaction records its changes and applies them all at
//! commit, under the lock: like a SQL transaction it changes only the rows it wrote, so work done meanwhile
//! outside it (the relay claiming and finishing events) is never undone by the commit.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::applications::drafts::{Draft, DraftRepository, DraftWriter};
use seeg_application::applications::{
    ApplicationDocument, ApplicationFilter, ApplicationRepository, ApplicationWriter, StatusChange,
};
use seeg_application::health::Probe;
use seeg_application::identity::{
    AccessRequest, AccessRequestCounts, AccessRequestFilter, AccessRequestRepository, AccessRequestWriter, Agent,
    AgentDirectory, AuditEvent, AuditFilter, AuditRepository, AuditWriter, CandidateProfileRepository,
    CandidateProfileWriter, Notification, NotificationRepository, NotificationWriter, PasswordResetRecord,
    PasswordResetRepository, PasswordResetWriter, RefreshTokenRecord, RefreshTokenRepository, RefreshTokenWriter,
    SortOrder, UserFilter, UserRepository, UserSort, UserSortKey, UserWriter,
};
use seeg_application::offers::{ApplicationCounts, OfferFilter, OfferRepository, OfferWriter};
use seeg_application::outbox::{
    FailureOutcome, KindCount, OutboxAppender, OutboxEvent, OutboxStats, OutboxStore, RetryScope,
};
use seeg_application::{Page, PageOf, StoreError, Transaction, UnitOfWork};
use seeg_domain::applications::{Application, ApplicationStatus};
use seeg_domain::identity::{AccessRequestStatus, CandidateProfile, Role, User};
use seeg_domain::offers::{JobOffer, OfferStatus};
use seeg_domain::outbox::OutboxState;
use seeg_domain::search;
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

mod created_applications;
mod document_references;
mod evaluations;
mod interview_slots;
mod read_models;
mod uploads;

#[derive(Debug, Clone, Default)]
struct State {
    offers: BTreeMap<Uuid, JobOffer>,
    outbox: BTreeMap<Uuid, StoredEvent>,
    users: BTreeMap<Uuid, User>,
    access_requests: BTreeMap<Uuid, AccessRequest>,
    notifications: BTreeMap<Uuid, Notification>,
    audit: BTreeMap<Uuid, AuditEvent>,
    refresh_tokens: BTreeMap<Uuid, RefreshTokenRecord>,
    password_resets: BTreeMap<Uuid, PasswordResetRecord>,
    agents: BTreeMap<i32, StoredAgent>,
    /// By account: one profile per account.
    candidate_profiles: BTreeMap<Uuid, CandidateProfile>,
    /// By (user, offer): one draft each.
    drafts: BTreeMap<(Uuid, Uuid), Draft>,
    idempotency: BTreeMap<(Uuid, String), seeg_application::idempotency::IdempotencyRecord>,
    applications: BTreeMap<Uuid, SeededApplication>,
    /// Applications written through the port (their counting side is in `applications` too).
    full_applications: BTreeMap<Uuid, Application>,
    application_documents: BTreeMap<Uuid, ApplicationDocument>,
    application_history: BTreeMap<Uuid, StatusChange>,
    upload_reservations: BTreeMap<Uuid, seeg_application::applications::UploadReservation>,
    evaluations: evaluations::Tables,
    interview_slots: interview_slots::Table,
}

/// An application as the offer side counts it. Until the applications capability writes them, tests seed them
/// with `MemoryStore::seed_application`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededApplication {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    /// The stored status word (`pending`, `candidature`, …).
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// An agent with the timestamps the SQL table keeps beside it.
#[derive(Debug, Clone)]
struct StoredAgent {
    agent: Agent,
    created_at: DateTime<Utc>,
    #[allow(dead_code)] // mirrors `seeg_agents.updated_at`; no port reads it yet
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct StoredEvent {
    event: OutboxEvent,
    locked_by: Option<String>,
    locked_until: Option<DateTime<Utc>>,
}

/// The in-memory database. Clones share the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<RwLock<State>>,
    /// Serialises transactions, as SQLite does: one writer at a time.
    writer: Arc<Mutex<()>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        f(&self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn write<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Stores an application directly, for tests of the offer side (the SQL schema's unique (candidate, offer)
    /// and foreign keys are checked the same way): `Conflict` on a duplicate, `Unexpected` for an unknown offer.
    pub fn seed_application(&self, application: SeededApplication) -> Result<(), StoreError> {
        self.write(|state| {
            if !state.offers.contains_key(&application.job_offer_id) {
                return Err(StoreError::Unexpected(anyhow::anyhow!("offre {} inconnue", application.job_offer_id)));
            }
            let duplicate = state.applications.values().any(|a| {
                a.id == application.id
                    || (a.candidate_id == application.candidate_id && a.job_offer_id == application.job_offer_id)
            });
            if duplicate {
                return Err(StoreError::Conflict("uq_applications_candidate_job".to_owned()));
            }
            state.applications.insert(application.id, application);
            Ok(())
        })
    }
}

/// One change a transaction will make.
#[derive(Debug)]
enum Change {
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
    InsertUploadReservation(seeg_application::applications::UploadReservation),
    SettleUploadReservation {
        id: Uuid,
        bytes: u64,
    },
    /// Deletes the reservations `which` keeps (`uploads`).
    DeleteUploadReservations(uploads::Deleted),
    /// Inserts or rewrites an evaluation or a history row (`evaluations`, which checks uniqueness).
    Evaluation(evaluations::Written),
    /// Inserts or rewrites a slot (`interview_slots`, which checks uniqueness).
    WriteInterviewSlot(Box<seeg_domain::interviews::InterviewSlot>),
}

/// Which refresh tokens a revocation reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Revocation {
    Family(Uuid),
    User(Uuid),
}

impl Revocation {
    fn reaches(self, token: &RefreshTokenRecord) -> bool {
        match self {
            Self::Family(family) => token.family_id == family,
            Self::User(user) => token.user_id == user,
        }
    }
}

/// A value a unique index holds: what the SQL schema's primary keys and unique indexes enforce.
#[derive(Debug, PartialEq, Eq)]
enum UniqueKey {
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
            | Self::WriteInterviewSlot(_) => Vec::new(),
            Self::InsertUploadReservation(r) => vec![UniqueKey::UploadReservation(r.id)],
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
                state.offers.insert(o.id, *o);
            }
            Self::DeleteOffer(id) => {
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
                let counted = SeededApplication {
                    id: a.id,
                    candidate_id: a.candidate_id,
                    job_offer_id: a.job_offer_id,
                    status: a.status.as_str().to_owned(),
                    created_at: a.created_at,
                };
                state.applications.insert(a.id, counted);
                state.full_applications.insert(a.id, *a);
            }
            Self::InsertApplicationDocument(d) => {
                state.application_documents.insert(d.id, *d);
            }
            Self::AppendHistory(c) => {
                state.application_history.insert(c.id, *c);
            }
            Self::UpdateApplicationStatus { id, status, at } => {
                if let Some(application) = state.full_applications.get_mut(&id) {
                    (application.status, application.updated_at) = (status, at);
                }
                if let Some(counted) = state.applications.get_mut(&id) {
                    status.as_str().clone_into(&mut counted.status);
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
                if let Some(application) = state.full_applications.get_mut(&id) {
                    application.updated_at = at;
                }
            }
            Self::DeleteApplication(id) => {
                state.full_applications.remove(&id);
                state.applications.remove(&id);
                state.application_documents.retain(|_, d| d.application_id != id);
                state.application_history.retain(|_, c| c.application_id != id);
                evaluations::cascade(&mut state.evaluations, id);
                interview_slots::cascade(&mut state.interview_slots, id);
            }
            Self::Evaluation(written) => evaluations::apply(&written, &mut state.evaluations),
            Self::WriteInterviewSlot(slot) => {
                state.interview_slots.insert(slot.id, *slot);
            }
            Self::DeleteApplicationDocument(id) => {
                state.application_documents.remove(&id);
            }
        }
    }
}

/// The upsert on the (user, offer) key: a stored draft keeps its creation time.
fn save_draft(drafts: &mut BTreeMap<(Uuid, Uuid), Draft>, mut draft: Draft) {
    if let Some(stored) = drafts.get(&(draft.user_id, draft.job_offer_id)) {
        draft.created_at = stored.created_at;
    }
    drafts.insert((draft.user_id, draft.job_offer_id), draft);
}

/// Writes a review on a still-pending request; whether it did (the SQL conditional UPDATE).
fn review_access_request(requests: &mut BTreeMap<Uuid, AccessRequest>, review: &AccessRequest) -> bool {
    match requests.get_mut(&review.id) {
        Some(stored) if stored.status == AccessRequestStatus::Pending => {
            stored.status = review.status;
            stored.rejection_reason.clone_from(&review.rejection_reason);
            stored.reviewed_at = review.reviewed_at;
            stored.reviewed_by = review.reviewed_by;
            stored.updated_at = review.updated_at;
            true
        }
        _ => false,
    }
}

/// Marks pending, unviewed requests viewed; how many.
fn mark_access_requests_viewed(requests: &mut BTreeMap<Uuid, AccessRequest>, at: DateTime<Utc>) -> u64 {
    let mut marked = 0;
    for request in requests.values_mut().filter(|r| r.status == AccessRequestStatus::Pending && !r.viewed) {
        request.viewed = true;
        request.updated_at = at;
        marked += 1;
    }
    marked
}

struct MemoryTransaction {
    store: MemoryStore,
    changes: Vec<Change>,
    _writer: OwnedMutexGuard<()>,
}

impl MemoryTransaction {
    /// Whether the offer exists as this transaction sees it.
    fn offer_exists(&self, id: Uuid) -> bool {
        let mut exists = self.store.read(|state| state.offers.contains_key(&id));
        for change in &self.changes {
            match change {
                Change::InsertOffer(o) if o.id == id => exists = true,
                Change::DeleteOffer(deleted) if *deleted == id => exists = false,
                _ => {}
            }
        }
        exists
    }

    /// Whether the account exists as this transaction sees it (accounts are never deleted).
    /// The status of application `id` as this transaction sees it; `None` when it does not exist.
    fn application_status(&self, id: Uuid) -> Option<ApplicationStatus> {
        let mut status = self.store.read(|state| state.full_applications.get(&id).map(|a| a.status));
        for change in &self.changes {
            match change {
                Change::InsertApplication(a) if a.id == id => status = Some(a.status),
                Change::UpdateApplicationStatus { id: changed, status: to, .. } if *changed == id => {
                    status = status.map(|_| *to);
                }
                Change::DeleteApplication(deleted) if *deleted == id => status = None,
                _ => {}
            }
        }
        status
    }

    /// Whether document `id` of application `application_id` exists as this transaction sees it.
    fn application_document_exists(&self, application_id: Uuid, id: Uuid) -> bool {
        let mut exists = self
            .store
            .read(|state| state.application_documents.get(&id).is_some_and(|d| d.application_id == application_id));
        for change in &self.changes {
            match change {
                Change::InsertApplicationDocument(d) if d.id == id && d.application_id == application_id => {
                    exists = true;
                }
                Change::DeleteApplicationDocument(deleted) if *deleted == id => exists = false,
                Change::DeleteApplication(deleted) if *deleted == application_id => exists = false,
                _ => {}
            }
        }
        exists
    }

    fn user_exists(&self, id: Uuid) -> bool {
        self.store.read(|state| state.users.contains_key(&id))
            || self.changes.iter().any(|c| matches!(c, Change::InsertUser(u) if u.id == id))
    }

    /// Whether (user, offer) has a draft as this transaction sees it.
    fn draft_exists(&self, user_id: Uuid, job_offer_id: Uuid) -> bool {
        let mut exists = self.store.read(|state| state.drafts.contains_key(&(user_id, job_offer_id)));
        for change in &self.changes {
            match change {
                Change::SaveDraft(d) if (d.user_id, d.job_offer_id) == (user_id, job_offer_id) => exists = true,
                Change::DeleteDraft { user_id: u, job_offer_id: o } if (*u, *o) == (user_id, job_offer_id) => {
                    exists = false;
                }
                Change::DeleteOffer(id) if *id == job_offer_id => exists = false,
                _ => {}
            }
        }
        exists
    }

    /// The refresh tokens as this transaction sees them: committed state with its own changes applied.
    fn current_refresh_tokens(&self) -> Vec<RefreshTokenRecord> {
        let mut tokens: BTreeMap<Uuid, RefreshTokenRecord> = self.store.read(|state| state.refresh_tokens.clone());
        for change in &self.changes {
            match change {
                Change::InsertRefreshToken(t) => {
                    tokens.insert(t.id, t.clone());
                }
                Change::ConsumeRefreshToken { id, at } => {
                    if let Some(t) = tokens.get_mut(id) {
                        t.used_at = Some(*at);
                    }
                }
                Change::RevokeRefreshTokens { which, at } => {
                    for t in tokens.values_mut().filter(|t| which.reaches(t) && t.revoked_at.is_none()) {
                        t.revoked_at = Some(*at);
                    }
                }
                _ => {}
            }
        }
        tokens.into_values().collect()
    }

    /// The access requests as this transaction sees them: committed state with its own changes applied.
    fn current_access_requests(&self) -> BTreeMap<Uuid, AccessRequest> {
        let mut requests = self.store.read(|state| state.access_requests.clone());
        for change in &self.changes {
            match change {
                Change::InsertAccessRequest(r) => {
                    requests.insert(r.id, (**r).clone());
                }
                Change::ReviewAccessRequest(r) => {
                    review_access_request(&mut requests, r);
                }
                Change::MarkAccessRequestsViewed { at } => {
                    mark_access_requests_viewed(&mut requests, *at);
                }
                _ => {}
            }
        }
        requests
    }

    fn revoke(&mut self, which: Revocation, at: DateTime<Utc>) -> u64 {
        let reached =
            self.current_refresh_tokens().iter().filter(|t| which.reaches(t) && t.revoked_at.is_none()).count();
        self.changes.push(Change::RevokeRefreshTokens { which, at });
        reached as u64
    }

    /// Records `change` unless it conflicts with committed data or with this transaction's own changes.
    fn record(&mut self, change: Change) -> Result<(), StoreError> {
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

    fn uploads(&mut self) -> &mut dyn seeg_application::applications::UploadLedger {
        self
    }

    fn evaluations(&mut self) -> &mut dyn seeg_application::evaluations::EvaluationWriter {
        self
    }

    fn interview_slots(&mut self) -> &mut dyn seeg_application::interviews::InterviewSlotWriter {
        self
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let MemoryTransaction { store, changes, _writer } = *self;
        store.write(|state| changes.into_iter().for_each(|change| change.apply(state)));
        Ok(())
    }
}

#[async_trait]
impl OfferWriter for MemoryTransaction {
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError> {
        self.record(Change::InsertOffer(Box::new(offer.clone())))
    }

    async fn update(&mut self, offer: &JobOffer) -> Result<bool, StoreError> {
        if !self.offer_exists(offer.id) {
            return Ok(false);
        }
        self.changes.push(Change::UpdateOffer(Box::new(offer.clone())));
        Ok(true)
    }

    async fn delete(&mut self, id: Uuid) -> Result<bool, StoreError> {
        if !self.offer_exists(id) {
            return Ok(false);
        }
        // The SQL schema has no cascade from offers to applications: the database refuses the delete.
        if self.store.read(|state| state.applications.values().any(|a| a.job_offer_id == id)) {
            return Err(StoreError::Conflict("fk_applications_job_offer".to_owned()));
        }
        self.changes.push(Change::DeleteOffer(id));
        Ok(true)
    }
}

#[async_trait]
impl OutboxAppender for MemoryTransaction {
    async fn append(&mut self, event: &OutboxEvent) -> Result<(), StoreError> {
        self.record(Change::AppendEvent(event.clone()))
    }
}

#[async_trait]
impl UserWriter for MemoryTransaction {
    async fn insert(&mut self, user: &User) -> Result<(), StoreError> {
        self.record(Change::InsertUser(Box::new(user.clone())))
    }

    async fn record_login(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.record(Change::RecordLogin { id, at })
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<User>, StoreError> {
        // The store's writer lock, held since `begin`, already keeps other writers out.
        let mut user = self.store.read(|state| state.users.get(&id).cloned());
        for change in &self.changes {
            match change {
                Change::InsertUser(u) | Change::UpdateUser(u) if u.id == id => user = Some((**u).clone()),
                Change::SetPassword { id: changed, hash, at } if *changed == id => {
                    if let Some(u) = user.as_mut() {
                        u.password_hash.clone_from(hash);
                        u.updated_at = *at;
                    }
                }
                Change::RecordLogin { id: changed, at } if *changed == id => {
                    if let Some(u) = user.as_mut() {
                        u.last_login = Some(*at);
                    }
                }
                _ => {}
            }
        }
        Ok(user)
    }

    async fn update(&mut self, user: &User) -> Result<(), StoreError> {
        // The unique e-mail and matricule, against every OTHER account (committed or written in this transaction).
        let mut others: Vec<User> = self.store.read(|state| state.users.values().cloned().collect());
        for change in &self.changes {
            match change {
                Change::InsertUser(u) | Change::UpdateUser(u) => {
                    others.retain(|o| o.id != u.id);
                    others.push((**u).clone());
                }
                _ => {}
            }
        }
        if !others.iter().any(|o| o.id == user.id) {
            return Err(StoreError::Unexpected(anyhow::anyhow!("compte {} inconnu", user.id)));
        }
        others.retain(|o| o.id != user.id);
        if others.iter().any(|o| o.email == user.email) {
            return Err(StoreError::Conflict("ux_users_email".to_owned()));
        }
        if user.matricule.is_some() && others.iter().any(|o| o.matricule == user.matricule) {
            return Err(StoreError::Conflict("ux_users_matricule".to_owned()));
        }
        self.changes.push(Change::UpdateUser(Box::new(user.clone())));
        Ok(())
    }

    async fn set_password(&mut self, id: Uuid, password_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.record(Change::SetPassword { id, hash: password_hash.to_owned(), at })
    }
}

#[async_trait]
impl AccessRequestWriter for MemoryTransaction {
    async fn insert(&mut self, request: &AccessRequest) -> Result<(), StoreError> {
        self.record(Change::InsertAccessRequest(Box::new(request.clone())))
    }

    async fn record_review(&mut self, request: &AccessRequest) -> Result<bool, StoreError> {
        let pending =
            self.current_access_requests().get(&request.id).is_some_and(|r| r.status == AccessRequestStatus::Pending);
        if pending {
            self.changes.push(Change::ReviewAccessRequest(Box::new(request.clone())));
        }
        Ok(pending)
    }

    async fn close_pending_for_user(
        &mut self,
        user_id: Uuid,
        status: AccessRequestStatus,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let pending: Vec<AccessRequest> = self
            .current_access_requests()
            .into_values()
            .filter(|r| r.user_id == user_id && r.status == AccessRequestStatus::Pending)
            .collect();
        let closed = pending.len() as u64;
        for mut request in pending {
            request.status = status;
            request.rejection_reason = None;
            request.reviewed_at = Some(at);
            request.reviewed_by = Some(by);
            request.updated_at = at;
            self.changes.push(Change::ReviewAccessRequest(Box::new(request)));
        }
        Ok(closed)
    }

    async fn mark_all_viewed(&mut self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let marked = mark_access_requests_viewed(&mut self.current_access_requests(), at);
        self.changes.push(Change::MarkAccessRequestsViewed { at });
        Ok(marked)
    }
}

#[async_trait]
impl NotificationWriter for MemoryTransaction {
    async fn insert(&mut self, notification: &Notification) -> Result<(), StoreError> {
        self.record(Change::InsertNotification(notification.clone()))
    }
}

#[async_trait]
impl AuditWriter for MemoryTransaction {
    async fn append(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        self.record(Change::AppendAudit(event.clone()))
    }
}

#[async_trait]
impl PasswordResetWriter for MemoryTransaction {
    async fn insert(&mut self, reset: &PasswordResetRecord) -> Result<(), StoreError> {
        self.record(Change::InsertPasswordReset(reset.clone()))
    }

    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        // Committed state, then this transaction's own changes (transactions are serialised by the writer lock).
        let mut unused = self.store.read(|state| state.password_resets.get(&id).is_some_and(|r| r.used_at.is_none()));
        for change in &self.changes {
            match change {
                Change::InsertPasswordReset(r) if r.id == id => unused = r.used_at.is_none(),
                Change::ConsumePasswordReset { id: consumed, .. } if *consumed == id => unused = false,
                _ => {}
            }
        }
        if unused {
            self.changes.push(Change::ConsumePasswordReset { id, at });
        }
        Ok(unused)
    }

    async fn spend_unused_for_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut unused: BTreeMap<Uuid, bool> = self.store.read(|state| {
            state
                .password_resets
                .values()
                .filter(|r| r.user_id == user_id)
                .map(|r| (r.id, r.used_at.is_none()))
                .collect()
        });
        for change in &self.changes {
            match change {
                Change::InsertPasswordReset(r) if r.user_id == user_id => {
                    unused.insert(r.id, r.used_at.is_none());
                }
                Change::ConsumePasswordReset { id, .. } => {
                    if let Some(flag) = unused.get_mut(id) {
                        *flag = false;
                    }
                }
                _ => {}
            }
        }
        let spent: Vec<Uuid> = unused.into_iter().filter(|(_, unused)| *unused).map(|(id, _)| id).collect();
        for id in &spent {
            self.changes.push(Change::ConsumePasswordReset { id: *id, at });
        }
        Ok(spent.len() as u64)
    }
}

#[async_trait]
impl PasswordResetRepository for MemoryStore {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<PasswordResetRecord>, StoreError> {
        Ok(self.read(|state| state.password_resets.values().find(|r| r.token_hash == token_hash).cloned()))
    }
}

#[async_trait]
impl RefreshTokenWriter for MemoryTransaction {
    async fn insert(&mut self, token: &RefreshTokenRecord) -> Result<(), StoreError> {
        self.record(Change::InsertRefreshToken(token.clone()))
    }

    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let token = self.current_refresh_tokens().into_iter().find(|t| t.id == id);
        let usable = token.is_some_and(|t| t.used_at.is_none() && t.revoked_at.is_none());
        if usable {
            self.changes.push(Change::ConsumeRefreshToken { id, at });
        }
        Ok(usable)
    }

    async fn revoke_family(&mut self, family_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.revoke(Revocation::Family(family_id), at))
    }

    async fn revoke_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.revoke(Revocation::User(user_id), at))
    }
}

/// Slices rows already in list order and counts them all (F5).
fn page_of<T: Clone>(rows: Vec<&T>, page: Page) -> PageOf<T> {
    let total = rows.len() as u64;
    let items = rows
        .into_iter()
        .skip(usize::try_from(page.skip).unwrap_or(usize::MAX))
        .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
        .cloned()
        .collect();
    PageOf { items, total }
}

/// Whether `haystack`, folded, contains `needle`, folded (the SQL adapter's `LIKE` on the folded columns).
fn contains_folded(haystack: &str, needle: &str) -> bool {
    search::fold(haystack).contains(&search::fold(needle))
}

fn matches(filter: &OfferFilter, offer: &JobOffer) -> bool {
    offer.is_visible_to(filter.audience)
        && filter.location.as_ref().is_none_or(|needle| contains_folded(&offer.location, needle))
        && filter.contract_type.as_ref().is_none_or(|c| &offer.contract_type == c)
        && filter
            .department
            .as_ref()
            .is_none_or(|needle| offer.department.as_ref().is_some_and(|d| contains_folded(d, needle)))
        && filter.q.as_ref().is_none_or(|q| offer.search_folded().contains(&search::fold(q)))
        && filter.status.is_none_or(|s| offer.status == s)
        && filter.recruiter_id.is_none_or(|r| offer.recruiter_id == Some(r))
}

#[async_trait]
impl OfferRepository for MemoryStore {
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError> {
        self.read(|state| {
            let mut found: Vec<&JobOffer> = state.offers.values().filter(|o| matches(filter, o)).collect();
            let q = filter.q.as_deref().map(search::fold);
            let title_matches = |o: &JobOffer| q.as_ref().is_some_and(|q| search::fold(&o.title).contains(q.as_str()));
            found.sort_by(|a, b| {
                title_matches(b).cmp(&title_matches(a)).then(b.created_at.cmp(&a.created_at)).then(b.id.cmp(&a.id))
            });
            Ok(page_of(found, page))
        })
    }

    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        Ok(self.read(|state| state.offers.values().filter(|o| matches(filter, o)).count() as u64))
    }

    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError> {
        Ok(self.read(|state| state.offers.get(&id).cloned()))
    }

    async fn count_by_status_for_recruiter(
        &self,
        recruiter_id: Uuid,
    ) -> Result<BTreeMap<OfferStatus, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for offer in state.offers.values().filter(|o| o.recruiter_id == Some(recruiter_id)) {
                *counts.entry(offer.status).or_insert(0) += 1;
            }
            counts
        }))
    }
}

#[async_trait]
impl ApplicationCounts for MemoryStore {
    async fn count_for_offer(&self, offer_id: Uuid) -> Result<u64, StoreError> {
        Ok(self.read(|state| state.applications.values().filter(|a| a.job_offer_id == offer_id).count() as u64))
    }

    async fn counts_by_status_for_recruiter(&self, recruiter_id: Uuid) -> Result<BTreeMap<String, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for application in state.applications.values() {
                let mine =
                    state.offers.get(&application.job_offer_id).is_some_and(|o| o.recruiter_id == Some(recruiter_id));
                if mine {
                    *counts.entry(application.status.clone()).or_insert(0) += 1;
                }
            }
            counts
        }))
    }
}

#[async_trait]
impl UserRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(self.read(|state| state.users.get(&id).cloned()))
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<User>, StoreError> {
        let wanted: std::collections::BTreeSet<&Uuid> = ids.iter().collect();
        Ok(self.read(|state| wanted.iter().filter_map(|id| state.users.get(id).cloned()).collect()))
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        Ok(self.read(|state| state.users.values().find(|u| u.email == email).cloned()))
    }

    async fn matricule_taken(&self, matricule: i32) -> Result<bool, StoreError> {
        Ok(self.read(|state| state.users.values().any(|u| u.matricule == Some(matricule))))
    }

    async fn any_admin(&self) -> Result<bool, StoreError> {
        Ok(self.read(|state| state.users.values().any(|u| u.role == Role::Admin)))
    }

    async fn list(&self, filter: &UserFilter, page: Page, sort: UserSort) -> Result<PageOf<User>, StoreError> {
        let q = filter.q.as_deref().map(search::fold);
        Ok(self.read(|state| {
            let mut found: Vec<&User> = state
                .users
                .values()
                .filter(|u| q.as_ref().is_none_or(|q| u.search_folded().contains(q.as_str())))
                .filter(|u| filter.role.is_none_or(|r| u.role == r))
                .filter(|u| filter.status.is_none_or(|s| u.status == s))
                .collect();
            found.sort_by(|a, b| {
                let by_key = match sort.key {
                    UserSortKey::FirstName => a.first_name.cmp(&b.first_name),
                    UserSortKey::LastName => a.last_name.cmp(&b.last_name),
                    UserSortKey::Email => a.email.cmp(&b.email),
                    UserSortKey::CreatedAt => a.created_at.cmp(&b.created_at),
                };
                let ascending = by_key.then(a.id.cmp(&b.id));
                match sort.order {
                    SortOrder::Asc => ascending,
                    SortOrder::Desc => ascending.reverse(),
                }
            });
            page_of(found, page)
        }))
    }
}

#[async_trait]
impl AgentDirectory for MemoryStore {
    async fn upsert(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<u64, StoreError> {
        let latest: BTreeMap<i32, &Agent> = agents.iter().map(|a| (a.matricule, a)).collect();
        self.write(|state| {
            for (matricule, agent) in &latest {
                let created_at = state.agents.get(matricule).map_or(at, |stored| stored.created_at);
                state.agents.insert(*matricule, StoredAgent { agent: (*agent).clone(), created_at, updated_at: at });
            }
        });
        Ok(latest.len() as u64)
    }

    async fn find(&self, matricule: i32) -> Result<Option<Agent>, StoreError> {
        Ok(self.read(|state| state.agents.get(&matricule).map(|stored| stored.agent.clone())))
    }
}

#[async_trait]
impl AccessRequestRepository for MemoryStore {
    async fn find_pending_for_user(&self, user_id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        Ok(self.read(|state| {
            state
                .access_requests
                .values()
                .filter(|r| r.user_id == user_id && r.status == AccessRequestStatus::Pending)
                .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
                .cloned()
        }))
    }

    async fn get(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        Ok(self.read(|state| state.access_requests.get(&id).cloned()))
    }

    async fn list(&self, filter: &AccessRequestFilter, page: Page) -> Result<PageOf<AccessRequest>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&AccessRequest> = state
                .access_requests
                .values()
                .filter(|r| filter.status.is_none_or(|s| r.status == s))
                .filter(|r| filter.viewed.is_none_or(|v| r.viewed == v))
                .collect();
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            page_of(found, page)
        }))
    }

    async fn counts(&self) -> Result<AccessRequestCounts, StoreError> {
        Ok(self.read(|state| {
            let pending: Vec<&AccessRequest> =
                state.access_requests.values().filter(|r| r.status == AccessRequestStatus::Pending).collect();
            AccessRequestCounts {
                pending: pending.len() as u64,
                unviewed: pending.iter().filter(|r| !r.viewed).count() as u64,
            }
        }))
    }
}

#[async_trait]
impl NotificationRepository for MemoryStore {
    async fn list_for_user(&self, user_id: Uuid, page: Page) -> Result<PageOf<Notification>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&Notification> = state.notifications.values().filter(|n| n.user_id == user_id).collect();
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            page_of(found, page)
        }))
    }
}

#[async_trait]
impl AuditRepository for MemoryStore {
    async fn list(&self, filter: &AuditFilter, page: Page) -> Result<PageOf<AuditEvent>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&AuditEvent> = state.audit.values().filter(|e| audit_matches(filter, e)).collect();
            found.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(b.id.cmp(&a.id)));
            page_of(found, page)
        }))
    }
}

fn audit_matches(filter: &AuditFilter, event: &AuditEvent) -> bool {
    filter.actor_id.is_none_or(|id| event.actor_id == Some(id))
        && filter.action.as_ref().is_none_or(|a| *a == event.action)
        && filter.target_type.as_ref().is_none_or(|t| event.target_type.as_ref() == Some(t))
        && filter.target_id.as_ref().is_none_or(|t| event.target_id.as_ref() == Some(t))
        && filter.from.is_none_or(|from| event.occurred_at >= from)
        && filter.to.is_none_or(|to| event.occurred_at < to)
}

#[async_trait]
impl RefreshTokenRepository for MemoryStore {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(self.read(|state| state.refresh_tokens.values().find(|t| t.token_hash == token_hash).cloned()))
    }
}

#[async_trait]
impl OutboxStore for MemoryStore {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        Ok(self.write(|state| {
            let mut due: Vec<&mut StoredEvent> = state
                .outbox
                .values_mut()
                .filter(|s| {
                    s.event.state == OutboxState::Pending
                        && s.event.next_attempt_at <= now
                        && s.locked_until.is_none_or(|until| until < now)
                })
                .collect();
            due.sort_by(|a, b| a.event.next_attempt_at.cmp(&b.event.next_attempt_at).then(a.event.id.cmp(&b.event.id)));
            due.into_iter()
                .take(limit as usize)
                .map(|s| {
                    s.locked_by = Some(worker.to_owned());
                    s.locked_until = Some(lease_until);
                    s.event.clone()
                })
                .collect()
        }))
    }

    async fn mark_done(&self, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.write(|state| match state.outbox.get_mut(&id) {
            Some(s) if s.locked_by.as_deref() == Some(worker) && s.event.state == OutboxState::Pending => {
                s.event.state = OutboxState::Done;
                s.event.processed_at = Some(now);
                s.locked_by = None;
                s.locked_until = None;
                true
            }
            _ => false,
        }))
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        worker: &str,
        attempts: u32,
        error: &str,
        outcome: FailureOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self.write(|state| match state.outbox.get_mut(&id) {
            Some(s) if s.locked_by.as_deref() == Some(worker) && s.event.state == OutboxState::Pending => {
                s.event.attempts = attempts;
                s.event.last_error = Some(error.to_owned());
                match outcome {
                    FailureOutcome::RetryAt(at) => s.event.next_attempt_at = at,
                    FailureOutcome::Dead => {
                        s.event.state = OutboxState::Dead;
                        s.event.processed_at = Some(now);
                    }
                }
                s.locked_by = None;
                s.locked_until = None;
                true
            }
            _ => false,
        }))
    }

    async fn release(&self, ids: &[Uuid], worker: &str) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let mut released = 0;
            for id in ids {
                if let Some(s) = state.outbox.get_mut(id)
                    && s.locked_by.as_deref() == Some(worker)
                    && s.event.state == OutboxState::Pending
                {
                    s.locked_by = None;
                    s.locked_until = None;
                    released += 1;
                }
            }
            released
        }))
    }

    async fn get(&self, id: Uuid) -> Result<Option<OutboxEvent>, StoreError> {
        Ok(self.read(|state| state.outbox.get(&id).map(|s| s.event.clone())))
    }

    async fn stats(&self) -> Result<OutboxStats, StoreError> {
        Ok(self.read(|state| {
            let mut stats = OutboxStats::default();
            let mut kinds: BTreeMap<&str, KindCount> = BTreeMap::new();
            for s in state.outbox.values() {
                let e = &s.event;
                let entry =
                    kinds.entry(&e.kind).or_insert_with(|| KindCount { kind: e.kind.clone(), pending: 0, dead: 0 });
                match e.state {
                    OutboxState::Pending => {
                        stats.pending += 1;
                        entry.pending += 1;
                        if e.attempts > 0 {
                            stats.failing += 1;
                        }
                        stats.oldest_pending_at =
                            Some(stats.oldest_pending_at.map_or(e.created_at, |o| o.min(e.created_at)));
                    }
                    OutboxState::Dead => {
                        stats.dead += 1;
                        entry.dead += 1;
                    }
                    OutboxState::Done => stats.done += 1,
                }
            }
            stats.by_kind = kinds.into_values().filter(|k| k.pending + k.dead > 0).collect();
            stats
        }))
    }

    async fn retry(&self, scope: RetryScope, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let mut woken = 0;
            for s in state.outbox.values_mut() {
                let e = &mut s.event;
                let wake = match scope {
                    RetryScope::Failing => e.state == OutboxState::Pending && e.attempts > 0,
                    RetryScope::Dead => e.state == OutboxState::Dead,
                    RetryScope::Event(id) => e.id == id && e.state != OutboxState::Done,
                };
                if wake {
                    if scope != RetryScope::Failing {
                        e.state = OutboxState::Pending;
                        e.attempts = 0;
                        e.processed_at = None;
                    }
                    e.next_attempt_at = now;
                    woken += 1;
                }
            }
            woken
        }))
    }
}

#[async_trait]
impl Probe for MemoryStore {
    async fn check(&self) -> anyhow::Result<()> {
        Ok(())
    }
}

#[async_trait]
impl CandidateProfileWriter for MemoryTransaction {
    async fn save(&mut self, profile: &CandidateProfile) -> Result<(), StoreError> {
        self.record(Change::SaveCandidateProfile(Box::new(profile.clone())))
    }
}

#[async_trait]
impl CandidateProfileRepository for MemoryStore {
    async fn for_user(&self, user_id: Uuid) -> Result<Option<CandidateProfile>, StoreError> {
        Ok(self.read(|state| state.candidate_profiles.get(&user_id).cloned()))
    }
}

/// Idempotency keys live beside the transactional state: claims are immediate, like the SQL adapter's own
/// short transaction.
#[async_trait]
impl seeg_application::idempotency::IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        scope: Uuid,
        key: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
    ) -> Result<seeg_application::idempotency::Claim, StoreError> {
        use seeg_application::idempotency::{Claim, IdempotencyRecord};
        Ok(self.write(|state| {
            let id = (scope, key.to_owned());
            match state.idempotency.get(&id) {
                Some(record) if record.created_at >= not_before => Claim::Existing(record.clone()),
                _ => {
                    let record = IdempotencyRecord { scope, key: key.to_owned(), response: None, created_at: at };
                    state.idempotency.insert(id, record);
                    Claim::Claimed
                }
            }
        }))
    }

    async fn complete(
        &self,
        scope: Uuid,
        key: &str,
        response: &seeg_application::idempotency::StoredResponse,
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|state| {
            if let Some(record) = state.idempotency.get_mut(&(scope, key.to_owned())) {
                record.response = Some(response.clone());
            }
        });
        Ok(())
    }

    async fn release(&self, scope: Uuid, key: &str) -> Result<(), StoreError> {
        self.write(|state| state.idempotency.remove(&(scope, key.to_owned())));
        Ok(())
    }
}

#[async_trait]
impl ApplicationWriter for MemoryTransaction {
    async fn insert(&mut self, application: &Application) -> Result<(), StoreError> {
        self.record(Change::InsertApplication(Box::new(application.clone())))
    }

    async fn insert_document(&mut self, document: &ApplicationDocument) -> Result<(), StoreError> {
        self.record(Change::InsertApplicationDocument(Box::new(document.clone())))
    }

    async fn append_history(&mut self, change: &StatusChange) -> Result<(), StoreError> {
        self.record(Change::AppendHistory(Box::new(change.clone())))
    }

    async fn update_status(
        &mut self,
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut exists = self.store.read(|state| state.full_applications.contains_key(&id));
        exists |= self.changes.iter().any(|c| matches!(c, Change::InsertApplication(a) if a.id == id));
        if exists {
            self.changes.push(Change::UpdateApplicationStatus { id, status, at });
        }
        Ok(exists)
    }

    async fn touch(
        &mut self,
        id: Uuid,
        only_in: Option<ApplicationStatus>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let applies = self.application_status(id).is_some_and(|s| only_in.is_none_or(|wanted| s == wanted));
        if applies {
            self.changes.push(Change::TouchApplication { id, at });
        }
        Ok(applies)
    }

    async fn delete(&mut self, id: Uuid, only_in: Option<ApplicationStatus>) -> Result<bool, StoreError> {
        let applies = self.application_status(id).is_some_and(|s| only_in.is_none_or(|wanted| s == wanted));
        if applies {
            self.changes.push(Change::DeleteApplication(id));
        }
        Ok(applies)
    }

    async fn delete_document(&mut self, application_id: Uuid, document_id: Uuid) -> Result<bool, StoreError> {
        let exists = self.application_document_exists(application_id, document_id);
        if exists {
            self.changes.push(Change::DeleteApplicationDocument(document_id));
        }
        Ok(exists)
    }

    async fn documents(&mut self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        let mut documents: BTreeMap<Uuid, ApplicationDocument> = self.store.read(|state| {
            state
                .application_documents
                .iter()
                .filter(|(_, d)| d.application_id == application_id)
                .map(|(id, d)| (*id, d.clone()))
                .collect()
        });
        for change in &self.changes {
            match change {
                Change::InsertApplicationDocument(d) if d.application_id == application_id => {
                    documents.insert(d.id, (**d).clone());
                }
                Change::DeleteApplicationDocument(deleted) => {
                    documents.remove(deleted);
                }
                Change::DeleteApplication(deleted) if *deleted == application_id => documents.clear(),
                _ => {}
            }
        }
        let mut documents: Vec<ApplicationDocument> = documents.into_values().collect();
        documents.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at).then(a.id.cmp(&b.id)));
        Ok(documents)
    }
}

#[async_trait]
impl DraftWriter for MemoryTransaction {
    async fn save(&mut self, draft: &Draft) -> Result<(), StoreError> {
        // The foreign keys of the SQL schema.
        if !self.user_exists(draft.user_id) || !self.offer_exists(draft.job_offer_id) {
            return Err(StoreError::Unexpected(anyhow::anyhow!("fk_application_drafts : compte ou offre inconnu")));
        }
        self.changes.push(Change::SaveDraft(Box::new(draft.clone())));
        Ok(())
    }

    async fn delete(&mut self, user_id: Uuid, job_offer_id: Uuid) -> Result<bool, StoreError> {
        let existed = self.draft_exists(user_id, job_offer_id);
        self.changes.push(Change::DeleteDraft { user_id, job_offer_id });
        Ok(existed)
    }
}

#[async_trait]
impl ApplicationRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<Application>, StoreError> {
        Ok(self.read(|state| state.full_applications.get(&id).cloned()))
    }

    async fn find(&self, candidate_id: Uuid, job_offer_id: Uuid) -> Result<Option<Application>, StoreError> {
        Ok(self.read(|state| {
            state
                .full_applications
                .values()
                .find(|a| a.candidate_id == candidate_id && a.job_offer_id == job_offer_id)
                .cloned()
        }))
    }

    async fn list(&self, filter: &ApplicationFilter, page: Page) -> Result<PageOf<Application>, StoreError> {
        let q = filter.q.as_deref().map(seeg_domain::search::fold);
        Ok(self.read(|state| {
            let mut matching: Vec<&Application> = state
                .full_applications
                .values()
                .filter(|a| filter.candidate_id.is_none_or(|c| a.candidate_id == c))
                .filter(|a| filter.job_offer_id.is_none_or(|o| a.job_offer_id == o))
                .filter(|a| filter.status.is_none_or(|s| a.status == s))
                .filter(|a| {
                    q.as_deref()
                        .is_none_or(|q| state.users.get(&a.candidate_id).is_some_and(|u| u.search_folded().contains(q)))
                })
                .collect();
            matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            PageOf {
                total: matching.len() as u64,
                items: matching
                    .into_iter()
                    .skip(usize::try_from(page.skip).unwrap_or(usize::MAX))
                    .take(usize::try_from(page.limit).unwrap_or(usize::MAX))
                    .cloned()
                    .collect(),
            }
        }))
    }

    async fn documents(&self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        Ok(self.read(|state| {
            let mut documents: Vec<ApplicationDocument> =
                state.application_documents.values().filter(|d| d.application_id == application_id).cloned().collect();
            documents.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at).then(a.id.cmp(&b.id)));
            documents
        }))
    }

    async fn document(
        &self,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<Option<ApplicationDocument>, StoreError> {
        Ok(self.read(|state| {
            state.application_documents.get(&document_id).filter(|d| d.application_id == application_id).cloned()
        }))
    }

    async fn history(&self, application_id: Uuid) -> Result<Vec<StatusChange>, StoreError> {
        Ok(self.read(|state| {
            let mut changes: Vec<StatusChange> =
                state.application_history.values().filter(|c| c.application_id == application_id).cloned().collect();
            changes.sort_by(|a, b| a.changed_at.cmp(&b.changed_at).then(a.id.cmp(&b.id)));
            changes
        }))
    }
}

#[async_trait]
impl DraftRepository for MemoryStore {
    async fn get(&self, user_id: Uuid, job_offer_id: Uuid) -> Result<Option<Draft>, StoreError> {
        Ok(self.read(|state| state.drafts.get(&(user_id, job_offer_id)).cloned()))
    }
}
