//! Administrators managing accounts (S2, S3): access fields change here, audited, and a change of
//! role or statut ends the account's sessions at once (S4).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use seeg_domain::identity::{
    AccessRequestStatus, Action, AdminChanges, Decision, Ownership, Role, User, UserStatus, decide,
};
use tracing::instrument;
use uuid::Uuid;

use super::{AuditEvent, RequestContext};
use crate::store::{StoreError, Transaction, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an administrator's change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ManagementError {
    /// Staff other than admins (S3).
    #[error("Not enough permissions")]
    Forbidden,
    /// Unknown account, or another account for a candidate (S3).
    #[error("utilisateur introuvable")]
    NotFound,
    /// An administrator changing its own role or statut (it could lock itself or the service out).
    #[error("Un administrateur ne peut pas modifier son propre rôle ni son propre statut")]
    OwnAccess,
    /// An administrator deleting its own account.
    #[error("Un administrateur ne peut pas supprimer son propre compte")]
    OwnDeletion,
    /// The new e-mail address belongs to another account.
    #[error("Un utilisateur avec cet email existe déjà")]
    EmailTaken,
    /// The new matricule belongs to another account.
    #[error("Un utilisateur avec ce matricule existe déjà")]
    MatriculeTaken,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Account management by staff.
#[derive(Debug, Clone)]
pub struct UserManagement {
    uow: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl UserManagement {
    /// Whether `actor` may change other accounts at all, decided before the request is read.
    pub fn may_update(&self, actor: &User) -> Result<(), ManagementError> {
        match decide(actor.role, Action::ManageUsers, Ownership::Any) {
            Decision::Allow => Ok(()),
            // S3: another user's account is not found, for writes as for reads, when a candidate reaches for it.
            Decision::Forbid if actor.role == Role::Candidate => Err(ManagementError::NotFound),
            Decision::Forbid => Err(ManagementError::Forbidden),
            Decision::Hide => Err(ManagementError::NotFound),
        }
    }

    /// The use case on its ports.
    pub fn new(uow: Arc<dyn UnitOfWork>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGenerator>) -> Self {
        Self { uow, clock, ids }
    }

    /// Changes role, statut, e-mail, matricule or candidate kind of `target` (`PUT /users/{id}`).
    #[instrument(name = "users.update", skip_all, fields(actor.id = %actor.id, user.id = %target))]
    pub async fn update(
        &self,
        actor: &User,
        target: Uuid,
        changes: AdminChanges,
        context: &RequestContext,
    ) -> Result<User, ManagementError> {
        self.may_update(actor)?;
        if target == actor.id && changes.touches_access() {
            return Err(ManagementError::OwnAccess);
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        // Read under the transaction's lock: a concurrent self-service edit is neither lost nor able to revert
        // this change.
        let mut user = tx.users().lock(target).await?.ok_or(ManagementError::NotFound)?;
        let touched = user.apply_admin_changes(changes, now);
        if touched.is_empty() {
            return Ok(user);
        }
        tx.users().update(&user).await.map_err(|error| match error {
            StoreError::Conflict(detail) if detail.contains("matricule") => ManagementError::MatriculeTaken,
            StoreError::Conflict(_) => ManagementError::EmailTaken,
            other => other.into(),
        })?;
        if touched.iter().any(|f| matches!(*f, "role" | "statut")) {
            tx.refresh_tokens().revoke_user(user.id, now).await?;
        }
        if touched.contains(&"statut") {
            close_access_requests(tx.as_mut(), &user, actor, now).await?;
        }
        tx.audit()
            .append(&AuditEvent {
                id: self.ids.new_id(),
                actor_id: Some(actor.id),
                action: "user.updated".to_owned(),
                target_type: Some("user".to_owned()),
                target_id: Some(user.id.to_string()),
                request_id: context.request_id.clone(),
                changed_fields: touched.iter().map(|f| (*f).to_owned()).collect(),
                occurred_at: now,
            })
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Deletes an account (I10): the account holder himself, or an administrator, but not an administrator's
    /// own account. Deleting deactivates: the account becomes `archivé` (it can no longer sign in, and its
    /// access tokens stop working on the next request, S4), every session is revoked, HR records stay.
    /// Another account does not exist for a candidate (404); other staff get 403.
    #[instrument(name = "users.delete", skip_all, fields(actor.id = %actor.id, user.id = %target))]
    pub async fn delete(&self, actor: &User, target: Uuid, context: &RequestContext) -> Result<(), ManagementError> {
        if target == actor.id {
            if actor.role == Role::Admin {
                return Err(ManagementError::OwnDeletion);
            }
        } else {
            // Reading first: a candidate may not learn whether another account exists.
            match decide(actor.role, Action::ReadUsers, Ownership::Any) {
                Decision::Hide => return Err(ManagementError::NotFound),
                Decision::Allow | Decision::Forbid => {}
            }
            match decide(actor.role, Action::ManageUsers, Ownership::Any) {
                Decision::Allow => {}
                Decision::Forbid => return Err(ManagementError::Forbidden),
                Decision::Hide => return Err(ManagementError::NotFound),
            }
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        let mut user = tx.users().lock(target).await?.ok_or(ManagementError::NotFound)?;
        if user.status == UserStatus::Archived {
            return Ok(());
        }
        user.status = UserStatus::Archived;
        user.updated_at = now;
        tx.users().update(&user).await?;
        tx.refresh_tokens().revoke_user(user.id, now).await?;
        close_access_requests(tx.as_mut(), &user, actor, now).await?;
        tx.audit()
            .append(&AuditEvent {
                id: self.ids.new_id(),
                actor_id: Some(actor.id),
                action: "user.deleted".to_owned(),
                target_type: Some("user".to_owned()),
                target_id: Some(user.id.to_string()),
                request_id: context.request_id.clone(),
                changed_fields: vec!["statut".to_owned()],
                occurred_at: now,
            })
            .await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, "account archived");
        Ok(())
    }
}

/// Once staff set an account's statut, its pending access requests are decided by that change (activated:
/// approved; otherwise rejected), so a later review of a stale request cannot override it.
async fn close_access_requests(
    tx: &mut dyn Transaction,
    user: &User,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let outcome = match user.status {
        UserStatus::Pending => return Ok(()),
        UserStatus::Active => AccessRequestStatus::Approved,
        _ => AccessRequestStatus::Rejected,
    };
    tx.access_requests().close_pending_for_user(user.id, outcome, actor.id, now).await?;
    Ok(())
}
