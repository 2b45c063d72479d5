//! Issue 17: `GET /monitoring/metrics` of a real `seeg serve` process (its recorder is the process's own), read
//! with a parser of the Prometheus text format: who may read it, and that the series move with what happens —
//! requests by route template and status, logins, applications by status, the outbox, the pool, the process.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly
#![allow(clippy::float_cmp)] // the series compared are counts, whole numbers a float holds exactly

use std::path::Path;

use prometheus_parse::{Sample, Scrape, Value};
use seeg_application::{IdGenerator as _, SystemIds};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::binary::{Serving, free_port, in_folders, signing_app};
use seeg_tests::eventually::eventually;
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_seeg");
const SCRAPE_TOKEN: &str = "jeton-de-collecte-prometheus-assez-long-0123456789";

async fn serve(dir: &Path, url: &str, key: &str) -> Serving {
    let port = free_port();
    let mut command = seeg_tests::binary::serve(BIN, dir, port, url);
    in_folders(&mut command, dir)
        .env("APP__AUTH__SECRET_KEY", key)
        .env("APP__MONITORING__SCRAPE_TOKEN", SCRAPE_TOKEN)
        .env("APP__DATABASE__MAX_CONNECTIONS", "7")
        .env("APP__LAKE__KIND", "local")
        .env("APP__LAKE__PATH", dir.join("lake"));
    Serving::start(command, port, dir.join("server.log")).await
}

/// The exposition read with `bearer`, parsed; the raw text too.
async fn scrape(server: &Serving, bearer: &str) -> (Scrape, String) {
    let response = reqwest::Client::new()
        .get(format!("{}/monitoring/metrics", server.base))
        .bearer_auth(bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", server.output());
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let text = response.text().await.unwrap();
    let parsed = Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
    (parsed, text)
}

/// The sample of `metric` whose labels include every pair of `labels`.
fn sample<'a>(scrape: &'a Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    scrape.samples.iter().find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
}

/// The value of a counter or a gauge (0 when the series does not exist yet).
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    match sample(scrape, metric, labels).map(|s| &s.value) {
        None => 0.0,
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        Some(other) => panic!("{metric}: not a number: {other:?}"),
    }
}

async fn the_metrics_move_with_what_happens_and_only_admins_and_the_scraper_read_them(backend: Backend) {
    let (app, key) = signing_app(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "awa.ndong@example.com").await.token;
    let db = app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &db.url, &key).await;
    let client = reqwest::Client::new();
    let get = |bearer: Option<&str>| {
        let request = client.get(format!("{}/monitoring/metrics", server.base));
        match bearer {
            Some(bearer) => request.bearer_auth(bearer),
            None => request,
        }
        .send()
    };

    // Who may read: an admin's token or the scrape token; nobody else.
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("pas-le-bon-jeton")).await.unwrap().status(), 401);
    assert_eq!(get(Some(&format!("{SCRAPE_TOKEN}x"))).await.unwrap().status(), 401);
    for refused in [&recruiter, &candidate] {
        let response = get(Some(refused)).await.unwrap();
        assert_eq!(response.status(), 403);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["code"], "forbidden", "{body}");
    }
    let (by_admin, _) = scrape(&server, &admin).await;
    let (before, _) = scrape(&server, SCRAPE_TOKEN).await;

    // What happens: three liveness calls, an unknown route, a failed and a successful login.
    for _ in 0..3 {
        assert_eq!(client.get(format!("{}/health", server.base)).send().await.unwrap().status(), 200);
    }
    let missing = client.get(format!("{}/api/v1/pas-une-route/123", server.base)).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let login = |password: &'static str| {
        client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&json!({"email": "awa.ndong@example.com", "password": password}))
            .send()
    };
    assert_eq!(login("mauvais-mot-de-passe").await.unwrap().status(), 401);
    assert_eq!(login(PASSWORD).await.unwrap().status(), 200);
    let (after, text) = scrape(&server, SCRAPE_TOKEN).await;

    let health = [("method", "GET"), ("route", "/health"), ("status", "200")];
    assert_eq!(
        value(&after, "seeg_http_requests_total", &health) - value(&before, "seeg_http_requests_total", &health),
        3.0
    );
    let unmatched = [("route", "unmatched"), ("status", "404")];
    assert!(value(&after, "seeg_http_requests_total", &unmatched) >= 1.0, "{text}");
    assert!(!text.contains("pas-une-route"), "a path never becomes a label, only the route's template: {text}");
    let login_route = [("method", "POST"), ("route", "/api/v1/auth/login")];
    match &sample(&after, "seeg_http_request_duration_seconds", &login_route).expect("login durations").value {
        Value::Histogram(buckets) => {
            let total = buckets.iter().map(|b| b.count).fold(0.0, f64::max);
            assert!(total >= 2.0, "{buckets:?}");
            assert!(buckets.iter().any(|b| (b.less_than - 0.005).abs() < 1e-9), "the configured buckets: {buckets:?}");
        }
        other => panic!("durations are a histogram: {other:?}"),
    }
    for (outcome, moved) in [("failed", 1.0), ("ok", 1.0), ("refused", 0.0)] {
        let labels = [("outcome", outcome)];
        let delta = value(&after, "seeg_logins_total", &labels) - value(&before, "seeg_logins_total", &labels);
        assert_eq!(delta, moved, "logins {outcome}");
    }

    // States read at scrape time.
    for status in
        ["candidature", "incubation", "entretien_programme", "simulation_programmee", "embauche", "refuse", "retiree"]
    {
        assert_eq!(value(&after, "seeg_applications", &[("status", status)]), 0.0, "{status}");
        assert!(sample(&after, "seeg_applications", &[("status", status)]).is_some(), "{status} is listed at 0");
    }
    assert_eq!(value(&after, "seeg_db_pool_max_connections", &[]), 7.0);
    let in_use = value(&after, "seeg_db_pool_connections", &[("state", "in_use")]);
    let idle = value(&after, "seeg_db_pool_connections", &[("state", "idle")]);
    assert!(in_use + idle >= 1.0 && in_use + idle <= 7.0, "in use {in_use}, idle {idle}");
    assert!(sample(&after, "seeg_outbox_pending", &[]).is_some(), "{text}");
    assert!(value(&after, "process_resident_memory_bytes", &[]) > 1_000_000.0);
    assert!(value(&after, "process_open_fds", &[]) >= 3.0);
    assert!(value(&after, "seeg_process_cpu_seconds", &[]) > 0.0);
    assert_eq!(value(&after, "seeg_monitoring_snapshot_ok", &[]), 1.0);
    assert!(sample(&by_admin, "seeg_applications", &[]).is_some(), "an admin reads the same series");

    // No personal data, no secret.
    for secret in ["awa.ndong", "example.com", "admin@seeg-gabon.com", SCRAPE_TOKEN, key.as_str()] {
        assert!(!text.contains(secret), "{secret} in the metrics");
    }
}

async fn an_application_moves_its_status_series_and_its_e_mail_the_outbox_series(backend: Backend) {
    let (app, key) = signing_app(backend).await;
    let candidate = app.token_for(Role::Candidate, "awa.ndong@example.com").await.token;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let db = app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &db.url, &key).await;
    let (before, _) = scrape(&server, SCRAPE_TOKEN).await;
    let submitted = reqwest::Client::new()
        .post(format!("{}/api/v1/applications/", server.base))
        .bearer_auth(&candidate)
        .json(&submission_body(&offer, "Awa"))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 201, "{}", server.output());

    // The submission's side effects (its e-mail, its export) run in this process's relay.
    let after = eventually("the outbox drained", async || {
        let (now, _) = scrape(&server, SCRAPE_TOKEN).await;
        let ran = value(&now, "seeg_email_attempts_total", &[("outcome", "sent")]) >= 1.0;
        (ran && value(&now, "seeg_outbox_pending", &[]) == 0.0).then_some(now)
    })
    .await;
    let candidature = [("status", "candidature")];
    assert_eq!(value(&before, "seeg_applications", &candidature), 0.0);
    assert_eq!(value(&after, "seeg_applications", &candidature), 1.0);
    let runs = |scrape: &Scrape| -> f64 {
        scrape
            .samples
            .iter()
            .filter(|s| s.metric == "seeg_outbox_runs_total" && s.labels.get("outcome") == Some("done"))
            .map(|s| if let Value::Counter(v) = s.value { v } else { 0.0 })
            .sum()
    };
    assert!(runs(&after) - runs(&before) >= 2.0, "the e-mail and the export ran");
    assert_eq!(value(&after, "seeg_outbox_oldest_pending_age_seconds", &[]), 0.0);
    assert_eq!(value(&after, "seeg_outbox_dead", &[]), 0.0);
}

/// The counters are this process's own: when the database cannot give the states, they are still served, with
/// `seeg_monitoring_snapshot_ok` 0 (an exhausted pool or a database down is when operators need them most).
async fn the_counters_are_served_when_the_states_cannot_be_read(backend: Backend) {
    let key = format!("{}{}", SystemIds.new_id().simple(), SystemIds.new_id().simple());
    let app = TestApp::spawn(backend).await;
    let db = app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let server = serve(dir.path(), &db.url, &key).await;
    let sql = sea_orm::Database::connect(&db.url).await.unwrap();
    let rename = async |from: &str, to: &str| {
        use sea_orm::ConnectionTrait as _;
        sql.execute_unprepared(&format!("ALTER TABLE {from} RENAME TO {to}")).await.unwrap();
    };
    rename("outbox_events", "outbox_events_away").await;
    let (broken, text) = scrape(&server, SCRAPE_TOKEN).await;
    assert_eq!(value(&broken, "seeg_monitoring_snapshot_ok", &[]), 0.0, "{text}");
    let scrapes = [("method", "GET"), ("route", "/monitoring/metrics"), ("status", "200")];
    assert!(value(&broken, "seeg_http_requests_total", &scrapes) >= 0.0);
    assert!(value(&broken, "process_resident_memory_bytes", &[]) > 0.0, "{text}");
    rename("outbox_events_away", "outbox_events").await;
    let (mended, _) = scrape(&server, SCRAPE_TOKEN).await;
    assert_eq!(value(&mended, "seeg_monitoring_snapshot_ok", &[]), 1.0);
    assert!(value(&mended, "seeg_http_requests_total", &scrapes) >= 1.0, "the broken scrape was counted");
    sql.close().await.unwrap();
}

on_backends!(Sqlite, Postgres =>
    the_counters_are_served_when_the_states_cannot_be_read,
    the_metrics_move_with_what_happens_and_only_admins_and_the_scraper_read_them,
    an_application_moves_its_status_series_and_its_e_mail_the_outbox_series,
);
