//! Issue 6 "Done when": killing the server between the commit of a submission and its data-lake export loses
//! nothing (I2, K4). The real `seeg` binary is killed with SIGKILL (no graceful stop, no release of its claims),
//! then started again on the same database and folders with a working lake: the export happens, at exactly the
//! R41 keys. On SQLite and on PostgreSQL.
//!
//! 1. Killed after the commit, before the relay ran the event: the killed process serves but runs no relay
//!    (`outbox.enabled = false`, as a serving-only replica), so the kill lands between commit and export for
//!    certain rather than by a race with the relay's poll.
//! 2. Killed while the export runs: the relay has claimed the event and its handler is waiting on the lake (an
//!    Azure endpoint standing in the test that takes the request and never answers); after the restart the
//!    dead process's lease (short, `outbox.lease_secs`) runs out and the event is claimed and exported again.
//!
//! The data (a candidate signed in, an open offer) is seeded by the service in process on the same database
//! before the binary starts; both sign tokens with the same key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use secrecy::SecretString;
use seeg_adapters_blob::LakeStorage;
use seeg_adapters_postgres::Database;
use seeg_application::outbox::{HandlerRegistry, OutboxStats, OutboxStore};
use seeg_application::{IdGenerator as _, SystemIds};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::binary::{Serving, free_port, in_folders};
use seeg_tests::eventually::eventually;
use seeg_tests::lake::{expected_keys, exported, partition};
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestApp, TestDatabase, on_backends};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");
const SUBMITTED: &str = "application.submitted";

/// A database seeded with a signed-in candidate and an open offer, and the key the binary must sign with.
struct Seeded {
    db: TestDatabase,
    key: String,
    token: String,
    offer: JobOffer,
}

async fn seed(backend: Backend) -> Seeded {
    let key = format!("{}{}", SystemIds.new_id().simple(), SystemIds.new_id().simple());
    let signing = key.clone();
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.outbox.enabled = false;
        s.auth.secret_key = SecretString::from(signing);
    })
    .await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    Seeded { db: app.stop().await, key, token, offer }
}

/// Where the lake goes for one run of the binary.
enum Lake<'a> {
    /// A local folder (`lake.kind = local`).
    Folder(&'a Path),
    /// An Azure Blob endpoint at this address (`lake.kind = azure`).
    Azure(&'a str),
}

/// `seeg serve` running in `dir` (documents in `dir/blobs`, e-mails in `dir/mail`), its log in `dir/seeg-N.log`.
struct Seeg(Serving);

impl Seeg {
    async fn start(dir: &Path, seeded: &Seeded, lake: &Lake<'_>, settings: &[(&str, &str)]) -> Self {
        let port = free_port();
        let log = (1..100).map(|n| dir.join(format!("seeg-{n}.log"))).find(|p| !p.exists()).unwrap();
        let mut command = seeg_tests::binary::serve(BIN, dir, port, &seeded.db.url);
        in_folders(&mut command, dir)
            .env("APP__AUTH__SECRET_KEY", &seeded.key)
            // A failed run is due again soon, and never dead-lettered within a test.
            .env("APP__OUTBOX__POLL_INTERVAL_MS", "50")
            .env("APP__OUTBOX__BASE_DELAY_MS", "20")
            .env("APP__OUTBOX__MAX_DELAY_SECS", "1")
            .env("APP__OUTBOX__MAX_ATTEMPTS", "1000");
        match lake {
            Lake::Folder(path) => command.env("APP__LAKE__KIND", "local").env("APP__LAKE__PATH", path),
            // Any well-formed key: the stand-in checks no signature.
            Lake::Azure(address) => command.env("APP__LAKE__KIND", "azure").env(
                "APP__LAKE__AZURE_CONNECTION_STRING",
                format!("AccountName=devstoreaccount1;AccountKey=bm90LWEta2V5;BlobEndpoint=http://{address}/devstoreaccount1"),
            ),
        };
        command.envs(settings.iter().copied());
        Self(Serving::start(command, port, log).await)
    }

    fn output(&self) -> String {
        self.0.output()
    }

    /// Submits `submission_body(offer, "awa")` as the seeded candidate: the created application.
    async fn submit(&self, seeded: &Seeded) -> serde_json::Value {
        let response = reqwest::Client::new()
            .post(format!("{}/api/v1/applications/", self.0.base))
            .bearer_auth(&seeded.token)
            .json(&submission_body(&seeded.offer, "awa"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{body} {}", self.output());
        body["data"].clone()
    }

    /// SIGKILL, and the process reaped: it stopped on that signal, with no chance to finish or release anything.
    fn kill(mut self) {
        self.0.child.kill().unwrap();
        let status = self.0.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status}: {}", self.output());
    }
}

/// The outbox as the database keeps it now (the binary is not running).
async fn outbox(db: &TestDatabase) -> OutboxStats {
    let database = Database::connect(&db.url, 1).await.unwrap();
    let stats = OutboxStore::stats(&database).await.unwrap();
    database.close().await.unwrap();
    stats
}

fn pending_exports(stats: &OutboxStats) -> u64 {
    stats.by_kind.iter().find(|k| k.kind == SUBMITTED).map_or(0, |k| k.pending)
}

/// Restarts the binary with a working lake in `raw` and waits for the export: exactly the R41 keys of
/// `application`, and nothing left pending or dead.
async fn restart_and_find_the_export(dir: &Path, raw: &Path, seeded: &Seeded, application: &serde_json::Value) {
    let seeg = Seeg::start(dir, seeded, &Lake::Folder(raw), &[]).await;
    let lake = LakeStorage::local(raw).unwrap();
    let keys = exported(&lake).await;
    assert_eq!(keys, expected_keys(partition(&keys), application));
    let db = &seeded.db;
    let drained = eventually("the outbox drained", async || {
        let database = Database::connect(&db.url, 1).await.unwrap();
        let stats = OutboxStore::stats(&database).await.unwrap();
        database.close().await.unwrap();
        (stats.pending == 0).then_some(stats)
    })
    .await;
    assert_eq!(drained.dead, 0, "{drained:?}");
    seeg.kill();
}

async fn killed_after_the_commit_the_restart_exports_the_submission(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let seeded = seed(backend).await;

    let seeg = Seeg::start(dir.path(), &seeded, &Lake::Folder(&raw), &[("APP__OUTBOX__ENABLED", "false")]).await;
    let application = seeg.submit(&seeded).await;
    seeg.kill();

    let lake = LakeStorage::local(&raw).unwrap();
    assert_eq!(lake.keys("").await.unwrap(), Vec::<String>::new(), "nothing exported before the kill");
    let stats = outbox(&seeded.db).await;
    assert_eq!((pending_exports(&stats), stats.failing, stats.dead), (1, 0, 0), "{stats:?}");

    restart_and_find_the_export(dir.path(), &raw, &seeded, &application).await;
}

/// An Azure Blob endpoint that creates the container at start-up (201 to `PUT …?restype=container`) and then takes
/// every blob request and never answers: each one's arrival is reported on the channel, and its connection is held
/// open (a lake that hangs).
fn silent_lake() -> (String, mpsc::Receiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let (arrived, arrivals) = mpsc::channel();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0_u8; 1024];
            let Ok(read) = stream.read(&mut request) else { continue };
            let request_head = String::from_utf8_lossy(&request[..read]);
            if request_head.lines().next().is_some_and(|line| line.contains("restype=container")) {
                let _ = stream.write_all(b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n");
                continue;
            }
            if read > 0 && arrived.send(()).is_err() {
                return;
            }
            held.push(stream);
        }
    });
    (address, arrivals)
}

async fn killed_while_the_export_runs_the_restart_exports_it_once_the_lease_ends(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    let seeded = seed(backend).await;
    let (address, arrivals) = silent_lake();

    // A short lease, so the restart does not wait long for it; still far longer than the kill takes.
    let seeg = Seeg::start(dir.path(), &seeded, &Lake::Azure(&address), &[("APP__OUTBOX__LEASE_SECS", "4")]).await;
    let application = seeg.submit(&seeded).await;
    // Bounded so a broken relay fails the test instead of hanging it: a readiness wait, not a timing assertion.
    let waited = tokio::task::spawn_blocking(move || arrivals.recv_timeout(Duration::from_secs(30))).await.unwrap();
    assert!(waited.is_ok(), "the export never reached the lake: {}", seeg.output());
    seeg.kill();

    assert_eq!(LakeStorage::local(&raw).unwrap().keys("").await.unwrap(), Vec::<String>::new());
    let stats = outbox(&seeded.db).await;
    // Claimed, never finished: still pending, and no failure recorded (the process died inside the handler).
    assert_eq!((pending_exports(&stats), stats.failing, stats.dead), (1, 0, 0), "{stats:?}");

    restart_and_find_the_export(dir.path(), &raw, &seeded, &application).await;
}

on_backends!(Sqlite, Postgres =>
    killed_after_the_commit_the_restart_exports_the_submission,
    killed_while_the_export_runs_the_restart_exports_it_once_the_lease_ends,
);
