//! The `DocumentStore` port (DESIGN "Ports"): the bytes of candidates' PDFs, kept by content address.
//!
//! A document's key is derived from its sha256, so the same file uploaded twice (the same CV sent to two offers)
//! is one object, and a row that names a key also names the exact bytes. Objects are therefore shared: deleting
//! a document row never deletes its object; the sweep removes objects no row names any more (and uploads that
//! never finished), after a grace period so an upload racing its commit is never lost.

use std::ops::Range;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;

/// Bytes read back, in chunks.
pub type ByteStream = BoxStream<'static, Result<Bytes, DocumentStoreError>>;

/// A document as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// `documents/<first two hex digits>/<sha256>.pdf`.
    pub key: String,
    /// Hex, lower case: the document's `ETag` too.
    pub sha256: String,
    /// Length in bytes.
    pub size: u64,
}

/// An object of the store, as the sweep sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// The object's key (under `DOCUMENTS_PREFIX` or `UPLOADS_PREFIX`).
    pub key: String,
    /// When the object was last written (storing the same bytes again rewrites it).
    pub last_modified: DateTime<Utc>,
}

/// A `DocumentStore`'s failure.
#[derive(Debug, thiserror::Error)]
pub enum DocumentStoreError {
    /// No object under that key.
    #[error("document introuvable")]
    NotFound,
    /// The byte range asked for is empty, inverted or beyond the document's size.
    #[error("plage d'octets invalide")]
    InvalidRange,
    /// The store cannot serve now (unreachable, or its disk full): nothing was stored, the same call may succeed
    /// later (O7). Logged, never shown.
    #[error("stockage des documents indisponible ({kind})")]
    Unavailable {
        /// Why.
        kind: crate::Outage,
        /// The store's error.
        #[source]
        cause: anyhow::Error,
    },
    /// Anything else; logged, never shown.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A document's bytes read whole: for the few readers that need them at once (base64 answers, exports); each
/// document is at most 10 MiB (S11). Downloads stream instead.
pub async fn read_whole(store: &dyn DocumentStore, key: &str) -> Result<Bytes, DocumentStoreError> {
    let chunks: Vec<Bytes> = futures_util::TryStreamExt::try_collect(store.read(key, None).await?).await?;
    Ok(chunks.concat().into())
}

/// The key of the document whose sha256 is `sha256` (hex).
pub fn document_key(sha256: &str) -> String {
    format!("{DOCUMENTS_PREFIX}{}/{sha256}.pdf", &sha256[..2.min(sha256.len())])
}

/// Where documents live in the store.
pub const DOCUMENTS_PREFIX: &str = "documents/";
/// Where unfinished uploads live until they finish (or the sweep removes them).
pub const UPLOADS_PREFIX: &str = "uploads/";

/// Keeps documents.
///
/// Contract:
/// - `put` stores `bytes` under `document_key(sha256(bytes))` and returns that key with the hash and size;
///   putting the same bytes again returns the same key and leaves one object.
/// - `begin_upload` opens an upload fed chunk by chunk (never holding the whole document); `finish` stores it as
///   `put` would have and returns the same `StoredDocument`; `abort` (or dropping it unfinished) leaves no
///   document, only at most an object under `UPLOADS_PREFIX` for the sweep.
/// - `read` streams the bytes of `key`, or of `range` of them (end exclusive, within the size; otherwise
///   `InvalidRange`); an unknown key is `NotFound`. `size` is the byte length of `key`, `NotFound` if unknown.
/// - `delete` removes `key`; an unknown key is not an error.
/// - `list` returns every object under `prefix` with its last modification time, in no particular order; `stat`
///   returns one object's, `NotFound` if unknown.
/// - Storing bytes that are already stored (`put`, `finish`) rewrites the object, so its modification time says
///   when it was last used: the sweep never takes a re-used object for an old orphan.
#[async_trait]
pub trait DocumentStore: Send + Sync + std::fmt::Debug {
    /// Stores a whole document under its content address (see the contract above).
    async fn put(&self, bytes: Bytes) -> Result<StoredDocument, DocumentStoreError>;
    /// Opens an upload fed chunk by chunk.
    async fn begin_upload(&self) -> Result<Box<dyn DocumentUpload>, DocumentStoreError>;
    /// Streams the document's bytes, or the `range` of them.
    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream, DocumentStoreError>;
    /// The document's length in bytes.
    async fn size(&self, key: &str) -> Result<u64, DocumentStoreError>;
    /// Removes the object; an unknown key is not an error.
    async fn delete(&self, key: &str) -> Result<(), DocumentStoreError>;
    /// Every object under `prefix`, with its last modification time.
    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, DocumentStoreError>;
    /// One object's last modification time.
    async fn stat(&self, key: &str) -> Result<StoredObject, DocumentStoreError>;
}

/// One document being uploaded (see `DocumentStore::begin_upload`).
#[async_trait]
pub trait DocumentUpload: Send {
    /// Appends the next chunk.
    async fn write(&mut self, chunk: Bytes) -> Result<(), DocumentStoreError>;
    /// Stores what was written as `DocumentStore::put` would have.
    async fn finish(self: Box<Self>) -> Result<StoredDocument, DocumentStoreError>;
    /// Gives the upload up; no document is left.
    async fn abort(self: Box<Self>) -> Result<(), DocumentStoreError>;
}

/// The deep S11 check of a whole PDF that passed `PdfScan`: the document is parsed, compressed object streams
/// unpacked, and every object looked at for active content (`ACTIVE_NAMES`). A document the parser cannot read
/// is `NotPdf`; one too big to inspect within the adapter's budget is refused too. An inspector that runs a
/// bounded number of inspections at once answers `Busy` when none could start in time, rather than queueing
/// without end.
#[async_trait]
pub trait PdfInspector: Send + Sync + std::fmt::Debug {
    /// `Ok(())` when the whole document is a clean PDF; `Refused` with the reason otherwise.
    async fn inspect(&self, pdf: Bytes) -> Result<(), InspectError>;
}

/// Why a document was not found clean.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// The document is refused (S11).
    #[error(transparent)]
    Refused(#[from] seeg_domain::applications::DocumentProblem),
    /// No inspection could start in time: nothing is known of the document; the request may be retried.
    #[error("trop de documents sont en cours d'analyse : réessayez dans quelques instants")]
    Busy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fan_out_by_the_first_two_hex_digits() {
        let sha = "ab".repeat(32);
        assert_eq!(document_key(&sha), format!("documents/ab/{sha}.pdf"));
    }
}
