//! Applications submitted through the API, for the tests of what follows a submission (drafts, e-mails, the
//! document sweep): an open offer, a valid body with the three required documents, the submission itself.

use base64::Engine as _;
use reqwest::Method;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::TestApp;
use crate::http::Answer;
use crate::offers::offer;

pub use crate::pdf::labelled_pdf;

/// The required document types (K2), in the order bodies list them.
pub const REQUIRED_TYPES: [&str; 3] = ["cv", "cover_letter", "diplome"];

/// The submissions route.
const APPLICATIONS: &str = "/api/v1/applications/";

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

/// An application the API created: its ids, and the whole `data` object it answered.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    pub data: Value,
}

impl Submitted {
    /// Reads the `data` of a 201 answer to a submission.
    pub fn from_answer(answer: &Answer) -> Self {
        assert_eq!(answer.status, 201, "{}", answer.body);
        let data = answer.body["data"].clone();
        let id = |field: &str| data[field].as_str().and_then(|v| v.parse().ok()).expect("an id");
        Self { id: id("id"), candidate_id: id("candidate_id"), job_offer_id: id("job_offer_id"), data }
    }
}

impl TestApp {
    /// An active offer titled `title`, open to `visibility` with no deadline, inserted.
    pub async fn open_offer(&self, title: &str, visibility: OfferVisibility) -> JobOffer {
        let mut job = offer(title, 0);
        job.application_deadline = None;
        job.visibility = visibility;
        self.insert_offers(std::slice::from_ref(&job)).await;
        job
    }

    /// `POST /api/v1/applications/` with `body` as the bearer of `token`.
    pub async fn post_submission(&self, token: &str, body: &Value) -> Answer {
        self.call(Method::POST, APPLICATIONS, Some(token), Some(body)).await
    }

    /// Submits `submission_body(offer, label)`, which must succeed: the created application.
    pub async fn submit(&self, token: &str, offer: &JobOffer, label: &str) -> Submitted {
        Submitted::from_answer(&self.post_submission(token, &submission_body(offer, label)).await)
    }
}
