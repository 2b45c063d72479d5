//! What every response carries (S13, F1, K1): request ids, security headers, JSON errors, both slash forms, CORS.

use seeg_application::outbox::HandlerRegistry;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::http::Answer;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::json;

const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "1; mode=block"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
];

async fn every_response_has_a_request_id_and_the_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut seen = std::collections::HashSet::new();
    let requests = [
        (reqwest::Method::GET, "/api/v1/public/jobs", 200),
        (reqwest::Method::GET, "/health", 200),
        (reqwest::Method::GET, "/nowhere", 404),
        (reqwest::Method::DELETE, "/api/v1/public/jobs", 405),
        (reqwest::Method::GET, "/api/v1/public/jobs?limit=0", 422),
        (reqwest::Method::GET, "/api/v1/public/jobs/6f1c1f7e-2b5d-4a8e-9d6b-0c7a1e2f3a4b", 404),
    ];
    for (method, path, status) in requests {
        let response = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{method} {path}");
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{method} {path}: request id {id}");
        assert!(seen.insert(id.clone()), "request ids are fresh per request");
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(response.headers()[name], value, "{method} {path}: {name}");
        }
        if status >= 400 {
            assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["request_id"], id, "the body quotes the header's request id");
            assert_eq!(body["status"], status);
        }
    }
}

/// Tokens, profiles and documents are never kept by a browser or a proxy; the documentation's script may be.
async fn personal_answers_are_not_cached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Candidate, "cache@example.com").await.token;
    let job = app.open_offer("Technicien", OfferVisibility::Everyone).await;
    let id = app.submit(&token, &job, "cache").await.id.to_string();
    let listed = app.client.get(app.url(&format!("/api/v1/applications/{id}/documents"))).bearer_auth(&token);
    let documents: serde_json::Value = listed.send().await.unwrap().json().await.unwrap();
    let document = documents["data"][0]["id"].as_str().unwrap().to_owned();
    let login = json!({"email": "cache@example.com", "password": PASSWORD});
    let requests = [
        ("login", app.client.post(app.url("/api/v1/auth/login")).json(&login), 200),
        ("me", app.client.get(app.url("/api/v1/auth/me")).bearer_auth(&token), 200),
        ("refused", app.client.get(app.url("/api/v1/users/me")), 401),
        ("application", app.client.get(app.url(&format!("/api/v1/applications/{id}"))).bearer_auth(&token), 200),
        (
            "download",
            app.client
                .get(app.url(&format!("/api/v1/applications/{id}/documents/{document}/download")))
                .bearer_auth(&token),
            200,
        ),
    ];
    for (what, request, status) in requests {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{what}");
    }
    let script = app.get("/redoc/redoc.standalone.js").await;
    assert_eq!(script.headers()["cache-control"], "public, max-age=86400", "a route's own policy is kept");
}

async fn unknown_routes_and_methods_get_the_f1_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Answer { status, body, .. } = app.get_json("/api/v1/nothing/here").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "route_not_found");
    assert_eq!(body["detail"], "La ressource demandée n'a pas été trouvée");

    let response = app.client.post(app.url("/api/v1/public/jobs/count")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "detail, code, status, request_id: {keys:?}");
}

async fn routes_answer_with_and_without_a_trailing_slash(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sample = offer("Offre unique", 0);
    app.insert_offers(std::slice::from_ref(&sample)).await;
    let detail = format!("/api/v1/public/jobs/{}", sample.id);
    for path in ["/api/v1/public/jobs", "/api/v1/public/jobs/count", detail.as_str(), "/health", "/monitoring/health"] {
        let bare = app.get(path).await;
        let slashed = app.get(&format!("{path}/")).await;
        assert_eq!(bare.status(), 200, "{path}");
        assert_eq!(slashed.status(), 200, "{path}/ (no redirect)");
        if path.starts_with("/api") {
            let (a, b): (serde_json::Value, serde_json::Value) =
                (bare.json().await.unwrap(), slashed.json().await.unwrap());
            assert_eq!(a, b, "{path}");
        }
    }
}

async fn cors_allows_configured_origins_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.http.allowed_origins = vec!["https://www.seeg-talentsource.com".into()];
    })
    .await;
    let allowed = app
        .client
        .get(app.url("/api/v1/public/jobs"))
        .header("Origin", "https://www.seeg-talentsource.com")
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://www.seeg-talentsource.com");
    let exposed = allowed.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    assert!(exposed.contains("x-total-count"), "{exposed}");

    let foreign =
        app.client.get(app.url("/api/v1/public/jobs")).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
    assert_eq!(foreign.headers()["x-content-type-options"], "nosniff");

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/public/jobs"))
        .header("Origin", "https://www.seeg-talentsource.com")
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "https://www.seeg-talentsource.com");
}

on_backends!(Sqlite, Postgres =>
    personal_answers_are_not_cached,
    every_response_has_a_request_id_and_the_security_headers,
    unknown_routes_and_methods_get_the_f1_body,
    routes_answer_with_and_without_a_trailing_slash,
    cors_allows_configured_origins_only,
    a_nul_character_in_text_is_refused_not_a_500,
);

/// A NUL character (`\u0000` in JSON, `%00` in a query or a form) is text no PostgreSQL column may hold: wherever
/// text comes in, it is refused with the F1 body, never a 500 from the store nor stored on SQLite.
async fn a_nul_character_in_text_is_refused_not_a_500(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for(Role::Admin, "nul-admin@example.com").await.token;
    let candidate = app.token_for(Role::Candidate, "nul-candidat@example.com").await.token;
    let nul = "a\u{0}b";
    let job = app.open_offer("Offre NUL", OfferVisibility::Everyone).await;
    let mut references = seeg_tests::submissions::submission_body(&job, "nul");
    references["ref_fullname"] = json!(nul);
    references["reference_contacts"] = json!(nul);
    let mut answers = seeg_tests::submissions::submission_body(&job, "nul réponses");
    answers["mtp_answers"] = json!({"reponses_metier": [nul]});
    let second = app.token_for(Role::Candidate, "nul-second@example.com").await.token;
    answers["mtp_answers"] = json!({"reponses_metier": [nul, "b"], "reponses_talent": ["c"]});
    let deadline =
        (seeg_application::Clock::now(&seeg_application::SystemClock) + chrono::TimeDelta::days(30)).to_rfc3339();
    let offer_with = |field: &str, value: serde_json::Value| {
        let mut body = json!({
            "title": "Technicien réseau", "description": "Exploiter le réseau.", "location": "Libreville",
            "contract_type": "cdd", "offer_status": "externe", "application_deadline": deadline,
            "questions_mtp": {"questions_metier": ["Métier ?"]},
        });
        body[field] = value;
        body
    };
    let signup = json!({
        "email": "nul-inscrit@example.com", "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
        "phone": nul, "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": "externe",
        "no_seeg_email": false, "adresse": nul, "poste_actuel": nul,
    });
    let cases: Vec<(reqwest::Method, String, Option<&str>, Option<serde_json::Value>)> = vec![
        (reqwest::Method::POST, "/api/v1/auth/login".into(), None, Some(json!({"email": nul, "password": PASSWORD}))),
        (reqwest::Method::POST, "/api/v1/auth/forgot-password".into(), None, Some(json!({"email": nul}))),
        (reqwest::Method::POST, "/api/v1/auth/verify-matricule".into(), None, Some(json!({"matricule": nul}))),
        (reqwest::Method::PUT, "/api/v1/users/me".into(), Some(&candidate), Some(json!({"first_name": nul}))),
        (reqwest::Method::POST, "/api/v1/jobs/".into(), Some(&admin), Some(json!({"title": nul}))),
        (reqwest::Method::GET, "/api/v1/public/jobs?location=a%00b".into(), None, None),
        (reqwest::Method::GET, "/api/v1/users/?q=a%00b".into(), Some(&admin), None),
        (reqwest::Method::GET, "/api/v1/jobs/?q=a%00b".into(), Some(&admin), None),
        (reqwest::Method::GET, "/api/v1/applications/?q=a%00b".into(), Some(&admin), None),
        (reqwest::Method::POST, "/api/v1/applications/".into(), Some(&candidate), Some(references)),
        (reqwest::Method::POST, "/api/v1/applications/".into(), Some(&second), Some(answers)),
        (reqwest::Method::POST, "/api/v1/jobs/".into(), Some(&admin), Some(offer_with("description", json!(nul)))),
        (reqwest::Method::POST, "/api/v1/jobs/".into(), Some(&admin), Some(offer_with("department", json!(nul)))),
        (reqwest::Method::POST, "/api/v1/jobs/".into(), Some(&admin), Some(offer_with("requirements", json!([nul])))),
        (
            reqwest::Method::POST,
            "/api/v1/jobs/".into(),
            Some(&admin),
            Some(offer_with("questions_mtp", json!({"questions_metier": [nul]}))),
        ),
        (reqwest::Method::POST, "/api/v1/auth/signup".into(), None, Some(signup)),
        (
            reqwest::Method::PUT,
            "/api/v1/users/me/profile".into(),
            Some(&candidate),
            Some(json!({"skills": [nul], "education": nul, "address": nul})),
        ),
    ];
    for (method, path, token, body) in cases {
        let mut request = app.client.request(method.clone(), app.url(&path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let answer: serde_json::Value = response.json().await.unwrap_or_default();
        assert!(status < 500, "{method} {path}: {status} {answer}");
        assert_eq!(answer["status"], status, "{method} {path}: the F1 body {answer}");
        if body.is_some() && path != "/api/v1/auth/login" {
            // Every JSON body, whatever its route and fields, before any handler reads it.
            assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body")), "{method} {path}");
        } else {
            assert!((400..500).contains(&status), "{method} {path}: {status} {answer}");
        }
    }
    // A multipart form's text part.
    let form = reqwest::multipart::Form::new().text("job_offer_id", job.id.to_string()).text("ref_fullname", nul);
    let response =
        app.client.post(app.url("/api/v1/applications/")).bearer_auth(&second).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body.ref_fullname")), "{answer}");
    assert!(answer["errors"][0]["message"].as_str().unwrap().contains("caractère nul"), "{answer}");
}
