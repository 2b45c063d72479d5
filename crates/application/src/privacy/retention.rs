//! The retention of candidates' accounts (B7 in docs/decisions.md): an account inactive for `inactive_after` is
//! warned by an essential e-mail (B9), then erased through [`InactiveAccountEraser`] once `warning` has passed
//! without any activity.
//!
//! - *Subject accounts*: role `candidate`, statut other than `archivé` (staff accounts are never erased here).
//! - *Last activity*: the latest of the account's creation, its last sign-in and the last change of any of its
//!   applications (`applications.updated_at`).
//! - *To warn*: last activity before `now − inactive_after`, and no warning recorded after the last activity (a
//!   warning followed by activity no longer counts: the account is warned again when it falls inactive again).
//! - *To erase*: a warning recorded at W before `now − warning`, no activity since W (activity at W or later
//!   cancels it), and still inactive for `inactive_after`.
//!
//! A warning is one transaction: the account locked and checked again, the e-mail queued (outbox event and
//! `email_logs` row, I2, I8) and the warning recorded, so a warning is never recorded without its e-mail nor sent
//! twice. An erasure the eraser declines (`Ok(false)`: already erased, an application in progress) is counted as
//! skipped and looked at again on the next pass. Accounts are read in batches of [`RETENTION_BATCH`], in id
//! order, so each query is bounded whatever the number of accounts. Several replicas running the job at once
//! queue on the account's lock; the second finds the warning already recorded and skips it. Logs carry counts
//! and account ids only, never an address or a name (S12).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use seeg_domain::identity::{Role, UserStatus};
use tracing::instrument;
use uuid::Uuid;

use super::InactiveAccountEraser;
use crate::mail::{Outgoing, queue_mail, templates};
use crate::{Clock, IdGenerator, StoreError, UnitOfWork};

/// The `email_logs` kind of the warning e-mail.
pub const RETENTION_WARNING: &str = "retention_warning";

/// How many accounts one query reads.
pub const RETENTION_BATCH: u64 = 500;

/// The shortest inactivity before a warning, in days.
pub const MIN_INACTIVE_AFTER_DAYS: u32 = 30;
/// The longest inactivity before a warning, in days (ten years).
pub const MAX_INACTIVE_AFTER_DAYS: u32 = 3_650;
/// The shortest time between the warning and the erasure, in days.
pub const MIN_WARNING_DAYS: u32 = 1;
/// The longest time between the warning and the erasure, in days.
pub const MAX_WARNING_DAYS: u32 = 365;

/// How long after the start the first scheduled pass runs (as housekeeping's, O3).
pub const FIRST_PASS_AFTER: Duration = Duration::from_secs(60);

/// How long an account may stay inactive, and how long after its warning it is erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    inactive_after: TimeDelta,
    warning: TimeDelta,
}

/// A retention setting out of its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RetentionPolicyOutOfRange {
    /// `inactive_after_days` outside `MIN_INACTIVE_AFTER_DAYS..=MAX_INACTIVE_AFTER_DAYS`.
    #[error(
        "la durée d'inactivité avant l'avertissement doit être comprise entre {} et {} jours",
        MIN_INACTIVE_AFTER_DAYS,
        MAX_INACTIVE_AFTER_DAYS
    )]
    InactiveAfter,
    /// `warning_days` outside `MIN_WARNING_DAYS..=MAX_WARNING_DAYS`.
    #[error(
        "le délai entre l'avertissement et l'effacement doit être compris entre {} et {} jours",
        MIN_WARNING_DAYS,
        MAX_WARNING_DAYS
    )]
    Warning,
}

impl RetentionPolicy {
    /// Accounts inactive for `inactive_after_days` are warned, and erased `warning_days` after the warning.
    pub fn days(inactive_after_days: u32, warning_days: u32) -> Result<Self, RetentionPolicyOutOfRange> {
        if !(MIN_INACTIVE_AFTER_DAYS..=MAX_INACTIVE_AFTER_DAYS).contains(&inactive_after_days) {
            return Err(RetentionPolicyOutOfRange::InactiveAfter);
        }
        if !(MIN_WARNING_DAYS..=MAX_WARNING_DAYS).contains(&warning_days) {
            return Err(RetentionPolicyOutOfRange::Warning);
        }
        Ok(Self {
            inactive_after: TimeDelta::days(i64::from(inactive_after_days)),
            warning: TimeDelta::days(i64::from(warning_days)),
        })
    }

    /// The inactivity after which an account is warned.
    pub const fn inactive_after(&self) -> TimeDelta {
        self.inactive_after
    }

    /// The time between the warning and the erasure.
    pub const fn warning(&self) -> TimeDelta {
        self.warning
    }
}

/// An account the job looks at: its id and dates, nothing personal (S12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionCandidate {
    /// The account.
    pub user_id: Uuid,
    /// The latest of its creation, its last sign-in and its applications' last change.
    pub last_activity: DateTime<Utc>,
    /// When it was warned, if a warning is recorded (for an account to warn again: the one activity cancelled).
    pub warned_at: Option<DateTime<Utc>>,
}

/// The accounts the retention job warns and erases.
///
/// Contract: both lists hold only subject accounts (role `candidate`, statut other than `archivé`), with ids
/// greater than `after` (all when `None`), in id order, at most `limit`; `last_activity` is the latest of
/// `users.created_at`, `users.last_login` and the `updated_at` of the account's applications.
/// - `to_warn`: last activity before `inactive_before`, and no warning, or a warning at W with activity at W or
///   later.
/// - `due_for_erasure`: last activity before `inactive_before`, a warning at W before `warned_before`, and every
///   activity before W.
///
/// Each is one bounded query (the SQL adapter: an index on `applications.candidate_id`, the primary keys).
#[async_trait]
pub trait RetentionRepository: Send + Sync + std::fmt::Debug {
    /// Accounts to warn (see the contract above).
    async fn to_warn(
        &self,
        inactive_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError>;

    /// Accounts due for erasure (see the contract above).
    async fn due_for_erasure(
        &self,
        inactive_before: DateTime<Utc>,
        warned_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError>;
}

/// Records warnings, inside the transaction that queues their e-mail.
#[async_trait]
pub trait RetentionWarningWriter: Send {
    /// Records that `user_id` was warned at `at`, replacing an earlier warning of the account. An unknown account
    /// is an error (the table's key references `users`).
    async fn record_warning(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// When `user_id` was last warned, read inside the transaction (after the account's lock, so two passes at
    /// once see each other's warning).
    async fn warned_at(&mut self, user_id: Uuid) -> Result<Option<DateTime<Utc>>, StoreError>;
}

/// What the job does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetentionAction {
    /// Send the warning e-mail.
    Warn,
    /// Erase the account.
    Erase,
}

impl RetentionAction {
    /// The French verb the command prints.
    pub const fn as_french(self) -> &'static str {
        match self {
            Self::Warn => "avertir",
            Self::Erase => "effacer",
        }
    }
}

/// One account and what a pass would do to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedRetention {
    /// Warn or erase.
    pub action: RetentionAction,
    /// The account and its dates.
    pub account: RetentionCandidate,
}

/// What one pass did. Counts only (S12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Warning e-mails queued.
    pub warned: u64,
    /// Accounts erased.
    pub erased: u64,
    /// Accounts left as they were: the eraser declined, or the account changed since it was read (signed in).
    pub skipped: u64,
    /// Accounts whose warning or erasure failed (tried again on the next pass).
    pub failed: u64,
}

/// The retention job (see the module's documentation).
#[derive(Debug, Clone)]
pub struct RetentionJob {
    accounts: Arc<dyn RetentionRepository>,
    uow: Arc<dyn UnitOfWork>,
    eraser: Arc<dyn InactiveAccountEraser>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    policy: RetentionPolicy,
}

impl RetentionJob {
    /// The job over its ports, erasing through `eraser`.
    pub fn new(
        accounts: Arc<dyn RetentionRepository>,
        uow: Arc<dyn UnitOfWork>,
        eraser: Arc<dyn InactiveAccountEraser>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        policy: RetentionPolicy,
    ) -> Self {
        Self { accounts, uow, eraser, clock, ids, policy }
    }

    /// The policy the job applies.
    pub const fn policy(&self) -> RetentionPolicy {
        self.policy
    }

    /// What a pass at `now` would do, changing nothing: the accounts due for erasure, then those to warn, each in
    /// id order.
    #[instrument(name = "privacy.retention.plan", skip_all)]
    pub async fn plan(&self, now: DateTime<Utc>) -> Result<Vec<PlannedRetention>, StoreError> {
        let mut planned: Vec<PlannedRetention> = self
            .all_due(now)
            .await?
            .into_iter()
            .map(|account| PlannedRetention { action: RetentionAction::Erase, account })
            .collect();
        planned.extend(
            self.all_to_warn(now)
                .await?
                .into_iter()
                .map(|account| PlannedRetention { action: RetentionAction::Warn, account }),
        );
        Ok(planned)
    }

    /// One pass at `now`: erases the accounts due, then warns the inactive ones. A failure on one account is
    /// logged and counted, and the others are still done; a failed read stops the pass.
    #[instrument(name = "privacy.retention.run", skip_all)]
    pub async fn run(&self, now: DateTime<Utc>) -> Result<RetentionReport, StoreError> {
        let mut report = RetentionReport::default();
        let (inactive_before, warned_before) = self.thresholds(now);
        let mut after = None;
        loop {
            let batch = self.accounts.due_for_erasure(inactive_before, warned_before, after, RETENTION_BATCH).await?;
            for account in &batch {
                let reason = erasure_reason(account.last_activity.date_naive());
                let Some(warned_at) = account.warned_at else { continue };
                match self.eraser.erase_inactive(account.user_id, &reason, warned_at).await {
                    Ok(true) => {
                        tracing::info!(user.id = %account.user_id, "inactive account erased");
                        report.erased += 1;
                    }
                    Ok(false) => {
                        tracing::info!(user.id = %account.user_id, "inactive account not erased: declined");
                        report.skipped += 1;
                    }
                    Err(error) => {
                        tracing::error!(user.id = %account.user_id, error = %format!("{error:#}"), "erasure failed");
                        report.failed += 1;
                    }
                }
            }
            after = match batch.last() {
                Some(last) if batch.len() as u64 == RETENTION_BATCH => Some(last.user_id),
                _ => break,
            };
        }
        let mut after = None;
        loop {
            let batch = self.accounts.to_warn(inactive_before, after, RETENTION_BATCH).await?;
            for account in &batch {
                match self.warn(account.user_id, now).await {
                    Ok(true) => report.warned += 1,
                    Ok(false) => report.skipped += 1,
                    Err(error) => {
                        tracing::error!(user.id = %account.user_id, error = %format!("{error:#}"), "warning failed");
                        report.failed += 1;
                    }
                }
            }
            after = match batch.last() {
                Some(last) if batch.len() as u64 == RETENTION_BATCH => Some(last.user_id),
                _ => break,
            };
        }
        tracing::info!(
            retention.warned = report.warned,
            retention.erased = report.erased,
            retention.skipped = report.skipped,
            retention.failed = report.failed,
            "retention pass done"
        );
        Ok(report)
    }

    /// Runs a pass every `interval` at the clock's time, for as long as the task runs; the first comes
    /// `FIRST_PASS_AFTER` after the start (or `interval`, if shorter). Stopping the task at any point is safe:
    /// each warning is one transaction, each erasure the eraser's.
    pub async fn run_every(&self, interval: Duration) {
        tokio::time::sleep(interval.min(FIRST_PASS_AFTER)).await;
        loop {
            if let Err(error) = self.run(self.clock.now()).await {
                tracing::error!(error = %format!("{error:#}"), "retention pass failed");
            }
            tokio::time::sleep(interval).await;
        }
    }

    fn thresholds(&self, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
        (now - self.policy.inactive_after, now - self.policy.warning)
    }

    async fn all_to_warn(&self, now: DateTime<Utc>) -> Result<Vec<RetentionCandidate>, StoreError> {
        let (inactive_before, _) = self.thresholds(now);
        let mut all = Vec::new();
        loop {
            let after = all.last().map(|a: &RetentionCandidate| a.user_id);
            let batch = self.accounts.to_warn(inactive_before, after, RETENTION_BATCH).await?;
            let full = batch.len() as u64 == RETENTION_BATCH;
            all.extend(batch);
            if !full {
                return Ok(all);
            }
        }
    }

    async fn all_due(&self, now: DateTime<Utc>) -> Result<Vec<RetentionCandidate>, StoreError> {
        let (inactive_before, warned_before) = self.thresholds(now);
        let mut all = Vec::new();
        loop {
            let after = all.last().map(|a: &RetentionCandidate| a.user_id);
            let batch = self.accounts.due_for_erasure(inactive_before, warned_before, after, RETENTION_BATCH).await?;
            let full = batch.len() as u64 == RETENTION_BATCH;
            all.extend(batch);
            if !full {
                return Ok(all);
            }
        }
    }

    /// Warns `user_id` in one transaction: `Ok(false)` when the account, locked, is no longer one to warn (gone,
    /// archived, not a candidate, signed in since it was read).
    async fn warn(&self, user_id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let (inactive_before, _) = self.thresholds(now);
        let mut tx = self.uow.begin().await?;
        let Some(user) = tx.users().lock(user_id).await? else { return Ok(false) };
        let active_since = user.created_at >= inactive_before || user.last_login.is_some_and(|l| l >= inactive_before);
        if user.role != Role::Candidate || user.status == UserStatus::Archived || active_since {
            tracing::info!(user.id = %user_id, "retention warning skipped: the account changed");
            return Ok(false);
        }
        // Another pass (a replica, the command) warned it since this one read it: one warning only.
        let last_seen = user.last_login.map_or(user.created_at, |l| l.max(user.created_at));
        if tx.retention_warnings().warned_at(user_id).await?.is_some_and(|w| w >= last_seen) {
            tracing::info!(user.id = %user_id, "retention warning skipped: warned already");
            return Ok(false);
        }
        let erase_on = (now + self.policy.warning).date_naive();
        let rendered = templates::retention_warning(&user, erase_on);
        let mail = Outgoing::new(RETENTION_WARNING, &user.email, rendered).for_account(user_id);
        queue_mail(&mut *tx, &*self.ids, mail, now).await?;
        tx.retention_warnings().record_warning(user_id, now).await?;
        tx.commit().await?;
        tracing::info!(user.id = %user_id, "retention warning queued");
        Ok(true)
    }
}

/// The reason recorded with an erasure: "Conservation : compte inactif depuis le AAAA-MM-JJ".
pub fn erasure_reason(last_activity: NaiveDate) -> String {
    format!("Conservation : compte inactif depuis le {}", last_activity.format("%Y-%m-%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_has_its_ranges() {
        assert_eq!(RetentionPolicy::days(29, 30), Err(RetentionPolicyOutOfRange::InactiveAfter));
        assert_eq!(RetentionPolicy::days(3_651, 30), Err(RetentionPolicyOutOfRange::InactiveAfter));
        assert_eq!(RetentionPolicy::days(730, 0), Err(RetentionPolicyOutOfRange::Warning));
        assert_eq!(RetentionPolicy::days(730, 366), Err(RetentionPolicyOutOfRange::Warning));
        let policy = RetentionPolicy::days(730, 30).unwrap();
        assert_eq!((policy.inactive_after(), policy.warning()), (TimeDelta::days(730), TimeDelta::days(30)));
        let widest = RetentionPolicy::days(3_650, 365).unwrap();
        assert_eq!((widest.inactive_after(), widest.warning()), (TimeDelta::days(3_650), TimeDelta::days(365)));
        assert_eq!(RetentionPolicy::days(30, 1).unwrap().warning(), TimeDelta::days(1));
        assert_eq!(
            RetentionPolicyOutOfRange::Warning.to_string(),
            "le délai entre l'avertissement et l'effacement doit être compris entre 1 et 365 jours"
        );
    }

    #[test]
    fn the_reason_names_the_last_activity_day() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 9).unwrap();
        assert_eq!(erasure_reason(day), "Conservation : compte inactif depuis le 2024-03-09");
        assert_eq!((RetentionAction::Warn.as_french(), RetentionAction::Erase.as_french()), ("avertir", "effacer"));
    }
}
