//! The data-lake backfill (B6): exports again every application created in a window of days, e.g. after the lake
//! was off, lost or wiped, or to fill the lake of a deployment that started with existing data.
//!
//! Safe while the service runs:
//! - the applications are listed in keyset pages of `BACKFILL_PAGE` (`created_at`, then `id`, ascending), each
//!   page one short query: no long transaction, nothing loaded whole, and an application created during the run
//!   after the cursor is still found (one created before it is not: run again to catch it, or rely on its
//!   `application.submitted` event);
//! - an application deleted between the listing and its export is counted `gone`, not failed;
//! - the export is the outbox handler's (`LakeExport`, R41–R42): the same day it rewrites the same keys with
//!   byte-identical objects (I2), so a backfill running beside the relay, or twice, leaves the same lake;
//! - an application whose export runs elsewhere at that moment (O6: a relay of any process holds its lock) is
//!   tried again after a pause, `BUSY_TRIES` times at most, then counted failed.
//!
//! Each failure is counted with its application's id (ids only, S12: the error text may quote a file name and is
//! not logged); the run goes on with the others, and the caller decides what a failure means (the CLI exits
//! non-zero). Only a failing listing stops the run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use futures_util::{TryStreamExt as _, stream};
use uuid::Uuid;

use super::{LakeExport, LakeExportError, LakeExportOutcome};
use crate::store::StoreError;

/// How many times an application whose export runs elsewhere (O6) is tried, `BUSY_PAUSE` apart.
const BUSY_TRIES: u32 = 50;
/// The pause between those tries: an export takes a few lake writes.
const BUSY_PAUSE: Duration = Duration::from_millis(100);

/// How many applications one listing query returns.
pub const BACKFILL_PAGE: u64 = 500;
/// How many exports run at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most exports run at once: beyond it the database pool and the lake are the bottleneck anyway.
pub const MAX_CONCURRENCY: usize = 32;

/// An application's place in creation order: the listing's keyset cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CreationKey {
    /// When the application was created.
    pub created_at: DateTime<Utc>,
    /// Its id: orders the applications created at the same instant.
    pub id: Uuid,
}

/// Which creation times a listing holds, both bounds inclusive; `None` is no bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CreatedWithin {
    /// The earliest creation time listed.
    pub since: Option<DateTime<Utc>>,
    /// The latest creation time listed.
    pub until: Option<DateTime<Utc>>,
}

impl CreatedWithin {
    /// Whether `at` is inside the bounds (what every adapter's query means).
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| at >= since) && self.until.is_none_or(|until| at <= until)
    }
}

/// Lists applications in creation order, for the backfill.
///
/// Contract: `created_page` returns at most `limit` applications (every status) whose `created_at` is within
/// `within` (both bounds inclusive), ordered by `created_at` then `id` ascending, starting strictly after `after`
/// (the last key of the previous page; `None` for the first page). Following the pages from `None` until one is
/// shorter than `limit` visits every such application exactly once, even when many share one `created_at`.
/// `count_created` counts the applications within `within` now. Each call is one short read, never a transaction
/// held across calls.
#[async_trait]
pub trait CreatedApplications: Send + Sync + std::fmt::Debug {
    /// How many applications were created within `within`.
    async fn count_created(&self, within: &CreatedWithin) -> Result<u64, StoreError>;
    /// The next page of creation keys after `after` (see the contract above).
    async fn created_page(
        &self,
        within: &CreatedWithin,
        after: Option<CreationKey>,
        limit: u64,
    ) -> Result<Vec<CreationKey>, StoreError>;
}

/// Why a backfill did not run, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    /// `since` is after `until`.
    #[error("--since ({since}) est postérieur à --until ({until}) : aucune candidature ne peut s'y trouver")]
    InvertedWindow {
        /// The first day asked for.
        since: NaiveDate,
        /// The last day asked for.
        until: NaiveDate,
    },
    /// A concurrency outside `1..=MAX_CONCURRENCY`.
    #[error("--concurrency doit être compris entre 1 et {max} (reçu : {got})", max = MAX_CONCURRENCY)]
    Concurrency {
        /// What was asked for.
        got: usize,
    },
    /// The listing failed (a failed export is counted, it does not stop the run).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The days whose applications are exported again: from `since` at 00:00 UTC to `until` at the end of the day
/// (23:59:59.999999…), both optional and inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BackfillWindow {
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
}

impl BackfillWindow {
    /// The days from `since` to `until`, both inclusive (either may be open); refused when `since` is after `until`.
    pub fn new(since: Option<NaiveDate>, until: Option<NaiveDate>) -> Result<Self, BackfillError> {
        if let (Some(since), Some(until)) = (since, until)
            && since > until
        {
            return Err(BackfillError::InvertedWindow { since, until });
        }
        Ok(Self { since, until })
    }

    /// The instants of the window: `until`'s last nanosecond is the day after's midnight less one nanosecond.
    pub fn created_within(self) -> CreatedWithin {
        let midnight = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc();
        CreatedWithin {
            since: self.since.map(midnight),
            until: self
                .until
                .map(|day| day.succ_opt().map_or(DateTime::<Utc>::MAX_UTC, midnight) - TimeDelta::nanoseconds(1)),
        }
    }
}

/// How many exports run at once: `1..=MAX_CONCURRENCY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concurrency(usize);

impl Concurrency {
    /// `exports` at once, between 1 and `MAX_CONCURRENCY`.
    pub fn new(exports: usize) -> Result<Self, BackfillError> {
        if !(1..=MAX_CONCURRENCY).contains(&exports) {
            return Err(BackfillError::Concurrency { got: exports });
        }
        Ok(Self(exports))
    }

    /// How many exports run at once.
    pub const fn get(self) -> usize {
        self.0
    }
}

impl Default for Concurrency {
    fn default() -> Self {
        Self(DEFAULT_CONCURRENCY)
    }
}

/// What happened to one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackfillResult {
    /// The export wrote its objects.
    Exported,
    /// Deleted between the listing and its export.
    Gone,
    /// The export failed; the run goes on with the others.
    Failed,
}

/// Hears the run's progress (a progress bar in the CLI). Called from the task running the backfill.
pub trait BackfillProgress: Send + Sync {
    /// Before the first export: how many applications the window held when the run started (an estimate: the
    /// service may add or delete some meanwhile).
    fn started(&self, expected: u64);
    /// After each export.
    fn advanced(&self, id: Uuid, result: BackfillResult);
}

/// Hears nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl BackfillProgress for NoProgress {
    fn started(&self, _: u64) {}
    fn advanced(&self, _: Uuid, _: BackfillResult) {}
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillSummary {
    /// Applications exported.
    pub exported: u64,
    /// Deleted between the listing and the export.
    pub gone: u64,
    /// The applications whose export failed, in creation order.
    pub failed: Vec<Uuid>,
    /// How long the run took.
    pub elapsed: Duration,
}

impl BackfillSummary {
    /// Every application the run went through.
    pub fn processed(&self) -> u64 {
        self.exported + self.gone + self.failed.len() as u64
    }

    /// Applications processed per second of the run (0 for an instant run).
    #[allow(clippy::cast_precision_loss)] // a rate to print
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 { self.processed() as f64 / seconds } else { 0.0 }
    }
}

/// Exports again the applications of a window (B6).
#[derive(Debug, Clone)]
pub struct LakeBackfill {
    listing: Arc<dyn CreatedApplications>,
    export: LakeExport,
    page_size: u64,
}

impl LakeBackfill {
    /// The backfill: `listing` walks the applications in creation order, `export` writes each (as the outbox handler
    /// does).
    pub fn new(listing: Arc<dyn CreatedApplications>, export: LakeExport) -> Self {
        Self { listing, export, page_size: BACKFILL_PAGE }
    }

    /// Lists `page_size` applications per query instead of `BACKFILL_PAGE` (at least 1).
    #[must_use]
    pub fn with_page_size(self, page_size: u64) -> Self {
        Self { page_size: page_size.max(1), ..self }
    }

    /// Exports every application of `window`, `concurrency` at a time.
    #[tracing::instrument(name = "lake.backfill", skip_all, fields(backfill.concurrency = concurrency.get()))]
    pub async fn run(
        &self,
        window: BackfillWindow,
        concurrency: Concurrency,
        progress: &dyn BackfillProgress,
    ) -> Result<BackfillSummary, BackfillError> {
        let started = Instant::now();
        let within = window.created_within();
        progress.started(self.listing.count_created(&within).await?);

        let (listing, page_size) = (&self.listing, self.page_size);
        let pages = stream::try_unfold(Some(None), move |cursor: Option<Option<CreationKey>>| async move {
            let Some(after) = cursor else { return Ok(None) };
            let page = listing.created_page(&within, after, page_size).await?;
            // A listing that does not move forward would export the same applications for ever.
            if !page.windows(2).all(|pair| pair[0] < pair[1])
                || after.zip(page.first()).is_some_and(|(after, first)| *first <= after)
            {
                return Err(StoreError::Unexpected(anyhow::anyhow!("la liste des candidatures n'avance pas")));
            }
            let next = (page.len() as u64 == page_size).then(|| page.last().copied());
            Ok::<_, StoreError>(Some((stream::iter(page.into_iter().map(Ok::<_, StoreError>)), next)))
        });
        let exports = pages
            .try_flatten()
            .map_ok(|key| async move { Ok((key, self.export_one(key.id).await)) })
            .try_buffer_unordered(concurrency.get());
        let mut exports = std::pin::pin!(exports);

        let mut summary = BackfillSummary::default();
        let mut failed = Vec::new();
        while let Some((key, result)) = exports.try_next().await? {
            match result {
                BackfillResult::Exported => summary.exported += 1,
                BackfillResult::Gone => summary.gone += 1,
                BackfillResult::Failed => failed.push(key),
            }
            progress.advanced(key.id, result);
        }
        failed.sort_unstable();
        summary.failed = failed.into_iter().map(|key| key.id).collect();
        summary.elapsed = started.elapsed();
        tracing::info!(
            backfill.exported = summary.exported,
            backfill.gone = summary.gone,
            backfill.failed = summary.failed.len(),
            "data-lake backfill finished"
        );
        Ok(summary)
    }

    async fn export_one(&self, id: Uuid) -> BackfillResult {
        let mut outcome = self.export.export(id).await;
        for _ in 1..BUSY_TRIES {
            if !matches!(outcome, Err(LakeExportError::Busy(_))) {
                break;
            }
            tokio::time::sleep(BUSY_PAUSE).await;
            outcome = self.export.export(id).await;
        }
        match outcome {
            Ok(LakeExportOutcome::Exported { .. }) => BackfillResult::Exported,
            Ok(LakeExportOutcome::NotFound) => BackfillResult::Gone,
            Err(_) => {
                // The error may quote a document's file name: the id only (S12).
                tracing::warn!(application.id = %id, "data-lake backfill: export failed");
                BackfillResult::Failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_window_runs_from_the_first_midnight_to_the_last_instant_of_the_last_day() {
        let within = BackfillWindow::new(Some(day("2026-03-01")), Some(day("2026-03-02"))).unwrap().created_within();
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc);
        assert_eq!(within.since, Some(at("2026-03-01T00:00:00Z")));
        assert_eq!(within.until, Some(at("2026-03-02T23:59:59.999999999Z")));
        assert!(within.contains(at("2026-03-01T00:00:00Z")));
        assert!(within.contains(at("2026-03-02T23:59:59.999999Z")));
        assert!(!within.contains(at("2026-02-28T23:59:59.999999Z")));
        assert!(!within.contains(at("2026-03-03T00:00:00Z")));
        let one_day = BackfillWindow::new(Some(day("2026-03-01")), Some(day("2026-03-01"))).unwrap();
        assert!(one_day.created_within().contains(at("2026-03-01T12:00:00Z")));
        assert_eq!(BackfillWindow::default().created_within(), CreatedWithin::default());
        assert!(CreatedWithin::default().contains(at("1970-01-01T00:00:00Z")));
    }

    #[test]
    fn an_inverted_window_and_a_concurrency_out_of_bounds_are_refused_in_french() {
        let error = BackfillWindow::new(Some(day("2026-03-02")), Some(day("2026-03-01"))).unwrap_err();
        assert_eq!(
            error.to_string(),
            "--since (2026-03-02) est postérieur à --until (2026-03-01) : aucune candidature ne peut s'y trouver"
        );
        for bad in [0, MAX_CONCURRENCY + 1] {
            let error = Concurrency::new(bad).unwrap_err();
            assert_eq!(error.to_string(), format!("--concurrency doit être compris entre 1 et 32 (reçu : {bad})"));
        }
        assert_eq!(Concurrency::new(MAX_CONCURRENCY).unwrap().get(), MAX_CONCURRENCY);
        assert_eq!(Concurrency::default().get(), DEFAULT_CONCURRENCY);
    }

    #[test]
    fn the_rate_counts_every_application_processed() {
        let summary =
            BackfillSummary { exported: 6, gone: 1, failed: vec![Uuid::nil()], elapsed: Duration::from_secs(2) };
        assert_eq!(summary.processed(), 8);
        assert!((summary.per_second() - 4.0).abs() < f64::EPSILON);
        assert!(BackfillSummary::default().per_second().abs() < f64::EPSILON);
    }
}
