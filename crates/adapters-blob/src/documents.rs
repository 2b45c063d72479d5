//! `DocumentStore` on object_store: content-addressed PDFs (local folder, memory; Azure Blob through the same
//! code). Streamed uploads go to `uploads/<id>` in parts, hashed as they arrive, then are copied to their content
//! address (server side where the store can) and the temporary object removed.

use std::ops::Range;

use anyhow::Context as _;
use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _, PutPayload, WriteMultipart};
use seeg_application::documents::{
    ByteStream, DocumentStore, DocumentStoreError, DocumentUpload, StoredDocument, StoredObject, UPLOADS_PREFIX,
    document_key,
};
use seeg_application::{IdGenerator as _, Outage, SystemIds};
use sha2::{Digest as _, Sha256};

use crate::BlobStorage;

/// Parts of a streamed upload are sent at this size (Azure and S3 accept it; the last part may be smaller).
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts in flight per upload: a bounded buffer, whatever the client's speed.
const PARTS_IN_FLIGHT: usize = 2;

fn unexpected(error: object_store::Error, what: &str) -> DocumentStoreError {
    match error {
        object_store::Error::NotFound { .. } => DocumentStoreError::NotFound,
        other => match outage(&other) {
            Some(kind) => {
                DocumentStoreError::Unavailable { kind, cause: anyhow::Error::new(other).context(what.to_owned()) }
            }
            None => DocumentStoreError::Unexpected(anyhow::Error::new(other).context(what.to_owned())),
        },
    }
}

/// Whether `error` says the store cannot serve for now rather than that the request is wrong (O7): its disk full
/// (a local folder), or no connection to it (a remote store, once object_store's own retries are spent).
pub(crate) fn outage(error: &(dyn std::error::Error + 'static)) -> Option<Outage> {
    use object_store::client::{HttpError, HttpErrorKind};
    use std::io::ErrorKind;
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::StorageFull | ErrorKind::QuotaExceeded => return Some(Outage::Full),
                ErrorKind::ConnectionRefused
                | ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::NotConnected
                | ErrorKind::TimedOut
                | ErrorKind::BrokenPipe => return Some(Outage::Unreachable),
                _ => {}
            }
        }
        if let Some(http) = current.downcast_ref::<HttpError>()
            && matches!(
                http.kind(),
                HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Timeout | HttpErrorKind::Interrupted
            )
        {
            return Some(Outage::Unreachable);
        }
        cause = current.source();
    }
    None
}

#[async_trait]
impl DocumentStore for BlobStorage {
    async fn put(&self, bytes: Bytes) -> Result<StoredDocument, DocumentStoreError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let stored = StoredDocument { key: document_key(&sha256), sha256, size: bytes.len() as u64 };
        let path = Path::from(stored.key.as_str());
        // Written even when the same bytes are there: the new modification time keeps the sweep off it.
        self.store.put(&path, PutPayload::from(bytes)).await.map_err(|e| unexpected(e, "écriture du document"))?;
        Ok(stored)
    }

    async fn begin_upload(&self) -> Result<Box<dyn DocumentUpload>, DocumentStoreError> {
        let temporary = Path::from(format!("{UPLOADS_PREFIX}{}", SystemIds.new_id()));
        let upload = self
            .store
            .put_multipart(&temporary)
            .await
            .map_err(|e| unexpected(e, "ouverture d'un envoi de document"))?;
        Ok(Box::new(BlobUpload {
            storage: self.clone(),
            temporary,
            writer: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
            hasher: Sha256::new(),
            size: 0,
        }))
    }

    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream, DocumentStoreError> {
        let path = Path::from(key);
        if let Some(range) = &range {
            let size = self.size(key).await?;
            if range.start >= range.end || range.end > size {
                return Err(DocumentStoreError::InvalidRange);
            }
        }
        let options = GetOptions { range: range.map(GetRange::Bounded), ..GetOptions::default() };
        let found = self.store.get_opts(&path, options).await.map_err(|e| unexpected(e, "lecture du document"))?;
        Ok(found.into_stream().map_err(|e| unexpected(e, "lecture du document")).boxed())
    }

    async fn size(&self, key: &str) -> Result<u64, DocumentStoreError> {
        let meta = self.store.head(&Path::from(key)).await.map_err(|e| unexpected(e, "taille du document"))?;
        Ok(meta.size)
    }

    async fn delete(&self, key: &str) -> Result<(), DocumentStoreError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(unexpected(error, "suppression du document")),
        }
    }

    async fn stat(&self, key: &str) -> Result<StoredObject, DocumentStoreError> {
        let meta = self.store.head(&Path::from(key)).await.map_err(|e| unexpected(e, "état du document"))?;
        Ok(StoredObject { key: key.to_owned(), last_modified: meta.last_modified })
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, DocumentStoreError> {
        let prefix = Path::from(prefix.trim_end_matches('/'));
        self.store
            .list(Some(&prefix))
            .map_ok(|meta| StoredObject { key: meta.location.to_string(), last_modified: meta.last_modified })
            .try_collect()
            .await
            .map_err(|e| unexpected(e, "liste des documents"))
    }
}

/// One streamed upload: parts go out as they fill, so memory stays at `PART_BYTES × PARTS_IN_FLIGHT`.
struct BlobUpload {
    storage: BlobStorage,
    temporary: Path,
    writer: WriteMultipart,
    hasher: Sha256,
    size: u64,
}

#[async_trait]
impl DocumentUpload for BlobUpload {
    async fn write(&mut self, chunk: Bytes) -> Result<(), DocumentStoreError> {
        self.writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| unexpected(e, "envoi d'une partie"))?;
        self.hasher.update(&chunk);
        self.size += chunk.len() as u64;
        self.writer.put(chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<StoredDocument, DocumentStoreError> {
        let Self { storage, temporary, writer, hasher, size } = *self;
        writer.finish().await.map_err(|e| unexpected(e, "fin de l'envoi du document"))?;
        let sha256 = hex::encode(hasher.finalize());
        let stored = StoredDocument { key: document_key(&sha256), sha256, size };
        let target = Path::from(stored.key.as_str());
        // Overwrites the same bytes when already there: the new modification time keeps the sweep off it.
        storage.store.copy(&temporary, &target).await.map_err(|e| unexpected(e, "copie du document à son adresse"))?;
        // A leftover temporary object is harmless: the sweep removes it.
        if let Err(error) = storage.store.delete(&temporary).await {
            tracing::warn!(error = %error, "temporary upload not removed");
        }
        Ok(stored)
    }

    async fn abort(self: Box<Self>) -> Result<(), DocumentStoreError> {
        let Self { storage, temporary, writer, .. } = *self;
        let aborted = writer.abort().await;
        // Some stores leave nothing to abort once a part is out; make sure no object remains either way.
        let _ = storage.store.delete(&temporary).await;
        aborted
            .or_else(|e| match e {
                object_store::Error::NotFound { .. } | object_store::Error::NotImplemented { .. } => Ok(()),
                other => Err(other),
            })
            .context("abandon de l'envoi du document")
            .map_err(DocumentStoreError::Unexpected)
    }
}
