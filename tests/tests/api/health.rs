//! `/health` (liveness, real database check) and `/monitoring/health` (readiness), both public (D9 fixed).

use seeg_application::outbox::HandlerRegistry;
use seeg_server::settings::StorageKind;
use seeg_tests::{Backend, TestApp, on_backends};

async fn health_reports_a_connected_database(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "connected");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));

    let (status, body) = app.get_json("/monitoring/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["environment"], "test");
    assert_eq!(body["services"], serde_json::json!({"api": "up", "database": "up", "storage": "up"}));
}

async fn a_lost_database_degrades_health_and_fails_readiness(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // Closing a clone closes the pool the service uses.
    app.database.clone().close().await.unwrap();

    let (status, body) = app.get_json("/health").await;
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

/// Documents on Azure Blob (Azurite here): ready when the container takes a write; an unknown container is not.
async fn azure_storage_is_probed_like_any_other(backend: Backend) {
    let Some((connection, container)) = seeg_tests::storage::azurite() else {
        eprintln!("skipped: set TEST_AZURITE_URL (.ci/azurite.sh) to run against Azurite");
        return;
    };
    for (container, expected) in [(container, 200), ("absent-container".to_owned(), 503)] {
        let connection = connection.clone();
        let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
            s.storage.kind = StorageKind::Azure;
            s.storage.azure_connection_string = connection.into();
            s.storage.azure_container = container;
        })
        .await;
        assert_eq!(app.get("/monitoring/health").await.status(), expected);
    }
}

on_backends!(Sqlite, Postgres =>
    azure_storage_is_probed_like_any_other,
    health_reports_a_connected_database,
    a_lost_database_degrades_health_and_fails_readiness,
    storage_that_cannot_hold_documents_fails_readiness,
);
