//! `POST /api/v1/applications/` and the reads (legacy §1.7, R19–R25; I1, I3, I4, K3, K3b, S3, S11).

use base64::Engine as _;
use seeg_application::UnitOfWork;
use seeg_domain::identity::{CandidateKind, Role};
use seeg_domain::offers::{JobOffer, OfferVisibility};
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

pub(crate) use seeg_tests::pdf::pdf;

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn documents() -> Value {
    json!([
        {"document_type": "cv", "file_name": "cv.pdf", "file_data": b64(&pdf("cv", 2000))},
        {"document_type": "cover_letter", "file_name": "lettre.pdf", "file_data": b64(&pdf("lettre", 1000))},
        {"document_type": "diplome", "file_name": "diplome.PDF", "file_data": b64(&pdf("diplome", 500))},
    ])
}

pub(crate) fn submission(offer: &JobOffer) -> Value {
    json!({
        "job_offer_id": offer.id,
        "reference_contacts": "M. Obame, 077 00 00 00",
        "has_been_manager": false,
        "ref_entreprise": "[\"SEEG\",\"Total\"]", "ref_fullname": "Jean Obame", "ref_mail": "jean@exemple.ga",
        "ref_contact": "+241 01 02 03 04",
        "mtp_answers": {"reponses_metier": ["Réponse 1", "Réponse 2"], "reponses_talent": ["Réponse T"]},
        "documents": documents(),
    })
}

async fn a_candidate_applies_and_reads_back_every_document(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let draft = json!({"job_offer_id": offer.id, "form_data": {"step": 2}});
    let saved = app.client.post(app.url("/api/v1/applications/drafts/by-offer")).bearer_auth(&token).json(&draft);
    assert_eq!(saved.send().await.unwrap().status(), 201);
    let Answer { status, body, .. } = app.post_submission(&token, &submission(&offer)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["message"], "Candidature créée avec succès (3 document(s) uploadé(s))");
    let data = &body["data"];
    assert_eq!(
        (data["status"].as_str(), data["candidate_id"].as_str()),
        (Some("candidature"), Some(&*candidate.id.to_string()))
    );
    assert_eq!(data["ref_entreprise"], "SEEG, Total", "K3d");
    assert_eq!(data["mtp_answers"]["reponses_talent"], json!(["Réponse T"]));
    let id = data["id"].as_str().unwrap().to_owned();

    let Answer { status, body: list, .. } = app.get_as(&token, "/api/v1/applications/").await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(1)));
    let Answer { status, body: list, .. } = app.get_as(&token, "/api/v1/applications/?limit=1000").await;
    assert_eq!((status, list["per_page"].as_u64()), (200, Some(1000)));
    let Answer { status, body: refused, .. } = app.get_as(&token, "/api/v1/applications/?limit=1001").await;
    assert_eq!((status, refused["errors"][0]["field"].as_str()), (422, Some("query.limit")), "legacy: 1..=1000");
    let Answer { status, body: one, .. } = app.get_as(&token, &format!("/api/v1/applications/{id}")).await;
    assert_eq!((status, one["data"]["id"].as_str()), (200, Some(id.as_str())));

    let Answer { status, body: docs, .. } = app.get_as(&token, &format!("/api/v1/applications/{id}/documents")).await;
    assert_eq!((status, docs["total"].as_u64()), (200, Some(3)));
    // The legacy `document_type` filter (§1.7).
    let Answer { status, body: only, .. } =
        app.get_as(&token, &format!("/api/v1/applications/{id}/documents?document_type=diplome")).await;
    assert_eq!(
        (status, only["total"].as_u64(), only["message"].as_str()),
        (200, Some(1), Some("1 document(s) trouvé(s)"))
    );
    assert_eq!(only["data"][0]["document_type"], "diplome");
    let Answer { status, body: none, .. } =
        app.get_as(&token, &format!("/api/v1/applications/{id}/documents?document_type=portfolio")).await;
    assert_eq!((status, none["total"].as_u64()), (200, Some(0)));
    let Answer { status, body: bad, .. } =
        app.get_as(&token, &format!("/api/v1/applications/{id}/documents?document_type=photo")).await;
    assert_eq!((status, bad["errors"][0]["field"].as_str()), (422, Some("query.document_type")), "{bad}");
    let cv = docs["data"].as_array().unwrap().iter().find(|d| d["document_type"] == "cv").unwrap().clone();
    let original = pdf("cv", 2000);
    assert_eq!(cv["file_size"].as_u64(), Some(original.len() as u64));
    let download = format!("/api/v1/applications/{id}/documents/{}/download", cv["id"].as_str().unwrap());
    let response = app.client.get(app.url(&download)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"cv.pdf\"; filename*=UTF-8''cv.pdf");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", hex::encode(Sha256::digest(&original))));
    assert_eq!(response.bytes().await.unwrap().as_ref(), original.as_slice(), "download bytes equal the upload");

    let one = format!("/api/v1/applications/{id}/documents/{}", cv["id"].as_str().unwrap());
    let Answer { status, body: with_data, .. } = app.get_as(&token, &one).await;
    assert_eq!((status, with_data["data"]["file_name"].as_str()), (200, Some("cv.pdf")));
    let decoded = base64::engine::general_purpose::STANDARD.decode(with_data["data"]["file_data"].as_str().unwrap());
    assert_eq!(decoded.unwrap(), original, "base64 bytes equal the upload");

    let partial =
        app.client.get(app.url(&download)).bearer_auth(&token).header("Range", "bytes=0-4").send().await.unwrap();
    assert_eq!(partial.status(), 206);
    assert_eq!(partial.headers()["content-range"], format!("bytes 0-4/{}", original.len()));
    assert_eq!(partial.bytes().await.unwrap().as_ref(), b"%PDF-");
    let cached =
        app.client.get(app.url(&download)).bearer_auth(&token).header("If-None-Match", &etag).send().await.unwrap();
    assert_eq!(cached.status(), 304);

    // The draft went with the submission (I8), and the profile appeared with it (R24).
    let draft =
        app.get_as(&token, &format!("/api/v1/applications/drafts/by-offer?job_offer_id={}", offer.id)).await.body;
    assert_eq!(draft["data"], Value::Null, "{draft}");

    let Answer { status, body: profile, .. } = app.get_as(&token, "/api/v1/users/me/profile").await;
    assert_eq!(status, 200, "{profile}");
}

async fn every_refusal_has_its_status_and_code_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "refus@example.com").await.token;
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = submission(&offer);
        change(&mut body);
        body
    };
    let active = b64(b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n%%EOF\n");
    let cases: Vec<(Value, u16, &str)> = vec![
        (with(&|b| b["documents"][0]["file_data"] = json!(active)), 422, "document_active_content"),
        (with(&|b| b["documents"][1]["file_data"] = json!(b64(b"PK\x03\x04 not a pdf"))), 422, "document_not_pdf"),
        (with(&|b| b["documents"][2]["file_name"] = json!("diplome.docx")), 422, "document_not_pdf"),
        (with(&|b| b["documents"].as_array_mut().unwrap().truncate(2)), 422, "missing_required_documents"),
        (
            with(&|b| {
                let again = b["documents"][0].clone();
                b["documents"].as_array_mut().unwrap().push(again);
            }),
            422,
            "duplicate_required_document",
        ),
        (with(&|b| b["documents"][0]["document_type"] = json!("photo")), 422, "document_type_not_allowed"),
        (with(&|b| b["mtp_answers"]["reponses_metier"] = json!(["Une seule"])), 400, "mtp_answers_mismatch"),
        (with(&|b| b["ref_mail"] = json!("[]")), 422, "validation_error"),
        (with(&|b| b["documents"][0]["file_data"] = json!("pas du base64 !")), 422, "validation_error"),
        (with(&|b| b["status"] = json!("embauche")), 422, "validation_error"),
        (with(&|b| b["candidate_id"] = json!(uuid::Uuid::nil())), 403, "forbidden"),
        (with(&|b| b["job_offer_id"] = json!(uuid::Uuid::nil())), 404, "not_found"),
    ];
    for (body, status, code) in cases {
        let Answer { status: got, body: answer, .. } = app.post_submission(&token, &body).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{answer}");
    }
    let list = app.get_as(&token, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 0, "no refused submission left a row");
}

async fn visibility_kind_role_and_deadline_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let internal_only = app.open_offer("Ingénieur Électricité", OfferVisibility::InternalOnly).await;
    let external = app.token_for(Role::Candidate, "externe@example.com").await.token;
    let status = app.post_submission(&external, &submission(&internal_only)).await.status;
    assert_eq!(status, 404, "K3b: an internal offer does not exist for an external candidate");

    let mut internal = app.insert_account(Role::Candidate, "agent@seeg-gabon.com").await;
    internal.candidate_kind = Some(CandidateKind::Internal);
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    tx.users().update(&internal).await.unwrap();
    tx.commit().await.unwrap();
    let internal_token = app.log_in("agent@seeg-gabon.com").await.access_token;
    let mut body = submission(&internal_only);
    body.as_object_mut().unwrap().remove("has_been_manager");
    let Answer { status, body: answer, .. } = app.post_submission(&internal_token, &body).await;
    assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body.has_been_manager")));
    body["has_been_manager"] = json!(true);
    for reference in ["ref_entreprise", "ref_fullname", "ref_mail", "ref_contact"] {
        body.as_object_mut().unwrap().remove(reference);
    }
    let Answer { status, body: answer, .. } = app.post_submission(&internal_token, &body).await;
    assert_eq!(status, 201, "references are optional for internal candidates: {answer}");

    for (role, email) in [(Role::Recruiter, "rh@seeg-gabon.com"), (Role::Admin, "admin@seeg-gabon.com")] {
        let token = app.token_for(role, email).await.token;
        assert_eq!(app.post_submission(&token, &submission(&internal_only)).await.status, 403, "{role:?}");
    }

    let mut closed = offer("Offre close", 0);
    closed.application_deadline =
        Some(seeg_application::Clock::now(&seeg_application::SystemClock) - chrono::TimeDelta::days(1));
    let mut tx = uow.begin().await.unwrap();
    tx.offers().insert(&closed).await.unwrap();
    tx.commit().await.unwrap();
    let Answer { status, body: answer, .. } = app.post_submission(&external, &submission(&closed)).await;
    assert_eq!((status, answer["code"].as_str()), (400, Some("offer_closed")));
}

async fn only_one_of_concurrent_identical_submissions_commits(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "course@example.com").await.token;
    let body = submission(&offer);
    let attempts = (0..20).map(|_| app.post_submission(&token, &body));
    let outcomes = futures_util::future::join_all(attempts).await;
    let created = outcomes.iter().filter(|answer| answer.status == 201).count();
    assert_eq!(created, 1, "{outcomes:?}");
    for Answer { status, body: answer, .. } in outcomes.iter().filter(|answer| answer.status != 201) {
        assert_eq!((*status, answer["code"].as_str()), (400, Some("application_exists")), "{answer}");
        assert!(answer["detail"].as_str().unwrap().contains("existe déjà"));
    }
    let list = app.get_as(&token, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 1);
}

async fn other_candidates_never_see_an_application_but_staff_do(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let owner = app.token_for(Role::Candidate, "owner@example.com").await.token;
    let body = app.post_submission(&owner, &submission(&offer)).await.body;
    let id = body["data"]["id"].as_str().unwrap().to_owned();
    let stranger = app.token_for(Role::Candidate, "stranger@example.com").await.token;
    for path in [format!("/api/v1/applications/{id}"), format!("/api/v1/applications/{id}/documents")] {
        assert_eq!(app.get_as(&stranger, &path).await.status, 404, "{path}");
    }
    let list = app.get_as(&stranger, "/api/v1/applications/").await.body;
    assert_eq!(list["total"], 0);
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;
    assert_eq!(app.get_as(&observer, &format!("/api/v1/applications/{id}")).await.status, 200);
    let Answer { status, body: list, .. } =
        app.get_as(&observer, &format!("/api/v1/applications/?job_offer_id={}", offer.id)).await;
    assert_eq!((status, list["total"].as_u64()), (200, Some(1)));
}

async fn an_oversized_body_is_413_before_decoding(backend: Backend) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "gros@example.com").await.token;
    // Only the head of a 57 MiB request: the answer comes from the declared length, before any byte of the
    // body is read (a client sending the body could see its connection closed under it, which is the point).
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST /api/v1/applications/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        57 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains(r#""code":"payload_too_large""#), "{answer}");

    // Under the body limit, one document's encoded size is refused before decoding it.
    let mut body = submission(&offer);
    body["documents"][0]["file_data"] = json!("A".repeat(14 * 1024 * 1024));
    let Answer { status, body: answer, .. } = app.post_submission(&token, &body).await;
    assert_eq!((status, answer["errors"][0]["field"].as_str()), (422, Some("body.documents[0].file_data")));
}

on_backends!(Sqlite, Postgres =>
    a_candidate_applies_and_reads_back_every_document,
    every_refusal_has_its_status_and_code_and_stores_nothing,
    visibility_kind_role_and_deadline_are_enforced,
    only_one_of_concurrent_identical_submissions_commits,
    other_candidates_never_see_an_application_but_staff_do,
    an_oversized_body_is_413_before_decoding,
    the_pipeline_moves_only_along_its_state_machine,
    a_candidate_s_history_holds_no_staff_notes_nor_authors,
    the_dossier_is_a_pdf_its_readers_can_read,
);

/// A candidate reads their history as dates and statuses; the staff's notes and who moved it stay with staff.
async fn a_candidate_s_history_holds_no_staff_notes_nor_authors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "historique@example.com").await.token;
    let created = app.post_submission(&token, &submission(&offer)).await.body;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");
    let SignedIn { user: recruiter, token: rh } = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await;
    let moved = app.put_as(&rh, &path, &json!({"status": "incubation", "notes": "Profil moyen, à comparer"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let note = json!({"notes": "Avis du comité : réservé"});
    let response = app.client.post(app.url(&format!("{path}/history"))).bearer_auth(&rh).json(&note).send().await;
    assert_eq!(response.unwrap().status(), 201);

    let Answer { status, body: staff, .. } = app.get_as(&rh, &format!("{path}/history")).await;
    assert_eq!(status, 200);
    let rows = staff["data"].as_array().unwrap();
    assert!(
        rows.iter().any(|r| r["notes"] == "Profil moyen, à comparer" && r["changed_by"] == recruiter.id.to_string())
    );

    let Answer { status, body: own, .. } = app.get_as(&token, &format!("{path}/history")).await;
    assert_eq!(status, 200);
    let rows = own["data"].as_array().unwrap();
    assert_eq!(rows.len(), staff["data"].as_array().unwrap().len());
    for row in rows {
        assert!(row["notes"].is_null() && row["changed_by"].is_null(), "{row}");
        assert!(row["new_status"].is_string() && row["changed_at"].is_string(), "{row}");
    }
    assert!(rows.iter().any(|r| r["new_status"] == "incubation"));
}

/// I5: every transition allowed and refused, per actor, with history rows, notifications and audit rows.
async fn the_pipeline_moves_only_along_its_state_machine(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "pipeline@example.com").await;
    let created = app.post_submission(&token, &submission(&offer)).await.body;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}");
    let SignedIn { user: recruiter, token: rh } = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;

    // Skipping a step is refused with the statuses allowed from here.
    let Answer { status, body: refused, .. } = app.put_as(&rh, &path, &json!({"status": "entretien_programme"})).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("invalid_status_transition")));
    assert_eq!(refused["allowed"], json!(["incubation", "refuse"]));
    assert_eq!(app.put_as(&observer, &path, &json!({"status": "incubation"})).await.status, 403);
    let Answer { status, body: refused, .. } = app.put_as(&token, &path, &json!({"status": "incubation"})).await;
    assert_eq!((status, refused["allowed"].clone()), (409, json!(["retiree"])), "a candidate only withdraws");

    for next in ["incubation", "entretien_programme", "simulation_programmee"] {
        let Answer { status, body: moved, .. } =
            app.put_as(&rh, &path, &json!({"status": next, "notes": format!("vers {next}")})).await;
        assert_eq!((status, moved["data"]["status"].as_str()), (200, Some(next)), "{moved}");
    }
    assert_eq!(app.put_as(&rh, &path, &json!({"status": "refuse"})).await.status, 200);
    let Answer { status, body: refused, .. } = app.put_as(&rh, &path, &json!({"status": "incubation"})).await;
    assert_eq!((status, refused["allowed"].clone()), (409, json!([])), "a recruiter cannot reopen");
    assert_eq!(app.put_as(&admin, &path, &json!({"status": "incubation"})).await.status, 200, "an admin reopens");
    assert_eq!(app.put_as(&token, &path, &json!({"status": "retiree"})).await.status, 200, "the candidate withdraws");
    let Answer { status, body: refused, .. } = app.put_as(&admin, &path, &json!({"status": "embauche"})).await;
    assert_eq!((status, refused["allowed"].clone()), (409, json!([])), "withdrawn is final");
    let status = app.put_as(&rh, &path, &json!({"status": "accepted"})).await.status;
    assert_eq!(status, 422, "unknown words are 422");
    let status = app.put_as(&rh, &path, &json!({"status": "incubation", "cover_letter": "x"})).await.status;
    assert_eq!(status, 422, "only status and notes");

    let history = app.get_as(&rh, &format!("{path}/history")).await.body;
    let moves: Vec<(Value, Value)> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["previous_status"].clone(), h["new_status"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("candidature")),
            (json!("candidature"), json!("incubation")),
            (json!("incubation"), json!("entretien_programme")),
            (json!("entretien_programme"), json!("simulation_programmee")),
            (json!("simulation_programmee"), json!("refuse")),
            (json!("refuse"), json!("incubation")),
            (json!("incubation"), json!("retiree")),
        ]
    );
    assert_eq!(history["data"][1]["notes"], "vers incubation");
    assert_eq!(history["data"][1]["changed_by"], recruiter.id.to_string());
    assert_eq!(history["data"][6]["changed_by"], candidate.id.to_string());

    let audit = format!("/api/v1/audit?action=application.status_changed&target_id={id}");
    let trail = app.get_as(&admin, &audit).await.body;
    assert_eq!(trail["total"], 5, "staff moves are audited, the candidate's withdrawal is not: {trail}");

    // A recruiter's note goes into the history without a move; candidates cannot add one.
    let note = json!({"notes": "Dossier complet, à revoir en comité"});
    let response = app.client.post(app.url(&format!("{path}/history"))).bearer_auth(&rh).json(&note).send().await;
    assert_eq!(response.unwrap().status(), 201);
    let response = app.client.post(app.url(&format!("{path}/history"))).bearer_auth(&token).json(&note).send().await;
    assert_eq!(response.unwrap().status(), 403);
    let history = app.get_as(&rh, &format!("{path}/history")).await.body;
    assert_eq!(history["data"].as_array().unwrap().len(), 8);

    let stranger = app.token_for(Role::Candidate, "stranger@example.com").await.token;
    assert_eq!(app.put_as(&stranger, &path, &json!({"status": "retiree"})).await.status, 404);
    assert_eq!(app.get_as(&stranger, &format!("{path}/history")).await.status, 404);
}

/// Issue 5 item 6: the dossier opens in a PDF reader and says what the application says.
async fn the_dossier_is_a_pdf_its_readers_can_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let token = app.token_for(Role::Candidate, "dossier@example.com").await.token;
    let created = app.post_submission(&token, &submission(&offer)).await.body;
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/applications/{id}/export/pdf");
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;
    for caller in [&token, &observer] {
        let response = app.client.get(app.url(&path)).bearer_auth(caller).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(disposition.starts_with("attachment; filename=\"Candidature_Nom_Pr"), "{disposition}");
        assert!(disposition.contains("filename*=UTF-8''"), "{disposition}");
        let bytes = response.bytes().await.unwrap();
        let document = lopdf::Document::load_mem(&bytes).unwrap();
        let pages: Vec<u32> = document.get_pages().keys().copied().collect();
        let text = document.extract_text(&pages).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
        for expected in ["Ingénieur Électricité", "dossier@example.com", "Réponse T", "lettre.pdf", "Métier 1 ?"] {
            assert!(text.contains(expected), "{expected} missing from: {text}");
        }
    }
    let stranger = app.token_for(Role::Candidate, "stranger@example.com").await.token;
    assert_eq!(app.client.get(app.url(&path)).bearer_auth(&stranger).send().await.unwrap().status(), 404);
    for bad in ["format=Tabloid", "language=en"] {
        let response = app.client.get(app.url(&format!("{path}?{bad}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(response.status(), 422, "{bad}");
    }
    let letter = app.client.get(app.url(&format!("{path}?format=Letter"))).bearer_auth(&token).send().await;
    assert_eq!(letter.unwrap().status(), 200);
}
