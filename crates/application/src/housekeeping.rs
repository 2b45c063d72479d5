//! Housekeeping (O3 in docs/decisions.md): rows whose purpose has passed are removed on a schedule, so tables the service writes on every
//! request stay the size of their useful part.
//!
//! Four jobs, each one statement through its port:
//! - `outbox_done`: events handled (`done`) longer ago than the retention. Pending events and dead letters stay
//!   whatever their age: a dead letter waits until an operator retries it (I2).
//! - `idempotency_keys`: keys claimed before `IDEMPOTENCY_WINDOW` (I4): they replay nothing any more.
//! - `refresh_tokens`: tokens expired longer ago than the token retention: an expired token is refused whatever its
//!   row says (S4), so the row detects no reuse any more.
//! - `password_resets`: reset tokens expired longer ago than the token retention, used or not.
//!
//! Each job logs how many rows it removed (counts only, S12) and records it in the `seeg_housekeeping_removed_total`
//! counter and the time of its last run in the `seeg_housekeeping_last_run_seconds` gauge, both labelled `job`. A
//! job that fails is logged and the others still run; the next pass tries again. Several replicas running it at
//! once only find less to remove.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use tracing::instrument;

use crate::Clock;
use crate::idempotency::{IDEMPOTENCY_WINDOW, IdempotencyStore};
use crate::identity::{PasswordResetRepository, RefreshTokenRepository};
use crate::outbox::OutboxStore;
use crate::store::StoreError;

/// The longest retention accepted, in days (ten years): `now - retention` stays a date the calendar holds.
pub const MAX_RETENTION_DAYS: u32 = 3_650;

/// How long after the start the first pass runs: past the start-up's own work, well before any restart.
pub const FIRST_PASS_AFTER: Duration = Duration::from_secs(60);

/// The shortest retention of handled outbox events, in days: operators read recent ones (`/admin/outbox`).
pub const MIN_OUTBOX_DONE_RETENTION_DAYS: u32 = 1;

/// How long removed kinds of rows are kept after their purpose passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    outbox_done: TimeDelta,
    expired_tokens: TimeDelta,
}

/// A retention out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RetentionOutOfRange {
    /// `outbox_done_retention_days` outside `MIN_OUTBOX_DONE_RETENTION_DAYS..=MAX_RETENTION_DAYS`.
    #[error(
        "la rétention des événements traités doit être comprise entre {} et {} jours",
        MIN_OUTBOX_DONE_RETENTION_DAYS,
        MAX_RETENTION_DAYS
    )]
    OutboxDone,
    /// `expired_tokens_retention_days` above `MAX_RETENTION_DAYS`.
    #[error("la rétention des jetons expirés doit être comprise entre 0 et {} jours", MAX_RETENTION_DAYS)]
    ExpiredTokens,
}

impl Retention {
    /// Handled outbox events kept `outbox_done_days`, expired tokens `expired_tokens_days` past their expiry.
    pub fn days(outbox_done_days: u32, expired_tokens_days: u32) -> Result<Self, RetentionOutOfRange> {
        if !(MIN_OUTBOX_DONE_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&outbox_done_days) {
            return Err(RetentionOutOfRange::OutboxDone);
        }
        if expired_tokens_days > MAX_RETENTION_DAYS {
            return Err(RetentionOutOfRange::ExpiredTokens);
        }
        Ok(Self {
            outbox_done: TimeDelta::days(i64::from(outbox_done_days)),
            expired_tokens: TimeDelta::days(i64::from(expired_tokens_days)),
        })
    }
}

/// The jobs, by the name their log lines and metrics carry.
pub const JOBS: [&str; 4] = ["outbox_done", "idempotency_keys", "refresh_tokens", "password_resets"];

/// What one pass removed, per job; `None` for a job that failed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HousekeepingReport {
    /// Handled outbox events past the retention.
    pub outbox_done: Option<u64>,
    /// Idempotency keys past their window.
    pub idempotency_keys: Option<u64>,
    /// Refresh tokens expired past the retention.
    pub refresh_tokens: Option<u64>,
    /// Reset tokens expired past the retention.
    pub password_resets: Option<u64>,
}

/// The housekeeping use case.
#[derive(Debug, Clone)]
pub struct Housekeeping {
    outbox: Arc<dyn OutboxStore>,
    idempotency: Arc<dyn IdempotencyStore>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    password_resets: Arc<dyn PasswordResetRepository>,
    clock: Arc<dyn Clock>,
    retention: Retention,
}

impl Housekeeping {
    /// The jobs over their ports, removing what is older than `retention` at `clock`'s time.
    pub fn new(
        outbox: Arc<dyn OutboxStore>,
        idempotency: Arc<dyn IdempotencyStore>,
        refresh_tokens: Arc<dyn RefreshTokenRepository>,
        password_resets: Arc<dyn PasswordResetRepository>,
        clock: Arc<dyn Clock>,
        retention: Retention,
    ) -> Self {
        Self { outbox, idempotency, refresh_tokens, password_resets, clock, retention }
    }

    /// One pass of every job (see the module's documentation).
    #[instrument(name = "housekeeping.run", skip_all)]
    pub async fn run_once(&self) -> HousekeepingReport {
        let now = self.clock.now();
        let tokens_before = now - self.retention.expired_tokens;
        HousekeepingReport {
            outbox_done: self.job("outbox_done", self.outbox.prune_done(now - self.retention.outbox_done)).await,
            idempotency_keys: self
                .job("idempotency_keys", self.idempotency.remove_created_before(now - IDEMPOTENCY_WINDOW))
                .await,
            refresh_tokens: self.job("refresh_tokens", self.refresh_tokens.remove_expired(tokens_before)).await,
            password_resets: self.job("password_resets", self.password_resets.remove_expired(tokens_before)).await,
        }
    }

    async fn job(
        &self,
        name: &'static str,
        removal: impl std::future::Future<Output = Result<u64, StoreError>>,
    ) -> Option<u64> {
        match removal.await {
            Ok(removed) => {
                tracing::info!(housekeeping.job = name, housekeeping.removed = removed, "housekeeping job done");
                metrics::counter!("seeg_housekeeping_removed_total", "job" => name).increment(removed);
                #[allow(clippy::cast_precision_loss)] // seconds since 1970 fit a f64's 52 bits for ages
                metrics::gauge!("seeg_housekeeping_last_run_seconds", "job" => name)
                    .set(self.clock.now().timestamp() as f64);
                Some(removed)
            }
            Err(error) => {
                tracing::error!(housekeeping.job = name, error = %format!("{error:#}"), "housekeeping job failed");
                None
            }
        }
    }

    /// Runs every `interval`, for as long as the task runs. The first pass comes `FIRST_PASS_AFTER` after the start
    /// (or `interval`, if shorter): instances restarted more often than `interval` (rolling deploys, autoscaling)
    /// would otherwise never run one. Stopping the task at any point is safe: each statement deletes whole rows.
    pub async fn run(&self, interval: Duration) {
        tokio::time::sleep(interval.min(FIRST_PASS_AFTER)).await;
        loop {
            self.run_once().await;
            tokio::time::sleep(interval).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retentions_have_their_ranges() {
        assert_eq!(Retention::days(0, 0), Err(RetentionOutOfRange::OutboxDone));
        assert_eq!(Retention::days(MAX_RETENTION_DAYS + 1, 0), Err(RetentionOutOfRange::OutboxDone));
        assert_eq!(Retention::days(7, MAX_RETENTION_DAYS + 1), Err(RetentionOutOfRange::ExpiredTokens));
        let retention = Retention::days(MAX_RETENTION_DAYS, MAX_RETENTION_DAYS).unwrap();
        assert_eq!(retention.outbox_done, TimeDelta::days(3_650));
        assert_eq!(Retention::days(1, 0).unwrap().expired_tokens, TimeDelta::zero());
        assert_eq!(
            RetentionOutOfRange::OutboxDone.to_string(),
            "la rétention des événements traités doit être comprise entre 1 et 3650 jours"
        );
    }
}
