//! The remaining legacy service routes (legacy §1.1, §1.14): `GET /` and `GET /info` for any signed-in caller,
//! `GET /monitoring/stats` for admins, and `/monitoring/health`'s `system` and `services` parts (public). None
//! of them carries a secret, a connection string or anyone's e-mail address but the caller's own (`/`, K1).

use seeg_application::outbox::HandlerRegistry;
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_tests::http::Answer;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, insert_offers, on_backends};
use serde_json::{Value, json};

/// Fails when `body` holds an e-mail address, a database URL or a known secret.
fn assert_nothing_private(body: &Value, emails: &[&str]) {
    let text = body.to_string();
    for email in emails {
        assert!(!text.contains(email), "{email} in {text}");
    }
    for private in ["@", "postgres://", "sqlite:", "://"] {
        assert!(!text.to_lowercase().contains(private), "{private:?} in {text}");
    }
}

async fn root_and_info_answer_signed_in_callers_without_another_s_e_mail_or_a_secret(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for path in ["/", "/info", "/info/"] {
        let Answer { status, body, .. } = app.get_json(path).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("not_authenticated")), "{path}: {body}");
    }
    let candidate = app.token_for(Role::Candidate, "candidate.root@example.com").await;
    let observer = app.token_for(Role::Observer, "observer.root@example.com").await;
    let emails = ["candidate.root@example.com", "observer.root@example.com"];

    let Answer { status, body, .. } = app.get_as(&candidate.token, "/").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({
            "message": "API One HCM SEEG",
            "version": env!("CARGO_PKG_VERSION"),
            "status": "active",
            "docs": "/docs",
            "redoc": "/redoc",
            "user": {"id": candidate.user.id, "email": "candidate.root@example.com", "role": "candidate"},
        })
    );
    let mut others = body.clone();
    others["user"]["email"] = json!("");
    assert_nothing_private(&others, &emails);
    assert_eq!(app.get_as(&observer.token, "/").await.body["user"]["role"], "observer");

    for who in [&candidate, &observer] {
        let Answer { status, body, .. } = app.get_as(&who.token, "/info").await;
        assert_eq!(status, 200, "{body}");
        assert_nothing_private(&body, &emails);
        assert_eq!(body["app_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["environment"], "test");
        assert_eq!(body["debug_mode"], false);
        assert_eq!(body["database"], if backend == Backend::Postgres { "postgresql" } else { "sqlite" });
        assert!(body.get("database_url").is_none() && body.get("allowed_origins").is_none(), "D11: {body}");
        assert_eq!(
            body["pdf_support"]["allowed_types"],
            json!(["cv", "cover_letter", "diplome", "certificats", "lettre_recommandation", "portfolio", "autres"])
        );
        assert_eq!(body["pdf_support"]["file_format"], "PDF");
        assert_eq!(body["pdf_support"]["validation"]["max_documents"], 10);
        assert_eq!(
            body["monitoring"],
            json!({"application_insights": "disabled", "instrumentation": "disabled", "metrics": "enabled"})
        );
        // D10: what the configuration says (the test configuration turns the limits off or on; either way, true).
        let limited = body["security"]["rate_limiting"].as_str().unwrap();
        let features: Vec<&str> = body["features"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        assert_eq!(limited == "enabled", features.contains(&"rate_limiting"), "{body}");
    }
}

async fn info_reports_rate_limits_and_tracing_as_configured(backend: Backend) {
    for on in [false, true] {
        let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
            s.rate_limit.enabled = on;
            s.telemetry.otlp_endpoint = if on { "http://127.0.0.1:4318/v1/traces".to_owned() } else { String::new() };
        })
        .await;
        let admin = app.token_for(Role::Admin, "admin.info@example.com").await;
        let Answer { body, .. } = app.get_as(&admin.token, "/info").await;
        assert_eq!(body["security"]["rate_limiting"], if on { "enabled" } else { "disabled" }, "{body}");
        assert_eq!(body["monitoring"]["instrumentation"], if on { "opentelemetry" } else { "disabled" });
        assert_nothing_private(&body, &["admin.info@example.com"]);
        let Answer { body, .. } = app.get_json("/monitoring/health").await;
        assert_eq!(body["services"]["monitoring"]["tracing"], if on { "enabled" } else { "disabled" }, "{body}");
    }
}

async fn monitoring_stats_counts_for_admins_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| s.outbox.enabled = false).await;
    let Answer { status, body, .. } = app.get_json("/monitoring/stats").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("not_authenticated")), "{body}");
    let admin = app.token_for(Role::Admin, "admin.stats@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "recruiter.stats@example.com").await;
    let observer = app.token_for(Role::Observer, "observer.stats@example.com").await;
    let candidate = app.token_for(Role::Candidate, "candidate.stats@example.com").await;
    for who in [&recruiter, &observer, &candidate] {
        let Answer { status, body, .. } = app.get_as(&who.token, "/monitoring/stats/").await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{}: {body}", who.user.role);
        assert_eq!(body["detail"], "Accès réservé aux administrateurs");
    }

    let offers = [offer("Technicien réseau", 0), offer("Comptable", 1)];
    insert_offers(&app.database, &offers).await;
    app.seed_application(candidate.user.id, offers[0].id, ApplicationStatus::Candidature).await;
    app.seed_application(candidate.user.id, offers[1].id, ApplicationStatus::Refuse).await;

    let Answer { status, body, .. } = app.get_as(&admin.token, "/monitoring/stats").await;
    assert_eq!(status, 200, "{body}");
    assert_nothing_private(&body, &["admin.stats@example.com", "candidate.stats@example.com"]);
    assert_eq!(
        body["users"],
        json!({"total": 4, "by_role": {"admin": 1, "recruiter": 1, "observer": 1, "candidate": 1}})
    );
    assert_eq!(
        body["job_offers"],
        json!({"total": 2, "by_status": {"draft": 0, "active": 2, "closed": 0, "archived": 0}})
    );
    assert_eq!(body["applications"]["total"], 2);
    let by_status = body["applications"]["by_status"].as_object().unwrap();
    assert_eq!(by_status.len(), ApplicationStatus::ALL.len(), "every status listed: {body}");
    assert_eq!((by_status["candidature"].as_u64(), by_status["refuse"].as_u64()), (Some(1), Some(1)));
    assert_eq!(by_status["embauche"], 0);
    assert_eq!(body["documents"]["total"], 0);
    assert_eq!(body["documents"]["by_type"]["cv"], 0);
    // The logins and sign-ups queued nothing here; the outbox is counted as `/admin/outbox` counts it.
    let outbox = app.get_as(&admin.token, "/api/v1/admin/outbox").await.body;
    for field in ["pending", "failing", "dead", "done"] {
        assert_eq!(body["outbox"][field], outbox[field], "{field}: {body}");
    }
    assert!(body["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

async fn readiness_reports_the_host_the_cache_and_monitoring(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let Answer { status, body, .. } = app.get_json("/monitoring/health").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["services"],
        json!({
            "api": "up",
            "database": "up",
            "storage": "up",
            "cache": "up",
            "rate_limits": "in_process",
            "monitoring": {"metrics": "enabled", "tracing": "disabled", "application_insights": "disabled"},
        })
    );
    let system = body["system"].as_object().unwrap();
    assert_eq!(
        system.keys().map(String::as_str).collect::<Vec<_>>(),
        ["cpu_percent", "memory_available_mb", "memory_percent", "memory_used_mb"]
    );
    if std::path::Path::new("/proc/meminfo").exists() {
        for percent in ["cpu_percent", "memory_percent"] {
            assert!(system[percent].as_f64().is_some_and(|p| (0.0..=100.0).contains(&p)), "{percent}: {body}");
        }
        assert!(system["memory_used_mb"].as_u64().is_some() && system["memory_available_mb"].as_u64().is_some());
    }
    assert_nothing_private(&body, &[]);
}

on_backends!(Sqlite, Postgres =>
    root_and_info_answer_signed_in_callers_without_another_s_e_mail_or_a_secret,
    info_reports_rate_limits_and_tracing_as_configured,
    monitoring_stats_counts_for_admins_only,
    readiness_reports_the_host_the_cache_and_monitoring,
);
