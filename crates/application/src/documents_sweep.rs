//! The orphan-document sweep (DESIGN "Submit an application"): removes objects of the `DocumentStore` that no
//! application document names any more, once they are older than a grace period.
//!
//! Why orphans exist: a submission stores its bytes BEFORE its transaction (a row must never name missing bytes),
//! so a refused commit (a concurrent duplicate, I4), a crash between the two, or an upload abandoned mid-stream
//! leaves objects under `documents/` or `uploads/` that no `application_documents.storage_key` names.
//!
//! One pass: list `documents/` and `uploads/`; keep every object modified after `now - grace`; ask the store, in
//! batches of `REFERENCE_BATCH` keys (never every row), which of the older ones a document row names; delete the
//! others.
//!
//! Why an object referenced by a row committed after the listing is not lost: such a row was written by a
//! submission whose bytes were stored while it ran, and a submission runs for at most the request's lifetime
//! (minutes: bodies are bounded, 56 MiB at most), far below the grace period (at least `MIN_GRACE_HOURS`, a day
//! by default). So when the sweep lists an object older than the grace period, the submission that wrote
//! it has long finished: it committed (its row exists before the listing, the reference query sees it) or it
//! failed (the object is a true orphan). An object written by a submission still running is younger than the
//! grace period and is kept. Concurrent sweeps (several replicas) only delete the same orphans twice, which the
//! store's `delete` allows.
//!
//! Content addressing: the same bytes sent again re-use the object, which can be an OLD orphan about to be
//! swept. Storing bytes always rewrites their object (see `DocumentStore`), so a re-used object is young again;
//! and the sweep reads each object's modification time again right before deleting it, after the reference
//! query, skipping any object re-used meanwhile. What is left is the instant between that last read and the
//! delete (one store round trip), and only for the exact bytes of an orphan older than the grace period.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeDelta;
use tracing::instrument;

use crate::Clock;
use crate::documents::{DOCUMENTS_PREFIX, DocumentStore, DocumentStoreError, StoredObject, UPLOADS_PREFIX};
use crate::store::StoreError;

/// How many keys one reference query asks about: bounded queries, whatever the size of the store.
pub const REFERENCE_BATCH: usize = 500;

/// Which stored keys application documents name.
///
/// Contract: `referenced` returns the keys of `keys` that at least one application document row names in its
/// `storage_key`, each once; keys no row names (unknown ones, `uploads/…`) are absent. It reads only the rows
/// of those keys (an index lookup), whatever the number of documents; callers send at most `REFERENCE_BATCH`
/// keys at a time.
#[async_trait]
pub trait DocumentReferences: Send + Sync + std::fmt::Debug {
    /// The keys among `keys` that a document row names (see the contract above).
    async fn referenced(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError>;
}

/// How old an unreferenced object must be before the sweep removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GracePeriod(TimeDelta);

/// The grace period was shorter than `MIN_GRACE_HOURS` or longer than `MAX_GRACE_HOURS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "le délai de grâce du nettoyage des documents doit être compris entre {} et {} heures",
    MIN_GRACE_HOURS,
    MAX_GRACE_HOURS
)]
pub struct GraceOutOfRange;

/// The shortest grace period accepted, in hours: far longer than any upload and commit.
pub const MIN_GRACE_HOURS: u32 = 1;
/// The longest, in hours (ten years): `now - grace` must stay a date the calendar holds (a grace of `u32::MAX`
/// hours reaches back before year -262 143, where date arithmetic panics).
pub const MAX_GRACE_HOURS: u32 = 87_600;
/// The grace period by default, in hours.
pub const DEFAULT_GRACE_HOURS: u32 = 24;

impl GracePeriod {
    /// A grace period of `hours`, between `MIN_GRACE_HOURS` and `MAX_GRACE_HOURS`.
    pub fn hours(hours: u32) -> Result<Self, GraceOutOfRange> {
        if !(MIN_GRACE_HOURS..=MAX_GRACE_HOURS).contains(&hours) {
            return Err(GraceOutOfRange);
        }
        Ok(Self(TimeDelta::hours(i64::from(hours))))
    }

    /// The period as a duration.
    pub const fn as_delta(self) -> TimeDelta {
        self.0
    }
}

impl Default for GracePeriod {
    fn default() -> Self {
        Self(TimeDelta::hours(i64::from(DEFAULT_GRACE_HOURS)))
    }
}

/// What one pass found and did. Counts only: no key, no name (S12).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Objects under `documents/` and `uploads/`.
    pub listed: usize,
    /// Kept: modified within the grace period.
    pub young: usize,
    /// Kept: named by an application document.
    pub referenced: usize,
    /// Orphans removed (in a dry run: that would have been removed).
    pub removed: usize,
    /// Orphans whose deletion failed (they are tried again on the next pass).
    pub failed: usize,
    /// Whether the pass only counted (nothing deleted).
    pub dry_run: bool,
}

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// Listing or reading the document storage failed.
    #[error(transparent)]
    Storage(#[from] DocumentStoreError),
    /// The reference query failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The sweep use case.
#[derive(Debug, Clone)]
pub struct DocumentSweep {
    documents: Arc<dyn DocumentStore>,
    references: Arc<dyn DocumentReferences>,
    clock: Arc<dyn Clock>,
    grace: GracePeriod,
}

impl DocumentSweep {
    /// The sweep of `documents`, asking `references` which keys rows name, and removing orphans older than `grace`.
    pub fn new(
        documents: Arc<dyn DocumentStore>,
        references: Arc<dyn DocumentReferences>,
        clock: Arc<dyn Clock>,
        grace: GracePeriod,
    ) -> Self {
        Self { documents, references, clock, grace }
    }

    /// One pass. A listing or reference query that fails stops it (nothing more is deleted); a failed deletion
    /// is counted and the pass goes on. `dry_run` deletes nothing and reports what would go.
    #[instrument(name = "documents.sweep", skip_all, fields(sweep.dry_run = dry_run))]
    pub async fn sweep(&self, dry_run: bool) -> Result<SweepReport, SweepError> {
        let cutoff = self.clock.now() - self.grace.as_delta();
        let mut report = SweepReport { dry_run, ..SweepReport::default() };
        let mut old: Vec<StoredObject> = Vec::new();
        for prefix in [DOCUMENTS_PREFIX, UPLOADS_PREFIX] {
            for object in self.documents.list(prefix).await? {
                report.listed += 1;
                if object.last_modified > cutoff {
                    report.young += 1;
                } else {
                    old.push(object);
                }
            }
        }
        let mut keys: Vec<String> = old.into_iter().map(|o| o.key).collect();
        keys.sort_unstable();
        keys.dedup();
        for batch in keys.chunks(REFERENCE_BATCH) {
            let referenced = self.references.referenced(batch).await?;
            for key in batch {
                if referenced.contains(key) {
                    report.referenced += 1;
                } else if dry_run {
                    report.removed += 1;
                } else if !self.still_old(key, cutoff, &mut report).await {
                    // Re-used (rewritten) since the listing, or gone already.
                } else {
                    match self.documents.delete(key).await {
                        Ok(()) => report.removed += 1,
                        Err(error) => {
                            report.failed += 1;
                            tracing::warn!(error = %format!("{error:#}"), "orphan document not removed");
                        }
                    }
                }
            }
        }
        tracing::info!(
            sweep.listed = report.listed,
            sweep.young = report.young,
            sweep.referenced = report.referenced,
            sweep.removed = report.removed,
            sweep.failed = report.failed,
            "document sweep done"
        );
        Ok(report)
    }

    /// Whether `key` is still older than `cutoff`, read again just before deleting it: a submission may have
    /// re-used it since the listing. A re-used object counts as young; a vanished one as nothing; a failed read
    /// as a failure (nothing deleted).
    async fn still_old(&self, key: &str, cutoff: chrono::DateTime<chrono::Utc>, report: &mut SweepReport) -> bool {
        match self.documents.stat(key).await {
            Ok(object) if object.last_modified > cutoff => {
                report.young += 1;
                false
            }
            Ok(_) => true,
            Err(DocumentStoreError::NotFound) => false,
            Err(error) => {
                report.failed += 1;
                tracing::warn!(error = %format!("{error:#}"), "orphan document not checked again");
                false
            }
        }
    }

    /// Sweeps every `interval`, for as long as the task runs (the first pass after one interval, so a start-up
    /// does no storage scan). A failed pass is logged and the next one tries again. Stopping the task at any
    /// point is safe: a pass only deletes orphans, one at a time, and the next pass finds the rest.
    pub async fn run(&self, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            if let Err(error) = self.sweep(false).await {
                tracing::error!(error = %format!("{error:#}"), "document sweep failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grace_period_has_a_floor_a_ceiling_and_a_day_by_default() {
        assert_eq!(GracePeriod::hours(0), Err(GraceOutOfRange));
        assert_eq!(GracePeriod::hours(MIN_GRACE_HOURS).unwrap().as_delta(), TimeDelta::hours(1));
        assert_eq!(GracePeriod::hours(MAX_GRACE_HOURS).unwrap().as_delta(), TimeDelta::hours(87_600));
        assert_eq!(GracePeriod::hours(MAX_GRACE_HOURS + 1), Err(GraceOutOfRange));
        assert_eq!(GracePeriod::hours(u32::MAX), Err(GraceOutOfRange));
        assert_eq!(GracePeriod::default().as_delta(), TimeDelta::hours(24));
        // The longest grace still leaves a date the calendar holds, far in the past.
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-05T00:00:00Z").unwrap().to_utc();
        let earliest = now.checked_sub_signed(GracePeriod::hours(MAX_GRACE_HOURS).unwrap().as_delta());
        assert!(earliest.is_some_and(|earliest| earliest.format("%Y").to_string() == "2016"));
        assert_eq!(
            GraceOutOfRange.to_string(),
            "le délai de grâce du nettoyage des documents doit être compris entre 1 et 87600 heures"
        );
    }
}
