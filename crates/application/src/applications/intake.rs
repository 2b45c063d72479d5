//! Streamed documents (B1): each document goes to the `DocumentStore` chunk by chunk while `PdfScan` checks it
//! (S11), so a multipart submission never holds the whole body. One document (at most the per-document limit)
//! is kept while it streams, for the `PdfInspector` to parse once `PdfScan` passed it. A document found bad
//! on the way is aborted at once (its partial upload is left to the sweep) and refuses the submission; the
//! documents before it were stored already and, if nothing ends up naming them, are swept later too. Objects are
//! never deleted here: being content-addressed, the same bytes may be another application's document.
//!
//! Before its first byte is stored, the request reserves its maximum on its user's quota of pending uploads
//! (`UploadQuota`); a refused document settles the reservation to what was stored, a committed request releases
//! it (see `uploads`).

use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use seeg_domain::applications::{DocumentLimits, DocumentProblem, DocumentType, PdfScan, check_file_name};

use seeg_domain::identity::User;

use super::submission::{DocumentContent, IncomingDocument, ReceivedDocument, SubmissionError};
use super::uploads::{PendingUpload, UploadQuota};
use crate::documents::{DocumentStore, DocumentUpload, PdfInspector};

/// The documents of one streamed request, received in order.
#[derive(Debug)]
pub struct DocumentIntake {
    store: Arc<dyn DocumentStore>,
    inspector: Arc<dyn PdfInspector>,
    limits: DocumentLimits,
    documents: Vec<IncomingDocument>,
    total: u64,
    /// The files one request may carry: a submission's `max_documents`, one for an added document.
    max_files: usize,
    quota: UploadQuota,
    /// Whose quota the request's bytes count on.
    user: User,
    /// The request's reservation, made before its first byte is stored.
    pending: Option<PendingUpload>,
}

impl DocumentIntake {
    pub(crate) fn new(
        store: Arc<dyn DocumentStore>,
        inspector: Arc<dyn PdfInspector>,
        limits: DocumentLimits,
        quota: UploadQuota,
        user: &User,
    ) -> Self {
        Self {
            store,
            inspector,
            limits,
            documents: Vec::new(),
            total: 0,
            max_files: limits.max_documents,
            quota,
            user: user.clone(),
            pending: None,
        }
    }

    /// An intake refusing the file after the first `max_files`, before a byte of it is stored.
    #[must_use]
    pub(crate) fn at_most(mut self, max_files: usize) -> Self {
        self.max_files = max_files;
        self
    }

    /// Streams one document of type `document_type` named `file_name` into the store, checking its type, its
    /// size (alone and with the documents before it) and its content as it arrives. A failed chunk (the client
    /// went away, a malformed body) is `MalformedUpload`.
    pub async fn receive<S, E>(
        &mut self,
        document_type: &str,
        file_name: &str,
        chunks: S,
    ) -> Result<(), SubmissionError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let index = self.documents.len();
        if index >= self.max_files {
            if self.max_files < self.limits.max_documents {
                return Err(SubmissionError::ExtraFile { max: self.max_files });
            }
            return Err(SubmissionError::Documents(DocumentProblem::TooMany { max: self.limits.max_documents }));
        }
        DocumentType::parse_allowed(document_type).map_err(SubmissionError::Documents)?;
        let refuse = |problem| SubmissionError::Document { index, name: file_name.to_owned(), problem };
        check_file_name(file_name).map_err(refuse)?;
        self.reserve().await?;
        let received = self.stream(index, file_name, document_type, chunks).await;
        if received.is_err()
            && let Some(pending) = self.pending.take()
        {
            self.quota.settle(pending).await;
        }
        received
    }

    /// The request's reservation, made at its first document: the most its files may add up to, or the room its
    /// user has left if that is less (the request is then refused only if it stores more).
    async fn reserve(&mut self) -> Result<(), SubmissionError> {
        if self.pending.is_some() {
            return Ok(());
        }
        let files = u64::try_from(self.max_files).unwrap_or(u64::MAX);
        let most = self.limits.max_total_bytes.min(files.saturating_mul(self.limits.max_document_bytes));
        self.pending = Some(self.quota.reserve_up_to(&self.user, most).await?);
        Ok(())
    }

    async fn stream<S, E>(
        &mut self,
        index: usize,
        file_name: &str,
        document_type: &str,
        mut chunks: S,
    ) -> Result<(), SubmissionError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let refuse = |problem| SubmissionError::Document { index, name: file_name.to_owned(), problem };
        let mut upload = self.store.begin_upload().await?;
        let mut scan = PdfScan::new();
        let mut whole = Vec::new();
        let mut written = 0_u64;
        let streamed = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|error| SubmissionError::MalformedUpload(error.to_string()))?;
                scan.feed(&chunk);
                if scan.size() > self.limits.max_document_bytes {
                    return Err(refuse(DocumentProblem::TooLarge { max_bytes: self.limits.max_document_bytes }));
                }
                if self.total + scan.size() > self.limits.max_total_bytes {
                    return Err(SubmissionError::Documents(DocumentProblem::TooLargeTogether {
                        max_bytes: self.limits.max_total_bytes,
                    }));
                }
                let length = chunk.len() as u64;
                if let Some(pending) = &self.pending
                    && !pending.admits(length)
                {
                    return Err(SubmissionError::Quota(pending.exceeded()));
                }
                whole.extend_from_slice(&chunk);
                // Counted before the write: a request dropped mid-document (a body deadline, a client gone)
                // still counts what may have reached the store.
                self.stored(length);
                written += length;
                upload.write(chunk).await?;
            }
            Ok(())
        }
        .await;
        let mut checked = streamed.and_then(|()| scan.finish(file_name, &self.limits).map_err(refuse));
        if checked.is_ok()
            && let Err(error) = self.inspector.inspect(Bytes::from(whole)).await
        {
            checked = Err(SubmissionError::inspected(index, file_name, error));
        }
        let size = match checked {
            Ok(size) => size,
            Err(error) => {
                if abandon(upload).await
                    && let Some(pending) = &mut self.pending
                {
                    pending.remove_stored(written);
                }
                return Err(error);
            }
        };
        let stored = upload.finish().await?;
        self.total += size;
        self.documents.push(IncomingDocument {
            document_type: document_type.to_owned(),
            file_name: file_name.to_owned(),
            content: DocumentContent::Received(ReceivedDocument(stored)),
        });
        Ok(())
    }

    fn stored(&mut self, bytes: u64) {
        if let Some(pending) = &mut self.pending {
            pending.add_stored(bytes);
        }
    }

    /// The documents received so far, in the order they arrived (taken: a second call returns none).
    pub fn take_documents(&mut self) -> Vec<IncomingDocument> {
        std::mem::take(&mut self.documents)
    }

    /// The reservation the received documents hold, for the use case that commits (releasing it) or refuses
    /// them (settling it): `SubmitCommand::pending_upload`, `ApplicationEditing::add_document`.
    pub fn into_pending(self) -> Option<PendingUpload> {
        self.pending
    }

    /// The request is refused before its documents were handed on: its reservation counts what it stored.
    pub async fn abandon(mut self) {
        if let Some(pending) = self.pending.take() {
            self.quota.settle(pending).await;
        }
    }
}

/// Drops an upload that will not be finished; an abort that fails only leaves an object under `uploads/` for the
/// sweep, so the request's own answer (the document's problem) is what matters. Whether the object is gone.
async fn abandon(upload: Box<dyn DocumentUpload>) -> bool {
    if let Err(error) = upload.abort().await {
        tracing::warn!(error = %error, "abandoned upload not removed; the sweep will");
        return false;
    }
    true
}
