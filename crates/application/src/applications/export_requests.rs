//! The webhook's use case (S9, legacy R40): a trusted caller asks for an application to be exported again. The
//! export is not run in the request (legacy R43 blocked on it and answered 500 when storage failed): the request
//! writes a `lake.export_requested` event (and, when configured, the Azure Function's, R44) in one transaction and
//! answers at once with what the export will write.

use std::sync::Arc;

use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationDetail, ApplicationDetails, ExportHooks, LakeTableKeys};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an export could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum ExportRequestError {
    /// No such application, or its candidate or offer is gone (nothing could be exported).
    #[error("candidature introuvable")]
    NotFound,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a queued export will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReceipt {
    /// The application to export.
    pub application_id: Uuid,
    /// The keys of the three JSON documents in today's partition (R41: the export's UTC date, so an export the
    /// relay runs after midnight writes the next day's partition); `None` when the lake is off.
    pub tables: Option<LakeTableKeys>,
    /// How many documents the export will copy.
    pub documents_count: usize,
    /// Their size together, in bytes.
    pub total_size_bytes: u64,
}

/// Queues exports on request.
#[derive(Debug, Clone)]
pub struct ExportRequests {
    details: ApplicationDetails,
    uow: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    hooks: ExportHooks,
}

impl ExportRequests {
    /// The use case: `details` finds the application, `hooks` say which consumers get an event.
    pub fn new(
        details: ApplicationDetails,
        uow: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        hooks: ExportHooks,
    ) -> Self {
        Self { details, uow, clock, ids, hooks }
    }

    /// Queues the export of application `id` (and the Azure Function call, `last_watermark` forwarded).
    #[instrument(name = "lake.export_request", skip_all, fields(application.id = %id))]
    pub async fn request(&self, id: Uuid, last_watermark: Option<&str>) -> Result<ExportReceipt, ExportRequestError> {
        let ApplicationDetail { application, documents, .. } =
            self.details.load(id).await?.ok_or(ExportRequestError::NotFound)?;
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        self.hooks.on_webhook(tx.as_mut(), self.ids.as_ref(), id, last_watermark, now).await?;
        tx.commit().await?;
        tracing::info!(lake = self.hooks.lake, azure_function = self.hooks.azure_function, "export requested");
        Ok(ExportReceipt {
            application_id: id,
            tables: self.hooks.lake.then(|| LakeTableKeys::of(now.date_naive(), &application)),
            documents_count: documents.len(),
            total_size_bytes: documents.iter().map(|d| d.file_size).sum(),
        })
    }
}
