//! Reading accounts (legacy §1.4 `GET /users/` and `GET /users/{id}`) under the permission matrix (S3): staff
//! who may list accounts search them; anyone reads its own account; another account does not exist for a
//! candidate, so that ids cannot be probed.

use std::sync::Arc;

use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use tracing::instrument;
use uuid::Uuid;

use super::{UserFilter, UserRepository, UserSort};
use crate::store::{Page, PageOf, StoreError};

/// Why an account could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// Staff without the permission to list accounts.
    #[error("Permission insuffisante")]
    Forbidden,
    /// Unknown account, or another account for a candidate (S3).
    #[error("utilisateur introuvable")]
    NotFound,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Account reads for staff and for the account itself.
#[derive(Debug, Clone)]
pub struct UserDirectory {
    users: Arc<dyn UserRepository>,
}

fn allowed(decision: Decision) -> Result<(), DirectoryError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(DirectoryError::Forbidden),
        Decision::Hide => Err(DirectoryError::NotFound),
    }
}

impl UserDirectory {
    /// The directory, reading from `users`.
    pub fn new(users: Arc<dyn UserRepository>) -> Self {
        Self { users }
    }

    /// One page of the accounts matching `filter` and the true total (F5).
    #[instrument(name = "users.list", skip_all, fields(actor.id = %actor.id))]
    pub async fn list(
        &self,
        actor: &User,
        filter: &UserFilter,
        page: Page,
        sort: UserSort,
    ) -> Result<PageOf<User>, DirectoryError> {
        allowed(decide(actor.role, Action::ListUsers, Ownership::Any))?;
        Ok(self.users.list(filter, page, sort).await?)
    }

    /// One account. The permission is decided before the lookup, so a candidate gets the same 404 for another
    /// account as for an unknown id.
    #[instrument(name = "users.get", skip_all, fields(actor.id = %actor.id, user.id = %id))]
    pub async fn get(&self, actor: &User, id: Uuid) -> Result<User, DirectoryError> {
        let ownership = if id == actor.id { Ownership::Own } else { Ownership::Any };
        allowed(decide(actor.role, Action::ReadUsers, ownership))?;
        self.users.get(id).await?.ok_or(DirectoryError::NotFound)
    }
}
