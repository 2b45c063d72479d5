//! The orphan-document sweep around the real service: objects no application names (a refused or interrupted
//! submission) go once older than the grace period, by `seeg documents sweep` and by the server on its own, while
//! a submitted application's documents stay downloadable. Time moves by a manual clock (the command) or by
//! back-dating the files (the server, which runs on the system clock), never by waiting a day.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use chrono::TimeDelta;
use seeg_adapters_blob::BlobStorage;
use seeg_adapters_memory::ManualClock;
use seeg_application::documents::{DOCUMENTS_PREFIX, DocumentStore, UPLOADS_PREFIX};
use seeg_application::documents_sweep::SweepReport;
use seeg_application::outbox::HandlerRegistry;
use seeg_application::{Clock, SystemClock};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_server::Settings;
use seeg_server::settings::StorageKind;
use seeg_tests::eventually::eventually;
use seeg_tests::http::Answer;
use seeg_tests::submissions::Submitted;
use seeg_tests::submissions::{REQUIRED_TYPES, labelled_pdf, submission_body};
use seeg_tests::{Backend, TestApp, on_backends};

/// Documents in a local folder the test can also open (the test configuration keeps them in memory).
fn local_storage(settings: &mut Settings, root: &Path) {
    settings.storage.kind = StorageKind::Local;
    settings.storage.path = root.to_path_buf();
}

async fn keys(store: &dyn DocumentStore) -> Vec<String> {
    let mut keys = Vec::new();
    for prefix in [DOCUMENTS_PREFIX, UPLOADS_PREFIX] {
        keys.extend(store.list(prefix).await.unwrap().into_iter().map(|o| o.key));
    }
    keys.sort();
    keys
}

/// Puts what an interrupted submission leaves behind: the bytes of a commit that never happened, and a
/// temporary upload object. Returns their keys.
async fn leave_orphans(store: &BlobStorage) -> Vec<String> {
    let refused = store.put(labelled_pdf("commit refusé").into()).await.unwrap();
    let uploads = store.prefixed(UPLOADS_PREFIX.trim_end_matches('/'));
    let temporary = uploads.put(labelled_pdf("envoi interrompu").into()).await.unwrap();
    vec![refused.key, format!("{UPLOADS_PREFIX}{}", temporary.key)]
}

/// Every document of `application` downloads with the bytes submitted under `label`.
async fn documents_download(app: &TestApp, token: &str, application: &Submitted, label: &str) {
    let id = application.id;
    let listed = app.get_as(token, &format!("/api/v1/applications/{id}/documents")).await.body;
    let documents = listed["data"].as_array().unwrap();
    assert_eq!(documents.len(), REQUIRED_TYPES.len(), "{listed}");
    for document in documents {
        let kind = document["document_type"].as_str().unwrap();
        let path = format!("/api/v1/applications/{id}/documents/{}/download", document["id"].as_str().unwrap());
        let response = app.client.get(app.url(&path)).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), 200, "{kind}");
        assert_eq!(response.bytes().await.unwrap().as_ref(), labelled_pdf(&format!("{label} {kind}")), "{kind}");
    }
}

async fn the_command_sweeps_orphans_after_the_grace_period_and_keeps_submitted_documents(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| local_storage(s, &root)).await;
    let store = BlobStorage::local(&root).unwrap();
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let submitted = keys(&store).await;
    assert_eq!(submitted.len(), REQUIRED_TYPES.len());

    // A refused submission (the same candidate, the same offer: I4) is answered before anything is stored.
    let Answer { status, body, .. } = app.post_submission(&token, &submission_body(&job, "deuxième essai")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(keys(&store).await, submitted);
    // One interrupted after its bytes were stored leaves orphans.
    let orphans = leave_orphans(&store).await;
    assert_eq!(keys(&store).await.len(), submitted.len() + orphans.len());

    let mut settings = seeg_tests::settings(app.database_url());
    local_storage(&mut settings, &root);
    let now = SystemClock.now();
    let at = |delta: TimeDelta| -> Arc<dyn Clock> { Arc::new(ManualClock::new(now + delta)) };
    let sweep = async |delta, dry_run| seeg_server::documents::sweep(&settings, at(delta), dry_run).await.unwrap();

    // Within the grace period (24 h by default) nothing goes: a submission may still be committing.
    let report = sweep(TimeDelta::hours(23), false).await;
    assert_eq!(report, SweepReport { listed: 5, young: 5, ..SweepReport::default() });
    let report = sweep(TimeDelta::hours(25), true).await;
    assert_eq!(report, SweepReport { listed: 5, referenced: 3, removed: 2, dry_run: true, ..SweepReport::default() });
    assert_eq!(keys(&store).await.len(), 5, "a dry run removes nothing");

    let report = sweep(TimeDelta::hours(25), false).await;
    assert_eq!(report, SweepReport { listed: 5, referenced: 3, removed: 2, ..SweepReport::default() });
    assert_eq!(keys(&store).await, submitted, "only the orphans went");
    documents_download(&app, &token, &application, "awa").await;
}

/// Sets the modification time of every file under `dir` to `at`.
fn back_date(dir: &Path, at: SystemTime) {
    let mut folders: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                std::fs::File::options().write(true).open(&path).unwrap().set_modified(at).unwrap();
            }
        }
    }
}

async fn the_server_sweeps_on_its_own_every_interval(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("blobs");
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        local_storage(s, &root);
        s.storage.sweep.enabled = true;
        s.storage.sweep.interval_secs = 1;
    })
    .await;
    let store = BlobStorage::local(&root).unwrap();
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let submitted = keys(&store).await;
    leave_orphans(&store).await;
    // Two days old: past the grace period for the server's own clock.
    back_date(&root, SystemTime::from(SystemClock.now() - TimeDelta::days(2)));

    eventually("the orphans are swept", async || (keys(&store).await == submitted).then_some(())).await;
    documents_download(&app, &token, &application, "awa").await;
}

on_backends!(Sqlite, Postgres =>
    the_command_sweeps_orphans_after_the_grace_period_and_keeps_submitted_documents,
    the_server_sweeps_on_its_own_every_interval,
);
