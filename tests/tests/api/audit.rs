//! `GET /api/v1/audit` (B2): logins and administrators' changes show up with who, what, which record and the
//! request that caused them; filters narrow; only administrators read it; no personal value ever appears.

use seeg_domain::identity::Role;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::accounts::SignedIn;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

/// GET the trail as `token`: status, `X-Total-Count`, body text and parsed body.
async fn audit(app: &TestApp, token: &str, query: &str) -> (u16, Option<String>, String, Value) {
    let response = app.client.get(app.url(&format!("/api/v1/audit{query}"))).bearer_auth(token).send().await.unwrap();
    let status = response.status().as_u16();
    let total = response.headers().get("x-total-count").map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap();
    (status, total, text, body)
}

/// A login attempt; the request id the service gave it.
async fn login(app: &TestApp, email: &str, password: &str) -> (u16, String) {
    let attempt = app.attempt_login(email, password).await;
    (attempt.status, attempt.header("x-request-id").unwrap().to_owned())
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"].to_str().unwrap().to_owned()
}

fn events(body: &Value) -> &Vec<Value> {
    body["data"].as_array().unwrap()
}

/// The one event caused by the request `request_id`.
fn caused_by<'a>(body: &'a Value, request_id: &str) -> &'a Value {
    let found: Vec<&Value> = events(body).iter().filter(|e| e["request_id"] == request_id).collect();
    assert_eq!(found.len(), 1, "one event for request {request_id}: {body}");
    found[0]
}

async fn logins_and_account_changes_are_traced_to_their_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: admin, token: admin_token } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let candidate = app.token_for(Role::Candidate, "awa.mba@example.com").await.user;

    let (status, succeeded) = login(&app, "awa.mba@example.com", PASSWORD).await;
    assert_eq!(status, 200);
    let (status, wrong_password) = login(&app, "awa.mba@example.com", "Mauvais#2026").await;
    assert_eq!(status, 401);
    let (status, unknown) = login(&app, "personne@example.com", PASSWORD).await;
    assert_eq!(status, 401);
    let changed = app
        .client
        .put(app.url(&format!("/api/v1/users/{}", candidate.id)))
        .bearer_auth(&admin_token)
        .json(&json!({"role": "recruiter", "matricule": 4242}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let update = request_id(&changed);

    let (status, total, text, body) = audit(&app, &admin_token, "").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    let listed = events(&body).len();
    assert_eq!(listed, 6, "two logins of token_for, one success, two failures, one change: {body}");
    assert_eq!((body["total"].as_u64(), total.as_deref()), (Some(6), Some("6")));
    assert_eq!((body["skip"].as_u64(), body["limit"].as_u64()), (Some(0), Some(100)));
    assert_eq!(body["message"], "6 événement(s) d'audit");

    let candidate_id = candidate.id.to_string();
    let event = caused_by(&body, &succeeded);
    assert_eq!(event["action"], "auth.login.succeeded");
    assert_eq!(event["actor_id"], candidate_id);
    assert_eq!((event["target_type"].as_str(), event["target_id"].as_str()), (Some("user"), Some(&*candidate_id)));
    for failed in [&wrong_password, &unknown] {
        let event = caused_by(&body, failed);
        assert_eq!(event["action"], "auth.login.failed");
        assert_eq!(event["actor_id"], Value::Null, "an anonymous attempt names nobody");
        assert_eq!(event["target_id"], Value::Null);
    }
    let event = caused_by(&body, &update);
    assert_eq!(event["action"], "user.updated");
    assert_eq!(event["actor_id"], admin.id.to_string());
    assert_eq!((event["target_type"].as_str(), event["target_id"].as_str()), (Some("user"), Some(&*candidate_id)));
    assert_eq!(event["changed_fields"], json!(["role", "matricule"]));
    assert_eq!(events(&body)[0], *event, "newest first");
    let time = event["occurred_at"].as_str().unwrap();
    assert!(time.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(time).is_ok(), "F2: {time}");

    for personal in ["@", "awa", "Awa", "mba", "Prénom", "Nom", "personne", "Mauvais", PASSWORD, ":4242"] {
        assert!(!text.contains(personal), "{personal:?} in the audit trail: {text}");
    }
}

async fn filters_and_pages_narrow_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: admin, token } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let candidate = app.token_for(Role::Candidate, "awa.mba@example.com").await.user;
    for _ in 0..3 {
        assert_eq!(login(&app, "awa.mba@example.com", "Mauvais#2026").await.0, 401);
    }
    let candidate_id = candidate.id.to_string();
    let cases = [
        (format!("?actor_id={}", admin.id), 1),
        (format!("?actor_id={candidate_id}"), 1),
        ("?action=auth.login.failed".to_owned(), 3),
        ("?action=auth.login".to_owned(), 0),
        ("?action=auth.login.succeeded&target_type=user".to_owned(), 2),
        (format!("?target_type=user&target_id={candidate_id}"), 1),
        ("?target_type=offer".to_owned(), 0),
        ("?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00%2B01:00".to_owned(), 5),
        ("?to=2000-01-01T00:00:00Z".to_owned(), 0),
        ("?from=2100-01-01T00:00:00Z".to_owned(), 0),
    ];
    for (query, expected) in cases {
        let (status, total, _, body) = audit(&app, &token, &query).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(body["total"].as_u64(), Some(expected), "{query}: {body}");
        assert_eq!(total.as_deref(), Some(expected.to_string().as_str()), "{query}");
        assert_eq!(events(&body).len() as u64, expected, "{query}");
    }

    let (_, _, _, everything) = audit(&app, &token, "").await;
    let (_, total, _, page) = audit(&app, &token, "?skip=1&limit=2").await;
    assert_eq!(total.as_deref(), Some("5"), "the true total, not the page size");
    assert_eq!(events(&page)[..], events(&everything)[1..3]);
    assert_eq!((page["skip"].as_u64(), page["limit"].as_u64()), (Some(1), Some(2)));
    assert_eq!(page["message"], "2 événement(s) d'audit");
    // The newest event's instant as `from` keeps it (inclusive); as `to` it excludes it (exclusive).
    let newest = events(&everything)[0]["occurred_at"].as_str().unwrap().replace('+', "%2B");
    let (_, _, _, since) = audit(&app, &token, &format!("?from={newest}")).await;
    assert!(events(&since).iter().any(|e| e["id"] == events(&everything)[0]["id"]));
    let (_, _, _, before) = audit(&app, &token, &format!("?to={newest}")).await;
    assert!(events(&before).iter().all(|e| e["id"] != events(&everything)[0]["id"]));
}

async fn bad_parameters_are_422_naming_each_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let (status, _, _, body) =
        audit(&app, &token, "?actor_id=42&from=hier&to=2026-02-30T00:00:00Z&skip=-1&limit=501").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "validation_error");
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["query.actor_id", "query.from", "query.to", "query.skip", "query.limit"]);
    for query in ["?limit=0", "?limit=dix", "?action=a%00b"] {
        let (status, _, _, body) = audit(&app, &token, query).await;
        assert_eq!(status, 422, "{query}: {body}");
    }
    let (status, _, _, body) = audit(&app, &token, "?limit=500&skip=0").await;
    assert_eq!(status, 200, "{body}");
}

async fn only_administrators_read_the_trail(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (role, email) in [
        (Role::Recruiter, "rh@seeg-gabon.com"),
        (Role::Observer, "obs@seeg-gabon.com"),
        (Role::Candidate, "awa.mba@example.com"),
    ] {
        let token = app.token_for(role, email).await.token;
        let (status, total, text, body) = audit(&app, &token, "").await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{}", role.as_str());
        assert_eq!(total, None);
        assert!(!text.contains("auth.login"), "nothing of the trail leaks");
    }
    let anonymous = app.get("/api/v1/audit").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["www-authenticate"], "Bearer");
    let (status, _, _, body) = audit(&app, "pas-un-jeton", "").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("invalid_token")));
}

on_backends!(Sqlite, Postgres =>
    logins_and_account_changes_are_traced_to_their_request,
    filters_and_pages_narrow_the_trail,
    bad_parameters_are_422_naming_each_field,
    only_administrators_read_the_trail,
);
