//! Writes on existing accounts and sessions (S2, S4): account updates keep e-mail and matricule unique, a refresh
//! token is consumed once, families and accounts are revoked, passwords replaced.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::identity::RefreshTokenRecord;
use seeg_application::{IdGenerator, SystemIds};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn token(user_id: Uuid, family_id: Uuid) -> RefreshTokenRecord {
    let id = SystemIds.new_id();
    RefreshTokenRecord {
        id,
        user_id,
        family_id,
        token_hash: format!("{:0>64}", id.simple()),
        issued_at: at(0),
        expires_at: at(60),
        used_at: None,
        revoked_at: None,
    }
}

/// An account and `count` tokens in one family, committed.
async fn account_with_tokens(p: &Ports, email: &str, count: usize) -> (Uuid, Uuid, Vec<RefreshTokenRecord>) {
    let owner = user(email);
    let family = SystemIds.new_id();
    let tokens: Vec<_> = (0..count).map(|_| token(owner.id, family)).collect();
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&owner).await.unwrap();
    for t in &tokens {
        tx.refresh_tokens().insert(t).await.unwrap();
    }
    tx.commit().await.unwrap();
    (owner.id, family, tokens)
}

async fn stored(p: &Ports, token: &RefreshTokenRecord) -> RefreshTokenRecord {
    p.refresh_tokens.find_by_hash(&token.token_hash).await.unwrap().unwrap()
}

async fn a_token_is_consumed_once(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (_, _, tokens) = account_with_tokens(&p, "a@example.com", 1).await;
    let t = &tokens[0];

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.refresh_tokens().consume(t.id, at(1)).await.unwrap());
    assert!(!tx.refresh_tokens().consume(t.id, at(1)).await.unwrap(), "not twice within one transaction");
    tx.commit().await.unwrap();
    assert_eq!(stored(&p, t).await.used_at, Some(at(1)));

    let mut tx = p.uow.begin().await.unwrap();
    assert!(!tx.refresh_tokens().consume(t.id, at(2)).await.unwrap(), "nor after");
    drop(tx);
    let mut tx = p.uow.begin().await.unwrap();
    assert!(!tx.refresh_tokens().consume(SystemIds.new_id(), at(2)).await.unwrap(), "an unknown token");
    drop(tx);
}

async fn a_rolled_back_consumption_leaves_the_token_usable(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (_, _, tokens) = account_with_tokens(&p, "a@example.com", 1).await;
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.refresh_tokens().consume(tokens[0].id, at(1)).await.unwrap());
    drop(tx);
    assert_eq!(stored(&p, &tokens[0]).await.used_at, None);
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.refresh_tokens().consume(tokens[0].id, at(2)).await.unwrap());
    tx.commit().await.unwrap();
}

async fn revoking_a_family_or_an_account_reaches_exactly_its_tokens(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (owner, family, mine) = account_with_tokens(&p, "a@example.com", 2).await;
    let (_, _, theirs) = account_with_tokens(&p, "b@example.com", 1).await;
    let other_family = token(owner, SystemIds.new_id());
    let mut tx = p.uow.begin().await.unwrap();
    tx.refresh_tokens().insert(&other_family).await.unwrap();
    assert_eq!(tx.refresh_tokens().revoke_family(family, at(5)).await.unwrap(), 2);
    tx.commit().await.unwrap();

    for t in &mine {
        assert_eq!(stored(&p, t).await.revoked_at, Some(at(5)));
    }
    assert_eq!(stored(&p, &other_family).await.revoked_at, None);
    assert_eq!(stored(&p, &theirs[0]).await.revoked_at, None);
    let mut tx = p.uow.begin().await.unwrap();
    assert!(!tx.refresh_tokens().consume(mine[0].id, at(6)).await.unwrap(), "a revoked token is not consumable");
    assert_eq!(tx.refresh_tokens().revoke_user(owner, at(7)).await.unwrap(), 1, "only the one not yet revoked");
    tx.commit().await.unwrap();
    assert_eq!(stored(&p, &other_family).await.revoked_at, Some(at(7)));
    assert_eq!(stored(&p, &mine[0]).await.revoked_at, Some(at(5)), "an earlier revocation keeps its time");
    assert_eq!(stored(&p, &theirs[0]).await.revoked_at, None);
}

async fn a_new_password_hash_replaces_the_old_one(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (owner, _, _) = account_with_tokens(&p, "a@example.com", 0).await;
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().set_password(owner, "$2b$04$nouveau", at(9)).await.unwrap();
    tx.commit().await.unwrap();
    let changed = p.users.get(owner).await.unwrap().unwrap();
    assert_eq!((changed.password_hash.as_str(), changed.updated_at), ("$2b$04$nouveau", at(9)));
}

async fn an_updated_account_reads_back_and_stays_unique(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut awa = user("awa@example.com");
    awa.matricule = Some(100);
    let mut ben = user("ben@example.com");
    ben.matricule = Some(200);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&awa).await.unwrap();
    tx.users().insert(&ben).await.unwrap();
    tx.commit().await.unwrap();

    let mut renamed = awa.clone();
    renamed.first_name = "Nadia".into();
    renamed.updated_at = at(3);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().update(&renamed).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(p.users.get(awa.id).await.unwrap(), Some(renamed.clone()));

    for (field, clash) in [
        ("email", {
            let mut u = renamed.clone();
            u.email.clone_from(&ben.email);
            u
        }),
        ("matricule", {
            let mut u = renamed.clone();
            u.matricule = ben.matricule;
            u
        }),
    ] {
        let mut tx = p.uow.begin().await.unwrap();
        let result = tx.users().update(&clash).await;
        assert!(matches!(result, Err(seeg_application::StoreError::Conflict(_))), "{field}: {result:?}");
    }
    assert_eq!(p.users.get(awa.id).await.unwrap(), Some(renamed), "nothing changed");
}

on_backends!(Memory, Sqlite, Postgres =>
    an_updated_account_reads_back_and_stays_unique,
    a_token_is_consumed_once,
    a_rolled_back_consumption_leaves_the_token_usable,
    revoking_a_family_or_an_account_reaches_exactly_its_tokens,
    a_new_password_hash_replaces_the_old_one,
);
