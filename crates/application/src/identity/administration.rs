//! Administrator accounts created by an operator (S1): no public route creates an admin. `seeg admin create` and
//! the start-up bootstrap (`BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD`) come here.

use std::sync::Arc;

use seeg_domain::identity::{EmailAddress, Password, PersonName, Role, User, UserStatus};
use tracing::instrument;

use super::{AuditEvent, PasswordHasher, UserRepository};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The audit line's field names: what an account's creation set (never the values, B2).
const CREATED_FIELDS: [&str; 6] = ["email", "first_name", "last_name", "role", "statut", "password"];

/// Why an administrator was not created.
#[derive(Debug, thiserror::Error)]
pub enum AdministrationError {
    #[error("Un utilisateur avec cet email existe déjà")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The operator's account use cases.
#[derive(Debug, Clone)]
pub struct Administration {
    uow: Arc<dyn UnitOfWork>,
    users: Arc<dyn UserRepository>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl Administration {
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        users: Arc<dyn UserRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, users, hasher, clock, ids }
    }

    /// Creates an `actif` administrator (no candidate kind) and its `user.created` audit line in one transaction.
    /// The actor is the operator, who has no account: `actor_id` stays empty.
    #[instrument(skip_all)]
    pub async fn create_admin(
        &self,
        email: EmailAddress,
        password: Password,
        first_name: PersonName,
        last_name: PersonName,
    ) -> Result<User, AdministrationError> {
        // Checked first to spare a bcrypt run; the unique index still decides a race (below).
        if self.users.find_by_email(email.as_str()).await?.is_some() {
            return Err(AdministrationError::EmailTaken);
        }
        let password_hash = self.hasher.hash(&password).await?;
        let now = self.clock.now();
        let user = User {
            id: self.ids.new_id(),
            email: email.as_str().to_owned(),
            first_name: first_name.as_str().to_owned(),
            last_name: last_name.as_str().to_owned(),
            role: Role::Admin,
            phone: None,
            date_of_birth: None,
            sexe: None,
            matricule: None,
            password_hash,
            email_verified: false,
            last_login: None,
            candidate_kind: None,
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEvent {
            id: self.ids.new_id(),
            actor_id: None,
            action: "user.created".to_owned(),
            target_type: Some("user".to_owned()),
            target_id: Some(user.id.to_string()),
            request_id: None,
            changed_fields: CREATED_FIELDS.map(str::to_owned).to_vec(),
            occurred_at: now,
        };

        let mut tx = self.uow.begin().await?;
        tx.users().insert(&user).await.map_err(|error| match error {
            // The account has no matricule and a fresh id: only the e-mail can clash.
            StoreError::Conflict(_) => AdministrationError::EmailTaken,
            unexpected @ StoreError::Unexpected(_) => unexpected.into(),
        })?;
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, "administrator created");
        Ok(user)
    }

    /// Creates the administrator only when no account has the role admin yet, whatever its statut (S1: the
    /// bootstrap settings create the first admin, and never another). `None` when one existed already.
    #[instrument(skip_all)]
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
