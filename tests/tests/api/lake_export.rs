//! The data-lake export through the server (K4, I2): a submission's `application.submitted` event is run by the
//! relay, which writes the three R42 JSON documents and the PDFs at their R41 paths; running the export again the
//! same day rewrites byte-identical objects; a lake that fails leaves the event failing (the submission is still
//! 201) and the export lands once the lake works again.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone as _, Utc};
use seeg_adapters_blob::{BlobStorage, LakeStorage};
use seeg_adapters_memory::ManualClock;
use seeg_application::applications::{LakeExport, LakeExportOutcome};
use seeg_application::outbox::{HandlerRegistry, OutboxStore};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::eventually::eventually;
use seeg_tests::lake::{expected_keys, exported, partition};
use seeg_tests::{Backend, TestApp, on_backends};

async fn a_submission_reaches_the_lake_at_the_r41_paths_and_re_exports_identically(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_folders(backend, dir.path()).await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
    let keys = exported(&lake).await;
    let date = partition(&keys);
    assert_eq!(keys, expected_keys(date, &application.data));
    let fact_key = keys.iter().find(|k| k.starts_with("facts/")).unwrap();
    let fact = lake.get(fact_key).await.unwrap().unwrap();
    let fact: serde_json::Value = serde_json::from_slice(&fact.bytes).unwrap();
    assert_eq!(fact["application_id"], application.data["id"]);
    assert_eq!(fact["documents_count"], 3);
    for path in fact["document_blob_paths"].as_array().unwrap() {
        assert!(keys.iter().any(|k| path["blob_path"] == k.as_str()), "{path} written");
    }
    let mut before = Vec::new();
    for key in &keys {
        before.push(lake.get(key).await.unwrap().unwrap().bytes);
    }

    // The same export again, the same day (a replayed event): the same keys, the same bytes.
    let export = LakeExport::new(
        Arc::new(app.database.clone()),
        Arc::new(app.database.clone()),
        Arc::new(app.database.clone()),
        Arc::new(app.database.clone()),
        Arc::new(BlobStorage::local(&dir.path().join("blobs")).unwrap()),
        Arc::new(lake.clone()),
        Arc::new(app.database.clone()),
        Arc::new(ManualClock::new(Utc.from_utc_datetime(&date.and_hms_opt(23, 59, 59).unwrap()))),
    );
    let id = application.id;
    let outcome = export.export(id).await.unwrap();
    assert!(matches!(outcome, LakeExportOutcome::Exported { keys: ref written } if written.len() == 6), "{outcome:?}");
    assert_eq!(lake.keys("").await.unwrap(), keys);
    for (key, bytes) in keys.iter().zip(&before) {
        assert_eq!(&lake.get(key).await.unwrap().unwrap().bytes, bytes, "{key} byte-identical");
    }
}

async fn a_failing_lake_keeps_the_export_pending_until_it_works_again(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_folders(backend, dir.path()).await;
    // A file where the lake's folder should be: every write fails.
    let raw: PathBuf = dir.path().join("raw");
    std::fs::remove_dir_all(&raw).unwrap();
    std::fs::write(&raw, b"not a folder").unwrap();

    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Chef d'usine d'eau", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await; // 201 although the lake fails
    let failing = eventually("the export failing", async || {
        let stats = OutboxStore::stats(&app.database).await.unwrap();
        (stats.failing >= 1).then_some(stats)
    })
    .await;
    assert_eq!(failing.dead, 0, "{failing:?}");
    assert!(failing.by_kind.iter().any(|k| k.kind == "application.submitted" && k.pending == 1), "{failing:?}");

    std::fs::remove_file(&raw).unwrap();
    let lake = LakeStorage::local(&raw).unwrap();
    let keys = exported(&lake).await;
    assert_eq!(keys, expected_keys(partition(&keys), &application.data));
    let done = eventually("the event done", async || {
        let stats = OutboxStore::stats(&app.database).await.unwrap();
        (stats.pending == 0).then_some(stats)
    })
    .await;
    assert_eq!(done.dead, 0, "{done:?}");
}

/// An Azure lake that does not answer at start-up (its container cannot be created yet) does not stop the service
/// (I2): submissions are taken, their exports wait in the outbox, failing, retried.
async fn an_unreachable_azure_lake_does_not_stop_the_service(backend: Backend) {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let connection = format!(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=bm90LWEta2V5;\
         BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;"
    );
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.lake.kind = seeg_server::settings::StorageKind::Azure;
        s.lake.azure_connection_string = connection.into();
        s.outbox.base_delay_ms = 20;
        s.outbox.max_delay_secs = 1;
        s.outbox.max_attempts = 1_000;
    })
    .await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Chef d'usine d'eau", OfferVisibility::Everyone).await;
    app.submit(&token, &job, "awa").await; // 201
    let failing = eventually("the export failing", async || {
        let stats = OutboxStore::stats(&app.database).await.unwrap();
        (stats.failing >= 1).then_some(stats)
    })
    .await;
    assert!(failing.by_kind.iter().any(|k| k.kind == "application.submitted" && k.pending == 1), "{failing:?}");
}

on_backends!(Sqlite, Postgres =>
    a_submission_reaches_the_lake_at_the_r41_paths_and_re_exports_identically,
    a_failing_lake_keeps_the_export_pending_until_it_works_again,
    an_unreachable_azure_lake_does_not_stop_the_service,
);
