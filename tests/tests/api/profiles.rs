//! `GET|PUT /api/v1/users/me/profile` and the `candidate_profile` beside accounts (legacy §1.4, R24, D20, D24).

use seeg_domain::identity::Role;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const PROFILE: &str = "/api/v1/users/me/profile";

async fn put_profile(app: &TestApp, token: &str, body: &Value) -> Answer {
    app.put_as(token, PROFILE, body).await
}

async fn get_profile(app: &TestApp, token: &str) -> Answer {
    app.get_as(token, PROFILE).await
}

/// A candidate who gave an address, a position and experience on `PUT /users/me`.
async fn candidate(app: &TestApp, email: &str) -> String {
    let token = app.token_for(Role::Candidate, email).await.token;
    let account = json!({"adresse": "Libreville", "poste_actuel": "Technicienne", "annees_experience": 6});
    assert_eq!(app.put_as(&token, "/api/v1/users/me", &account).await.status, 200);
    token
}

async fn the_first_save_creates_the_profile_from_the_account_and_later_saves_change_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate(&app, "awa@example.com").await;
    let Answer { status, body, .. } = get_profile(&app, &token).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));

    let Answer { status, body, .. } =
        put_profile(&app, &token, &json!({"skills": ["Électricité", "SQL"], "education": "Master"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Profil candidat mis à jour avec succès");
    assert_eq!(body["data"]["email"], "awa@example.com");
    let profile = &body["data"]["candidate_profile"];
    assert_eq!(profile["skills"], json!(["Électricité", "SQL"]));
    assert_eq!(profile["education"], "Master");
    assert_eq!(
        (profile["address"].as_str(), profile["current_position"].as_str()),
        (Some("Libreville"), Some("Technicienne"))
    );
    assert_eq!(profile["years_experience"], 6);
    let id = profile["id"].clone();

    let Answer { status, body, .. } = put_profile(&app, &token, &json!({"skills": ["Rust"], "education": null, "expected_salary_min": 300_000, "expected_salary_max": 500_000, "birth_date": "1990-05-01T00:00:00"})).await;
    assert_eq!(status, 200, "{body}");
    let Answer { status, body, .. } = get_profile(&app, &token).await;
    assert_eq!(status, 200);
    assert_eq!(body["message"], "Profil candidat récupéré avec succès");
    let profile = &body["data"];
    assert_eq!(profile["id"], id, "one profile per account");
    assert_eq!(profile["skills"], json!(["Rust"]));
    assert_eq!(profile["education"], Value::Null);
    assert_eq!(
        (profile["expected_salary_min"].as_i64(), profile["expected_salary_max"].as_i64()),
        (Some(300_000), Some(500_000))
    );
    assert_eq!(profile["birth_date"], "1990-05-01");
}

async fn invalid_profiles_are_422_and_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate(&app, "bad@example.com").await;
    let status = put_profile(&app, &token, &json!({"expected_salary_max": 500_000, "skills": ["Rust"]})).await.status;
    assert_eq!(status, 200);
    let before = get_profile(&app, &token).await.body;
    for (body, field) in [
        (json!({"expected_salary_min": 600_000, "skills": ["Go"]}), "body.expected_salary_min"),
        (json!({"linkedin_url": "javascript:alert(1)"}), "body.linkedin_url"),
        (json!({"skills": "Rust, Go"}), "body.skills"),
        (json!({"skills": [1, 2]}), "body.skills"),
        (json!({"years_experience": 61}), "body.years_experience"),
        (json!({"expected_salary_max": -1}), "body.expected_salary_max"),
        (json!({"birth_date": "2020-01-01"}), "body.birth_date"),
        (json!({"user_id": "00000000-0000-0000-0000-000000000000"}), "body.user_id"),
    ] {
        let Answer { status, body: answer, .. } = put_profile(&app, &token, &body).await;
        assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{body}");
        assert_eq!(answer["errors"][0]["field"], field, "{body}");
    }
    let after = get_profile(&app, &token).await.body;
    assert_eq!(after, before);
}

async fn staff_have_no_candidate_profile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for (role, email) in [
        (Role::Admin, "admin@seeg-gabon.com"),
        (Role::Recruiter, "rh@seeg-gabon.com"),
        (Role::Observer, "obs@seeg-gabon.com"),
    ] {
        let token = app.token_for(role, email).await.token;
        let Answer { status, body, .. } = get_profile(&app, &token).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{role:?}");
        assert_eq!(body["detail"], "Seuls les candidats ont un profil candidat");
        let status = put_profile(&app, &token, &json!({"skills": ["x"]})).await.status;
        assert_eq!(status, 403, "{role:?}");
    }
    let status = app.get_json(PROFILE).await.status;
    assert_eq!(status, 401);
}

async fn the_profile_appears_beside_the_account_at_login_me_and_for_staff(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate(&app, "vue@example.com").await;
    assert_eq!(put_profile(&app, &token, &json!({"skills": ["Électricité"]})).await.status, 200);

    let session = app.log_in("vue@example.com").await;
    assert_eq!(session.body["user"]["candidate_profile"]["skills"], json!(["Électricité"]));
    let me = app.get_as(&token, "/api/v1/users/me").await.body;
    assert_eq!(me["data"]["candidate_profile"]["skills"], json!(["Électricité"]));
    let user_id = me["data"]["id"].as_str().unwrap().to_owned();

    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let Answer { status, body: seen, .. } = app.get_as(&recruiter, &format!("/api/v1/users/{user_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["data"]["candidate_profile"]["user_id"], user_id.as_str());
    let staff_me = app.get_as(&recruiter, "/api/v1/users/me").await.body;
    assert_eq!(staff_me["data"]["candidate_profile"], Value::Null);
}

on_backends!(Sqlite, Postgres =>
    the_first_save_creates_the_profile_from_the_account_and_later_saves_change_it,
    invalid_profiles_are_422_and_change_nothing,
    staff_have_no_candidate_profile,
    the_profile_appears_beside_the_account_at_login_me_and_for_staff,
);
