//! `GET /api/v1/public/jobs`, `/count`, `/{job_id}` (legacy §1.6, R14, F1, F5, K1).

use seeg_domain::offers::{OfferStatus, OfferVisibility};
use seeg_tests::http::Answer;
use seeg_tests::offers::{offer, with};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::Value;

fn titles(body: &Value) -> Vec<&str> {
    body.as_array().expect("a list").iter().map(|o| o["title"].as_str().expect("title")).collect()
}

async fn only_active_offers_open_to_external_candidates_are_public(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let everyone = offer("Active pour tous", 6);
    let external = with(offer("Active externe", 5), OfferStatus::Active, OfferVisibility::ExternalOnly);
    let internal = with(offer("Active interne", 4), OfferStatus::Active, OfferVisibility::InternalOnly);
    let draft = with(offer("Brouillon pour tous", 3), OfferStatus::Draft, OfferVisibility::Everyone);
    let closed = with(offer("Fermée pour tous", 2), OfferStatus::Closed, OfferVisibility::Everyone);
    let archived = with(offer("Archivée externe", 1), OfferStatus::Archived, OfferVisibility::ExternalOnly);
    app.insert_offers(&[everyone.clone(), external.clone(), internal.clone(), draft.clone(), closed, archived]).await;

    let response = app.get("/api/v1/public/jobs").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "2");
    let body: Value = response.json().await.unwrap();
    assert_eq!(titles(&body), ["Active pour tous", "Active externe"]);

    let Answer { status, body: count, .. } = app.get_json("/api/v1/public/jobs/count").await;
    assert_eq!(status, 200);
    assert_eq!(count, serde_json::json!({"total": 2, "status": "active", "type": "public"}));

    for hidden in [&internal, &draft] {
        let Answer { status, body, .. } = app.get_json(&format!("/api/v1/public/jobs/{}", hidden.id)).await;
        assert_eq!(status, 404, "{} must not be public", hidden.title);
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["detail"], "La ressource demandée n'a pas été trouvée");
        assert_eq!(body["status"], 404);
        assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    }

    let Answer { status, body: detail, .. } = app.get_json(&format!("/api/v1/public/jobs/{}", external.id)).await;
    assert_eq!(status, 200);
    assert_eq!(detail["offer_status"], "externe");
}

async fn list_items_have_exactly_the_job_public_shape(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sample = offer("Ingénieur électricien", 0);
    app.insert_offers(std::slice::from_ref(&sample)).await;

    let body = app.get_json("/api/v1/public/jobs").await.body;
    let item = &body[0];
    let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut expected = vec![
        "id",
        "title",
        "description",
        "location",
        "contract_type",
        "department",
        "salary_min",
        "salary_max",
        "salary_note",
        "requirements",
        "benefits",
        "responsibilities",
        "offer_status",
        "application_deadline",
        "date_limite",
        "start_date",
        "profile",
        "categorie_metier",
        "job_grade",
        "created_at",
    ];
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(item["id"], sample.id.to_string());
    assert_eq!(item["salary_min"], 500_000);
    assert_eq!(item["requirements"], serde_json::json!(["Bac+3", "Permis B"]));
    assert_eq!(item["benefits"], Value::Null, "an empty list reads as null, as the legacy service stored it");
    assert_eq!(item["created_at"], "2026-06-01T08:00:00.123456Z", "F2: RFC 3339 UTC with Z");
    assert_eq!(item["application_deadline"], "2026-07-01T08:00:00.123456Z");
}

async fn detail_adds_reporting_line_questions_and_updated_at(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sample = offer("Technicien réseau", 0);
    app.insert_offers(std::slice::from_ref(&sample)).await;

    let Answer { status, body, .. } = app.get_json(&format!("/api/v1/public/jobs/{}/", sample.id)).await;
    assert_eq!(status, 200);
    assert_eq!(body["reporting_line"], "Directeur");
    assert_eq!(
        body["questions_mtp"],
        serde_json::json!({
            "questions_metier": ["Métier 1 ?", "Métier 2 ?"],
            "questions_talent": ["Talent ?"],
            "questions_paradigme": []
        })
    );
    assert_eq!(body["updated_at"], "2026-06-01T08:00:00.123456Z");
    assert_eq!(body["title"], "Technicien réseau");
    assert!(body.get("status").is_none() && body.get("recruiter_id").is_none(), "internal fields stay private");
}

async fn pages_are_newest_first_with_the_true_total(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offers: Vec<_> = (0..25).map(|i| offer(&format!("Offre {i:02}"), i)).collect();
    app.insert_offers(&offers).await;

    let response = app.get("/api/v1/public/jobs?skip=20&limit=10").await;
    assert_eq!(response.headers()["x-total-count"], "25");
    let body: Value = response.json().await.unwrap();
    assert_eq!(titles(&body), ["Offre 04", "Offre 03", "Offre 02", "Offre 01", "Offre 00"]);

    let first = app.get_json("/api/v1/public/jobs?limit=3").await.body;
    assert_eq!(titles(&first), ["Offre 24", "Offre 23", "Offre 22"]);

    let beyond = app.get("/api/v1/public/jobs?skip=100").await;
    assert_eq!(beyond.headers()["x-total-count"], "25", "a page past the end still reports the total");
    assert_eq!(beyond.json::<Value>().await.unwrap(), serde_json::json!([]));
}

async fn equal_creation_times_are_ordered_by_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut offers: Vec<_> = (0..4).map(|i| offer(&format!("Même instant {i}"), 0)).collect();
    app.insert_offers(&offers).await;
    offers.sort_by_key(|o| std::cmp::Reverse(o.id));

    let body = app.get_json("/api/v1/public/jobs").await.body;
    let ids: Vec<&str> = body.as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = offers.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(ids, expected);
}

async fn limit_is_capped_at_one_hundred(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offers: Vec<_> = (0..105).map(|i| offer(&format!("Offre {i:03}"), i)).collect();
    app.insert_offers(&offers).await;

    let response = app.get("/api/v1/public/jobs?limit=1000").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-total-count"], "105");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body.as_array().unwrap().len(), 100);
}

async fn location_and_contract_type_filter(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut port_gentil = offer("Port-Gentil CDD", 3);
    port_gentil.location = "Port-Gentil".into();
    port_gentil.contract_type = "CDD".into();
    let mut libreville_cdd = offer("Libreville CDD", 2);
    libreville_cdd.contract_type = "CDD".into();
    let libreville_cdi = offer("Libreville CDI", 1);
    let mut percent = offer("Zone 100%", 0);
    percent.location = "Zone 100% rurale".into();
    app.insert_offers(&[port_gentil, libreville_cdd, libreville_cdi, percent]).await;

    let body = app.get_json("/api/v1/public/jobs?location=LIBRE").await.body;
    assert_eq!(titles(&body), ["Libreville CDD", "Libreville CDI"]);
    let body = app.get_json("/api/v1/public/jobs?contract_type=CDD").await.body;
    assert_eq!(titles(&body), ["Port-Gentil CDD", "Libreville CDD"]);
    let body = app.get_json("/api/v1/public/jobs?location=libreville&contract_type=CDI").await.body;
    assert_eq!(titles(&body), ["Libreville CDI"]);
    let body = app.get_json("/api/v1/public/jobs?location=100%25").await.body;
    assert_eq!(titles(&body), ["Zone 100%"], "LIKE wildcards in the filter match literally");
    let body = app.get_json("/api/v1/public/jobs?location=_").await.body;
    assert_eq!(titles(&body), Vec::<&str>::new());
    let body = app.get_json("/api/v1/public/jobs?contract_type=cdd").await.body;
    assert_eq!(titles(&body), Vec::<&str>::new(), "contract type is an exact match");
}

async fn bad_parameters_are_422_naming_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases = [
        ("skip=-1", "query.skip"),
        ("limit=0", "query.limit"),
        ("limit=abc", "query.limit"),
        ("location=%00", "query.location"),
        ("contract_type=CD%0AI", "query.contract_type"),
    ];
    for (query, field) in cases {
        let Answer { status, body, .. } = app.get_json(&format!("/api/v1/public/jobs?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["code"], "validation_error");
        assert_eq!(body["errors"][0]["field"], field, "{query}");
        assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let Answer { status, body, .. } = app.get_json("/api/v1/public/jobs/pas-un-uuid").await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "path.job_id");
    let Answer { status, body, .. } = app.get_json("/api/v1/public/jobs/6f1c1f7e-2b5d-4a8e-9d6b-0c7a1e2f3a4b").await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

on_backends!(Sqlite, Postgres =>
        only_active_offers_open_to_external_candidates_are_public,
        list_items_have_exactly_the_job_public_shape,
        detail_adds_reporting_line_questions_and_updated_at,
        pages_are_newest_first_with_the_true_total,
        equal_creation_times_are_ordered_by_id,
        limit_is_capped_at_one_hundred,
        location_and_contract_type_filter,
    bad_parameters_are_422_naming_the_field,
);
