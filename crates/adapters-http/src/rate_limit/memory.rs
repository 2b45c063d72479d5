//! The counters in the process (`MemoryRateLimits`): `governor` GCRA keyed limiters, and a bounded table of login
//! attempts, swept on a timer.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::{NoOpMiddleware, StateInformationMiddleware};
use governor::state::keyed::DefaultKeyedStateStore;

use super::store::{refused, tightest};
use super::{
    Class, LoginCount, LoginDelays, LoginKeys, LoginOutcome, LoginReservation, Quota, RateLimitConfig, RateLimitStore,
    Verdict,
};

type Keyed<C> = governor::RateLimiter<String, DefaultKeyedStateStore<String>, C, StateInformationMiddleware>;

/// Counters in the process: one `governor` keyed limiter (sharded map) per quota of each class, and the login
/// attempts per account and per (account, address).
pub struct MemoryRateLimits<C: Clock = DefaultClock> {
    limiters: HashMap<Class, Vec<(Quota, Keyed<C>)>>,
    clock: C,
    /// Only password checks touch it, and the sweep; one lock makes each login step atomic.
    logins: Mutex<LoginTable>,
    /// A failure count older than this is forgotten.
    forget_after: chrono::TimeDelta,
}

impl<C: Clock> fmt::Debug for MemoryRateLimits<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimits").finish_non_exhaustive()
    }
}

/// A failure count is kept at least this long after the last failure.
const FAILURES_KEPT: Duration = Duration::from_secs(3_600);
/// The most keys (accounts and (account, address) pairs) whose login attempts are counted at once.
const MAX_FAILURE_KEYS: usize = 100_000;

/// How long a failure count is kept after the last failure: an hour, or twice the longest delay.
pub(super) fn failures_kept(config: &RateLimitConfig) -> Duration {
    FAILURES_KEPT.max(config.login_delay_max.saturating_mul(2))
}

impl MemoryRateLimits {
    pub fn new(config: &RateLimitConfig) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> MemoryRateLimits<C> {
    pub fn with_clock(config: &RateLimitConfig, clock: C) -> Self {
        let classes = [Class::Auth, Class::PasswordReset, Class::Signup, Class::Upload, Class::Default];
        let limiters = classes
            .into_iter()
            .map(|class| {
                let limiters = config
                    .quotas(class)
                    .iter()
                    .map(|q| {
                        let store = DefaultKeyedStateStore::default();
                        let limiter: governor::RateLimiter<_, _, _, NoOpMiddleware<C::Instant>> =
                            governor::RateLimiter::new(q.gcra(), store, clock.clone());
                        let limiter = limiter.with_middleware::<StateInformationMiddleware>();
                        (*q, limiter)
                    })
                    .collect();
                (class, limiters)
            })
            .collect();
        let kept = failures_kept(config);
        Self {
            limiters,
            clock,
            logins: Mutex::new(LoginTable::default()),
            forget_after: chrono::TimeDelta::from_std(kept).unwrap_or(chrono::TimeDelta::MAX),
        }
    }
}

impl<C: Clock> MemoryRateLimits<C> {
    fn login_table(&self) -> std::sync::MutexGuard<'_, LoginTable> {
        self.logins.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The login attempts of each key, and the next reservation's id.
#[derive(Debug, Default)]
struct LoginTable {
    keys: HashMap<String, LoginAttempts>,
    next_id: u64,
}

#[derive(Debug, Default)]
struct LoginAttempts {
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
    /// The reservations in flight (a handful at most: the delay refuses more).
    in_flight: Vec<u64>,
}

impl LoginAttempts {
    fn count(&self) -> LoginCount {
        let in_flight = u32::try_from(self.in_flight.len()).unwrap_or(u32::MAX);
        LoginCount { failures: self.failures, last_failure: self.last_failure, in_flight }
    }

    /// Holds nothing worth a row.
    fn is_empty(&self) -> bool {
        self.failures == 0 && self.in_flight.is_empty()
    }
}

impl LoginTable {
    fn count(&self, key: &str) -> LoginCount {
        self.keys.get(key).map(LoginAttempts::count).unwrap_or_default()
    }

    /// The row of `key`, made if needed. Full: the stalest count with nothing in flight makes room (the table never
    /// grows with whatever e-mails and addresses an attacker sends, and a new key is still counted).
    fn row(&mut self, key: &str) -> &mut LoginAttempts {
        if self.keys.len() >= MAX_FAILURE_KEYS
            && !self.keys.contains_key(key)
            && let Some(stalest) = self
                .keys
                .iter()
                .filter(|(_, row)| row.in_flight.is_empty())
                .min_by_key(|(_, row)| row.last_failure)
                .map(|(key, _)| key.clone())
        {
            self.keys.remove(&stalest);
        }
        self.keys.entry(key.to_owned()).or_default()
    }

    /// Releases reservation `id` of `key` and applies the outcome.
    fn end(&mut self, key: &str, id: u64, outcome: LoginOutcome, now: DateTime<Utc>) {
        if outcome == LoginOutcome::PasswordWrong {
            let row = self.row(key);
            row.failures = row.failures.saturating_add(1);
            row.last_failure = Some(now);
        }
        let Some(row) = self.keys.get_mut(key) else { return };
        row.in_flight.retain(|held| *held != id);
        if outcome == LoginOutcome::PasswordRight {
            row.failures = 0;
            row.last_failure = None;
        }
        if row.is_empty() {
            self.keys.remove(key);
        }
    }
}

impl<C: Clock> MemoryRateLimits<C> {
    /// [`RateLimitStore::check`], synchronously.
    pub(super) fn check_in_process(&self, class: Class, key: &str) -> Verdict {
        let Some(limiters) = self.limiters.get(&class).filter(|l| !l.is_empty()) else {
            return Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 };
        };
        let key = key.to_owned();
        let mut allowed = Vec::with_capacity(limiters.len());
        // Quotas are checked in turn; one that refuses stops the others (those before it have counted the
        // request: a refused request may cost a little of a longer quota, never give more).
        for (quota, limiter) in limiters {
            match limiter.check_key(&key) {
                Ok(snapshot) => allowed.push((*quota, snapshot.remaining_burst_capacity())),
                Err(not_until) => return refused(*quota, not_until.wait_time_from(self.clock.now())),
            }
        }
        tightest(allowed)
    }

    /// [`RateLimitStore::begin_login`], synchronously.
    pub(super) fn begin_login_in_process(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration> {
        let mut table = self.login_table();
        delays.admit(table.count(&keys.pair), table.count(&keys.account), now)?;
        let id = table.next_id;
        table.next_id = table.next_id.wrapping_add(1);
        table.row(&keys.pair).in_flight.push(id);
        table.row(&keys.account).in_flight.push(id);
        Ok(LoginReservation { keys: keys.clone(), id, in_process: true })
    }

    /// [`RateLimitStore::end_login`], synchronously.
    pub(super) fn end_login_in_process(
        &self,
        reservation: &LoginReservation,
        outcome: LoginOutcome,
        now: DateTime<Utc>,
    ) {
        let mut table = self.login_table();
        let account_outcome = match outcome {
            // The account's count fades with time only: a right password clears the pair.
            LoginOutcome::PasswordRight => LoginOutcome::Unchecked,
            other => other,
        };
        table.end(&reservation.keys.pair, reservation.id, outcome, now);
        table.end(&reservation.keys.account, reservation.id, account_outcome, now);
    }
}

#[async_trait::async_trait]
impl<C: Clock + Send + Sync> RateLimitStore for MemoryRateLimits<C>
where
    C::Instant: Send + Sync,
{
    async fn check(&self, class: Class, key: &str) -> Verdict {
        self.check_in_process(class, key)
    }

    async fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration> {
        self.begin_login_in_process(keys, delays, now)
    }

    async fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>) {
        self.end_login_in_process(reservation, outcome, now);
    }

    fn sweep(&self, now: DateTime<Utc>) {
        for limiter in self.limiters.values().flatten().map(|(_, l)| l) {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let forget_after = self.forget_after;
        self.login_table().keys.retain(|_, row| {
            row.failures = match row.last_failure {
                Some(last) if now.signed_duration_since(last) < forget_after => row.failures,
                _ => 0,
            };
            if row.failures == 0 {
                row.last_failure = None;
            }
            !row.is_empty()
        });
    }
}

#[cfg(test)]
impl<C: Clock> MemoryRateLimits<C> {
    /// What the table holds for `key`.
    pub(super) fn count(&self, key: &str) -> LoginCount {
        self.login_table().count(key)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{DELAYS, at, count, fail, keys, store};
    use super::*;

    #[test]
    fn the_sixth_request_in_a_burst_is_refused_until_one_comes_back() {
        let (l, clock) = store(&["5/minute", "20/hour"]);
        for i in 0..5 {
            let v = l.check_in_process(Class::Auth, "ip:a");
            assert!(v.allowed);
            assert_eq!((v.limit, v.remaining), (5, 4 - i));
        }
        let refused = l.check_in_process(Class::Auth, "ip:a");
        assert!(!refused.allowed);
        assert_eq!((refused.limit, refused.remaining, refused.reset_secs), (5, 0, 12));
        assert!(l.check_in_process(Class::Auth, "ip:b").allowed, "another client has its own counter");
        assert!(l.check_in_process(Class::Signup, "ip:a").allowed, "another class too");
        assert!(l.check_in_process(Class::PasswordReset, "ip:a").allowed, "reset requests too");
        clock.advance(Duration::from_secs(12));
        assert!(l.check_in_process(Class::Auth, "ip:a").allowed, "one request back every 12 s");
    }

    #[test]
    fn the_hourly_quota_binds_across_minutes() {
        let (l, clock) = store(&["5/minute", "8/hour"]);
        let mut allowed = 0;
        for _ in 0..20 {
            allowed += usize::from(l.check_in_process(Class::Auth, "ip:a").allowed);
            clock.advance(Duration::from_secs(60));
        }
        // A burst of 8, then one back every 7.5 minutes: 20 minutes give two more.
        assert_eq!(allowed, 10);
        let refused = l.check_in_process(Class::Auth, "ip:a");
        assert_eq!((refused.allowed, refused.limit), (false, 8));
    }

    #[test]
    fn the_sweep_forgets_whole_counters_and_old_failures() {
        let (l, clock) = store(&["5/minute"]);
        l.check_in_process(Class::Default, "ip:a");
        let k = keys("x", "ip:a");
        let old = l.begin_login_in_process(&k, DELAYS, at(0)).unwrap();
        l.end_login_in_process(&old, LoginOutcome::PasswordWrong, at(0));
        let held = l.begin_login_in_process(&keys("y", "ip:b"), DELAYS, at(0)).unwrap();
        clock.advance(Duration::from_secs(60));
        l.sweep(at(7_200));
        assert!(l.limiters[&Class::Default].iter().all(|(_, k)| k.is_empty()));
        assert_eq!(count(&l, &k.account), LoginCount::default());
        assert_eq!(count(&l, &k.pair), LoginCount::default());
        assert_eq!(count(&l, &held.keys.account).in_flight, 1, "an attempt in flight is kept");
        assert_eq!(l.login_table().keys.len(), 2);
    }

    #[test]
    fn a_full_login_table_makes_room_by_forgetting_the_stalest_count() {
        let (l, _) = store(&["5/minute"]);
        for i in 0..MAX_FAILURE_KEYS {
            let row = LoginAttempts {
                failures: 1,
                last_failure: Some(at(i64::try_from(i).unwrap() + 10)),
                in_flight: if i == 0 { vec![7] } else { Vec::new() },
            };
            l.login_table().keys.insert(format!("failures:{i}"), row);
        }
        let nouveau = LoginKeys { account: "account:nouveau".to_owned(), pair: "failures:2".to_owned() };
        fail(&l, &nouveau, at(200_000));
        assert_eq!(l.login_table().keys.len(), MAX_FAILURE_KEYS, "bounded");
        assert_eq!(
            count(&l, "account:nouveau"),
            LoginCount { failures: 1, last_failure: Some(at(200_000)), in_flight: 0 }
        );
        assert_eq!(count(&l, "failures:2").failures, 2, "an existing key keeps counting");
        assert_eq!(count(&l, "failures:0").in_flight, 1, "an attempt in flight is never what makes room");
        assert_eq!(count(&l, "failures:1"), LoginCount::default(), "the stalest made room");
    }

    /// The defect the atomic step closes: attempts in parallel all passing the check before any counts.
    #[test]
    fn attempts_in_flight_count_as_the_failures_they_may_become() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        let outcomes: Vec<_> = (0..8).map(|_| l.begin_login_in_process(&k, DELAYS, at(0))).collect();
        let admitted: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert_eq!(admitted.len(), 3, "the free failures, no more");
        assert!(outcomes[3..].iter().all(|o| *o == Err(Duration::from_secs(30))), "{outcomes:?}");
        assert_eq!(count(&l, &k.account).in_flight, 3);
        assert_eq!(count(&l, &k.pair).in_flight, 3);
        for reservation in admitted {
            l.end_login_in_process(reservation, LoginOutcome::PasswordWrong, at(1));
        }
        assert_eq!(count(&l, &k.account), LoginCount { failures: 3, last_failure: Some(at(1)), in_flight: 0 });
        assert_eq!(
            l.begin_login_in_process(&k, DELAYS, at(11)),
            Err(Duration::from_secs(20)),
            "the delay from the last failure"
        );
        assert!(
            l.begin_login_in_process(&keys("autre", "ip:a"), DELAYS, at(11)).is_ok(),
            "another account is untouched"
        );
    }

    #[test]
    fn after_a_delay_one_attempt_at_a_time_and_a_right_password_lets_the_owner_in() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        for _ in 0..3 {
            fail(&l, &k, at(0));
        }
        assert_eq!(l.begin_login_in_process(&k, DELAYS, at(29)), Err(Duration::from_secs(1)));
        let first = l.begin_login_in_process(&k, DELAYS, at(30)).unwrap();
        assert_eq!(
            l.begin_login_in_process(&k, DELAYS, at(30)),
            Err(Duration::from_secs(60)),
            "held for the delay the first one's failure would set"
        );
        l.end_login_in_process(&first, LoginOutcome::PasswordRight, at(31));
        assert_eq!(count(&l, &k.pair), LoginCount::default(), "a right password clears the pair");
        assert_eq!(count(&l, &k.account).failures, 3, "the account's count fades with time only");
        assert!(l.begin_login_in_process(&k, DELAYS, at(31)).is_ok(), "the owner's address is no longer held");
    }

    #[test]
    fn an_address_that_never_failed_gets_one_try_while_the_account_is_held() {
        let (l, _) = store(&["5/minute"]);
        for _ in 0..5 {
            fail(&l, &keys("cible", "ip:attaquant"), at(0));
        }
        assert!(l.begin_login_in_process(&keys("cible", "ip:attaquant"), DELAYS, at(1)).is_err());
        let owner = l.begin_login_in_process(&keys("cible", "ip:owner"), DELAYS, at(1));
        assert!(owner.is_ok(), "no targeted lockout");
        assert!(
            l.begin_login_in_process(&keys("cible", "ip:owner"), DELAYS, at(1)).is_err(),
            "its attempt in flight makes it an address that may have failed"
        );
    }

    #[test]
    fn ending_a_reservation_twice_releases_it_once() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        let first = l.begin_login_in_process(&k, DELAYS, at(0)).unwrap();
        let second = l.begin_login_in_process(&k, DELAYS, at(0)).unwrap();
        assert_ne!(first.id, second.id);
        l.end_login_in_process(&first, LoginOutcome::Unchecked, at(0));
        l.end_login_in_process(&first, LoginOutcome::Unchecked, at(0));
        assert_eq!(count(&l, &k.account).in_flight, 1);
        assert_eq!(count(&l, &k.pair).in_flight, 1);
        l.end_login_in_process(&second, LoginOutcome::Unchecked, at(0));
        assert!(l.login_table().keys.is_empty(), "nothing counted, nothing kept");
    }
}
