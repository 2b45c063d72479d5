//! The port behind which the counters live (`RateLimitStore`), with what it answers: a verdict per request, and
//! the login attempts of an account and of an (account, address) pair.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Class, LoginDelays};

/// The verdict for one request, with what the headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The tightest quota's limit and what remains of it.
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until that quota is whole again (refused: until the next request may pass).
    pub reset_secs: u64,
}

/// What a store holds for one key's login attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCount {
    /// Wrong passwords not yet forgotten.
    pub failures: u32,
    pub last_failure: Option<DateTime<Utc>>,
    /// Attempts admitted whose password is being checked.
    pub in_flight: u32,
}

/// The keys one login attempt counts under: the account (whatever the address) and the (account, address) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginKeys {
    pub account: String,
    pub pair: String,
}

/// A login attempt the store admitted, in flight on both of its keys until ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReservation {
    pub keys: LoginKeys,
    /// The store's name for this reservation: ending it releases this one only, once.
    pub id: u64,
    /// Held by counters in this process: the in-process store's always are, and a shared store's are while it
    /// cannot be reached (it falls back to counters of its own, and ends there what it began there).
    pub in_process: bool,
}

/// How an admitted login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password was right: the pair's failures are cleared (the account's fade with time).
    PasswordRight,
    /// The password was wrong: one more failure for the pair and for the account.
    PasswordWrong,
    /// No password verdict (a store error, the request dropped mid-check): the reservation is released only.
    Unchecked,
}

/// Where the counters live: in the process ([`MemoryRateLimits`](super::MemoryRateLimits)) or, behind the same
/// calls, a store shared by every instance ([`RedisRateLimits`](super::RedisRateLimits): one script per call).
///
/// Each call is one atomic step for the keys it names: two processes (or two workers) calling at once see each
/// other's effect, never an interleaving. No call fails: a shared store that cannot be reached answers from
/// counters in the process meanwhile (limits per process, as without a shared store), never "no limit".
#[async_trait::async_trait]
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Counts one request of `key` in `class`; every quota of the class applies.
    async fn check(&self, class: Class, key: &str) -> Verdict;
    /// Before a password is checked, in ONE atomic step: reads the pair's and the account's counts (failures, last
    /// failure, attempts in flight), decides with [`LoginDelays::admit`], and when admitted reserves the attempt
    /// (one more in flight on both keys). A check followed by a separate reservation would let parallel guesses
    /// all pass before any of them counts. Refused: nothing is written, and `Err` says how long to wait.
    ///
    /// A shared store lets a reservation lapse after a bound well above a password check (a process that dies
    /// mid-check never ends it); in one process, the reservations die with it.
    async fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration>;
    /// After the password was checked (or not, see [`LoginOutcome::Unchecked`]): releases the reservation and
    /// applies the outcome, in one atomic step. A reservation already ended or lapsed releases nothing; a wrong
    /// password still counts.
    async fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>);
    /// Whether the counters are shared by every instance (readiness says so; whether the shared store answers is
    /// for operators, `seeg_rate_limit_store_errors_total`, not for anyone who can read the public readiness).
    fn is_shared(&self) -> bool {
        false
    }
    /// Forgets what no longer limits anyone in the process (called on a timer, not per request; a shared store
    /// lets its keys expire by themselves).
    fn sweep(&self, now: DateTime<Utc>);
}

/// The verdict of a request every quota of its class let through: the quota with the least left (on a tie, the
/// one whole again last) is what the headers report. `remaining` is each quota's spare burst after this request.
pub(super) fn tightest(allowed: impl IntoIterator<Item = (super::Quota, u32)>) -> Verdict {
    let mut tightest: Option<Verdict> = None;
    for (quota, remaining) in allowed {
        let reset = super::ceil_secs(quota.period().saturating_mul(quota.max.saturating_sub(remaining)));
        let candidate = Verdict { allowed: true, limit: quota.max, remaining, reset_secs: reset };
        if tightest.is_none_or(|t| remaining < t.remaining || (remaining == t.remaining && reset > t.reset_secs)) {
            tightest = Some(candidate);
        }
    }
    tightest.unwrap_or(Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 })
}

/// The verdict of a request `quota` refused, for `wait` until one may pass.
pub(super) fn refused(quota: super::Quota, wait: Duration) -> Verdict {
    Verdict { allowed: false, limit: quota.max, remaining: 0, reset_secs: super::ceil_secs(wait) }
}
