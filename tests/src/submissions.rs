//! Applications submitted through the API, for the tests of what follows a submission (drafts, e-mails, the
//! document sweep): an open offer, a valid body with the three required documents, the submission itself.

use base64::Engine as _;
use seeg_domain::offers::JobOffer;
use serde_json::{Value, json};

use crate::TestApp;
use crate::offers::offer;

pub use crate::pdf::labelled_pdf;

/// The required document types (K2), in the order bodies list them.
pub const REQUIRED_TYPES: [&str; 3] = ["cv", "cover_letter", "diplome"];

/// A submission body for `offer` (made by `offers::offer`: 2 métier and 1 talent questions): one answer per
/// question, the references an external candidate owes and the required documents, each a PDF labelled `{label} {type}`.
pub fn submission_body(offer: &JobOffer, label: &str) -> Value {
    let documents: Vec<Value> = REQUIRED_TYPES
        .iter()
        .map(|kind| {
            let data = base64::engine::general_purpose::STANDARD.encode(labelled_pdf(&format!("{label} {kind}")));
            json!({"document_type": kind, "file_name": format!("{kind}.pdf"), "file_data": data})
        })
        .collect();
    json!({
        "job_offer_id": offer.id,
        "has_been_manager": false,
        "ref_entreprise": "SEEG", "ref_fullname": "Jean Obame", "ref_mail": "jean@exemple.ga", "ref_contact": "+241 01",
        "mtp_answers": {"reponses_metier": ["Oui", "Non"], "reponses_talent": ["Rigueur"]},
        "documents": documents,
    })
}

/// An active offer titled `title`, open to everyone with no deadline, inserted.
pub async fn open_offer(app: &TestApp, title: &str) -> JobOffer {
    let mut job = offer(title, 0);
    job.application_deadline = None;
    app.insert_offers(std::slice::from_ref(&job)).await;
    job
}

/// `POST /api/v1/applications/` with `body`: the status and the JSON answer.
pub async fn post_submission(app: &TestApp, token: &str, body: &Value) -> (u16, Value) {
    let response = app.client.post(app.url("/api/v1/applications/")).bearer_auth(token).json(body).send().await;
    let response = response.expect("request");
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// Submits `submission_body(offer, label)`, which must succeed; the created application (`data`).
pub async fn submit(app: &TestApp, token: &str, offer: &JobOffer, label: &str) -> Value {
    let (status, body) = post_submission(app, token, &submission_body(offer, label)).await;
    assert_eq!(status, 201, "{body}");
    body["data"].clone()
}
