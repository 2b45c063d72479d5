//! Rate limits (S6): a class's quota per client, 429 with `Retry-After` and the `X-RateLimit-*` headers, F1 body.

use seeg_application::outbox::HandlerRegistry;
use seeg_tests::accounts::PASSWORD;
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
    let forged = app.client.get(app.url("/api/v1/public/jobs")).bearer_auth("un-jeton").send().await.unwrap();
    assert_eq!(forged.status(), 429, "a token the server cannot verify is no account: the address's counter");
    let token = sign_up_and_log_in(&app, "compte@example.com").await;
    let verified = app.client.get(app.url("/api/v1/public/jobs")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(verified.status(), 200, "a verified token has its account's own counter");
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

/// Guesses spread over many addresses still meet the account's own failure count (S6 "per client IP and per
/// account"): once the account is over its free failures, every address that already failed on it waits, and a
/// new address gets one try before it waits too.
async fn one_account_is_limited_whatever_the_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["100/minute".to_owned()];
        s.rate_limit.login_failures_free = 3;
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
    // An address that failed before, naming the account in other capitals: the same account, held.
    let refused = attempt("CIBLE@example.com", "10.0.0.1".to_owned()).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert_eq!(header(&refused, "x-ratelimit-limit"), "3");
    assert!(header(&refused, "retry-after").parse::<u64>().unwrap() >= 1);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // A new address: one guess, then held as well.
    assert_eq!(attempt("cible@example.com", "10.0.0.99".to_owned()).await.unwrap().status(), 401);
    assert_eq!(attempt("cible@example.com", "10.0.0.99".to_owned()).await.unwrap().status(), 429);
    // Another account is untouched.
    assert_eq!(attempt("autre@example.com", "10.0.0.1".to_owned()).await.unwrap().status(), 401);
}

/// A candidate signs up and logs in: their access token.
async fn sign_up_and_log_in(app: &TestApp, email: &str) -> String {
    let signup = json!({
        "email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
        "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F",
        "candidate_status": "externe", "no_seeg_email": false,
    });
    let response = app.client.post(app.url("/api/v1/auth/signup")).json(&signup).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "192.0.2.200")
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The class follows the route the router matched, whatever the spelling of the path: percent-encoded
/// unreserved characters and a trailing slash reach the same handler, so they meet the same quota; a double slash
/// matches no route at all.
async fn the_class_follows_the_matched_route_not_the_path_text(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["1/minute".to_owned()];
        s.rate_limit.signup = vec!["1/minute".to_owned()];
        s.rate_limit.upload = vec!["1/minute".to_owned()];
        s.rate_limit.default = vec!["300/minute".to_owned()];
    })
    .await;
    let routes = [
        ("/api/v1/auth/log%69n", "/api/v1/auth/login/"),
        ("/api/v1/auth/%72efresh", "/api/v1/auth/refresh/"),
        ("/api/v1/auth/reset-p%61ssword", "/api/v1/auth/reset-password/"),
        ("/api/v1/auth/verify-m%61tricule", "/api/v1/auth/verify-matricule/"),
        ("/api/v1/auth/ch%61nge-password", "/api/v1/auth/change-password/"),
        ("/api/v1/auth/s%69gnup", "/api/v1/auth/signup/"),
        ("/api/v1/%61pplications", "/api/v1/applications/"),
        (
            "/api/v1/applications/00000000-0000-0000-0000-000000000001/d%6Fcuments",
            "/api/v1/applications/00000000-0000-0000-0000-000000000001/documents/",
        ),
    ];
    for (i, (encoded, trailing)) in routes.iter().enumerate() {
        let address = format!("192.0.2.{i}");
        let send = |path: &str| {
            app.client.post(app.url(path)).header("x-forwarded-for", address.clone()).json(&json!({})).send()
        };
        let first = send(encoded).await.unwrap();
        assert_ne!(first.status(), 429, "{encoded}");
        assert_ne!(first.status(), 404, "{encoded} reaches its route");
        assert_eq!(send(encoded).await.unwrap().status(), 429, "{encoded}");
        assert_eq!(send(trailing).await.unwrap().status(), 429, "{trailing}");
    }
    let doubled = app
        .client
        .post(app.url("/api/v1//auth/login"))
        .header("x-forwarded-for", "192.0.2.100")
        .json(&json!({"email": "x@example.com", "password": "Mauvais#2026xx"}))
        .send()
        .await
        .unwrap();
    assert_eq!(doubled.status(), 404, "a double slash logs nobody in");
}

/// A successful login does not use the account's budget, nor does a reset request: only wrong passwords count.
async fn only_failures_count_against_an_account(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["3/minute".to_owned()];
        s.rate_limit.login_failures_free = 3;
    })
    .await;
    sign_up_and_log_in(&app, "owner@example.com").await;
    let login = |password: &'static str, address: String| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": "owner@example.com", "password": password}))
            .send()
    };
    for i in 0..5 {
        assert_eq!(login(PASSWORD, format!("198.51.100.{i}")).await.unwrap().status(), 200, "login {i}");
    }
    for i in 0..3 {
        let forgot = app
            .client
            .post(app.url("/api/v1/auth/forgot-password"))
            .header("x-forwarded-for", format!("198.51.101.{i}"))
            .json(&json!({"email": "owner@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(forgot.status(), 200);
    }
    assert_eq!(login(PASSWORD, "198.51.100.50".to_owned()).await.unwrap().status(), 200, "resets use their own budget");
    // Two wrong passwords, then the right one: the owner is in, and the count starts again.
    for i in 0..2 {
        assert_eq!(login("Mauvais#2026xx", format!("198.51.102.{i}")).await.unwrap().status(), 401);
    }
    assert_eq!(login(PASSWORD, "198.51.100.51".to_owned()).await.unwrap().status(), 200);
    for i in 0..2 {
        assert_eq!(login("Mauvais#2026xx", format!("198.51.103.{i}")).await.unwrap().status(), 401);
    }
    assert_eq!(login(PASSWORD, "198.51.100.52".to_owned()).await.unwrap().status(), 200);
}

/// An attacker's wrong passwords hold the attacker for a time that grows but is bounded, and never lock the owner
/// out: the owner, signing in from an address that made no wrong guess, is in at once (no targeted lockout).
async fn failures_delay_the_attacker_never_the_owner(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["100/minute".to_owned()];
        s.rate_limit.login_failures_free = 3;
        s.rate_limit.login_delay_max_secs = 2;
    })
    .await;
    sign_up_and_log_in(&app, "admin2@example.com").await;
    let login = |password: &'static str, address: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": "admin2@example.com", "password": password}))
            .send()
    };
    for _ in 0..20 {
        let status = login("Mauvais#2026xx", "203.0.113.1").await.unwrap().status();
        assert!(status == 401 || status == 429, "{status}");
    }
    let held = login(PASSWORD, "203.0.113.1").await.unwrap();
    assert_eq!(held.status(), 429, "within the delay, no password is tried (no oracle)");
    let retry_after: u64 = header(&held, "retry-after").parse().unwrap();
    assert!((1..=2).contains(&retry_after), "bounded by login_delay_max_secs: {retry_after}");
    let body: Value = held.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    assert_eq!(login(PASSWORD, "198.51.100.9").await.unwrap().status(), 200, "the owner is never locked out");
}

/// Wrong passwords sent at once get no more tries than sent one after the other: the delay's check and the
/// reservation of the attempt are one step, attempts in flight counting as the failures they may become. Of 8
/// guesses fired together, only the free failures reach the password check (401); the others are held (429).
async fn parallel_guesses_get_no_more_tries_than_guesses_in_turn(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["100/minute".to_owned()];
        s.rate_limit.login_failures_free = 3;
        // Hashes as slow as in production: the guesses overlap while the first ones are checked.
        s.auth.bcrypt_cost = 12;
    })
    .await;
    sign_up_and_log_in(&app, "parallele@example.com").await;
    let login = |password: &'static str, address: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", address)
            .json(&json!({"email": "parallele@example.com", "password": password}))
            .send()
    };
    let guesses = (0..8).map(|_| login("Mauvais#2026xx", "203.0.113.50"));
    let answers: Vec<reqwest::Response> =
        futures_util::future::join_all(guesses).await.into_iter().map(Result::unwrap).collect();
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 3, "only the free failures are tried: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 5, "{statuses:?}");
    for held in answers.iter().filter(|r| r.status() == 429) {
        assert_eq!(header(held, "x-ratelimit-limit"), "3");
        assert!(header(held, "retry-after").parse::<u64>().unwrap() >= 1);
    }
    assert_eq!(login(PASSWORD, "203.0.113.50").await.unwrap().status(), 429, "held: no password is tried");
    assert_eq!(login(PASSWORD, "198.51.100.60").await.unwrap().status(), 200, "the owner is never locked out");
}

/// The current password of a change is a password guess like a login's: it meets the same account count, so a
/// stolen access token gives no way round the delays.
async fn a_wrong_current_password_counts_like_a_wrong_login(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.1".to_owned()];
        s.rate_limit.auth = vec!["100/minute".to_owned()];
        s.rate_limit.login_failures_free = 2;
    })
    .await;
    let token = sign_up_and_log_in(&app, "changement@example.com").await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/change-password"))
            .header("x-forwarded-for", "203.0.113.60")
            .bearer_auth(&token)
            .json(&json!({"current_password": current, "new_password": "Nouveau#2026mdp"}))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(change("Mauvais#2026xx").await.unwrap().status(), 401);
    }
    let held = change(PASSWORD).await.unwrap();
    assert_eq!(held.status(), 429, "within the delay, no password is tried");
    assert_eq!(header(&held, "x-ratelimit-limit"), "2");
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "203.0.113.60")
        .json(&json!({"email": "changement@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 429, "the same account count as a login's");
    let elsewhere = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "198.51.100.61")
        .json(&json!({"email": "changement@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(elsewhere.status(), 200, "the owner on another address is not held");
}

/// `X-Forwarded-For` names the client only when the peer is a trusted proxy, and then the right-most hop that is
/// not one: a client cannot prepend addresses to get a fresh counter.
async fn a_forged_forwarded_for_gives_no_fresh_counter(backend: Backend) {
    // A new e-mail each time, so that only the address's counter can refuse.
    let sent = std::sync::atomic::AtomicU32::new(0);
    let attempt = |app: &TestApp, forwarded: String| {
        let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", forwarded)
            .json(&json!({"email": format!("x{n}@example.com"), "password": "Mauvais#2026xx"}))
            .send()
    };
    // The peer (127.0.0.1) is not a trusted proxy: the header is ignored.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["10.0.0.0/8".to_owned()];
        s.rate_limit.auth = vec!["2/minute".to_owned()];
    })
    .await;
    for i in 0..2 {
        assert_eq!(attempt(&app, format!("203.0.113.{i}")).await.unwrap().status(), 401);
    }
    assert_eq!(attempt(&app, "203.0.113.77".to_owned()).await.unwrap().status(), 429);
    // Behind a trusted proxy: the right-most untrusted hop, whatever the client wrote before it.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.trusted_proxies = vec!["127.0.0.0/8".to_owned(), "10.0.0.0/8".to_owned()];
        s.rate_limit.auth = vec!["2/minute".to_owned()];
    })
    .await;
    for i in 0..2 {
        assert_eq!(attempt(&app, format!("198.51.100.{i}, 203.0.113.5, 10.1.2.3")).await.unwrap().status(), 401);
    }
    assert_eq!(attempt(&app, "198.51.100.99, 203.0.113.5".to_owned()).await.unwrap().status(), 429);
    assert_eq!(attempt(&app, "203.0.113.6".to_owned()).await.unwrap().status(), 401, "another client");
}

on_backends!(Sqlite, Postgres =>
    the_class_follows_the_matched_route_not_the_path_text,
    only_failures_count_against_an_account,
    failures_delay_the_attacker_never_the_owner,
    parallel_guesses_get_no_more_tries_than_guesses_in_turn,
    a_wrong_current_password_counts_like_a_wrong_login,
    a_forged_forwarded_for_gives_no_fresh_counter,
    one_account_is_limited_whatever_the_address,
    the_fourth_login_attempt_in_a_minute_is_refused_with_429,
    the_default_class_counts_per_account_or_per_address,
    limits_are_off_when_disabled,
    an_unreachable_redis_leaves_each_instance_its_own_limits,
);

/// Two instances on one Redis (O5, `TEST_REDIS_URL`) spend one budget: what one counted, the other refuses.
#[tokio::test]
async fn instances_on_one_redis_share_one_budget() {
    let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.trim().is_empty()) else {
        eprintln!("skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)");
        return;
    };
    let prefix = format!("test:{}:", seeg_application::IdGenerator::new_id(&seeg_application::SystemIds).simple());
    let spawn = || {
        let (url, prefix) = (url.clone(), prefix.clone());
        TestApp::spawn_with(Backend::Sqlite, HandlerRegistry::default(), move |s| {
            s.rate_limit.enabled = true;
            s.rate_limit.auth = vec!["3/minute".to_owned()];
            s.rate_limit.redis_url = secrecy::SecretString::from(url);
            s.rate_limit.redis_key_prefix = prefix;
            // Instances of one deployment share their signing key, which also keys the names written in Redis.
            s.auth.secret_key = secrecy::SecretString::from("cle-de-signature-commune-aux-instances-32".to_owned());
        })
    };
    let (first, second) = (spawn().await, spawn().await);
    let attempt = |app: &TestApp| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "x@example.com", "password": "Mauvais#2026xx"}))
            .send()
    };
    for (app, remaining) in [(&first, "2"), (&second, "1"), (&first, "0")] {
        let response = attempt(app).await.unwrap();
        assert_eq!(response.status(), 401);
        assert_eq!(header(&response, "x-ratelimit-remaining"), remaining);
    }
    assert_eq!(attempt(&second).await.unwrap().status(), 429, "the other instance counted the first's");
    assert_eq!(attempt(&first).await.unwrap().status(), 429);
    let readiness: Value =
        first.client.get(first.url("/monitoring/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(readiness["services"]["rate_limits"], "shared");
}

/// A Redis that does not answer: limits per instance meanwhile (never none), and the instance stays ready.
async fn an_unreachable_redis_leaves_each_instance_its_own_limits(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.rate_limit.enabled = true;
        s.rate_limit.auth = vec!["2/minute".to_owned()];
        s.rate_limit.redis_url = secrecy::SecretString::from("redis://127.0.0.1:1".to_owned());
    })
    .await;
    let attempt = || {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "x@example.com", "password": "Mauvais#2026xx"}))
            .send()
    };
    assert_eq!(attempt().await.unwrap().status(), 401);
    assert_eq!(attempt().await.unwrap().status(), 401);
    assert_eq!(attempt().await.unwrap().status(), 429, "counted in the process");
    let readiness = app.client.get(app.url("/monitoring/health")).send().await.unwrap();
    assert_eq!(readiness.status(), 200);
    let body: Value = readiness.json().await.unwrap();
    assert_eq!(body["services"]["rate_limits"], "shared", "configuration only: whether Redis answers is not public");
}
