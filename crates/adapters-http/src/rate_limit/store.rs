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
/// calls, a store shared by every instance (Redis: one script per call).
///
/// Each login call is one atomic step for the keys it names: two processes (or two workers) calling at once see
/// each other's effect, never an interleaving.
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Counts one request of `key` in `class`; every quota of the class applies.
    fn check(&self, class: Class, key: &str) -> Verdict;
    /// Before a password is checked, in ONE atomic step: reads the pair's and the account's counts (failures, last
    /// failure, attempts in flight), decides with [`LoginDelays::admit`], and when admitted reserves the attempt
    /// (one more in flight on both keys). A check followed by a separate reservation would let parallel guesses
    /// all pass before any of them counts. Refused: nothing is written, and `Err` says how long to wait.
    ///
    /// A shared store lets a reservation lapse after a bound well above a password check (a process that dies
    /// mid-check never ends it); in one process, the reservations die with it.
    fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration>;
    /// After the password was checked (or not, see [`LoginOutcome::Unchecked`]): releases the reservation and
    /// applies the outcome, in one atomic step. A reservation already ended or lapsed releases nothing; a wrong
    /// password still counts.
    fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>);
    /// Forgets what no longer limits anyone (called on a timer, not per request).
    fn sweep(&self, now: DateTime<Utc>);
}
