//! Account administration: `DELETE /api/v1/users/{id}` (I10: deactivation, sessions revoked) and
//! `POST /api/v1/auth/create-user` (R6, admin only).

use reqwest::Method;
use seeg_domain::identity::Role;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

async fn delete(app: &TestApp, token: &str, id: &str) -> Answer {
    app.delete_as(token, &format!("/api/v1/users/{id}")).await
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.client.get(app.url("/api/v1/auth/me")).bearer_auth(token).send().await.unwrap().status().as_u16()
}

async fn refresh_status(app: &TestApp, refresh_token: &str) -> u16 {
    let body = json!({"refresh_token": refresh_token});
    app.client.post(app.url("/api/v1/auth/refresh")).json(&body).send().await.unwrap().status().as_u16()
}

async fn a_user_deletes_his_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "candidat@example.com").await;
    let session = app.log_in("candidat@example.com").await;

    let Answer { status, body, .. } = delete(&app, &token, &candidate.id.to_string()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "message": "Utilisateur supprimé avec succès", "data": null, "errors": null})
    );
    assert_eq!(me_status(&app, &token).await, 401, "the access token stops working at once");
    assert_eq!(refresh_status(&app, &session.refresh_token).await, 401, "sessions are revoked");
    let Answer { status, body: refused, .. } = app.attempt_login("candidat@example.com", PASSWORD).await;
    assert_eq!(status, 403);
    assert!(refused["detail"].as_str().unwrap().starts_with("Votre compte a été archivé."));
}

async fn an_admin_deletes_others_but_not_himself(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: admin, token: admin_token } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.user;

    let Answer { status, body, .. } = delete(&app, &admin_token, &admin.id.to_string()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("own_account_undeletable")));
    assert_eq!(me_status(&app, &admin_token).await, 200);

    let status = delete(&app, &admin_token, &recruiter.id.to_string()).await.status;
    assert_eq!(status, 200);
    assert_eq!(app.attempt_login("recruteur@seeg-gabon.com", PASSWORD).await.status, 403);
    let (status, user) = {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/users/{}", recruiter.id)))
            .bearer_auth(&admin_token)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200, "the record stays");
    assert_eq!(user["data"]["statut"], "archivé");

    let audit: Value = app
        .client
        .get(app.url(&format!("/api/v1/audit?action=user.deleted&target_id={}", recruiter.id)))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1, "{audit}");

    let unknown = "00000000-0000-4000-8000-000000000000";
    assert_eq!(delete(&app, &admin_token, unknown).await.status, 404);
    assert_eq!(delete(&app, &admin_token, "pas-un-uuid").await.status, 422);
}

async fn others_may_not_delete_an_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let victim = app.token_for(Role::Candidate, "victime@example.com").await.user;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let target = victim.id.to_string();

    let Answer { status, body, .. } = delete(&app, &candidate, &target).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "S3: ids cannot be probed");
    for token in [&recruiter, &observer] {
        let Answer { status, body, .. } = delete(&app, token, &target).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    }
    let response = app.client.delete(app.url(&format!("/api/v1/users/{target}"))).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(app.attempt_login("victime@example.com", PASSWORD).await.status, 200, "nothing changed");
}

fn new_recruiter() -> Value {
    json!({
        "email": "Nouveau.Recruteur@SEEG-gabon.com", "password": "Recrutement#2026", "first_name": "Nadia",
        "last_name": "Obame", "role": "recruiter", "phone": "+241 06 00 00 00", "sexe": "F",
    })
}

async fn create_user(app: &TestApp, token: Option<&str>, body: &Value) -> Answer {
    app.call(Method::POST, "/api/v1/auth/create-user", token, Some(body)).await
}

async fn an_admin_creates_a_recruiter_who_can_log_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: admin, token } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let Answer { status, body: user, .. } = create_user(&app, Some(&token), &new_recruiter()).await;
    assert_eq!(status, 200, "legacy answers 200: {user}");
    assert_eq!(user["email"], "nouveau.recruteur@seeg-gabon.com");
    assert_eq!(user["role"], "recruiter");
    assert_eq!(user["statut"], "actif");
    assert_eq!(user["sexe"], "F");
    assert_eq!(user["candidate_status"], Value::Null);
    assert!(user.get("hashed_password").is_none() && user.get("password").is_none());

    let login = json!({"email": "nouveau.recruteur@seeg-gabon.com", "password": "Recrutement#2026"});
    let response = app.client.post(app.url("/api/v1/auth/login")).json(&login).send().await.unwrap();
    assert_eq!(response.status(), 200);

    let audit: Value = app
        .client
        .get(app.url(&format!("/api/v1/audit?action=user.created&target_id={}", user["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["data"][0]["actor_id"], admin.id.to_string(), "{audit}");

    let Answer { status, body: duplicate, .. } = create_user(&app, Some(&token), &new_recruiter()).await;
    assert_eq!((status, duplicate["code"].as_str()), (400, Some("email_taken")));

    let mut weak = new_recruiter();
    weak["email"] = json!("autre@seeg-gabon.com");
    weak["password"] = json!("court");
    assert_eq!(create_user(&app, Some(&token), &weak).await.status, 422);
    let mut bad_role = new_recruiter();
    bad_role["email"] = json!("autre@seeg-gabon.com");
    bad_role["role"] = json!("superadmin");
    assert_eq!(create_user(&app, Some(&token), &bad_role).await.status, 422);
}

async fn only_admins_create_users(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (role, email) in [
        (Role::Recruiter, "recruteur@seeg-gabon.com"),
        (Role::Observer, "observateur@seeg-gabon.com"),
        (Role::Candidate, "candidat@example.com"),
    ] {
        let token = app.token_for(role, email).await.token;
        let Answer { status, body, .. } = create_user(&app, Some(&token), &new_recruiter()).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{role}");
    }
    assert_eq!(create_user(&app, None, &new_recruiter()).await.status, 401);
    assert_eq!(
        app.attempt_login("nouveau.recruteur@seeg-gabon.com", PASSWORD).await.status,
        401,
        "nothing was created"
    );
}

on_backends!(Sqlite, Postgres =>
    a_user_deletes_his_own_account,
    an_admin_deletes_others_but_not_himself,
    others_may_not_delete_an_account,
    an_admin_creates_a_recruiter_who_can_log_in,
    only_admins_create_users,
);
