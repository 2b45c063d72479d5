//! The first administrator (S1): no public route creates one; the bootstrap settings do, once, at start-up.

use seeg_application::Page;
use seeg_application::identity::{AuditFilter, AuditRepository, UserRepository};
use seeg_application::outbox::HandlerRegistry;
use seeg_domain::identity::{Role, UserStatus};
use seeg_server::Application;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends, settings};

const PASSWORD: &str = "Administrateur#2026";

async fn the_bootstrap_admin_is_created_once_and_signs_in(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.auth.bootstrap_admin_email = " Premier.Admin@SEEG-Gabon.com ".into();
        s.auth.bootstrap_admin_password = PASSWORD.to_owned().into();
    })
    .await;

    let Answer { status, body: session, .. } = app.attempt_login("premier.admin@seeg-gabon.com", PASSWORD).await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["user"]["role"], "admin");
    assert_eq!(session["user"]["statut"], "actif");
    assert_eq!(
        (session["user"]["first_name"].as_str(), session["user"]["last_name"].as_str()),
        (Some("Administrateur"), Some("SEEG"))
    );

    let admin = app.database.find_by_email("premier.admin@seeg-gabon.com").await.unwrap().unwrap();
    assert_eq!((admin.role, admin.status, admin.candidate_kind), (Role::Admin, UserStatus::Active, None));
    let trail =
        AuditRepository::list(&app.database, &AuditFilter::default(), Page { skip: 0, limit: 100 }).await.unwrap();
    let created: Vec<_> = trail.items.iter().filter(|e| e.action == "user.created").collect();
    assert_eq!(created.len(), 1, "{:?}", trail.items);
    assert_eq!(created[0].target_id, Some(admin.id.to_string()));
    assert!(created[0].changed_fields.iter().any(|f| f == "email"));
    assert!(
        !created[0].changed_fields.iter().any(|f| f.contains('@') || f.contains("Administrateur")),
        "field names, never values: {:?}",
        created[0].changed_fields
    );

    // Restarted with other bootstrap settings: an admin exists, so nothing is created.
    let db = app.stop().await;
    let mut restarted = settings(&db.url);
    restarted.auth.bootstrap_admin_email = "second.admin@seeg-gabon.com".into();
    restarted.auth.bootstrap_admin_password = PASSWORD.to_owned().into();
    let second = Application::build(&restarted).await.unwrap();
    let (database, handle) = (second.database().clone(), second.handle());
    let running = tokio::spawn(second.run_until_stopped());
    assert_eq!(database.find_by_email("second.admin@seeg-gabon.com").await.unwrap(), None);
    handle.stop(true).await;
    running.await.unwrap().unwrap();
}

async fn without_bootstrap_settings_no_admin_appears(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert!(!app.database.any_admin().await.unwrap());
}

on_backends!(Sqlite, Postgres =>
    the_bootstrap_admin_is_created_once_and_signs_in,
    without_bootstrap_settings_no_admin_appears,
);
