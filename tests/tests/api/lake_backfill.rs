//! `seeg lake backfill` end to end (B6): arguments parsed as the binary parses them, the database, the documents
//! and a local-folder lake named by the settings, the summary it prints and its exit status (an error when an
//! export failed or the command is refused). The export day comes from a manual clock.

use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use clap::Parser as _;
use seeg_adapters_blob::{BlobStorage, LakeStorage};
use seeg_adapters_memory::ManualClock;
use seeg_application::applications::{ApplicationDocument, NoProgress};
use seeg_application::documents::DocumentStore as _;
use seeg_domain::applications::{Application, DocumentType};
use seeg_server::Settings;
use seeg_server::cli::{Cli, Command};
use seeg_server::lake::{BackfillArgs, LakeAction};
use seeg_server::settings::StorageKind;
use seeg_tests::applications::committed;
use seeg_tests::{Backend, Ports, TestDatabase, on_backends, ports_of};
use uuid::Uuid;

const EXPORT_DAY: &str = "2026-03-10";

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
}

/// `seeg lake backfill ARGS…` as the binary reads it.
fn parse(args: &[&str]) -> BackfillArgs {
    let cli = Cli::try_parse_from(["seeg", "lake", "backfill"].iter().chain(args)).unwrap();
    match cli.command {
        Some(Command::Lake { action: LakeAction::Backfill(args) }) => args,
        other => panic!("{other:?}"),
    }
}

/// Settings over `db`, documents and lake in folders of `dir`.
fn settings(db: &TestDatabase, dir: &Path) -> Settings {
    let mut settings = seeg_tests::settings(&db.url);
    settings.storage.kind = StorageKind::Local;
    settings.storage.path = dir.join("blobs");
    settings.lake.enabled = true;
    settings.lake.kind = StorageKind::Local;
    settings.lake.path = dir.join("raw");
    settings
}

/// Runs the command on `EXPORT_DAY`; returns its outcome and what it printed.
async fn backfill(settings: &Settings, args: &[&str]) -> (anyhow::Result<()>, String) {
    let noon = EXPORT_DAY.parse::<NaiveDate>().unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let mut out = Vec::new();
    let done =
        seeg_server::lake::command(settings, Arc::new(ManualClock::new(noon)), &parse(args), &NoProgress, &mut out)
            .await;
    (done, String::from_utf8(out).unwrap())
}

/// The R41 keys of `application`'s export on `EXPORT_DAY`, its PDF named `cv.pdf` when it has one.
fn keys_of(application: &Application, with_pdf: bool) -> Vec<String> {
    let d = EXPORT_DAY;
    let mut keys = vec![
        format!("dimensions/dim_candidates/ingestion_date={d}/{}.json", application.candidate_id),
        format!("dimensions/dim_job_offers/ingestion_date={d}/{}.json", application.job_offer_id),
        format!("facts/fact_applications/ingestion_date={d}/{}.json", application.id),
    ];
    if with_pdf {
        keys.push(format!("documents/ingestion_date={d}/{}/cv_cv.pdf", application.id));
    }
    keys
}

/// Two applications a day from 1 to 4 March; the first has a CV stored in `dir`'s documents.
async fn seed(p: &Ports, dir: &Path) -> Vec<Application> {
    let mut created: Vec<DateTime<Utc>> = Vec::new();
    for d in 1..=4 {
        let midnight = day(d).and_hms_opt(0, 0, 0).unwrap().and_utc();
        created.extend([midnight, midnight + TimeDelta::hours(18)]);
    }
    let applications = committed(p, &created).await;
    let documents = BlobStorage::local(&dir.join("blobs")).unwrap();
    let stored = documents.put(Bytes::from_static(b"%PDF-1.4\n% cv\n%%EOF\n")).await.unwrap();
    let first = &applications[0];
    let row = ApplicationDocument {
        id: Uuid::from_u128(1),
        application_id: first.id,
        document_type: DocumentType::Cv,
        file_name: "cv.pdf".into(),
        file_size: stored.size,
        file_type: "application/pdf".into(),
        storage_key: stored.key,
        sha256: stored.sha256,
        uploaded_at: first.created_at,
    };
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert_document(&row).await.unwrap();
    tx.commit().await.unwrap();
    applications
}

async fn sorted_keys(lake: &LakeStorage) -> Vec<String> {
    let mut keys = lake.keys("").await.unwrap();
    keys.sort();
    keys
}

async fn the_command_exports_the_window_and_prints_its_summary(backend: Backend) {
    let (db, dir) = (TestDatabase::create(backend).await, tempfile::tempdir().unwrap());
    let database = db.connect().await;
    let applications = seed(&ports_of(&database), dir.path()).await;
    let settings = settings(&db, dir.path());
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();

    let (done, printed) = backfill(&settings, &["--since", "2026-03-01", "--until", "2026-03-02"]).await;
    done.unwrap();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines[..3], ["candidatures exportées : 4", "supprimées entre-temps : 0", "en échec : 0"], "{printed}");
    assert!(lines[3].starts_with("durée : ") && lines[3].ends_with(" candidatures/s)"), "{printed}");
    assert_eq!(lines.len(), 4, "{printed}");
    let mut expected: Vec<String> =
        applications[..4].iter().enumerate().flat_map(|(i, a)| keys_of(a, i == 0)).collect();
    expected.sort();
    expected.dedup(); // the offers' dimension is shared
    assert_eq!(sorted_keys(&lake).await, expected);
    let pdf = lake.get(&keys_of(&applications[0], true)[3]).await.unwrap().unwrap();
    assert_eq!(pdf.bytes.as_ref(), b"%PDF-1.4\n% cv\n%%EOF\n");

    // Everything, eight at once: the first four rewritten (same keys), the last four added.
    let before = lake.get(&expected[0]).await.unwrap().unwrap().bytes;
    let (done, printed) = backfill(&settings, &["--concurrency", "8"]).await;
    done.unwrap();
    assert!(printed.starts_with("candidatures exportées : 8\n"), "{printed}");
    let mut all: Vec<String> = applications.iter().enumerate().flat_map(|(i, a)| keys_of(a, i == 0)).collect();
    all.sort();
    all.dedup();
    assert_eq!(sorted_keys(&lake).await, all);
    assert_eq!(lake.get(&expected[0]).await.unwrap().unwrap().bytes, before, "byte-identical the same day");
}

async fn a_failed_export_is_listed_by_id_and_fails_the_command(backend: Backend) {
    let (db, dir) = (TestDatabase::create(backend).await, tempfile::tempdir().unwrap());
    let database = db.connect().await;
    let applications = seed(&ports_of(&database), dir.path()).await;
    // A folder where one fact object should be written: that export fails, the others go on.
    let failing = &applications[5];
    let blocked = dir.path().join("raw").join(&keys_of(failing, false)[2]);
    std::fs::create_dir_all(&blocked).unwrap();

    let (done, printed) = backfill(&settings(&db, dir.path()), &["--since", "2026-03-03"]).await;
    assert_eq!(done.unwrap_err().to_string(), "1 export(s) en échec");
    assert!(
        printed.starts_with(&format!(
            "candidatures exportées : 3\nsupprimées entre-temps : 0\nen échec : 1\n  {}\ndurée : ",
            failing.id
        )),
        "{printed}"
    );
}

async fn the_command_is_refused_with_the_lake_off_or_an_inverted_window(backend: Backend) {
    let (db, dir) = (TestDatabase::create(backend).await, tempfile::tempdir().unwrap());
    let database = db.connect().await;
    seed(&ports_of(&database), dir.path()).await;
    let mut settings = settings(&db, dir.path());

    let (done, printed) = backfill(&settings, &["--since", "2026-03-03", "--until", "2026-03-02"]).await;
    assert_eq!(
        done.unwrap_err().to_string(),
        "--since (2026-03-03) est postérieur à --until (2026-03-02) : aucune candidature ne peut s'y trouver"
    );
    assert!(printed.is_empty());
    let (done, _) = backfill(&settings, &["--concurrency", "0"]).await;
    assert_eq!(done.unwrap_err().to_string(), "--concurrency doit être compris entre 1 et 32 (reçu : 0)");
    let error = Cli::try_parse_from(["seeg", "lake", "backfill", "--since", "03/03/2026"]).unwrap_err().to_string();
    assert!(error.contains("date attendue au format AAAA-MM-JJ : « 03/03/2026 »"), "{error}");

    settings.lake.enabled = false;
    let (done, printed) = backfill(&settings, &[]).await;
    assert_eq!(
        done.unwrap_err().to_string(),
        "le lac de données est désactivé (lake.enabled = false) : aucune candidature n'est exportée"
    );
    assert!(printed.is_empty());
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
    assert!(lake.keys("").await.unwrap().is_empty(), "nothing written");
}

on_backends!(Sqlite, Postgres =>
    the_command_exports_the_window_and_prints_its_summary,
    a_failed_export_is_listed_by_id_and_fails_the_command,
    the_command_is_refused_with_the_lake_off_or_an_inverted_window,
);
