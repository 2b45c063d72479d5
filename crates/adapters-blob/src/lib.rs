//! object_store behind the storage ports (`DocumentStore`, `DataLake`): local folder (the embedded default),
//! in-memory and Azure Blob.

mod documents;
mod lake;

pub use lake::LakeStorage;

use std::sync::Arc;

use anyhow::Context as _;
use async_trait::async_trait;
use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};
use seeg_application::health::Probe;
use seeg_application::{IdGenerator as _, SystemIds};

/// Where the readiness probe writes and removes its objects.
const PROBE_FOLDER: &str = "_health";

/// One object-storage location.
#[derive(Debug, Clone)]
pub struct BlobStorage {
    store: Arc<dyn ObjectStore>,
}

impl BlobStorage {
    /// A folder on the local disk, created when missing.
    pub fn local(root: &std::path::Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root).with_context(|| format!("création du dossier de stockage {}", root.display()))?;
        let store = LocalFileSystem::new_with_prefix(root)
            .with_context(|| format!("ouverture du dossier de stockage {}", root.display()))?;
        Ok(Self { store: Arc::new(store) })
    }

    /// Kept in memory: for tests and embedded use.
    pub fn memory() -> Self {
        Self { store: Arc::new(InMemory::new()) }
    }

    /// An Azure Blob container, from an Azure Storage connection string (`AccountName=…;AccountKey=…;` with
    /// `BlobEndpoint=…` or `DefaultEndpointsProtocol`/`EndpointSuffix`, or `UseDevelopmentStorage=true` for
    /// Azurite). The container must exist.
    pub fn azure(connection_string: &str, container: &str) -> anyhow::Result<Self> {
        let settings = ConnectionString::parse(connection_string)?;
        let mut builder = MicrosoftAzureBuilder::new().with_container_name(container);
        if settings.development {
            builder = builder.with_use_emulator(true);
        } else {
            let account = settings.get("AccountName").context("chaîne de connexion Azure : AccountName manquant")?;
            let endpoint = match settings.get("BlobEndpoint") {
                Some(endpoint) => endpoint.trim_end_matches('/').to_owned(),
                None => format!(
                    "{}://{account}.blob.{}",
                    settings.get("DefaultEndpointsProtocol").unwrap_or("https"),
                    settings.get("EndpointSuffix").unwrap_or("core.windows.net")
                ),
            };
            builder =
                builder.with_account(account).with_allow_http(endpoint.starts_with("http://")).with_endpoint(endpoint);
            if let Some(key) = settings.get("AccountKey") {
                builder = builder.with_access_key(key);
            }
            if let Some(sas) = settings.get("SharedAccessSignature") {
                builder = builder.with_config(AzureConfigKey::SasKey, sas);
            }
        }
        let store = builder.build().context("configuration du stockage Azure Blob")?;
        Ok(Self { store: Arc::new(store) })
    }

    /// The same store seen under `prefix/` only (tests share one container; tenants could share one store).
    #[must_use]
    pub fn prefixed(&self, prefix: &str) -> Self {
        Self { store: Arc::new(PrefixStore::new(Arc::clone(&self.store), prefix)) }
    }
}

/// The `key=value;…` pairs of an Azure Storage connection string; keys are case-insensitive.
struct ConnectionString {
    pairs: Vec<(String, String)>,
    development: bool,
}

impl ConnectionString {
    fn parse(text: &str) -> anyhow::Result<Self> {
        let mut pairs = Vec::new();
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .with_context(|| "chaîne de connexion Azure : « clé=valeur » attendu entre les « ; »".to_owned())?;
            pairs.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
        anyhow::ensure!(!pairs.is_empty(), "chaîne de connexion Azure vide");
        let development = pairs.iter().any(|(k, v)| k == "usedevelopmentstorage" && v.eq_ignore_ascii_case("true"));
        Ok(Self { pairs, development })
    }

    fn get(&self, key: &str) -> Option<&str> {
        let key = key.to_ascii_lowercase();
        self.pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
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

    #[test]
    fn connection_strings_name_the_account_and_endpoint() {
        let parsed = ConnectionString::parse(
            "DefaultEndpointsProtocol=https; AccountName=seeg;AccountKey=a2V5;EndpointSuffix=core.windows.net;",
        )
        .unwrap();
        assert_eq!((parsed.get("accountname"), parsed.get("ACCOUNTKEY")), (Some("seeg"), Some("a2V5")));
        assert_eq!(parsed.get("BlobEndpoint"), None);
        assert!(!parsed.development);
        assert!(ConnectionString::parse("UseDevelopmentStorage=true").unwrap().development);
        assert!(ConnectionString::parse("").is_err());
        assert!(ConnectionString::parse("AccountName").is_err());
        assert!(BlobStorage::azure("AccountKey=a2V5", "c").is_err(), "no account");
        assert!(BlobStorage::azure("AccountName=seeg;AccountKey=a2V5", "c").is_ok());
    }

    #[tokio::test]
    async fn memory_storage_is_always_ready() {
        BlobStorage::memory().check().await.unwrap();
    }
}
