//! The data-lake backfill (B6): the `CreatedApplications` listing on every backend (creation order, inclusive
//! bounds, keyset pages with no gap and no duplicate across equal `created_at`), and the `LakeBackfill` use case
//! over each store with a lake that counts its writes: each application exported exactly once per run, the same
//! bytes the second time, the window's days only, deletions counted `gone`, failures reported by id.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use seeg_adapters_blob::{BlobStorage, LakeStorage};
use seeg_application::StoreError;
use seeg_application::applications::{
    BackfillProgress, BackfillResult, BackfillSummary, BackfillWindow, Concurrency, CreatedApplications, CreatedWithin,
    CreationKey, LakeBackfill, NoProgress,
};
use seeg_application::documents::DocumentStore;
use seeg_application::lake::{DataLake, LakeObject};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use seeg_tests::applications::committed;
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

use crate::applications::document;
use crate::lake_export::exporter;

fn key(a: &Application) -> CreationKey {
    CreationKey { created_at: a.created_at, id: a.id }
}

fn sorted_keys<'a>(applications: impl IntoIterator<Item = &'a Application>) -> Vec<CreationKey> {
    let mut keys: Vec<CreationKey> = applications.into_iter().map(key).collect();
    keys.sort();
    keys
}

/// Follows the pages of `limit` from the start, as the backfill does, checking each page's size.
async fn every_page(listing: &dyn CreatedApplications, within: &CreatedWithin, limit: u64) -> Vec<CreationKey> {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let page = listing.created_page(within, after, limit).await.unwrap();
        assert!(page.len() as u64 <= limit, "a page holds at most {limit}");
        assert!(after.zip(page.first()).is_none_or(|(after, first)| *first > after), "strictly after the cursor");
        let last = (page.len() as u64) < limit;
        after = page.last().copied();
        all.extend(page);
        if last {
            return all;
        }
    }
}

async fn the_listing_pages_in_creation_order_within_inclusive_bounds(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let listing = p.created_applications.as_ref();
    let everything = CreatedWithin::default();
    assert!(listing.created_page(&everything, None, 10).await.unwrap().is_empty());
    assert_eq!(listing.count_created(&everything).await.unwrap(), 0);

    // Twelve applications created three at a time: pages split groups sharing one `created_at`.
    let at = |minutes: i64| base_time() + TimeDelta::minutes(minutes);
    let created: Vec<DateTime<Utc>> = (0..12).map(|i| at(10 * (i / 3))).rev().collect();
    let applications = committed(&p, &created).await;
    let all = sorted_keys(&applications);
    assert_eq!(listing.created_page(&everything, None, 100).await.unwrap(), all, "created_at, then id");
    assert_eq!(listing.count_created(&everything).await.unwrap(), 12);
    for limit in [1, 2, 3, 5, 12, 13] {
        assert_eq!(every_page(listing, &everything, limit).await, all, "pages of {limit}: no gap, no duplicate");
    }
    assert_eq!(listing.created_page(&everything, Some(all[4]), 3).await.unwrap(), all[5..8], "strictly after");
    assert!(listing.created_page(&everything, Some(all[11]), 3).await.unwrap().is_empty());

    // Both bounds inclusive, to the microsecond every store keeps.
    let within = CreatedWithin { since: Some(at(10)), until: Some(at(20)) };
    assert_eq!(every_page(listing, &within, 2).await, all[3..9]);
    assert_eq!(listing.count_created(&within).await.unwrap(), 6);
    let within = CreatedWithin { since: Some(at(10) + TimeDelta::microseconds(1)), until: Some(at(30)) };
    assert_eq!(every_page(listing, &within, 4).await, all[6..]);
    let within = CreatedWithin { since: None, until: Some(at(10) - TimeDelta::microseconds(1)) };
    assert_eq!(every_page(listing, &within, 4).await, all[..3]);
    let within = CreatedWithin { since: Some(at(31)), until: None };
    assert!(every_page(listing, &within, 4).await.is_empty());
    assert_eq!(listing.count_created(&within).await.unwrap(), 0);

    // Every status is listed.
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().update_status(all[0].id, ApplicationStatus::Refuse, at(40)).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(every_page(listing, &everything, 5).await, all);
}

/// A lake that records every object put, then writes it to `inner`; puts of keys naming `failing` fail.
#[derive(Debug)]
struct CountingLake {
    inner: LakeStorage,
    puts: Mutex<Vec<(String, Bytes)>>,
    failing: Option<Uuid>,
}

impl CountingLake {
    fn new(failing: Option<Uuid>) -> Arc<Self> {
        Arc::new(Self { inner: LakeStorage::memory(), puts: Mutex::default(), failing })
    }

    /// The puts since the last call, in order.
    fn take(&self) -> Vec<(String, Bytes)> {
        std::mem::take(&mut *self.puts.lock().unwrap())
    }
}

#[async_trait]
impl DataLake for CountingLake {
    async fn put(&self, object: LakeObject) -> anyhow::Result<()> {
        if self.failing.is_some_and(|id| object.key.contains(&id.to_string())) {
            anyhow::bail!("lac indisponible pour {}", object.key);
        }
        self.puts.lock().unwrap().push((object.key.clone(), object.bytes.clone()));
        self.inner.put(object).await
    }

    async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        DataLake::keys(&self.inner, prefix).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        DataLake::delete(&self.inner, key).await
    }
}

/// The day of `crate::lake_export::exporter`'s clock: the partition of every export here.
const EXPORT_DAY: &str = "2026-06-03";

fn backfill(p: &Ports, documents: Arc<dyn DocumentStore>, lake: Arc<dyn DataLake>) -> LakeBackfill {
    LakeBackfill::new(Arc::clone(&p.created_applications), exporter(p, documents, lake))
}

/// How many times each application's `fact_applications` object was put.
fn fact_puts(puts: &[(String, Bytes)]) -> BTreeMap<Uuid, usize> {
    let prefix = format!("facts/fact_applications/ingestion_date={EXPORT_DAY}/");
    let mut counts = BTreeMap::new();
    for (key, _) in puts {
        if let Some(id) = key.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".json")) {
            *counts.entry(Uuid::parse_str(id).unwrap()).or_default() += 1;
        }
    }
    counts
}

/// Records what the backfill reports.
#[derive(Default)]
struct Recorder {
    started: Mutex<Vec<u64>>,
    advanced: Mutex<Vec<(Uuid, BackfillResult)>>,
}

impl BackfillProgress for Recorder {
    fn started(&self, expected: u64) {
        self.started.lock().unwrap().push(expected);
    }

    fn advanced(&self, id: Uuid, result: BackfillResult) {
        self.advanced.lock().unwrap().push((id, result));
    }
}

async fn one_run_exports_each_of_a_thousand_applications_exactly_once(backend: Backend) {
    let (p, _db) = ports(backend).await;
    // A thousand applications over three days, several at each instant (the keyset's tie-break).
    let created: Vec<DateTime<Utc>> = (0..1000).map(|i| base_time() + TimeDelta::minutes(i / 4 * 17)).collect();
    let applications = committed(&p, &created).await;
    // A few with a PDF, so the run copies documents too.
    let documents = BlobStorage::memory();
    let mut tx = p.uow.begin().await.unwrap();
    for a in &applications[..3] {
        let stored = documents.put(Bytes::from_static(b"%PDF-1.4\n% cv\n%%EOF\n")).await.unwrap();
        let row = seeg_application::applications::ApplicationDocument {
            storage_key: stored.key,
            sha256: stored.sha256,
            file_size: stored.size,
            ..document(a.id, DocumentType::Cv, 1)
        };
        tx.applications().insert_document(&row).await.unwrap();
    }
    tx.commit().await.unwrap();

    let lake = CountingLake::new(None);
    let backfill = backfill(&p, Arc::new(documents), lake.clone());
    let progress = Recorder::default();
    let summary = backfill.run(BackfillWindow::default(), Concurrency::new(8).unwrap(), &progress).await.unwrap();
    assert_eq!((summary.exported, summary.gone, summary.failed.len()), (1000, 0, 0), "{summary:?}");
    assert_eq!(*progress.started.lock().unwrap(), [1000]);
    let advanced = progress.advanced.lock().unwrap().clone();
    assert_eq!(advanced.len(), 1000);
    assert!(advanced.iter().all(|(_, result)| *result == BackfillResult::Exported));

    let first = lake.take();
    let counts = fact_puts(&first);
    let ids: BTreeMap<Uuid, usize> = applications.iter().map(|a| (a.id, 1)).collect();
    assert_eq!(counts, ids, "each application's fact put exactly once, and only theirs");
    let pdfs = first.iter().filter(|(key, _)| key.starts_with("documents/")).count();
    assert_eq!(pdfs, 3);

    // Again the same day: the same puts, byte for byte, each fact once more.
    let summary = backfill.run(BackfillWindow::default(), Concurrency::default(), &NoProgress).await.unwrap();
    assert_eq!((summary.exported, summary.gone, summary.failed.len()), (1000, 0, 0), "{summary:?}");
    let second = lake.take();
    assert_eq!(fact_puts(&second), ids);
    let (mut first, mut second) = (first, second);
    first.sort();
    second.sort();
    assert_eq!(first.len(), second.len());
    assert!(first == second, "the second run wrote the same keys with the same bytes");
}

async fn since_and_until_select_the_applications_created_on_those_days(backend: Backend) {
    let (p, _db) = ports(backend).await;
    // Three per day from 1 to 5 March: at midnight, mid-day, and the last microsecond.
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap();
    let mut created = Vec::new();
    for d in 1..=5 {
        let midnight = day(d).and_hms_opt(0, 0, 0).unwrap().and_utc();
        created.extend([
            midnight,
            midnight + TimeDelta::milliseconds(12 * 3_600_000 + 500),
            midnight + TimeDelta::days(1) - TimeDelta::microseconds(1),
        ]);
    }
    let applications = committed(&p, &created).await;
    let lake = CountingLake::new(None);
    let backfill = backfill(&p, Arc::new(BlobStorage::memory()), lake.clone());
    let cases = [
        (Some(day(2)), Some(day(4))),
        (Some(day(4)), None),
        (None, Some(day(1))),
        (Some(day(3)), Some(day(3))),
        (Some(day(6)), None),
        (None, None),
    ];
    for (since, until) in cases {
        let window = BackfillWindow::new(since, until).unwrap();
        let summary = backfill.run(window, Concurrency::default(), &NoProgress).await.unwrap();
        let day_of = |a: &&Application| a.created_at.date_naive();
        let expected: BTreeMap<Uuid, usize> = applications
            .iter()
            .filter(|a| since.is_none_or(|s| day_of(a) >= s) && until.is_none_or(|u| day_of(a) <= u))
            .map(|a| (a.id, 1))
            .collect();
        assert_eq!(summary.exported, expected.len() as u64, "{since:?}..{until:?}");
        assert_eq!(fact_puts(&lake.take()), expected, "{since:?}..{until:?}");
    }
}

/// A listing that deletes `victim` once it has listed it: the application goes between listing and export.
#[derive(Debug)]
struct DeletingListing {
    inner: Arc<dyn CreatedApplications>,
    ports: Ports,
    victim: Uuid,
}

#[async_trait]
impl CreatedApplications for DeletingListing {
    async fn count_created(&self, within: &CreatedWithin) -> Result<u64, StoreError> {
        self.inner.count_created(within).await
    }

    async fn created_page(
        &self,
        within: &CreatedWithin,
        after: Option<CreationKey>,
        limit: u64,
    ) -> Result<Vec<CreationKey>, StoreError> {
        let page = self.inner.created_page(within, after, limit).await?;
        if page.iter().any(|k| k.id == self.victim) {
            let mut tx = self.ports.uow.begin().await?;
            assert!(tx.applications().delete(self.victim, None).await?);
            tx.commit().await?;
        }
        Ok(page)
    }
}

async fn a_deleted_application_is_gone_and_a_failed_export_is_reported_by_id(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let created: Vec<DateTime<Utc>> = (0..7).map(|i| base_time() + TimeDelta::seconds(i)).collect();
    let applications = committed(&p, &created).await;
    let (victim, failing) = (applications[2].id, applications[5].id);
    let lake = CountingLake::new(Some(failing));
    let listing = DeletingListing { inner: Arc::clone(&p.created_applications), ports: p.clone(), victim };
    let export = exporter(&p, Arc::new(BlobStorage::memory()), lake.clone());
    let backfill = LakeBackfill::new(Arc::new(listing), export).with_page_size(3);
    let summary = backfill.run(BackfillWindow::default(), Concurrency::new(2).unwrap(), &NoProgress).await.unwrap();
    assert_eq!(
        BackfillSummary { elapsed: summary.elapsed, ..summary.clone() },
        BackfillSummary { exported: 5, gone: 1, failed: vec![failing], elapsed: summary.elapsed }
    );
    let written = fact_puts(&lake.take());
    assert!(!written.contains_key(&victim) && !written.contains_key(&failing), "{written:?}");
    assert_eq!(written.len(), 5);
}

/// A listing whose every page is its first: it never moves forward.
#[derive(Debug)]
struct StuckListing(Arc<dyn CreatedApplications>);

#[async_trait]
impl CreatedApplications for StuckListing {
    async fn count_created(&self, within: &CreatedWithin) -> Result<u64, StoreError> {
        self.0.count_created(within).await
    }

    async fn created_page(
        &self,
        within: &CreatedWithin,
        _: Option<CreationKey>,
        limit: u64,
    ) -> Result<Vec<CreationKey>, StoreError> {
        self.0.created_page(within, None, limit).await
    }
}

#[tokio::test]
async fn a_listing_that_does_not_move_forward_stops_the_run_instead_of_looping() {
    let (p, _db) = ports(Backend::Memory).await;
    let created: Vec<DateTime<Utc>> = (0..5).map(|i| base_time() + TimeDelta::seconds(i)).collect();
    committed(&p, &created).await;
    let lake = CountingLake::new(None);
    let export = exporter(&p, Arc::new(BlobStorage::memory()), lake.clone());
    let backfill = LakeBackfill::new(Arc::new(StuckListing(Arc::clone(&p.created_applications))), export);
    let error = backfill.with_page_size(2).run(BackfillWindow::default(), Concurrency::default(), &NoProgress).await;
    assert_eq!(error.unwrap_err().to_string(), "la liste des candidatures n'avance pas");
    // Exports of the first page may have been under way when the second came back: never more than those.
    assert!(fact_puts(&lake.take()).len() <= 2, "nothing past the first page");
}

on_backends!(Memory, Sqlite, Postgres =>
    the_listing_pages_in_creation_order_within_inclusive_bounds,
    one_run_exports_each_of_a_thousand_applications_exactly_once,
    since_and_until_select_the_applications_created_on_those_days,
    a_deleted_application_is_gone_and_a_failed_export_is_reported_by_id,
);
