//! The outbox for administrators : counters with the lag of the oldest pending event, and the
//! replay of one event (audited); admins only.

use chrono::TimeDelta;
use reqwest::Method;
use seeg_application::outbox::{FailureOutcome, HandlerRegistry, OutboxEvent, OutboxStore};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::identity::Role;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

/// Appends an event of `kind`, created `minutes_ago`, and returns its id.
async fn append(app: &TestApp, kind: &str, minutes_ago: i64) -> Uuid {
    let created = SystemClock.now() - TimeDelta::minutes(minutes_ago);
    let event = OutboxEvent::new(SystemIds.new_id(), kind, json!({"application_id": Uuid::nil()}), created);
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    tx.outbox().append(&event).await.unwrap();
    tx.commit().await.unwrap();
    event.id
}

/// Claims every due event as a test worker and settles `id` as `outcome` (`None`: done); the others are released.
async fn settle(app: &TestApp, id: Uuid, outcome: Option<FailureOutcome>) {
    let outbox: &dyn OutboxStore = &app.database;
    let now = SystemClock.now();
    let claimed = outbox.claim_due(now, now + TimeDelta::minutes(5), "test", 100).await.unwrap();
    assert!(claimed.iter().any(|e| e.id == id), "claimed");
    let settled = match outcome {
        None => outbox.mark_done(id, "test", now).await.unwrap(),
        Some(outcome) => outbox.mark_failed(id, "test", 8, "lac injoignable", outcome, now).await.unwrap(),
    };
    assert!(settled);
    let others: Vec<Uuid> = claimed.iter().map(|e| e.id).filter(|other| *other != id).collect();
    outbox.release(&others, "test").await.unwrap();
}

async fn retry(app: &TestApp, token: &str, id: Uuid) -> Answer {
    app.call(Method::POST, &format!("/api/v1/admin/outbox/{id}/retry"), Some(token), None).await
}

async fn admins_see_the_outbox_and_replay_one_event(backend: Backend) {
    // No relay: the test decides what happens to each event.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| s.outbox.enabled = false).await;
    let admin = app.token_for(Role::Admin, "admin@seeg.ga").await.token;
    let dead = append(&app, "application.submitted", 30).await;
    let done = append(&app, "mail.send", 20).await;
    let waiting = append(&app, "mail.send", 10).await;
    settle(&app, dead, Some(FailureOutcome::Dead)).await;
    settle(&app, done, None).await;

    let Answer { status: code, body, .. } = app.get_as(&admin, "/api/v1/admin/outbox").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!((body["pending"].as_u64(), body["dead"].as_u64(), body["done"].as_u64()), (Some(1), Some(1), Some(1)));
    let age = body["oldest_pending_age_seconds"].as_i64().unwrap();
    assert!((590..=3600).contains(&age), "the lag of the 10-minute-old event: {age}");
    let kinds = body["by_kind"].as_array().unwrap();
    let submitted = kinds.iter().find(|k| k["kind"] == "application.submitted").unwrap();
    assert_eq!((submitted["pending"].as_u64(), submitted["dead"].as_u64()), (Some(0), Some(1)));

    let Answer { status: code, body, .. } = retry(&app, &admin, dead).await;
    assert_eq!(
        (code, body["data"]["state"].as_str(), body["data"]["attempts"].as_u64()),
        (200, Some("pending"), Some(0))
    );
    let after = app.get_as(&admin, "/api/v1/admin/outbox").await.body;
    assert_eq!((after["pending"].as_u64(), after["dead"].as_u64()), (Some(2), Some(0)), "{after}");
    let Answer { status: code, body, .. } = retry(&app, &admin, waiting).await;
    assert_eq!(code, 200, "a pending event is made due now: {body}");

    let Answer { status: code, body, .. } = retry(&app, &admin, done).await;
    assert_eq!((code, body["code"].as_str()), (409, Some("outbox_event_done")));
    assert_eq!(
        app.call(Method::POST, &format!("/api/v1/admin/outbox/{}/retry", SystemIds.new_id()), Some(&admin), None)
            .await
            .status,
        404
    );

    let audit = app.get_json("/api/v1/audit?action=outbox.event_retried").await.body;
    assert_eq!(audit["code"], "not_authenticated", "the audit is not public");
    let response = app.client.get(app.url("/api/v1/audit?action=outbox.event_retried")).bearer_auth(&admin).send();
    let audit: Value = response.await.unwrap().json().await.unwrap();
    assert_eq!(audit["total"].as_u64(), Some(2), "{audit}");

    for role in [Role::Recruiter, Role::Observer, Role::Candidate] {
        let token = app.token_for(role, &format!("{}@seeg.ga", role.as_str())).await.token;
        assert_eq!(app.get_as(&token, "/api/v1/admin/outbox").await.status, 403, "{role}");
        assert_eq!(retry(&app, &token, dead).await.status, 403, "{role}");
    }
}

on_backends!(Sqlite, Postgres => admins_see_the_outbox_and_replay_one_event);
