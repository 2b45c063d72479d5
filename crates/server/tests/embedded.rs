//! The embedded default, end to end through the real binary: started in an empty folder it creates `./data`,
//! migrates SQLite and serves; `demo seed` is idempotent; SIGTERM stops it cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::similar_names)] // tests fail loudly

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn seeg(dir: &Path, port: u16) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("APP_ENV")
        .env("PORT", port.to_string())
        .env("APP__LOG__LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Polls until the service answers (bounded: a readiness wait, not a timing assertion).
async fn wait_until_serving(base: &str, child: &mut Child) -> Duration {
    let started = Instant::now();
    loop {
        if let Ok(response) = reqwest::get(format!("{base}/health")).await {
            assert_eq!(response.status(), 200);
            return started.elapsed();
        }
        assert!(child.try_wait().unwrap().is_none(), "seeg exited before serving");
        assert!(started.elapsed() < Duration::from_secs(30), "seeg did not serve within 30 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_fresh_folder_is_served_seeded_and_stopped_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");

    let mut child = seeg(dir.path(), port).spawn().unwrap();
    let ready_after = wait_until_serving(&base, &mut child).await;
    eprintln!("embedded start-up to first answer: {ready_after:?}");
    assert!(dir.path().join("data/seeg.db").is_file(), "SQLite database created under ./data");
    assert!(dir.path().join("data/blobs").is_dir(), "document folder created under ./data");

    let empty: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/public/jobs")).await.unwrap().json().await.unwrap();
    assert_eq!(empty, serde_json::json!([]));

    for expected in ["6 offre(s) de démonstration ajoutée(s)", "0 offre(s) de démonstration ajoutée(s)"] {
        let output = seeg(dir.path(), port).args(["demo", "seed"]).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), expected);
    }
    let count: serde_json::Value =
        reqwest::get(format!("{base}/api/v1/public/jobs/count")).await.unwrap().json().await.unwrap();
    assert_eq!(count["total"], 4, "6 samples: one internal and one draft are not public");

    let status = seeg(dir.path(), port).args(["migrate", "status"]).output().unwrap();
    let listing = String::from_utf8_lossy(&status.stdout);
    let applied = listing.lines().filter(|l| l.starts_with("[appliquée]")).count();
    assert_eq!(applied, <seeg_migration::Migrator as seeg_migration::MigratorTrait>::migrations().len(), "{listing}");

    let outbox = seeg(dir.path(), port).args(["outbox", "status"]).output().unwrap();
    assert!(String::from_utf8_lossy(&outbox.stdout).contains("lettres mortes : 0"));

    stop_gracefully(child, "-TERM", &base).await;
}

async fn stop_gracefully(child: Child, signal: &str, base: &str) {
    let killed = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let exit = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(exit.status.success(), "{signal}: a graceful stop exits 0: {}", String::from_utf8_lossy(&exit.stderr));
    assert!(reqwest::get(format!("{base}/health")).await.is_err(), "no longer listening");
}

#[tokio::test]
async fn ctrl_c_stops_gracefully_too() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = seeg(dir.path(), port).spawn().unwrap();
    wait_until_serving(&base, &mut child).await;
    stop_gracefully(child, "-INT", &base).await;
    // The pool was closed cleanly: SQLite folded its write-ahead log back into the database file.
    assert!(!dir.path().join("data/seeg.db-wal").exists());
}

#[tokio::test]
async fn production_refuses_to_start_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let output = seeg(dir.path(), free_port()).env("APP_ENV", "production").output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("PostgreSQL"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!dir.path().join("data").exists(), "nothing created");
}

#[tokio::test]
async fn a_postgresql_url_without_app_env_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 answers nothing: the refusal must come before any connection attempt.
    for url in ["postgres://seeg@127.0.0.1:9/seeg", "postgresql+asyncpg://seeg@127.0.0.1:9/seeg"] {
        let output =
            seeg(dir.path(), free_port()).env("DATABASE_URL", url).args(["migrate", "status"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{stderr}");
        assert!(stderr.contains("APP_ENV n'est pas défini"), "{stderr}");
    }
    assert!(!dir.path().join("data").exists(), "nothing created");
}
