//! The orphan-document sweep: the `DocumentReferences` port on every backend, and the sweep itself on every
//! store (Memory, Local, Azurite), with a clock the test moves instead of waiting a day.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use chrono::TimeDelta;
use seeg_adapters_blob::BlobStorage;
use seeg_adapters_memory::{ManualClock, MemoryStore};
use seeg_application::documents::{
    ByteStream, DOCUMENTS_PREFIX, DocumentStore, DocumentStoreError, DocumentUpload, StoredDocument, StoredObject,
    UPLOADS_PREFIX, document_key,
};
use seeg_application::documents_sweep::{DocumentReferences, DocumentSweep, GracePeriod, REFERENCE_BATCH, SweepReport};
use seeg_application::{Clock, StoreError, SystemClock};
use seeg_domain::applications::DocumentType;
use seeg_domain::identity::User;
use seeg_domain::offers::JobOffer;
use seeg_tests::storage::{Storage, test_storage};
use seeg_tests::{Backend, Ports, on_backends, ports};

use crate::applications::{application, document, setup};

fn pdf(label: &str) -> Bytes {
    Bytes::from(seeg_tests::pdf::labelled_pdf(label))
}

/// An application of `candidate` (to `offer`) whose documents name `keys`, committed, or rolled back.
async fn application_naming(p: &Ports, candidate: &User, offer: &JobOffer, keys: &[String], commit: bool) {
    let a = application(candidate.id, offer.id, 0);
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&a).await.unwrap();
    for (minutes, key) in (0_i64..).zip(keys) {
        let mut d = document(a.id, DocumentType::Autres, minutes);
        d.storage_key.clone_from(key);
        tx.applications().insert_document(&d).await.unwrap();
    }
    if commit {
        tx.commit().await.unwrap();
    }
}

fn key(n: usize) -> String {
    document_key(&format!("{n:0>64x}"))
}

async fn only_keys_named_by_a_document_row_are_referenced(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let refs = &p.document_references;
    assert!(refs.referenced(&[]).await.unwrap().is_empty());
    assert!(refs.referenced(&[key(1)]).await.unwrap().is_empty(), "no rows, no references");

    // Two applications share one object (the same CV sent twice): it is answered once.
    let (users, jobs) = setup(&p, 3, 1).await;
    application_naming(&p, &users[0], &jobs[0], &[key(1), key(2)], true).await;
    application_naming(&p, &users[1], &jobs[0], &[key(2)], true).await;
    let asked = [key(2), key(3), format!("{UPLOADS_PREFIX}{}", key(1)), key(1), key(2)];
    assert_eq!(refs.referenced(&asked).await.unwrap(), BTreeSet::from([key(1), key(2)]));

    // A batch larger than the sweep's is still answered exactly.
    let many: Vec<String> = (1..=REFERENCE_BATCH * 2 + 1).map(key).collect();
    assert_eq!(refs.referenced(&many).await.unwrap(), BTreeSet::from([key(1), key(2)]));

    // A document rolled back names nothing.
    application_naming(&p, &users[2], &jobs[0], &[key(9)], false).await;
    assert!(refs.referenced(&[key(9)]).await.unwrap().is_empty());
}

on_backends!(Memory, Sqlite, Postgres => only_keys_named_by_a_document_row_are_referenced);

/// Every key under the two prefixes the sweep looks at, sorted.
async fn stored_keys(store: &dyn DocumentStore) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for prefix in [DOCUMENTS_PREFIX, UPLOADS_PREFIX] {
        keys.extend(store.list(prefix).await.unwrap().into_iter().map(|o| o.key));
    }
    keys.sort();
    keys
}

async fn orphans_older_than_the_grace_period_go_and_the_rest_stays(kind: Storage) {
    let s = test_storage(kind);
    let store: Arc<dyn DocumentStore> = Arc::new(s.storage.clone());
    let (p, _) = ports(Backend::Memory).await;

    let kept = store.put(pdf("cv soumis")).await.unwrap();
    let shared = store.put(pdf("diplôme soumis")).await.unwrap();
    let (users, jobs) = setup(&p, 1, 1).await;
    application_naming(&p, &users[0], &jobs[0], &[kept.key.clone(), shared.key.clone()], true).await;
    // A refused commit's bytes, and a temporary upload left behind (under `uploads/`).
    let orphan = store.put(pdf("candidature refusée")).await.unwrap();
    let leftover = s.storage.prefixed(UPLOADS_PREFIX.trim_end_matches('/')).put(pdf("envoi interrompu")).await.unwrap();
    let leftover_key = format!("{UPLOADS_PREFIX}{}", leftover.key);
    let before = stored_keys(store.as_ref()).await;
    assert_eq!(before.len(), 4);
    assert!(before.contains(&leftover_key), "{before:?}");

    let grace = GracePeriod::hours(24).unwrap();
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let sweep = DocumentSweep::new(Arc::clone(&store), Arc::clone(&p.document_references), clock.clone(), grace);

    let report = sweep.sweep(false).await.unwrap();
    assert_eq!(report, SweepReport { listed: 4, young: 4, ..SweepReport::default() }, "all within the grace");
    clock.advance(TimeDelta::hours(23));
    assert_eq!(sweep.sweep(false).await.unwrap().young, 4, "23 h later, still within it");
    assert_eq!(stored_keys(store.as_ref()).await, before);

    clock.advance(TimeDelta::hours(2));
    let dry = sweep.sweep(true).await.unwrap();
    assert_eq!(dry, SweepReport { listed: 4, referenced: 2, removed: 2, dry_run: true, ..SweepReport::default() });
    assert_eq!(stored_keys(store.as_ref()).await, before, "a dry run removes nothing");

    let report = sweep.sweep(false).await.unwrap();
    assert_eq!(report, SweepReport { listed: 4, referenced: 2, removed: 2, ..SweepReport::default() });
    let mut left = vec![kept.key.clone(), shared.key.clone()];
    left.sort();
    assert_eq!(stored_keys(store.as_ref()).await, left);
    assert!(!left.contains(&orphan.key));
    assert_eq!(store.size(&kept.key).await.unwrap(), kept.size, "referenced bytes still readable");

    let again = sweep.sweep(false).await.unwrap();
    assert_eq!(again, SweepReport { listed: 2, referenced: 2, ..SweepReport::default() }, "nothing left to do");
}

mod stores {
    use super::orphans_older_than_the_grace_period_go_and_the_rest_stays;
    seeg_tests::on_storages!(Memory, Local, Azure, S3 => orphans_older_than_the_grace_period_go_and_the_rest_stays);
}

mod reuse {
    use super::an_orphan_reused_during_the_pass_is_kept;
    // Azurite keeps modification times to the second: the re-use below would fall in the same second.
    seeg_tests::on_storages!(Memory, Local => an_orphan_reused_during_the_pass_is_kept);
}

/// A submission storing `bytes` again while the pass runs, between its listing and its deletes.
#[derive(Debug)]
struct ReusedMeanwhile {
    store: Arc<dyn DocumentStore>,
    bytes: Bytes,
}

#[async_trait]
impl DocumentReferences for ReusedMeanwhile {
    async fn referenced(&self, _keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        self.store.put(self.bytes.clone()).await.map_err(|e| StoreError::Unexpected(e.into()))?;
        // Its row is not committed yet: nothing is referenced.
        Ok(BTreeSet::new())
    }
}

async fn an_orphan_reused_during_the_pass_is_kept(kind: Storage) {
    let s = test_storage(kind);
    let store: Arc<dyn DocumentStore> = Arc::new(s.storage.clone());
    let reused = store.put(pdf("orphelin réutilisé")).await.unwrap();
    let orphan = store.put(pdf("orphelin")).await.unwrap();
    let listed = store.list(DOCUMENTS_PREFIX).await.unwrap();
    let newest = listed.iter().map(|o| o.last_modified).max().unwrap();
    // Both objects are exactly at or before the cutoff: old orphans.
    let grace = GracePeriod::hours(24).unwrap();
    let clock = Arc::new(ManualClock::new(newest + TimeDelta::hours(24)));
    let references = Arc::new(ReusedMeanwhile { store: Arc::clone(&store), bytes: pdf("orphelin réutilisé") });
    let report = DocumentSweep::new(Arc::clone(&store), references, clock, grace).sweep(false).await.unwrap();
    assert_eq!((report.listed, report.removed, report.young), (2, 1, 1), "{report:?}");
    assert_eq!(stored_keys(store.as_ref()).await, vec![reused.key.clone()], "the re-used object stays");
    assert!(matches!(store.stat(&orphan.key).await, Err(DocumentStoreError::NotFound)));
}

/// Records the size of each reference query.
#[derive(Debug)]
struct CountingReferences {
    inner: MemoryStore,
    batches: Mutex<Vec<usize>>,
}

#[async_trait]
impl DocumentReferences for CountingReferences {
    async fn referenced(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        self.batches.lock().unwrap().push(keys.len());
        self.inner.referenced(keys).await
    }
}

#[tokio::test]
async fn references_are_asked_in_bounded_batches() {
    let store: Arc<dyn DocumentStore> = Arc::new(BlobStorage::memory());
    let total = REFERENCE_BATCH + 7;
    for n in 0..total {
        store.put(pdf(&format!("orphelin {n}"))).await.unwrap();
    }
    let references = Arc::new(CountingReferences { inner: MemoryStore::new(), batches: Mutex::new(Vec::new()) });
    let clock = Arc::new(ManualClock::new(SystemClock.now() + TimeDelta::days(2)));
    let sweep = DocumentSweep::new(Arc::clone(&store), references.clone(), clock, GracePeriod::default());
    let report = sweep.sweep(false).await.unwrap();
    assert_eq!((report.listed, report.removed), (total, total));
    assert_eq!(*references.batches.lock().unwrap(), [REFERENCE_BATCH, 7]);
    assert!(stored_keys(store.as_ref()).await.is_empty());
}

/// A store whose deletions fail: the pass counts them, goes on, and reports them.
#[derive(Debug)]
struct Undeletable(BlobStorage);

#[async_trait]
impl DocumentStore for Undeletable {
    async fn put(&self, bytes: Bytes) -> Result<StoredDocument, DocumentStoreError> {
        self.0.put(bytes).await
    }
    async fn begin_upload(&self) -> Result<Box<dyn DocumentUpload>, DocumentStoreError> {
        self.0.begin_upload().await
    }
    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream, DocumentStoreError> {
        self.0.read(key, range).await
    }
    async fn size(&self, key: &str) -> Result<u64, DocumentStoreError> {
        self.0.size(key).await
    }
    async fn delete(&self, _key: &str) -> Result<(), DocumentStoreError> {
        Err(anyhow::anyhow!("stockage indisponible").into())
    }
    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, DocumentStoreError> {
        self.0.list(prefix).await
    }
    async fn stat(&self, key: &str) -> Result<StoredObject, DocumentStoreError> {
        self.0.stat(key).await
    }
}

#[tokio::test]
async fn a_failed_deletion_is_counted_and_the_pass_goes_on() {
    let store: Arc<dyn DocumentStore> = Arc::new(Undeletable(BlobStorage::memory()));
    store.put(pdf("a")).await.unwrap();
    store.put(pdf("b")).await.unwrap();
    let clock = Arc::new(ManualClock::new(SystemClock.now() + TimeDelta::days(2)));
    let sweep = DocumentSweep::new(Arc::clone(&store), Arc::new(MemoryStore::new()), clock, GracePeriod::default());
    let report = sweep.sweep(false).await.unwrap();
    assert_eq!((report.listed, report.removed, report.failed), (2, 0, 2));
    assert_eq!(stored_keys(store.as_ref()).await.len(), 2);
}
