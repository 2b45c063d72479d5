//! `/health` (liveness, real database check) and `/monitoring/health` (readiness), both public (D9 fixed).

use seeg_adapters_blob::LakeStorage;
use seeg_application::outbox::HandlerRegistry;
use seeg_server::settings::StorageKind;
use seeg_server::startup::Application;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};

async fn health_reports_a_connected_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Answer { status, body, .. } = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "connected");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));

    let Answer { status, body, .. } = app.get_json("/monitoring/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["environment"], "test");
    assert_eq!((body["services"]["api"].as_str(), body["services"]["database"].as_str()), (Some("up"), Some("up")));
    assert_eq!((body["services"]["storage"].as_str(), body["services"]["cache"].as_str()), (Some("up"), Some("up")));
}

async fn a_lost_database_degrades_health_and_fails_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Closing a clone closes the pool the service uses.
    app.database.clone().close().await.unwrap();

    let Answer { status, body, .. } = app.get_json("/health").await;
    assert_eq!(status, 200, "liveness stays up: the process serves");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["database"], "disconnected");

    let response = app.get("/monitoring/health").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["services"]["database"], "down");
    assert_eq!(body["services"]["storage"], "up");
}

async fn storage_that_cannot_hold_documents_fails_readiness(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.storage.kind = StorageKind::Local;
        s.storage.path.clone_from(&root);
    })
    .await;
    assert_eq!(app.get("/monitoring/health").await.status(), 200);

    std::fs::remove_dir_all(&root).unwrap();
    std::fs::write(&root, b"a file where the folder was").unwrap();
    let response = app.get("/monitoring/health").await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["services"]["storage"], "down");
    assert_eq!(body["services"]["database"], "up");
}

/// Documents on Azure Blob (Azurite here): the start-up creates a missing container, then the service is
/// ready; with a SAS only it cannot create one, so a missing container is not ready; a key Azure refuses stops the
/// start-up with a message that names the container, not the key. The lake's container is created the same way.
async fn azure_storage_is_created_at_start_up_and_probed_like_any_other(backend: Backend) {
    let Some((connection, _)) = seeg_tests::storage::azurite() else {
        eprintln!("skipped: set TEST_AZURITE_URL (.ci/azurite.sh) to run against Azurite");
        return;
    };
    let endpoint = connection.split(';').find(|p| p.starts_with("BlobEndpoint=")).unwrap().to_owned();
    let sas_only = format!("AccountName=devstoreaccount1;{endpoint};SharedAccessSignature=sv=2023-11-03&sig=none");
    for (connection, expected) in [(connection.clone(), 200), (sas_only, 503)] {
        let container = seeg_tests::storage::test_prefix("health");
        let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
            s.storage.kind = StorageKind::Azure;
            s.storage.azure_connection_string = connection.into();
            s.storage.azure_container = container;
        })
        .await;
        assert_eq!(app.get("/monitoring/health").await.status(), expected);
    }
    // The lake's container too, when the export is on.
    let lake_container = seeg_tests::storage::test_prefix("raw");
    let lake = LakeStorage::azure(&connection, &lake_container).unwrap();
    assert!(lake.keys("").await.is_err(), "{lake_container} does not exist yet");
    let (lake_connection, name) = (connection.clone(), lake_container.clone());
    let _app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.lake.kind = StorageKind::Azure;
        s.lake.azure_connection_string = lake_connection.into();
        s.lake.azure_container = name;
    })
    .await;
    assert_eq!(lake.keys("").await.unwrap(), Vec::<String>::new(), "{lake_container} created at start-up");

    let db = seeg_tests::TestDatabase::create(backend).await;
    let mut settings = seeg_tests::settings(&db.url);
    let wrong_key = "bm90IHRoZSBhY2NvdW50IGtleQ==";
    settings.storage.kind = StorageKind::Azure;
    settings.storage.azure_connection_string =
        format!("AccountName=devstoreaccount1;AccountKey={wrong_key};{endpoint}").into();
    assert_eq!(settings.storage.azure_container, "documents", "the default container");
    let error = format!("{:#}", Application::build(&settings).await.unwrap_err());
    assert!(error.contains("conteneur Azure « documents » refusée : HTTP 403"), "{error}");
    assert!(!error.contains(wrong_key), "{error}");
}

/// Documents and the lake on S3 (moto here), wired from the settings: ready when the bucket takes a write; a
/// missing bucket is not (buckets are not created: they must exist).
async fn s3_storage_is_probed_like_any_other(backend: Backend) {
    let Some(location) = seeg_tests::storage::s3() else {
        eprintln!("skipped: set TEST_S3_URL (.ci/s3.sh) to run against an S3-compatible server");
        return;
    };
    for (bucket, expected) in [(location.bucket.clone(), 200), ("absent-bucket".to_owned(), 503)] {
        let (location, name) = (location.clone(), bucket.clone());
        let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
            for (kind, s3) in [(&mut s.storage.kind, &mut s.storage.s3), (&mut s.lake.kind, &mut s.lake.s3)] {
                *kind = StorageKind::S3;
                s3.bucket.clone_from(&name);
                s3.endpoint = location.endpoint.clone().unwrap_or_default();
                s3.access_key_id = location.access_key_id.clone().unwrap_or_default();
                s3.secret_access_key = location.secret_access_key.clone().unwrap_or_default().into();
            }
        })
        .await;
        assert_eq!(app.get("/monitoring/health").await.status(), expected, "bucket {bucket}");
    }
}

on_backends!(Sqlite, Postgres =>
    azure_storage_is_created_at_start_up_and_probed_like_any_other,
    s3_storage_is_probed_like_any_other,
    health_reports_a_connected_database,
    a_lost_database_degrades_health_and_fails_readiness,
    storage_that_cannot_hold_documents_fails_readiness,
);
