//! Accounts for HTTP tests: staff accounts are inserted directly (no public route creates them, S1), then sign
//! in through the API like anyone else.

use seeg_application::Clock;
use seeg_application::identity::PasswordHasher;
use seeg_application::{IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::identity::{CandidateKind, Password, Role, User, UserStatus};
use serde_json::{Value, json};

use crate::TestApp;

/// The password of every account these helpers create.
pub const PASSWORD: &str = "Motdepasse#2026";

/// Inserts an `actif` account with `role` and returns it.
pub async fn insert_account(app: &TestApp, role: Role, email: &str) -> User {
    insert_account_with(app, role, email, |_| {}).await
}

/// Inserts an `actif` account with `role`, changed by `adjust` (an internal candidate, say), and returns it.
pub async fn insert_account_with(app: &TestApp, role: Role, email: &str, adjust: impl FnOnce(&mut User)) -> User {
    let hasher = PasswordHasher::new(4, 2).await.expect("hasher");
    let hash = hasher.hash(&Password::parse(PASSWORD.to_owned()).expect("password")).await.expect("hash");
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
        password_hash: hash,
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
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.expect("begin");
    tx.users().insert(&user).await.expect("insert account");
    tx.commit().await.expect("commit");
    user
}

/// Logs in through the API; the whole session body.
pub async fn log_in(app: &TestApp, email: &str) -> Value {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .expect("login request");
    assert_eq!(response.status(), 200, "login of {email}");
    response.json().await.expect("session")
}

/// Gives an account stored by other means the test password, then signs it in: its access token.
pub async fn sign_in_as(app: &TestApp, user: &User) -> String {
    let hasher = PasswordHasher::new(4, 2).await.expect("hasher");
    let hash = hasher.hash(&Password::parse(PASSWORD.to_owned()).expect("password")).await.expect("hash");
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.expect("begin");
    tx.users().set_password(user.id, &hash, SystemClock.now()).await.expect("password");
    tx.commit().await.expect("commit");
    log_in(app, &user.email).await["access_token"].as_str().expect("token").to_owned()
}

/// An `actif` internal candidate (a SEEG employee, R14), signed in: its access token.
pub async fn internal_candidate_token(app: &TestApp, email: &str, matricule: i32) -> (User, String) {
    let user = insert_account_with(app, Role::Candidate, email, |u| {
        u.candidate_kind = Some(CandidateKind::Internal);
        u.matricule = Some(matricule);
    })
    .await;
    let session = log_in(app, email).await;
    (user, session["access_token"].as_str().expect("token").to_owned())
}

/// An `actif` account with `role`, signed in: its access token.
pub async fn token_for(app: &TestApp, role: Role, email: &str) -> (User, String) {
    let user = insert_account(app, role, email).await;
    let session = log_in(app, email).await;
    (user, session["access_token"].as_str().expect("token").to_owned())
}
