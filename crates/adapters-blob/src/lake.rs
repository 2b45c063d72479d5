//! `DataLake` on object_store (K4, R41): a local folder (the embedded default `./data/lake/raw`, the folder
//! standing for the `raw` container), memory, an Azure Blob container (`raw` by default) or an S3 bucket.
//!
//! Content type, content encoding and metadata travel as object_store `Attributes`: Azure Blob keeps them as the
//! blob's properties and metadata (`x-ms-meta-*`); S3 keeps them as the object's `Content-Type`,
//! `Content-Encoding` and user metadata (`x-amz-meta-*`, read back by object_store from the same headers; S3
//! lower-cases metadata names and wants ASCII values, which ours are: ids, dates, table names); memory keeps them
//! too. A local folder cannot keep them (plain files; object_store's local backend refuses attributes), so it
//! writes the bytes only: the layout and the bytes are the warehouse's contract, the metadata only describes them
//! again.

use std::collections::BTreeMap;

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use object_store::path::Path;
use object_store::{Attribute, Attributes, ObjectStoreExt as _, PutOptions, PutPayload};
use seeg_application::lake::{DataLake, LakeObject};

use crate::{BlobStorage, S3Location};

/// One data-lake location.
#[derive(Debug, Clone)]
pub struct LakeStorage {
    storage: BlobStorage,
    /// Whether the backend keeps content type, encoding and metadata (not a local folder).
    keeps_attributes: bool,
}

impl LakeStorage {
    /// A folder on the local disk, created when missing; keeps the bytes only (see the module).
    pub fn local(root: &std::path::Path) -> anyhow::Result<Self> {
        Ok(Self { storage: BlobStorage::local(root)?, keeps_attributes: false })
    }

    /// Kept in memory, attributes included: for tests and embedded use.
    pub fn memory() -> Self {
        Self { storage: BlobStorage::memory(), keeps_attributes: true }
    }

    /// An Azure Blob container from an Azure Storage connection string (as `BlobStorage::azure`); `prepare`
    /// creates it when missing.
    pub fn azure(connection_string: &str, container: &str) -> anyhow::Result<Self> {
        Ok(Self { storage: BlobStorage::azure(connection_string, container)?, keeps_attributes: true })
    }

    /// An S3 bucket (as `BlobStorage::s3`); it must exist.
    pub fn s3(location: &S3Location) -> anyhow::Result<Self> {
        Ok(Self { storage: BlobStorage::s3(location)?, keeps_attributes: true })
    }

    /// As `BlobStorage::prepare`: creates a missing Azure container. Run once at start-up.
    pub async fn prepare(&self) -> anyhow::Result<()> {
        self.storage.prepare().await
    }

    /// The same lake seen under `prefix/` only (tests share one Azurite container).
    #[must_use]
    pub fn prefixed(&self, prefix: &str) -> Self {
        Self { storage: self.storage.prefixed(prefix), keeps_attributes: self.keeps_attributes }
    }

    /// Reads an object back with what the backend kept of its attributes (empty ones on a local folder);
    /// `None` when there is none. For tests and operators.
    pub async fn get(&self, key: &str) -> anyhow::Result<Option<LakeObject>> {
        let found = match self.storage.store.get(&location(key)).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(error).context("lecture dans le lac de données"),
        };
        let attributes = found.attributes.clone();
        let bytes: Bytes = found.bytes().await.context("lecture dans le lac de données")?;
        let mut object = LakeObject {
            key: key.to_owned(),
            bytes,
            content_type: String::new(),
            content_encoding: None,
            metadata: BTreeMap::new(),
        };
        for (attribute, value) in &attributes {
            match attribute {
                Attribute::ContentType => value.as_ref().clone_into(&mut object.content_type),
                Attribute::ContentEncoding => object.content_encoding = Some(value.to_string()),
                Attribute::Metadata(name) => {
                    object.metadata.insert(name.to_string(), value.to_string());
                }
                _ => {}
            }
        }
        Ok(Some(object))
    }

    /// Every key under `prefix`, in order.
    pub async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        use futures_util::TryStreamExt as _;
        let prefix = Path::from(prefix.trim_end_matches('/'));
        let mut keys: Vec<String> = self
            .storage
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .context("liste du lac de données")?;
        keys.sort();
        Ok(keys)
    }
}

/// The key as given, so a file name such as `diplôme.pdf` keeps its letters in the blob name (R41);
/// `Path::from` would percent-encode them. A key object_store refuses as such is encoded instead.
fn location(key: &str) -> Path {
    Path::parse(key).unwrap_or_else(|_| Path::from(key))
}

fn attributes(object: &LakeObject) -> Attributes {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, object.content_type.clone().into());
    if let Some(encoding) = &object.content_encoding {
        attributes.insert(Attribute::ContentEncoding, encoding.clone().into());
    }
    for (name, value) in &object.metadata {
        attributes.insert(Attribute::Metadata(name.clone().into()), value.clone().into());
    }
    attributes
}

#[async_trait]
impl DataLake for LakeStorage {
    async fn put(&self, object: LakeObject) -> anyhow::Result<()> {
        let options = if self.keeps_attributes {
            PutOptions { attributes: attributes(&object), ..PutOptions::default() }
        } else {
            PutOptions::default()
        };
        self.storage
            .store
            .put_opts(&location(&object.key), PutPayload::from(object.bytes), options)
            .await
            .with_context(|| format!("écriture de {} dans le lac de données", object.key))?;
        Ok(())
    }

    async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        // The inherent listing (tests and operators call it without the trait).
        LakeStorage::keys(self, prefix).await
    }

    async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.storage.store.delete(&location(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error).with_context(|| format!("suppression de {key} dans le lac de données")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(bytes: &'static [u8]) -> LakeObject {
        LakeObject {
            key: "facts/fact_applications/ingestion_date=2026-06-01/a.json".into(),
            bytes: Bytes::from_static(bytes),
            content_type: "application/json".into(),
            content_encoding: Some("utf-8".into()),
            metadata: BTreeMap::from([("table".into(), "fact_applications".into()), ("pk".into(), "a".into())]),
        }
    }

    #[tokio::test]
    async fn memory_keeps_the_attributes_and_overwrites() {
        let lake = LakeStorage::memory();
        lake.put(sample(b"{}")).await.unwrap();
        lake.put(sample(b"{\"v\": 2}")).await.unwrap();
        let read = lake.get(&sample(b"").key).await.unwrap().unwrap();
        assert_eq!(read, sample(b"{\"v\": 2}"));
        assert_eq!(lake.keys("facts").await.unwrap(), [sample(b"").key]);
        assert_eq!(lake.get("facts/none.json").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_local_folder_keeps_the_bytes_under_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let lake = LakeStorage::local(&dir.path().join("raw")).unwrap();
        lake.put(sample(b"{}")).await.unwrap();
        lake.put(sample(b"[1]")).await.unwrap();
        let file = dir.path().join("raw/facts/fact_applications/ingestion_date=2026-06-01/a.json");
        assert_eq!(std::fs::read(file).unwrap(), b"[1]");
        let read = lake.get(&sample(b"").key).await.unwrap().unwrap();
        assert_eq!((read.bytes.as_ref(), read.metadata.len()), (b"[1]".as_slice(), 0), "no metadata on disk");
    }
}
