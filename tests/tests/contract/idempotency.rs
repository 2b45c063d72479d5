//! Idempotency keys (I4): one claim wins, the first response is kept, released keys run again, old ones expire.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::idempotency::{Claim, StoredResponse};
use seeg_application::{IdGenerator, SystemIds};
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, on_backends, ports};

fn at(hours: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::hours(hours)
}

fn response() -> StoredResponse {
    StoredResponse {
        request_hash: "ab".repeat(32),
        status: 201,
        content_type: Some("application/json".to_owned()),
        body: br#"{"success":true}"#.to_vec(),
    }
}

async fn a_key_is_claimed_once_then_replays_its_response(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (scope, other) = (SystemIds.new_id(), SystemIds.new_id());
    let window = at(-24);
    assert_eq!(p.idempotency.claim(scope, "k1", at(0), window, window).await.unwrap(), Claim::Claimed);
    let Claim::Existing(pending) = p.idempotency.claim(scope, "k1", at(0), window, window).await.unwrap() else {
        panic!("a claimed key is taken");
    };
    assert_eq!((pending.response, pending.created_at), (None, at(0)));
    assert_eq!(
        p.idempotency.claim(other, "k1", at(0), window, window).await.unwrap(),
        Claim::Claimed,
        "keys are per caller"
    );

    p.idempotency.complete(scope, "k1", &response(), at(0)).await.unwrap();
    let Claim::Existing(done) = p.idempotency.claim(scope, "k1", at(1), at(-23), at(-23)).await.unwrap() else {
        panic!("a completed key replays");
    };
    assert_eq!(done.response, Some(response()));
    assert_eq!(done.key, "k1");
}

async fn released_and_expired_keys_are_claimed_again(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let scope = SystemIds.new_id();
    assert_eq!(p.idempotency.claim(scope, "k", at(0), at(-24), at(-24)).await.unwrap(), Claim::Claimed);
    p.idempotency.release(scope, "k").await.unwrap();
    assert_eq!(p.idempotency.claim(scope, "k", at(0), at(-24), at(-24)).await.unwrap(), Claim::Claimed);
    p.idempotency.complete(scope, "k", &response(), at(0)).await.unwrap();
    // 25 hours later the window starts after the record: it is replaced.
    assert_eq!(p.idempotency.claim(scope, "k", at(25), at(1), at(1)).await.unwrap(), Claim::Claimed);
    let Claim::Existing(fresh) = p.idempotency.claim(scope, "k", at(25), at(1), at(1)).await.unwrap() else {
        panic!("the new claim holds");
    };
    assert_eq!((fresh.response, fresh.created_at), (None, at(25)));
    p.idempotency.release(SystemIds.new_id(), "inconnue").await.unwrap();
    p.idempotency.complete(SystemIds.new_id(), "inconnue", &response(), at(0)).await.unwrap();
}

async fn of_concurrent_claims_exactly_one_wins(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let scope = SystemIds.new_id();
    let claims = (0..20).map(|_| p.idempotency.claim(scope, "course", at(0), at(-24), at(-24)));
    let outcomes = futures_util::future::join_all(claims).await;
    let won = outcomes.iter().filter(|o| matches!(o, Ok(Claim::Claimed))).count();
    assert_eq!(won, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
}

/// A request that never completed nor released its key (its process died, or the database was out when it
/// tried, O7) holds the key until the abandon time only; a completed one keeps replaying for its whole window.
async fn an_abandoned_claim_is_claimed_again_but_a_completed_one_still_replays(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let scope = SystemIds.new_id();
    assert_eq!(p.idempotency.claim(scope, "stuck", at(0), at(-24), at(-1)).await.unwrap(), Claim::Claimed);
    assert!(matches!(p.idempotency.claim(scope, "stuck", at(0), at(-24), at(-1)).await.unwrap(), Claim::Existing(_)));
    // Two hours later, still in the window but past the abandon time: claimed again.
    assert_eq!(p.idempotency.claim(scope, "stuck", at(2), at(-22), at(1)).await.unwrap(), Claim::Claimed);

    assert_eq!(p.idempotency.claim(scope, "done", at(0), at(-24), at(-1)).await.unwrap(), Claim::Claimed);
    p.idempotency.complete(scope, "done", &response(), at(0)).await.unwrap();
    let Claim::Existing(done) = p.idempotency.claim(scope, "done", at(2), at(-22), at(1)).await.unwrap() else {
        panic!("a completed key replays for its whole window");
    };
    assert_eq!(done.response, Some(response()));
}

on_backends!(Memory, Sqlite, Postgres =>
    an_abandoned_claim_is_claimed_again_but_a_completed_one_still_replays,
    a_key_is_claimed_once_then_replays_its_response,
    released_and_expired_keys_are_claimed_again,
    of_concurrent_claims_exactly_one_wins,
);
