//! object_store behind the storage ports: local folder (the embedded default) and in-memory today; Azure Blob and
//! S3 join with the capabilities that write documents and the data lake.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use seeg_application::health::Probe;

/// One object-storage location.
#[derive(Debug, Clone)]
pub struct BlobStorage {
    store: Arc<dyn ObjectStore>,
}

impl BlobStorage {
    /// A folder on the local disk, created when missing.
    pub fn local(root: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("création du dossier de stockage {}", root.display()))?;
        let store = LocalFileSystem::new_with_prefix(root)
            .with_context(|| format!("ouverture du dossier de stockage {}", root.display()))?;
        Ok(Self { store: Arc::new(store) })
    }

    /// Kept in memory: for tests and embedded use.
    pub fn memory() -> Self {
        Self { store: Arc::new(InMemory::new()) }
    }
}

#[async_trait]
impl Probe for BlobStorage {
    /// Lists the root: proves the location exists and is readable without writing anything.
    async fn check(&self) -> anyhow::Result<()> {
        self.store.list_with_delimiter(None).await.context("lecture de la racine du stockage")?;
        Ok(())
    }
}
