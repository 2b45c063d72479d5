//! Changing a submitted application (I10), the detailed reads (`ApplicationAdminView`, `/complete`) and the
//! staff search over candidates.

use reqwest::multipart::{Form, Part};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::accounts::{insert_account_with, log_in, token_for};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::applications::{b64, get, open_offer, pdf, post, submission};

/// A submitted application of a new candidate `email`: (its id, the candidate's token).
async fn applied(app: &TestApp, offer: &JobOffer, email: &str) -> (String, String) {
    let (_, token) = token_for(app, Role::Candidate, email).await;
    let (status, body) = post(app, &token, &submission(offer)).await;
    assert_eq!(status, 201, "{body}");
    (body["data"]["id"].as_str().unwrap().to_owned(), token)
}

async fn delete(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = app.client.delete(app.url(path)).bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn add(app: &TestApp, token: &str, id: &str, document: &Value) -> (u16, Value) {
    let path = format!("/api/v1/applications/{id}/documents");
    let response = app.client.post(app.url(&path)).bearer_auth(token).json(document).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

async fn move_to(app: &TestApp, token: &str, id: &str, status: &str) {
    let path = format!("/api/v1/applications/{id}");
    let response = app.client.put(app.url(&path)).bearer_auth(token).json(&json!({"status": status})).send();
    assert_eq!(response.await.unwrap().status(), 200);
}

fn document(document_type: &str, file_name: &str, bytes: &[u8]) -> Value {
    json!({"document_type": document_type, "file_name": file_name, "file_data": b64(bytes)})
}

/// The documents of application `id`, as `(type, sha256)` pairs, in upload order.
async fn documents(app: &TestApp, token: &str, id: &str) -> Vec<(String, String, String)> {
    let (status, list) = get(app, token, &format!("/api/v1/applications/{id}/documents")).await;
    assert_eq!(status, 200, "{list}");
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let field = |k: &str| d[k].as_str().unwrap().to_owned();
            (field("document_type"), field("sha256"), field("id"))
        })
        .collect()
}

async fn deleting_an_application_follows_i10(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = open_offer(&app, OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "retrait@example.com").await;
    let (kept, kept_token) = applied(&app, &offer, "reste@example.com").await;
    let (_, recruiter) = token_for(&app, Role::Recruiter, "rh@seeg.ga").await;
    let (_, observer) = token_for(&app, Role::Observer, "obs@seeg.ga").await;
    let (_, admin) = token_for(&app, Role::Admin, "admin@seeg.ga").await;
    let path = |id: &str| format!("/api/v1/applications/{id}");

    assert_eq!(delete(&app, &kept_token, &path(&id)).await.0, 404, "another candidate's does not exist");
    let (status, answer) = delete(&app, &recruiter, &path(&id)).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(delete(&app, &observer, &path(&id)).await.0, 403);

    assert_eq!(delete(&app, &token, &path(&id)).await.0, 204);
    assert_eq!(get(&app, &token, &path(&id)).await.0, 404, "really gone (legacy never committed, D3)");
    assert_eq!(get(&app, &admin, &format!("{}/documents", path(&id))).await.0, 404);
    assert_eq!(delete(&app, &token, &path(&id)).await.0, 404);
    // The candidate may apply again: the (candidate, offer) pair is free.
    let (status, body) = post(&app, &token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");

    // Once the recruiters took it, it is theirs: the candidate can withdraw it (I5), not delete it.
    move_to(&app, &recruiter, &kept, "incubation").await;
    let (status, answer) = delete(&app, &kept_token, &path(&kept)).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("application_locked")), "{answer}");
    assert_eq!(delete(&app, &admin, &path(&kept)).await.0, 204, "admins delete at any status");
    assert_eq!(get(&app, &admin, &path(&kept)).await.0, 404);

    let (status, audit) = get(&app, &admin, "/api/v1/audit?action=application.deleted").await;
    assert_eq!((status, audit["total"].as_u64()), (200, Some(2)), "{audit}");
}

async fn documents_are_added_replaced_and_deleted_per_i10(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = open_offer(&app, OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "docs@example.com").await;
    let (_, other) = applied(&app, &offer, "autre@example.com").await;
    let (_, recruiter) = token_for(&app, Role::Recruiter, "rh@seeg.ga").await;
    let before = documents(&app, &token, &id).await;
    assert_eq!(before.len(), 3);

    // An optional document is added (base64), another streamed (multipart).
    let (status, added) = add(&app, &token, &id, &document("certificats", "certif.pdf", &pdf("certif", 300))).await;
    assert_eq!((status, added["message"].as_str()), (201, Some("Document ajouté avec succès")), "{added}");
    let certificats = added["data"]["id"].as_str().unwrap().to_owned();
    let portfolio = pdf("portfolio", 700);
    let form = Form::new().text("note", "ignorée").part(
        "portfolio",
        Part::bytes(portfolio.clone()).file_name("portfolio.pdf").mime_str("application/pdf").unwrap(),
    );
    let path = format!("/api/v1/applications/{id}/documents");
    let response = app.client.post(app.url(&path)).bearer_auth(&token).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let streamed: Value = response.json().await.unwrap();
    assert_eq!(streamed["data"]["sha256"].as_str(), Some(&*hex::encode(Sha256::digest(&portfolio))));

    // A required document is replaced, never doubled.
    let new_cv = pdf("nouveau cv", 4000);
    let (status, replaced) = add(&app, &token, &id, &document("cv", "cv-2026.pdf", &new_cv)).await;
    assert_eq!((status, replaced["message"].as_str()), (201, Some("Document remplacé avec succès")), "{replaced}");
    let after = documents(&app, &token, &id).await;
    assert_eq!(after.len(), 5, "3 + 2 optional; the CV replaced in place of the old one");
    let cvs: Vec<_> = after.iter().filter(|d| d.0 == "cv").collect();
    assert_eq!(cvs.len(), 1);
    assert_eq!(cvs[0].1, hex::encode(Sha256::digest(&new_cv)));
    let download = format!("/api/v1/applications/{id}/documents/{}/download", cvs[0].2);
    let bytes = app.client.get(app.url(&download)).bearer_auth(&token).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), new_cv.as_slice());

    // Required documents are not deleted; optional ones are.
    let document_path = |doc: &str| format!("/api/v1/applications/{id}/documents/{doc}");
    let (status, answer) = delete(&app, &token, &document_path(&cvs[0].2)).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("required_document")), "{answer}");
    assert_eq!(delete(&app, &token, &document_path(&certificats)).await.0, 204);
    assert_eq!(delete(&app, &token, &document_path(&certificats)).await.0, 404);
    assert_eq!(documents(&app, &token, &id).await.len(), 4);

    // The submission's checks, and who may.
    let active = b"%PDF-1.4\n<< /S /Launch /F (calc.exe) >>\n%%EOF\n";
    let cases = [
        (&token, document("autres", "x.pdf", active), 422, "document_active_content"),
        (&token, document("photo", "x.pdf", &pdf("p", 10)), 422, "document_type_not_allowed"),
        (&token, document("autres", "x.docx", &pdf("p", 10)), 422, "document_not_pdf"),
        (&token, json!({"document_type": "autres", "file_name": "x.pdf"}), 422, "validation_error"),
        (&recruiter, document("autres", "x.pdf", &pdf("p", 10)), 403, "forbidden"),
        (&other, document("autres", "x.pdf", &pdf("p", 10)), 404, "not_found"),
    ];
    for (caller, body, status, code) in cases {
        let (got, answer) = add(&app, caller, &id, &body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
    }
    // At most 10 documents (S11).
    for n in 0..6 {
        let (status, answer) = add(&app, &token, &id, &document("autres", "a.pdf", &pdf(&n.to_string(), 10))).await;
        assert_eq!(status, 201, "{answer}");
    }
    let (status, answer) = add(&app, &token, &id, &document("autres", "a.pdf", &pdf("onze", 10))).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("too_many_documents")), "{answer}");

    // Locked once the recruiters move it.
    move_to(&app, &recruiter, &id, "incubation").await;
    let (status, answer) = add(&app, &token, &id, &document("cv", "cv.pdf", &pdf("tard", 10))).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("application_locked")), "{answer}");
    let last_optional = documents(&app, &token, &id).await.into_iter().find(|d| d.0 == "autres").unwrap();
    assert_eq!(delete(&app, &token, &document_path(&last_optional.2)).await.0, 409);
}

async fn staff_read_the_admin_view_and_everyone_allowed_the_complete_view(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = open_offer(&app, OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "vue@example.com").await;
    let (_, other) = token_for(&app, Role::Candidate, "curieux@example.com").await;
    let (_, observer) = token_for(&app, Role::Observer, "obs@seeg.ga").await;
    let path = format!("/api/v1/applications/{id}");

    let (status, own) = get(&app, &token, &path).await;
    assert_eq!(status, 200);
    assert!(own["data"].get("candidate").is_none(), "candidates get the Application shape: {own}");
    let (status, staff) = get(&app, &observer, &path).await;
    assert_eq!(status, 200, "{staff}");
    let view = &staff["data"];
    assert_eq!(view["id"].as_str(), Some(id.as_str()), "the application fields are flattened in");
    assert_eq!(view["candidate"]["email"], "vue@example.com");
    assert_eq!(view["candidate"]["candidate_status"], "externe");
    assert_eq!(view["candidate"]["candidate_profile"]["skills"], json!([]), "profile created at submission (R24)");
    assert_eq!(view["job_offer"]["title"], offer.title);
    assert_eq!(view["job_offer"]["status"], "active");

    let complete = format!("{path}/complete");
    assert_eq!(get(&app, &other, &complete).await.0, 404, "another candidate's does not exist (S3)");
    for caller in [&token, &observer] {
        let (status, body) = get(&app, caller, &complete).await;
        assert_eq!((status, body["message"].as_str()), (200, Some("Détails récupérés avec succès")), "{body}");
        let data = &body["data"];
        assert_eq!(data["application_id"].as_str(), Some(id.as_str()));
        assert_eq!(data["reference"]["entreprise"], "SEEG, Total");
        assert_eq!(data["reference"]["email"], "jean@exemple.ga");
        assert_eq!(data["candidate"]["email"], "vue@example.com");
        assert_eq!(data["candidate"]["documents"].as_array().map(Vec::len), Some(3));
        let first = &data["candidate"]["documents"][0];
        let expected = format!("/api/v1/applications/{id}/documents/{}/download", first["id"].as_str().unwrap());
        assert_eq!(first["file_path"].as_str(), Some(expected.as_str()));
        assert_eq!(data["job_offer"]["title"], offer.title);
        assert_eq!(data["job_offer"]["offer_status"], "tous");
        assert_eq!(data["mtp_answers"]["reponses_metier"], json!(["Réponse 1", "Réponse 2"]));
    }
}

async fn staff_find_applications_by_candidate_name_or_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = open_offer(&app, OfferVisibility::Everyone).await;
    let people = [("Élodie", "Ndong", "elodie@example.com"), ("Pierre", "Mba", "pmba@example.com")];
    for (first, last, email) in people {
        insert_account_with(&app, Role::Candidate, email, |u| {
            (u.first_name, u.last_name) = (first.to_owned(), last.to_owned());
        })
        .await;
        let token = log_in(&app, email).await["access_token"].as_str().unwrap().to_owned();
        assert_eq!(post(&app, &token, &submission(&offer)).await.0, 201);
    }
    let (_, recruiter) = token_for(&app, Role::Recruiter, "rh@seeg.ga").await;
    let search = |q: &str| {
        let mut url = reqwest::Url::parse(&app.url("/api/v1/applications/")).unwrap();
        url.query_pairs_mut().append_pair("q", q);
        format!("{}?{}", url.path(), url.query().unwrap())
    };
    for (q, expected) in [("ELODIE", 1), ("ndong", 1), ("pmba@", 1), ("example.com", 2), ("personne", 0)] {
        let (status, body) = get(&app, &recruiter, &search(q)).await;
        assert_eq!((status, body["total"].as_u64()), (200, Some(expected)), "q={q}: {body}");
    }
    let (status, body) = get(&app, &recruiter, &search("élodie")).await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(1)), "accents ignored");
    let (status, body) = get(&app, &recruiter, &search(&"x".repeat(101))).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));
}

on_backends!(Sqlite, Postgres =>
    deleting_an_application_follows_i10,
    documents_are_added_replaced_and_deleted_per_i10,
    staff_read_the_admin_view_and_everyone_allowed_the_complete_view,
    staff_find_applications_by_candidate_name_or_email,
);
