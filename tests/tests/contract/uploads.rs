//! The ledger of pending uploads (`UploadLedger`) and the quota kept over it (`UploadQuota`, S11): sums by user
//! and age, settle, release, forget, rollback, and one user's reservations taken one at a time.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use seeg_adapters_memory::ManualClock;
use seeg_application::applications::{PendingBytes, QuotaLimits, ReserveError, UploadQuota, UploadReservation};
use seeg_application::{IdGenerator, StoreError, SystemIds};
use seeg_domain::identity::User;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn reservation(user_id: Uuid, bytes: u64, created_at: DateTime<Utc>) -> UploadReservation {
    UploadReservation { id: SystemIds.new_id(), user_id, bytes, created_at }
}

async fn account(p: &Ports, email: &str) -> User {
    let owner = user(email);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&owner).await.unwrap();
    tx.commit().await.unwrap();
    owner
}

async fn insert(p: &Ports, reservations: &[&UploadReservation]) {
    let mut tx = p.uow.begin().await.unwrap();
    for reservation in reservations {
        tx.uploads().insert(reservation).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn pending(p: &Ports, user_id: Uuid, since: DateTime<Utc>) -> PendingBytes {
    let mut tx = p.uow.begin().await.unwrap();
    tx.uploads().pending(user_id, since).await.unwrap()
}

async fn pending_sums_one_users_recent_rows_and_settle_and_release_roll_back(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (a, b) = (account(&p, "a@example.com").await.id, account(&p, "b@example.com").await.id);
    let (first, second, other) = (reservation(a, 10, at(0)), reservation(a, 5, at(10)), reservation(b, 7, at(0)));
    insert(&p, &[&first, &second, &other]).await;

    assert_eq!(pending(&p, a, at(-1)).await, PendingBytes { bytes: 15, oldest: Some(at(0)) });
    assert_eq!(pending(&p, a, at(0)).await, PendingBytes { bytes: 15, oldest: Some(at(0)) }, "since is inclusive");
    assert_eq!(pending(&p, a, at(5)).await, PendingBytes { bytes: 5, oldest: Some(at(10)) });
    assert_eq!(pending(&p, b, at(-1)).await, PendingBytes { bytes: 7, oldest: Some(at(0)) });
    assert_eq!(pending(&p, SystemIds.new_id(), at(-1)).await, PendingBytes { bytes: 0, oldest: None });

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.uploads().settle(first.id, 3).await.unwrap());
    assert!(tx.uploads().release(second.id).await.unwrap());
    assert!(!tx.uploads().release(second.id).await.unwrap(), "released twice");
    assert!(!tx.uploads().settle(SystemIds.new_id(), 1).await.unwrap(), "unknown id");
    assert_eq!(tx.uploads().pending(a, at(-1)).await.unwrap(), PendingBytes { bytes: 3, oldest: Some(at(0)) });
    drop(tx);
    assert_eq!(pending(&p, a, at(-1)).await.bytes, 15, "rolled back");

    let mut tx = p.uow.begin().await.unwrap();
    tx.uploads().settle(first.id, 3).await.unwrap();
    tx.uploads().release(second.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(pending(&p, a, at(-1)).await, PendingBytes { bytes: 3, oldest: Some(at(0)) });
    assert_eq!(pending(&p, b, at(-1)).await.bytes, 7, "another user's row untouched");

    let mut tx = p.uow.begin().await.unwrap();
    assert!(matches!(tx.uploads().insert(&first).await, Err(StoreError::Conflict(_))), "ids are unique");
}

async fn forget_before_deletes_only_that_users_older_rows(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (a, b) = (account(&p, "old-a@example.com").await.id, account(&p, "old-b@example.com").await.id);
    let (old, young, others) = (reservation(a, 10, at(0)), reservation(a, 5, at(10)), reservation(b, 7, at(0)));
    insert(&p, &[&old, &young, &others]).await;

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.uploads().forget_before(a, at(10)).await.unwrap(), 1, "strictly before");
    assert_eq!(tx.uploads().forget_before(a, at(10)).await.unwrap(), 0, "already gone in this transaction");
    tx.commit().await.unwrap();
    assert_eq!(pending(&p, a, at(-100)).await, PendingBytes { bytes: 5, oldest: Some(at(10)) });
    assert_eq!(pending(&p, b, at(-100)).await.bytes, 7);
}

fn quota(p: &Ports, clock: &Arc<ManualClock>, max_bytes: u64) -> UploadQuota {
    let limits = QuotaLimits { max_bytes, window: TimeDelta::hours(1) };
    UploadQuota::new(Arc::clone(&p.uow), Arc::clone(clock) as _, Arc::new(SystemIds), limits)
}

async fn the_quota_refuses_past_its_limit_until_the_oldest_ages_out(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(at(0)));
    let quota = quota(&p, &clock, 100);
    let (a, b) = (account(&p, "quota-a@example.com").await, account(&p, "quota-b@example.com").await);

    let held = quota.reserve(&a, 60).await.unwrap();
    clock.advance(TimeDelta::minutes(20));
    match quota.reserve(&a, 41).await {
        Err(ReserveError::Exceeded(exceeded)) => {
            assert_eq!(exceeded.max_bytes, 100);
            assert_eq!(exceeded.retry_after_secs, 40 * 60, "when the 60 bytes reserved at 0 leave the hour");
        }
        other => panic!("expected the quota to refuse, got {other:?}"),
    }
    quota.reserve(&a, 40).await.expect("exactly at the limit");
    quota.reserve(&b, 100).await.expect("another user's quota is their own");

    // Settled with nothing stored, the first reservation stops counting its 60.
    quota.settle(held).await;
    quota.reserve(&a, 60).await.expect("room made by the settlement");
    assert!(matches!(quota.reserve(&a, 1).await, Err(ReserveError::Exceeded(_))));

    // An hour after the last reservation every row has aged out, and the next reservation forgets them.
    clock.advance(TimeDelta::minutes(61));
    quota.reserve(&a, 100).await.expect("old rows no longer count");
    assert_eq!(pending(&p, a.id, at(-100)).await.bytes, 100, "aged-out rows deleted at the reservation");
}

async fn one_users_concurrent_reservations_are_taken_one_at_a_time(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(at(0)));
    let quota = quota(&p, &clock, 100);
    let a = account(&p, "race@example.com").await;
    for round in 0..3 {
        let (first, second) = tokio::join!(quota.reserve(&a, 60), quota.reserve(&a, 60));
        let won = [&first, &second].iter().filter(|r| r.is_ok()).count();
        let refused = [&first, &second].iter().filter(|r| matches!(r, Err(ReserveError::Exceeded(_)))).count();
        assert_eq!((won, refused), (1, 1), "round {round}: {first:?} / {second:?}");
        // Free the quota for the next round.
        let held = first.or(second).unwrap();
        quota.settle(held).await;
    }
}

async fn a_stream_reserves_up_to_its_maximum_within_the_room_left(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(at(0)));
    let quota = quota(&p, &clock, 100);
    let a = account(&p, "flux@example.com").await;

    let _held = quota.reserve(&a, 70).await.unwrap();
    clock.advance(TimeDelta::minutes(15));
    let stream = quota.reserve_up_to(&a, 50).await.expect("30 bytes are left: the stream may start");
    assert_eq!(stream.reserved(), 30);
    assert!(stream.admits(30) && !stream.admits(31), "the stream may store the 30 bytes left, no more");
    assert_eq!(stream.exceeded().retry_after_secs, 45 * 60, "when the 70 bytes reserved at 0 leave the hour");
    assert_eq!(pending(&p, a.id, at(-1)).await.bytes, 100);
    match quota.reserve_up_to(&a, 50).await {
        Err(ReserveError::Exceeded(exceeded)) => assert_eq!(exceeded.max_bytes, 100),
        other => panic!("no room left: expected a refusal, got {other:?}"),
    }
    let small = account(&p, "petit-flux@example.com").await;
    assert_eq!(quota.reserve_up_to(&small, 50).await.unwrap().reserved(), 50, "room enough: its maximum");

    // Refused having stored nothing, the stream leaves no row behind.
    quota.settle(stream).await;
    assert_eq!(pending(&p, a.id, at(-1)).await, PendingBytes { bytes: 70, oldest: Some(at(0)) });
}

async fn a_refusal_that_stored_nothing_leaves_no_row(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(at(0)));
    let quota = quota(&p, &clock, 100);
    let a = account(&p, "rien@example.com").await;
    let held = quota.reserve(&a, 40).await.unwrap();
    quota.settle(held).await;
    assert_eq!(pending(&p, a.id, at(-1)).await, PendingBytes { bytes: 0, oldest: None });
}

on_backends!(Memory, Sqlite, Postgres =>
    pending_sums_one_users_recent_rows_and_settle_and_release_roll_back,
    forget_before_deletes_only_that_users_older_rows,
    the_quota_refuses_past_its_limit_until_the_oldest_ages_out,
    one_users_concurrent_reservations_are_taken_one_at_a_time,
    a_stream_reserves_up_to_its_maximum_within_the_room_left,
    a_refusal_that_stored_nothing_leaves_no_row,
);
