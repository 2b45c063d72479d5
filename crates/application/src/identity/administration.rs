//! Administrator accounts created by an operator (S1): no public route creates an admin. `seeg admin create` and
//! the start-up bootstrap (`BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD`) come here.

use std::sync::Arc;

use seeg_domain::identity::{EmailAddress, Password, PersonName, Role, User};
use tracing::instrument;

use super::{CreateUserCommand, PasswordHasher, ProvisioningError, UserProvisioning, UserRepository};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an administrator was not created.
#[derive(Debug, thiserror::Error)]
pub enum AdministrationError {
    /// An account already has this e-mail address.
    #[error("Un utilisateur avec cet email existe déjà")]
    EmailTaken,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing the password failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ProvisioningError> for AdministrationError {
    fn from(error: ProvisioningError) -> Self {
        match error {
            ProvisioningError::EmailTaken => Self::EmailTaken,
            ProvisioningError::Store(e) => Self::Store(e),
            ProvisioningError::Unexpected(e) => Self::Unexpected(e),
            // Operators act outside the permission matrix: `provision` never checks it.
            ProvisioningError::Forbidden => Self::Unexpected(anyhow::anyhow!("refus de permission inattendu")),
        }
    }
}

/// The operator's account use cases.
#[derive(Debug, Clone)]
pub struct Administration {
    users: Arc<dyn UserRepository>,
    provisioning: UserProvisioning,
}

impl Administration {
    /// The use case on its ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        users: Arc<dyn UserRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { provisioning: UserProvisioning::new(uow, Arc::clone(&users), hasher, clock, ids), users }
    }

    /// Creates an `actif` administrator (no candidate kind) and its `user.created` audit line in one transaction.
    /// The actor is the operator, who has no account: `actor_id` stays empty.
    #[instrument(name = "admin.create_admin", skip_all)]
    pub async fn create_admin(
        &self,
        email: EmailAddress,
        password: Password,
        first_name: PersonName,
        last_name: PersonName,
    ) -> Result<User, AdministrationError> {
        let command = CreateUserCommand {
            email,
            password,
            first_name,
            last_name,
            role: Role::Admin,
            phone: None,
            date_of_birth: None,
            sexe: None,
            candidate_kind: None,
        };
        Ok(self.provisioning.provision(command, None, None).await?)
    }

    /// Creates the administrator only when no account has the role admin yet, whatever its statut (S1: the
    /// bootstrap settings create the first admin, and never another). `None` when one existed already.
    #[instrument(name = "admin.ensure_bootstrap_admin", skip_all)]
    pub async fn ensure_bootstrap_admin(
        &self,
        email: EmailAddress,
        password: Password,
        first_name: PersonName,
        last_name: PersonName,
    ) -> Result<Option<User>, AdministrationError> {
        if self.users.any_admin().await? {
            return Ok(None);
        }
        match self.create_admin(email, password, first_name, last_name).await {
            Ok(admin) => Ok(Some(admin)),
            // Another replica starting at the same time created it: that is the outcome wanted.
            Err(AdministrationError::EmailTaken) if self.users.any_admin().await? => Ok(None),
            Err(error) => Err(error),
        }
    }
}
