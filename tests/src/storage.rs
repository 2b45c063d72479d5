//! Object stores for the `DocumentStore` contract: in memory, a local folder and, when `TEST_AZURITE_URL` is set,
//! Azure Blob on Azurite, when `TEST_S3_URL` is set, S3 on moto's server (each test under a prefix of its own in
//! the shared container or bucket).

use seeg_adapters_blob::{BlobStorage, S3Location};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    Memory,
    Local,
    /// Azurite at `TEST_AZURITE_URL` (its blob endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`), in the
    /// container `TEST_AZURITE_CONTAINER` (default `seeg-tests`), which must exist: `.ci/azurite.sh` starts
    /// Azurite and creates it.
    Azure,
    /// An S3-compatible server at `TEST_S3_URL` (moto's, e.g. `http://127.0.0.1:10050`), in the bucket
    /// `TEST_S3_BUCKET` (default `seeg-tests`), which must exist: `.ci/s3.sh` starts the server and creates it.
    S3,
}

impl Storage {
    pub fn available(self) -> bool {
        match self {
            Self::Memory | Self::Local => true,
            Self::Azure => azurite_url().is_some(),
            Self::S3 => s3().is_some(),
        }
    }
}

fn azurite_url() -> Option<String> {
    std::env::var("TEST_AZURITE_URL").ok().filter(|u| !u.trim().is_empty())
}

/// The bucket of the S3-compatible server the tests use, when `TEST_S3_URL` is set. moto takes any key; one is
/// given so object_store does not look for the machine's credentials.
pub fn s3() -> Option<S3Location> {
    let endpoint = std::env::var("TEST_S3_URL").ok().filter(|u| !u.trim().is_empty())?;
    Some(S3Location {
        bucket: std::env::var("TEST_S3_BUCKET").unwrap_or_else(|_| "seeg-tests".to_owned()),
        region: "us-east-1".to_owned(),
        endpoint: Some(endpoint),
        access_key_id: Some("moto".to_owned()),
        secret_access_key: Some("moto".to_owned()),
    })
}

/// A prefix of its own for one test in a shared container or bucket.
pub fn test_prefix(what: &str) -> String {
    format!("{what}-{}", seeg_application::IdGenerator::new_id(&seeg_application::SystemIds).simple())
}

/// Azurite's well-known development account (public, documented by Microsoft; not a secret).
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A store made for one test; a local folder is removed when this is dropped.
#[derive(Debug)]
pub struct TestStorage {
    pub storage: BlobStorage,
    pub dir: Option<tempfile::TempDir>,
}

pub fn test_storage(kind: Storage) -> TestStorage {
    match kind {
        Storage::Memory => TestStorage { storage: BlobStorage::memory(), dir: None },
        Storage::Local => {
            let dir = tempfile::tempdir().expect("temp dir");
            let storage = BlobStorage::local(&dir.path().join("blobs")).expect("local storage");
            TestStorage { storage, dir: Some(dir) }
        }
        Storage::Azure => {
            let (connection, container) = azurite().expect("TEST_AZURITE_URL");
            let shared = BlobStorage::azure(&connection, &container).expect("Azurite storage");
            TestStorage { storage: shared.prefixed(&test_prefix("test")), dir: None }
        }
        Storage::S3 => {
            let shared = BlobStorage::s3(&s3().expect("TEST_S3_URL")).expect("S3 storage");
            TestStorage { storage: shared.prefixed(&test_prefix("test")), dir: None }
        }
    }
}

/// The connection string and container of the Azurite the tests use, when `TEST_AZURITE_URL` is set.
pub fn azurite() -> Option<(String, String)> {
    let url = azurite_url()?;
    let container = std::env::var("TEST_AZURITE_CONTAINER").unwrap_or_else(|_| "seeg-tests".to_owned());
    Some((format!("AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={url}"), container))
}

/// Runs each async test `fn(Storage)` once per store kind, skipping the ones this machine lacks.
#[macro_export]
macro_rules! on_storages {
    ($($kind:ident),+ => $($test:ident),+ $(,)?) => {
        $crate::on_storages!(@each [$($kind),+] [$($test),+]);
    };
    (@each [$($kind:ident),+] $tests:tt) => {
        $( $crate::on_storages!(@one $kind $tests); )+
    };
    (@one $kind:ident [$($test:ident),+]) => {
        #[allow(non_snake_case)]
        mod $kind {
            $(
                #[tokio::test]
                async fn $test() {
                    let kind = $crate::storage::Storage::$kind;
                    if !kind.available() {
                        eprintln!("skipped: {:?} not configured (set TEST_AZURITE_URL / TEST_S3_URL)", kind);
                        return;
                    }
                    super::$test(kind).await;
                }
            )+
        }
    };
}
