//! The data-lake export (K4, legacy R41–R42) of a sample submission, read through the ports of each store and
//! written to a memory lake (which keeps metadata), a local-folder lake (bytes only) and, when `TEST_AZURITE_URL`
//! is set, an Azure Blob lake on Azurite, and when `TEST_S3_URL` is set an S3 lake on moto (both keep metadata and
//! content types): the three JSON documents
//! equal the golden files in `tests/golden/lake/` byte for byte (fixed clock and ids; `UPDATE_SNAPSHOTS=1`
//! rewrites them), the PDFs are copied to their R41 paths, and a second run the same day writes the same keys
//! with the same bytes.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use seeg_adapters_blob::{BlobStorage, LakeStorage};
use seeg_adapters_memory::ManualClock;
use seeg_application::applications::{
    ApplicationDocument, LakeExport, LakeExportError, LakeExportHandler, LakeExportOutcome,
};
use seeg_application::documents::DocumentStore;
use seeg_application::lake::{DataLake, LakeObject};
use seeg_application::locks::LockKey;
use seeg_application::outbox::{OutboxEvent, OutboxHandler as _};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType, MtpAnswers, Reference};
use seeg_domain::identity::{CandidateProfile, User};
use seeg_domain::offers::JobOffer;
use seeg_tests::eventually::eventually;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use serde_json::json;
use uuid::Uuid;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/golden/lake");
const CANDIDATE: Uuid = Uuid::from_u128(0x0001_0000_0000_4000_8000_0000_0000_0001);
const OFFER: Uuid = Uuid::from_u128(0x0002_0000_0000_4000_8000_0000_0000_0002);
const APPLICATION: Uuid = Uuid::from_u128(0x0003_0000_0000_4000_8000_0000_0000_0003);
const PROFILE: Uuid = Uuid::from_u128(0x0004_0000_0000_4000_8000_0000_0000_0004);

/// The export runs on 2026-06-03 at 23:59:59.5 UTC: the partition is that day, not the application's.
fn export_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-03T23:59:59.5Z").unwrap().with_timezone(&Utc)
}

/// Bytes of their own (not `seeg_tests::pdf`): the golden files hold their sizes and hashes.
fn pdf(text: &str) -> Bytes {
    Bytes::from(format!("%PDF-1.4\n% {text}\n%%EOF\n"))
}

struct Sample {
    candidate: User,
    job: JobOffer,
    application: Application,
    documents: Vec<(ApplicationDocument, Bytes)>,
}

async fn seed(p: &Ports, documents: &dyn DocumentStore) -> Sample {
    let candidate = User { id: CANDIDATE, matricule: Some(4512), ..user("awa.ndong@example.com") };
    let mut profile = CandidateProfile::seeded_from(&candidate, PROFILE, base_time() + TimeDelta::minutes(2));
    profile.skills = vec!["Électrotechnique".into(), "Gestion d'équipe".into()];
    profile.availability = Some("Dans 1 mois".into());
    profile.expected_salary_min = Some(600_000);
    let job = JobOffer { id: OFFER, ..offer("Ingénieur Électricité « Réseaux »", 0) };
    let created = base_time() + TimeDelta::days(1);
    let application = Application {
        id: APPLICATION,
        candidate_id: CANDIDATE,
        job_offer_id: OFFER,
        status: ApplicationStatus::Candidature,
        reference_contacts: Some("M. Obame, 077 00 00 00".into()),
        availability_start: Some(base_time() + TimeDelta::days(30)),
        has_been_manager: false,
        reference: Reference {
            entreprise: Some("SEEG".into()),
            fullname: Some("Jean Obame".into()),
            mail: Some("j.obame@example.com".into()),
            contact: Some("+24177000001".into()),
        },
        mtp_answers: MtpAnswers::from_stored(
            vec!["Réponse métier 1".into(), "Réponse métier 2".into()],
            vec!["Réponse talent".into()],
            Vec::new(),
        ),
        created_at: created,
        updated_at: created,
    };
    let mut rows = Vec::new();
    for ((kind, name), i) in [
        (DocumentType::Cv, "cv_awa.pdf"),
        (DocumentType::CoverLetter, "lettre.pdf"),
        (DocumentType::Diplome, "diplôme.pdf"),
    ]
    .into_iter()
    .zip(0_u8..)
    {
        let bytes = pdf(name);
        let stored = documents.put(bytes.clone()).await.unwrap();
        let row = ApplicationDocument {
            id: Uuid::from_u128(0x10 + u128::from(i)),
            application_id: APPLICATION,
            document_type: kind,
            file_name: name.into(),
            file_size: stored.size,
            file_type: "application/pdf".into(),
            storage_key: stored.key,
            sha256: stored.sha256,
            uploaded_at: created + TimeDelta::seconds(i64::from(i)),
        };
        rows.push((row, bytes));
    }
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&candidate).await.unwrap();
    tx.candidate_profiles().save(&profile).await.unwrap();
    tx.offers().insert(&job).await.unwrap();
    tx.applications().insert(&application).await.unwrap();
    for (row, _) in &rows {
        tx.applications().insert_document(row).await.unwrap();
    }
    tx.commit().await.unwrap();
    Sample { candidate, job, application, documents: rows }
}

/// The export on 2026-06-03 (`export_time`).
pub(crate) fn exporter(p: &Ports, documents: Arc<dyn DocumentStore>, lake: Arc<dyn DataLake>) -> LakeExport {
    LakeExport::new(
        Arc::clone(&p.applications),
        Arc::clone(&p.users),
        Arc::clone(&p.candidate_profiles),
        Arc::clone(&p.offers),
        documents,
        lake,
        Arc::clone(&p.locks),
        Arc::new(ManualClock::new(export_time())),
    )
}

/// The R41 keys of the sample, JSON first then PDFs, as the export writes them.
fn expected_keys(sample: &Sample) -> Vec<String> {
    let d = "2026-06-03";
    let mut keys = vec![
        format!("dimensions/dim_candidates/ingestion_date={d}/{}.json", sample.candidate.id),
        format!("dimensions/dim_job_offers/ingestion_date={d}/{}.json", sample.job.id),
        format!("facts/fact_applications/ingestion_date={d}/{}.json", sample.application.id),
    ];
    keys.extend(
        sample.documents.iter().map(|(row, _)| {
            format!("documents/ingestion_date={d}/{APPLICATION}/{}_{}", row.document_type, row.file_name)
        }),
    );
    keys
}

fn compare_with_golden(name: &str, bytes: &[u8]) {
    let path = format!("{GOLDEN}/{name}.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&path, bytes).unwrap();
    }
    let golden = std::fs::read(&path).expect("golden file missing: run with UPDATE_SNAPSHOTS=1");
    assert!(
        golden == bytes,
        "{name} differs from its golden file (review, then UPDATE_SNAPSHOTS=1):\n{}",
        String::from_utf8_lossy(bytes)
    );
}

async fn objects(lake: &LakeStorage, keys: &[String]) -> Vec<LakeObject> {
    let mut found = Vec::new();
    for key in keys {
        found.push(lake.get(key).await.unwrap().unwrap_or_else(|| panic!("{key} missing")));
    }
    found
}

/// Checks one lake after an export of the sample; `metadata`: whether the backend keeps attributes.
async fn check_lake(lake: &LakeStorage, sample: &Sample, metadata: bool) -> Vec<LakeObject> {
    let keys = expected_keys(sample);
    let mut all = lake.keys("").await.unwrap();
    all.sort();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(all, sorted, "exactly the R41 objects");
    let found = objects(lake, &keys).await;
    for (name, object) in ["dim_candidates", "dim_job_offers", "fact_applications"].into_iter().zip(&found) {
        compare_with_golden(name, &object.bytes);
    }
    for ((_, bytes), object) in sample.documents.iter().zip(&found[3..]) {
        assert_eq!(&object.bytes, bytes, "{} copied as is", object.key);
    }
    if metadata {
        let date = "2026-06-03".to_owned();
        let meta = |pairs: &[(&str, String)]| {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect::<std::collections::BTreeMap<_, _>>()
        };
        let dim = |table: &str, pk: Uuid| {
            meta(&[("table", table.to_owned()), ("pk", pk.to_string()), ("ingestion_date", date.clone())])
        };
        assert_eq!(found[0].metadata, dim("dim_candidates", CANDIDATE));
        assert_eq!(found[1].metadata, dim("dim_job_offers", OFFER));
        assert_eq!(
            found[2].metadata,
            meta(&[
                ("table", "fact_applications".to_owned()),
                ("pk", APPLICATION.to_string()),
                ("fk_candidate", CANDIDATE.to_string()),
                ("fk_job_offer", OFFER.to_string()),
                ("ingestion_date", date.clone()),
            ])
        );
        for object in &found[..3] {
            assert_eq!(
                (object.content_type.as_str(), object.content_encoding.as_deref()),
                ("application/json", Some("utf-8"))
            );
        }
        for ((row, _), object) in sample.documents.iter().zip(&found[3..]) {
            assert_eq!((object.content_type.as_str(), object.content_encoding.as_deref()), ("application/pdf", None));
            assert_eq!(
                object.metadata,
                meta(&[
                    ("application_id", APPLICATION.to_string()),
                    ("candidate_id", CANDIDATE.to_string()),
                    ("document_type", row.document_type.to_string()),
                    ("ready_for_ocr", "true".to_owned()),
                    ("ingestion_date", date.clone()),
                ])
            );
        }
    }
    found
}

async fn the_export_writes_the_golden_documents_and_pdfs_at_the_r41_paths(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let documents = BlobStorage::memory();
    let sample = seed(&p, &documents).await;
    let dir = tempfile::tempdir().unwrap();
    let mut lakes = vec![(LakeStorage::memory(), true), (LakeStorage::local(&dir.path().join("raw")).unwrap(), false)];
    // Azure Blob on Azurite when `TEST_AZURITE_URL` is set (`eval "$(bash .ci/azurite.sh)"`), under a prefix of
    // this run in the shared container: content type, encoding and metadata must come back.
    if let Some((connection, container)) = seeg_tests::storage::azurite() {
        let prefix = seeg_tests::storage::test_prefix("lake");
        lakes.push((LakeStorage::azure(&connection, &container).unwrap().prefixed(&prefix), true));
    }
    // The same on S3 (moto's server) when `TEST_S3_URL` is set (`eval "$(bash .ci/s3.sh)"`).
    if let Some(location) = seeg_tests::storage::s3() {
        lakes.push((LakeStorage::s3(&location).unwrap().prefixed(&seeg_tests::storage::test_prefix("lake")), true));
    }
    for (lake, metadata) in lakes {
        let export = exporter(&p, Arc::new(documents.clone()), Arc::new(lake.clone()));
        let outcome = export.export(APPLICATION).await.unwrap();
        assert_eq!(outcome, LakeExportOutcome::Exported { keys: expected_keys(&sample) });
        let first = check_lake(&lake, &sample, metadata).await;

        assert_eq!(export.export(APPLICATION).await.unwrap(), outcome, "the same day, the same keys");
        assert_eq!(check_lake(&lake, &sample, metadata).await, first, "byte-identical objects");
    }
}

async fn an_unknown_application_writes_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let documents = BlobStorage::memory();
    seed(&p, &documents).await;
    let lake = LakeStorage::memory();
    let export = exporter(&p, Arc::new(documents), Arc::new(lake.clone()));
    assert_eq!(export.export(Uuid::from_u128(99)).await.unwrap(), LakeExportOutcome::NotFound);
    assert_eq!(lake.keys("").await.unwrap(), Vec::<String>::new());
}

/// The `application.submitted` handler: an unknown application is done with nothing written (retrying would not
/// change it); a payload without a readable id fails without quoting it; a known one is exported.
async fn the_handler_exports_the_event_s_application(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let documents = BlobStorage::memory();
    let sample = seed(&p, &documents).await;
    let lake = LakeStorage::memory();
    let handler = LakeExportHandler::new(exporter(&p, Arc::new(documents), Arc::new(lake.clone())));
    assert_eq!(handler.kind(), "application.submitted");
    let event = |payload| OutboxEvent::new(Uuid::from_u128(7), "application.submitted", payload, export_time());

    handler.handle(&event(json!({"application_id": Uuid::from_u128(99)}))).await.unwrap();
    assert_eq!(lake.keys("").await.unwrap(), Vec::<String>::new(), "unknown: nothing written");
    let error = handler.handle(&event(json!({"application_id": "awa@example.com"}))).await.unwrap_err();
    assert!(!format!("{error:#}").contains("awa@example.com"), "{error:#}");

    let payload = json!({"application_id": APPLICATION, "candidate_id": CANDIDATE, "job_offer_id": OFFER});
    handler.handle(&event(payload)).await.unwrap();
    let mut expected = expected_keys(&sample);
    expected.sort();
    assert_eq!(lake.keys("").await.unwrap(), expected);
}

/// A lake whose puts wait until the test opens the gate, telling the test of each one as it arrives; puts fail
/// while `failing` is set.
#[derive(Debug)]
struct GatedLake {
    inner: LakeStorage,
    arrived: tokio::sync::mpsc::UnboundedSender<String>,
    open: tokio::sync::watch::Receiver<bool>,
    failing: bool,
}

#[async_trait::async_trait]
impl DataLake for GatedLake {
    async fn put(&self, object: LakeObject) -> anyhow::Result<()> {
        let _ = self.arrived.send(object.key.clone());
        self.open.clone().wait_for(|open| *open).await?;
        anyhow::ensure!(!self.failing, "lac indisponible");
        self.inner.put(object).await
    }

    async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        DataLake::keys(&self.inner, prefix).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        DataLake::delete(&self.inner, key).await
    }
}

/// O6: the export holds its application's lock from its read to its last write. While it writes, the lock is
/// refused to anyone else (another relay, another process); another export of the application meanwhile writes
/// nothing and fails `Busy` (the outbox runs it again later); once the export is done, the lock is free.
async fn the_export_holds_its_application_s_lock_until_its_last_write(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let documents = BlobStorage::memory();
    let sample = seed(&p, &documents).await;
    let (arrived, mut arrivals) = tokio::sync::mpsc::unbounded_channel();
    let (gate, open) = tokio::sync::watch::channel(false);
    let gated = GatedLake { inner: LakeStorage::memory(), arrived, open, failing: false };
    let written = gated.inner.clone();
    let export = exporter(&p, Arc::new(documents.clone()), Arc::new(gated));
    let running = tokio::spawn({
        let export = export.clone();
        async move { export.export(APPLICATION).await }
    });
    arrivals.recv().await.expect("the first put arrives");

    let key = LockKey::lake_export(APPLICATION);
    assert!(p.locks.try_lock(key).await.unwrap().is_none(), "held while the export writes");
    let other_lake = LakeStorage::memory();
    let second = exporter(&p, Arc::new(documents.clone()), Arc::new(other_lake.clone()));
    assert!(matches!(second.export(APPLICATION).await, Err(LakeExportError::Busy(id)) if id == APPLICATION));
    assert_eq!(other_lake.keys("").await.unwrap(), Vec::<String>::new(), "a refused export writes nothing");
    let unrelated = p.locks.try_lock(LockKey::lake_export(Uuid::from_u128(98))).await.unwrap();
    assert!(unrelated.is_some(), "other applications are free");
    drop(unrelated);

    gate.send(true).unwrap();
    assert_eq!(running.await.unwrap().unwrap(), LakeExportOutcome::Exported { keys: expected_keys(&sample) });
    assert_eq!(written.keys("").await.unwrap().len(), 6);
    let free = eventually("the lock free after the export", async || p.locks.try_lock(key).await.unwrap()).await;
    free.release().await.unwrap();
    assert!(second.export(APPLICATION).await.is_ok(), "the refused export runs once the lock is free");
}

/// An export that fails (the lake refuses a put) lets the application's lock go: the retry can take it.
async fn a_failed_export_lets_its_lock_go(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let documents = BlobStorage::memory();
    seed(&p, &documents).await;
    let (arrived, _arrivals) = tokio::sync::mpsc::unbounded_channel();
    let (_gate, open) = tokio::sync::watch::channel(true);
    let failing = GatedLake { inner: LakeStorage::memory(), arrived, open, failing: true };
    let export = exporter(&p, Arc::new(documents.clone()), Arc::new(failing));
    assert!(matches!(export.export(APPLICATION).await, Err(LakeExportError::Unexpected(_))));
    let key = LockKey::lake_export(APPLICATION);
    let free = eventually("the lock free after the failure", async || p.locks.try_lock(key).await.unwrap()).await;
    free.release().await.unwrap();
}

on_backends!(Memory, Sqlite, Postgres =>
    the_export_holds_its_application_s_lock_until_its_last_write,
    a_failed_export_lets_its_lock_go,
    the_handler_exports_the_event_s_application,
    the_export_writes_the_golden_documents_and_pdfs_at_the_r41_paths,
    an_unknown_application_writes_nothing,
);
