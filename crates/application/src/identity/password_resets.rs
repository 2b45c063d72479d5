//! Forgotten passwords (legacy R12 with S4): a single-use reset token, stored hashed, valid one hour, e-mailed
//! through the outbox; and the e-mails that sign-up and password changes send.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::identity::{EmailAddress, Password, PasswordPolicyError, User, UserStatus};
use tracing::instrument;
use uuid::Uuid;

use super::{AuditEvent, PasswordHasher, RequestContext, UserRepository, refresh_token_hash};
use crate::Transaction;
use crate::mail::{Outgoing, queue_mail, templates};
use crate::outbox::{OutboxEvent, OutboxHandler};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// How long a reset link works (S4).
pub const RESET_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// A reset token as stored: only its hash (S4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordResetRecord {
    /// The token's id.
    pub id: Uuid,
    /// The account whose password it resets.
    pub user_id: Uuid,
    /// sha256 of the token, hex.
    pub token_hash: String,
    /// One hour after issue (`RESET_TOKEN_LIFETIME`).
    pub expires_at: DateTime<Utc>,
    /// When it was used, or spent by a newer token: a token works once (S4).
    pub used_at: Option<DateTime<Utc>>,
}

/// Reads reset tokens.
///
/// Contract: `find_by_hash` matches the hash exactly and returns `None` for an unknown one; used and expired
/// tokens are returned too (the use case decides). `remove_expired` deletes the tokens whose `expires_at` is
/// before `expired_before`, used or not, and returns how many.
#[async_trait]
pub trait PasswordResetRepository: Send + Sync + std::fmt::Debug {
    /// The token with this hash, used and expired included.
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<PasswordResetRecord>, StoreError>;
    /// Deletes the tokens expired before `expired_before`; returns how many.
    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// Writes reset tokens inside a transaction.
///
/// Contract: `insert` of an existing id or hash is `Conflict`. `consume` marks the token used and is `true`
/// only for the one call that consumed it (it was unused); any other caller, concurrent or later, gets `false`.
/// `spend_unused_for_user` marks every unused token of the account used at `at`; returns how many.
#[async_trait]
pub trait PasswordResetWriter: Send {
    /// Stores a newly issued token.
    async fn insert(&mut self, reset: &PasswordResetRecord) -> Result<(), StoreError>;
    /// Marks the token used; `true` only for the call that consumed it.
    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Marks every unused token of the account used; returns how many.
    async fn spend_unused_for_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// The outbox event a forgotten-password request writes; its handler issues the token and the e-mail.
pub const PASSWORD_RESET_REQUESTED: &str = "password_reset.requested";

/// Why a reset was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordResetError {
    /// Unknown, used or expired token: one answer for all (400).
    #[error("Token de réinitialisation invalide ou expiré")]
    InvalidToken,
    /// The token is good but the new password breaks the policy R5 (422).
    #[error(transparent)]
    WeakPassword(#[from] PasswordPolicyError),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing the new password failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Queues the sign-up e-mail in `tx`: welcome for an `actif` account, "access pending" for an `en_attente` one
/// (essential: the account's own state).
pub async fn signup_mail(
    tx: &mut dyn Transaction,
    user: &User,
    ids: &dyn IdGenerator,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (kind, rendered) = if user.status == UserStatus::Active {
        ("welcome", templates::welcome(user))
    } else {
        ("access_pending", templates::access_pending(user))
    };
    queue_mail(tx, ids, Outgoing::new(kind, &user.email, rendered).for_account(user.id), now).await?;
    Ok(())
}

/// Queues the "your password was changed" e-mail in `tx` (security: always sent).
pub async fn password_changed_mail(
    tx: &mut dyn Transaction,
    user: &User,
    ids: &dyn IdGenerator,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rendered = templates::password_changed(user);
    queue_mail(tx, ids, Outgoing::new("password_changed", &user.email, rendered).for_account(user.id), now).await?;
    Ok(())
}

/// The forgot/reset use cases.
#[derive(Debug, Clone)]
pub struct PasswordResets {
    uow: Arc<dyn UnitOfWork>,
    users: Arc<dyn UserRepository>,
    resets: Arc<dyn PasswordResetRepository>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    public_app_url: String,
}

impl PasswordResets {
    /// The use case on its ports; reset links point at `public_app_url` (the front end's address).
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        users: Arc<dyn UserRepository>,
        resets: Arc<dyn PasswordResetRepository>,
        hasher: PasswordHasher,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        public_app_url: impl Into<String>,
    ) -> Self {
        Self { uow, users, resets, hasher, clock, ids, public_app_url: public_app_url.into() }
    }

    /// Records the request in the outbox and nothing else. Whether the account exists is looked up later, by
    /// the relay (`issue`), so a known and an unknown address take the same steps and answer alike, in the same
    /// time (no account enumeration through timing).
    #[instrument(name = "password_resets.forgot", skip_all)]
    pub async fn forgot(&self, email: &EmailAddress) -> Result<(), StoreError> {
        let now = self.clock.now();
        let event = OutboxEvent::new(
            self.ids.new_id(),
            PASSWORD_RESET_REQUESTED,
            serde_json::json!({ "email": email.as_str() }),
            now,
        );
        let mut tx = self.uow.begin().await?;
        tx.outbox().append(&event).await?;
        tx.commit().await
    }

    /// For an existing `actif` account: stores a new reset token (hashed, one hour), spends the account's earlier
    /// unused ones (only the newest link works) and appends the reset e-mail, in one transaction. Nothing for an
    /// unknown or inactive account.
    #[instrument(name = "password_resets.issue", skip_all)]
    pub async fn issue(&self, email: &str) -> Result<(), StoreError> {
        let user = self.users.find_by_email(email).await?.filter(|u| u.status == UserStatus::Active);
        let Some(user) = user else { return Ok(()) };
        let token = new_token();
        let now = self.clock.now();
        let lifetime = chrono::Duration::from_std(RESET_TOKEN_LIFETIME).map_err(anyhow::Error::new)?;
        let record = PasswordResetRecord {
            id: self.ids.new_id(),
            user_id: user.id,
            token_hash: refresh_token_hash(&token),
            expires_at: now + lifetime,
            used_at: None,
        };
        let link = templates::reset_link(&self.public_app_url, &token);
        let mut tx = self.uow.begin().await?;
        // Read again under the account's lock: one erased or blocked since (B7) gets no token and no mail, and the
        // mail goes to the address it has now.
        let Some(user) = super::locked_if_active(tx.as_mut(), user.id).await? else { return Ok(()) };
        tx.password_resets().spend_unused_for_user(user.id, now).await?;
        tx.password_resets().insert(&record).await?;
        let mail =
            Outgoing::new("password_reset", &user.email, templates::password_reset(&user, &link)).for_account(user.id);
        queue_mail(tx.as_mut(), self.ids.as_ref(), mail, now).await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, password_reset.id = %record.id, "password reset issued");
        Ok(())
    }

    /// Sets a new password with a reset token: the token must exist, be unused and unexpired, then the password
    /// must meet the policy. Marks the token used, revokes every refresh token of the account (S4), appends the
    /// "password changed" e-mail and the audit line, in one transaction.
    #[instrument(name = "password_resets.reset", skip_all)]
    pub async fn reset(
        &self,
        token: &str,
        new_password: String,
        context: &RequestContext,
    ) -> Result<(), PasswordResetError> {
        let now = self.clock.now();
        let stored = self.resets.find_by_hash(&refresh_token_hash(token.trim())).await?;
        let Some(stored) = stored.filter(|r| r.used_at.is_none() && r.expires_at > now) else {
            return Err(PasswordResetError::InvalidToken);
        };
        let Some(user) = self.users.get(stored.user_id).await? else {
            return Err(PasswordResetError::InvalidToken);
        };
        let password = Password::parse(new_password)?;
        let hash = self.hasher.hash(&password).await?;
        let mut tx = self.uow.begin().await?;
        // A concurrent reset with the same token may have won: only one consumes it.
        if !tx.password_resets().consume(stored.id, now).await? {
            return Err(PasswordResetError::InvalidToken);
        }
        tx.users().set_password(user.id, &hash, now).await?;
        tx.refresh_tokens().revoke_user(user.id, now).await?;
        password_changed_mail(tx.as_mut(), &user, self.ids.as_ref(), now).await?;
        tx.audit()
            .append(&AuditEvent {
                id: self.ids.new_id(),
                actor_id: Some(user.id),
                action: "user.password_reset".to_owned(),
                target_type: Some("user".to_owned()),
                target_id: Some(user.id.to_string()),
                request_id: context.request_id.clone(),
                changed_fields: vec!["password".to_owned()],
                occurred_at: now,
            })
            .await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, "password reset");
        Ok(())
    }
}

/// Runs `password_reset.requested` events: issues the token and its e-mail (`PasswordResets::issue`).
#[derive(Debug, Clone)]
pub struct PasswordResetIssuer {
    resets: PasswordResets,
}

impl PasswordResetIssuer {
    /// The handler, issuing through `resets`.
    pub fn new(resets: PasswordResets) -> Self {
        Self { resets }
    }
}

#[async_trait]
impl OutboxHandler for PasswordResetIssuer {
    fn kind(&self) -> &'static str {
        PASSWORD_RESET_REQUESTED
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let email = event.payload["email"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("password_reset.requested {} sans adresse", event.id))?;
        Ok(self.resets.issue(email).await?)
    }
}

/// 32 random bytes, hex: unguessable, and safe in a URL as it is.
fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_characters_and_differ() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
