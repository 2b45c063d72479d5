//! Reset tokens (S4): stored by hash, unique, consumed once, rolled back with their transaction; an account's
//! unused tokens spent together.

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

async fn insert_resets(p: &Ports, resets: &[PasswordResetRecord]) {
    let mut tx = p.uow.begin().await.unwrap();
    for r in resets {
        tx.password_resets().insert(r).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn used_at(p: &Ports, r: &PasswordResetRecord) -> Option<DateTime<Utc>> {
    p.password_resets.find_by_hash(&r.token_hash).await.unwrap().unwrap().used_at
}

async fn spending_uses_every_unused_token_of_that_account_only(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let owner = account(&p, "owner@example.com").await;
    let other = account(&p, "other@example.com").await;
    let (a, b) = (reset(owner), reset(owner));
    let used = PasswordResetRecord { used_at: Some(at(3)), ..reset(owner) };
    let theirs = reset(other);
    insert_resets(&p, &[a.clone(), b.clone(), used.clone(), theirs.clone()]).await;

    let mut tx = p.uow.begin().await.unwrap();
    let fresh = reset(owner);
    tx.password_resets().insert(&fresh).await.unwrap();
    assert_eq!(tx.password_resets().spend_unused_for_user(owner, at(20)).await.unwrap(), 3, "with one of this tx");
    assert_eq!(tx.password_resets().spend_unused_for_user(owner, at(21)).await.unwrap(), 0, "spent in this tx");
    assert!(!tx.password_resets().consume(a.id, at(22)).await.unwrap(), "a spent token cannot be consumed");
    assert_eq!(tx.password_resets().spend_unused_for_user(SystemIds.new_id(), at(21)).await.unwrap(), 0, "unknown");
    assert_eq!(used_at(&p, &a).await, None, "not before commit");
    tx.commit().await.unwrap();

    for r in [&a, &b, &fresh] {
        assert_eq!(used_at(&p, r).await, Some(at(20)));
    }
    assert_eq!(used_at(&p, &used).await, Some(at(3)), "a used token keeps its time");
    assert_eq!(used_at(&p, &theirs).await, None, "another account's token");
    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.password_resets().spend_unused_for_user(owner, at(30)).await.unwrap(), 0, "after commit");
    assert!(tx.password_resets().consume(theirs.id, at(30)).await.unwrap(), "theirs still works");
    tx.commit().await.unwrap();
    assert_eq!(used_at(&p, &a).await, Some(at(20)));
}

async fn a_rolled_back_spending_keeps_the_tokens_unused(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let owner = account(&p, "rollback@example.com").await;
    let (a, b) = (reset(owner), reset(owner));
    insert_resets(&p, &[a.clone(), b.clone()]).await;

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.password_resets().spend_unused_for_user(owner, at(20)).await.unwrap(), 2);
    drop(tx);
    assert_eq!((used_at(&p, &a).await, used_at(&p, &b).await), (None, None));

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.password_resets().consume(a.id, at(25)).await.unwrap(), "still usable after the rollback");
    assert_eq!(tx.password_resets().spend_unused_for_user(owner, at(26)).await.unwrap(), 1, "the other one");
    tx.commit().await.unwrap();
    assert_eq!((used_at(&p, &a).await, used_at(&p, &b).await), (Some(at(25)), Some(at(26))));
}

on_backends!(Memory, Sqlite, Postgres =>
    a_reset_reads_back_by_hash_and_unknown_hashes_are_none,
    ids_and_hashes_are_unique,
    a_reset_is_consumed_once_and_a_rollback_keeps_it_unused,
    spending_uses_every_unused_token_of_that_account_only,
    a_rolled_back_spending_keeps_the_tokens_unused,
);
