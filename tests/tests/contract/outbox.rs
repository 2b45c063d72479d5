//! `OutboxAppender` + `OutboxStore`: transactional appends, leases, outcomes, stats and operator retries.

use chrono::TimeDelta;
use seeg_application::outbox::{FailureOutcome, OutboxEvent, RetryScope};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::outbox::OutboxState;
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, Ports, on_backends, ports};
use serde_json::json;

fn event(kind: &str, minutes: i64) -> OutboxEvent {
    OutboxEvent::new(
        SystemIds.new_id(),
        kind,
        json!({"n": minutes, "texte": "é"}),
        base_time() + TimeDelta::minutes(minutes),
    )
}

async fn append(p: &Ports, events: &[OutboxEvent]) {
    let mut tx = p.uow.begin().await.unwrap();
    for e in events {
        tx.outbox().append(e).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn later(minutes: i64) -> chrono::DateTime<chrono::Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

async fn committed_events_are_claimed_oldest_first_and_rolled_back_ones_never(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (first, second) = (event("test.a", 1), event("test.b", 2));
    append(&p, &[second.clone(), first.clone()]).await;
    let mut tx = p.uow.begin().await.unwrap();
    tx.outbox().append(&event("test.lost", 0)).await.unwrap();
    drop(tx);

    let claimed = p.outbox.claim_due(later(10), later(15), "w1", 10).await.unwrap();
    assert_eq!(claimed, vec![first.clone(), second], "payload and fields read back equal, oldest due first");
    assert_eq!(p.outbox.get(first.id).await.unwrap(), Some(first));
}

async fn a_lease_keeps_other_workers_away_until_it_ends(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let e = event("test.lease", 0);
    append(&p, std::slice::from_ref(&e)).await;

    assert_eq!(p.outbox.claim_due(later(1), later(6), "w1", 10).await.unwrap().len(), 1);
    assert!(p.outbox.claim_due(later(2), later(7), "w2", 10).await.unwrap().is_empty(), "leased to w1");
    let reclaimed = p.outbox.claim_due(later(7), later(12), "w2", 10).await.unwrap();
    assert_eq!(reclaimed.iter().map(|e| e.id).collect::<Vec<_>>(), [e.id], "w1's lease ended: w2 takes over");
    assert!(!p.outbox.mark_done(e.id, "w1", later(8)).await.unwrap(), "w1 lost its lease");
    assert!(p.outbox.mark_done(e.id, "w2", later(8)).await.unwrap());
    assert!(p.outbox.claim_due(later(100), later(105), "w3", 10).await.unwrap().is_empty(), "done is final");
    let done = p.outbox.get(e.id).await.unwrap().unwrap();
    assert_eq!((done.state, done.processed_at), (OutboxState::Done, Some(later(8))));
}

async fn events_not_yet_due_wait_and_batches_respect_the_limit(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let events: Vec<_> = (0..5).map(|i| event("test.batch", i)).collect();
    append(&p, &events).await;
    assert!(p.outbox.claim_due(later(-1), later(4), "w", 10).await.unwrap().is_empty());
    let first = p.outbox.claim_due(later(10), later(20), "w", 2).await.unwrap();
    assert_eq!(first.iter().map(|e| e.id).collect::<Vec<_>>(), [events[0].id, events[1].id]);
    let rest = p.outbox.claim_due(later(10), later(20), "w", 10).await.unwrap();
    assert_eq!(rest.len(), 3);
}

async fn failures_reschedule_then_dead_letter_and_retries_wake_them(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let e = event("test.fail", 0);
    append(&p, std::slice::from_ref(&e)).await;

    p.outbox.claim_due(later(1), later(5), "w", 1).await.unwrap();
    assert!(p.outbox.mark_failed(e.id, "w", 1, "boom 1", FailureOutcome::RetryAt(later(30)), later(1)).await.unwrap());
    let failed = p.outbox.get(e.id).await.unwrap().unwrap();
    assert_eq!(
        (failed.state, failed.attempts, failed.last_error.as_deref()),
        (OutboxState::Pending, 1, Some("boom 1"))
    );
    assert_eq!(failed.next_attempt_at, later(30));
    assert!(
        p.outbox.claim_due(later(10), later(15), "w", 1).await.unwrap().is_empty(),
        "not due before its retry time"
    );
    let stats = p.outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.failing, stats.dead), (1, 1, 0));

    assert_eq!(p.outbox.retry(RetryScope::Failing, later(11)).await.unwrap(), 1);
    assert_eq!(p.outbox.claim_due(later(11), later(15), "w", 1).await.unwrap().len(), 1, "operator retry: due now");
    assert!(p.outbox.mark_failed(e.id, "w", 2, "boom 2", FailureOutcome::Dead, later(12)).await.unwrap());
    let dead = p.outbox.get(e.id).await.unwrap().unwrap();
    assert_eq!((dead.state, dead.attempts, dead.processed_at), (OutboxState::Dead, 2, Some(later(12))));
    assert!(p.outbox.claim_due(later(1000), later(1005), "w", 1).await.unwrap().is_empty(), "dead letters wait");
    assert_eq!(p.outbox.retry(RetryScope::Failing, later(13)).await.unwrap(), 0, "failing scope leaves the dead");

    assert_eq!(p.outbox.retry(RetryScope::Dead, later(20)).await.unwrap(), 1);
    let revived = p.outbox.get(e.id).await.unwrap().unwrap();
    assert_eq!((revived.state, revived.attempts, revived.next_attempt_at), (OutboxState::Pending, 0, later(20)));
    assert_eq!(revived.last_error.as_deref(), Some("boom 2"), "the last error stays visible");
    assert_eq!(p.outbox.claim_due(later(20), later(25), "w", 1).await.unwrap().len(), 1);
}

async fn stats_count_states_kinds_and_the_oldest_pending(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let events = [event("mail.send", 3), event("mail.send", 1), event("lake.export", 2), event("lake.export", 4)];
    append(&p, &events).await;
    p.outbox.claim_due(later(10), later(20), "w", 10).await.unwrap();
    p.outbox.mark_done(events[0].id, "w", later(11)).await.unwrap();
    p.outbox.mark_failed(events[2].id, "w", 3, "x", FailureOutcome::Dead, later(11)).await.unwrap();

    let stats = p.outbox.stats().await.unwrap();
    assert_eq!((stats.pending, stats.failing, stats.dead, stats.done), (2, 0, 1, 1));
    assert_eq!(stats.oldest_pending_at, Some(later(1)));
    let kinds: Vec<(&str, u64, u64)> = stats.by_kind.iter().map(|k| (k.kind.as_str(), k.pending, k.dead)).collect();
    assert_eq!(kinds, [("lake.export", 1, 1), ("mail.send", 1, 0)]);
}

async fn a_released_claim_is_claimable_at_once_and_only_its_holder_can_release_it(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let e = event("test.release", 0);
    append(&p, std::slice::from_ref(&e)).await;
    p.outbox.claim_due(later(1), later(60), "w1", 10).await.unwrap();

    assert_eq!(p.outbox.release(&[e.id], "w2").await.unwrap(), 0, "w2 holds no lease on it");
    assert!(p.outbox.claim_due(later(2), later(60), "w2", 10).await.unwrap().is_empty());
    assert_eq!(p.outbox.release(&[e.id], "w1").await.unwrap(), 1);
    let taken = p.outbox.claim_due(later(2), later(60), "w2", 10).await.unwrap();
    assert_eq!(taken.iter().map(|e| e.id).collect::<Vec<_>>(), [e.id], "claimable before the old lease ended");
    let untouched = p.outbox.get(e.id).await.unwrap().unwrap();
    assert_eq!((untouched.state, untouched.attempts), (OutboxState::Pending, 0), "releasing is not failing");
}

async fn a_transaction_commits_only_its_own_rows(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let earlier = event("test.earlier", 0);
    append(&p, std::slice::from_ref(&earlier)).await;

    let mut tx = p.uow.begin().await.unwrap();
    let later_event = event("test.later", 1);
    tx.outbox().append(&later_event).await.unwrap();
    // Meanwhile, outside the transaction, the relay runs the earlier event.
    p.outbox.claim_due(later(5), later(10), "w", 10).await.unwrap();
    assert!(p.outbox.mark_done(earlier.id, "w", later(6)).await.unwrap());
    tx.commit().await.unwrap();

    assert_eq!(p.outbox.get(earlier.id).await.unwrap().unwrap().state, OutboxState::Done, "not undone by the commit");
    assert_eq!(p.outbox.get(later_event.id).await.unwrap().unwrap().state, OutboxState::Pending);
}

/// SQLite has one writer at a time: a write outside an open transaction waits for it, so this interleaving
/// cannot happen there.
mod concurrent_writers {
    use super::*;
    on_backends!(Memory, Postgres => a_transaction_commits_only_its_own_rows);
}

async fn one_event_is_retried_alone_and_a_done_one_never(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (dead, other, done) = (event("test.fail", 0), event("test.fail", 1), event("test.ok", 2));
    append(&p, &[dead.clone(), other.clone(), done.clone()]).await;
    assert_eq!(p.outbox.claim_due(later(3), later(5), "w", 10).await.unwrap().len(), 3);
    assert!(p.outbox.mark_failed(dead.id, "w", 5, "boom", FailureOutcome::Dead, later(3)).await.unwrap());
    assert!(p.outbox.mark_failed(other.id, "w", 5, "boom", FailureOutcome::Dead, later(3)).await.unwrap());
    assert!(p.outbox.mark_done(done.id, "w", later(3)).await.unwrap());

    assert_eq!(p.outbox.retry(RetryScope::Event(dead.id), later(10)).await.unwrap(), 1);
    let revived = p.outbox.get(dead.id).await.unwrap().unwrap();
    assert_eq!((revived.state, revived.attempts, revived.next_attempt_at), (OutboxState::Pending, 0, later(10)));
    assert_eq!(p.outbox.get(other.id).await.unwrap().unwrap().state, OutboxState::Dead, "the others stay dead");
    assert_eq!(p.outbox.retry(RetryScope::Event(done.id), later(10)).await.unwrap(), 0, "done stays done");
    assert_eq!(p.outbox.get(done.id).await.unwrap().unwrap().state, OutboxState::Done);
    assert_eq!(p.outbox.retry(RetryScope::Event(SystemIds.new_id()), later(10)).await.unwrap(), 0);
    let claimed = p.outbox.claim_due(later(10), later(15), "w", 10).await.unwrap();
    assert_eq!(claimed.iter().map(|e| e.id).collect::<Vec<_>>(), [dead.id]);
}

on_backends!(Memory, Sqlite, Postgres =>
    one_event_is_retried_alone_and_a_done_one_never,
    a_released_claim_is_claimable_at_once_and_only_its_holder_can_release_it,
    committed_events_are_claimed_oldest_first_and_rolled_back_ones_never,
    a_lease_keeps_other_workers_away_until_it_ends,
    events_not_yet_due_wait_and_batches_respect_the_limit,
    failures_reschedule_then_dead_letter_and_retries_wake_them,
    stats_count_states_kinds_and_the_oldest_pending,
);
