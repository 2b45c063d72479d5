//! Changing a submitted application (I10), the detailed reads (`ApplicationAdminView`, `/complete`) and the
//! staff search over candidates.

use reqwest::multipart::{Form, Part};
use seeg_domain::identity::Role;
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::applications::{b64, pdf, submission};
use seeg_tests::http::Answer;
use seeg_tests::submissions::Submitted;

/// A submitted application of a new candidate `email`: (its id, the candidate's token).
async fn applied(app: &TestApp, offer: &JobOffer, email: &str) -> (String, String) {
    let token = app.token_for(Role::Candidate, email).await.token;
    let created = Submitted::from_answer(&app.post_submission(&token, &submission(offer)).await);
    (created.id.to_string(), token)
}

async fn add(app: &TestApp, token: &str, id: &str, document: &Value) -> Answer {
    app.post_as(token, &format!("/api/v1/applications/{id}/documents"), document).await
}

async fn move_to(app: &TestApp, token: &str, id: &str, status: &str) {
    let moved = app.put_as(token, &format!("/api/v1/applications/{id}"), &json!({"status": status})).await;
    assert_eq!(moved.status, 200);
}

fn document(document_type: &str, file_name: &str, bytes: &[u8]) -> Value {
    json!({"document_type": document_type, "file_name": file_name, "file_data": b64(bytes)})
}

/// The documents of application `id`, as `(type, sha256)` pairs, in upload order.
async fn documents(app: &TestApp, token: &str, id: &str) -> Vec<(String, String, String)> {
    let Answer { status, body: list, .. } = app.get_as(token, &format!("/api/v1/applications/{id}/documents")).await;
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
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "retrait@example.com").await;
    let (kept, kept_token) = applied(&app, &offer, "reste@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let observer = app.token_for(Role::Observer, "obs@seeg.ga").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg.ga").await.token;
    let path = |id: &str| format!("/api/v1/applications/{id}");

    assert_eq!(app.delete_as(&kept_token, &path(&id)).await.status, 404, "another candidate's does not exist");
    let Answer { status, body: answer, .. } = app.delete_as(&recruiter, &path(&id)).await;
    assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")));
    assert_eq!(app.delete_as(&observer, &path(&id)).await.status, 403);

    assert_eq!(app.delete_as(&token, &path(&id)).await.status, 204);
    assert_eq!(app.get_as(&token, &path(&id)).await.status, 404, "really gone (legacy never committed, D3)");
    assert_eq!(app.get_as(&admin, &format!("{}/documents", path(&id))).await.status, 404);
    assert_eq!(app.delete_as(&token, &path(&id)).await.status, 404);
    // The candidate may apply again: the (candidate, offer) pair is free.
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");

    // Once the recruiters took it, it is theirs: the candidate can withdraw it (I5), not delete it.
    move_to(&app, &recruiter, &kept, "incubation").await;
    let Answer { status, body: answer, .. } = app.delete_as(&kept_token, &path(&kept)).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("application_locked")), "{answer}");
    assert_eq!(app.delete_as(&admin, &path(&kept)).await.status, 204, "admins delete at any status");
    assert_eq!(app.get_as(&admin, &path(&kept)).await.status, 404);

    let Answer { status, body: audit, .. } = app.get_as(&admin, "/api/v1/audit?action=application.deleted").await;
    assert_eq!((status, audit["total"].as_u64()), (200, Some(2)), "{audit}");
}

async fn documents_are_added_replaced_and_deleted_per_i10(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "docs@example.com").await;
    let (_, other) = applied(&app, &offer, "autre@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let before = documents(&app, &token, &id).await;
    assert_eq!(before.len(), 3);

    // An optional document is added (base64), another streamed (multipart).
    let Answer { status, body: added, .. } =
        add(&app, &token, &id, &document("certificats", "certif.pdf", &pdf("certif", 300))).await;
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
    let Answer { status, body: replaced, .. } = add(&app, &token, &id, &document("cv", "cv-2026.pdf", &new_cv)).await;
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
    let Answer { status, body: answer, .. } = app.delete_as(&token, &document_path(&cvs[0].2)).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("required_document")), "{answer}");
    assert_eq!(app.delete_as(&token, &document_path(&certificats)).await.status, 204);
    assert_eq!(app.delete_as(&token, &document_path(&certificats)).await.status, 404);
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
        let Answer { status: got, body: answer, .. } = add(&app, caller, &id, &body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
    }
    // At most 10 documents (S11).
    for n in 0..6 {
        let Answer { status, body: answer, .. } =
            add(&app, &token, &id, &document("autres", "a.pdf", &pdf(&n.to_string(), 10))).await;
        assert_eq!(status, 201, "{answer}");
    }
    let Answer { status, body: answer, .. } =
        add(&app, &token, &id, &document("autres", "a.pdf", &pdf("onze", 10))).await;
    assert_eq!((status, answer["code"].as_str()), (422, Some("too_many_documents")), "{answer}");

    // Locked once the recruiters move it.
    move_to(&app, &recruiter, &id, "incubation").await;
    let Answer { status, body: answer, .. } = add(&app, &token, &id, &document("cv", "cv.pdf", &pdf("tard", 10))).await;
    assert_eq!((status, answer["code"].as_str()), (409, Some("application_locked")), "{answer}");
    let last_optional = documents(&app, &token, &id).await.into_iter().find(|d| d.0 == "autres").unwrap();
    assert_eq!(app.delete_as(&token, &document_path(&last_optional.2)).await.status, 409);
}

async fn staff_read_the_admin_view_and_everyone_allowed_the_complete_view(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "vue@example.com").await;
    let other = app.token_for(Role::Candidate, "curieux@example.com").await.token;
    let observer = app.token_for(Role::Observer, "obs@seeg.ga").await.token;
    let path = format!("/api/v1/applications/{id}");

    let Answer { status, body: own, .. } = app.get_as(&token, &path).await;
    assert_eq!(status, 200);
    assert!(own["data"].get("candidate").is_none(), "candidates get the Application shape: {own}");
    let Answer { status, body: staff, .. } = app.get_as(&observer, &path).await;
    assert_eq!(status, 200, "{staff}");
    let view = &staff["data"];
    assert_eq!(view["id"].as_str(), Some(id.as_str()), "the application fields are flattened in");
    assert_eq!(view["candidate"]["email"], "vue@example.com");
    assert_eq!(view["candidate"]["candidate_status"], "externe");
    assert_eq!(view["candidate"]["candidate_profile"]["skills"], json!([]), "profile created at submission (R24)");
    assert_eq!(view["job_offer"]["title"], offer.title);
    assert_eq!(view["job_offer"]["status"], "active");

    let complete = format!("{path}/complete");
    assert_eq!(app.get_as(&other, &complete).await.status, 404, "another candidate's does not exist (S3)");
    for caller in [&token, &observer] {
        let Answer { status, body, .. } = app.get_as(caller, &complete).await;
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
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let people = [("Élodie", "Ndong", "elodie@example.com"), ("Pierre", "Mba", "pmba@example.com")];
    for (first, last, email) in people {
        app.insert_account_with(Role::Candidate, email, |u| {
            (u.first_name, u.last_name) = (first.to_owned(), last.to_owned());
        })
        .await;
        let token = app.log_in(email).await.access_token;
        assert_eq!(app.post_submission(&token, &submission(&offer)).await.status, 201);
    }
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let search = |q: &str| {
        let mut url = reqwest::Url::parse(&app.url("/api/v1/applications/")).unwrap();
        url.query_pairs_mut().append_pair("q", q);
        format!("{}?{}", url.path(), url.query().unwrap())
    };
    for (q, expected) in [("ELODIE", 1), ("ndong", 1), ("pmba@", 1), ("example.com", 2), ("personne", 0)] {
        let Answer { status, body, .. } = app.get_as(&recruiter, &search(q)).await;
        assert_eq!((status, body["total"].as_u64()), (200, Some(expected)), "q={q}: {body}");
    }
    let Answer { status, body, .. } = app.get_as(&recruiter, &search("élodie")).await;
    assert_eq!((status, body["total"].as_u64()), (200, Some(1)), "accents ignored");
    let Answer { status, body, .. } = app.get_as(&recruiter, &search(&"x".repeat(101))).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));
}

/// A booked interview is staff's record: while one stands, the candidate cannot delete the application (it
/// would take the slot with it); once it is cancelled, the candidate may.
async fn a_candidate_does_not_delete_an_application_with_a_booked_interview(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let (id, token) = applied(&app, &offer, "entretien@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    let booking = json!({
        "date": "2027-01-11", "time": "09:30:00", "application_id": id, "candidate_name": "Awa Mba",
        "job_title": "Technicien réseau",
    });
    let Answer { status, body: slot, .. } = app.post_as(&recruiter, "/api/v1/interviews/slots", &booking).await;
    assert_eq!(status, 201, "{slot}");
    let path = format!("/api/v1/applications/{id}");

    let Answer { status, body: refused, .. } = app.delete_as(&token, &path).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("application_locked")), "{refused}");
    let Answer { status, body: kept, .. } =
        app.get_as(&recruiter, &format!("/api/v1/interviews/slots/{}", slot["id"].as_str().unwrap())).await;
    assert_eq!((status, kept["status"].as_str()), (200, Some("scheduled")), "the slot stays booked");

    let cancel = app.delete_as(&recruiter, &format!("/api/v1/interviews/slots/{}", slot["id"].as_str().unwrap())).await;
    assert_eq!(cancel.status, 200);
    assert_eq!(app.delete_as(&token, &path).await.status, 204, "nothing of the staff's is left to lose");
}

/// A candidate's delete racing a recruiter's booking: one of them wins cleanly. Never both (a booked slot deleted
/// with its application), never a 500.
async fn a_delete_racing_a_booking_loses_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await.token;
    for round in 0..8 {
        let (id, token) = applied(&app, &offer, &format!("course{round}@example.com")).await;
        let booking = json!({
            "date": "2027-02-01", "time": format!("{:02}:00:00", 8 + round), "application_id": id,
            "candidate_name": "Awa Mba", "job_title": "Technicien réseau",
        });
        let path = format!("/api/v1/applications/{id}");
        let (deleted, booked) =
            tokio::join!(app.delete_as(&token, &path), app.post_as(&recruiter, "/api/v1/interviews/slots", &booking));
        match (deleted.status, booked.status) {
            (204, 404) => {}
            (409, 201) => {
                let slot = booked.body["id"].as_str().unwrap();
                let kept = app.get_as(&recruiter, &format!("/api/v1/interviews/slots/{slot}")).await;
                assert_eq!(kept.status, 200, "round {round}: the booked slot stays");
            }
            other => panic!("round {round}: delete and booking answered {other:?}: {} / {}", deleted.body, booked.body),
        }
    }
}

on_backends!(Sqlite, Postgres =>
    a_delete_racing_a_booking_loses_nothing,
    a_candidate_does_not_delete_an_application_with_a_booked_interview,
    deleting_an_application_follows_i10,
    documents_are_added_replaced_and_deleted_per_i10,
    staff_read_the_admin_view_and_everyone_allowed_the_complete_view,
    staff_find_applications_by_candidate_name_or_email,
);
