//! The data-lake outbox handler: runs the export of one application (I2, K4) for `application.submitted` (a new
//! application) and for `lake.export_requested` (a status change, the webhook); then, for a submission or a
//! webhook call and when configured, tells the Azure Function (R40 order: blobs first, R44). A failure (lake
//! unreachable, document store down, function refusing) fails the run, so the relay retries it with backoff and
//! dead-letters it after the limit; the change that caused it never waits for it.

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use super::FunctionHook;
use super::function_hook::r44_body_of;
use super::hooks::{ExportReason, LAKE_EXPORT_REQUESTED};
use super::submission::APPLICATION_SUBMITTED;
use super::{LakeExport, LakeExportOutcome};
use crate::outbox::{OutboxEvent, OutboxHandler};

/// Runs the export named by an event's `application_id`.
#[derive(Debug, Clone)]
pub struct LakeExportHandler {
    export: LakeExport,
    kind: &'static str,
    function: Option<Arc<dyn FunctionHook>>,
}

impl LakeExportHandler {
    /// The handler of `application.submitted` (payload `{application_id, candidate_id, job_offer_id}`).
    pub fn new(export: LakeExport) -> Self {
        Self { export, kind: APPLICATION_SUBMITTED, function: None }
    }

    /// The handler of `lake.export_requested` (payload `{application_id, reason, last_watermark}`).
    pub fn for_requests(export: LakeExport) -> Self {
        Self { export, kind: LAKE_EXPORT_REQUESTED, function: None }
    }

    /// Tells `function` of submissions and webhook calls once their export succeeded (R40, R44).
    #[must_use]
    pub fn then_notify(mut self, function: Arc<dyn FunctionHook>) -> Self {
        self.function = Some(function);
        self
    }

    /// Whether this event is one the function hears of: a submission, or a webhook call.
    fn notifies(&self, event: &OutboxEvent) -> bool {
        self.kind == APPLICATION_SUBMITTED
            || event.payload.get("reason").and_then(serde_json::Value::as_str) == Some(ExportReason::Webhook.as_str())
    }
}

/// The event's `application_id`; an unreadable one is an error the payload is not quoted in (S12).
pub(crate) fn application_id(event: &OutboxEvent) -> anyhow::Result<Uuid> {
    event
        .payload
        .get("application_id")
        .and_then(serde_json::Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| anyhow::anyhow!("événement {} sans application_id lisible", event.id))
}

#[async_trait]
impl OutboxHandler for LakeExportHandler {
    fn kind(&self) -> &'static str {
        self.kind
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let id = application_id(event)?;
        match self.export.export(id).await? {
            LakeExportOutcome::Exported { .. } => {
                if let Some(function) = self.function.as_ref().filter(|_| self.notifies(event)) {
                    function.notify(&r44_body_of(id, event)).await?;
                }
            }
            // Deleted since (or never there): nothing to export, and retrying would not change that.
            LakeExportOutcome::NotFound => {
                tracing::info!(outbox.event_id = %event.id, application.id = %id, "application gone: not exported");
            }
        }
        Ok(())
    }
}
