//! The server runs housekeeping on its schedule (`[housekeeping]`): handled outbox events past the retention go,
//! recent ones and dead letters stay.

use chrono::TimeDelta;
use seeg_application::outbox::{FailureOutcome, HandlerRegistry, OutboxEvent, OutboxStore};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_tests::eventually::eventually;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::json;

async fn the_server_prunes_handled_events_past_retention_and_keeps_dead_letters(backend: Backend) {
    // No relay: the test settles each event itself.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.outbox.enabled = false;
        s.housekeeping.enabled = true;
        s.housekeeping.interval_secs = 1;
        s.housekeeping.outbox_done_retention_days = 2;
    })
    .await;
    let now = SystemClock.now();
    let events: Vec<OutboxEvent> = (0..3)
        .map(|_| OutboxEvent::new(SystemIds.new_id(), "mail.send", json!({"n": 1}), now - TimeDelta::days(10)))
        .collect();
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    for e in &events {
        tx.outbox().append(e).await.unwrap();
    }
    tx.commit().await.unwrap();
    let outbox: &dyn OutboxStore = &app.database;
    assert_eq!(outbox.claim_due(now, now + TimeDelta::minutes(5), "test", 10).await.unwrap().len(), 3);
    let (old, recent, dead) = (events[0].id, events[1].id, events[2].id);
    assert!(outbox.mark_done(old, "test", now - TimeDelta::days(3)).await.unwrap());
    assert!(outbox.mark_done(recent, "test", now - TimeDelta::days(1)).await.unwrap());
    assert!(
        outbox.mark_failed(dead, "test", 10, "échec", FailureOutcome::Dead, now - TimeDelta::days(9)).await.unwrap()
    );

    eventually("the event handled 3 days ago pruned", async || outbox.get(old).await.unwrap().is_none().then_some(()))
        .await;
    assert!(outbox.get(recent).await.unwrap().is_some(), "handled a day ago: within the retention");
    assert!(outbox.get(dead).await.unwrap().is_some(), "a dead letter waits for an operator");
}

on_backends!(Sqlite, Postgres => the_server_prunes_handled_events_past_retention_and_keeps_dead_letters);
