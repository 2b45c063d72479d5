//! `POST /api/v1/applications/` as `multipart/form-data` (B1): the same rules and the same result as the JSON
//! body with base64 documents, the documents streamed to storage and checked on the way (S11).

use reqwest::multipart::{Form, Part};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::applications::{pdf, submission};
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;

/// The multipart form carrying what `submission(offer)` carries, with `documents` as file parts.
fn form(offer: &JobOffer, documents: Vec<(&str, &str, Vec<u8>)>) -> Form {
    let json = submission(offer);
    let mut form = Form::new();
    for (key, value) in json.as_object().unwrap() {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Array(_) => continue, // the documents, sent as files below
            other => other.to_string(),
        };
        form = form.text(key.clone(), text);
    }
    for (document_type, file_name, bytes) in documents {
        let part = Part::bytes(bytes).file_name(file_name.to_owned()).mime_str("application/pdf").unwrap();
        form = form.part(document_type.to_owned(), part);
    }
    form
}

/// The three documents of `submission(offer)`, as bytes.
fn same_documents() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    vec![
        ("cv", "cv.pdf", pdf("cv", 2000)),
        ("cover_letter", "lettre.pdf", pdf("lettre", 1000)),
        ("diplome", "diplome.PDF", pdf("diplome", 500)),
    ]
}

/// An application body without what differs between two submissions (ids, candidate, times).
fn comparable(application: &Value) -> Value {
    let mut application = application.clone();
    for key in ["id", "candidate_id", "created_at", "updated_at"] {
        application.as_object_mut().unwrap().remove(key);
    }
    application
}

/// A document list reduced to what the upload decides.
fn comparable_documents(list: &Value) -> Vec<Value> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| json!([d["document_type"], d["file_name"], d["file_size"], d["file_type"], d["sha256"]]))
        .collect()
}

async fn multipart_and_base64_give_the_same_application(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let json_token = app.token_for(Role::Candidate, "json@example.com").await.token;
    let SignedIn { user: multipart_candidate, token: form_token } =
        app.token_for(Role::Candidate, "form@example.com").await;

    let Answer { status, body: by_json, .. } = app.post_submission(&json_token, &submission(&offer)).await;
    assert_eq!(status, 201, "{by_json}");
    let Answer { status, body: by_form, .. } =
        app.post_form(&form_token, "/api/v1/applications/", form(&offer, same_documents())).await;
    assert_eq!(status, 201, "{by_form}");

    assert_eq!(by_form["message"], by_json["message"]);
    assert_eq!(by_form["data"]["candidate_id"], json!(multipart_candidate.id));
    assert_eq!(comparable(&by_form["data"]), comparable(&by_json["data"]), "same fields, K3d join included");

    let documents = |token: &str, body: &Value| {
        let path = format!("/api/v1/applications/{}/documents", body["data"]["id"].as_str().unwrap());
        let token = token.to_owned();
        let app = &app;
        async move { app.get_as(&token, &path).await.body }
    };
    let json_documents = documents(&json_token, &by_json).await;
    let form_documents = documents(&form_token, &by_form).await;
    assert_eq!(comparable_documents(&form_documents), comparable_documents(&json_documents));
    assert_eq!(form_documents["total"], 3);

    // The streamed bytes are the sent bytes.
    let id = by_form["data"]["id"].as_str().unwrap();
    for (document, (_, _, original)) in form_documents["data"].as_array().unwrap().iter().zip(same_documents()) {
        let path = format!("/api/v1/applications/{id}/documents/{}/download", document["id"].as_str().unwrap());
        let response = app.client.get(app.url(&path)).bearer_auth(&form_token).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        assert_eq!(hex::encode(Sha256::digest(&bytes)), hex::encode(Sha256::digest(&original)));
    }

    // The same candidate again, by either route: the duplicate rule holds.
    let Answer { status, body: again, .. } =
        app.post_form(&form_token, "/api/v1/applications/", form(&offer, same_documents())).await;
    assert_eq!((status, again["code"].as_str()), (400, Some("application_exists")), "{again}");
}

async fn a_bad_streamed_document_refuses_the_whole_submission(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "flux@example.com").await.token;
    let active = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /Java#53cript >> >> endobj\n%%EOF\n".to_vec();
    let replaced = |index: usize, document: (&'static str, &'static str, Vec<u8>)| {
        let mut documents = same_documents();
        documents[index] = document;
        documents
    };
    let mut huge = pdf("énorme", 11 * 1024 * 1024);
    huge.truncate(huge.len() - 7); // no trailer needed: refused on size before the end
    let cases: Vec<(Form, u16, &str)> = vec![
        (form(&offer, replaced(1, ("cover_letter", "lettre.pdf", active))), 422, "document_active_content"),
        (form(&offer, replaced(0, ("cv", "cv.pdf", b"PK\x03\x04 zip".to_vec()))), 422, "document_not_pdf"),
        (form(&offer, replaced(2, ("diplome", "diplome.docx", pdf("d", 10)))), 422, "document_not_pdf"),
        (form(&offer, replaced(0, ("cv", "cv.pdf", huge))), 422, "document_too_large"),
        (form(&offer, replaced(0, ("photo", "moi.pdf", pdf("p", 10)))), 422, "document_type_not_allowed"),
        (form(&offer, same_documents().into_iter().take(2).collect()), 422, "missing_required_documents"),
        (form(&offer, same_documents()).text("mtp_answers", "{pas du json"), 422, "validation_error"),
        (form(&offer, same_documents()).text("has_been_manager", "peut-être"), 422, "validation_error"),
        (form(&offer, same_documents()).text("reference_contacts", "x".repeat(65 * 1024)), 413, "payload_too_large"),
    ];
    for (form, status, code) in cases {
        let Answer { status: got, body: answer, .. } = app.post_form(&token, "/api/v1/applications/", form).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
    }
    let list = app.get_as(&token, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 0, "no refused submission left a row");

    // A body that is not the multipart it claims to be.
    let garbage = app
        .client
        .post(app.url("/api/v1/applications/"))
        .bearer_auth(&token)
        .header("Content-Type", "multipart/form-data; boundary=XYZ")
        .body("ceci n'est pas un formulaire")
        .send()
        .await
        .unwrap();
    let status = garbage.status().as_u16();
    let answer: Value = garbage.json().await.unwrap();
    assert_eq!((status, answer["code"].as_str()), (400, Some("malformed_form")), "{answer}");

    // Staff are refused before anything is read or stored.
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let Answer { status, body: answer, .. } =
        app.post_form(&recruiter, "/api/v1/applications/", form(&offer, same_documents())).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")));

    // Nothing was left half-done: the candidate still applies.
    let Answer { status, body: answer, .. } =
        app.post_form(&token, "/api/v1/applications/", form(&offer, same_documents())).await;
    assert_eq!(status, 201, "{answer}");
}

on_backends!(Sqlite, Postgres =>
    multipart_and_base64_give_the_same_application,
    a_bad_streamed_document_refuses_the_whole_submission,
);
