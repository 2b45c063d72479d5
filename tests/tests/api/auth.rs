//! Sign-up, login and the bearer extractor (legacy §1.2, R1–R8; decisions S4, S5, F1, F4).

use seeg_tests::accounts::PASSWORD;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

fn signup(email: &str, kind: &str) -> Value {
    json!({
        "email": email,
        "password": PASSWORD,
        "first_name": "Awa",
        "last_name": "Mba",
        "phone": "+241 01 23 45 67",
        "date_of_birth": "1992-08-20",
        "sexe": "F",
        "candidate_status": kind,
        "no_seeg_email": false,
    })
}

async fn me(app: &TestApp, token: &str) -> Answer {
    app.get_as(token, "/api/v1/auth/me").await
}

async fn each_candidate_kind_signs_up_with_its_statut(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Answer { status, body: external, .. } =
        app.post_json("/api/v1/auth/signup", &signup("Awa.Mba@Example.com", "externe")).await;
    assert_eq!(status, 201, "{external}");
    assert_eq!(external["email"], "awa.mba@example.com", "stored lower-cased");
    assert_eq!(external["statut"], "actif");
    assert_eq!(external["role"], "candidate");
    assert_eq!(external["is_internal_candidate"], false);
    assert_eq!(external["date_of_birth"], "1992-08-20", "a calendar date (F2)");
    assert_eq!(external["candidate_profile"], Value::Null);
    assert!(external.get("password").is_none() && external.get("hashed_password").is_none());

    let mut internal = signup("agent@seeg-gabon.com", "interne");
    internal["matricule"] = json!(123_456);
    let Answer { status, body, .. } = app.post_json("/api/v1/auth/signup", &internal).await;
    assert_eq!((status, body["statut"].as_str()), (201, Some("actif")));
    assert_eq!(body["is_internal_candidate"], true);
    assert_eq!(body["matricule"], 123_456);

    let mut pending = signup("agent.sans.mail@example.com", "interne");
    pending["matricule"] = json!(654_321);
    pending["no_seeg_email"] = json!(true);
    let Answer { status, body, .. } = app.post_json("/api/v1/auth/signup", &pending).await;
    assert_eq!((status, body["statut"].as_str()), (201, Some("en_attente")));
}

async fn sign_up_rules_answer_400_in_the_legacy_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut first = signup("agent@seeg-gabon.com", "interne");
    first["matricule"] = json!(111);
    assert_eq!(app.post_json("/api/v1/auth/signup", &first).await.status, 201);

    let mut same_email = signup("AGENT@seeg-gabon.com", "interne");
    same_email["matricule"] = json!(222);
    let mut same_matricule = signup("autre@seeg-gabon.com", "interne");
    same_matricule["matricule"] = json!(111);
    let no_matricule = signup("sans.matricule@seeg-gabon.com", "interne");
    let mut personal_email = signup("perso@example.com", "interne");
    personal_email["matricule"] = json!(333);
    let mut inconsistent = signup("incoherent@seeg-gabon.com", "interne");
    inconsistent["matricule"] = json!(444);
    inconsistent["no_seeg_email"] = json!(true);

    let cases = [
        (same_email, "email_taken", "Un utilisateur avec cet email existe déjà"),
        (same_matricule, "matricule_taken", "Un utilisateur avec ce matricule existe déjà"),
        (no_matricule, "matricule_required", "Le matricule est obligatoire pour les candidats internes"),
        (
            personal_email,
            "company_email_required",
            "Les candidats internes doivent utiliser un email professionnel @seeg-gabon.com",
        ),
        (inconsistent, "company_email_inconsistent", "Incohérence détectée"),
    ];
    for (body, code, phrase) in cases {
        let Answer { status, body: answer, .. } = app.post_json("/api/v1/auth/signup", &body).await;
        assert_eq!(status, 400, "{code}: {answer}");
        assert_eq!(answer["code"], code);
        assert!(answer["detail"].as_str().unwrap().starts_with(phrase), "{code}: {answer}");
    }
}

async fn invalid_fields_are_422_naming_each_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = signup("pas-une-adresse", "externe");
    body["password"] = json!("court");
    body["date_of_birth"] = json!("2015-01-01");
    body["sexe"] = json!("X");
    body["candidate_status"] = json!("stagiaire");
    let Answer { status, body: answer, .. } = app.post_json("/api/v1/auth/signup", &body).await;
    assert_eq!(status, 422, "{answer}");
    let fields: Vec<&str> = answer["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["body.email", "body.password", "body.sexe", "body.candidate_status"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }

    let mut young = signup("jeune@example.com", "externe");
    young["date_of_birth"] = json!("2015-01-01");
    let Answer { status, body: answer, .. } = app.post_json("/api/v1/auth/signup", &young).await;
    assert_eq!(status, 422);
    assert_eq!(answer["errors"][0]["field"], "body.date_of_birth");

    for weak in ["motdepasse#2026", "MOTDEPASSE#2026", "Motdepasse2026", "Motdepasse#abc", "Court#1a"] {
        let mut attempt = signup("faible@example.com", "externe");
        attempt["password"] = json!(weak);
        let Answer { status, body: answer, .. } = app.post_json("/api/v1/auth/signup", &attempt).await;
        assert_eq!(status, 422, "{weak} must be refused");
        assert_eq!(answer["errors"][0]["field"], "body.password");
    }
}

async fn login_gives_tokens_and_the_same_401_for_unknown_and_wrong(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.post_json("/api/v1/auth/signup", &signup("awa@example.com", "externe")).await;

    let Answer { status, body: session, .. } = app.attempt_login("AWA@example.com ", PASSWORD).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 1800, "the real lifetime (F4)");
    assert!(session["user"]["last_login"].is_string());
    assert_eq!(session["user"]["candidate_profile"], Value::Null);
    let access = session["access_token"].as_str().unwrap();

    let Answer { status, body: who, .. } = me(&app, access).await;
    assert_eq!(status, 200);
    assert_eq!(who["email"], "awa@example.com");
    assert!(who["last_login"].is_string());

    let Answer { status: wrong_status, body: wrong, headers: wrong_headers, .. } =
        app.post_json("/api/v1/auth/login", &json!({"email": "awa@example.com", "password": "Mauvais#2026xx"})).await;
    let Answer { status: unknown_status, body: unknown, headers: unknown_headers, .. } =
        app.post_json("/api/v1/auth/login", &json!({"email": "personne@example.com", "password": PASSWORD})).await;
    assert_eq!((wrong_status, unknown_status), (401, 401));
    assert_eq!((&wrong["detail"], &wrong["code"]), (&unknown["detail"], &unknown["code"]));
    assert_eq!(wrong["detail"], "Email ou mot de passe incorrect");
    assert_eq!(wrong_headers["www-authenticate"], "Bearer");
    assert_eq!(unknown_headers["www-authenticate"], "Bearer");

    let Answer { status, .. } =
        app.post_json("/api/v1/auth/login", &json!({"username": "awa@example.com", "password": PASSWORD})).await;
    assert_eq!(status, 200, "`username` works as in the legacy service");
    let form = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .form(&[("username", "awa@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 200, "form-encoded login");
    let oauth = app
        .client
        .post(app.url("/api/v1/auth/token"))
        .form(&[("username", "awa@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(oauth.status(), 200);
    let oauth: Value = oauth.json().await.unwrap();
    assert!(oauth["access_token"].is_string() && oauth.get("user").is_none());

    let Answer { status, body: missing, .. } = app.attempt_login("", "").await;
    assert_eq!(status, 422);
    assert_eq!(missing["code"], "validation_error");
}

async fn login_ignores_a_bearer_header_and_checks_the_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.post_json("/api/v1/auth/signup", &signup("awa@example.com", "externe")).await;
    let session = app.attempt_login("awa@example.com", PASSWORD).await.body;
    let access = session["access_token"].as_str().unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .bearer_auth(access)
        .json(&json!({"email": "awa@example.com", "password": "Mauvais#2026xx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "no short-cut through a bearer token (S4, fixes D5)");
}

async fn a_pending_account_gets_its_403_only_after_the_right_password(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut pending = signup("agent.sans.mail@example.com", "interne");
    pending["matricule"] = json!(654_321);
    pending["no_seeg_email"] = json!(true);
    app.post_json("/api/v1/auth/signup", &pending).await;

    let Answer { status, body, .. } = app.attempt_login("agent.sans.mail@example.com", "Mauvais#2026xx").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("invalid_credentials")),
        "no status leak before the password"
    );
    let Answer { status, body, .. } = app.attempt_login("agent.sans.mail@example.com", PASSWORD).await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "account_not_active");
    assert!(body["detail"].as_str().unwrap().contains("en attente de validation"));
}

async fn the_bearer_extractor_refuses_missing_invalid_and_refresh_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.post_json("/api/v1/auth/signup", &signup("awa@example.com", "externe")).await;
    let session = app.attempt_login("awa@example.com", PASSWORD).await.body;

    let response = app.client.get(app.url("/api/v1/auth/me")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["detail"].as_str()),
        (Some("not_authenticated"), Some("Not authenticated"))
    );

    for token in ["pas-un-jeton", session["refresh_token"].as_str().unwrap()] {
        let Answer { status, body, .. } = me(&app, token).await;
        assert_eq!(status, 401, "{token}");
        assert_eq!(body["code"], "invalid_token");
        assert_eq!(body["detail"], "Could not validate credentials");
    }
}

async fn refresh(app: &TestApp, token: &str) -> Answer {
    app.post_json("/api/v1/auth/refresh", &json!({ "refresh_token": token })).await
}

async fn signed_in(app: &TestApp) -> Value {
    app.post_json("/api/v1/auth/signup", &signup("awa@example.com", "externe")).await;
    app.attempt_login("awa@example.com", PASSWORD).await.body
}

async fn refresh_tokens_rotate_and_a_replay_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let session = signed_in(&app).await;
    let first = session["refresh_token"].as_str().unwrap().to_owned();

    let Answer { status, body: second, .. } = refresh(&app, &first).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["expires_in"], 1800);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first);
    assert_eq!(me(&app, second["access_token"].as_str().unwrap()).await.status, 200);
    let Answer { status, body: third, .. } = refresh(&app, &second_refresh).await;
    assert_eq!(status, 200);
    let third_refresh = third["refresh_token"].as_str().unwrap().to_owned();

    let Answer { status, body: replay, .. } = refresh(&app, &first).await;
    assert_eq!((status, replay["code"].as_str()), (401, Some("invalid_refresh_token")), "a spent token is refused");
    let status = refresh(&app, &third_refresh).await.status;
    assert_eq!(status, 401, "the replay revoked the whole family, the newest token included");

    let status = refresh(&app, session["access_token"].as_str().unwrap()).await.status;
    assert_eq!(status, 401, "an access token is not a refresh token");
}

async fn concurrent_uses_of_one_refresh_token_succeed_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let session = signed_in(&app).await;
    let token = session["refresh_token"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| refresh(&app, &token));
    let statuses: Vec<u16> =
        futures_util::future::join_all(attempts).await.into_iter().map(|answer| answer.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 401), "{statuses:?}");
}

async fn logout_revokes_the_session_s_refresh_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let session = signed_in(&app).await;
    let other_session = app.attempt_login("awa@example.com", PASSWORD).await.body;
    let access = session["access_token"].as_str().unwrap();
    let response = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(access)
        .json(&json!({ "refresh_token": session["refresh_token"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "Déconnexion réussie");
    assert_eq!(body["user_id"], session["user"]["id"]);
    assert_eq!(refresh(&app, session["refresh_token"].as_str().unwrap()).await.status, 401);
    assert_eq!(
        refresh(&app, other_session["refresh_token"].as_str().unwrap()).await.status,
        200,
        "other sessions go on"
    );

    let everything = app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(access).send().await.unwrap();
    assert_eq!(everything.status(), 200, "without a body every session ends");
    let status = app.attempt_login("awa@example.com", PASSWORD).await.status;
    assert_eq!(status, 200);
    let unauthenticated = app.client.post(app.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
}

async fn a_password_change_checks_the_old_one_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let session = signed_in(&app).await;
    let access = session["access_token"].as_str().unwrap();
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/v1/auth/change-password"))
            .bearer_auth(access)
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let wrong = change("Mauvais#2026xx", "Nouveau#Secret2026").await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(wrong.json::<Value>().await.unwrap()["code"], "wrong_current_password");
    let weak = change(PASSWORD, "faible").await.unwrap();
    assert_eq!(weak.status(), 422);
    let done = change(PASSWORD, "Nouveau#Secret2026").await.unwrap();
    assert_eq!(done.status(), 200);
    assert_eq!(done.json::<Value>().await.unwrap(), json!({"success": true, "message": "Mot de passe modifié"}));

    assert_eq!(refresh(&app, session["refresh_token"].as_str().unwrap()).await.status, 401, "refresh tokens revoked");
    assert_eq!(app.attempt_login("awa@example.com", PASSWORD).await.status, 401);
    assert_eq!(app.attempt_login("awa@example.com", "Nouveau#Secret2026").await.status, 200);
}

/// Spaces around a password are part of it: sign-up keeps them, so login checks the password as given.
async fn login_checks_the_password_as_given_spaces_included(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = signup("espaces@example.com", "externe");
    body["password"] = json!(" Secret#2026x ");
    let Answer { status, body: answer, .. } = app.post_json("/api/v1/auth/signup", &body).await;
    assert_eq!(status, 201, "{answer}");

    let Answer { status, body: answer, .. } = app.attempt_login("espaces@example.com", "Secret#2026x").await;
    assert_eq!((status, answer["code"].as_str()), (401, Some("invalid_credentials")), "{answer}");
    let Answer { status, body: answer, .. } = app.attempt_login("espaces@example.com", " Secret#2026x ").await;
    assert_eq!(status, 200, "{answer}");
    let status = app.attempt_login("espaces@example.com", "   ").await.status;
    assert_eq!(status, 401);
}

/// A login body that cannot be read (a NUL character, a wrong type, broken JSON) is a 422 naming `body` with the F1
/// body, as on every other route; it was a bare 400 `bad_request` (found by the schema fuzzing, issue 18).
async fn an_unreadable_login_body_is_a_422_naming_the_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let bodies = [
        r#"{"email": "awa@example.com", "password": "Secret\u0000#2026x"}"#,
        r#"{"email": 5, "password": "Secret#2026x"}"#,
        r#"{"email": "awa@example.com", "password": "#,
    ];
    for raw in bodies {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap();
        assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{raw}: {answer}");
        assert_eq!(answer["errors"][0]["field"], "body", "{raw}: {answer}");
        assert!(answer["detail"].as_str().is_some_and(|d| d.starts_with("Données invalides")), "{answer}");
    }
    let form = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("username=awa%40example.com&password=%00")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status().as_u16(), 401, "a form is read as a form: unknown account");
}

on_backends!(Sqlite, Postgres =>
    an_unreadable_login_body_is_a_422_naming_the_body,
    login_checks_the_password_as_given_spaces_included,
    refresh_tokens_rotate_and_a_replay_revokes_the_family,
    concurrent_uses_of_one_refresh_token_succeed_once,
    logout_revokes_the_session_s_refresh_tokens,
    a_password_change_checks_the_old_one_and_ends_other_sessions,
    each_candidate_kind_signs_up_with_its_statut,
    sign_up_rules_answer_400_in_the_legacy_order,
    invalid_fields_are_422_naming_each_one,
    login_gives_tokens_and_the_same_401_for_unknown_and_wrong,
    login_ignores_a_bearer_header_and_checks_the_password,
    a_pending_account_gets_its_403_only_after_the_right_password,
    the_bearer_extractor_refuses_missing_invalid_and_refresh_tokens,
);
