//! Matricule checks (legacy R4; decisions S7, K5): the public check never names an employee; the candidate's check
//! verifies the matricule on their own account; staff are refused.

use seeg_application::identity::{Agent, AgentDirectory};
use seeg_application::{Clock, SystemClock};
use seeg_domain::identity::Role;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const KNOWN: i32 = 424_242;
const FIRST_NAME: &str = "Ghislain";
const LAST_NAME: &str = "Ndong-Obiang";

async fn seed_agent(app: &TestApp) {
    let agent = Agent { matricule: KNOWN, last_name: Some(LAST_NAME.into()), first_name: Some(FIRST_NAME.into()) };
    let written = AgentDirectory::upsert(&app.database, &[agent], SystemClock.now()).await.unwrap();
    assert_eq!(written, 1);
}

async fn verify(app: &TestApp, body: &Value) -> (u16, Value, String) {
    let response = app.client.post(app.url("/api/v1/auth/verify-matricule")).json(body).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), text)
}

/// Signs up an internal candidate with a company e-mail (`actif`) and `matricule`, then logs in: the token.
async fn internal_candidate(app: &TestApp, email: &str, matricule: i32) -> String {
    let body = json!({
        "email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
        "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": "interne",
        "matricule": matricule, "no_seeg_email": false,
    });
    let response = app.client.post(app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
    app.log_in(email).await.access_token
}

async fn the_public_check_answers_without_naming_anyone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed_agent(&app).await;

    for known in [json!({"matricule": KNOWN}), json!({"matricule": KNOWN.to_string(), "autre": "clé ignorée"})] {
        let (status, body, text) = verify(&app, &known).await;
        assert_eq!(status, 200);
        assert_eq!(body, json!({"valid": true, "message": "Matricule valide", "agent_info": null}), "{known}");
        assert!(!text.contains(FIRST_NAME) && !text.contains(LAST_NAME), "{text}");
    }

    for unknown in [json!({"matricule": 111_111}), json!({"matricule": "111111"}), json!({"matricule": -KNOWN})] {
        let (status, body, _) = verify(&app, &unknown).await;
        assert_eq!((status, &body["valid"], &body["agent_info"]), (200, &json!(false), &Value::Null), "{unknown}");
        assert!(body["message"].as_str().unwrap().starts_with("Matricule non trouvé dans la base SEEG"), "{body}");
    }

    for missing in [json!({}), json!({"matricule": null}), json!({"matricule": 0}), json!({"matricule": ""})] {
        let (status, body, _) = verify(&app, &missing).await;
        assert_eq!(
            (status, body),
            (200, json!({"valid": false, "message": "Matricule requis", "agent_info": null})),
            "{missing}"
        );
    }

    for bad in [json!({"matricule": "abc"}), json!({"matricule": "42a"}), json!({"matricule": 4.5})] {
        let (status, body, text) = verify(&app, &bad).await;
        assert_eq!((status, &body["valid"], &body["agent_info"]), (200, &json!(false), &Value::Null), "{bad}");
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("Erreur lors de la vérification"), "{message}");
        for internal in ["invalid digit", "ParseIntError", "abc", "42a"] {
            assert!(!text.contains(internal), "{internal} in {text}");
        }
    }

    for not_an_object in [json!([KNOWN]), json!(KNOWN), json!("424242")] {
        let (status, body, _) = verify(&app, &not_an_object).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")), "{not_an_object}");
    }
}

async fn a_candidate_checks_their_own_matricule(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed_agent(&app).await;

    let known = internal_candidate(&app, "connu@seeg-gabon.com", KNOWN).await;
    let Answer { status, body, .. } = app.get_as(&known, "/api/v1/auth/verify-matricule").await;
    assert_eq!((status, body), (200, json!({"valid": true, "reason": null, "agent_matricule": KNOWN})));

    let unknown = internal_candidate(&app, "inconnu@seeg-gabon.com", 111_111).await;
    let Answer { status, body, .. } = app.get_as(&unknown, "/api/v1/auth/verify-matricule").await;
    assert_eq!(
        (status, body),
        (200, json!({"valid": false, "reason": "Matricule non trouvé dans seeg_agents", "agent_matricule": null}))
    );

    let external = app.token_for(Role::Candidate, "externe@example.com").await.token;
    let Answer { status, body, .. } = app.get_as(&external, "/api/v1/auth/verify-matricule").await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({
                "valid": false,
                "reason": "Aucun matricule enregistré pour cet utilisateur",
                "agent_matricule": null,
            })
        )
    );
}

async fn staff_and_anonymous_callers_cannot_use_the_candidate_check(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    seed_agent(&app).await;
    for (role, email) in [
        (Role::Admin, "admin@seeg-gabon.com"),
        (Role::Recruiter, "recruteur@seeg-gabon.com"),
        (Role::Observer, "observateur@seeg-gabon.com"),
    ] {
        let token = app.token_for(role, email).await.token;
        let Answer { status, body, .. } = app.get_as(&token, "/api/v1/auth/verify-matricule").await;
        assert_eq!(status, 403, "{role:?}: {body}");
        assert_eq!(body["code"], "forbidden");
        assert_eq!(body["detail"], "Accessible uniquement aux candidats");
    }
    let response = app.client.get(app.url("/api/v1/auth/verify-matricule")).send().await.unwrap();
    assert_eq!(response.status(), 401);
}

on_backends!(Sqlite, Postgres =>
    the_public_check_answers_without_naming_anyone,
    a_candidate_checks_their_own_matricule,
    staff_and_anonymous_callers_cannot_use_the_candidate_check,
);
