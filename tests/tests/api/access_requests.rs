//! Access requests (legacy §1.3, R35, I8): the pending internal sign-up, the list with every field filled,
//! approve and reject with their effect on login, the counters, and every role against every route (S3).

use std::sync::Arc;

use reqwest::Method;
use seeg_adapters_mail::MemoryMailer;
use seeg_domain::identity::Role;
use seeg_tests::accounts::{PASSWORD, SignedIn};
use seeg_tests::eventually::mail_to;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const REASON: &str = "Matricule inconnu des services des ressources humaines";

/// Signs up an internal candidate without a company e-mail: `en_attente` with a pending access request.
async fn pending_signup(app: &TestApp, email: &str, matricule: i64) -> Value {
    let body = json!({
        "email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
        "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F",
        "candidate_status": "interne", "matricule": matricule, "no_seeg_email": true,
        "adresse": "Quartier Louis, Libreville",
    });
    let response = app.client.post(app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn the_list_shows_the_pending_request_with_every_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let token = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;

    let Answer { status, body, .. } = app.get_as(&token, "/api/v1/access-requests/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "1 demande(s) d'accès trouvée(s)");
    assert_eq!(
        (body["total"].as_u64(), body["pending_count"].as_u64(), body["unviewed_count"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    let request = &body["data"][0];
    for field in [
        "email",
        "first_name",
        "last_name",
        "phone",
        "matricule",
        "request_type",
        "status",
        "viewed",
        "id",
        "user_id",
        "created_at",
        "updated_at",
        "date_of_birth",
        "sexe",
        "adresse",
        "user_statut",
    ] {
        assert!(!request[field].is_null(), "{field} must be filled: {request}");
    }
    assert_eq!(request["user_id"], user["id"]);
    assert_eq!(request["email"], "agent.sans.mail@example.com");
    assert_eq!(request["matricule"], "654321");
    assert_eq!(request["request_type"], "internal_no_seeg_email");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["viewed"], false);
    assert_eq!(request["date_of_birth"], "1992-08-20");
    assert_eq!(request["sexe"], "F");
    assert_eq!(request["adresse"], "Quartier Louis, Libreville");
    assert_eq!(request["user_statut"], "en_attente");
    for field in ["rejection_reason", "reviewed_at", "reviewed_by"] {
        assert!(request[field].is_null(), "{field}");
    }

    let filtered = app.get_as(&token, "/api/v1/access-requests?status_filter=approved").await.body;
    assert_eq!((filtered["total"].as_u64(), filtered["pending_count"].as_u64()), (Some(0), Some(1)));
    let filtered = app.get_as(&token, "/api/v1/access-requests?viewed_filter=false&limit=1").await.body;
    assert_eq!(filtered["total"], 1);
    for bad in ["status_filter=done", "viewed_filter=oui", "limit=0", "limit=501", "skip=-1"] {
        let Answer { status, body: answer, .. } = app.get_as(&token, &format!("/api/v1/access-requests?{bad}")).await;
        assert_eq!((status, answer["code"].as_str()), (422, Some("validation_error")), "{bad}");
    }
}

async fn approving_lets_the_candidate_log_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let SignedIn { user: recruiter, token } = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
    assert_eq!(app.attempt_login("agent.sans.mail@example.com", PASSWORD).await.status, 403);
    let list = app.get_as(&token, "/api/v1/access-requests/").await.body;
    let id = list["data"][0]["id"].clone();

    let Answer { status, body, .. } =
        app.post_as(&token, "/api/v1/access-requests/approve", &json!({"request_id": id})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    assert!(body["message"].as_str().unwrap().starts_with("Demande d'accès approuvée avec succès."));
    assert_eq!(body["data"]["status"], "approved");
    assert_eq!(body["data"]["user_statut"], "actif");
    assert_eq!(body["data"]["reviewed_by"], recruiter.id.to_string());
    assert!(body["data"]["reviewed_at"].is_string());
    assert_eq!(app.attempt_login("agent.sans.mail@example.com", PASSWORD).await.status, 200);

    let Answer { status, body: again, .. } =
        app.post_as(&token, "/api/v1/access-requests/approve", &json!({"request_id": id})).await;
    assert_eq!(status, 400);
    assert_eq!(again["code"], "access_request_already_processed");
    assert_eq!(again["detail"], "La demande a déjà été traitée (statut: approved)");
    let Answer { status, body: again, .. } = app
        .post_as(&token, "/api/v1/access-requests/reject", &json!({"request_id": id, "rejection_reason": REASON}))
        .await;
    assert_eq!((status, again["code"].as_str()), (400, Some("access_request_already_processed")));

    let unknown = json!({"request_id": "00000000-0000-4000-8000-000000000000"});
    assert_eq!(app.post_as(&token, "/api/v1/access-requests/approve", &unknown).await.status, 404);

    let Answer { status, body: audit, .. } = {
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        app.get_as(&admin, "/api/v1/audit?action=access_request.approved").await
    };
    assert_eq!(status, 200);
    assert_eq!(audit["total"], 1, "{audit}");
}

async fn rejecting_needs_a_reason_and_blocks_the_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let list = app.get_as(&token, "/api/v1/access-requests/").await.body;
    let id = list["data"][0]["id"].clone();

    let short = json!({"request_id": id, "rejection_reason": "   trop court          "});
    let Answer { status, body, .. } = app.post_as(&token, "/api/v1/access-requests/reject", &short).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));
    assert_eq!(body["errors"][0]["field"], "body.rejection_reason");

    let good = json!({"request_id": id, "rejection_reason": format!("  {REASON}  ")});
    let Answer { status, body, .. } = app.post_as(&token, "/api/v1/access-requests/reject", &good).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["status"], "rejected");
    assert_eq!(body["data"]["rejection_reason"], REASON);
    assert_eq!(body["data"]["user_statut"], "bloqué");
    let Answer { status, body: refused, .. } = app.attempt_login("agent.sans.mail@example.com", PASSWORD).await;
    assert_eq!(status, 403);
    assert!(refused["detail"].as_str().unwrap().starts_with("Votre compte a été bloqué."));

    let Answer { status, body: again, .. } = app.post_as(&token, "/api/v1/access-requests/reject", &good).await;
    assert_eq!((status, again["detail"].as_str()), (400, Some("La demande a déjà été traitée (statut: rejected)")));
}

async fn counters_and_mark_all_viewed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    pending_signup(&app, "un@example.com", 111_111).await;
    pending_signup(&app, "deux@example.com", 222_222).await;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;

    let Answer { status, body, .. } = app.get_as(&observer, "/api/v1/access-requests/unviewed-count").await;
    assert_eq!((status, body), (200, json!({"success": true, "count": 2})));
    let status = app.call(Method::POST, "/api/v1/access-requests/mark-all-viewed", Some(&observer), None).await.status;
    assert_eq!(status, 403, "observers write nothing (S3)");
    let Answer { status, body, .. } =
        app.call(Method::POST, "/api/v1/access-requests/mark-all-viewed", Some(&recruiter), None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"success": true, "message": "2 demande(s) marquée(s) comme vue(s)", "count": 2}));
    let body = app.get_as(&recruiter, "/api/v1/access-requests/unviewed-count").await.body;
    assert_eq!(body["count"], 0);
    let list = app.get_as(&recruiter, "/api/v1/access-requests/").await.body;
    assert_eq!((list["pending_count"].as_u64(), list["unviewed_count"].as_u64()), (Some(2), Some(0)));
    assert!(list["data"].as_array().unwrap().iter().all(|r| r["viewed"] == true));
    let body = app.call(Method::POST, "/api/v1/access-requests/mark-all-viewed", Some(&recruiter), None).await.body;
    assert_eq!(body["message"], "0 demande(s) marquée(s) comme vue(s)");
}

async fn every_role_against_every_access_request_route(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let mut tokens = Vec::new();
    for (role, email) in [
        (Role::Admin, "admin@seeg-gabon.com"),
        (Role::Recruiter, "recruteur@seeg-gabon.com"),
        (Role::Observer, "observateur@seeg-gabon.com"),
        (Role::Candidate, "candidat@example.com"),
    ] {
        tokens.push((Some(role), Some(app.token_for(role, email).await.token)));
    }
    tokens.push((None, None));
    // An unknown id: allowed callers reach the lookup (404), refused ones stop before it.
    let unknown = json!({"request_id": "00000000-0000-4000-8000-000000000000"});
    let reject = json!({"request_id": "00000000-0000-4000-8000-000000000000", "rejection_reason": REASON});
    let routes: [(Method, &str, Option<&Value>, [u16; 5]); 5] = [
        //                                                         admin recruiter observer candidate none
        (Method::GET, "/api/v1/access-requests/", None, [200, 200, 403, 403, 401]),
        (Method::POST, "/api/v1/access-requests/approve", Some(&unknown), [404, 404, 403, 403, 401]),
        (Method::POST, "/api/v1/access-requests/reject", Some(&reject), [404, 404, 403, 403, 401]),
        (Method::POST, "/api/v1/access-requests/mark-all-viewed", None, [200, 200, 403, 403, 401]),
        (Method::GET, "/api/v1/access-requests/unviewed-count", None, [200, 200, 200, 403, 401]),
    ];
    for (method, path, body, expected) in routes {
        for ((role, token), want) in tokens.iter().zip(expected) {
            let Answer { status, body: answer, .. } = app.call(method.clone(), path, token.as_deref(), body).await;
            assert_eq!(status, want, "{role:?} {method} {path}: {answer}");
            if want == 403 {
                assert_eq!(answer["code"], "forbidden");
            }
        }
    }
}

/// A test app whose outbox relay delivers e-mails to a mailer the test reads.
async fn spawn_with_mailer(backend: Backend) -> (TestApp, MemoryMailer) {
    let mailer = MemoryMailer::new();
    (TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await, mailer)
}

async fn approving_mails_the_applicant(backend: Backend) {
    let (app, mailer) = spawn_with_mailer(backend).await;
    pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let token = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let list = app.get_as(&token, "/api/v1/access-requests/").await.body;
    let id = list["data"][0]["id"].clone();

    let Answer { status, body, .. } =
        app.post_as(&token, "/api/v1/access-requests/approve", &json!({"request_id": id})).await;
    assert_eq!(status, 200, "{body}");
    let message = mail_to(&mailer, "agent.sans.mail@example.com", "✅ Accès Approuvé - OneHCM").await;
    assert!(message.text.contains("Bonjour Madame Awa Mba,"), "{}", message.text);
    assert!(!mailer.sent().iter().any(|m| m.subject == "❌ Demande d'Accès Refusée - OneHCM"));
}

async fn rejecting_mails_the_applicant_the_escaped_reason(backend: Backend) {
    let (app, mailer) = spawn_with_mailer(backend).await;
    pending_signup(&app, "agent.sans.mail@example.com", 654_321).await;
    let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let list = app.get_as(&token, "/api/v1/access-requests/").await.body;
    let id = list["data"][0]["id"].clone();

    let reason = "Matricule inconnu <script>alert('x')</script> des ressources humaines";
    let body = json!({"request_id": id, "rejection_reason": reason});
    let Answer { status, body: answer, .. } = app.post_as(&token, "/api/v1/access-requests/reject", &body).await;
    assert_eq!(status, 200, "{answer}");
    let message = mail_to(&mailer, "agent.sans.mail@example.com", "❌ Demande d'Accès Refusée - OneHCM").await;
    assert!(message.text.contains(reason), "{}", message.text);
    assert!(!message.html.contains("<script>"), "{}", message.html);
    assert!(message.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{}", message.html);
    assert!(!mailer.sent().iter().any(|m| m.subject == "✅ Accès Approuvé - OneHCM"));
}

/// A request whose account is no longer `en_attente` cannot be approved (409), so a recruiter cannot undo an
/// administrator's block; and an administrator's change of statut closes the account's pending requests.
async fn approving_never_overrides_an_administrators_statut(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let blocked = pending_signup(&app, "bloque@example.com", 111_111).await;
    let archived = pending_signup(&app, "archive@example.com", 222_222).await;
    let list = app.get_as(&recruiter, "/api/v1/access-requests/").await.body;
    let request_of = |user: &Value| {
        list["data"].as_array().unwrap().iter().find(|r| r["user_id"] == user["id"]).unwrap()["id"].clone()
    };
    let (blocked_request, archived_request) = (request_of(&blocked), request_of(&archived));

    let Answer { status, body, .. } = app
        .put_as(&admin, &format!("/api/v1/users/{}", blocked["id"].as_str().unwrap()), &json!({"statut": "bloqué"}))
        .await;
    assert_eq!(status, 200, "{body}");
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/users/{}", archived["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    for request in [&blocked_request, &archived_request] {
        let Answer { status, body, .. } =
            app.post_as(&recruiter, "/api/v1/access-requests/approve", &json!({"request_id": request})).await;
        assert!(matches!(status, 400 | 409), "{status} {body}");
        assert!(
            matches!(
                body["code"].as_str(),
                Some("access_request_already_processed" | "access_request_account_not_pending")
            ),
            "{body}"
        );
    }
    // The change of statut decided the requests: none pending remains.
    let after = app.get_as(&recruiter, "/api/v1/access-requests?status_filter=pending").await.body;
    assert_eq!(after["total"], 0, "{after}");
    assert_eq!(app.attempt_login("bloque@example.com", PASSWORD).await.status, 403);
    assert_eq!(app.attempt_login("archive@example.com", PASSWORD).await.status, 403);
}

/// A request left pending while its account is no longer waiting (statut set outside the administrators'
/// screens) is refused with its own code.
async fn a_request_of_an_account_not_waiting_is_refused_with_409(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let user = pending_signup(&app, "agent@example.com", 333_333).await;
    let list = app.get_as(&recruiter, "/api/v1/access-requests/").await.body;
    let request = list["data"][0]["id"].clone();
    let uow: &dyn seeg_application::UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    let mut account = tx.users().lock(user["id"].as_str().unwrap().parse().unwrap()).await.unwrap().unwrap();
    account.status = seeg_domain::identity::UserStatus::Blocked;
    tx.users().update(&account).await.unwrap();
    tx.commit().await.unwrap();

    for (path, body) in [
        ("/api/v1/access-requests/approve", json!({"request_id": request})),
        ("/api/v1/access-requests/reject", json!({"request_id": request, "rejection_reason": REASON})),
    ] {
        let Answer { status, body: answer, .. } = app.post_as(&recruiter, path, &body).await;
        assert_eq!((status, answer["code"].as_str()), (409, Some("access_request_account_not_pending")), "{answer}");
    }
    assert_eq!(app.attempt_login("agent@example.com", PASSWORD).await.status, 403);
}

on_backends!(Sqlite, Postgres =>
    approving_never_overrides_an_administrators_statut,
    a_request_of_an_account_not_waiting_is_refused_with_409,
    the_list_shows_the_pending_request_with_every_field,
    approving_lets_the_candidate_log_in_once,
    rejecting_needs_a_reason_and_blocks_the_account,
    counters_and_mark_all_viewed,
    every_role_against_every_access_request_route,
    approving_mails_the_applicant,
    rejecting_mails_the_applicant_the_escaped_reason,
);
