//! Scale-out (issue 17, O6): three real `seeg serve` processes on loopback share one PostgreSQL database, one
//! Azurite (documents and data lake, containers of this test) and one e-mail folder, each with its outbox relay.
//! A client spreads submissions round-robin over them; then:
//! - every submission is accepted once (one 201 each, one application row each);
//! - every outbox event is `done`, none dead, and the three relays together recorded exactly one successful run
//!   per event (their `seeg_outbox_runs_total` summed);
//! - each side effect happened once: each application's four lake objects (its fact and its three PDFs), one
//!   notification row per application, one `.eml` file and one `email_logs` row sent at its first attempt per
//!   e-mail;
//! - a candidate's SSE stream on the second process hears the notifications its submissions wrote on every
//!   process (PostgreSQL `LISTEN/NOTIFY`, B3).
//!
//! How the relays shared the work is printed, not asserted (which process claims first is the machine's race).
//! Skipped, with a note, without `TEST_POSTGRES_URL` and `TEST_AZURITE_URL` (`.ci/run` sets both). With
//! `TEST_REDIS_URL` (`.ci/run` sets it), every process counts its rate limits in that Redis (O5), and wrong
//! passwords sent to one process hold the account on the others.
//! Nothing is timed: the waits are polls with generous bounds against a hung run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly
#![allow(clippy::float_cmp)] // the series compared are counts, whole numbers a float holds exactly

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use prometheus_parse::{Scrape, Value};
use sea_orm::{ConnectionTrait as _, DbBackend, Statement};
use secrecy::SecretString;
use seeg_adapters_blob::LakeStorage;
use seeg_application::outbox::HandlerRegistry;
use seeg_application::{IdGenerator as _, SystemIds};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::binary::{Serving, free_port};
use seeg_tests::live::SseReader;
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestApp, TestDatabase};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");
const SCRAPE_TOKEN: &str = "jeton-de-collecte-prometheus-assez-long-0123456789";
const PROCESSES: usize = 3;
/// Each candidate applies to each offer once: CANDIDATES × OFFERS submissions.
const CANDIDATES: usize = 15;
const OFFERS: usize = 3;
/// Submissions in flight at once, across the processes.
const IN_FLIGHT: usize = 6;
/// A bound against a hung run (a loaded 2-core machine runs three servers and Azurite here), not a timing assertion.
const DRAIN_BOUND: Duration = Duration::from_secs(300);

/// What every process shares: the database, the signing key, the stores, the e-mail folder, and the settings
/// given to all of them (one more shared service is one more pair here).
struct Shared {
    db: TestDatabase,
    key: String,
    mail: std::path::PathBuf,
    env: Vec<(&'static str, String)>,
}

/// `seeg serve` number `n`, in a folder of its own (its log), on the shared services.
async fn start(n: usize, root: &Path, shared: &Shared) -> Serving {
    let dir = root.join(format!("process-{n}"));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut command = seeg_tests::binary::serve(BIN, &dir, port, &shared.db.url);
    command
        .env("APP__AUTH__SECRET_KEY", &shared.key)
        .env("APP__MONITORING__SCRAPE_TOKEN", SCRAPE_TOKEN)
        .env("APP__MAIL__TRANSPORT", "folder")
        .env("APP__MAIL__FOLDER", &shared.mail)
        // A failed run (a busy export, an Azurite hiccup) is due again soon, and never dead-lettered here.
        .env("APP__OUTBOX__POLL_INTERVAL_MS", "50")
        .env("APP__OUTBOX__BASE_DELAY_MS", "20")
        .env("APP__OUTBOX__MAX_DELAY_SECS", "1")
        .env("APP__OUTBOX__MAX_ATTEMPTS", "1000")
        .envs(shared.env.iter().map(|(k, v)| (*k, v.as_str())));
    Serving::start(command, port, dir.join("seeg.log")).await
}

/// The exposition of one process, parsed.
async fn scrape(server: &Serving) -> Scrape {
    let response = reqwest::Client::new()
        .get(format!("{}/monitoring/metrics", server.base))
        .bearer_auth(SCRAPE_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{}", server.output());
    let text = response.text().await.unwrap();
    Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap()
}

/// The value of a counter with these labels (0 when the series does not exist).
fn counter(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    let found =
        scrape.samples.iter().find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)));
    match found.map(|s| &s.value) {
        None => 0.0,
        Some(Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v)) => *v,
        Some(other) => panic!("{metric}: not a number: {other:?}"),
    }
}

/// Rows of `sql` as (text, count) pairs: the query selects a text and a bigint.
async fn pairs(db: &sea_orm::DatabaseConnection, sql: &str) -> Vec<(String, i64)> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap();
    rows.iter()
        .map(|row| (row.try_get_by_index::<String>(0).unwrap(), row.try_get_by_index::<i64>(1).unwrap()))
        .collect()
}

async fn count(db: &sea_orm::DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await.unwrap().unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// Polls `probe` until it gives a value; panics with `state()` past `DRAIN_BOUND`.
async fn until<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(started.elapsed() < DRAIN_BOUND, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The candidates (signed in) and the offers, made by the service in process on a fresh PostgreSQL database that it
/// then leaves to the three processes; the key the processes must sign with.
async fn seed() -> (TestDatabase, String, Vec<String>, Vec<JobOffer>) {
    let key = format!("{}{}", SystemIds.new_id().simple(), SystemIds.new_id().simple());
    let signing = key.clone();
    let app = TestApp::spawn_with(Backend::Postgres, HandlerRegistry::default(), move |s| {
        s.outbox.enabled = false;
        s.auth.secret_key = SecretString::from(signing);
    })
    .await;
    let mut tokens = Vec::new();
    for c in 0..CANDIDATES {
        tokens.push(app.token_for(Role::Candidate, &format!("candidat-{c}@example.com")).await.token);
    }
    let mut offers = Vec::new();
    for o in 0..OFFERS {
        offers.push(app.open_offer(&format!("Offre {o}"), OfferVisibility::Everyone).await);
    }
    (app.stop().await, key, tokens, offers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_one_database_and_run_each_side_effect_once() {
    let Some((connection, _)) = seeg_tests::storage::azurite() else {
        eprintln!("skipped: set TEST_AZURITE_URL (eval \"$(bash .ci/azurite.sh)\") and TEST_POSTGRES_URL");
        return;
    };
    if !Backend::Postgres.available() {
        eprintln!("skipped: set TEST_POSTGRES_URL (and TEST_AZURITE_URL)");
        return;
    }
    let (db, key, tokens, offers) = seed().await;
    let root = tempfile::tempdir().unwrap();
    let run = SystemIds.new_id().simple().to_string();
    let (documents, lake_container) = (format!("scale-docs-{run}"), format!("scale-lake-{run}"));
    let mut env = vec![
        // Azurite for the documents and the lake, in containers of this run (each process creates them if missing).
        ("APP__STORAGE__KIND", "azure".to_owned()),
        ("APP__STORAGE__AZURE_CONNECTION_STRING", connection.clone()),
        ("APP__STORAGE__AZURE_CONTAINER", documents),
        ("APP__LAKE__ENABLED", "true".to_owned()),
        ("APP__LAKE__KIND", "azure".to_owned()),
        ("APP__LAKE__AZURE_CONNECTION_STRING", connection.clone()),
        ("APP__LAKE__AZURE_CONTAINER", lake_container.clone()),
    ];
    // Limits on, in one Redis, with quotas far above what the run sends: what is shared here is the wrong-password
    // count (the quotas' sharing is `contract::rate_limits` and `api::rate_limits`).
    let redis = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.trim().is_empty());
    if let Some(url) = &redis {
        let roomy = r#"["100000/minute"]"#.to_owned();
        env.extend([
            ("APP__RATE_LIMIT__ENABLED", "true".to_owned()),
            ("APP__RATE_LIMIT__REDIS_URL", url.clone()),
            ("APP__RATE_LIMIT__REDIS_KEY_PREFIX", format!("scale:{run}:")),
            ("APP__RATE_LIMIT__AUTH", roomy.clone()),
            ("APP__RATE_LIMIT__SIGNUP", roomy.clone()),
            ("APP__RATE_LIMIT__UPLOAD", roomy.clone()),
            ("APP__RATE_LIMIT__DEFAULT", roomy),
            ("APP__RATE_LIMIT__LOGIN_FAILURES_FREE", "3".to_owned()),
        ]);
    } else {
        eprintln!("TEST_REDIS_URL unset: the shared rate limits are not checked");
    }
    let shared = Shared { db, key, mail: root.path().join("mail"), env };
    // One after the other: each creates the containers it misses, and the database is already migrated.
    let mut servers = Vec::new();
    for n in 0..PROCESSES {
        servers.push(start(n, root.path(), &shared).await);
    }

    // Candidate 0 listens on process 1 before anything is written (the stream starts with the unread count).
    let client = reqwest::Client::new();
    let listening = client
        .get(format!("{}/api/v1/notifications/stream", servers[1].base))
        .bearer_auth(&tokens[0])
        .send()
        .await
        .unwrap();
    let mut stream = SseReader::new(listening);
    assert_eq!(stream.next_named("notifications:unread_count").await.data["count"], 0);

    // Submission i: candidate i / OFFERS to offer i % OFFERS, on process i % PROCESSES (candidate 0 on all three).
    let mut submissions = tokio::task::JoinSet::new();
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
    for i in 0..CANDIDATES * OFFERS {
        let (token, offer) = (tokens[i / OFFERS].clone(), offers[i % OFFERS].clone());
        let (base, client, gate) = (servers[i % PROCESSES].base.clone(), client.clone(), gate.clone());
        submissions.spawn(async move {
            let _slot = gate.acquire_owned().await.unwrap();
            let response = client
                .post(format!("{base}/api/v1/applications/"))
                .bearer_auth(&token)
                .json(&submission_body(&offer, &format!("soumission {i}")))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(status, 201, "submission {i} on {base}: {body}");
            (i, body["data"].clone())
        });
    }
    let mut applications = BTreeMap::new();
    while let Some(done) = submissions.join_next().await {
        let (i, data) = done.unwrap();
        applications.insert(i, data);
    }
    let total = CANDIDATES * OFFERS;
    let ids: BTreeSet<String> = applications.values().map(|a| a["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), total, "one application per submission");

    // The stream on process 1 hears candidate 0's three notifications, written on processes 0, 1 and 2.
    let mut heard = BTreeSet::new();
    for _ in 0..OFFERS {
        let event = stream.next_named("notifications:new").await;
        heard.insert(event.data["notification"]["related_application_id"].as_str().unwrap().to_owned());
    }
    let own: BTreeSet<String> = (0..OFFERS).map(|i| applications[&i]["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(heard, own, "the stream on process 1 heard the submissions made on processes 0, 1 and 2");

    // Every event handled: none pending, none dead.
    let sql = sea_orm::Database::connect(shared.db.url.as_str()).await.unwrap();
    let by_state = until("the outbox drained", async || {
        let states =
            pairs(&sql, "SELECT kind || ' ' || state, count(*) FROM outbox_events GROUP BY 1 ORDER BY 1").await;
        let waiting = states.iter().any(|(k, _)| k.ends_with(" pending"));
        (!waiting).then_some(states)
    })
    .await;
    let n = i64::try_from(total).unwrap();
    let expected = vec![("application.submitted done".to_owned(), n), ("mail.send done".to_owned(), n)];
    assert_eq!(by_state, expected, "every event done, none dead, and no other kind");
    assert_eq!(count(&sql, "SELECT count(*) FROM applications").await, n);

    // Exactly one successful run recorded per event, all relays together; how they shared it is reported.
    let mut done = BTreeMap::<&str, f64>::new();
    let mut report = Vec::new();
    for (n, server) in servers.iter().enumerate() {
        let metrics = scrape(server).await;
        let mut line = format!("process {n}:");
        for kind in ["application.submitted", "mail.send"] {
            let ran = counter(&metrics, "seeg_outbox_runs_total", &[("kind", kind), ("outcome", "done")]);
            let failed = counter(&metrics, "seeg_outbox_runs_total", &[("kind", kind), ("outcome", "failed")]);
            *done.entry(kind).or_default() += ran;
            write!(line, " {kind} {ran} done, {failed} failed;").unwrap();
        }
        report.push(line);
    }
    eprintln!("relay work, {total} submissions over {PROCESSES} processes:\n  {}", report.join("\n  "));
    for (kind, ran) in done {
        assert_eq!(
            ran,
            f64::from(u32::try_from(total).unwrap()),
            "{kind}: one recorded success per event across the relays"
        );
    }

    // The lake: each application's fact and three PDFs, once; each candidate's and offer's dimension.
    let lake = LakeStorage::azure(&connection, &lake_container).unwrap();
    let keys = lake.keys("").await.unwrap();
    let partition = seeg_tests::lake::partition(&keys);
    for application in applications.values() {
        let id = application["id"].as_str().unwrap();
        let expected = seeg_tests::lake::expected_keys(partition, application);
        for key in &expected {
            assert!(keys.contains(key), "{key} exported");
        }
        assert_eq!(keys.iter().filter(|k| k.contains(id)).count(), 4, "the fact and the three PDFs of {id}");
    }
    assert_eq!(keys.len(), total * 4 + CANDIDATES + OFFERS, "nothing else in the lake: {keys:?}");

    // One notification per application, one e-mail per submission, each handed to the transport once.
    let notifications = pairs(
        &sql,
        "SELECT related_application_id::text, count(*) FROM notifications
         WHERE related_application_id IS NOT NULL GROUP BY 1",
    )
    .await;
    assert_eq!(notifications.len(), total);
    assert!(notifications.iter().all(|(_, n)| *n == 1), "{notifications:?}");
    let mails = pairs(&sql, "SELECT status || ' ' || attempts, count(*) FROM email_logs GROUP BY 1").await;
    assert_eq!(mails, vec![("sent 1".to_owned(), n)], "sent, each at its first attempt");
    let files = std::fs::read_dir(&shared.mail)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".eml"))
        .count();
    assert_eq!(files, total, "one .eml file per e-mail");

    // Shared limits: three wrong passwords on process 0 hold the account on processes 1 and 2, which never saw them.
    if redis.is_some() {
        let login = |server: &Serving| {
            client
                .post(format!("{}/api/v1/auth/login", server.base))
                .json(&serde_json::json!({"email": "candidat-0@example.com", "password": "Mauvais#2026xx"}))
                .send()
        };
        for _ in 0..3 {
            assert_eq!(login(&servers[0]).await.unwrap().status(), 401);
        }
        for (n, server) in servers.iter().enumerate().skip(1) {
            let held = login(server).await.unwrap();
            assert_eq!(held.status(), 429, "process {n} knows the failures made on process 0");
            assert!(held.headers().contains_key("retry-after"));
            let readiness: serde_json::Value =
                client.get(format!("{}/monitoring/health", server.base)).send().await.unwrap().json().await.unwrap();
            assert_eq!(readiness["services"]["rate_limits"], "shared");
        }
    }

    sql.close().await.unwrap();
    drop(servers);
}
