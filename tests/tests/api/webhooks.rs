//! The webhook and the other export triggers (S9, K4, I2, legacy R40, R44): `POST
//! /api/v1/webhooks/application-submitted` does not exist without a secret, refuses a missing or wrong
//! `X-Webhook-Token`, and only queues the export (202, legacy body); the relay then writes it. A status change
//! re-exports the application; the Azure Function hears of submissions and webhook calls through the outbox
//! (retried when it fails); with the lake off, no export event is written at all.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use seeg_adapters_blob::LakeStorage;
use seeg_application::outbox::{HandlerRegistry, OutboxStats, OutboxStore};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_server::settings::{Settings, StorageKind};
use seeg_tests::eventually::eventually;
use seeg_tests::http::Answer;
use seeg_tests::submissions::Submitted;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "un-secret-de-webhook-pour-les-tests";
const PATH: &str = "/api/v1/webhooks/application-submitted";

/// The service with its lake in `dir/raw`, retrying failed runs quickly; `adjust` changes the rest.
async fn spawn(backend: Backend, dir: &Path, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let raw = dir.join("raw");
    TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.lake.kind = StorageKind::Local;
        s.lake.path = raw;
        s.outbox.base_delay_ms = 20;
        s.outbox.max_delay_secs = 1;
        s.outbox.max_attempts = 1_000;
        adjust(s);
    })
    .await
}

async fn call(app: &TestApp, token: Option<&str>, body: &Value) -> Answer {
    let mut request = app.client.post(app.url(PATH)).json(body);
    if let Some(token) = token {
        request = request.header("X-Webhook-Token", token);
    }
    Answer::read(request.send().await.unwrap()).await
}

/// A candidate's submission to a new open offer.
async fn submitted(app: &TestApp) -> Submitted {
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    app.submit(&token, &job, "awa").await
}

fn pending_of(stats: &OutboxStats, kind: &str) -> u64 {
    stats.by_kind.iter().find(|k| k.kind == kind).map_or(0, |k| k.pending)
}

async fn documents_size(app: &TestApp, application: &Submitted) -> u64 {
    let path = format!("/api/v1/applications/{}/documents", application.id);
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let response = app.client.get(app.url(&path)).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let documents = body["data"].as_array().unwrap();
    assert_eq!(documents.len(), 3, "{body}");
    documents.iter().map(|d| d["file_size"].as_u64().unwrap()).sum()
}

async fn without_a_secret_the_webhook_does_not_exist(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(backend, dir.path(), |_| {}).await;
    let application = submitted(&app).await;
    for token in [None, Some(""), Some(SECRET)] {
        let Answer { status, body, .. } = call(&app, token, &json!({"application_id": application.id})).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("route_not_found")), "{token:?}: {body}");
    }
    // Another method is no hint either: the path answers as an unknown one would.
    let Answer { status, body, .. } = app.get_json(PATH).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("route_not_found")), "{body}");
    // A secret with the webhook turned off: still absent.
    let off = spawn(backend, dir.path(), |s| {
        s.webhook.secret = SECRET.to_owned().into();
        s.webhook.enabled = false;
    })
    .await;
    let Answer { status, body, .. } = call(&off, Some(SECRET), &json!({"application_id": Uuid::nil()})).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("route_not_found")), "{body}");
}

async fn the_token_guards_the_webhook_and_an_accepted_call_only_queues_the_export(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    // No relay: whatever the webhook asks for stays in the outbox, so nothing can have run inline.
    let app = spawn(backend, dir.path(), |s| {
        s.webhook.secret = SECRET.to_owned().into();
        s.outbox.enabled = false;
    })
    .await;
    let application = submitted(&app).await;
    let id = application.id;
    let body = json!({"application_id": id, "last_watermark": "2026-11-01T00:00:00Z"});

    for token in
        [None, Some(""), Some("un-secret-de-webhook-pour-les-test"), Some("UN-SECRET-DE-WEBHOOK-POUR-LES-TESTS")]
    {
        let Answer { status, body: answer, .. } = call(&app, token, &body).await;
        assert_eq!(status, 401, "{token:?}: {answer}");
        assert_eq!(answer["code"], "invalid_webhook_token", "{answer}");
        assert_eq!(answer["detail"], "Webhook non autorisé", "{answer}");
    }
    // On, the path has one method.
    let Answer { status, body: answer, .. } = app.get_json(PATH).await;
    assert_eq!((status, answer["code"].as_str()), (405, Some("method_not_allowed")), "{answer}");
    // A wrong token learns nothing about the body either.
    let status = call(&app, Some("faux"), &json!({"rien": true})).await.status;
    assert_eq!(status, 401);

    let Answer { status, body: answer, .. } = call(&app, Some(SECRET), &json!({"application_id": "pas-un-uuid"})).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{answer}");
    let Answer { status, body: answer, .. } = call(&app, Some(SECRET), &json!({})).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{answer}");
    let Answer { status, body: answer, .. } = call(
        &app,
        Some(SECRET),
        &json!({"application_id": Uuid::from_u128(0x8a5e_2f0e_8a43_4f5e_9d55_4f1f_1b9d_2c11)}),
    )
    .await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")), "{answer}");

    let before = OutboxStore::stats(&app.database).await.unwrap();
    assert_eq!(pending_of(&before, "lake.export_requested"), 0, "{before:?}");
    let Answer { status, body: answer, .. } = call(&app, Some(SECRET), &body).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(answer["message"], "Export ETL Data Warehouse effectué (Star Schema)");
    let data = &answer["data"];
    assert_eq!(data["application_id"], json!(id));
    assert_eq!(data["exported_to_blob"], true);
    assert_eq!(data["documents_count"], 3);
    let size = documents_size(&app, &application).await;
    #[allow(clippy::cast_precision_loss)]
    let mb = (size as f64 / 1_048_576.0 * 100.0).round() / 100.0;
    assert!((data["total_size_mb"].as_f64().unwrap() - mb).abs() < f64::EPSILON, "{data} vs {mb}");
    // R41 keys in the partition of the day the export is asked for.
    let fact = data["tables_exported"]["fact_applications"].as_str().unwrap();
    let date = fact.split("ingestion_date=").nth(1).unwrap().split('/').next().unwrap();
    assert!(chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(), "{fact}");
    let tables = json!({
        "dim_candidates": format!("dimensions/dim_candidates/ingestion_date={date}/{}.json", application.candidate_id),
        "dim_job_offers": format!("dimensions/dim_job_offers/ingestion_date={date}/{}.json", application.job_offer_id),
        "fact_applications": format!("facts/fact_applications/ingestion_date={date}/{id}.json"),
    });
    assert_eq!(data["tables_exported"], tables);

    // Queued, not run: one more export request waits, and the lake is still empty.
    let after = OutboxStore::stats(&app.database).await.unwrap();
    assert_eq!(pending_of(&after, "lake.export_requested"), 1, "{after:?}");
    assert_eq!(pending_of(&after, "application.submitted"), 1, "{after:?}");
    assert!(pending_of(&after, "azure_function.application_submitted") == 0, "no function configured: {after:?}");
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
    assert_eq!(lake.keys("").await.unwrap(), Vec::<String>::new());
}

/// The lake's keys once `count` objects are there.
async fn lake_keys(lake: &LakeStorage, count: usize) -> Vec<String> {
    eventually("the export", async || {
        let keys = lake.keys("").await.unwrap();
        (keys.len() == count).then_some(keys)
    })
    .await
}

async fn the_relay_writes_what_the_webhook_queued(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(backend, dir.path(), |s| s.webhook.secret = SECRET.to_owned().into()).await;
    let application = submitted(&app).await;
    let raw = dir.path().join("raw");
    let lake = LakeStorage::local(&raw).unwrap();
    let first = lake_keys(&lake, 6).await;
    // The warehouse lost its copy: the webhook asks again.
    std::fs::remove_dir_all(&raw).unwrap();
    std::fs::create_dir_all(&raw).unwrap();
    let Answer { status, body: answer, .. } =
        call(&app, Some(SECRET), &json!({"application_id": application.id})).await;
    assert_eq!(status, 202, "{answer}");
    let again = lake_keys(&lake, 6).await;
    assert_eq!(again, first);
    for table in ["dim_candidates", "dim_job_offers", "fact_applications"] {
        let key = answer["data"]["tables_exported"][table].as_str().unwrap();
        assert!(again.iter().any(|k| k == key), "{key} written");
    }
}

async fn a_status_change_re_exports_the_application_with_its_new_status(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(backend, dir.path(), |_| {}).await;
    let application = submitted(&app).await;
    let id = application.id;
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
    let keys = lake_keys(&lake, 6).await;
    let fact_key = keys.iter().find(|k| k.starts_with("facts/")).unwrap().clone();
    let status_of = async || -> String {
        let fact = lake.get(&fact_key).await.unwrap().unwrap();
        let fact: Value = serde_json::from_slice(&fact.bytes).unwrap();
        fact["status"].as_str().unwrap().to_owned()
    };
    assert_eq!(status_of().await, "candidature");

    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let path = format!("/api/v1/applications/{id}");
    let response =
        app.client.put(app.url(&path)).bearer_auth(&recruiter).json(&json!({"status": "incubation"})).send().await;
    assert_eq!(response.unwrap().status(), 200);
    eventually("the re-export with the new status", async || (status_of().await == "incubation").then_some(())).await;
    let stats = eventually("every export done", async || {
        let stats = OutboxStore::stats(&app.database).await.unwrap();
        (stats.pending == 0).then_some(stats)
    })
    .await;
    assert_eq!(stats.dead, 0, "{stats:?}");
}

async fn a_document_change_re_exports_the_application_with_its_documents(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(backend, dir.path(), |_| {}).await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let job = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let id = application.id;
    let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
    let keys = lake_keys(&lake, 6).await;
    let fact_key = keys.iter().find(|k| k.starts_with("facts/")).unwrap().clone();

    // The candidate adds an optional document while the application is still `candidature` (I10).
    let pdf = seeg_tests::submissions::labelled_pdf("awa certificats");
    let body = json!({
        "document_type": "certificats",
        "file_name": "certificats.pdf",
        "file_data": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pdf),
    });
    let path = format!("/api/v1/applications/{id}/documents");
    let response = app.client.post(app.url(&path)).bearer_auth(&token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{:?}", response.text().await);

    let keys = lake_keys(&lake, 7).await;
    let pdf_key = keys.iter().find(|k| k.ends_with("/certificats_certificats.pdf")).expect("the new PDF copied");
    assert_eq!(lake.get(pdf_key).await.unwrap().unwrap().bytes, pdf);
    let fact = eventually("the fact listing four documents", async || {
        let fact = lake.get(&fact_key).await.unwrap().unwrap();
        let fact: Value = serde_json::from_slice(&fact.bytes).unwrap();
        (fact["documents_count"] == 4).then_some(fact)
    })
    .await;
    let types: Vec<&str> =
        fact["documents"].as_array().unwrap().iter().map(|d| d["document_type"].as_str().unwrap()).collect();
    assert!(types.contains(&"certificats"), "{types:?}");
}

/// A stand-in for the Azure Function: records each call (query and body) and whether the lake folder `raw` then
/// held the application's fact; answers 503 to the first `failures` calls, then 200.
#[derive(Default)]
struct Function {
    calls: Mutex<Vec<(String, Value)>>,
    fact_written_before: Mutex<Vec<bool>>,
    failures: AtomicUsize,
    raw: std::path::PathBuf,
}

async fn function_endpoint(
    request: HttpRequest,
    body: web::Json<Value>,
    function: web::Data<Function>,
) -> HttpResponse {
    let body = body.into_inner();
    let fact = format!("{}.json", body["application_id"].as_str().unwrap_or_default());
    let lake = LakeStorage::local(&function.raw).unwrap();
    let written = lake.keys("facts/").await.unwrap().iter().any(|key| key.ends_with(&fact));
    function.fact_written_before.lock().unwrap().push(written);
    function.calls.lock().unwrap().push((request.query_string().to_owned(), body));
    let fail = function.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    if fail { HttpResponse::ServiceUnavailable().finish() } else { HttpResponse::Ok().json(json!({"ok": true})) }
}

/// Starts the stand-in on a free loopback port; returns its URL.
fn start_function(function: Arc<Function>) -> String {
    let data = web::Data::from(function);
    let server = HttpServer::new(move || {
        App::new().app_data(data.clone()).route("/api/on-submitted", web::post().to(function_endpoint))
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let port = server.addrs()[0].port();
    tokio::spawn(server.run());
    format!("http://127.0.0.1:{port}/api/on-submitted")
}

async fn the_azure_function_hears_of_exported_submissions_and_webhook_calls_and_is_retried(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let function = Arc::new(Function { raw: dir.path().join("raw"), ..Function::default() });
    function.failures.store(2, Ordering::SeqCst);
    let url = start_function(Arc::clone(&function));
    let app = spawn(backend, dir.path(), move |s| {
        s.webhook.secret = SECRET.to_owned().into();
        s.azure_function.url = url;
        s.azure_function.key = "cle-de-la-fonction".to_owned().into();
    })
    .await;
    let application = submitted(&app).await;
    let id = application.id;

    // Two refusals, then the call goes through: three calls, all for the submission, with the key as `code`.
    let calls = eventually("the function called until it answers 200", async || {
        let calls = function.calls.lock().unwrap().clone();
        (calls.len() >= 3).then_some(calls)
    })
    .await;
    for (query, body) in &calls {
        assert_eq!(query, "code=cle-de-la-fonction");
        assert_eq!(body, &json!({"application_id": id, "last_watermark": null}));
    }
    // R40 order: every call came after the export had written the application's fact.
    assert!(function.fact_written_before.lock().unwrap().iter().all(|written| *written), "called before the export");
    let settled = eventually("the export and its call done", async || {
        let stats = OutboxStore::stats(&app.database).await.unwrap();
        (stats.pending == 0).then_some(stats)
    })
    .await;
    assert_eq!(settled.dead, 0, "{settled:?}");
    assert_eq!(function.calls.lock().unwrap().len(), 3, "not called again once it answered 200");

    // The webhook tells it too, with the caller's watermark.
    let body = json!({"application_id": id, "last_watermark": "2026-11-01T00:00:00Z"});
    let Answer { status, body: answer, .. } = call(&app, Some(SECRET), &body).await;
    assert_eq!(status, 202, "{answer}");
    let last = eventually("the webhook's call", async || {
        let calls = function.calls.lock().unwrap().clone();
        (calls.len() == 4).then(|| calls[3].clone())
    })
    .await;
    assert_eq!(last, ("code=cle-de-la-fonction".to_owned(), body));
}

async fn a_function_url_with_its_code_is_called_as_given(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let function = Arc::new(Function { raw: dir.path().join("raw"), ..Function::default() });
    let url = format!("{}?code=cle-dans-l-url", start_function(Arc::clone(&function)));
    let app = spawn(backend, dir.path(), move |s| {
        s.lake.enabled = false;
        s.azure_function.url = url;
        s.azure_function.key = "cle-des-reglages".to_owned().into();
    })
    .await;
    let application = submitted(&app).await;
    let (query, body) =
        eventually("the function called", async || function.calls.lock().unwrap().first().cloned()).await;
    // Azure's "function URL" already holds the key: it is not sent a second time.
    assert_eq!(query, "code=cle-dans-l-url");
    assert_eq!(body, json!({"application_id": application.id, "last_watermark": null}));
}

async fn with_the_lake_off_no_export_event_is_written_and_the_function_has_its_own(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = spawn(backend, dir.path(), |s| {
        s.lake.enabled = false;
        s.webhook.secret = SECRET.to_owned().into();
        "http://127.0.0.1:9/fonction".clone_into(&mut s.azure_function.url);
        s.outbox.enabled = false;
    })
    .await;
    let application = submitted(&app).await;
    let Answer { status, body: answer, .. } =
        call(&app, Some(SECRET), &json!({"application_id": application.id})).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["data"]["exported_to_blob"], false);
    assert_eq!(
        answer["data"]["tables_exported"],
        json!({"dim_candidates": null, "dim_job_offers": null, "fact_applications": null})
    );
    assert_eq!(answer["data"]["documents_count"], 3);
    // A status change re-exports nothing either.
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let path = format!("/api/v1/applications/{}", application.id);
    let response =
        app.client.put(app.url(&path)).bearer_auth(&recruiter).json(&json!({"status": "incubation"})).send().await;
    assert_eq!(response.unwrap().status(), 200);
    let stats = OutboxStore::stats(&app.database).await.unwrap();
    let kinds: Vec<(&str, u64)> = stats.by_kind.iter().map(|k| (k.kind.as_str(), k.pending)).collect();
    // The submission's and the webhook's function calls; the confirmation and the status e-mails.
    assert_eq!(kinds, [("azure_function.application_submitted", 2), ("mail.send", 2)], "{stats:?}");
}

on_backends!(Sqlite, Postgres =>
    without_a_secret_the_webhook_does_not_exist,
    the_token_guards_the_webhook_and_an_accepted_call_only_queues_the_export,
    the_relay_writes_what_the_webhook_queued,
    a_status_change_re_exports_the_application_with_its_new_status,
    a_document_change_re_exports_the_application_with_its_documents,
    the_azure_function_hears_of_exported_submissions_and_webhook_calls_and_is_retried,
    a_function_url_with_its_code_is_called_as_given,
    with_the_lake_off_no_export_event_is_written_and_the_function_has_its_own,
);
