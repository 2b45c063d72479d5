//! The `application.submitted` outbox handler: runs the data-lake export of the submitted application (I2, K4).
//! A failure (lake unreachable, document store down) fails the run, so the relay retries it with backoff and
//! dead-letters it after the limit; the submission itself never waits for it.

use async_trait::async_trait;
use uuid::Uuid;

use super::submission::APPLICATION_SUBMITTED;
use super::{LakeExport, LakeExportOutcome};
use crate::outbox::{OutboxEvent, OutboxHandler};

/// Runs `application.submitted` events (payload `{application_id, candidate_id, job_offer_id}`).
#[derive(Debug, Clone)]
pub struct LakeExportHandler {
    export: LakeExport,
}

impl LakeExportHandler {
    pub fn new(export: LakeExport) -> Self {
        Self { export }
    }
}

#[async_trait]
impl OutboxHandler for LakeExportHandler {
    fn kind(&self) -> &'static str {
        APPLICATION_SUBMITTED
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let id = event
            .payload
            .get("application_id")
            .and_then(serde_json::Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| anyhow::anyhow!("événement {} sans application_id lisible", event.id))?;
        match self.export.export(id).await? {
            LakeExportOutcome::Exported { .. } => {}
            // Deleted since (or never there): nothing to export, and retrying would not change that.
            LakeExportOutcome::NotFound => {
                tracing::info!(outbox.event_id = %event.id, application.id = %id, "application gone: not exported");
            }
        }
        Ok(())
    }
}
