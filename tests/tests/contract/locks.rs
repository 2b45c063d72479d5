//! `ExclusiveLocks` (O6): a key is held by one guard at a time, refused at once to everyone else meanwhile, and free
//! again once the guard is released or dropped; on PostgreSQL across pools (processes) on one database.

use std::time::Duration;

use seeg_application::locks::LockKey;
use seeg_tests::eventually::eventually;
use seeg_tests::{Backend, TestDatabase, on_backends, ports};
use uuid::Uuid;

async fn a_held_key_is_refused_to_others_until_released(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (key, other) = (LockKey::lake_export(Uuid::from_u128(1)), LockKey::lake_export(Uuid::from_u128(2)));

    let guard = p.locks.try_lock(key).await.unwrap().expect("a free key is taken");
    assert!(p.locks.try_lock(key).await.unwrap().is_none(), "refused while held, without waiting");
    // Released before the next tries: on PostgreSQL this pool lends two connections to locks (see below).
    let beside = p.locks.try_lock(other).await.unwrap().expect("another key is free");
    beside.release().await.unwrap();
    guard.release().await.unwrap();

    let again = p.locks.try_lock(key).await.unwrap().expect("free once released");
    assert!(p.locks.try_lock(key).await.unwrap().is_none(), "held again");
    again.release().await.unwrap();
}

/// A holder that fails or is cancelled drops its guard without releasing it: the lock goes all the same (on
/// PostgreSQL with the transaction's rollback, which its connection sends as it goes back to the pool: polled).
async fn a_dropped_guard_lets_its_lock_go(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let key = LockKey::lake_export(Uuid::from_u128(3));
    let guard = p.locks.try_lock(key).await.unwrap().expect("taken");
    drop(guard);
    let again = eventually("the dropped lock is free again", async || p.locks.try_lock(key).await.unwrap()).await;
    again.release().await.unwrap();
}

/// More holders than the pool lends connections to locks (half of its 5): the ones past the bound wait for a
/// slot, and get one as soon as a holder releases; every key is still held once.
async fn holders_past_the_pool_bound_wait_for_a_slot(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut guards = Vec::new();
    for n in 10..12 {
        guards.push(p.locks.try_lock(LockKey::lake_export(Uuid::from_u128(n))).await.unwrap().expect("taken"));
    }
    let locks = p.locks.clone();
    let mut third = tokio::spawn(async move { locks.try_lock(LockKey::lake_export(Uuid::from_u128(12))).await });
    // Not a timing assertion: a correct adapter never answers here, however long the wait.
    assert!(tokio::time::timeout(Duration::from_millis(300), &mut third).await.is_err(), "waits for a slot");
    guards.pop().unwrap().release().await.unwrap();
    let third = third.await.unwrap().unwrap().expect("a slot freed: taken");
    third.release().await.unwrap();
    for guard in guards {
        guard.release().await.unwrap();
    }
}

/// Two pools on one PostgreSQL database, as two server processes have: one's lock refuses the other's try, until
/// it is released.
async fn two_processes_on_one_database_exclude_each_other(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let (first, second) = (db.connect().await, db.connect().await);
    let (first, second) = (seeg_tests::ports_of(&first), seeg_tests::ports_of(&second));
    let key = LockKey::lake_export(Uuid::from_u128(4));

    let guard = first.locks.try_lock(key).await.unwrap().expect("taken by the first process");
    assert!(second.locks.try_lock(key).await.unwrap().is_none(), "refused to the second process");
    let other = second.locks.try_lock(LockKey::lake_export(Uuid::from_u128(5))).await.unwrap();
    assert!(other.is_some(), "another application is free for it");
    guard.release().await.unwrap();

    let taken = second.locks.try_lock(key).await.unwrap().expect("the second process takes it once released");
    assert!(first.locks.try_lock(key).await.unwrap().is_none(), "and now the first is refused");
    taken.release().await.unwrap();
    drop(other);
}

on_backends!(Memory, Sqlite, Postgres =>
    a_held_key_is_refused_to_others_until_released,
    a_dropped_guard_lets_its_lock_go,
);

/// The bound on lock-holding connections is PostgreSQL's (a lock there holds a connection).
mod pooled {
    use super::*;
    on_backends!(Postgres => holders_past_the_pool_bound_wait_for_a_slot);
}

/// One process owns an SQLite file or a memory store: exclusion across processes is PostgreSQL's.
mod across_processes {
    use super::*;
    on_backends!(Postgres => two_processes_on_one_database_exclude_each_other);
}

/// Two transactions taking two rows' locks in opposite orders (a forced erasure holds the account and wants its
/// application; a status change holds the application and wants the account): PostgreSQL aborts one, whose
/// caller is told the database could not serve it for now (503 to retry, rolled back whole), never a 500 (O7); the
/// other goes on. SQLite serialises writers, so it never meets one.
async fn a_deadlock_victim_is_told_to_retry(backend: Backend) {
    use seeg_application::{Outage, StoreError};
    use seeg_domain::applications::ApplicationStatus;
    let (p, _db) = ports(backend).await;
    let candidate = seeg_tests::users::user("verrou@exemple.ga");
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&candidate).await.unwrap();
    tx.commit().await.unwrap();
    let offer = seeg_tests::offers::offer("Technicien", 0);
    seeg_tests::insert_offers(p.uow.as_ref(), std::slice::from_ref(&offer)).await;
    let application =
        seeg_tests::applications::seed(p.uow.as_ref(), candidate.id, offer.id, ApplicationStatus::Candidature).await.id;

    let mut first = p.uow.begin().await.unwrap();
    let mut second = p.uow.begin().await.unwrap();
    assert!(first.users().lock(candidate.id).await.unwrap().is_some());
    assert!(second.applications().lock(application).await.unwrap().is_some());
    let (one, other) = tokio::join!(first.applications().lock(application), second.users().lock(candidate.id));
    let victims: Vec<StoreError> = [one.err(), other.err()].into_iter().flatten().collect();
    assert_eq!(victims.len(), 1, "one victim: {victims:?}");
    assert!(
        matches!(victims[0], StoreError::Unavailable { kind: Outage::Contended, .. }),
        "a contended transaction, to retry: {:?}",
        victims[0]
    );
}

mod deadlocks {
    use super::*;
    on_backends!(Postgres => a_deadlock_victim_is_told_to_retry);
}
