//! The rate-limit counters (S6, O5): one suite for the store in the process and the one in Redis
//! (`TEST_REDIS_URL`, e.g. `redis://127.0.0.1:6379`), so both count alike; then what only a shared store does
//! (several instances, one budget; attempts that lapse) and what it does when Redis cannot be reached.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use governor::clock::FakeRelativeClock;
use seeg_adapters_http::{
    LoginDelays, LoginKeys, LoginOutcome, ManualClock, MemoryRateLimits, Quota, RateLimitClass as Class,
    RateLimitConfig, RateLimitStore, RedisRateLimits,
};
use seeg_application::{IdGenerator as _, SystemIds};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Memory,
    Redis,
}

/// A store and the hand that moves its quotas' clock.
struct Limits {
    store: Arc<dyn RateLimitStore>,
    advance: Box<dyn Fn(Duration) + Send + Sync>,
}

fn config(quotas: &[&str]) -> RateLimitConfig {
    let quotas: Vec<Quota> = quotas.iter().map(|q| Quota::parse(q).unwrap()).collect();
    RateLimitConfig {
        enabled: true,
        trusted_proxies: Vec::new(),
        auth: quotas.clone(),
        signup: quotas.clone(),
        upload: quotas.clone(),
        default: quotas,
        login_failures_free: 3,
        login_delay_max: Duration::from_secs(900),
    }
}

/// The key of the names written in Redis; every instance of a shared budget has the same.
const SECRET: &[u8] = b"cle-de-test-des-limites-partagees-32o";

fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.trim().is_empty())
}

/// A prefix no other test uses: every test shares the one Redis.
fn fresh_prefix() -> String {
    format!("test:{}:", SystemIds.new_id().simple())
}

fn redis_store(url: &str, prefix: &str, quotas: &[&str], clock: &ManualClock) -> RedisRateLimits {
    RedisRateLimits::connect(url, prefix, &config(quotas), SECRET).unwrap().with_manual_clock(clock.clone())
}

/// `None`: the Redis variant without `TEST_REDIS_URL`.
fn limits(kind: Kind, quotas: &[&str]) -> Option<Limits> {
    match kind {
        Kind::Memory => {
            let clock = FakeRelativeClock::default();
            let store = Arc::new(MemoryRateLimits::with_clock(&config(quotas), clock.clone()));
            Some(Limits { store, advance: Box::new(move |by| clock.advance(by)) })
        }
        Kind::Redis => {
            let url = redis_url()?;
            let clock = ManualClock::at(1_000_000_000_000);
            let store = Arc::new(redis_store(&url, &fresh_prefix(), quotas, &clock));
            Some(Limits { store, advance: Box::new(move |by| clock.advance(by)) })
        }
    }
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + TimeDelta::days(20_000) + TimeDelta::seconds(secs)
}

fn keys(account: &str, address: &str) -> LoginKeys {
    LoginKeys { account: format!("account:{account}"), pair: format!("failures:{account}/{address}") }
}

const DELAYS: LoginDelays = LoginDelays { free: 3, max: Duration::from_secs(900) };

/// One wrong password from `address` on `account`, admitted first.
async fn fail(store: &dyn RateLimitStore, keys: &LoginKeys, now: DateTime<Utc>) {
    let reservation = store.begin_login(keys, DELAYS, now).await.expect("admitted");
    store.end_login(&reservation, LoginOutcome::PasswordWrong, now).await;
}

async fn the_sixth_request_in_a_burst_is_refused_until_one_comes_back(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute", "20/hour"]) else { return skipped() };
    for i in 0..5 {
        let v = l.store.check(Class::Auth, "ip:a").await;
        assert!(v.allowed, "{i}: {v:?}");
        assert_eq!((v.limit, v.remaining), (5, 4 - i));
    }
    let refused = l.store.check(Class::Auth, "ip:a").await;
    assert!(!refused.allowed);
    assert_eq!((refused.limit, refused.remaining, refused.reset_secs), (5, 0, 12));
    assert!(l.store.check(Class::Auth, "ip:b").await.allowed, "another client has its own counter");
    assert!(l.store.check(Class::Signup, "ip:a").await.allowed, "another class too");
    assert!(l.store.check(Class::PasswordReset, "ip:a").await.allowed, "reset requests too");
    (l.advance)(Duration::from_secs(11));
    assert!(!l.store.check(Class::Auth, "ip:a").await.allowed, "not before 12 s");
    (l.advance)(Duration::from_secs(1));
    let back = l.store.check(Class::Auth, "ip:a").await;
    assert!(back.allowed, "one request back every 12 s");
    assert_eq!((back.limit, back.remaining, back.reset_secs), (5, 0, 60));
}

async fn the_hourly_quota_binds_across_minutes(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute", "8/hour"]) else { return skipped() };
    let mut allowed = 0;
    for _ in 0..20 {
        allowed += usize::from(l.store.check(Class::Auth, "ip:a").await.allowed);
        (l.advance)(Duration::from_secs(60));
    }
    // A burst of 8, then one back every 7.5 minutes: 20 minutes give two more.
    assert_eq!(allowed, 10);
    let refused = l.store.check(Class::Auth, "ip:a").await;
    assert_eq!((refused.allowed, refused.limit), (false, 8));
}

async fn the_tightest_quota_is_what_the_headers_report(kind: Kind) {
    let Some(l) = limits(kind, &["300/minute", "3/second"]) else { return skipped() };
    let v = l.store.check(Class::Default, "user:1").await;
    assert_eq!((v.allowed, v.limit, v.remaining, v.reset_secs), (true, 3, 2, 1));
}

/// Guesses sent in parallel get no more tries than guesses one after the other.
async fn attempts_in_flight_count_as_the_failures_they_may_become(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute"]) else { return skipped() };
    let k = keys("cible", "ip:a");
    let outcomes = futures_util::future::join_all((0..8).map(|_| l.store.begin_login(&k, DELAYS, at(0)))).await;
    let admitted: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(admitted.len(), 3, "the free failures, no more: {outcomes:?}");
    let refused: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().err()).collect();
    assert!(refused.iter().all(|wait| **wait == Duration::from_secs(30)), "{outcomes:?}");
    for reservation in admitted {
        l.store.end_login(reservation, LoginOutcome::PasswordWrong, at(1)).await;
    }
    assert_eq!(l.store.begin_login(&k, DELAYS, at(11)).await, Err(Duration::from_secs(20)), "from the last failure");
    assert!(l.store.begin_login(&keys("autre", "ip:a"), DELAYS, at(11)).await.is_ok(), "another account");
}

async fn after_a_delay_one_attempt_at_a_time_and_a_right_password_lets_the_owner_in(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute"]) else { return skipped() };
    let k = keys("cible", "ip:a");
    for _ in 0..3 {
        fail(l.store.as_ref(), &k, at(0)).await;
    }
    assert_eq!(l.store.begin_login(&k, DELAYS, at(29)).await, Err(Duration::from_secs(1)));
    let first = l.store.begin_login(&k, DELAYS, at(30)).await.unwrap();
    assert_eq!(
        l.store.begin_login(&k, DELAYS, at(30)).await,
        Err(Duration::from_secs(60)),
        "held for the delay the first one's failure would set"
    );
    l.store.end_login(&first, LoginOutcome::PasswordRight, at(31)).await;
    let again = l.store.begin_login(&k, DELAYS, at(31)).await;
    assert!(again.is_ok(), "a right password frees the owner's address: {again:?}");
    // The account's count is kept: another address that failed on it is still held.
    let other = keys("cible", "ip:b");
    l.store.end_login(&again.unwrap(), LoginOutcome::Unchecked, at(31)).await;
    let attacker = l.store.begin_login(&other, DELAYS, at(31)).await.unwrap();
    l.store.end_login(&attacker, LoginOutcome::PasswordWrong, at(32)).await;
    assert_eq!(l.store.begin_login(&other, DELAYS, at(33)).await, Err(Duration::from_secs(59)));
}

async fn an_address_that_never_failed_gets_one_try_while_the_account_is_held(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute"]) else { return skipped() };
    let attacker = keys("cible", "ip:attaquant");
    for _ in 0..3 {
        fail(l.store.as_ref(), &attacker, at(0)).await;
    }
    assert!(l.store.begin_login(&attacker, DELAYS, at(1)).await.is_err());
    let owner = keys("cible", "ip:owner");
    assert!(l.store.begin_login(&owner, DELAYS, at(1)).await.is_ok(), "no targeted lockout");
    assert!(
        l.store.begin_login(&owner, DELAYS, at(1)).await.is_err(),
        "its attempt in flight makes it an address that may have failed"
    );
}

async fn ending_a_reservation_twice_releases_it_once(kind: Kind) {
    let Some(l) = limits(kind, &["5/minute"]) else { return skipped() };
    let a = keys("cible", "ip:a");
    fail(l.store.as_ref(), &a, at(0)).await;
    fail(l.store.as_ref(), &a, at(0)).await;
    let first = l.store.begin_login(&keys("cible", "ip:b"), DELAYS, at(1)).await.unwrap();
    let second = l.store.begin_login(&keys("cible", "ip:c"), DELAYS, at(1)).await.unwrap();
    assert_ne!(first.id, second.id);
    l.store.end_login(&first, LoginOutcome::Unchecked, at(1)).await;
    l.store.end_login(&first, LoginOutcome::Unchecked, at(1)).await;
    // Two failures and one attempt in flight: that attempt could be the third failure, hence held.
    assert_eq!(l.store.begin_login(&a, DELAYS, at(1)).await, Err(Duration::from_secs(30)), "the second still holds");
    l.store.end_login(&second, LoginOutcome::Unchecked, at(1)).await;
    assert!(l.store.begin_login(&a, DELAYS, at(1)).await.is_ok(), "nothing in flight any more");
}

fn skipped() {
    eprintln!("skipped: set TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)");
}

macro_rules! on_stores {
    ($($test:ident),+ $(,)?) => {
        mod memory {
            $( #[tokio::test] async fn $test() { super::$test(super::Kind::Memory).await; } )+
        }
        mod redis {
            $( #[tokio::test] async fn $test() { super::$test(super::Kind::Redis).await; } )+
        }
    };
}

on_stores!(
    the_sixth_request_in_a_burst_is_refused_until_one_comes_back,
    the_hourly_quota_binds_across_minutes,
    the_tightest_quota_is_what_the_headers_report,
    attempts_in_flight_count_as_the_failures_they_may_become,
    after_a_delay_one_attempt_at_a_time_and_a_right_password_lets_the_owner_in,
    an_address_that_never_failed_gets_one_try_while_the_account_is_held,
    ending_a_reservation_twice_releases_it_once,
);

/// What makes the store shared: instances on one Redis (and one prefix) spend one budget, and see each other's
/// login attempts; another prefix is another budget.
#[tokio::test]
async fn instances_on_one_redis_share_one_budget_and_one_login_count() {
    let Some(url) = redis_url() else { return skipped() };
    let (prefix, clock) = (fresh_prefix(), ManualClock::at(1_000_000_000_000));
    let instances: Vec<_> = (0..3).map(|_| redis_store(&url, &prefix, &["5/minute"], &clock)).collect();
    let mut allowed = 0;
    for i in 0..9 {
        allowed += usize::from(instances[i % 3].check(Class::Upload, "user:7").await.allowed);
    }
    assert_eq!(allowed, 5, "one budget for the three");
    let elsewhere = redis_store(&url, &fresh_prefix(), &["5/minute"], &clock);
    assert!(elsewhere.check(Class::Upload, "user:7").await.allowed, "another prefix, another budget");
    let other_secret = RedisRateLimits::connect(&url, &prefix, &config(&["5/minute"]), b"une-autre-cle")
        .unwrap()
        .with_manual_clock(clock.clone());
    assert!(other_secret.check(Class::Upload, "user:7").await.allowed, "another secret names another client");
    let mut scan = ::redis::cmd("KEYS");
    let names: Vec<String> = scan
        .arg(format!("{prefix}*"))
        .query_async(
            &mut ::redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap(),
        )
        .await
        .unwrap();
    assert!(!names.is_empty() && names.iter().all(|n| !n.contains("user:7") && !n.contains("cible")), "{names:?}");

    let k = keys("cible", "ip:a");
    for instance in &instances {
        fail(instance, &k, at(0)).await;
    }
    assert_eq!(instances[0].begin_login(&k, DELAYS, at(10)).await, Err(Duration::from_secs(20)));
    let race = keys("course", "ip:z");
    let racing = futures_util::future::join_all(instances.iter().map(|i| i.begin_login(&race, DELAYS, at(0)))).await;
    assert_eq!(racing.iter().filter(|r| r.is_ok()).count(), 3, "three free tries, whichever instance");
    assert!(instances[1].begin_login(&race, DELAYS, at(0)).await.is_err(), "not a fourth");
}

/// The server warns at start-up unless Redis keeps every key (`noeviction`): read from `INFO memory`.
#[tokio::test]
async fn the_eviction_policy_is_read_from_redis() {
    let Some(url) = redis_url() else { return skipped() };
    let store = redis_store(&url, &fresh_prefix(), &["5/minute"], &ManualClock::default());
    let policy = store.eviction_policy().await.expect("Redis answers");
    assert!(!policy.is_empty() && policy.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{policy}");
    let nowhere = RedisRateLimits::connect("redis://127.0.0.1:1", "test:", &config(&["5/minute"]), SECRET).unwrap();
    assert_eq!(nowhere.eviction_policy().await, None);
}

/// A process that dies mid-check never ends its attempt: in Redis it lapses, so it holds nobody for ever.
#[tokio::test]
async fn an_attempt_nobody_ends_lapses_in_redis() {
    let Some(url) = redis_url() else { return skipped() };
    let store = redis_store(&url, &fresh_prefix(), &["5/minute"], &ManualClock::default());
    let a = keys("cible", "ip:a");
    fail(&store, &a, at(0)).await;
    fail(&store, &a, at(0)).await;
    let _abandoned = store.begin_login(&keys("cible", "ip:b"), DELAYS, at(1)).await.unwrap();
    assert_eq!(store.begin_login(&a, DELAYS, at(2)).await, Err(Duration::from_secs(30)));
    assert!(store.begin_login(&a, DELAYS, at(62)).await.is_ok(), "lapsed after a minute");
}

/// Redis unreachable: the counters of the process answer (limits per process, never none), and an attempt begun
/// there ends there.
#[tokio::test]
async fn without_redis_the_process_counts_alone() {
    let store = RedisRateLimits::connect("redis://127.0.0.1:1", "test:", &config(&["5/minute"]), SECRET).unwrap();
    assert_eq!(store.eviction_policy().await, None, "Redis does not answer");
    let allowed = futures_util::future::join_all((0..7).map(|_| store.check(Class::Auth, "ip:a"))).await;
    assert_eq!(allowed.iter().filter(|v| v.allowed).count(), 5, "{allowed:?}");
    let k = keys("cible", "ip:a");
    for _ in 0..3 {
        let reservation = store.begin_login(&k, DELAYS, at(0)).await.unwrap();
        assert!(reservation.in_process);
        store.end_login(&reservation, LoginOutcome::PasswordWrong, at(0)).await;
    }
    assert_eq!(store.begin_login(&k, DELAYS, at(10)).await, Err(Duration::from_secs(20)));
}

/// A Redis that accepts connections and never answers (hung, or behind a black hole): each call waits at most the
/// response timeout, then the process counts; the calls after it do not wait for Redis at all for a while.
#[tokio::test]
async fn a_redis_that_never_answers_costs_one_timeout_then_the_process_counts() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("redis://{}", silent.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    let store = RedisRateLimits::connect(&url, "test:", &config(&["5/minute"]), SECRET).unwrap();
    let mut allowed = 0;
    for _ in 0..7 {
        allowed += usize::from(store.check(Class::Default, "user:1").await.allowed);
    }
    assert_eq!(allowed, 5);
    assert_eq!(store.eviction_policy().await, None, "Redis does not answer");
    held.abort();
}
