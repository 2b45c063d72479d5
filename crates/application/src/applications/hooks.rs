//! What a change to an application feeds downstream (I2, K4, R44): each consumer is an outbox event written in the
//! change's own transaction, and only when that consumer is configured, so no event waits for a handler that this
//! deployment does not have.
//!
//! | change | data lake (`[lake] enabled`) | Azure Function (`[azure_function] url`) |
//! |---|---|---|
//! | submission | `application.submitted` | after the export (R40 order), or `azure_function.application_submitted` with the lake off |
//! | status change | `lake.export_requested` (`reason: status_changed`) | — |
//! | document added, replaced or deleted (I10) | `lake.export_requested` (`reason: documents_changed`) | — |
//! | webhook (S9) | `lake.export_requested` (`reason: webhook`) | after the export, or its own event with the lake off |
//!
//! With the lake on, the function is told by the export's handler once the export succeeded (the legacy webhook
//! called it after writing the blobs, R40, and the function reads them): it is never told of an application whose
//! blobs are not there. A failed call fails that event, so the (idempotent) export runs again before the retry.

use chrono::{DateTime, Utc};
use seeg_domain::applications::Application;
use uuid::Uuid;

use super::function_hook::r44_body;
use super::submission::APPLICATION_SUBMITTED;
use crate::IdGenerator;
use crate::outbox::OutboxEvent;
use crate::store::{StoreError, Transaction};

/// The outbox kind of a re-export of one application to the data lake (status change, webhook, K4).
pub const LAKE_EXPORT_REQUESTED: &str = "lake.export_requested";
/// The outbox kind of the Azure Function notification of a submission (R44).
pub const AZURE_FUNCTION_NOTIFY: &str = "azure_function.application_submitted";

/// Why an export was requested again (the `reason` of a `lake.export_requested` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportReason {
    /// `status_changed`: the application moved in the pipeline (I5).
    StatusChanged,
    /// `documents_changed`: a document was added, replaced or deleted (I10).
    DocumentsChanged,
    /// `webhook`: a trusted caller asked for it (S9).
    Webhook,
}

impl ExportReason {
    /// The `reason` word in the event's payload.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StatusChanged => "status_changed",
            Self::DocumentsChanged => "documents_changed",
            Self::Webhook => "webhook",
        }
    }
}

/// The downstream consumers this deployment has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportHooks {
    /// The data-lake export runs (`[lake] enabled`).
    pub lake: bool,
    /// The Azure Function is told of submissions (`[azure_function] url` set, R44).
    pub azure_function: bool,
}

/// The lake on, no Azure Function: the embedded default.
impl Default for ExportHooks {
    fn default() -> Self {
        Self { lake: true, azure_function: false }
    }
}

impl ExportHooks {
    /// The events of a new application: its first export and, when configured, the Azure Function call.
    pub(crate) async fn on_submitted(
        self,
        tx: &mut dyn Transaction,
        ids: &dyn IdGenerator,
        application: &Application,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if self.lake {
            let payload = serde_json::json!({
                "application_id": application.id,
                "candidate_id": application.candidate_id,
                "job_offer_id": application.job_offer_id,
            });
            tx.outbox().append(&OutboxEvent::new(ids.new_id(), APPLICATION_SUBMITTED, payload, now)).await?;
        }
        self.notify_function(tx, ids, application.id, None, now).await
    }

    /// The webhook (S9, R40): a re-export and, when configured, the Azure Function call with the caller's
    /// watermark forwarded.
    pub(crate) async fn on_webhook(
        self,
        tx: &mut dyn Transaction,
        ids: &dyn IdGenerator,
        application_id: Uuid,
        last_watermark: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.request_export(tx, ids, application_id, ExportReason::Webhook, last_watermark, now).await?;
        self.notify_function(tx, ids, application_id, last_watermark, now).await
    }

    /// A re-export of the application: after a status change or a document added, replaced or deleted (I10) —
    /// its fact carries the status and lists the documents, and a new PDF is copied — or for the webhook.
    pub(crate) async fn request_export(
        self,
        tx: &mut dyn Transaction,
        ids: &dyn IdGenerator,
        application_id: Uuid,
        reason: ExportReason,
        last_watermark: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.lake {
            return Ok(());
        }
        let payload = serde_json::json!({
            "application_id": application_id,
            "reason": reason.as_str(),
            "last_watermark": last_watermark,
        });
        tx.outbox().append(&OutboxEvent::new(ids.new_id(), LAKE_EXPORT_REQUESTED, payload, now)).await
    }

    /// R44's body: the webhook payload, `{application_id, last_watermark}`; its own event only with the lake off
    /// (with the lake on, the export's handler tells the function).
    async fn notify_function(
        self,
        tx: &mut dyn Transaction,
        ids: &dyn IdGenerator,
        application_id: Uuid,
        last_watermark: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.azure_function || self.lake {
            return Ok(());
        }
        let payload = r44_body(application_id, &last_watermark.into());
        tx.outbox().append(&OutboxEvent::new(ids.new_id(), AZURE_FUNCTION_NOTIFY, payload, now)).await
    }
}
