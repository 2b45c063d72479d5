//! object_store behind the storage ports (`DocumentStore`, `DataLake`): local folder (the embedded default),
//! in-memory, Azure Blob and S3 (or an S3-compatible server).

mod azure;
mod documents;
mod lake;
mod s3;

pub use azure::StorageUnreachable;
pub use lake::LakeStorage;
pub use s3::S3Location;

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use seeg_application::health::Probe;
use seeg_application::{IdGenerator as _, SystemIds};

/// Where the readiness probe writes and removes its objects.
const PROBE_FOLDER: &str = "_health";

/// How often a cloud store's request is retried before its caller hears the failure. object_store's default (ten
/// tries over up to three minutes) would hold a submission, or an outbox handler, for minutes against a store that
/// is down; the outbox has its own backoff, and a candidate is better told at once.
fn retries() -> object_store::RetryConfig {
    object_store::RetryConfig {
        backoff: object_store::BackoffConfig {
            init_backoff: std::time::Duration::from_millis(100),
            max_backoff: std::time::Duration::from_secs(1),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: std::time::Duration::from_secs(10),
    }
}

/// One object-storage location.
#[derive(Debug, Clone)]
pub struct BlobStorage {
    store: Arc<dyn ObjectStore>,
    /// Azure only: the container `prepare` creates when missing.
    container: Option<Arc<azure::Container>>,
}

impl BlobStorage {
    /// A folder on the local disk, created when missing.
    pub fn local(root: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("création du dossier de stockage {}", root.display()))?;
        let store = LocalFileSystem::new_with_prefix(root)
            .with_context(|| format!("ouverture du dossier de stockage {}", root.display()))?;
        Ok(Self { store: Arc::new(store), container: None })
    }

    /// Kept in memory: for tests and embedded use.
    pub fn memory() -> Self {
        Self { store: Arc::new(InMemory::new()), container: None }
    }

    /// An Azure Blob container, from an Azure Storage connection string (`AccountName=…;AccountKey=…;` with
    /// `BlobEndpoint=…` or `DefaultEndpointsProtocol`/`EndpointSuffix`, or `UseDevelopmentStorage=true` for
    /// Azurite). `prepare` creates the container when missing (with an account key; see `azure`).
    pub fn azure(connection_string: &str, container: &str) -> anyhow::Result<Self> {
        let account = azure::Account::parse(connection_string)?;
        Ok(Self { store: Arc::new(account.store(container)?), container: account.container(container)?.map(Arc::new) })
    }

    /// An S3 bucket (AWS or an S3-compatible server); it must exist.
    pub fn s3(location: &S3Location) -> anyhow::Result<Self> {
        Ok(Self { store: Arc::new(location.store()?), container: None })
    }

    /// Readies the store before the service uses it: creates a missing Azure container; nothing to do elsewhere
    /// (a local folder is created when opened; an S3 bucket must exist). Run once at start-up.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        match &self.container {
            Some(container) => container.create_if_missing().await,
            None => Ok(()),
        }
    }

    /// The same store seen under `prefix/` only (tests share one container; tenants could share one store).
    #[must_use]
    pub fn prefixed(&self, prefix: &str) -> Self {
        Self { store: Arc::new(PrefixStore::new(Arc::clone(&self.store), prefix)), container: self.container.clone() }
    }
}

#[async_trait]
impl Probe for BlobStorage {
    /// Writes, reads back and deletes a tiny object: ready means documents can be stored, not merely that a
    /// listing answers (a listing of a vanished folder is simply empty).
    /// Each probe uses a key of its own, so overlapping probes (orchestrator, load balancer) never see each
    /// other's object.
    async fn check(&self) -> anyhow::Result<()> {
        let key = Path::from(format!("{PROBE_FOLDER}/{}", SystemIds.new_id()));
        self.store.put(&key, PutPayload::from_static(b"ok")).await.context("écriture dans le stockage")?;
        let read = self.store.get(&key).await.context("lecture dans le stockage")?.bytes().await?;
        anyhow::ensure!(read.as_ref() == b"ok", "le stockage a rendu un contenu différent");
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error).context("suppression dans le stockage"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_root_that_cannot_hold_documents_fails_the_probe() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("blobs");
        let storage = BlobStorage::local(&root).unwrap();
        storage.check().await.unwrap();
        assert_eq!(
            std::fs::read_dir(&root).unwrap().flatten().filter(|e| e.path().is_file()).count(),
            0,
            "no probe left"
        );
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::write(&root, b"a file where the folder was").unwrap();
        assert!(storage.check().await.is_err());
    }

    #[tokio::test]
    async fn overlapping_probes_do_not_disturb_each_other() {
        let storage = BlobStorage::memory();
        let probes: Vec<_> = (0..16).map(|_| storage.check()).collect();
        for result in futures_util::future::join_all(probes).await {
            result.unwrap();
        }
    }

    #[tokio::test]
    async fn memory_storage_is_always_ready() {
        BlobStorage::memory().check().await.unwrap();
    }
}
