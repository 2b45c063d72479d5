//! Housekeeping's port methods (handled outbox events, idempotency keys, refresh and reset tokens removed past a
//! date) and one `Housekeeping` pass: exactly what is past retention goes, the rest stays, dead letters included.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use seeg_adapters_memory::ManualClock;
use seeg_application::housekeeping::{Housekeeping, HousekeepingReport, Retention};
use seeg_application::idempotency::{Claim, StoredResponse};
use seeg_application::identity::{PasswordResetRecord, RefreshTokenRecord};
use seeg_application::outbox::{FailureOutcome, OutboxEvent};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::outbox::OutboxState;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use serde_json::json;
use uuid::Uuid;

fn day(days: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::days(days)
}

/// Events created on `created`: one handled on each of `done_on`, one dead, one pending; returns their ids.
async fn events(p: &Ports, created: i64, done_on: &[i64]) -> (Vec<Uuid>, Uuid, Uuid) {
    let make = || OutboxEvent::new(SystemIds.new_id(), "test.housekeeping", json!({"n": 1}), day(created));
    let done: Vec<OutboxEvent> = done_on.iter().map(|_| make()).collect();
    let (dead, pending) = (make(), make());
    let mut tx = p.uow.begin().await.unwrap();
    for e in done.iter().chain([&dead, &pending]) {
        tx.outbox().append(e).await.unwrap();
    }
    tx.commit().await.unwrap();
    // Claim them all, then settle each at its day.
    let claimed = p.outbox.claim_due(day(created), day(created + 1), "w", 100).await.unwrap();
    assert_eq!(claimed.len(), done.len() + 2);
    for (e, on) in done.iter().zip(done_on) {
        assert!(p.outbox.mark_done(e.id, "w", day(*on)).await.unwrap());
    }
    assert!(p.outbox.mark_failed(dead.id, "w", 10, "échec", FailureOutcome::Dead, day(created)).await.unwrap());
    assert_eq!(p.outbox.release(&[pending.id], "w").await.unwrap(), 1);
    (done.iter().map(|e| e.id).collect(), dead.id, pending.id)
}

async fn outbox_events_handled_before_the_date_are_pruned_and_pending_and_dead_ones_kept(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (done, dead, pending) = events(&p, -30, &[-20, -10, -1]).await;
    assert_eq!(p.outbox.prune_done(day(-10)).await.unwrap(), 1, "handled strictly before the date");
    assert_eq!(p.outbox.get(done[0]).await.unwrap(), None);
    for kept in [done[1], done[2], dead, pending] {
        assert!(p.outbox.get(kept).await.unwrap().is_some(), "{kept} kept");
    }
    assert_eq!(p.outbox.prune_done(day(10)).await.unwrap(), 2);
    assert_eq!(p.outbox.prune_done(day(10)).await.unwrap(), 0, "nothing twice");
    assert_eq!(p.outbox.get(dead).await.unwrap().unwrap().state, OutboxState::Dead, "a dead letter waits");
    assert_eq!(p.outbox.get(pending).await.unwrap().unwrap().state, OutboxState::Pending);
    let stats = p.outbox.stats().await.unwrap();
    assert_eq!((stats.done, stats.dead, stats.pending), (0, 1, 1));
}

async fn idempotency_keys_claimed_before_the_date_are_removed_completed_or_not(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let scope = SystemIds.new_id();
    let response =
        StoredResponse { request_hash: "h".repeat(64), status: 201, content_type: None, body: b"{}".to_vec() };
    for (key, on) in [("old-done", -3), ("old-running", -2), ("young", 0)] {
        assert_eq!(p.idempotency.claim(scope, key, day(on), day(on - 1), day(on - 1)).await.unwrap(), Claim::Claimed);
    }
    p.idempotency.complete(scope, "old-done", &response, day(-3)).await.unwrap();
    assert_eq!(p.idempotency.remove_created_before(day(-1)).await.unwrap(), 2);
    assert_eq!(p.idempotency.remove_created_before(day(-1)).await.unwrap(), 0);
    // The young key still replays; the removed ones are claimable afresh.
    assert!(matches!(p.idempotency.claim(scope, "young", day(0), day(-1), day(-1)).await.unwrap(), Claim::Existing(_)));
    assert_eq!(p.idempotency.claim(scope, "old-done", day(0), day(-10), day(-10)).await.unwrap(), Claim::Claimed);
}

fn refresh_token(user_id: Uuid, expires: i64) -> RefreshTokenRecord {
    let id = SystemIds.new_id();
    RefreshTokenRecord {
        id,
        user_id,
        family_id: SystemIds.new_id(),
        token_hash: format!("{:0>64}", id.simple()),
        issued_at: day(expires - 7),
        expires_at: day(expires),
        used_at: None,
        revoked_at: None,
    }
}

fn reset(user_id: Uuid, expires: i64, used: bool) -> PasswordResetRecord {
    let id = SystemIds.new_id();
    PasswordResetRecord {
        id,
        user_id,
        token_hash: format!("{:0>64}", id.simple()),
        expires_at: day(expires),
        used_at: used.then(|| day(expires - 1)),
    }
}

/// An account with refresh tokens expiring on `refresh` and reset tokens on `resets` (used, unused alternately).
async fn tokens(
    p: &Ports,
    email: &str,
    refresh: &[i64],
    resets: &[i64],
) -> (Vec<RefreshTokenRecord>, Vec<PasswordResetRecord>) {
    let owner = user(email);
    let refresh: Vec<_> = refresh.iter().map(|d| refresh_token(owner.id, *d)).collect();
    let resets: Vec<_> = resets.iter().enumerate().map(|(i, d)| reset(owner.id, *d, i % 2 == 0)).collect();
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&owner).await.unwrap();
    for t in &refresh {
        tx.refresh_tokens().insert(t).await.unwrap();
    }
    for r in &resets {
        tx.password_resets().insert(r).await.unwrap();
    }
    tx.commit().await.unwrap();
    (refresh, resets)
}

async fn refresh_and_reset_tokens_expired_before_the_date_are_removed_used_or_not(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (refresh, resets) = tokens(&p, "expiry@example.com", &[-5, -2, 3], &[-5, -4, 1]).await;
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.refresh_tokens().consume(refresh[0].id, day(-6)).await.unwrap());
    tx.commit().await.unwrap();

    assert_eq!(p.refresh_tokens.remove_expired(day(-2)).await.unwrap(), 1, "expired strictly before the date");
    assert_eq!(p.refresh_tokens.find_by_hash(&refresh[0].token_hash).await.unwrap(), None);
    assert!(p.refresh_tokens.find_by_hash(&refresh[1].token_hash).await.unwrap().is_some());
    assert!(p.refresh_tokens.find_by_hash(&refresh[2].token_hash).await.unwrap().is_some());

    assert_eq!(p.password_resets.remove_expired(day(0)).await.unwrap(), 2, "used or not");
    assert_eq!(p.password_resets.remove_expired(day(0)).await.unwrap(), 0);
    for (r, kept) in resets.iter().zip([false, false, true]) {
        assert_eq!(p.password_resets.find_by_hash(&r.token_hash).await.unwrap().is_some(), kept, "{r:?}");
    }
}

/// A backlog larger than one delete statement's batch (the SQL adapter deletes 5 000 rows at a time, O3) is removed
/// whole, and only it.
async fn a_backlog_larger_than_one_batch_is_removed_whole(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let expiring: Vec<i64> = (0..5_003).map(|i| -1 - i % 3).chain([2]).collect();
    let (refresh, _) = tokens(&p, "backlog@example.com", &expiring, &[]).await;
    assert_eq!(p.refresh_tokens.remove_expired(day(0)).await.unwrap(), 5_003);
    assert_eq!(p.refresh_tokens.remove_expired(day(0)).await.unwrap(), 0);
    let kept = refresh.last().unwrap();
    assert!(p.refresh_tokens.find_by_hash(&kept.token_hash).await.unwrap().is_some(), "the live token stays");
    assert_eq!(p.refresh_tokens.find_by_hash(&refresh[0].token_hash).await.unwrap(), None);
}

async fn a_pass_removes_exactly_what_is_past_retention(backend: Backend) {
    let (p, _db) = ports(backend).await;
    // Today is day 0, noon: events handled 8 and 6 days ago, keys claimed 2 days and 13 hours ago, tokens expired
    // 3 days and 12 hours ago and valid 3 days more.
    let (done, dead, pending) = events(&p, -9, &[-8, -6]).await;
    let scope = SystemIds.new_id();
    let young_claim = day(0) - TimeDelta::hours(1);
    assert_eq!(p.idempotency.claim(scope, "old", day(-2), day(-3), day(-3)).await.unwrap(), Claim::Claimed);
    assert_eq!(p.idempotency.claim(scope, "young", young_claim, day(-3), day(-3)).await.unwrap(), Claim::Claimed);
    let (refresh, resets) = tokens(&p, "pass@example.com", &[-3, 0, 3], &[-3, 0, 3]).await;

    let clock = Arc::new(ManualClock::new(day(0) + TimeDelta::hours(12)));
    let housekeeping = Housekeeping::new(
        Arc::clone(&p.outbox),
        Arc::clone(&p.idempotency),
        Arc::clone(&p.refresh_tokens),
        Arc::clone(&p.password_resets),
        clock.clone(),
        Retention::days(7, 1).unwrap(),
    );
    let report = housekeeping.run_once().await;
    assert_eq!(
        report,
        HousekeepingReport {
            outbox_done: Some(1),
            idempotency_keys: Some(1),
            refresh_tokens: Some(1),
            password_resets: Some(1),
        }
    );
    assert_eq!(p.outbox.get(done[0]).await.unwrap(), None, "handled 8 days ago");
    for kept in [done[1], dead, pending] {
        assert!(p.outbox.get(kept).await.unwrap().is_some(), "{kept}: handled 6 days ago, dead or pending");
    }
    assert!(matches!(p.idempotency.claim(scope, "young", day(0), day(-1), day(-1)).await.unwrap(), Claim::Existing(_)));
    assert_eq!(p.idempotency.claim(scope, "old", day(0), day(-10), day(-10)).await.unwrap(), Claim::Claimed, "removed");
    for (t, kept) in refresh.iter().zip([false, true, true]) {
        assert_eq!(p.refresh_tokens.find_by_hash(&t.token_hash).await.unwrap().is_some(), kept);
    }
    for (r, kept) in resets.iter().zip([false, true, true]) {
        assert_eq!(p.password_resets.find_by_hash(&r.token_hash).await.unwrap().is_some(), kept);
    }

    // A second pass at the same time finds nothing; a later one the next rows past retention.
    assert_eq!(
        housekeeping.run_once().await,
        HousekeepingReport {
            outbox_done: Some(0),
            idempotency_keys: Some(0),
            refresh_tokens: Some(0),
            password_resets: Some(0),
        }
    );
    clock.advance(TimeDelta::days(2));
    let report = housekeeping.run_once().await;
    assert_eq!(
        (report.outbox_done, report.idempotency_keys, report.refresh_tokens, report.password_resets),
        (Some(1), Some(2), Some(1), Some(1)),
        "the event handled 6 days ago, both keys (one claimed again above), the tokens expired at day 0"
    );
    assert!(p.outbox.get(dead).await.unwrap().is_some(), "dead letters are never pruned");
}

on_backends!(Memory, Sqlite, Postgres =>
    outbox_events_handled_before_the_date_are_pruned_and_pending_and_dead_ones_kept,
    idempotency_keys_claimed_before_the_date_are_removed_completed_or_not,
    refresh_and_reset_tokens_expired_before_the_date_are_removed_used_or_not,
    a_pass_removes_exactly_what_is_past_retention,
    a_backlog_larger_than_one_batch_is_removed_whole,
);
