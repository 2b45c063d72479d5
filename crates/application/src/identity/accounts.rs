//! Account use cases: sign-up (R1–R5), login (R7, R8, S4, S5) and who is calling (S4).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use seeg_domain::identity::{
    AccessRequestStatus, CandidateKind, DateOfBirth, DateOfBirthError, EmailAddress, INTERNAL_NO_SEEG_EMAIL, Matricule,
    Password, PersonName, Phone, Role, SelfServiceChanges, Sexe, SignupKind, SignupRuleError, User, UserStatus,
};
use sha2::{Digest as _, Sha256};
use tracing::instrument;
use uuid::Uuid;

use super::{
    AccessRequest, AuditEvent, Issued, Notification, PasswordHasher, RefreshTokenRecord, RefreshTokenRepository,
    TokenError, TokenKind, TokenService, UserRepository,
};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// A candidate's sign-up, parsed by the caller (HTTP DTO -> domain values).
#[derive(Debug)]
pub struct SignupCommand {
    /// The login address; must not belong to another account.
    pub email: EmailAddress,
    /// Already within the policy (R5); stored hashed.
    pub password: Password,
    /// First name.
    pub first_name: PersonName,
    /// Last name.
    pub last_name: PersonName,
    /// Phone number, optional.
    pub phone: Option<Phone>,
    /// Checked against the age bounds (18 to 100) on the day of the sign-up.
    pub date_of_birth: NaiveDate,
    /// Legacy `sexe`.
    pub sexe: Sexe,
    /// Internal (SEEG employee) or external (R1).
    pub candidate_kind: CandidateKind,
    /// Required of internal candidates, unique among users (R2, K3c).
    pub matricule: Option<Matricule>,
    /// An internal candidate declaring it has no company e-mail: the account waits for an access request (R35).
    pub no_seeg_email: bool,
    /// Postal address, optional; blank is none.
    pub adresse: Option<String>,
    /// Current job, optional; blank is none.
    pub poste_actuel: Option<String>,
    /// Years of experience, optional.
    pub annees_experience: Option<i32>,
}

/// Why a sign-up was refused (R2 order: e-mail, matricule required, matricule taken, company e-mail rules).
#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    /// The e-mail address already belongs to an account (R2 step 1).
    #[error("Un utilisateur avec cet email existe déjà")]
    EmailTaken,
    /// The matricule already belongs to an account (R2 step 4).
    #[error("Un utilisateur avec ce matricule existe déjà")]
    MatriculeTaken,
    /// An R2 rule on matricule and company e-mail.
    #[error(transparent)]
    Rule(#[from] SignupRuleError),
    /// The birth date gives an age outside the bounds (R3).
    #[error(transparent)]
    DateOfBirth(#[from] DateOfBirthError),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing the password failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a login was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown e-mail or wrong password: the same answer, in the same time (S5).
    #[error("Email ou mot de passe incorrect")]
    InvalidCredentials,
    /// The password was right but the account may not sign in (R8; only after the password check, S5).
    #[error("{message}")]
    Refused {
        /// The account's statut.
        status: UserStatus,
        /// The legacy R8 message for that statut.
        message: &'static str,
    },
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Verifying the password or issuing the tokens failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a refresh was refused: always 401 (S4). A replayed token also revokes its whole family.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Not a valid refresh token, not the stored one, already used (the family is then revoked), or its account is no
    /// longer `actif`.
    #[error("Token de rafraîchissement invalide")]
    Invalid,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Issuing the new tokens failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    /// The current password given is not the account's.
    #[error("Mot de passe actuel incorrect")]
    WrongCurrentPassword,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing or verifying a password failed.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a bearer token was refused: always 401, whatever the reason (S4).
#[derive(Debug, thiserror::Error)]
pub enum AuthenticationError {
    /// Not a valid access token, or its account is unknown or not `actif`.
    #[error("Could not validate credentials")]
    InvalidToken,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct Session {
    /// The account, with its `last_login` set.
    pub user: User,
    /// The access token (`type=access`, S4).
    pub access: Issued,
    /// The refresh token (`type=refresh`, S4), stored hashed, starting or extending its family.
    pub refresh: Issued,
}

/// What a request carries for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The id the request is answered with (`X-Request-ID`), written into audit rows.
    pub request_id: Option<String>,
}

/// The account use cases.
#[derive(Debug, Clone)]
pub struct Accounts {
    uow: Arc<dyn UnitOfWork>,
    users: Arc<dyn UserRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    hasher: PasswordHasher,
    tokens: TokenService,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// Where new access requests are announced (R37); `None`: nowhere.
    support_inbox: Option<String>,
}

/// The stored form of a refresh token: its sha256, so a database leak yields no usable token.
pub fn refresh_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Accounts {
    /// The use case on its ports: `hasher` hashes and checks passwords (bcrypt), `tokens` issues and verifies JWTs.
    /// No support inbox is told of access requests until `with_support_inbox`.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        users: Arc<dyn UserRepository>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        hasher: PasswordHasher,
        tokens: TokenService,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, users, refresh_tokens, hasher, tokens, clock, ids, support_inbox: None }
    }

    /// Announces each new access request to this address (legacy: the support inbox, R37); blank: to nobody.
    #[must_use]
    pub fn with_support_inbox(mut self, address: &str) -> Self {
        self.support_inbox = Some(address.trim().to_owned()).filter(|a| !a.is_empty());
        self
    }

    /// The token service, for the HTTP layer that verifies bearer tokens.
    pub fn tokens(&self) -> &TokenService {
        &self.tokens
    }

    /// Creates a candidate account (R1): `actif`, or `en_attente` with an access request for an internal
    /// candidate without a company e-mail (R35); a `registration` notification in the same transaction.
    #[instrument(name = "auth.sign_up", skip_all)]
    pub async fn sign_up(&self, command: SignupCommand) -> Result<User, SignupError> {
        if self.users.find_by_email(command.email.as_str()).await?.is_some() {
            return Err(SignupError::EmailTaken);
        }
        if let Some(matricule) = command.matricule
            && self.users.matricule_taken(matricule.value()).await?
        {
            return Err(SignupError::MatriculeTaken);
        }
        let outcome =
            SignupKind::decide(command.candidate_kind, &command.email, command.no_seeg_email, command.matricule)?;
        let now = self.clock.now();
        let date_of_birth = DateOfBirth::parse(command.date_of_birth, now.date_naive())?;
        let password_hash = self.hasher.hash(&command.password).await?;
        let user = User {
            id: self.ids.new_id(),
            email: command.email.as_str().to_owned(),
            first_name: command.first_name.as_str().to_owned(),
            last_name: command.last_name.as_str().to_owned(),
            role: Role::Candidate,
            phone: command.phone.map(|p| p.as_str().to_owned()),
            date_of_birth: Some(date_of_birth.date()),
            sexe: Some(command.sexe),
            matricule: command.matricule.map(Matricule::value),
            password_hash,
            email_verified: false,
            last_login: None,
            candidate_kind: Some(command.candidate_kind),
            status: outcome.status(),
            adresse: non_blank(command.adresse),
            poste_actuel: non_blank(command.poste_actuel),
            annees_experience: command.annees_experience,
            no_seeg_email: command.no_seeg_email,
            created_at: now,
            updated_at: now,
        };

        let mut tx = self.uow.begin().await?;
        tx.users().insert(&user).await.map_err(|error| match error {
            // A concurrent sign-up won the race: the unique index decided.
            StoreError::Conflict(detail) if detail.contains("matricule") => SignupError::MatriculeTaken,
            StoreError::Conflict(_) => SignupError::EmailTaken,
            other => other.into(),
        })?;
        if outcome.needs_access_request() {
            tx.access_requests().insert(&self.access_request(&user, now)).await?;
            if let Some(inbox) = &self.support_inbox {
                let announcement = crate::mail::templates::new_access_request(&user);
                let mail = crate::mail::Outgoing::new("new_access_request", inbox, announcement);
                crate::mail::queue_mail(tx.as_mut(), self.ids.as_ref(), mail, now).await?;
            }
        }
        tx.notifications().insert(&self.registration_notice(&user, now)).await?;
        super::signup_mail(tx.as_mut(), &user, self.ids.as_ref(), now).await?;
        tx.commit().await?;
        tracing::info!(user.id = %user.id, signup.kind = ?outcome.kind(), "account created");
        Ok(user)
    }

    fn access_request(&self, user: &User, now: DateTime<Utc>) -> AccessRequest {
        AccessRequest {
            id: self.ids.new_id(),
            user_id: user.id,
            email: user.email.clone(),
            first_name: user.first_name.clone(),
            last_name: user.last_name.clone(),
            phone: user.phone.clone(),
            matricule: user.matricule.map(|m| m.to_string()),
            request_type: INTERNAL_NO_SEEG_EMAIL.to_owned(),
            status: AccessRequestStatus::Pending,
            rejection_reason: None,
            viewed: false,
            created_at: now,
            reviewed_at: None,
            reviewed_by: None,
            updated_at: now,
        }
    }

    fn registration_notice(&self, user: &User, now: DateTime<Utc>) -> Notification {
        let message = if user.status == UserStatus::Active {
            "Votre compte a été créé. Vous pouvez dès à présent postuler aux offres."
        } else {
            "Votre demande d'accès est en attente de validation par notre équipe."
        };
        Notification {
            id: self.ids.new_id(),
            user_id: user.id,
            related_application_id: None,
            title: "Bienvenue sur OneHCM - SEEG Talent Source".to_owned(),
            message: message.to_owned(),
            kind: "registration".to_owned(),
            link: None,
            read: false,
            created_at: now,
        }
    }

    /// Checks the password first, then the statut (S5); on success records the login, stores the refresh token
    /// (hashed, new family) and the audit line in one transaction.
    #[instrument(name = "auth.login", skip_all)]
    pub async fn log_in(&self, email: &str, password: &str, context: &RequestContext) -> Result<Session, LoginError> {
        let email = email.trim().to_lowercase();
        // No account's address holds a control character (sign-up refuses them), and some stores cannot even
        // compare one (PostgreSQL text has no NUL): such an address is simply unknown.
        let user = if email.chars().any(char::is_control) { None } else { self.users.find_by_email(&email).await? };
        let verified = self.hasher.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await?;
        let now = self.clock.now();
        let Some(user) = user.filter(|_| verified) else {
            metrics::counter!("seeg_logins_total", "outcome" => "failed").increment(1);
            self.audit_alone("auth.login.failed", None, None, context, now).await?;
            return Err(LoginError::InvalidCredentials);
        };
        if let Some(message) = user.status.login_refusal() {
            metrics::counter!("seeg_logins_total", "outcome" => "refused").increment(1);
            self.audit_alone("auth.login.refused", Some(user.id), Some(user.id), context, now).await?;
            return Err(LoginError::Refused { status: user.status, message });
        }

        let token_id = self.ids.new_id();
        let access = self.tokens.issue_access(user.id, user.role, now)?;
        let refresh = self.tokens.issue_refresh(user.id, user.role, token_id, now)?;
        let mut tx = self.uow.begin().await?;
        tx.users().record_login(user.id, now).await?;
        tx.refresh_tokens()
            .insert(&RefreshTokenRecord {
                id: token_id,
                user_id: user.id,
                family_id: self.ids.new_id(),
                token_hash: refresh_token_hash(&refresh.token),
                issued_at: now,
                expires_at: refresh.expires_at,
                used_at: None,
                revoked_at: None,
            })
            .await?;
        tx.audit()
            .append(&self.audit_event("auth.login.succeeded", Some(user.id), Some(user.id), context, now))
            .await?;
        tx.commit().await?;
        metrics::counter!("seeg_logins_total", "outcome" => "ok").increment(1);
        tracing::info!(user.id = %user.id, "login");
        Ok(Session { user: User { last_login: Some(now), ..user }, access, refresh })
    }

    /// Rotates a refresh token (S4): the presented token is consumed and a new one of the same family issued,
    /// with a new access token. Presenting a token already used means it was stolen or replayed: the whole
    /// family is revoked, so neither the thief nor the owner can go on with it.
    #[instrument(name = "auth.refresh", skip_all)]
    pub async fn refresh(&self, refresh_token: &str, context: &RequestContext) -> Result<Session, RefreshError> {
        let now = self.clock.now();
        let verified = self.tokens.verify(refresh_token, TokenKind::Refresh, now).map_err(|_| RefreshError::Invalid)?;
        let stored = self.refresh_tokens.find_by_hash(&refresh_token_hash(refresh_token)).await?;
        let Some(stored) = stored.filter(|t| Some(t.id) == verified.token_id && t.user_id == verified.user_id) else {
            return Err(RefreshError::Invalid);
        };
        let mut tx = self.uow.begin().await?;
        if !tx.refresh_tokens().consume(stored.id, now).await? {
            if stored.revoked_at.is_none() {
                tx.refresh_tokens().revoke_family(stored.family_id, now).await?;
                tx.audit()
                    .append(&self.audit_event("auth.refresh.reused", None, Some(stored.user_id), context, now))
                    .await?;
                tx.commit().await?;
                tracing::warn!(user.id = %stored.user_id, "refresh token replayed: family revoked");
            }
            return Err(RefreshError::Invalid);
        }
        let user = match self.users.get(stored.user_id).await? {
            Some(user) if user.status == UserStatus::Active => user,
            _ => return Err(RefreshError::Invalid),
        };
        let token_id = self.ids.new_id();
        let access = self.tokens.issue_access(user.id, user.role, now)?;
        let refresh = self.tokens.issue_refresh(user.id, user.role, token_id, now)?;
        tx.refresh_tokens()
            .insert(&RefreshTokenRecord {
                id: token_id,
                user_id: user.id,
                family_id: stored.family_id,
                token_hash: refresh_token_hash(&refresh.token),
                issued_at: now,
                expires_at: refresh.expires_at,
                used_at: None,
                revoked_at: None,
            })
            .await?;
        // A renewed session is activity, as a sign-in is: the retention job (B7) reads `last_login`.
        tx.users().record_login(user.id, now).await?;
        tx.commit().await?;
        Ok(Session { user: User { last_login: Some(now), ..user }, access, refresh })
    }

    /// Ends sessions: the family of the given refresh token, or every session of the account when none is
    /// given. Returns how many refresh tokens were revoked.
    #[instrument(name = "auth.logout", skip_all, fields(user.id = %user.id))]
    pub async fn log_out(
        &self,
        user: &User,
        refresh_token: Option<&str>,
        context: &RequestContext,
    ) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let family = match refresh_token {
            Some(token) => self
                .refresh_tokens
                .find_by_hash(&refresh_token_hash(token))
                .await?
                .filter(|t| t.user_id == user.id)
                .map(|t| t.family_id),
            None => None,
        };
        let mut tx = self.uow.begin().await?;
        let revoked = match family {
            Some(family) => tx.refresh_tokens().revoke_family(family, now).await?,
            None => tx.refresh_tokens().revoke_user(user.id, now).await?,
        };
        tx.audit().append(&self.audit_event("auth.logout", Some(user.id), Some(user.id), context, now)).await?;
        tx.commit().await?;
        Ok(revoked)
    }

    /// Changes the caller's password after checking the current one; every refresh token of the account is
    /// revoked (S4), so other sessions end when their access token does.
    #[instrument(name = "users.change_password", skip_all, fields(user.id = %user.id))]
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new_password: &Password,
        context: &RequestContext,
    ) -> Result<(), PasswordChangeError> {
        if !self.hasher.verify(current, Some(&user.password_hash)).await? {
            return Err(PasswordChangeError::WrongCurrentPassword);
        }
        let hash = self.hasher.hash(new_password).await?;
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        tx.users().set_password(user.id, &hash, now).await?;
        tx.refresh_tokens().revoke_user(user.id, now).await?;
        let mut event = self.audit_event("user.password_changed", Some(user.id), Some(user.id), context, now);
        event.changed_fields = vec!["password".to_owned()];
        tx.audit().append(&event).await?;
        super::password_changed_mail(tx.as_mut(), user, self.ids.as_ref(), now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies the account holder's own changes (S2: self-service fields only, enforced by the type).
    #[instrument(name = "users.update_self", skip_all, fields(user.id = %user_id))]
    pub async fn update_self(&self, user_id: Uuid, changes: SelfServiceChanges) -> Result<User, StoreError> {
        let mut tx = self.uow.begin().await?;
        // Read under the transaction's lock: writing back a copy read before an administrator's block, role
        // change or a password reset would revert it.
        let mut user = tx
            .users()
            .lock(user_id)
            .await?
            .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("compte {user_id} introuvable")))?;
        // An account blocked, archived or erased since the caller's token was checked writes nothing back (B7: a
        // request in flight during an erasure must not restore what it removed).
        if user.status != UserStatus::Active {
            tracing::info!("profile not updated: the account is no longer active");
            return Ok(user);
        }
        let touched = user.apply_self_service(changes, self.clock.now());
        if !touched.is_empty() {
            tx.users().update(&user).await?;
            tx.commit().await?;
            tracing::info!(user.changed = ?touched, "profile updated");
        }
        Ok(user)
    }

    /// The account behind an access token, if the token is valid and the account still `actif` (S4: a blocked
    /// account loses access at once, not when its token expires).
    pub async fn authenticate(&self, bearer: &str) -> Result<User, AuthenticationError> {
        Ok(self.authenticate_as(bearer, TokenKind::Access).await?.0)
    }

    /// The active account a live stream is for (B3, S10), and when its credential expires (the stream ends
    /// then): an access token (the `Authorization` header, or the legacy WebSocket's `?token=`), or a stream
    /// ticket (`kind` `StreamTicket`, SSE's `?ticket=`). A refresh token never opens a stream.
    pub async fn authenticate_stream(
        &self,
        credential: &str,
        kind: TokenKind,
    ) -> Result<(User, DateTime<Utc>), AuthenticationError> {
        match kind {
            TokenKind::Access => self.authenticate_as(credential, kind).await,
            // A ticket only opens the stream: the stream then lasts as an access token issued now would.
            TokenKind::StreamTicket => {
                let (user, _) = self.authenticate_as(credential, kind).await?;
                let lifetime = i64::try_from(self.tokens.access_lifetime_secs()).unwrap_or(i64::MAX);
                Ok((user, self.clock.now() + chrono::TimeDelta::seconds(lifetime)))
            }
            TokenKind::Refresh => Err(AuthenticationError::InvalidToken),
        }
    }

    /// A stream ticket for `caller` (`POST /api/v1/notifications/stream/ticket`): a URL may carry it where a
    /// header cannot be sent; it opens a stream within `STREAM_TICKET_LIFETIME`, and does nothing else.
    pub fn stream_ticket(&self, caller: &User) -> anyhow::Result<super::Issued> {
        self.tokens.issue_stream_ticket(caller.id, caller.role, self.clock.now())
    }

    async fn authenticate_as(
        &self,
        credential: &str,
        kind: TokenKind,
    ) -> Result<(User, DateTime<Utc>), AuthenticationError> {
        let verified = self
            .tokens
            .verify(credential, kind, self.clock.now())
            .map_err(|_: TokenError| AuthenticationError::InvalidToken)?;
        match self.users.get(verified.user_id).await? {
            Some(user) if user.status == UserStatus::Active => Ok((user, verified.expires_at)),
            _ => Err(AuthenticationError::InvalidToken),
        }
    }

    fn audit_event(
        &self,
        action: &str,
        actor_id: Option<Uuid>,
        target: Option<Uuid>,
        context: &RequestContext,
        now: DateTime<Utc>,
    ) -> AuditEvent {
        AuditEvent {
            id: self.ids.new_id(),
            actor_id,
            action: action.to_owned(),
            target_type: target.map(|_| "user".to_owned()),
            target_id: target.map(|id| id.to_string()),
            request_id: context.request_id.clone(),
            changed_fields: Vec::new(),
            occurred_at: now,
        }
    }

    async fn audit_alone(
        &self,
        action: &str,
        actor_id: Option<Uuid>,
        target: Option<Uuid>,
        context: &RequestContext,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.uow.begin().await?;
        tx.audit().append(&self.audit_event(action, actor_id, target, context, now)).await?;
        tx.commit().await
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}
