//! What an upload may cost before it is refused (S11 "limited before decoding"): a multipart submission checks
//! its caller, offer, deadline and duplicate before a byte is stored; adding a document stops at the first extra
//! file; a form's part count is capped (413); the 10-document / 40 MiB limits hold under concurrent adds; file
//! names are checked at upload and any stored name downloads with an RFC 6266 `Content-Disposition`.

use std::path::Path;

use chrono::TimeDelta;
use reqwest::multipart::{Form, Part};
use seeg_application::applications::{ApplicationRepository, UploadReservation};
use seeg_application::{Clock as _, IdGenerator as _, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_server::settings::StorageKind;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

use super::applications::{b64, pdf, submission};
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;

/// The service with its documents in `root`, a folder the test counts files in.
async fn with_local_storage(backend: Backend, root: &Path) -> TestApp {
    TestApp::spawn_with(backend, seeg_application::outbox::HandlerRegistry::default(), |settings| {
        settings.storage.kind = StorageKind::Local;
        settings.storage.path = root.to_path_buf();
    })
    .await
}

/// Every file under `root`, temporary uploads included.
fn stored_files(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root) else { return 0 };
    entries
        .map(|entry| entry.unwrap())
        .map(|entry| if entry.file_type().unwrap().is_dir() { stored_files(&entry.path()) } else { 1 })
        .sum()
}

/// A multipart submission to `job_offer_id`: its text fields first (with `leading` ones), then the three
/// required documents (bytes unique to `seed`), then `trailing` text fields.
fn form_to(
    job_offer_id: &str,
    offer: &JobOffer,
    seed: &str,
    leading: &[(&str, String)],
    trailing: &[(&str, String)],
) -> Form {
    let mut body = submission(offer);
    body["job_offer_id"] = json!(job_offer_id);
    for (name, value) in leading {
        body[*name] = json!(value);
    }
    let documents = ["cv", "cover_letter", "diplome"].map(|kind| (kind, pdf(&format!("{seed} {kind}"), 3000)));
    let mut form = with_files(text_parts(&body, trailing), documents);
    for (name, value) in trailing {
        form = form.text((*name).to_owned(), value.clone());
    }
    form
}

/// The text parts of a JSON submission body, but `skipped` ones.
fn text_parts(body: &Value, skipped: &[(&str, String)]) -> Form {
    let mut form = Form::new();
    for (key, value) in body.as_object().unwrap() {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Array(_) => continue,
            other => other.to_string(),
        };
        if skipped.iter().any(|(name, _)| name == key) {
            continue;
        }
        form = form.text(key.clone(), text);
    }
    form
}

/// `form` and one file part per (document type, bytes), named after its type.
fn with_files<const N: usize>(mut form: Form, documents: [(&str, Vec<u8>); N]) -> Form {
    for (document_type, bytes) in documents {
        let part = Part::bytes(bytes).file_name(format!("{document_type}.pdf")).mime_str("application/pdf").unwrap();
        form = form.part(document_type.to_owned(), part);
    }
    form
}

async fn closed_offer(app: &TestApp) -> JobOffer {
    let mut o = offer("Offre close", 0);
    o.application_deadline = Some(SystemClock.now() - TimeDelta::days(1));
    o.visibility = OfferVisibility::Everyone;
    app.insert_offers(std::slice::from_ref(&o)).await;
    o
}

async fn a_refused_streamed_submission_stores_nothing(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let closed = closed_offer(&app).await;
    let token = app.token_for(Role::Candidate, "flux@example.com").await.token;
    let path = "/api/v1/applications/";
    let unknown = SystemIds.new_id().to_string();
    let offer_id = offer.id.to_string();
    let cases: Vec<(Form, u16, &str)> = vec![
        (form_to(&unknown, &offer, "inconnue", &[], &[]), 404, "not_found"),
        (form_to(&closed.id.to_string(), &offer, "close", &[], &[]), 400, "offer_closed"),
        (
            form_to(&offer_id, &offer, "autre", &[("candidate_id", SystemIds.new_id().to_string())], &[]),
            403,
            "forbidden",
        ),
        (form_to(&offer_id, &offer, "en retard", &[], &[("job_offer_id", offer_id.clone())]), 422, "validation_error"),
    ];
    for (form, status, code) in cases {
        let Answer { status: got, body: answer, .. } = app.post_form(&token, path, form).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
        assert_eq!(stored_files(root.path()), 0, "nothing stored for {code}: {answer}");
    }

    let Answer { status, body: answer, .. } =
        app.post_form(&token, path, form_to(&offer_id, &offer, "première", &[], &[])).await;
    assert_eq!(status, 201, "{answer}");
    let stored = stored_files(root.path());
    assert_eq!(stored, 3, "the three documents");
    let Answer { status, body: answer, .. } =
        app.post_form(&token, path, form_to(&offer_id, &offer, "doublon", &[], &[])).await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("application_exists")), "{answer}");
    assert_eq!(stored_files(root.path()), stored, "a duplicate stores nothing");

    // The offer checked before the files cannot be swapped for another one after them.
    let other = app.token_for(Role::Candidate, "echange@example.com").await.token;
    let swapped = form_to(&offer_id, &offer, "échange", &[], &[]).text("job_offer_id", closed.id.to_string());
    let Answer { status, body: answer, .. } = app.post_form(&other, path, swapped).await;
    assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body.job_offer_id")), "{answer}");
    let list = app.get_as(&other, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 0, "nothing submitted: {list}");
}

async fn adding_a_document_stops_at_the_first_extra_file(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "ajout@example.com").await.token;
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    let before = stored_files(root.path());

    let mut form = Form::new();
    for index in 0..5 {
        let part = Part::bytes(pdf(&format!("extra {index}"), 3000)).file_name(format!("autre{index}.pdf"));
        form = form.part("autres", part);
    }
    let Answer { status, body: answer, .. } =
        app.post_form(&token, &format!("/api/v1/applications/{id}/documents"), form).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{answer}");
    assert!(stored_files(root.path()) <= before + 1, "only the first file was streamed");
    let list = app.get_as(&token, &format!("/api/v1/applications/{id}/documents")).await.body;
    assert_eq!(list["data"].as_array().unwrap().len(), 3, "nothing added: {list}");
}

async fn a_form_with_too_many_parts_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "bombe@example.com").await.token;
    let mut form = Form::new().text("job_offer_id", offer.id.to_string());
    for index in 0..2000 {
        form = form.text(format!("champ{index}"), "x");
    }
    let Answer { status, body: answer, .. } = app.post_form(&token, "/api/v1/applications/", form).await;
    assert_eq!((status, answer["code"].as_str()), (413, Some("payload_too_large")), "{answer}");

    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    let mut form = Form::new();
    for index in 0..2000 {
        form = form.text(format!("champ{index}"), "x");
    }
    let Answer { status, body: answer, .. } =
        app.post_form(&token, &format!("/api/v1/applications/{id}/documents"), form).await;
    assert_eq!((status, answer["code"].as_str()), (413, Some("payload_too_large")), "{answer}");
}

async fn file_names_are_checked_at_upload(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "nom@example.com").await.token;
    for bad in ["cv\u{7}.pdf", "../../cv.pdf", "dossier\\cv.pdf", &format!("{}.pdf", "a".repeat(252))] {
        let mut body = submission(&offer);
        body["documents"][0]["file_name"] = json!(bad);
        let Answer { status, body: answer, .. } = app.post_submission(&token, &body).await;
        assert_eq!((status, answer["code"].as_str()), (422, Some("document_name_invalid")), "{bad:?}: {answer}");
    }
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    let document = json!({"document_type": "autres", "file_name": "a\u{7}.pdf", "file_data": b64(&pdf("a", 10))});
    let path = format!("/api/v1/applications/{id}/documents");
    let response = app.client.post(app.url(&path)).bearer_auth(&token).json(&document).send().await.unwrap();
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    assert_eq!((status, answer["code"].as_str()), (422, Some("document_name_invalid")), "{answer}");
}

async fn a_stored_name_with_control_characters_downloads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "ancien@example.com").await.token;
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id: Uuid = body["data"]["id"].as_str().unwrap().parse().unwrap();
    // A row as the legacy service stored it, before names were checked.
    let mut legacy = app.database.documents(id).await.unwrap().remove(0);
    legacy.id = SystemIds.new_id();
    legacy.document_type = seeg_domain::applications::DocumentType::Autres;
    "CV\u{7} \"Léa\"\r\n/été.pdf".clone_into(&mut legacy.file_name);
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    tx.applications().insert_document(&legacy).await.unwrap();
    tx.commit().await.unwrap();

    let path = format!("/api/v1/applications/{id}/documents/{}/download", legacy.id);
    let response = app.client.get(app.url(&path)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''CV_%20%22L%C3%A9a%22___%C3%A9t%C3%A9.pdf"), "{disposition}");
    assert!(disposition.contains("filename=\"CV_ _L_a_____t_.pdf\""), "{disposition}");
}

async fn concurrent_adds_stay_within_the_document_limit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "course@example.com").await.token;
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}/documents");
    let adds = (0..30).map(|index| {
        let document =
            json!({"document_type": "autres", "file_name": "autre.pdf", "file_data": b64(&pdf(&index.to_string(), 10))});
        let request = app.client.post(app.url(&path)).bearer_auth(&token).json(&document);
        async move { request.send().await.unwrap().status().as_u16() }
    });
    let statuses = futures_util::future::join_all(adds).await;
    let added = statuses.iter().filter(|s| **s == 201).count();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 422), "{statuses:?}");
    let list = app.get_as(&token, &path).await.body;
    let stored = list["data"].as_array().unwrap().len();
    assert_eq!(stored, 10, "the limit holds: {statuses:?}");
    assert_eq!(added, 7, "{statuses:?}");
}

async fn raw(app: &TestApp, token: &str, path: &str, body: &'static str) -> Answer {
    let request = app.client.post(app.url(path)).bearer_auth(token).header("Content-Type", "application/json");
    Answer::read(request.body(body).send().await.unwrap()).await
}

async fn a_caller_who_may_not_upload_is_refused_before_the_body_is_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let owner = app.token_for(Role::Candidate, "titulaire@example.com").await.token;
    let stranger = app.token_for(Role::Candidate, "autre@example.com").await.token;
    let Answer { status, body, .. } = app.post_submission(&owner, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let documents = format!("/api/v1/applications/{}/documents", body["data"]["id"].as_str().unwrap());

    let Answer { status, body: answer, .. } = raw(&app, &recruiter, "/api/v1/applications/", "{pas du json").await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")), "{answer}");
    let Answer { status, body: answer, .. } = raw(&app, &recruiter, &documents, "{pas du json").await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")), "{answer}");
    let Answer { status, body: answer, .. } = raw(&app, &stranger, &documents, "{pas du json").await;
    assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")), "{answer}");
    // The owner's malformed body is still the owner's 422.
    let Answer { status, body: answer, .. } = raw(&app, &owner, &documents, "{pas du json").await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{answer}");
}

const MIB: u64 = 1024 * 1024;

/// What `user` has pending on its upload quota now, as the ledger counts it (over the default 24 h).
async fn pending_bytes(app: &TestApp, user: Uuid) -> u64 {
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    tx.uploads().pending(user, SystemClock.now() - TimeDelta::hours(24)).await.unwrap().bytes
}

/// A reservation left by an earlier request of `user`, made `age` ago.
async fn earlier_reservation(app: &TestApp, user: Uuid, bytes: u64, age: TimeDelta) {
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    let created_at = SystemClock.now() - age;
    tx.uploads().insert(&UploadReservation { id: SystemIds.new_id(), user_id: user, bytes, created_at }).await.unwrap();
    tx.commit().await.unwrap();
}

/// Deletes every reservation of `user`, as when they all leave the grace period.
async fn forget_reservations(app: &TestApp, user: Uuid) {
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    assert!(tx.uploads().forget_before(user, SystemClock.now() + TimeDelta::seconds(1)).await.unwrap() > 0);
    tx.commit().await.unwrap();
}

async fn a_user_over_the_pending_upload_quota_is_refused_before_a_byte_is_stored(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "quota@example.com").await;
    // Earlier refused requests: the whole 200 MiB an hour ago, and far more two days ago, past the grace period,
    // which no longer counts.
    earlier_reservation(&app, candidate.id, 200 * MIB, TimeDelta::hours(1)).await;
    earlier_reservation(&app, candidate.id, 900 * MIB, TimeDelta::hours(48)).await;

    let form = form_to(&offer.id.to_string(), &offer, "au-delà", &[], &[]);
    let response =
        app.client.post(app.url("/api/v1/applications/")).bearer_auth(&token).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let answer: Value = response.json().await.unwrap();
    assert_eq!((status, answer["code"].as_str()), (429, Some("upload_quota_exceeded")), "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("200 Mio"), "{answer}");
    assert!((22 * 3600..=23 * 3600).contains(&retry_after), "when the 200 MiB age out: {retry_after}");
    assert_eq!(stored_files(root.path()), 0, "refused before a byte was stored");
    let list = app.get_as(&token, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 0, "nothing submitted: {list}");
    assert_eq!(pending_bytes(&app, candidate.id).await, 200 * MIB, "the refusal reserved nothing");
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("upload_quota_exceeded")), "{body}");

    // Once they leave the grace period, the 200 MiB no longer count: a whole (base64) submission goes in.
    forget_reservations(&app, candidate.id).await;
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    // A streamed added document: refused before a byte once the quota is full again.
    earlier_reservation(&app, candidate.id, 200 * MIB, TimeDelta::minutes(5)).await;
    let stored = stored_files(root.path());
    let form = with_files(Form::new(), [("autres", pdf("en trop", 3000))]);
    let Answer { status, body: answer, .. } =
        app.post_form(&token, &format!("/api/v1/applications/{id}/documents"), form).await;
    assert_eq!((status, answer["code"].as_str()), (429, Some("upload_quota_exceeded")), "{answer}");
    assert_eq!(stored_files(root.path()), stored, "refused before a byte was stored");
}

async fn a_streamed_upload_is_refused_only_for_the_bytes_it_would_store(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "reste@example.com").await;
    // 64 KiB left of 200 MiB: far less than a streamed submission's 40 MiB maximum, more than these three files.
    let earlier = 200 * MIB - 64 * 1024;
    earlier_reservation(&app, candidate.id, earlier, TimeDelta::hours(1)).await;
    let Answer { status, body: answer, .. } =
        app.post_form(&token, "/api/v1/applications/", form_to(&offer.id.to_string(), &offer, "petit", &[], &[])).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(pending_bytes(&app, candidate.id).await, earlier, "committed: nothing more pending");
    let id = answer["data"]["id"].as_str().unwrap();

    // A 128 KiB document does not fit in what is left: refused on its way, its partial upload removed.
    let stored = stored_files(root.path());
    let form = with_files(Form::new(), [("autres", pdf("trop gros pour le reste", 128 * 1024))]);
    let Answer { status, body: answer, .. } =
        app.post_form(&token, &format!("/api/v1/applications/{id}/documents"), form).await;
    assert_eq!((status, answer["code"].as_str()), (429, Some("upload_quota_exceeded")), "{answer}");
    assert_eq!(stored_files(root.path()), stored, "the partial upload is removed");
    assert_eq!(pending_bytes(&app, candidate.id).await, earlier, "a refusal that stored nothing holds nothing");
    let list = app.get_as(&token, &format!("/api/v1/applications/{id}/documents")).await.body;
    assert_eq!(list["data"].as_array().unwrap().len(), 3, "nothing added: {list}");
}

async fn a_form_invalid_before_its_files_stores_nothing(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "invalide@example.com").await;
    let leading = [("has_been_manager", "peut-être".to_owned())];
    let form = form_to(&offer.id.to_string(), &offer, "invalide", &leading, &[]);
    let Answer { status, body: answer, .. } = app.post_form(&token, "/api/v1/applications/", form).await;
    assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body.has_been_manager")), "{answer}");
    assert_eq!(stored_files(root.path()), 0, "refused at its first file, before a byte of it");
    assert_eq!(pending_bytes(&app, candidate.id).await, 0, "nothing reserved");
}

async fn a_committed_upload_releases_its_reservation_and_a_refused_one_counts_what_it_stored(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = with_local_storage(backend, root.path()).await;
    let (first, second) = (
        app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await,
        app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await,
    );
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "reliquat@example.com").await;

    let Answer { status, body: answer, .. } =
        app.post_form(&token, "/api/v1/applications/", form_to(&first.id.to_string(), &first, "ok", &[], &[])).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(pending_bytes(&app, candidate.id).await, 0, "committed: its bytes are an application's");
    let id = answer["data"]["id"].as_str().unwrap().to_owned();

    // Two documents stored, the third refused: the two count until the sweep may remove them.
    let (cv, letter) = (pdf("reliquat cv", 5000), pdf("reliquat lettre", 7000));
    let stored = (cv.len() + letter.len()) as u64;
    let mut body = submission(&second);
    body["job_offer_id"] = json!(second.id.to_string());
    let form =
        with_files(text_parts(&body, &[]), [("cv", cv), ("cover_letter", letter), ("diplome", b"pas un PDF".to_vec())]);
    let Answer { status, body: answer, .. } = app.post_form(&token, "/api/v1/applications/", form).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("document_not_pdf")), "{answer}");
    assert_eq!(pending_bytes(&app, candidate.id).await, stored, "what the refused submission stored");

    // A refused added document stored nothing; an added one commits and releases its own reservation.
    let documents = format!("/api/v1/applications/{id}/documents");
    let form = with_files(Form::new(), [("autres", b"pas un PDF".to_vec())]);
    let Answer { status, body: answer, .. } = app.post_form(&token, &documents, form).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("document_not_pdf")), "{answer}");
    assert_eq!(pending_bytes(&app, candidate.id).await, stored, "the aborted upload is gone");
    let form = with_files(Form::new(), [("autres", pdf("ajouté", 4000))]);
    let Answer { status, body: answer, .. } = app.post_form(&token, &documents, form).await;
    assert_eq!(status, 201, "{answer}");
    let document = json!({"document_type": "portfolio", "file_name": "p.pdf", "file_data": b64(&pdf("p", 10))});
    let response = app.client.post(app.url(&documents)).bearer_auth(&token).json(&document).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(pending_bytes(&app, candidate.id).await, stored, "committed additions hold nothing");
}

/// The service with a `budget_mib` memory budget for bodies and bodies allowed `timeout_secs` to arrive.
async fn with_body_limits(backend: Backend, budget_mib: usize, timeout_secs: u64) -> TestApp {
    TestApp::spawn_with(backend, seeg_application::outbox::HandlerRegistry::default(), |settings| {
        settings.http.body_budget_mib = budget_mib;
        settings.http.body_timeout_secs = timeout_secs;
    })
    .await
}

/// A connection that sent `head` (request line and headers) and `body`, then stays silent.
async fn stalled(app: &TestApp, head: &str, body: &[u8]) -> tokio::net::TcpStream {
    let mut stream = tokio::net::TcpStream::connect(app.address.trim_start_matches("http://")).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes()).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut stream, body).await.unwrap();
    stream
}

/// The head of a streamed submission, without a length: its body is sent in chunks.
fn chunked_submission_head(app: &TestApp, token: &str) -> String {
    let address = app.address.trim_start_matches("http://");
    format!(
        "POST /api/v1/applications/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=limite\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
}

/// One HTTP chunk of a streamed submission for `offer`: its id, then the start of a CV of `size` bytes.
fn first_file_chunk(offer: &JobOffer, size: usize) -> Vec<u8> {
    let mut parts = format!(
        "--limite\r\nContent-Disposition: form-data; name=\"job_offer_id\"\r\n\r\n{}\r\n--limite\r\n\
         Content-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n\
         %PDF-1.7\n",
        offer.id
    )
    .into_bytes();
    parts.resize(parts.len() + size, b'x');
    let mut chunk = format!("{:x}\r\n", parts.len()).into_bytes();
    chunk.extend_from_slice(&parts);
    chunk.extend_from_slice(b"\r\n");
    chunk
}

async fn bodies_wait_for_the_memory_budget_then_answer_503(backend: Backend) {
    let app = with_body_limits(backend, 1, 600).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: holder, token: holder_token } = app.token_for(Role::Candidate, "lent@example.com").await;
    let other = app.token_for(Role::Candidate, "presse@example.com").await.token;

    // A streamed submission that sent more than the whole budget of its first file, then stalls: once the server
    // has read it, it holds it all.
    let head = chunked_submission_head(&app, &holder_token);
    let held = stalled(&app, &head, &first_file_chunk(&offer, 1536 * 1024)).await;
    seeg_tests::eventually::eventually("the stalled upload holds the whole budget", async || {
        (app.body_budget.available_kib() == 0).then_some(())
    })
    .await;
    assert!(pending_bytes(&app, holder.id).await > 0, "its reservation is made");

    let response = app
        .client
        .post(app.url("/api/v1/applications/"))
        .bearer_auth(&other)
        .json(&submission(&offer))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert!(response.headers().contains_key("retry-after"));
    let answer: Value = response.json().await.unwrap();
    assert_eq!((status, answer["code"].as_str()), (503, Some("server_busy")), "{answer}");

    // The stalled client goes away: its share comes back, and the same submission goes through.
    drop(held);
    let Answer { status, body, .. } = app.post_submission(&other, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
}

/// Bodies are charged as they arrive, not as declared: a client that declares 50 MiB and sends nothing holds
/// nothing.
async fn an_idle_upload_holds_no_memory(backend: Backend) {
    let app = with_body_limits(backend, 1, 600).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let idle_token = app.token_for(Role::Candidate, "muet@example.com").await.token;
    let other = app.token_for(Role::Candidate, "actif@example.com").await.token;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..3 {
        let head = format!(
            "POST /api/v1/applications/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {idle_token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            50 * MIB
        );
        idle.push(stalled(&app, &head, b"").await);
    }
    let Answer { status, body, .. } = app.post_submission(&other, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    drop(idle);
}

/// The status line a silent connection gets back, once the server answers it.
async fn answer_to(mut stream: tokio::net::TcpStream) -> String {
    let mut answer = vec![0; 4096];
    let read = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        tokio::io::AsyncReadExt::read(&mut stream, &mut answer).await.unwrap()
    });
    let length = read.await.expect("the server answers the stalled body");
    String::from_utf8_lossy(&answer[..length]).lines().next().unwrap_or_default().to_owned()
}

async fn a_body_slower_than_its_deadline_is_refused_and_gives_back_its_share(backend: Backend) {
    let app = with_body_limits(backend, 1, 1).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: slow, token: slow_token } = app.token_for(Role::Candidate, "escargot@example.com").await;
    let other = app.token_for(Role::Candidate, "lievre@example.com").await.token;

    // A JSON body: half of it, then nothing.
    let address = app.address.trim_start_matches("http://").to_owned();
    let head = format!(
        "POST /api/v1/applications/ HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {slow_token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        4 * MIB
    );
    let json = stalled(&app, &head, &vec![b' '; 2 * 1024 * 1024]).await;
    let got = answer_to(json).await;
    assert!(got.contains("408"), "a JSON body past its deadline: {got}");

    // A streamed submission: its first file started, then nothing.
    let streamed = stalled(&app, &chunked_submission_head(&app, &slow_token), &first_file_chunk(&offer, 4096)).await;
    assert!(answer_to(streamed).await.contains("408"), "a streamed body past its deadline");
    // The reservation is settled to what may have reached the store: the bytes of the file part received before
    // the stall (the form reader keeps back a boundary's length), not the request's 40 MiB maximum.
    let pending = pending_bytes(&app, slow.id).await;
    assert!((1..=4105).contains(&pending), "the stalled part's bytes count, no more: {pending}");

    let Answer { status, body, .. } = app.post_submission(&other, &submission(&offer)).await;
    assert_eq!(status, 201, "the whole budget is free again: {body}");
}

/// A compressed body could inflate past every limit after they were checked: refused before a byte is read.
async fn a_compressed_body_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Candidate, "gzip@example.com").await.token;
    for (path, token) in [("/api/v1/auth/signup", None), ("/api/v1/applications/", Some(&token))] {
        for encoding in ["gzip", "deflate", "br", "identity, gzip"] {
            let mut request = app
                .client
                .post(app.url(path))
                .header("content-type", "application/json")
                .header("content-encoding", encoding)
                .body(vec![0x1f, 0x8b, 0x08, 0x00]);
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap();
            assert_eq!(
                (status, answer["code"].as_str()),
                (415, Some("unsupported_content_encoding")),
                "{path} {encoding}"
            );
        }
    }
    let response = app
        .client
        .post(app.url("/api/v1/auth/forgot-password"))
        .header("content-encoding", "identity")
        .json(&json!({"email": "personne@example.com"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "identity is no encoding");
}

/// Deleting or replacing committed documents un-names them: they count on the candidate's quota like a refused
/// upload's, so that submitting and deleting in a loop cannot store without bound.
async fn documents_a_candidate_un_names_count_on_its_quota(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (first, second) = (
        app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await,
        app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await,
    );
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "boucle@example.com").await;
    let admin = app.token_for(Role::Admin, "admin-boucle@example.com").await.token;
    let documents_of = |id: &str| format!("/api/v1/applications/{id}/documents");
    let sizes = |list: &Value| -> Vec<u64> {
        list["data"].as_array().unwrap().iter().map(|d| d["file_size"].as_u64().unwrap()).collect()
    };

    let Answer { status, body, .. } = app.post_submission(&token, &submission(&first)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(pending_bytes(&app, candidate.id).await, 0, "committed");

    // An optional document added, then deleted: its bytes count.
    let extra = json!({"document_type": "portfolio", "file_name": "p.pdf", "file_data": b64(&pdf("portfolio", 5000))});
    let response = app.client.post(app.url(&documents_of(&id))).bearer_auth(&token).json(&extra).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let list = app.get_as(&token, &documents_of(&id)).await.body;
    let portfolio = list["data"].as_array().unwrap().iter().find(|d| d["document_type"] == "portfolio").unwrap();
    let (portfolio_id, portfolio_size) = (portfolio["id"].as_str().unwrap(), portfolio["file_size"].as_u64().unwrap());
    let response = app
        .client
        .delete(app.url(&format!("{}/{portfolio_id}", documents_of(&id))))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(pending_bytes(&app, candidate.id).await, portfolio_size, "the deleted document");

    // A required document replaced: the old one counts.
    let list = app.get_as(&token, &documents_of(&id)).await.body;
    let old_cv = list["data"].as_array().unwrap().iter().find(|d| d["document_type"] == "cv").unwrap();
    let old_cv_size = old_cv["file_size"].as_u64().unwrap();
    let cv = json!({"document_type": "cv", "file_name": "cv2.pdf", "file_data": b64(&pdf("nouveau cv", 7000))});
    let response = app.client.post(app.url(&documents_of(&id))).bearer_auth(&token).json(&cv).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(pending_bytes(&app, candidate.id).await, portfolio_size + old_cv_size, "the replaced CV");

    // The application deleted: all its documents count.
    let list = app.get_as(&token, &documents_of(&id)).await.body;
    let remaining: u64 = sizes(&list).iter().sum();
    let response =
        app.client.delete(app.url(&format!("/api/v1/applications/{id}"))).bearer_auth(&token).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let counted = portfolio_size + old_cv_size + remaining;
    assert_eq!(pending_bytes(&app, candidate.id).await, counted, "the deleted application's documents");

    // A staff deletion counts on nobody's quota.
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&second)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["id"].as_str().unwrap();
    let response =
        app.client.delete(app.url(&format!("/api/v1/applications/{id}"))).bearer_auth(&admin).send().await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(pending_bytes(&app, candidate.id).await, counted, "unchanged by the admin's deletion");
}

on_backends!(Sqlite, Postgres =>
    a_user_over_the_pending_upload_quota_is_refused_before_a_byte_is_stored,
    a_streamed_upload_is_refused_only_for_the_bytes_it_would_store,
    a_form_invalid_before_its_files_stores_nothing,
    bodies_wait_for_the_memory_budget_then_answer_503,
    an_idle_upload_holds_no_memory,
    a_body_slower_than_its_deadline_is_refused_and_gives_back_its_share,
    a_compressed_body_is_refused,
    documents_a_candidate_un_names_count_on_its_quota,
    a_committed_upload_releases_its_reservation_and_a_refused_one_counts_what_it_stored,
    a_caller_who_may_not_upload_is_refused_before_the_body_is_read,
    a_refused_streamed_submission_stores_nothing,
    adding_a_document_stops_at_the_first_extra_file,
    a_form_with_too_many_parts_is_refused,
    file_names_are_checked_at_upload,
    a_stored_name_with_control_characters_downloads,
    concurrent_adds_stay_within_the_document_limit,
);
