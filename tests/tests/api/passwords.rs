//! Forgotten passwords and the identity e-mails (legacy R12, R37, R38; decisions S4, S8), delivered through the
//! outbox relay to a mailer the test reads.

use std::sync::Arc;

use seeg_adapters_mail::MemoryMailer;
use seeg_application::mail::MailMessage;
use seeg_application::outbox::HandlerRegistry;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::eventually::{eventually, mail_to};
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "Nouveau#Secret2027";

fn signup(email: &str, first_name: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "first_name": first_name,
        "last_name": "Mba",
        "date_of_birth": "1992-08-20",
        "sexe": "F",
        "candidate_status": "externe",
        "no_seeg_email": false,
    })
}

async fn spawn(backend: Backend) -> (TestApp, MemoryMailer) {
    let mailer = MemoryMailer::new();
    (TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await, mailer)
}

fn token_in(message: &MailMessage) -> String {
    let start = message.text.find("/reset-password?token=").expect("reset link") + "/reset-password?token=".len();
    message.text[start..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn forgot_password_answers_the_same_and_mails_a_single_use_link(backend: Backend) {
    let (app, mailer) = spawn(backend).await;
    let email = "awa.mba@example.com";
    assert_eq!(app.post_json("/api/v1/auth/signup", &signup(email, "Awa")).await.status, 201);
    let Answer { status, body: session, .. } = app.attempt_login(email, PASSWORD).await;
    assert_eq!(status, 200);
    let refresh_token = session["refresh_token"].as_str().unwrap().to_owned();

    let known = app.post_json("/api/v1/auth/forgot-password", &json!({"email": email})).await;
    let unknown = app.post_json("/api/v1/auth/forgot-password", &json!({"email": "personne@example.com"})).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "no account enumeration");
    assert_eq!(
        (known.status, known.body),
        (200, json!({"success": true, "message": "Email envoyé si l'adresse existe"}))
    );
    let Answer { status, body, .. } =
        app.post_json("/api/v1/auth/forgot-password", &json!({"email": "pas-une-adresse"})).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));

    let message = mail_to(&mailer, email, "🔑 Réinitialisation de votre mot de passe - OneHCM SEEG").await;
    assert!(message.text.contains("Bonjour Madame Awa Mba,"));
    assert!(message.text.contains("http://localhost:3000/reset-password?token="));
    let token = token_in(&message);
    assert_eq!(token.len(), 64);
    assert!(!mailer.sent().iter().any(|m| m.to == "personne@example.com"));

    let Answer { status, body, .. } =
        app.post_json("/api/v1/auth/reset-password", &json!({"token": token, "new_password": "faible"})).await;
    assert_eq!(status, 422, "policy R5 once the token is known good: {body}");

    let reset = json!({"token": token, "new_password": NEW_PASSWORD});
    let Answer { status, body, .. } = app.post_json("/api/v1/auth/reset-password", &reset).await;
    assert_eq!((status, body), (200, json!({"success": true, "message": "Mot de passe réinitialisé"})));
    let Answer { status, body, .. } = app.post_json("/api/v1/auth/reset-password", &reset).await;
    assert_eq!(status, 400, "single use");
    assert_eq!(body["code"], "invalid_reset_token");
    assert_eq!(body["detail"], "Token de réinitialisation invalide ou expiré");
    let Answer { status, body, .. } = app
        .post_json("/api/v1/auth/reset-password", &json!({"token": "0".repeat(64), "new_password": NEW_PASSWORD}))
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_reset_token")));

    let old = app.attempt_login(email, PASSWORD).await;
    assert_eq!(old.status, 401);
    let new = app.attempt_login(email, NEW_PASSWORD).await;
    assert_eq!(new.status, 200);
    let status = app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": refresh_token})).await.status;
    assert_eq!(status, 401, "a reset revokes every refresh token (S4)");

    mail_to(&mailer, email, "🔐 Votre mot de passe a été modifié").await;
}

async fn sign_up_and_password_change_send_their_messages_with_names_escaped(backend: Backend) {
    let (app, mailer) = spawn(backend).await;
    let email = "escape@example.com";
    assert_eq!(app.post_json("/api/v1/auth/signup", &signup(email, "<b>Awa</b>")).await.status, 201);
    let welcome = mail_to(&mailer, email, "Bienvenue sur OneHCM - SEEG Talent Source").await;
    assert!(welcome.html.contains("Madame &lt;b&gt;Awa&lt;/b&gt; Mba"), "{}", welcome.html);
    assert!(!welcome.html.contains("<b>Awa</b>"));

    let mut pending = signup("agent.sans.mail@example.com", "Paul");
    pending["candidate_status"] = json!("interne");
    pending["matricule"] = json!(654_321);
    pending["no_seeg_email"] = json!(true);
    let Answer { status, body, .. } = app.post_json("/api/v1/auth/signup", &pending).await;
    assert_eq!((status, body["statut"].as_str()), (201, Some("en_attente")));
    mail_to(&mailer, "agent.sans.mail@example.com", "Demande d'Accès en Cours de Traitement - OneHCM").await;
    // R37: the support inbox hears of the request, with what it needs to check the person (escaped too).
    let support = mail_to(&mailer, "support@seeg-talentsource.com", "🔔 Nouvelle Demande d'Accès - OneHCM").await;
    for detail in ["Paul Mba", "agent.sans.mail@example.com", "654321", "20/08/1992"] {
        assert!(support.text.contains(detail) && support.html.contains(detail), "{detail}: {}", support.text);
    }
    let announced = |m: &&MailMessage| m.to == "support@seeg-talentsource.com";
    assert_eq!(mailer.sent().iter().filter(announced).count(), 1, "only en_attente sign-ups are announced");

    let session = app.attempt_login(email, PASSWORD).await.body;
    let access = session["access_token"].as_str().unwrap();
    let change = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    assert_eq!(app.post_as(access, "/api/v1/auth/change-password", &change).await.status, 200);
    mail_to(&mailer, email, "🔐 Votre mot de passe a été modifié").await;
}

async fn the_default_folder_mailer_writes_eml_files(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mail");
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.mail.transport = seeg_server::MailTransport::Folder;
        s.mail.folder.clone_from(&folder);
    })
    .await;
    assert_eq!(app.post_json("/api/v1/auth/signup", &signup("eml@example.com", "Awa")).await.status, 201);
    let eml = eventually("an .eml written", async || {
        let entries = std::fs::read_dir(&folder).ok()?;
        let path = entries.flatten().map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "eml"))?;
        Some(std::fs::read_to_string(path).unwrap())
    })
    .await;
    assert!(eml.contains("To: eml@example.com"), "{eml}");
    assert!(eml.contains("multipart/alternative"));
}

const RESET_SUBJECT: &str = "🔑 Réinitialisation de votre mot de passe - OneHCM SEEG";

/// Waits (bounded) until `count` reset e-mails reached `to`; their tokens, oldest first.
async fn reset_tokens(mailer: &MemoryMailer, to: &str, count: usize) -> Vec<String> {
    eventually(&format!("{count} reset e-mail(s) to {to}"), async || {
        let tokens: Vec<String> =
            mailer.sent().iter().filter(|m| m.to == to && m.subject == RESET_SUBJECT).map(token_in).collect();
        (tokens.len() >= count).then_some(tokens)
    })
    .await
}

/// A new reset link spends the earlier ones: only the newest works.
async fn a_new_reset_token_spends_the_earlier_ones(backend: Backend) {
    let (app, mailer) = spawn(backend).await;
    let email = "awa.mba@example.com";
    assert_eq!(app.post_json("/api/v1/auth/signup", &signup(email, "Awa")).await.status, 201);
    assert_eq!(app.post_json("/api/v1/auth/forgot-password", &json!({"email": email})).await.status, 200);
    let first = reset_tokens(&mailer, email, 1).await.remove(0);
    assert_eq!(app.post_json("/api/v1/auth/forgot-password", &json!({"email": email})).await.status, 200);
    let second = reset_tokens(&mailer, email, 2).await.remove(1);
    assert_ne!(first, second);

    let Answer { status, body, .. } =
        app.post_json("/api/v1/auth/reset-password", &json!({"token": first, "new_password": NEW_PASSWORD})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_reset_token")), "{body}");
    let Answer { status, body, .. } =
        app.post_json("/api/v1/auth/reset-password", &json!({"token": second, "new_password": NEW_PASSWORD})).await;
    assert_eq!(status, 200, "{body}");
}

/// The outbox's pending events by kind, as an administrator reads them.
async fn pending_by_kind(app: &TestApp, admin: &str) -> Vec<(String, u64)> {
    let response = app.client.get(app.url("/api/v1/admin/outbox")).bearer_auth(admin).send().await.unwrap();
    let body: Value = response.json().await.unwrap();
    let mut kinds: Vec<(String, u64)> = body["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kind"].as_str().unwrap().to_owned(), k["pending"].as_u64().unwrap()))
        .filter(|(_, pending)| *pending > 0)
        .collect();
    kinds.sort();
    kinds
}

/// A known and an unknown address take the same steps in the request (one queued event, the same answer): the
/// lookup, the token and the e-mail happen later, in the relay, so the answer's timing tells nothing.
async fn forgot_password_does_the_same_work_for_known_and_unknown_addresses(backend: Backend) {
    // No relay: what each request wrote stays visible.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| s.outbox.enabled = false).await;
    let admin = app.token_for(seeg_domain::identity::Role::Admin, "admin@seeg.ga").await.token;
    let email = "awa.mba@example.com";
    assert_eq!(app.post_json("/api/v1/auth/signup", &signup(email, "Awa")).await.status, 201);
    let before = pending_by_kind(&app, &admin).await;

    let known = app.post_json("/api/v1/auth/forgot-password", &json!({"email": email})).await;
    let after_known = pending_by_kind(&app, &admin).await;
    let unknown = app.post_json("/api/v1/auth/forgot-password", &json!({"email": "personne@example.com"})).await;
    let after_unknown = pending_by_kind(&app, &admin).await;

    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let added = |from: &[(String, u64)], to: &[(String, u64)]| -> Vec<(String, u64)> {
        to.iter()
            .map(|(kind, n)| (kind.clone(), n - from.iter().find(|(k, _)| k == kind).map_or(0, |(_, m)| *m)))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let by_known = added(&before, &after_known);
    let by_unknown = added(&after_known, &after_unknown);
    assert_eq!(by_known, vec![("password_reset.requested".to_owned(), 1)], "{before:?} -> {after_known:?}");
    assert_eq!(by_known, by_unknown);
}

/// Past the account's reset quota the answer stays the same and no new link is queued: nobody can make the owner's
/// own request fail with a 429, nor learn that the address is targeted (S6).
async fn reset_requests_past_the_quota_answer_the_same_and_send_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.outbox.enabled = false;
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["2/minute".to_owned()];
    })
    .await;
    let admin = app.token_for(seeg_domain::identity::Role::Admin, "admin@seeg.ga").await.token;
    let mut answers = Vec::new();
    for i in 0..4 {
        let response = app
            .client
            .post(app.url("/api/v1/auth/forgot-password"))
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .json(&json!({"email": "cible@example.com"}))
            .send()
            .await
            .unwrap();
        answers.push((response.status().as_u16(), response.json::<Value>().await.unwrap()));
    }
    assert!(answers.iter().all(|a| *a == answers[0]), "{answers:?}");
    assert_eq!(answers[0].0, 200);
    let queued = pending_by_kind(&app, &admin).await;
    assert_eq!(queued, vec![("password_reset.requested".to_owned(), 2)], "two links within the quota, no more");
}

on_backends!(Sqlite, Postgres =>
    reset_requests_past_the_quota_answer_the_same_and_send_nothing,
    a_new_reset_token_spends_the_earlier_ones,
    forgot_password_does_the_same_work_for_known_and_unknown_addresses,
    forgot_password_answers_the_same_and_mails_a_single_use_link,
    sign_up_and_password_change_send_their_messages_with_names_escaped,
    the_default_folder_mailer_writes_eml_files,
);
