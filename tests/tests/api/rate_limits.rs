//! Rate limits (S6): a class's quota per client, 429 with `Retry-After` and the `X-RateLimit-*` headers, F1 body.

use seeg_application::outbox::HandlerRegistry;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

async fn limited(backend: Backend, auth: &[&str], default: &[&str]) -> TestApp {
    let (auth, default): (Vec<String>, Vec<String>) =
        (auth.iter().map(|q| (*q).to_owned()).collect(), default.iter().map(|q| (*q).to_owned()).collect());
    TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.auth = auth;
        s.rate_limit.default = default;
    })
    .await
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

async fn the_fourth_login_attempt_in_a_minute_is_refused_with_429(backend: Backend) {
    let app = limited(backend, &["3/minute", "20/hour"], &["300/minute"]).await;
    let attempt = || {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "x@example.com", "password": "Mauvais#2026xx"}))
            .send()
    };
    for remaining in ["2", "1", "0"] {
        let response = attempt().await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(
            (header(&response, "x-ratelimit-limit"), header(&response, "x-ratelimit-remaining")),
            ("3".into(), remaining.into())
        );
    }
    let refused = attempt().await.unwrap();
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = header(&refused, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&refused, "x-ratelimit-remaining"), "0");
    assert_eq!(header(&refused, "x-ratelimit-reset"), retry_after.to_string());
    assert_eq!(header(&refused, "x-content-type-options"), "nosniff");
    let request_id = header(&refused, "x-request-id");
    let body: Value = refused.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["status"].as_i64()), (Some("rate_limited"), Some(429)));
    assert_eq!(body["request_id"], request_id);
    assert_eq!(app.get("/api/v1/public/jobs").await.status(), 200, "other classes keep their own counters");
}

async fn the_default_class_counts_per_account_or_per_address(backend: Backend) {
    let app = limited(backend, &["5/minute"], &["2/minute"]).await;
    for _ in 0..2 {
        assert_eq!(app.get("/api/v1/public/jobs").await.status(), 200);
    }
    assert_eq!(app.get("/api/v1/public/jobs").await.status(), 429, "per address without a token");
    let with_token = app.client.get(app.url("/api/v1/public/jobs")).bearer_auth("un-jeton").send().await.unwrap();
    assert_eq!(with_token.status(), 200, "a presented token has its own counter");
}

async fn limits_are_off_when_disabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for _ in 0..30 {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "x@example.com", "password": "Mauvais#2026xx"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("x-ratelimit-limit").is_none());
    }
}

/// Guesses spread over many addresses still meet the account's own quota (S6 "per client IP and per account").
async fn one_account_is_limited_whatever_the_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trust_proxy_headers = true;
        s.rate_limit.auth = vec!["3/minute".to_owned()];
    })
    .await;
    let attempt = |email: &'static str, address: String| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": email, "password": "Mauvais#2026xx"}))
            .send()
    };
    for i in 0..3 {
        assert_eq!(attempt("cible@example.com", format!("10.0.0.{i}")).await.unwrap().status(), 401);
    }
    // Another address, and the address of the account the e-mail names in other capitals: the same account.
    let refused = attempt("CIBLE@example.com", "10.0.0.99".to_owned()).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-limit"), "3");
    assert!(header(&refused, "retry-after").parse::<u64>().unwrap() >= 1);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // The forgot-password form counts for the same account; another account is untouched.
    let forgot = app
        .client
        .post(app.url("/api/v1/auth/forgot-password"))
        .header("x-forwarded-for", "10.0.1.1")
        .json(&json!({"email": "cible@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forgot.status(), 429);
    assert_eq!(attempt("autre@example.com", "10.0.0.1".to_owned()).await.unwrap().status(), 401);
}

on_backends!(Sqlite, Postgres =>
    one_account_is_limited_whatever_the_address,
    the_fourth_login_attempt_in_a_minute_is_refused_with_429,
    the_default_class_counts_per_account_or_per_address,
    limits_are_off_when_disabled,
);
