//! `GET|POST|DELETE /api/v1/applications/drafts/by-offer` (legacy §1.7, R27): one draft per candidate and offer,
//! really committed (I8), candidates only (S3), offers the caller sees only (K3b), `draft_saved` notifications.

use reqwest::Method;
use seeg_adapters_postgres::Database;
use seeg_application::Page;
use seeg_application::UnitOfWork;
use seeg_application::applications::drafts::DraftRepository;
use seeg_application::identity::NotificationRepository;
use seeg_domain::identity::{Role, User};
use seeg_domain::offers::{JobOffer, OfferStatus, OfferVisibility};
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::offers::{offer, with};
use seeg_tests::submissions::Submitted;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const DRAFTS: &str = "/api/v1/applications/drafts/by-offer";

async fn get_draft(app: &TestApp, token: &str, offer_id: Uuid) -> Answer {
    app.get_as(token, &format!("{DRAFTS}?job_offer_id={offer_id}")).await
}

async fn save_draft(app: &TestApp, token: &str, body: &Value) -> Answer {
    app.post_as(token, DRAFTS, body).await
}

async fn delete_draft(app: &TestApp, token: &str, offer_id: Uuid) -> Answer {
    app.delete_as(token, &format!("{DRAFTS}?job_offer_id={offer_id}")).await
}

async fn published(app: &TestApp, job: JobOffer) -> JobOffer {
    app.insert_offers(std::slice::from_ref(&job)).await;
    job
}

/// The drafts of (user, offer) as stored, read past the HTTP layer.
async fn stored(app: &TestApp, user: &User, offer_id: Uuid) -> Option<seeg_application::applications::drafts::Draft> {
    DraftRepository::get(&app.database, user.id, offer_id).await.unwrap()
}

async fn notifications_of(database: &Database, user: &User) -> Vec<(String, Option<String>)> {
    let page = Page { skip: 0, limit: 100 };
    let found = NotificationRepository::list_for_user(database, user.id, page).await.unwrap();
    found.items.into_iter().map(|n| (n.kind, n.link)).collect()
}

async fn a_draft_lives_from_first_save_to_delete(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let job = published(&app, offer("Technicien réseau", 0)).await;

    let Answer { status, body, .. } = get_draft(&app, &token, job.id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["success"].as_bool(), &body["data"]), (Some(true), &Value::Null));

    let form = json!({"motivation": "Électricienne depuis 6 ans", "answers": {"metier": ["Oui", "Non"]}, "step": 2});
    let Answer { status, body, .. } =
        save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": form, "ui_state": {"tab": "mtp"}})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Brouillon enregistré avec succès");
    let saved = body["data"].clone();
    assert_eq!(saved["user_id"], awa.id.to_string());
    assert_eq!(saved["job_offer_id"], job.id.to_string());
    assert_eq!(saved["form_data"], form);
    assert_eq!(saved["ui_state"], json!({"tab": "mtp"}));
    for key in ["created_at", "updated_at"] {
        assert!(saved[key].as_str().is_some_and(|t| t.ends_with('Z')), "{key}: {saved}");
    }
    assert!(stored(&app, &awa, job.id).await.is_some(), "committed (I8)");

    // Another request reads it back, at the path with a trailing slash too (K1).
    let Answer { status, body, .. } = app.get_as(&token, &format!("{DRAFTS}/?job_offer_id={}", job.id)).await;
    assert_eq!((status, &body["data"]), (200, &saved));

    // A second save replaces both objects; an absent object is saved empty; the creation time stays.
    let Answer { status, body, .. } =
        save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": {"step": 3}})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!((&body["data"]["form_data"], &body["data"]["ui_state"]), (&json!({"step": 3}), &json!({})));
    assert_eq!(body["data"]["created_at"], saved["created_at"]);
    assert_eq!(get_draft(&app, &token, job.id).await.body["data"], body["data"]);

    // `null` clears.
    let Answer { status, body, .. } =
        save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": null, "ui_state": {"tab": "cv"}})).await;
    assert_eq!(status, 201, "{body}");
    let read = get_draft(&app, &token, job.id).await.body;
    assert_eq!((&read["data"]["form_data"], &read["data"]["ui_state"]), (&json!({}), &json!({"tab": "cv"})));

    let Answer { status, body, .. } = delete_draft(&app, &token, job.id).await;
    assert_eq!((status, body), (204, Value::Null));
    assert!(stored(&app, &awa, job.id).await.is_none(), "the delete is committed (I8, D3)");
    assert_eq!(get_draft(&app, &token, job.id).await.body["data"], Value::Null);
    assert_eq!(delete_draft(&app, &token, job.id).await.status, 204, "deleting nothing is no error");
}

async fn one_draft_per_candidate_and_offer_and_none_seen_by_another(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token: awa_token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let SignedIn { user: paul, token: paul_token } = app.token_for(Role::Candidate, "paul@example.com").await;
    let job = published(&app, offer("Technicien réseau", 0)).await;
    let other = published(&app, offer("Chef d'usine d'eau", 1)).await;

    for step in 1..=3 {
        let status =
            save_draft(&app, &awa_token, &json!({"job_offer_id": job.id, "form_data": {"step": step}})).await.status;
        assert_eq!(status, 201);
    }
    assert_eq!(stored(&app, &awa, job.id).await.unwrap().form_data.to_value(), json!({"step": 3}));
    assert_eq!(save_draft(&app, &awa_token, &json!({"job_offer_id": other.id})).await.status, 201);
    assert!(stored(&app, &awa, other.id).await.is_some(), "one draft per offer");

    // Paul sees none of Awa's drafts; the `user_id` he sends is ignored: the key is the caller (R27).
    assert_eq!(get_draft(&app, &paul_token, job.id).await.body["data"], Value::Null);
    let Answer { status, body, .. } = save_draft(
        &app,
        &paul_token,
        &json!({"job_offer_id": job.id, "user_id": awa.id, "form_data": {"step": "paul"}}),
    )
    .await;
    assert_eq!((status, &body["data"]["user_id"]), (201, &json!(paul.id.to_string())));
    assert_eq!(stored(&app, &awa, job.id).await.unwrap().form_data.to_value(), json!({"step": 3}));
    assert_eq!(get_draft(&app, &awa_token, job.id).await.body["data"]["form_data"], json!({"step": 3}));

    assert_eq!(delete_draft(&app, &paul_token, job.id).await.status, 204);
    assert!(stored(&app, &paul, job.id).await.is_none());
    assert!(stored(&app, &awa, job.id).await.is_some(), "Paul's delete reaches his own draft only");
}

async fn offers_the_candidate_cannot_see_are_404(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: external, token } = app.token_for(Role::Candidate, "externe@example.com").await;
    let internal_token = app.internal_candidate_token("agent@seeg-gabon.com", 123_456).await.token;
    let internal_only =
        published(&app, with(offer("Poste interne", 0), OfferStatus::Active, OfferVisibility::InternalOnly)).await;
    let unpublished =
        published(&app, with(offer("Offre en préparation", 1), OfferStatus::Draft, OfferVisibility::Everyone)).await;
    for hidden in [Uuid::nil(), internal_only.id, unpublished.id] {
        let Answer { status, body, .. } = get_draft(&app, &token, hidden).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "GET {hidden}");
        let status = save_draft(&app, &token, &json!({"job_offer_id": hidden, "form_data": {"a": 1}})).await.status;
        assert_eq!(status, 404, "POST {hidden}");
        assert_eq!(delete_draft(&app, &token, hidden).await.status, 404, "DELETE {hidden}");
        assert!(stored(&app, &external, hidden).await.is_none());
    }
    assert!(notifications_of(&app.database, &external).await.is_empty(), "a refused save notifies nobody");
    // An internal candidate sees every active offer (R14).
    assert_eq!(save_draft(&app, &internal_token, &json!({"job_offer_id": internal_only.id})).await.status, 201);

    // Once the offer closes, the candidate no longer reads its draft, but may still delete it.
    let job = published(&app, offer("Technicien réseau", 2)).await;
    assert_eq!(save_draft(&app, &token, &json!({"job_offer_id": job.id})).await.status, 201);
    let closed = with(job.clone(), OfferStatus::Closed, OfferVisibility::Everyone);
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    assert!(tx.offers().update(&closed).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(get_draft(&app, &token, job.id).await.status, 404);
    assert_eq!(delete_draft(&app, &token, job.id).await.status, 204);
    assert!(stored(&app, &external, job.id).await.is_none());
}

async fn only_candidates_keep_drafts(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let job = published(&app, offer("Technicien réseau", 0)).await;
    for (role, email) in [
        (Role::Admin, "admin@seeg-gabon.com"),
        (Role::Recruiter, "rh@seeg-gabon.com"),
        (Role::Observer, "obs@seeg-gabon.com"),
    ] {
        let SignedIn { user, token } = app.token_for(role, email).await;
        let Answer { status, body, .. } = get_draft(&app, &token, job.id).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{role:?}");
        assert_eq!(body["detail"], "Seuls les candidats ont des brouillons de candidature");
        let status = save_draft(&app, &token, &json!({"job_offer_id": job.id})).await.status;
        assert_eq!(status, 403, "{role:?}");
        assert_eq!(delete_draft(&app, &token, job.id).await.status, 403, "{role:?}");
        assert!(stored(&app, &user, job.id).await.is_none());
    }
    let query = format!("{DRAFTS}?job_offer_id={}", job.id);
    for method in [Method::GET, Method::DELETE] {
        let Answer { status, body, .. } = app.call(method.clone(), &query, None, None).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("not_authenticated")), "{method}");
    }
    let status = app.post_json(DRAFTS, &json!({"job_offer_id": job.id})).await.status;
    assert_eq!(status, 401);
}

async fn invalid_requests_are_422_naming_the_field_and_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let job = published(&app, offer("Technicien réseau", 0)).await;
    for method in [Method::GET, Method::DELETE] {
        for query in ["", "?job_offer_id=", "?job_offer_id=pas-un-uuid"] {
            let Answer { status, body, .. } =
                app.call(method.clone(), &format!("{DRAFTS}{query}"), Some(&token), None).await;
            assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")), "{method} {query}");
            assert_eq!(body["errors"][0]["field"], "query.job_offer_id", "{method} {query}");
        }
    }
    let over = "é".repeat(150 * 1024); // 300 KiB of UTF-8 once serialized
    for (body, field) in [
        (json!({"form_data": {"a": 1}}), "body.job_offer_id"),
        (json!({"job_offer_id": "pas-un-uuid"}), "body.job_offer_id"),
        (json!({"job_offer_id": 42}), "body.job_offer_id"),
        (json!({"job_offer_id": job.id, "form_data": [1, 2]}), "body.form_data"),
        (json!({"job_offer_id": job.id, "ui_state": "étape 2"}), "body.ui_state"),
        (json!({"job_offer_id": job.id, "form_data": {"motivation": over}}), "body.form_data"),
        (json!(["pas", "un", "objet"]), "body"),
    ] {
        let Answer { status, body: answer, .. } = save_draft(&app, &token, &body).await;
        assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{field}");
        assert_eq!(answer["errors"][0]["field"], field, "{answer}");
    }
    let answer = save_draft(&app, &token, &json!({"job_offer_id": job.id, "ui_state": {"t": over}})).await.body;
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("trop volumineux") && message.contains("256 Kio"), "{message}");
    // A body past the route's limit is refused before it is read.
    let huge = "x".repeat(700 * 1024);
    let Answer { status, body: answer, .. } =
        save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": {"t": huge}})).await;
    assert_eq!((status, answer["code"].as_str()), (413, Some("payload_too_large")), "{answer}");
    assert!(stored(&app, &awa, job.id).await.is_none());
    assert!(notifications_of(&app.database, &awa).await.is_empty());
}

async fn each_save_writes_a_draft_saved_notification(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let job = published(&app, offer("Technicien réseau", 0)).await;
    assert_eq!(save_draft(&app, &token, &json!({"job_offer_id": job.id})).await.status, 201);
    let link = Some(format!("/jobs/{}/apply", job.id));
    assert_eq!(notifications_of(&app.database, &awa).await, [("draft_saved".to_owned(), link.clone())]);
    assert_eq!(save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": {"a": 1}})).await.status, 201);
    assert_eq!(notifications_of(&app.database, &awa).await.len(), 2);
    assert_eq!(delete_draft(&app, &token, job.id).await.status, 204);
    assert_eq!(notifications_of(&app.database, &awa).await.len(), 2, "deleting notifies nobody");
}

on_backends!(Sqlite, Postgres =>
    a_draft_lives_from_first_save_to_delete,
    one_draft_per_candidate_and_offer_and_none_seen_by_another,
    offers_the_candidate_cannot_see_are_404,
    only_candidates_keep_drafts,
    invalid_requests_are_422_naming_the_field_and_store_nothing,
    each_save_writes_a_draft_saved_notification,
    a_draft_by_application_is_the_draft_by_its_offer,
    a_draft_by_application_is_its_candidates_alone,
);

/// `/applications/{id}/draft`: the draft of (caller, the application's offer), as by offer (R27).
fn application_draft(application: &Submitted) -> String {
    format!("/api/v1/applications/{}/draft", application.id)
}

async fn a_draft_by_application_is_the_draft_by_its_offer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let job = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let path = application_draft(&application);

    let Answer { status, body, .. } = app.get_as(&token, &path).await;
    assert_eq!((status, body["success"].as_bool(), &body["data"]), (200, Some(true), &Value::Null), "{body}");

    let form = json!({"motivation": "Compléter le dossier", "step": 4});
    let saved = json!({"form_data": form, "ui_state": {"tab": "documents"}});
    let Answer { status, body, .. } = app.post_as(&token, &path, &saved).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["success"].as_bool(), body["message"].as_str()), (Some(true), Some("Brouillon enregistré")));
    let data = body["data"].clone();
    assert_eq!((&data["user_id"], &data["job_offer_id"]), (&json!(awa.id), &json!(job.id)), "{data}");
    assert_eq!((&data["form_data"], &data["ui_state"]), (&form, &json!({"tab": "documents"})));
    assert_eq!(stored(&app, &awa, job.id).await.unwrap().form_data.to_value(), form, "committed (I8)");
    let link = Some(format!("/jobs/{}/apply", job.id));
    assert_eq!(notifications_of(&app.database, &awa).await.first(), Some(&("draft_saved".to_owned(), link)));

    // One draft, two names: what is saved by offer reads back by application, and the other way round.
    assert_eq!(get_draft(&app, &token, job.id).await.body["data"], data);
    let status = save_draft(&app, &token, &json!({"job_offer_id": job.id, "form_data": {"step": 5}})).await.status;
    assert_eq!(status, 201);
    let body = app.get_as(&token, &format!("{path}/")).await.body;
    assert_eq!((&body["data"]["form_data"], &body["data"]["ui_state"]), (&json!({"step": 5}), &json!({})));
    assert_eq!(body["data"]["created_at"], data["created_at"], "the creation time stays");

    // A body without objects saves them empty; a non-object is 422 naming it, and changes nothing.
    let Answer { status, body, .. } = app.post_as(&token, &path, &json!({})).await;
    assert_eq!((status, &body["data"]["form_data"]), (200, &json!({})));
    let Answer { status, body, .. } = app.post_as(&token, &path, &json!({"ui_state": [1]})).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("body.ui_state")), "{body}");
    let Answer { status, body, .. } = app.get_as(&token, "/api/v1/applications/pas-un-uuid/draft").await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("path.application_id")), "{body}");

    let Answer { status, body, .. } = app.delete_as(&token, &path).await;
    assert_eq!((status, body), (204, Value::Null));
    assert!(stored(&app, &awa, job.id).await.is_none(), "the delete is committed (I8)");
    assert_eq!(get_draft(&app, &token, job.id).await.body["data"], Value::Null);
    assert_eq!(app.delete_as(&token, &path).await.status, 204, "deleting nothing is no error");
}

async fn a_draft_by_application_is_its_candidates_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: awa, token: awa_token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let SignedIn { user: paul, token: paul_token } = app.token_for(Role::Candidate, "paul@example.com").await;
    let job = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let application = app.submit(&awa_token, &job, "awa").await;
    let path = application_draft(&application);
    let body = json!({"form_data": {"step": 1}});
    assert_eq!(app.post_as(&awa_token, &path, &body).await.status, 200);

    // Another candidate's application, and an unknown one, do not exist for Paul (S3).
    let unknown = format!("/api/v1/applications/{}/draft", Uuid::nil());
    for target in [&path, &unknown] {
        for (method, body) in [(Method::GET, None), (Method::POST, Some(&body)), (Method::DELETE, None)] {
            let Answer { status, body: answer, .. } = app.call(method.clone(), target, Some(&paul_token), body).await;
            assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")), "{method} {target}");
        }
    }
    assert!(stored(&app, &paul, job.id).await.is_none());
    assert_eq!(stored(&app, &awa, job.id).await.unwrap().form_data.to_value(), json!({"step": 1}), "untouched");

    // Staff keep no draft (403), even on a real application; no token is 401.
    for (role, email) in [
        (Role::Admin, "admin@seeg-gabon.com"),
        (Role::Recruiter, "rh@seeg-gabon.com"),
        (Role::Observer, "obs@seeg-gabon.com"),
    ] {
        let token = app.token_for(role, email).await.token;
        for (method, body) in [(Method::GET, None), (Method::POST, Some(&body)), (Method::DELETE, None)] {
            let Answer { status, body: answer, .. } = app.call(method.clone(), &path, Some(&token), body).await;
            assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")), "{role:?} {method}");
        }
        for method in [Method::GET, Method::DELETE] {
            assert_eq!(app.call(method.clone(), &path, None, None).await.status, 401, "{method}");
        }
    }
    assert!(stored(&app, &awa, job.id).await.is_some(), "still there");
}
