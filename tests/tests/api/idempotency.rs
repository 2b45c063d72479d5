//! `Idempotency-Key` on POST routes (I4), through a route with a visible effect: `POST /auth/create-user`.

use seeg_domain::identity::Role;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

fn recruiter(email: &str) -> Value {
    json!({"email": email, "password": "Recrutement#2026", "first_name": "Nadia", "last_name": "Obame", "role": "recruiter"})
}

async fn create(app: &TestApp, token: Option<&str>, key: &str, body: &Value) -> (u16, Option<String>, Value) {
    let mut request = app.client.post(app.url("/api/v1/auth/create-user")).header("Idempotency-Key", key).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let replayed = response.headers().get("idempotency-replayed").map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), replayed, response.json().await.unwrap())
}

async fn accounts_named(app: &TestApp, token: &str, q: &str) -> u64 {
    app.get_as(token, &format!("/api/v1/users/?q={q}")).await.body["total"].as_u64().unwrap()
}

async fn a_retried_post_replays_the_first_response_and_acts_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let body = recruiter("rh.unique@seeg-gabon.com");
    let (status, replayed, first) = create(&app, Some(&token), "cle-1", &body).await;
    assert_eq!((status, replayed), (200, None), "{first}");
    let (status, replayed, again) = create(&app, Some(&token), "cle-1", &body).await;
    assert_eq!((status, replayed.as_deref()), (200, Some("true")));
    assert_eq!(again, first, "the same body, the same account id");
    assert_eq!(accounts_named(&app, &token, "rh.unique").await, 1, "one account, not two");

    // The same key with another body is refused; a new key runs the request (here: the e-mail is taken).
    let (status, _, refused) = create(&app, Some(&token), "cle-1", &recruiter("autre@seeg-gabon.com")).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("idempotency_key_reused")));
    let (status, _, taken) = create(&app, Some(&token), "cle-2", &body).await;
    assert_eq!((status, taken["code"].as_str()), (400, Some("email_taken")));
}

async fn a_failed_request_releases_its_key_and_keys_belong_to_their_caller(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let other_admin = app.token_for(Role::Admin, "admin2@seeg-gabon.com").await.token;
    let mut bad = recruiter("rh.corrige@seeg-gabon.com");
    bad["password"] = json!("court");
    let (status, _, _) = create(&app, Some(&admin), "cle", &bad).await;
    assert_eq!(status, 422);
    let (status, replayed, _) = create(&app, Some(&admin), "cle", &recruiter("rh.corrige@seeg-gabon.com")).await;
    assert_eq!((status, replayed), (200, None), "the failure did not keep the key");

    // Another caller's identical key is another key: its request runs (and meets the taken e-mail).
    let (status, replayed, body) =
        create(&app, Some(&other_admin), "cle", &recruiter("rh.corrige@seeg-gabon.com")).await;
    assert_eq!((status, replayed, body["code"].as_str()), (400, None, Some("email_taken")));

    let (status, _, body) = create(&app, Some(&admin), &"k".repeat(256), &recruiter("x@seeg-gabon.com")).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("header.Idempotency-Key")));
}

async fn anonymous_requests_ignore_the_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let signup = json!({
        "email": "anonyme@example.com", "password": "Motdepasse#2026", "first_name": "Awa", "last_name": "Mba",
        "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": "externe",
    });
    let send = || app.client.post(app.url("/api/v1/auth/signup")).header("Idempotency-Key", "k").json(&signup).send();
    assert_eq!(send().await.unwrap().status(), 201);
    let second = send().await.unwrap();
    assert_eq!(second.status(), 400, "no replay of someone's response to a key alone");
    assert!(second.headers().get("idempotency-replayed").is_none());
}

/// A session route is never answered from the key store: a spent refresh token sent again with the same key is
/// refused (and its family revoked), not handed a copy of the tokens the first call issued; however the path is
/// written.
async fn session_routes_are_never_replayed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.insert_account(Role::Candidate, "candidate@example.com").await;
    for path in ["/api/v1/auth/refresh", "/api/v1/auth/refr%65sh", "/api/v1/auth/refresh/"] {
        let session = app.log_in("candidate@example.com").await;
        let (access, refresh) = (session.access_token.as_str(), session.refresh_token.as_str());
        let send = || {
            app.client
                .post(app.url(path))
                .bearer_auth(access)
                .header("Idempotency-Key", "meme-cle")
                .json(&json!({ "refresh_token": refresh }))
                .send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 200, "{path}");
        let again = send().await.unwrap();
        assert!(again.headers().get("idempotency-replayed").is_none(), "{path}: tokens never replayed");
        assert_eq!(again.status(), 401, "{path}: a spent refresh token is refused");
    }
}

/// A key is bound to the route it was first sent to, and the caller is recognised whatever the case of the
/// `Bearer` scheme (as authentication itself does).
async fn a_key_belongs_to_its_route_and_to_any_spelling_of_bearer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let body = recruiter("rh.route@seeg-gabon.com");
    let (status, _, _) = create(&app, Some(&token), "cle-route", &body).await;
    assert_eq!(status, 200);
    let elsewhere = app
        .client
        .post(app.url("/api/v1/jobs/"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "cle-route")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(elsewhere.headers().get("idempotency-replayed").is_none(), "another route's answer is never replayed");
    let refused: Value = elsewhere.json().await.unwrap();
    assert_eq!(refused["code"].as_str(), Some("idempotency_key_reused"), "{refused}");

    let shouted = |key: &'static str, body: Value| {
        app.client
            .post(app.url("/api/v1/auth/create-user"))
            .header("Authorization", format!("BEARER {token}"))
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let first = shouted("cle-casse", recruiter("rh.casse@seeg-gabon.com")).await.unwrap();
    assert_eq!(first.status(), 200);
    let again = shouted("cle-casse", recruiter("rh.casse@seeg-gabon.com")).await.unwrap();
    assert_eq!(
        (again.status().as_u16(), again.headers().get("idempotency-replayed").map(|v| v.to_str().unwrap().to_owned())),
        (200, Some("true".to_owned())),
        "the key is kept for an upper-case scheme too"
    );
}

on_backends!(Sqlite, Postgres =>
    a_key_belongs_to_its_route_and_to_any_spelling_of_bearer,
    session_routes_are_never_replayed,
    a_retried_post_replays_the_first_response_and_acts_once,
    a_failed_request_releases_its_key_and_keys_belong_to_their_caller,
    anonymous_requests_ignore_the_key,
);
