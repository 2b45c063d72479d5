//! The rules of the transactional outbox (I2): states of an event and when a failed event is tried again.

use std::time::Duration;

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Where an outbox event stands.
    pub enum OutboxState {
        /// Waiting for its handler (first run or a retry).
        Pending => "pending",
        /// Handled successfully; never run again.
        Done => "done",
        /// Failed `max_attempts` times; waits for an operator to retry it.
        Dead => "dead",
    }
}

/// What to do with an event whose handler just failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Try again once `delay` has passed.
    RetryAfter(Duration),
    /// Stop: the event goes to the dead letters.
    DeadLetter,
}

/// Exponential backoff with jitter, up to a number of attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
}

/// A retry policy that could never run an event or never wait.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RetryPolicyError {
    /// `max_attempts` is 0: the event would never run.
    #[error("max_attempts must be at least 1")]
    NoAttempt,
    /// `base_delay` is zero or above `max_delay`.
    #[error("base_delay must be positive and not above max_delay")]
    BadDelays,
}

impl RetryPolicy {
    /// A policy that dead-letters an event after `max_attempts` failed runs and waits between runs from `base_delay`,
    /// doubling, up to `max_delay`. Refuses zero attempts and a zero or inverted delay range.
    pub fn new(max_attempts: u32, base_delay: Duration, max_delay: Duration) -> Result<Self, RetryPolicyError> {
        if max_attempts == 0 {
            return Err(RetryPolicyError::NoAttempt);
        }
        if base_delay.is_zero() || base_delay > max_delay {
            return Err(RetryPolicyError::BadDelays);
        }
        Ok(Self { max_attempts, base_delay, max_delay })
    }

    /// How many failed runs send an event to the dead letters.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Decides after the `attempts`-th failed run (1 for the first run).
    ///
    /// The wait doubles with each attempt (`base × 2^(attempts-1)`, capped at `max_delay`); `jitter` in `[0, 1)`
    /// spreads it over its upper half ("equal jitter"), so relays that failed together do not retry together
    /// while the wait still grows with every attempt.
    pub fn after_failure(&self, attempts: u32, jitter: f64) -> AfterFailure {
        if attempts >= self.max_attempts {
            return AfterFailure::DeadLetter;
        }
        let exponent = attempts.saturating_sub(1).min(31);
        let ceiling = self.base_delay.saturating_mul(1_u32 << exponent).min(self.max_delay);
        let half = ceiling / 2;
        let spread = half.mul_f64(jitter.clamp(0.0, 1.0));
        AfterFailure::RetryAfter(half + spread)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy::new(5, Duration::from_secs(2), Duration::from_secs(60)).unwrap()
    }

    #[test]
    fn waits_grow_exponentially_and_stay_under_the_cap() {
        let p = policy();
        let at = |n, j| match p.after_failure(n, j) {
            AfterFailure::RetryAfter(d) => d,
            AfterFailure::DeadLetter => Duration::MAX,
        };
        assert_eq!(at(1, 0.0), Duration::from_secs(1));
        assert_eq!(at(1, 1.0), Duration::from_secs(2));
        assert_eq!(at(2, 0.0), Duration::from_secs(2));
        assert_eq!(at(3, 0.5), Duration::from_secs(6));
        assert_eq!(at(4, 1.0), Duration::from_secs(16));
        let capped = RetryPolicy::new(40, Duration::from_secs(2), Duration::from_secs(60)).unwrap();
        assert_eq!(capped.after_failure(39, 1.0), AfterFailure::RetryAfter(Duration::from_secs(60)));
    }

    #[test]
    fn the_last_attempt_dead_letters() {
        let p = policy();
        assert!(matches!(p.after_failure(4, 0.3), AfterFailure::RetryAfter(_)));
        assert_eq!(p.after_failure(5, 0.3), AfterFailure::DeadLetter);
        assert_eq!(p.after_failure(9, 0.3), AfterFailure::DeadLetter);
    }

    #[test]
    fn nonsense_policies_are_refused() {
        assert_eq!(
            RetryPolicy::new(0, Duration::from_secs(1), Duration::from_secs(2)),
            Err(RetryPolicyError::NoAttempt)
        );
        assert_eq!(RetryPolicy::new(3, Duration::ZERO, Duration::from_secs(2)), Err(RetryPolicyError::BadDelays));
        assert_eq!(
            RetryPolicy::new(3, Duration::from_secs(3), Duration::from_secs(2)),
            Err(RetryPolicyError::BadDelays)
        );
    }

    #[test]
    fn states_round_trip() {
        for s in OutboxState::ALL {
            assert_eq!(s.as_str().parse::<OutboxState>(), Ok(s));
        }
    }
}
