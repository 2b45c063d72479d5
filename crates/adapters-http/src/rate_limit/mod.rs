//! Rate limits (S6): quotas per class of route and per client, with the standard headers, and growing delays for
//! an account after wrong passwords.
//!
//! - The class is that of the route the router matches (its resource pattern), never of the path's text: a
//!   percent-encoded or reshaped path that reaches the login handler is counted as a login (`quota`).
//! - The client is what the server verified: the user id of an access token whose signature checks, else the
//!   client address (the peer, or the right-most `X-Forwarded-For` hop that is not a configured trusted proxy;
//!   `client`).
//! - The counters live behind [`RateLimitStore`] (`store`); [`MemoryRateLimits`] keeps them in the process
//!   (`governor` GCRA keyed limiters, swept on a timer; `memory`); [`RedisRateLimits`] keeps the same counters in
//!   Redis, shared by every instance (`rate_limit.redis_url`; `redis`, O5).
//! - Wrong passwords delay the account (`login`); the middleware counts every request (`middleware`).
//!
//! The application's state holds the [`RateLimiter`]; this module reads it through [`Limits`], never by naming the
//! state.

mod client;
mod login;
mod memory;
mod middleware;
mod quota;
mod redis;
mod store;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ipnet::IpNet;
use seeg_application::identity::TokenService;

pub(crate) use client::ClientAddress;
pub use client::parse_trusted_proxy;
pub use login::LoginDelays;
pub(crate) use login::{login_attempt, reset_request};
pub use memory::MemoryRateLimits;
pub(crate) use middleware::limit;
pub use quota::{Class, Quota, classify};
pub use redis::{ManualClock, RedisRateLimits, RedisSetupError};
pub use store::{LoginCount, LoginKeys, LoginOutcome, LoginReservation, RateLimitStore, Verdict};

/// What the limits read from the application's state: its limiter, its clock, and the service that verifies
/// access tokens (a verified caller is counted per account). The state implements it, so that the limits, whose
/// `RateLimiter` the state holds, never name the state.
pub(crate) trait Limits: 'static {
    fn rate_limiter(&self) -> &RateLimiter;
    fn clock(&self) -> &Arc<dyn seeg_application::Clock>;
    fn tokens(&self) -> &TokenService;
}

/// The quotas of each class, and whom to believe about the client address.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks); empty: the peer address is the
    /// client.
    pub trusted_proxies: Vec<IpNet>,
    pub auth: Vec<Quota>,
    pub signup: Vec<Quota>,
    pub upload: Vec<Quota>,
    pub default: Vec<Quota>,
    /// Wrong passwords an account takes before each further one delays it.
    pub login_failures_free: u32,
    /// The longest such delay.
    pub login_delay_max: Duration,
}

impl RateLimitConfig {
    pub fn login_delays(&self) -> LoginDelays {
        LoginDelays { free: self.login_failures_free, max: self.login_delay_max }
    }

    pub(super) fn quotas(&self, class: Class) -> &[Quota] {
        match class {
            Class::Auth | Class::PasswordReset => &self.auth,
            Class::Signup => &self.signup,
            Class::Upload => &self.upload,
            Class::Default => &self.default,
        }
    }
}

/// Whole seconds, rounded up, at least 1.
pub(super) fn ceil_secs(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
}

/// The limits of the API: the configuration and the store of counters.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    config: RateLimitConfig,
    store: Arc<dyn RateLimitStore>,
}

impl RateLimiter {
    /// Counters in the process.
    pub fn new(config: RateLimitConfig) -> Self {
        let store = Arc::new(MemoryRateLimits::new(&config));
        Self { config, store }
    }

    /// Counters in `store` (shared by instances).
    pub fn with_store(config: RateLimitConfig, store: Arc<dyn RateLimitStore>) -> Self {
        Self { config, store }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Forgets what no longer limits anyone; call it on a timer.
    pub fn sweep(&self, now: DateTime<Utc>) {
        self.store.sweep(now);
    }

    /// Where the counters are, for readiness: `in_process` or `shared` (configuration, not state: see
    /// [`RateLimitStore::is_shared`]).
    pub fn store_kind(&self) -> &'static str {
        if self.store.is_shared() { "shared" } else { "in_process" }
    }

    /// How often [`Self::sweep`] should run.
    pub fn sweep_every(&self) -> Duration {
        Duration::from_secs(60)
    }
}

#[cfg(test)]
pub(super) mod testing {
    //! What the tests of the stores and of the login attempts share.

    use governor::clock::FakeRelativeClock;

    use super::*;

    pub(super) fn config(quotas: &[&str]) -> RateLimitConfig {
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

    pub(super) fn store(quotas: &[&str]) -> (MemoryRateLimits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (MemoryRateLimits::with_clock(&config(quotas), clock.clone()), clock)
    }

    pub(super) fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(secs)
    }

    pub(super) fn keys(account: &str, address: &str) -> LoginKeys {
        LoginKeys { account: format!("account:{account}"), pair: format!("failures:{account}/{address}") }
    }

    pub(super) const DELAYS: LoginDelays = LoginDelays { free: 3, max: Duration::from_secs(900) };

    /// One wrong password from `address` on `account`, admitted or not.
    pub(super) fn fail(l: &MemoryRateLimits<FakeRelativeClock>, keys: &LoginKeys, now: DateTime<Utc>) {
        let reservation = LoginReservation { keys: keys.clone(), id: u64::MAX, in_process: true };
        l.end_login_in_process(&reservation, LoginOutcome::PasswordWrong, now);
    }

    pub(super) fn count(l: &MemoryRateLimits<FakeRelativeClock>, key: &str) -> LoginCount {
        l.count(key)
    }
}
