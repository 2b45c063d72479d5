//! Administrators creating accounts (legacy `POST /auth/create-user`, R6): staff accounts above all, `actif` at
//! once, audited with the creator as actor (B2). The operator's `Administration` creates admins through here too.

use std::sync::Arc;

use seeg_domain::identity::{
    Action, CandidateKind, DateOfBirth, Decision, EmailAddress, Ownership, Password, PersonName, Phone, Role, Sexe,
    User, UserStatus, decide,
};
use tracing::instrument;
use uuid::Uuid;

use super::{AuditEvent, PasswordHasher, RequestContext, UserRepository};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// An account to create, parsed by the caller (HTTP DTO -> domain values).
#[derive(Debug)]
pub struct CreateUserCommand {
    /// The login address; must not belong to another account.
    pub email: EmailAddress,
    /// Already within the policy (R5); stored hashed.
    pub password: Password,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Any of the four roles (R6).
    pub role: Role,
    /// Phone number, optional.
    pub phone: Option<Phone>,
    /// Birth date, optional.
    pub date_of_birth: Option<DateOfBirth>,
    /// Legacy `sexe`, optional.
    pub sexe: Option<Sexe>,
    /// Candidates only; a candidate created without one is external.
    pub candidate_kind: Option<CandidateKind>,
}

/// Why an account was not created.
#[derive(Debug, thiserror::Error)]
pub enum ProvisioningError {
    /// The caller is not an admin (S3).
    #[error("Not enough permissions")]
    Forbidden,
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

/// Account creation by administrators.
#[derive(Debug, Clone)]
pub struct UserProvisioning {
    uow: Arc<dyn UnitOfWork>,
    users: Arc<dyn UserRepository>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl UserProvisioning {
    /// The use case on its ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        users: Arc<dyn UserRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, users, hasher, clock, ids }
    }

    /// Whether `actor` may create accounts at all (admins, S3): asked before the request's body is read, so that
    /// others learn nothing about the rules; `create` asks again.
    pub fn admit(&self, actor: &User) -> Result<(), ProvisioningError> {
        match decide(actor.role, Action::ManageUsers, Ownership::Any) {
            Decision::Allow => Ok(()),
            Decision::Forbid | Decision::Hide => Err(ProvisioningError::Forbidden),
        }
    }

    /// Creates an `actif` account (R6) and its `user.created` audit line in one transaction.
    #[instrument(name = "users.create", skip_all, fields(actor.id = %actor.id))]
    pub async fn create(
        &self,
        actor: &User,
        command: CreateUserCommand,
        context: &RequestContext,
    ) -> Result<User, ProvisioningError> {
        self.admit(actor)?;
        self.provision(command, Some(actor.id), context.request_id.clone()).await
    }

    /// Hashes, inserts the `actif` account and its `user.created` audit line (field names only) in one
    /// transaction. `actor_id` is `None` when an operator, who has no account, creates it (`Administration`).
    pub(super) async fn provision(
        &self,
        command: CreateUserCommand,
        actor_id: Option<Uuid>,
        request_id: Option<String>,
    ) -> Result<User, ProvisioningError> {
        // Checked first to spare a bcrypt run; the unique index still decides a race (below).
        if self.users.find_by_email(command.email.as_str()).await?.is_some() {
            return Err(ProvisioningError::EmailTaken);
        }
        let password_hash = self.hasher.hash(&command.password).await?;
        let now = self.clock.now();
        let candidate_kind = match command.role {
            Role::Candidate => Some(command.candidate_kind.unwrap_or(CandidateKind::External)),
            Role::Admin | Role::Recruiter | Role::Observer => None,
        };
        let user = User {
            id: self.ids.new_id(),
            email: command.email.as_str().to_owned(),
            first_name: command.first_name.as_str().to_owned(),
            last_name: command.last_name.as_str().to_owned(),
            role: command.role,
            phone: command.phone.map(|p| p.as_str().to_owned()),
            date_of_birth: command.date_of_birth.map(DateOfBirth::date),
            sexe: command.sexe,
            matricule: None,
            password_hash,
            email_verified: false,
            last_login: None,
            candidate_kind,
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: now,
            updated_at: now,
        };
        let mut changed = vec!["email", "first_name", "last_name", "role", "statut", "password"];
        for (field, set) in [
            ("phone", user.phone.is_some()),
            ("date_of_birth", user.date_of_birth.is_some()),
            ("sexe", user.sexe.is_some()),
            ("candidate_status", user.candidate_kind.is_some()),
        ] {
            if set {
                changed.push(field);
            }
        }
        let audit = AuditEvent {
            id: self.ids.new_id(),
            actor_id,
            action: "user.created".to_owned(),
            target_type: Some("user".to_owned()),
            target_id: Some(user.id.to_string()),
            request_id,
            changed_fields: changed.into_iter().map(str::to_owned).collect(),
            occurred_at: now,
        };

        let mut tx = self.uow.begin().await?;
        tx.users().insert(&user).await.map_err(|error| match error {
            // The account has no matricule and a fresh id: only the e-mail can clash.
            StoreError::Conflict(_) => ProvisioningError::EmailTaken,
            other => other.into(),
        })?;
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, user.role = %user.role, "account created");
        Ok(user)
    }
}
