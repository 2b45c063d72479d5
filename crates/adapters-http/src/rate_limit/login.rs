//! Wrong passwords (S6): the delays an account is under after them, and each password check as an attempt the
//! store admits, then ends with its outcome. Reset-link requests count in a bucket of their own.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{
    Class, ClientAddress, Limits, LoginCount, LoginKeys, LoginOutcome, LoginReservation, RateLimitStore, ceil_secs,
};
use crate::error::ApiError;

/// The delays after wrong passwords (S6): `free` failures, then a delay from the last failure that starts at 30 s
/// and doubles with each further failure, up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginDelays {
    pub free: u32,
    pub max: Duration,
}

/// The first delay after the free failures; each further failure doubles it, up to [`LoginDelays::max`].
const FIRST_DELAY: Duration = Duration::from_secs(30);

impl LoginDelays {
    /// The delay a key with `failures` wrong passwords is under, from its last failure.
    pub fn after(self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free)?;
        let doubled = FIRST_DELAY.saturating_mul(2_u32.saturating_pow(beyond.min(31)));
        Some(doubled.min(self.max))
    }

    /// Whether one more attempt may try a password now (`Err`: how long until one could), from what the store holds
    /// for the (account, address) pair and for the account.
    ///
    /// An address with no failure and no attempt in flight on the account is never held (no targeted lockout).
    /// Any other waits out the account's delay; and attempts in flight count as the failures they may become, so
    /// that parallel guesses get no more tries than guesses one after the other: an attempt that would be held once
    /// those in flight failed is held now, for the delay their failures would set.
    pub fn admit(self, pair: LoginCount, account: LoginCount, now: DateTime<Utc>) -> Result<(), Duration> {
        if pair.failures == 0 && pair.in_flight == 0 {
            return Ok(());
        }
        if let (Some(delay), Some(last)) = (self.after(account.failures), account.last_failure) {
            let until = chrono::TimeDelta::from_std(delay).ok().and_then(|d| last.checked_add_signed(d));
            let left = until.map_or(delay, |until| (until - now).to_std().unwrap_or_default());
            if !left.is_zero() {
                return Err(left);
            }
        }
        if account.in_flight > 0
            && let Some(delay) = self.after(account.failures.saturating_add(account.in_flight))
        {
            return Err(delay);
        }
        Ok(())
    }
}

/// The account an e-mail names, as counter key (lower-cased, digested: a fixed size whatever is sent).
fn account_key(account: &str) -> String {
    format!("account:{}", short_digest(&[account.trim().to_lowercase().as_bytes()]))
}

/// Wrong passwords are counted per account, and per (account, client address): the account's count sets the
/// delay, which holds only the addresses that already failed on it. Guesses spread over many addresses meet the
/// account's count after one try each, while the owner signing in from an address that made no wrong guess is
/// never held (no targeted lockout).
fn failure_key(account: &str, client: &ClientAddress) -> String {
    format!("failures:{}", short_digest(&[account.trim().to_lowercase().as_bytes(), b"\n", client.0.as_bytes()]))
}

fn short_digest(parts: &[&[u8]]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Forgot-password requests, per account named, in their own bucket (S6): whether a reset link may be sent now.
/// Past the quota the caller gets the usual answer and no new link (the latest one sent still works): a 429 would
/// let anyone deny the owner's own request, and tell that the address is being targeted.
pub(crate) async fn reset_request(state: &impl Limits, account: &str) -> bool {
    let limiter = state.rate_limiter();
    !limiter.config.enabled || limiter.store.check(Class::PasswordReset, &account_key(account)).await.allowed
}

/// Before a password is checked: admitted, or refused while the account is under a delay for its wrong passwords,
/// so guesses spread over many addresses still meet the account's count (S6), and no password is tried meanwhile
/// (the answer would tell a right guess). The check and the reservation of the attempt are one step of the store:
/// guesses sent in parallel get no more tries than guesses sent one after the other.
pub(crate) async fn login_attempt(
    state: &impl Limits,
    req: &actix_web::HttpRequest,
    account: &str,
) -> Result<LoginAttempt, ApiError> {
    let limiter = state.rate_limiter();
    if !limiter.config.enabled {
        return Ok(LoginAttempt { held: None });
    }
    let keys = LoginKeys { account: account_key(account), pair: failure_key(account, &ClientAddress::of(req)) };
    let now = state.clock().now();
    match limiter.store.begin_login(&keys, limiter.config.login_delays(), now).await {
        Ok(reservation) => Ok(LoginAttempt {
            held: Some(HeldAttempt { store: limiter.store.clone(), clock: state.clock().clone(), reservation }),
        }),
        Err(wait) => {
            metrics::counter!("seeg_rate_limit_rejections_total", "class" => "login_failures").increment(1);
            Err(ApiError::RateLimited { limit: limiter.config.login_failures_free, reset_secs: ceil_secs(wait) })
        }
    }
}

/// A login attempt admitted to check a password, in flight in the store until [`Self::checked`]. Dropped before
/// (a store error, a request dropped mid-check), it releases its reservation and counts nothing: at once for the
/// in-process store, from a task of its own for a shared one (without a runtime, the shared store lets it lapse).
#[derive(Debug)]
#[must_use = "an attempt ends with `checked`, or releases its reservation when dropped"]
pub(crate) struct LoginAttempt {
    /// `None`: limits off.
    held: Option<HeldAttempt>,
}

#[derive(Debug)]
struct HeldAttempt {
    store: Arc<dyn RateLimitStore>,
    clock: Arc<dyn seeg_application::Clock>,
    reservation: LoginReservation,
}

impl LoginAttempt {
    /// After the password was checked: a wrong one counts for the account and for this address; a right one
    /// clears this address's count (the account's own count fades after `forget_after`), and frees the owner's
    /// address only: the attackers' addresses stay held.
    pub(crate) async fn checked(mut self, password_right: bool) {
        let outcome = if password_right { LoginOutcome::PasswordRight } else { LoginOutcome::PasswordWrong };
        if let Some(held) = self.held.take() {
            held.end(outcome).await;
        }
    }
}

impl HeldAttempt {
    async fn end(self, outcome: LoginOutcome) {
        self.store.end_login(&self.reservation, outcome, self.clock.now()).await;
    }
}

impl Drop for LoginAttempt {
    fn drop(&mut self) {
        use futures_util::FutureExt as _;
        let Some(held) = self.held.take() else { return };
        let mut release = Box::pin(held.end(LoginOutcome::Unchecked));
        if (&mut release).now_or_never().is_none()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            runtime.spawn(release);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use governor::clock::FakeRelativeClock;

    use super::super::MemoryRateLimits;
    use super::super::testing::{DELAYS, at, config, count, keys, store};
    use super::*;

    #[test]
    fn delays_grow_after_the_free_failures_up_to_the_maximum() {
        let d = config(&["5/minute"]).login_delays();
        assert_eq!(d, DELAYS);
        assert_eq!(d.after(2), None);
        assert_eq!(d.after(3), Some(Duration::from_secs(30)));
        assert_eq!(d.after(4), Some(Duration::from_secs(60)));
        assert_eq!(d.after(8), Some(Duration::from_secs(900)));
        assert_eq!(d.after(u32::MAX), Some(Duration::from_secs(900)));
    }

    #[derive(Debug)]
    struct At(DateTime<Utc>);

    impl seeg_application::Clock for At {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn attempt(l: &Arc<MemoryRateLimits<FakeRelativeClock>>, k: &LoginKeys) -> LoginAttempt {
        let reservation = l.begin_login_in_process(k, DELAYS, at(0)).unwrap();
        let store: Arc<dyn RateLimitStore> = l.clone();
        LoginAttempt { held: Some(HeldAttempt { store, clock: Arc::new(At(at(5))), reservation }) }
    }

    #[tokio::test]
    async fn an_attempt_dropped_before_its_check_releases_its_reservation_and_counts_nothing() {
        let l = Arc::new(store(&["5/minute"]).0);
        let k = keys("cible", "ip:a");
        let dropped = attempt(&l, &k);
        assert_eq!(count(&l, &k.account).in_flight, 1);
        drop(dropped);
        assert_eq!(count(&l, &k.account), LoginCount::default());
        assert_eq!(count(&l, &k.pair), LoginCount::default());
        attempt(&l, &k).checked(false).await;
        assert_eq!(count(&l, &k.account), LoginCount { failures: 1, last_failure: Some(at(5)), in_flight: 0 });
        assert_eq!(count(&l, &k.pair).failures, 1);
    }
}
