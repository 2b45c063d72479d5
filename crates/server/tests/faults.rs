//! Fault injection (issue 18, O7, O8): real parts failing under real requests.
//!
//! - PostgreSQL stopped under load: requests fail cleanly (503 `database_unavailable`, `Retry-After`), the pool
//!   recovers by itself when the server is back, and nothing accepted is lost.
//! - SIGKILL of the server in the middle of submissions: no half application (each has its three documents, each
//!   document its object), the outbox resumes after the restart.
//! - Slow clients trickling their heads or bodies: answered 408 and closed past their deadlines, while other
//!   requests are served meanwhile.
//! - The embedded default's disk full: 507 `insufficient_storage`, reads still served, and the database opens
//!   again once room is made.
//!
//! They need PostgreSQL's server programs and root (a private server to stop, a small tmpfs to fill): they run
//! when `TEST_FAULTS` is set, as `.ci/run` does. An SMTP outage is `contract::mailers::an_smtp_outage_delays_but_never_loses_a_message`
//! (the real relay and a real SMTP server stopped and started again).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::BTreeSet;
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::{ConnectionTrait as _, Statement};
use seeg_application::outbox::OutboxStore as _;
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::binary::{Serving, free_port, in_folders, signing_app};
use seeg_tests::eventually::eventually;
use seeg_tests::faults::{Cluster, Proxy, Tmpfs, faults_enabled};
use seeg_tests::http::Answer;
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestApp};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");

/// One fault at a time: each test loads the two cores on its own (a server, hundreds of sockets, a database being
/// stopped), and a fault of one must not be read as another's.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A hang guard for a whole phase of a test (never a timing assertion: only a broken server reaches it).
async fn bounded<T>(what: &str, seconds: u64, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(seconds), future).await.unwrap_or_else(|_| panic!("hung: {what}"))
}

/// The one integer column of `sql`'s rows, read through a connection of the test's own.
async fn integers(url: &str, sql: &str) -> Vec<i64> {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let rows = db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap();
    db.close().await.unwrap();
    rows.iter().map(|row| row.try_get_by_index::<i64>(0).unwrap()).collect()
}

/// How many documents each stored application has.
async fn documents_per_application(url: &str) -> Vec<i64> {
    integers(
        url,
        "SELECT (SELECT COUNT(*) FROM application_documents d WHERE d.application_id = a.id) FROM applications a",
    )
    .await
}

/// Whether the application `id` is stored.
async fn is_stored(url: &str, id: &str) -> bool {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let backend = db.get_database_backend();
    let placeholder = if backend == sea_orm::DatabaseBackend::Postgres { "$1" } else { "?" };
    let id: sea_orm::prelude::Uuid = id.parse().unwrap();
    let statement = Statement::from_sql_and_values(
        backend,
        format!("SELECT COUNT(*) FROM applications WHERE id = {placeholder}"),
        [id.into()],
    );
    let row = db.query_one_raw(statement).await.unwrap().unwrap();
    db.close().await.unwrap();
    row.try_get_by_index::<i64>(0).unwrap() == 1
}

/// The storage keys of every stored document.
async fn storage_keys(url: &str) -> Vec<String> {
    let db = sea_orm::Database::connect(url).await.unwrap();
    let statement = Statement::from_string(db.get_database_backend(), "SELECT storage_key FROM application_documents");
    let rows = db.query_all_raw(statement).await.unwrap();
    db.close().await.unwrap();
    rows.iter().map(|row| row.try_get_by_index::<String>(0).unwrap()).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL stopped and started again under load.

/// How one submission of the load went.
#[derive(Debug)]
struct Outcome {
    candidate: usize,
    answer: Answer,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_answers_503_then_the_pool_recovers_and_nothing_accepted_is_lost() {
    let _one_at_a_time = SERIAL.lock().await;
    let Some(cluster) = Cluster::start() else {
        eprintln!("skipped: TEST_FAULTS is not set");
        return;
    };
    let app = Arc::new(
        TestApp::spawn_on(&cluster.url(), |s| {
            s.database.acquire_timeout_secs = 2;
            // A claim whose answer the stop cut lapses soon, so the drain below does not wait for a long lease.
            s.outbox.lease_secs = 5;
            s.outbox.base_delay_ms = 20;
            s.outbox.max_delay_secs = 1;
            s.outbox.max_attempts = 1000;
        })
        .await,
    );
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let mut tokens = Vec::new();
    for n in 0..24 {
        tokens.push(app.token_for(Role::Candidate, &format!("candidat{n}@example.com")).await.token);
    }

    // The load: each candidate submits until the service accepts (201) or says it already has (400 `application_exists`,
    // a commit whose answer was lost); a 503 puts the candidate back in the queue.
    let accepted = Arc::new(AtomicUsize::new(0));
    let load = {
        let (app, offer, tokens, accepted) = (Arc::clone(&app), offer.clone(), tokens.clone(), Arc::clone(&accepted));
        tokio::spawn(async move {
            let mut queue: std::collections::VecDeque<usize> = (0..tokens.len()).collect();
            let mut outcomes = Vec::new();
            while let Some(candidate) = queue.pop_front() {
                let body = submission_body(&offer, &format!("candidat{candidate}"));
                let answer = app.post_submission(&tokens[candidate], &body).await;
                match answer.status {
                    201 => {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                    503 => {
                        queue.push_back(candidate);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    _ => {}
                }
                outcomes.push(Outcome { candidate, answer });
            }
            outcomes
        })
    };

    eventually("submissions accepted before the outage", async || (accepted.load(Ordering::SeqCst) >= 3).then_some(()))
        .await;
    cluster.stop();

    // During the outage: a read and the readiness probe fail cleanly too.
    let read = app.get_as(&recruiter, "/api/v1/applications/").await;
    assert_eq!((read.status, read.body["code"].as_str()), (503, Some("database_unavailable")), "{:?}", read.body);
    assert_eq!(read.header("retry-after"), Some("5"));
    let ready = app.get_json("/monitoring/health").await;
    assert_eq!(ready.status, 503, "{:?}", ready.body);
    let refused_before_restart = eventually("a submission refused during the outage", async || {
        let before = accepted.load(Ordering::SeqCst);
        let refused = app.post_submission(&tokens[0], &submission_body(&offer, "pendant la panne")).await;
        assert_eq!(accepted.load(Ordering::SeqCst), before, "nothing is accepted while the database is down");
        (refused.status == 503).then_some(refused)
    })
    .await;
    assert_eq!(refused_before_restart.body["code"], "database_unavailable");

    cluster.start_again();
    let outcomes = bounded("the load after the restart", 120, load).await.unwrap();

    // Every answer was an acceptance, a clean refusal, or (after a refusal) "already submitted".
    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.answer.status == 503).collect();
    assert!(!refused.is_empty(), "the outage was never seen by the load");
    for outcome in &outcomes {
        let answer = &outcome.answer;
        match answer.status {
            201 => {}
            503 => {
                assert_eq!(answer.body["code"], "database_unavailable", "{:?}", answer.body);
                assert_eq!(answer.header("retry-after"), Some("5"));
                assert!(answer.body["detail"].as_str().is_some_and(|d| d.contains("réessayez")));
            }
            400 if answer.body["code"] == "application_exists" => assert!(
                refused.iter().any(|r| r.candidate == outcome.candidate),
                "already submitted, without an earlier refusal: {outcome:?}"
            ),
            other => panic!("{other}: {:?}", answer.body),
        }
    }
    // The pool recovered by itself: every candidate has exactly one application, each accepted one is stored.
    let url = cluster.url();
    let stored = documents_per_application(&url).await;
    assert_eq!(stored.len(), tokens.len(), "one application per candidate");
    assert!(stored.iter().all(|documents| *documents == 3), "{stored:?}");
    for outcome in outcomes.iter().filter(|o| o.answer.status == 201) {
        let id = outcome.answer.body["data"]["id"].as_str().unwrap();
        assert!(is_stored(&url, id).await, "accepted {id} lost");
    }
    let list = app.get_as(&recruiter, "/api/v1/applications/").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    // The outbox resumed: every event done, none dead.
    let drained = eventually("the outbox drained after the outage", async || {
        let stats = app.database.stats().await.ok()?;
        (stats.pending == 0 && stats.failing == 0).then_some(stats)
    })
    .await;
    assert_eq!(drained.dead, 0, "{drained:?}");
}

// ---------------------------------------------------------------------------------------------------------------
// SIGKILL in the middle of submissions.

/// A database seeded with an open offer and `candidates` signed-in candidates, the key the binary must sign with.
struct Seeded {
    db: seeg_tests::TestDatabase,
    key: String,
    tokens: Vec<String>,
    offer: JobOffer,
}

async fn seed(backend: Backend, candidates: usize) -> Seeded {
    let (app, key) = signing_app(backend).await;
    let mut tokens = Vec::new();
    for n in 0..candidates {
        tokens.push(app.token_for(Role::Candidate, &format!("candidat{n}@example.com")).await.token);
    }
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    Seeded { db: app.stop().await, key, tokens, offer }
}

fn seeg(dir: &Path, seeded: &Seeded, port: u16) -> std::process::Command {
    let mut command = seeg_tests::binary::serve(BIN, dir, port, &seeded.db.url);
    in_folders(&mut command, dir)
        .env("APP__AUTH__SECRET_KEY", &seeded.key)
        .env("APP__LAKE__KIND", "local")
        .env("APP__LAKE__PATH", dir.join("lake"))
        .env("APP__OUTBOX__POLL_INTERVAL_MS", "50")
        .env("APP__OUTBOX__BASE_DELAY_MS", "20")
        .env("APP__OUTBOX__MAX_DELAY_SECS", "1")
        .env("APP__OUTBOX__LEASE_SECS", "3")
        .env("APP__OUTBOX__MAX_ATTEMPTS", "1000");
    command
}

async fn post(client: &reqwest::Client, base: &str, token: &str, body: &serde_json::Value) -> Option<Answer> {
    let response =
        client.post(format!("{base}/api/v1/applications/")).bearer_auth(token).json(body).send().await.ok()?;
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    // A connection cut mid-answer is no answer.
    let text = response.text().await.ok()?;
    Some(Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(serde_json::Value::Null) })
}

async fn killed_mid_submission_no_half_application_and_the_outbox_resumes(backend: Backend) {
    let _one_at_a_time = SERIAL.lock().await;
    if !faults_enabled() {
        eprintln!("skipped: TEST_FAULTS is not set");
        return;
    }
    let seeded = seed(backend, 16).await;
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut serving = Serving::start(seeg(dir.path(), &seeded, port), port, dir.path().join("seeg-1.log")).await;
    let base = serving.base.clone();

    // Sixteen submissions at once; the server is killed when the first is answered, the others in flight.
    let client = reqwest::Client::new();
    let (answered, mut first) = tokio::sync::mpsc::unbounded_channel();
    let mut sending = tokio::task::JoinSet::new();
    for (n, token) in seeded.tokens.iter().enumerate() {
        let (client, base, token, answered) = (client.clone(), base.clone(), token.clone(), answered.clone());
        let body = submission_body(&seeded.offer, &format!("candidat{n}"));
        sending.spawn(async move {
            let answer = post(&client, &base, &token, &body).await;
            let _ = answered.send(());
            (n, answer)
        });
    }
    bounded("a first answer", 60, first.recv()).await;
    serving.child.kill().unwrap();
    let exit = serving.child.wait().unwrap();
    assert_eq!(exit.signal(), Some(9), "{exit}");
    let outcomes: Vec<(usize, Option<Answer>)> = bounded("the submissions' ends", 60, sending.join_all()).await;
    let accepted: BTreeSet<String> = outcomes
        .iter()
        .filter_map(|(_, a)| a.as_ref().filter(|a| a.status == 201))
        .map(|a| a.body["data"]["id"].as_str().unwrap().to_owned())
        .collect();
    let cut: Vec<usize> = outcomes.iter().filter(|(_, a)| a.is_none()).map(|(n, _)| *n).collect();
    for (_, answer) in &outcomes {
        if let Some(answer) = answer {
            assert_eq!(answer.status, 201, "{:?}", answer.body);
        }
    }
    assert!(!cut.is_empty(), "the kill cut no submission: nothing was tested");

    // No half application: each stored one has its three documents, and each document its object.
    let stored = documents_per_application(&seeded.db.url).await;
    assert!(stored.iter().all(|documents| *documents == 3), "{stored:?}");
    for id in &accepted {
        assert!(is_stored(&seeded.db.url, id).await, "accepted {id} lost");
    }
    for key in storage_keys(&seeded.db.url).await {
        assert!(dir.path().join("blobs").join(&key).is_file(), "{key}: its object is missing");
    }

    // Restarted: the outbox resumes, and those whose submission was cut submit again (201, or 400 `application_exists`
    // when it was stored and the answer lost).
    let port = free_port();
    let restarted = Serving::start(seeg(dir.path(), &seeded, port), port, dir.path().join("seeg-2.log")).await;
    for n in cut {
        let body = submission_body(&seeded.offer, &format!("candidat{n}"));
        let again = post(&client, &restarted.base, &seeded.tokens[n], &body).await.unwrap();
        let stored_before = again.status == 400 && again.body["code"] == "application_exists";
        assert!(again.status == 201 || stored_before, "{:?}", again.body);
    }
    let stored = documents_per_application(&seeded.db.url).await;
    assert_eq!(stored.len(), seeded.tokens.len(), "{stored:?}");
    assert!(stored.iter().all(|documents| *documents == 3), "{stored:?}");
    let lake = seeg_adapters_blob::LakeStorage::local(&dir.path().join("lake")).unwrap();
    eventually("every application exported", async || {
        let keys = lake.keys("facts/fact_applications/").await.ok()?;
        (keys.len() == seeded.tokens.len()).then_some(())
    })
    .await;
    let database = seeg_adapters_postgres::Database::connect(&seeded.db.url, 2).await.unwrap();
    let drained = eventually("the outbox drained after the restart", async || {
        let stats = database.stats().await.ok()?;
        (stats.pending == 0 && stats.failing == 0).then_some(stats)
    })
    .await;
    assert_eq!(drained.dead, 0, "{drained:?}");
    database.close().await.unwrap();
    drop(restarted);
}

seeg_tests::on_backends!(Sqlite, Postgres => killed_mid_submission_no_half_application_and_the_outbox_resumes);

// ---------------------------------------------------------------------------------------------------------------
// Slow clients.

/// Sends `head` then trickles `trickle` one byte every 300 ms; returns what the server answered before it closed
/// the connection (empty when it closed without a word).
async fn trickle(port: u16, head: &'static [u8], trickle: &'static [u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(head).await.unwrap();
    let mut answer = Vec::new();
    for byte in trickle.iter().cycle() {
        let mut buffer = [0_u8; 4096];
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            },
            () = tokio::time::sleep(Duration::from_millis(300)) => {
                if stream.write_all(std::slice::from_ref(byte)).await.is_err() {
                    break;
                }
            }
        }
    }
    // Whatever else the server sent before closing.
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_at_their_deadlines_while_others_are_served() {
    let _one_at_a_time = SERIAL.lock().await;
    if !faults_enabled() {
        eprintln!("skipped: TEST_FAULTS is not set");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("seeg.db").display());
    let port = free_port();
    let mut command = seeg_tests::binary::serve(BIN, dir.path(), port, &url);
    in_folders(&mut command, dir.path())
        .env("APP__HTTP__CLIENT_REQUEST_TIMEOUT_SECS", "2")
        .env("APP__HTTP__SMALL_BODY_TIMEOUT_SECS", "2");
    let serving = Serving::start(command, port, dir.path().join("seeg.log")).await;

    // Trickled at once, on a server with one worker: 100 heads, 100 bodies of a declared length, 50 chunked bodies,
    // and 50 chunked bodies sent to a route that never reads them.
    let mut slow = tokio::task::JoinSet::new();
    for _ in 0..50 {
        for _ in 0..2 {
            slow.spawn(async move {
                ("head", trickle(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-Slow: a\r\n").await)
            });
            slow.spawn(async move {
                let head = b"POST /api/v1/auth/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"refresh_token\": \"";
                ("body", trickle(port, head, b"a").await)
            });
        }
        slow.spawn(async move {
            let head = b"POST /api/v1/auth/refresh HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            ("chunked", trickle(port, head, b"1\r\na\r\n").await)
        });
        slow.spawn(async move {
            let head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
            ("unread", trickle(port, head, b"1\r\na\r\n").await)
        });
    }
    // Meanwhile the others are served.
    let client = reqwest::Client::new();
    for _ in 0..20 {
        let health = client.get(format!("{}/health", serving.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        let login = client
            .post(format!("{}/api/v1/auth/login", serving.base))
            .json(&serde_json::json!({"email": "personne@example.com", "password": "Mauvais-mot-de-passe-1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 401);
    }
    // Every slow connection was ended by the server: a trickled head with 408, a trickled body with 408
    // `body_timeout` and the F1 body.
    let answers = bounded("the slow connections' ends", 120, slow.join_all()).await;
    assert_eq!(answers.len(), 300);
    let mut seen = std::collections::BTreeMap::new();
    for (kind, answer) in &answers {
        *seen.entry(*kind).or_insert(0) += 1;
        match *kind {
            // The head never ended: 408 from the server itself.
            "head" => assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}"),
            // A body past its deadline, declared or chunked: 408 with the F1 body.
            "body" | "chunked" => {
                assert!(answer.starts_with("HTTP/1.1 408"), "{kind}: {answer:?}");
                assert!(answer.contains("\"code\":\"body_timeout\""), "{kind}: {answer:?}");
            }
            // Answered without reading the body, then closed rather than drained for as long as the client trickles.
            _ => {
                assert!(answer.starts_with("HTTP/1.1 200"), "{kind}: {answer:?}");
                assert!(answer.to_ascii_lowercase().contains("connection: close"), "{kind}: {answer:?}");
            }
        }
    }
    assert_eq!(seen, [("body", 100), ("chunked", 50), ("head", 100), ("unread", 50)].into_iter().collect());
    let health = client.get(format!("{}/health", serving.base)).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

// ---------------------------------------------------------------------------------------------------------------
// The embedded default's disk full.

fn uuid_like() -> String {
    use seeg_application::IdGenerator as _;
    seeg_application::SystemIds.new_id().simple().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_507_and_the_database_opens_again_once_room_is_made() {
    let _one_at_a_time = SERIAL.lock().await;
    if !faults_enabled() {
        eprintln!("skipped: TEST_FAULTS is not set");
        return;
    }
    let disk = Tmpfs::mount(24);
    let url = format!("sqlite://{}?mode=rwc", disk.path().join("seeg.db").display());
    let blobs = disk.path().join("blobs");
    let key = format!("{}{}", uuid_like(), uuid_like());
    // One signing key for both starts, so the tokens stay valid across them.
    let on_the_disk = |s: &mut seeg_server::settings::Settings| {
        s.auth.secret_key = secrecy::SecretString::from(key.clone());
        s.storage.kind = seeg_server::settings::StorageKind::Local;
        s.storage.path.clone_from(&blobs);
    };
    let app = TestApp::spawn_on(&url, on_the_disk).await;
    let offer = app.open_offer("Comptable", OfferVisibility::Everyone).await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let mut tokens = Vec::new();
    for n in 0..30 {
        tokens.push(app.token_for(Role::Candidate, &format!("candidat{n}@example.com")).await.token);
    }
    let mut accepted = Vec::new();
    for (n, token) in tokens.iter().enumerate().take(3) {
        let answer = app.post_submission(token, &submission_body(&offer, &format!("candidat{n}"))).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        accepted.push(answer.body["data"]["id"].as_str().unwrap().to_owned());
    }

    // Full, but for a few KiB: submissions are refused cleanly, never half stored; reads are still served.
    let filler = disk.fill(16 * 1024);
    let mut refused = Vec::new();
    for (n, token) in tokens.iter().enumerate().skip(3) {
        let answer = app.post_submission(token, &submission_body(&offer, &format!("candidat{n}"))).await;
        match answer.status {
            201 => accepted.push(answer.body["data"]["id"].as_str().unwrap().to_owned()),
            507 => {
                assert_eq!(answer.body["code"], "insufficient_storage", "{:?}", answer.body);
                assert!(answer.body["detail"].as_str().is_some_and(|d| d.contains("espace disque")));
                refused.push(n);
            }
            other => panic!("{other}: {:?}", answer.body),
        }
    }
    assert!(refused.len() >= 20, "the full disk refused only {} submissions", refused.len());
    let list = app.get_as(&recruiter, "/api/v1/applications/").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(documents_per_application(&url).await, vec![3; accepted.len()]);

    // Room made: the refused submit again, and the database, closed and opened again, has every application.
    std::fs::remove_file(filler).unwrap();
    for n in refused {
        let answer = app.post_submission(&tokens[n], &submission_body(&offer, &format!("candidat{n}"))).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        accepted.push(answer.body["data"]["id"].as_str().unwrap().to_owned());
    }
    app.stop_serving().await;
    let app = TestApp::spawn_on(&url, on_the_disk).await;
    let list = app.get_as(&recruiter, "/api/v1/applications/?limit=100").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(documents_per_application(&url).await, vec![3; tokens.len()]);
    for id in &accepted {
        assert!(is_stored(&url, id).await, "accepted {id} lost");
    }
    for key in storage_keys(&url).await {
        assert!(blobs.join(&key).is_file(), "{key}: its object is missing");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// The blob store unreachable during submissions.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_blob_store_refuses_submissions_cleanly_and_exports_catch_up() {
    let _one_at_a_time = SERIAL.lock().await;
    let Some((connection, container)) = seeg_tests::storage::azurite().filter(|_| faults_enabled()) else {
        eprintln!("skipped: TEST_FAULTS or TEST_AZURITE_URL is not set");
        return;
    };
    // Azurite's address in its connection string, and the same account through a proxy the test cuts.
    let endpoint = connection.split("BlobEndpoint=").nth(1).unwrap();
    let authority = endpoint.trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let proxy = Proxy::start(&authority).await;
    let through_proxy = connection.replace(&authority, &proxy.address);
    let lake_container = format!("faults-{}", uuid_like());
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("seeg.db").display());
    let app = TestApp::spawn_on(&url, |s| {
        s.storage.kind = seeg_server::settings::StorageKind::Azure;
        s.storage.azure_connection_string = secrecy::SecretString::from(through_proxy.clone());
        s.storage.azure_container.clone_from(&container);
        s.lake.kind = seeg_server::settings::StorageKind::Azure;
        s.lake.azure_connection_string = secrecy::SecretString::from(through_proxy.clone());
        s.lake.azure_container.clone_from(&lake_container);
        s.outbox.base_delay_ms = 20;
        s.outbox.max_delay_secs = 1;
        s.outbox.max_attempts = 1000;
    })
    .await;
    let offer = app.open_offer("Électricien", OfferVisibility::Everyone).await;
    let mut tokens = Vec::new();
    for n in 0..4 {
        tokens.push(app.token_for(Role::Candidate, &format!("candidat{n}@example.com")).await.token);
    }
    for (n, token) in tokens.iter().enumerate().take(2) {
        let answer = app.post_submission(token, &submission_body(&offer, &format!("candidat{n}"))).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
    }

    proxy.cut();
    for (n, token) in tokens.iter().enumerate().skip(2) {
        let answer = app.post_submission(token, &submission_body(&offer, &format!("candidat{n}"))).await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (503, Some("storage_unavailable")),
            "{:?}",
            answer.body
        );
        assert_eq!(answer.header("retry-after"), Some("5"));
    }
    // Nothing of the refused is stored: two applications, each whole.
    assert_eq!(documents_per_application(&url).await, vec![3, 3]);

    proxy.restore();
    for (n, token) in tokens.iter().enumerate().skip(2) {
        let answer = app.post_submission(token, &submission_body(&offer, &format!("candidat{n}"))).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
    }
    assert_eq!(documents_per_application(&url).await, vec![3; 4]);
    // The exports that failed while the store was away are done once it is back; none is dead.
    let drained = eventually("the exports caught up", async || {
        let stats = app.database.stats().await.ok()?;
        (stats.pending == 0 && stats.failing == 0).then_some(stats)
    })
    .await;
    assert_eq!(drained.dead, 0, "{drained:?}");
    app.stop_serving().await;
}
