//! The identity capability's persistence ports and the records they keep.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::identity::{AccessRequestStatus, CandidateProfile, Role, User, UserStatus};
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

/// Reads accounts.
///
/// Contract: `get` and `find_by_email` return `None` for an unknown account; `get_many` returns the known
/// accounts among `ids` (unknown ones are absent, duplicates are read once), in no particular order; `find_by_email` takes the lower-cased
/// address and matches it exactly (addresses are stored lower-cased, S5). `any_admin` is `true` as soon as one
/// committed account has the role admin, whatever its statut. `count_by_role` counts every committed account,
/// whatever its statut, per role; roles without accounts are left out.
#[async_trait]
pub trait UserRepository: Send + Sync + std::fmt::Debug {
    /// The account with this id, if any.
    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// The known accounts among `ids`, in no particular order.
    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<User>, StoreError>;
    /// The account with this lower-cased e-mail address, if any.
    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// Whether an account already has this matricule (unique among users, K3c).
    async fn matricule_taken(&self, matricule: i32) -> Result<bool, StoreError>;
    /// Whether any account has the role admin (S1: the bootstrap admin is created only when none has).
    async fn any_admin(&self) -> Result<bool, StoreError>;
    /// The accounts matching every criterion of `filter`, in `sort` order then by `id` in the same direction
    /// (deterministic, F5); `total` counts every match, not the page. `q` matches a part of "first name, last
    /// name, e-mail" with case and accents ignored (`seeg_domain::search::fold`; `%` and `_` are literal). Names
    /// sort by the stored text in the database's collation (code-point order on SQLite and the in-memory store).
    async fn list(&self, filter: &UserFilter, page: Page, sort: UserSort) -> Result<PageOf<User>, StoreError>;
    /// Every account counted per role (one query).
    async fn count_by_role(&self) -> Result<BTreeMap<Role, u64>, StoreError>;
}

/// Which accounts `UserRepository::list` returns; `None` is no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// Free text, compared folded with first name, last name and e-mail (B8).
    pub q: Option<String>,
    /// Only accounts with this role.
    pub role: Option<Role>,
    /// Only accounts with this statut.
    pub status: Option<UserStatus>,
}

/// The column accounts are listed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserSortKey {
    /// By first name.
    FirstName,
    /// By last name.
    LastName,
    /// By e-mail address.
    Email,
    /// By creation time (the default, newest first).
    CreatedAt,
}

/// Ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Smallest first.
    Asc,
    /// Largest (newest) first.
    Desc,
}

/// How accounts are listed: newest first by default (F5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserSort {
    /// The column.
    pub key: UserSortKey,
    /// The direction; ties are broken by `id` in the same direction.
    pub order: SortOrder,
}

impl Default for UserSort {
    fn default() -> Self {
        Self { key: UserSortKey::CreatedAt, order: SortOrder::Desc }
    }
}

/// Writes accounts inside a transaction.
///
/// Contract: `insert` is `StoreError::Conflict` when the id, the e-mail or the matricule already belongs to an
/// account (the unique indexes decide, so concurrent sign-ups cannot both win); several accounts may have no
/// matricule. `record_login` sets `last_login` and nothing else; for an unknown id it changes nothing.
#[async_trait]
pub trait UserWriter: Send {
    /// Stores a new account; `Conflict` when its id, e-mail or matricule is taken.
    async fn insert(&mut self, user: &User) -> Result<(), StoreError>;
    /// Sets the account's `last_login`.
    async fn record_login(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Reads the account inside the transaction and keeps it from other writers until commit (PostgreSQL:
    /// `SELECT … FOR UPDATE`; SQLite and the in-memory store already hold the write lock from `begin`). A
    /// read-change-write of an account reads here, never on the pool, so a concurrent write cannot be reverted
    /// by a copy read before it. `None` for an unknown account.
    async fn lock(&mut self, id: Uuid) -> Result<Option<User>, StoreError>;
    /// Writes every field of an existing account, as read by `lock` in the same transaction and changed through
    /// the domain. `Conflict`
    /// when the e-mail or matricule now belongs to another account.
    async fn update(&mut self, user: &User) -> Result<(), StoreError>;
    /// Replaces the password hash and sets `updated_at`.
    async fn set_password(&mut self, id: Uuid, password_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
}

/// An access request (legacy §2.13): copies of the account's contact fields at sign-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequest {
    /// The request's id.
    pub id: Uuid,
    /// The account waiting for access.
    pub user_id: Uuid,
    /// The account's e-mail address at sign-up.
    pub email: String,
    /// The account's first name at sign-up.
    pub first_name: String,
    /// The account's last name at sign-up.
    pub last_name: String,
    /// The account's phone at sign-up.
    pub phone: Option<String>,
    /// The legacy column is text.
    pub matricule: Option<String>,
    /// Always `internal_no_seeg_email` (`INTERNAL_NO_SEEG_EMAIL`, K2).
    pub request_type: String,
    /// Pending, approved or rejected.
    pub status: AccessRequestStatus,
    /// The reviewer's reason when rejected (at least 20 characters, R35).
    pub rejection_reason: Option<String>,
    /// Whether a reviewer has seen it in the list (`mark_all_viewed`).
    pub viewed: bool,
    /// When the request was made (at sign-up).
    pub created_at: DateTime<Utc>,
    /// When it was approved or rejected.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Who approved or rejected it.
    pub reviewed_by: Option<Uuid>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Reads access requests.
///
/// Contract: `find_pending_for_user` returns the account's `pending` request (the newest by `created_at`, then
/// `id`, should there be several), or `None` when it has none.
///
/// `get` returns `None` for an unknown id. `list` holds the requests matching every criterion of the filter,
/// newest first (`created_at` descending, then `id` descending); `total` counts every match, not the page.
/// `counts` are global, whatever any filter: `pending` requests, and those of them not yet `viewed`.
#[async_trait]
pub trait AccessRequestRepository: Send + Sync + std::fmt::Debug {
    /// The account's pending request, if any.
    async fn find_pending_for_user(&self, user_id: Uuid) -> Result<Option<AccessRequest>, StoreError>;
    /// The request with this id, if any.
    async fn get(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError>;
    /// One page of the requests matching `filter`, newest first, with the true total.
    async fn list(&self, filter: &AccessRequestFilter, page: Page) -> Result<PageOf<AccessRequest>, StoreError>;
    /// The global counters: pending, and pending not yet viewed.
    async fn counts(&self) -> Result<AccessRequestCounts, StoreError>;
}

/// Which access requests `AccessRequestRepository::list` returns; `None` is no criterion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessRequestFilter {
    /// Only requests in this status.
    pub status: Option<AccessRequestStatus>,
    /// Only requests viewed (or not).
    pub viewed: Option<bool>,
}

/// The global counters of the access-request screen (R35).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessRequestCounts {
    /// Requests waiting for a decision.
    pub pending: u64,
    /// Pending and not yet viewed.
    pub unviewed: u64,
}

/// Writes access requests inside a transaction. Contract: `insert` of an existing id is `Conflict`.
///
/// `record_review` writes `status`, `rejection_reason`, `reviewed_at`, `reviewed_by` and `updated_at` of the
/// request, only while the stored request is still `pending` (one conditional write, so two reviewers cannot
/// both decide): `true` when it did, `false` when the request is unknown or was already processed.
/// `mark_all_viewed` sets `viewed` (and `updated_at`) on every pending request not yet viewed; returns how many.
/// `close_pending_for_user` decides every pending request of the account as `status` (reviewed by `by` at `at`,
/// no rejection reason); returns how many.
#[async_trait]
pub trait AccessRequestWriter: Send {
    /// Stores a new request.
    async fn insert(&mut self, request: &AccessRequest) -> Result<(), StoreError>;
    /// Records the decision on a still-pending request; `false` when it was already decided or is unknown.
    async fn record_review(&mut self, request: &AccessRequest) -> Result<bool, StoreError>;
    /// Marks every pending request not yet viewed as viewed; returns how many.
    async fn mark_all_viewed(&mut self, at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Marks every `pending` request of `user_id` as `status`, reviewed by `by` at `at` (its account's statut
    /// changed: nothing is left to decide); the number closed, 0 when none was pending.
    async fn close_pending_for_user(
        &mut self,
        user_id: Uuid,
        status: AccessRequestStatus,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError>;
}

/// An in-app notification (legacy §2.10, with a uuid id, F3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notification's id (a UUID, F3).
    pub id: Uuid,
    /// The account it is for.
    pub user_id: Uuid,
    /// The application it is about, if any.
    pub related_application_id: Option<Uuid>,
    /// Short title, in French.
    pub title: String,
    /// The text, in French.
    pub message: String,
    /// `registration`, `password_changed`, … (R32).
    pub kind: String,
    /// Where the front end takes the reader (`/applications/{id}`, …).
    pub link: Option<String>,
    /// Whether the user has read it.
    pub read: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// Which of an account's notifications `NotificationRepository::list` returns; `None`/`false` is no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    /// Only the unread ones.
    pub unread_only: bool,
    /// Free text, found in the title or the message with case and accents ignored (`seeg_domain::search::fold`;
    /// `%`, `_` and `'` are literal).
    pub q: Option<String>,
    /// Only this type (`registration`, `application_status_changed`, …), compared exactly.
    pub kind: Option<String>,
    /// Only those written at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Only those written at or before this instant.
    pub created_to: Option<DateTime<Utc>>,
}

/// The column notifications are listed by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NotificationSortKey {
    /// By the time it was written (the default).
    #[default]
    CreatedAt,
    /// By title, in code-point order on every backend.
    Title,
}

/// How notifications are listed: newest first by default (R33, F5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NotificationSort {
    /// The column.
    pub key: NotificationSortKey,
    /// The direction; ties are broken by `id` in the same direction.
    pub order: SortOrder,
}

impl Default for NotificationSort {
    fn default() -> Self {
        Self { key: NotificationSortKey::CreatedAt, order: SortOrder::Desc }
    }
}

/// An account's notifications counted (legacy `/notifications/stats/overview`, R33).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationStats {
    /// Every notification of the account.
    pub total: u64,
    /// The unread ones among them.
    pub unread: u64,
    /// Per type; a notification without a type (a legacy row) is counted under
    /// [`NotificationStats::UNTYPED`]. Types with no notification are absent.
    pub by_kind: BTreeMap<String, u64>,
}

impl NotificationStats {
    /// The key untyped notifications are counted under (legacy rows may have a null `type`).
    pub const UNTYPED: &'static str = "autre";
}

/// Reads notifications. Every read is scoped to one account: another account's notifications are never returned,
/// counted or told apart from unknown ones.
///
/// Contract: `list` holds only the account's notifications matching every criterion of the filter, in `sort`
/// order then by `id` in the same direction (deterministic, F5); `total` counts every match, not the page. An
/// unknown account has an empty list and zero counts. `get` is `None` for an unknown id and for another
/// account's. A notification stored without a type reads with an empty `kind`.
#[async_trait]
pub trait NotificationRepository: Send + Sync + std::fmt::Debug {
    /// One page of the account's notifications matching `filter`, with the true total.
    async fn list(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
        page: Page,
        sort: NotificationSort,
    ) -> Result<PageOf<Notification>, StoreError>;

    /// One page of all the account's notifications, newest first (`created_at` descending, then `id`
    /// descending), with the true total.
    async fn list_for_user(&self, user_id: Uuid, page: Page) -> Result<PageOf<Notification>, StoreError> {
        self.list(user_id, &NotificationFilter::default(), page, NotificationSort::default()).await
    }

    /// The account's notification `id`, if it is the account's.
    async fn get(&self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError>;

    /// How many of the account's notifications are unread.
    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError>;

    /// The account's notifications counted: in all, unread, per type.
    async fn stats(&self, user_id: Uuid) -> Result<NotificationStats, StoreError>;
}

/// Writes notifications inside a transaction: every change to a notification goes through here, so that what
/// follows a write (a push to the reader's open connections) has one place to hook on.
///
/// Contract: `insert` of an existing id is `Conflict`; a `related_application_id` must name a stored application
/// (the row goes with it when the application is deleted). `mark_read` marks the account's notification `id`
/// read and returns it as stored after the change, also when it was read already (idempotent); it is `None`, and
/// nothing changes, for an unknown id and for another account's. `mark_all_read` marks every unread notification
/// of the account read and returns how many changed (0 when none was unread); other accounts' are untouched.
/// Neither changes anything but `read`.
#[async_trait]
pub trait NotificationWriter: Send {
    /// Stores a new notification.
    async fn insert(&mut self, notification: &Notification) -> Result<(), StoreError>;

    /// Marks the account's notification `id` read: the notification as now stored, or `None`.
    async fn mark_read(&mut self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError>;

    /// Marks every unread notification of the account read: how many changed.
    async fn mark_all_read(&mut self, user_id: Uuid) -> Result<u64, StoreError>;
}

/// One line of the audit trail (B2): who did what to which record, never the personal values themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The event's id.
    pub id: Uuid,
    /// Who acted; `None` when nobody was identified (a failed login with an unknown e-mail).
    pub actor_id: Option<Uuid>,
    /// `auth.login.succeeded`, `auth.login.failed`, `user.created`, …
    pub action: String,
    /// The kind of record acted on (`application`, `job_offer`, `user`, …).
    pub target_type: Option<String>,
    /// The record's id.
    pub target_id: Option<String>,
    /// The request it happened in (the `X-Request-ID` answered), to match with the logs.
    pub request_id: Option<String>,
    /// Names of the fields the action changed.
    pub changed_fields: Vec<String>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl AuditEvent {
    /// `actor` did `action` to the `target` (type, id) during the request `context`, changing `changed_fields`.
    pub fn on_target(
        id: Uuid,
        actor: &User,
        action: &str,
        (target_type, target_id): (&str, Uuid),
        changed_fields: Vec<String>,
        context: &super::RequestContext,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            actor_id: Some(actor.id),
            action: action.to_owned(),
            target_type: Some(target_type.to_owned()),
            target_id: Some(target_id.to_string()),
            request_id: context.request_id.clone(),
            changed_fields,
            occurred_at: at,
        }
    }
}

/// Which audit events to list. Every set criterion must hold (they are ANDed); text criteria match exactly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only events by this actor.
    pub actor_id: Option<Uuid>,
    /// Only events of this action.
    pub action: Option<String>,
    /// Only events on this kind of record.
    pub target_type: Option<String>,
    /// Only events on this record.
    pub target_id: Option<String>,
    /// Events at or after this instant (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Events strictly before this instant (exclusive), so consecutive windows never overlap.
    pub to: Option<DateTime<Utc>>,
}

/// Reads the audit trail.
///
/// Contract: `list` holds the events matching every criterion of the filter, newest first (`occurred_at`
/// descending, then `id` descending); `total` counts every matching event, not the page; `changed_fields` reads
/// back as appended, in order.
#[async_trait]
pub trait AuditRepository: Send + Sync + std::fmt::Debug {
    /// One page of the events matching `filter`, newest first, with the true total.
    async fn list(&self, filter: &AuditFilter, page: Page) -> Result<PageOf<AuditEvent>, StoreError>;
}

/// Appends to the audit trail inside the transaction of the action it records. Contract: appending an existing id
/// is `Conflict`.
#[async_trait]
pub trait AuditWriter: Send {
    /// Appends the event.
    async fn append(&mut self, event: &AuditEvent) -> Result<(), StoreError>;
}

/// A refresh token as stored: only its hash, in a family that rotation extends and reuse revokes (S4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// The token's id.
    pub id: Uuid,
    /// The account it signs in.
    pub user_id: Uuid,
    /// The family: the chain of tokens rotation issued from one login; reuse of a spent one revokes it all (S4).
    pub family_id: Uuid,
    /// sha256 of the token, hex.
    pub token_hash: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged for a new one (each is used once).
    pub used_at: Option<DateTime<Utc>>,
    /// When it was revoked (logout, reuse, password change).
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Reads refresh tokens.
///
/// Contract: `find_by_hash` matches the hash exactly and returns `None` for an unknown one; used and revoked
/// tokens are returned too (reuse detection needs them). `remove_expired` deletes the tokens whose `expires_at`
/// is before `expired_before`, used, revoked or not, and returns how many: an expired token is refused whatever
/// its row says, so its row no longer detects anything.
#[async_trait]
pub trait RefreshTokenRepository: Send + Sync + std::fmt::Debug {
    /// The token with this hash, used or revoked included.
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError>;
    /// Deletes the tokens expired before `expired_before`; returns how many.
    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Writes refresh tokens inside a transaction. Contract: `insert` of an existing id or hash is `Conflict`.
#[async_trait]
pub trait RefreshTokenWriter: Send {
    /// Stores a newly issued token.
    async fn insert(&mut self, token: &RefreshTokenRecord) -> Result<(), StoreError>;
    /// Marks the token used. `true` only for the one call that consumed it (it was neither used nor revoked);
    /// any other caller, concurrent or later, gets `false`: that is how a replayed token is recognised.
    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Revokes every token of the family not yet revoked; returns how many.
    async fn revoke_family(&mut self, family_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Revokes every token of the account not yet revoked; returns how many.
    async fn revoke_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Reads candidate profiles. Contract: `for_user` returns the account's profile, or `None` when it has none.
#[async_trait]
pub trait CandidateProfileRepository: Send + Sync + std::fmt::Debug {
    /// The account's profile, if it has one.
    async fn for_user(&self, user_id: Uuid) -> Result<Option<CandidateProfile>, StoreError>;
}

/// Writes candidate profiles inside a transaction.
///
/// Contract: an account has at most one profile (the unique index on `user_id` decides, so concurrent first
/// saves cannot create two). `save` inserts the profile when the account has none; otherwise it writes every
/// field but `id` and `created_at` onto the stored one. `skills` reads back as saved, in order.
#[async_trait]
pub trait CandidateProfileWriter: Send {
    /// Inserts the profile, or writes it onto the account's stored one.
    async fn save(&mut self, profile: &CandidateProfile) -> Result<(), StoreError>;
}
