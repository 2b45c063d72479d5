//! Accounts for HTTP tests: staff accounts are inserted directly (no public route creates them, S1), then sign
//! in through the API like anyone else.

use seeg_application::Clock;
use seeg_application::identity::PasswordHasher;
use seeg_application::{IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::identity::{CandidateKind, Password, Role, User, UserStatus};
use serde_json::{Value, json};

use crate::TestApp;
use crate::http::Answer;

/// The password of every account these helpers create.
pub const PASSWORD: &str = "Motdepasse#2026";

/// An account and the access token it signed in with.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user: User,
    pub token: String,
}

/// A successful login: both tokens, and the whole body for the tests that read more of it.
#[derive(Debug, Clone)]
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub body: Value,
}

/// The bcrypt hash of `PASSWORD`, at the lowest cost (tests only).
async fn password_hash() -> String {
    let hasher = PasswordHasher::new(4, 2).await.expect("hasher");
    hasher.hash(&Password::parse(PASSWORD.to_owned()).expect("password")).await.expect("hash")
}

impl TestApp {
    /// Inserts an `actif` account with `role` and returns it.
    pub async fn insert_account(&self, role: Role, email: &str) -> User {
        self.insert_account_with(role, email, |_| {}).await
    }

    /// Inserts an `actif` account with `role`, changed by `adjust` (an internal candidate, say), and returns it.
    pub async fn insert_account_with(&self, role: Role, email: &str, adjust: impl FnOnce(&mut User)) -> User {
        let now = SystemClock.now();
        let mut user = User {
            id: SystemIds.new_id(),
            email: email.to_owned(),
            first_name: "Prénom".to_owned(),
            last_name: "Nom".to_owned(),
            role,
            phone: None,
            date_of_birth: None,
            sexe: None,
            matricule: None,
            password_hash: password_hash().await,
            email_verified: false,
            last_login: None,
            candidate_kind: (role == Role::Candidate).then_some(CandidateKind::External),
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: now,
            updated_at: now,
        };
        adjust(&mut user);
        let uow: &dyn UnitOfWork = &self.database;
        let mut tx = uow.begin().await.expect("begin");
        tx.users().insert(&user).await.expect("insert account");
        tx.commit().await.expect("commit");
        user
    }

    /// A login attempt through the API, whatever comes of it.
    pub async fn attempt_login(&self, email: &str, password: &str) -> Answer {
        self.post_json("/api/v1/auth/login", &json!({ "email": email, "password": password })).await
    }

    /// Logs in through the API with `PASSWORD`, which must succeed.
    pub async fn log_in(&self, email: &str) -> Session {
        let Answer { status, body, .. } = self.attempt_login(email, PASSWORD).await;
        assert_eq!(status, 200, "login of {email}: {body}");
        let token = |name: &str| body[name].as_str().unwrap_or_else(|| panic!("{name} in {body}")).to_owned();
        Session { access_token: token("access_token"), refresh_token: token("refresh_token"), body }
    }

    /// Gives an account stored by other means the test password, then signs it in: its access token.
    pub async fn sign_in_as(&self, user: &User) -> String {
        let uow: &dyn UnitOfWork = &self.database;
        let mut tx = uow.begin().await.expect("begin");
        tx.users().set_password(user.id, &password_hash().await, SystemClock.now()).await.expect("password");
        tx.commit().await.expect("commit");
        self.log_in(&user.email).await.access_token
    }

    /// An `actif` account with `role`, signed in.
    pub async fn token_for(&self, role: Role, email: &str) -> SignedIn {
        let user = self.insert_account(role, email).await;
        SignedIn { token: self.log_in(email).await.access_token, user }
    }

    /// An `actif` internal candidate (a SEEG employee, R14) with `matricule`, signed in.
    pub async fn internal_candidate_token(&self, email: &str, matricule: i32) -> SignedIn {
        let user = self
            .insert_account_with(Role::Candidate, email, |u| {
                u.candidate_kind = Some(CandidateKind::Internal);
                u.matricule = Some(matricule);
            })
            .await;
        SignedIn { token: self.log_in(email).await.access_token, user }
    }
}
