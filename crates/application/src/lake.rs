//! The data lake (K4, legacy R41): the `DataLake` port the export writes its objects through.

use std::collections::BTreeMap;

use async_trait::async_trait;
use bytes::Bytes;

/// One object to write to the lake.
#[derive(Clone, PartialEq, Eq)]
pub struct LakeObject {
    /// The path inside the lake's container (`raw`), e.g. `facts/fact_applications/ingestion_date=D/{id}.json`.
    pub key: String,
    /// The object's content: a JSON document or a PDF.
    pub bytes: Bytes,
    /// `application/json` or `application/pdf` (R41).
    pub content_type: String,
    /// `utf-8` for the JSON documents (the legacy service sent it so, R41), `None` for the PDFs.
    pub content_encoding: Option<String>,
    /// The blob metadata (R41): `table`, `pk`, `ingestion_date`, …; ids and dates only, never personal data.
    pub metadata: BTreeMap<String, String>,
}

/// Leaves the bytes out: a document or a candidate's JSON never reaches a log by accident (S12).
impl std::fmt::Debug for LakeObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LakeObject")
            .field("key", &self.key)
            .field("size", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

/// Writes objects to the data lake.
///
/// Contract: `put` overwrites whatever object has the same key (idempotent: putting the same object twice leaves
/// one object with those bytes). `keys` lists every key under a prefix (a folder: `facts/` lists
/// `facts/fact_applications/…`), in order. `delete` removes one object; an unknown key is not an error. Content type, content encoding and metadata are kept where the backend can keep
/// them (Azure Blob, memory); a backend that cannot (a local folder) keeps the bytes only. An error means the
/// object may not have been written: the caller retries (the outbox does).
#[async_trait]
pub trait DataLake: Send + Sync + std::fmt::Debug {
    /// Writes `object` under its key, replacing any object already there.
    async fn put(&self, object: LakeObject) -> anyhow::Result<()>;
    /// Every key under `prefix`, in order.
    async fn keys(&self, prefix: &str) -> anyhow::Result<Vec<String>>;
    /// Removes the object under `key`, if any.
    async fn delete(&self, key: &str) -> anyhow::Result<()>;
}
