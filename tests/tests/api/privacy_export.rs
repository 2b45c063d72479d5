//! `GET /api/v1/users/me/export` and `/api/v1/users/{id}/export` (B7): a ZIP of what the service holds about a
//! person, every document byte for byte, nobody else's data, and only the person or an administrator may ask.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use seeg_application::Page;
use seeg_application::identity::{AuditFilter, AuditRepository};
use seeg_application::privacy::USER_EXPORTED;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::submissions::{REQUIRED_TYPES, labelled_pdf};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::Value;

/// The archive's files by name.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP archive");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

fn json(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Value {
    serde_json::from_slice(files.get(name).unwrap_or_else(|| panic!("{name} in the archive"))).unwrap()
}

async fn download(app: &TestApp, token: &str, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let response = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

async fn a_candidate_downloads_everything_held_about_them_and_nothing_of_anyone_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let awa = app.token_for(Role::Candidate, "awa@example.com").await;
    let other = app.token_for(Role::Candidate, "autre.personne@example.com").await;
    let submitted = app.submit(&awa.token, &offer, "awa").await;
    app.submit(&other.token, &offer, "autre").await;
    // A password reset asked for: its e-mail holds a live link, which the export must not hand out (review H1).
    let asked = app.post_json("/api/v1/auth/forgot-password", &serde_json::json!({"email": "awa@example.com"})).await;
    assert_eq!(asked.status, 200, "{}", asked.body);

    // The reset's e-mail is written by the relay, after the request: exported once it is logged.
    let (status, headers, bytes) = seeg_tests::eventually::eventually("the reset e-mail logged", async || {
        let (status, headers, bytes) = download(&app, &awa.token, "/api/v1/users/me/export").await;
        let logged = status == 200 && String::from_utf8_lossy(&unzip(&bytes)["emails.json"]).contains("password_reset");
        logged.then_some((status, headers, bytes))
    })
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "application/zip");
    assert!(
        headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"donnees-personnelles-")
    );
    assert_eq!(headers["cache-control"], "no-store");
    let files = unzip(&bytes);

    let readme = String::from_utf8(files["README.txt"].clone()).unwrap();
    for name in
        ["compte.json", "profil_candidat.json", "candidatures.json", "notifications.json", "emails.json", "documents/"]
    {
        assert!(readme.contains(name), "README.txt describes {name}: {readme}");
    }
    assert!(readme.contains("Données personnelles"));
    assert_eq!(json(&files, "compte.json")["email"], "awa@example.com");

    let applications = json(&files, "candidatures.json");
    let applications = applications.as_array().unwrap();
    assert_eq!(applications.len(), 1, "{applications:?}");
    let exported = &applications[0];
    assert_eq!(exported["candidature"]["id"], submitted.id.to_string());
    assert_eq!(exported["candidature"]["mtp_answers"]["reponses_metier"], serde_json::json!(["Oui", "Non"]));
    assert_eq!(exported["evaluations"], serde_json::json!([]), "a candidate's own export has no evaluations");
    let history = exported["historique"].as_array().unwrap();
    assert!(!history.is_empty());
    assert!(history.iter().all(|h| h["notes"].is_null() && h["changed_by"].is_null()), "{history:?}");

    // Every document, byte for byte, at the path the description gives; and nothing else under documents/.
    let mut expected_paths = BTreeSet::new();
    for document in exported["documents"].as_array().unwrap() {
        let kind = document["document_type"].as_str().unwrap();
        let path = document["fichier_dans_l_archive"].as_str().unwrap();
        assert_eq!(path, format!("documents/{}/{}.pdf", submitted.id, document["id"].as_str().unwrap()), "ids only");
        assert_eq!(files[path], labelled_pdf(&format!("awa {kind}")), "{kind}: the stored bytes");
        expected_paths.insert(path.to_owned());
    }
    assert_eq!(expected_paths.len(), REQUIRED_TYPES.len());
    let documents: BTreeSet<String> = files.keys().filter(|k| k.starts_with("documents/")).cloned().collect();
    assert_eq!(documents, expected_paths);

    assert!(json(&files, "notifications.json").as_array().is_some());
    let emails = json(&files, "emails.json");
    let emails = emails.as_array().unwrap();
    assert!(emails.iter().any(|e| e["kind"] == "password_reset"), "{emails:?}");
    for email in emails {
        assert_eq!(email["recipient_email"], "awa@example.com");
    }
    // Nobody else's data: the other candidate's address, name label and application appear in no file.
    for (name, content) in &files {
        let text = String::from_utf8_lossy(content);
        assert!(!text.contains("autre.personne@example.com"), "{name} holds another person's e-mail");
        assert!(!text.contains("autre cv"), "{name} holds another person's document");
        assert!(!text.contains("token="), "{name} holds a live link");
    }
}

async fn only_the_person_or_an_administrator_exports_an_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offer = app.open_offer("Comptable", OfferVisibility::Everyone).await;
    let awa = app.token_for(Role::Candidate, "awa@example.com").await;
    let other = app.token_for(Role::Candidate, "ali@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg.ga").await;
    let admin = app.token_for(Role::Admin, "admin@seeg.ga").await;
    app.submit(&awa.token, &offer, "awa").await;
    let path = format!("/api/v1/users/{}/export", awa.user.id);

    let (status, _, bytes) = download(&app, &admin.token, &path).await;
    assert_eq!(status, 200);
    let files = unzip(&bytes);
    assert_eq!(json(&files, "compte.json")["email"], "awa@example.com");
    assert!(String::from_utf8_lossy(&files["README.txt"]).contains("export fait par un administrateur"));
    let (status, _, _) = download(&app, &awa.token, &path).await;
    assert_eq!(status, 200, "one's own account, by id");
    // The administrator's export is audited (who, whose, when; no values); the person's own is not.
    let audit: &dyn AuditRepository = &app.database;
    let filter = AuditFilter { action: Some(USER_EXPORTED.to_owned()), ..AuditFilter::default() };
    let lines = audit.list(&filter, Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!(lines.total, 1, "{:?}", lines.items);
    let line = &lines.items[0];
    assert_eq!((line.actor_id, line.target_id.clone()), (Some(admin.user.id), Some(awa.user.id.to_string())));
    assert!(line.changed_fields.is_empty(), "{line:?}");
    // After an administrator changed the address, the mail sent to the earlier one is still the person's.
    let changed = app
        .put_as(
            &admin.token,
            &format!("/api/v1/users/{}", awa.user.id),
            &serde_json::json!({"email": "awa.nouvelle@example.com"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let (status, _, bytes) = download(&app, &admin.token, &path).await;
    assert_eq!(status, 200);
    let files = unzip(&bytes);
    assert_eq!(json(&files, "compte.json")["email"], "awa.nouvelle@example.com");
    let emails = json(&files, "emails.json");
    let confirmation = emails.as_array().unwrap().iter().find(|e| e["kind"] == "application_confirmation");
    assert_eq!(confirmation.map(|e| &e["recipient_email"]), Some(&serde_json::json!("awa@example.com")), "{emails}");

    for (token, expected, code) in [(&other.token, 403, "forbidden"), (&recruiter.token, 403, "forbidden")] {
        let (status, _, body) = download(&app, token, &path).await;
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!((status, body["code"].as_str()), (expected, Some(code)), "{body}");
    }
    let unknown =
        format!("/api/v1/users/{}/export", seeg_application::IdGenerator::new_id(&seeg_application::SystemIds));
    let (status, _, _) = download(&app, &admin.token, &unknown).await;
    assert_eq!(status, 404);
    let (status, _, body) = download(&app, &admin.token, "/api/v1/users/pas-un-uuid/export").await;
    assert_eq!(status, 422, "{}", String::from_utf8_lossy(&body));
    let anonymous = app.client.get(app.url("/api/v1/users/me/export")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

on_backends!(Sqlite, Postgres =>
    a_candidate_downloads_everything_held_about_them_and_nothing_of_anyone_else,
    only_the_person_or_an_administrator_exports_an_account,
);
