//! The outbox handler of `privacy.erased` (B7): after an erasure committed, the erased documents' objects leave
//! the document store (those no other document row names: documents are kept by content address, and another
//! application may hold the same bytes), and the data lake's objects of the candidate are rewritten or removed
//! (`LakeExport::erase_candidate`). Any failure fails the run: the outbox retries it until it is done.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use uuid::Uuid;

use super::PERSONAL_DATA_ERASED;
use crate::applications::LakeExport;
use crate::documents::DocumentStore;
use crate::documents_sweep::DocumentReferences;
use crate::outbox::{OutboxEvent, OutboxHandler};

/// The event's payload: ids and content addresses only.
#[derive(Debug, Deserialize)]
struct Erased {
    user_id: Uuid,
    #[serde(default)]
    application_ids: Vec<Uuid>,
    #[serde(default)]
    document_keys: Vec<String>,
}

/// Removes what an erasure left outside the database.
#[derive(Debug, Clone)]
pub struct ErasedObjectsHandler {
    documents: Arc<dyn DocumentStore>,
    references: Arc<dyn DocumentReferences>,
    lake: Option<LakeExport>,
}

impl ErasedObjectsHandler {
    /// The handler; `lake` is `None` when the lake export is off (nothing was ever written there).
    pub fn new(
        documents: Arc<dyn DocumentStore>,
        references: Arc<dyn DocumentReferences>,
        lake: Option<LakeExport>,
    ) -> Self {
        Self { documents, references, lake }
    }
}

#[async_trait]
impl OutboxHandler for ErasedObjectsHandler {
    fn kind(&self) -> &'static str {
        PERSONAL_DATA_ERASED
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let erased: Erased = serde_json::from_value(event.payload.clone())
            .map_err(|_| anyhow::anyhow!("événement {} : charge utile illisible", event.id))?;
        let named = self.references.referenced(&erased.document_keys).await?;
        let mut removed = 0_usize;
        for key in erased.document_keys.iter().filter(|key| !named.contains(*key)) {
            self.documents.delete(key).await?;
            removed += 1;
        }
        let rewritten = match &self.lake {
            Some(lake) => lake.erase_candidate(erased.user_id, &erased.application_ids).await?,
            None => 0,
        };
        tracing::info!(
            outbox.event_id = %event.id,
            documents = removed,
            shared = named.len(),
            lake_objects = rewritten,
            "erased account's objects removed"
        );
        Ok(())
    }
}
