//! Reset tokens (S4): stored by hash, unique, consumed once, rolled back with their transaction.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::StoreError;
use seeg_application::identity::PasswordResetRecord;
use seeg_application::{IdGenerator, SystemIds};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn reset(user_id: Uuid) -> PasswordResetRecord {
    let id = SystemIds.new_id();
    PasswordResetRecord { id, user_id, token_hash: format!("{:0>64}", id.simple()), expires_at: at(60), used_at: None }
}

async fn account(p: &Ports, email: &str) -> Uuid {
    let owner = user(email);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&owner).await.unwrap();
    tx.commit().await.unwrap();
    owner.id
}

async fn a_reset_reads_back_by_hash_and_unknown_hashes_are_none(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let owner = account(&p, "reset@example.com").await;
    let r = reset(owner);
    let mut tx = p.uow.begin().await.unwrap();
    tx.password_resets().insert(&r).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(p.password_resets.find_by_hash(&r.token_hash).await.unwrap(), Some(r.clone()));
    assert_eq!(p.password_resets.find_by_hash(&"f".repeat(64)).await.unwrap(), None);
}

async fn ids_and_hashes_are_unique(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let owner = account(&p, "unique@example.com").await;
    let r = reset(owner);
    let mut tx = p.uow.begin().await.unwrap();
    tx.password_resets().insert(&r).await.unwrap();
    tx.commit().await.unwrap();
    let same_hash = PasswordResetRecord { id: SystemIds.new_id(), ..r.clone() };
    let mut tx = p.uow.begin().await.unwrap();
    assert!(matches!(tx.password_resets().insert(&same_hash).await, Err(StoreError::Conflict(_))));
}

async fn a_reset_is_consumed_once_and_a_rollback_keeps_it_unused(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let owner = account(&p, "once@example.com").await;
    let r = reset(owner);
    let mut tx = p.uow.begin().await.unwrap();
    tx.password_resets().insert(&r).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.password_resets().consume(r.id, at(5)).await.unwrap());
    drop(tx);
    assert_eq!(p.password_resets.find_by_hash(&r.token_hash).await.unwrap().unwrap().used_at, None);

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.password_resets().consume(r.id, at(5)).await.unwrap());
    assert!(!tx.password_resets().consume(r.id, at(6)).await.unwrap(), "twice in one transaction");
    tx.commit().await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(!tx.password_resets().consume(r.id, at(7)).await.unwrap(), "after commit");
    assert!(!tx.password_resets().consume(SystemIds.new_id(), at(7)).await.unwrap(), "unknown id");
    drop(tx);
    assert_eq!(p.password_resets.find_by_hash(&r.token_hash).await.unwrap().unwrap().used_at, Some(at(5)));
}

on_backends!(Memory, Sqlite, Postgres =>
    a_reset_reads_back_by_hash_and_unknown_hashes_are_none,
    ids_and_hashes_are_unique,
    a_reset_is_consumed_once_and_a_rollback_keeps_it_unused,
);
