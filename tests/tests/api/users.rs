//! `GET|PUT /api/v1/users/me` (legacy §1.4) with decision S2: no privilege escalation through self-service.

use seeg_tests::accounts::PASSWORD;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

async fn candidate_token(app: &TestApp) -> String {
    let signup = json!({
        "email": "awa@example.com", "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
        "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": "externe",
    });
    let created = app.client.post(app.url("/api/v1/auth/signup")).json(&signup).send().await.unwrap();
    assert_eq!(created.status(), 201);
    app.log_in("awa@example.com").await.access_token
}

async fn get_me(app: &TestApp, token: &str) -> Value {
    let me = app.get_as(token, "/api/v1/users/me").await;
    assert_eq!(me.status, 200);
    me.body
}

async fn put_me(app: &TestApp, token: &str, body: &Value) -> Answer {
    app.put_as(token, "/api/v1/users/me", body).await
}

async fn me_is_the_caller_in_the_legacy_envelope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate_token(&app).await;
    let body = get_me(&app, &token).await;
    assert_eq!(body["success"], true);
    assert_eq!(body["errors"], Value::Null);
    assert_eq!(body["data"]["email"], "awa@example.com");
    assert_eq!(body["data"]["role"], "candidate");
    assert_eq!(body["data"]["candidate_profile"], Value::Null);
    assert_eq!(app.get("/api/v1/users/me").await.status(), 401);
}

async fn admin_only_fields_refuse_the_whole_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate_token(&app).await;
    let attempts = [
        json!({"role": "admin"}),
        json!({"first_name": "Pirate", "statut": "actif"}),
        json!({"email": "awa@example.com"}),
        json!({"matricule": 1234}),
        json!({"candidate_status": "interne"}),
        json!({"is_internal_candidate": true}),
        json!({"no_seeg_email": true}),
    ];
    for body in attempts {
        let Answer { status, body: answer, .. } = put_me(&app, &token, &body).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(answer["code"], "field_not_self_editable");
    }
    let unchanged = get_me(&app, &token).await;
    assert_eq!(unchanged["data"]["role"], "candidate");
    assert_eq!(unchanged["data"]["first_name"], "Awa", "nothing changed, not even the allowed field");
    assert_eq!(unchanged["data"]["is_internal_candidate"], false);
}

async fn self_service_fields_change_and_read_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate_token(&app).await;
    let before = get_me(&app, &token).await;
    let Answer { status, body: answer, .. } = put_me(
        &app,
        &token,
        &json!({"first_name": " Nadia ", "phone": null, "adresse": "Quartier Louis, Libreville", "annees_experience": 5, "id": "ignored"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let data = &answer["data"];
    assert_eq!((data["first_name"].as_str(), data["phone"].as_str()), (Some("Nadia"), None));
    assert_eq!(data["adresse"], "Quartier Louis, Libreville");
    assert_eq!(data["annees_experience"], 5);
    assert_ne!(data["updated_at"], before["data"]["updated_at"]);
    assert_eq!(get_me(&app, &token).await["data"], *data, "persisted");
}

async fn invalid_self_service_values_are_422(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = candidate_token(&app).await;
    let Answer { status, body: answer, .. } = put_me(
        &app,
        &token,
        &json!({"annees_experience": 99, "sexe": "X", "first_name": null, "date_of_birth": "2020-01-01"}),
    )
    .await;
    assert_eq!(status, 422);
    let mut fields: Vec<&str> =
        answer["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["body.annees_experience", "body.date_of_birth", "body.first_name", "body.sexe"]);
    assert_eq!(get_me(&app, &token).await["data"]["sexe"], "F");
}

on_backends!(Sqlite, Postgres =>
    me_is_the_caller_in_the_legacy_envelope,
    admin_only_fields_refuse_the_whole_body,
    self_service_fields_change_and_read_back,
    invalid_self_service_values_are_422,
);

mod administration {
    use seeg_domain::identity::Role;
    use seeg_tests::accounts::{PASSWORD, SignedIn};
    use seeg_tests::http::Answer;
    use seeg_tests::{Backend, TestApp, on_backends};
    use serde_json::{Value, json};

    async fn put_user(app: &TestApp, token: &str, id: &str, body: &Value) -> Answer {
        app.put_as(token, &format!("/api/v1/users/{id}"), body).await
    }

    async fn a_blocked_account_loses_access_at_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        let candidate = app.token_for(Role::Candidate, "awa@example.com").await.user;
        let session = app.log_in("awa@example.com").await;
        let access = session.access_token.as_str();
        let me = || app.client.get(app.url("/api/v1/auth/me")).bearer_auth(access).send();
        assert_eq!(me().await.unwrap().status(), 200);

        let Answer { status, body: answer, .. } =
            put_user(&app, &admin, &candidate.id.to_string(), &json!({"statut": "bloqué"})).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["data"]["statut"], "bloqué");

        let refused = me().await.unwrap();
        assert_eq!(refused.status(), 401, "the unexpired access token no longer works (S4)");
        let refreshed = app
            .client
            .post(app.url("/api/v1/auth/refresh"))
            .json(&json!({"refresh_token": session.refresh_token}))
            .send()
            .await
            .unwrap();
        assert_eq!(refreshed.status(), 401, "its sessions were ended");
        let login = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": "awa@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 403);
    }

    async fn only_admins_manage_accounts_and_not_their_own_access(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let SignedIn { user: admin_user, token: admin } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
        let target = app.token_for(Role::Candidate, "awa@example.com").await.user;
        let id = target.id.to_string();
        for (role, email, expected) in [
            (Role::Recruiter, "rh@seeg-gabon.com", (403, "forbidden")),
            (Role::Observer, "obs@seeg-gabon.com", (403, "forbidden")),
            // S3: another user's account is hidden from a candidate, for writes as for reads.
            (Role::Candidate, "ben@example.com", (404, "not_found")),
        ] {
            let token = app.token_for(role, email).await.token;
            let Answer { status, body: answer, .. } = put_user(&app, &token, &id, &json!({"role": "admin"})).await;
            assert_eq!((status, answer["code"].as_str().unwrap_or_default()), expected, "{role}");
        }
        let Answer { status, body: answer, .. } =
            put_user(&app, &admin, &admin_user.id.to_string(), &json!({"statut": "inactif"})).await;
        assert_eq!((status, answer["code"].as_str()), (400, Some("own_access_unchangeable")));
        let status =
            put_user(&app, &admin, "6f1c1f7e-2b5d-4a8e-9d6b-0c7a1e2f3a4b", &json!({"role": "recruiter"})).await.status;
        assert_eq!(status, 404);
        let Answer { status, body: answer, .. } =
            put_user(&app, &admin, &id, &json!({"role": "chef", "first_name": "X"})).await;
        assert_eq!(status, 422);
        assert_eq!(answer["errors"].as_array().unwrap().len(), 2);
        let Answer { status, body: answer, .. } =
            put_user(&app, &admin, &id, &json!({"email": "ADMIN@seeg-gabon.com"})).await;
        assert_eq!((status, answer["code"].as_str()), (400, Some("email_taken")));

        let Answer { status, body: answer, .. } =
            put_user(&app, &admin, &id, &json!({"role": "recruiter", "candidate_status": null, "matricule": 4242}))
                .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            (answer["data"]["role"].as_str(), answer["data"]["matricule"].as_i64()),
            (Some("recruiter"), Some(4242))
        );
        assert_eq!(answer["data"]["candidate_status"], Value::Null);
    }

    /// Self-service edits racing an administrator's block: each edit reads the account in its own transaction,
    /// so none writes back a copy read before the block. Afterwards the account is blocked, every round.
    async fn concurrent_self_service_edits_never_revert_a_block(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        let candidate = app.token_for(Role::Candidate, "awa@example.com").await.user;
        let id = candidate.id.to_string();
        for round in 0..6 {
            let session = app.log_in("awa@example.com").await;
            let access = session.access_token;
            let writers: Vec<_> = (0..8)
                .map(|writer| {
                    let (client, url, access) = (app.client.clone(), app.url("/api/v1/users/me"), access.clone());
                    tokio::spawn(async move {
                        for n in 0..40 {
                            let body = json!({"first_name": format!("Awa {writer} {n}")});
                            let response = client.put(&url).bearer_auth(&access).json(&body).send().await.unwrap();
                            if response.status() == 401 {
                                return;
                            }
                            assert_eq!(response.status(), 200);
                        }
                    })
                })
                .collect();
            let Answer { status, body: answer, .. } = put_user(&app, &admin, &id, &json!({"statut": "bloqué"})).await;
            assert_eq!(status, 200, "{answer}");
            for writer in writers {
                writer.await.unwrap();
            }
            let response = app.client.get(app.url(&format!("/api/v1/users/{id}"))).bearer_auth(&admin).send().await;
            let body: Value = response.unwrap().json().await.unwrap();
            assert_eq!(body["data"]["statut"], "bloqué", "round {round}: {body}");
            let Answer { status, body: answer, .. } = put_user(&app, &admin, &id, &json!({"statut": "actif"})).await;
            assert_eq!(status, 200, "{answer}");
        }
    }

    on_backends!(Sqlite, Postgres =>
        concurrent_self_service_edits_never_revert_a_block,
        a_blocked_account_loses_access_at_once,
        only_admins_manage_accounts_and_not_their_own_access,
    );
}

mod listing {
    //! `GET /api/v1/users/` (admin and recruiter, S3) and `GET /api/v1/users/{id}` (self and staff; another
    //! account is 404 to a candidate): every role on both routes, filters, sorts, the true total (F5), 422s.

    use chrono::TimeDelta;
    use seeg_application::{Clock, SystemClock, UnitOfWork};
    use seeg_domain::identity::{Role, User, UserStatus};
    use seeg_tests::accounts::SignedIn;
    use seeg_tests::http::Answer;
    use seeg_tests::users::user;
    use seeg_tests::{Backend, TestApp, on_backends};
    use serde_json::Value;

    async fn list(app: &TestApp, token: &str, query: &str) -> Answer {
        app.get_as(token, &format!("/api/v1/users/?{query}")).await
    }

    fn emails(body: &Value) -> Vec<&str> {
        body["data"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect()
    }

    /// Accounts with distinct names, created a day ago, a minute apart in this order (they never sign in).
    async fn insert_people(app: &TestApp) -> Vec<User> {
        let day_ago = SystemClock.now() - TimeDelta::days(1);
        let people = [
            ("e.mba@exemple.ga", "Éloïse", "Mba", Role::Candidate, UserStatus::Active),
            ("carine@exemple.ga", "Carine", "Nzé", Role::Candidate, UserStatus::Pending),
            ("d.akue@exemple.ga", "Denis", "Akue", Role::Observer, UserStatus::Blocked),
        ];
        let mut users = Vec::new();
        let uow: &dyn UnitOfWork = &app.database;
        let mut tx = uow.begin().await.unwrap();
        for (minutes, (email, first, last, role, status)) in (0..).zip(people) {
            let mut u = user(email);
            (u.first_name, u.last_name, u.role, u.status) = (first.to_owned(), last.to_owned(), role, status);
            u.created_at = day_ago + TimeDelta::minutes(minutes);
            u.updated_at = u.created_at;
            tx.users().insert(&u).await.unwrap();
            users.push(u);
        }
        tx.commit().await.unwrap();
        users
    }

    async fn every_role_against_both_routes(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let SignedIn { user: admin, token: admin_token } = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
        let SignedIn { user: recruiter, token: recruiter_token } =
            app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await;
        let SignedIn { user: observer, token: observer_token } =
            app.token_for(Role::Observer, "obs@seeg-gabon.com").await;
        let SignedIn { user: candidate, token: candidate_token } =
            app.token_for(Role::Candidate, "awa@example.com").await;
        let other = app.token_for(Role::Candidate, "ben@example.com").await.user;
        let unknown = "6f1c1f7e-2b5d-4a8e-9d6b-0c7a1e2f3a4b";

        for (token, role) in [(&admin_token, "admin"), (&recruiter_token, "recruiter")] {
            for path in ["/api/v1/users", "/api/v1/users/"] {
                let Answer { status, headers, body } = app.get_as(token, path).await;
                let total = headers.get("x-total-count").map(|v| v.to_str().unwrap());
                assert_eq!(status, 200, "{role} {path}: {body}");
                assert_eq!((body["total"].as_u64(), total), (Some(5), Some("5")), "{role}");
                assert_eq!(body["message"], "5 utilisateur(s) récupéré(s)");
            }
        }
        for (token, role) in [(&observer_token, "observer"), (&candidate_token, "candidate")] {
            let Answer { status, body, .. } = app.get_as(token, "/api/v1/users/").await;
            assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{role}");
        }
        assert_eq!(app.get("/api/v1/users/").await.status(), 401);

        let staff = [&admin_token, &recruiter_token, &observer_token];
        for token in staff {
            for target in [&admin, &recruiter, &observer, &candidate] {
                let Answer { status, body, .. } = app.get_as(token, &format!("/api/v1/users/{}", target.id)).await;
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["success"], true);
                assert_eq!(body["message"], "Utilisateur récupéré avec succès");
                assert_eq!(body["data"]["email"], target.email.as_str());
                assert_eq!(body["data"]["candidate_profile"], Value::Null);
            }
            let Answer { status, body, .. } = app.get_as(token, &format!("/api/v1/users/{unknown}")).await;
            assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
        }
        let Answer { status, body, .. } =
            app.get_as(&candidate_token, &format!("/api/v1/users/{}", candidate.id)).await;
        assert_eq!((status, body["data"]["email"].as_str()), (200, Some("awa@example.com")), "self");
        for target in [other.id.to_string(), admin.id.to_string(), unknown.to_owned()] {
            let Answer { status, body, .. } = app.get_as(&candidate_token, &format!("/api/v1/users/{target}")).await;
            assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "another account is not probed");
        }
        let Answer { status, body, .. } = app.get_as(&admin_token, "/api/v1/users/pas-un-uuid").await;
        assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));
        let Answer { status, body, .. } = app.get_as(&admin_token, "/api/v1/users/me").await;
        assert_eq!((status, body["data"]["email"].as_str()), (200, Some("admin@seeg-gabon.com")), "`me` is no id");
    }

    async fn filters_sorts_and_the_true_total_through_http(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
        insert_people(&app).await;

        let listed = list(&app, &token, "").await;
        let body = &listed.body;
        assert_eq!(listed.header("x-total-count"), Some("4"));
        assert_eq!(
            emails(body),
            ["rh@seeg-gabon.com", "d.akue@exemple.ga", "carine@exemple.ga", "e.mba@exemple.ga"],
            "newest first by default"
        );
        assert_eq!((body["page"].as_u64(), body["per_page"].as_u64()), (Some(1), Some(100)));

        let eloise = list(&app, &token, "q=ELOISE").await;
        assert_eq!((emails(&eloise.body), eloise.header("x-total-count")), (vec!["e.mba@exemple.ga"], Some("1")));
        let Answer { body, .. } = list(&app, &token, "q=nz%C3%A9").await;
        assert_eq!(emails(&body), ["carine@exemple.ga"], "q=nzé");
        let Answer { body, .. } = list(&app, &token, "role=candidate&sort=email&order=asc").await;
        assert_eq!(emails(&body), ["carine@exemple.ga", "e.mba@exemple.ga"]);
        let Answer { body, .. } = list(&app, &token, "statut=bloqu%C3%A9").await;
        assert_eq!(emails(&body), ["d.akue@exemple.ga"]);
        let Answer { body, .. } = list(&app, &token, "sort=last_name&order=asc").await;
        assert_eq!(emails(&body), ["d.akue@exemple.ga", "e.mba@exemple.ga", "rh@seeg-gabon.com", "carine@exemple.ga"]);
        let Answer { body, .. } = list(&app, &token, "sort=first_name&order=desc").await;
        assert_eq!(emails(&body), ["e.mba@exemple.ga", "rh@seeg-gabon.com", "d.akue@exemple.ga", "carine@exemple.ga"]);

        let page = list(&app, &token, "sort=created_at&order=asc&skip=2&limit=2").await;
        let body = &page.body;
        assert_eq!(page.status, 200);
        assert_eq!(emails(body), ["d.akue@exemple.ga", "rh@seeg-gabon.com"]);
        assert_eq!(page.header("x-total-count"), Some("4"));
        assert_eq!(
            (body["total"].as_u64(), body["page"].as_u64(), body["per_page"].as_u64()),
            (Some(4), Some(2), Some(2)),
            "the true total, not the page size (F5)"
        );
        assert_eq!(body["message"], "2 utilisateur(s) récupéré(s)");
    }

    async fn bad_query_values_are_422_naming_their_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        for (query, field) in [
            ("skip=-1", "query.skip"),
            ("limit=0", "query.limit"),
            ("limit=1001", "query.limit"),
            ("limit=dix", "query.limit"),
            ("role=superadmin", "query.role"),
            ("statut=supprime", "query.statut"),
            ("sort=password", "query.sort"),
            ("order=up", "query.order"),
        ] {
            let Answer { status, body, .. } = app.get_as(&token, &format!("/api/v1/users/?{query}")).await;
            assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")), "{query}");
            assert_eq!(body["errors"][0]["field"], field, "{query}");
        }
        let Answer { status, .. } = app.get_as(&token, "/api/v1/users/?limit=1000&skip=0").await;
        assert_eq!(status, 200);
    }

    on_backends!(Sqlite, Postgres =>
        every_role_against_both_routes,
        filters_sorts_and_the_true_total_through_http,
        bad_query_values_are_422_naming_their_field,
    );
}
