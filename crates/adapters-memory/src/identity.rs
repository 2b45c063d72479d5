//! Accounts, access requests and refresh tokens: reads on the committed state, writes staged in the transaction
//! and checked against the unique e-mail, matricule and token hash as the SQL indexes check them.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::identity::{
    AccessRequest, AccessRequestCounts, AccessRequestFilter, AccessRequestRepository, AccessRequestWriter,
    RefreshTokenRecord, RefreshTokenRepository, RefreshTokenWriter, SortOrder, UserFilter, UserRepository, UserSort,
    UserSortKey, UserWriter,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::identity::{AccessRequestStatus, Role, User};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

#[async_trait]
impl UserRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        Ok(self.read(|state| state.users.get(&id).cloned()))
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<User>, StoreError> {
        let wanted: BTreeSet<&Uuid> = ids.iter().collect();
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

    async fn count_by_role(&self) -> Result<BTreeMap<Role, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for user in state.users.values() {
                *counts.entry(user.role).or_insert(0) += 1;
            }
            counts
        }))
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
impl RefreshTokenRepository for MemoryStore {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        Ok(self.read(|state| state.refresh_tokens.values().find(|t| t.token_hash == token_hash).cloned()))
    }

    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let before = state.refresh_tokens.len();
            state.refresh_tokens.retain(|_, t| t.expires_at >= expired_before);
            (before - state.refresh_tokens.len()) as u64
        }))
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

/// Which refresh tokens a revocation reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Revocation {
    Family(Uuid),
    User(Uuid),
}

impl Revocation {
    pub(crate) fn reaches(self, token: &RefreshTokenRecord) -> bool {
        match self {
            Self::Family(family) => token.family_id == family,
            Self::User(user) => token.user_id == user,
        }
    }
}

/// Writes a review on a still-pending request; whether it did (the SQL conditional UPDATE).
pub(crate) fn review_access_request(requests: &mut BTreeMap<Uuid, AccessRequest>, review: &AccessRequest) -> bool {
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
pub(crate) fn mark_access_requests_viewed(requests: &mut BTreeMap<Uuid, AccessRequest>, at: DateTime<Utc>) -> u64 {
    let mut marked = 0;
    for request in requests.values_mut().filter(|r| r.status == AccessRequestStatus::Pending && !r.viewed) {
        request.viewed = true;
        request.updated_at = at;
        marked += 1;
    }
    marked
}

impl MemoryTransaction {
    /// Whether the account exists as this transaction sees it (accounts are never deleted).
    pub(crate) fn user_exists(&self, id: Uuid) -> bool {
        self.store.read(|state| state.users.contains_key(&id))
            || self.changes.iter().any(|c| matches!(c, Change::InsertUser(u) if u.id == id))
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
}
