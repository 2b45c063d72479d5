//! The outbox handler of `privacy.erased` (B7): after an erasure committed, the erased documents' objects leave
//! the document store (those no other document row names: documents are kept by content address, and another
//! application may hold the same bytes; and only those older than the sweep's grace period, since another
//! person's submission of the same bytes may have just stored it and not committed yet: a younger one is left to
//! the sweep, which removes it once the grace period has passed and no row names it), and the data lake's objects of the candidate are rewritten or removed
//! (`LakeExport::erase_candidate`). Any failure fails the run: the outbox retries it until it is done.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Deserialize;
use uuid::Uuid;

use super::PERSONAL_DATA_ERASED;
use crate::Clock;
use crate::applications::LakeExport;
use crate::documents::{DocumentStore, DocumentStoreError};
use crate::documents_sweep::{DocumentReferences, GracePeriod};
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
    grace: GracePeriod,
    clock: Arc<dyn Clock>,
}

impl ErasedObjectsHandler {
    /// The handler; `lake` is `None` when the lake export is off (nothing was ever written there); `grace` is the
    /// sweep's (objects younger than it are left to the sweep).
    pub fn new(
        documents: Arc<dyn DocumentStore>,
        references: Arc<dyn DocumentReferences>,
        lake: Option<LakeExport>,
        grace: GracePeriod,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { documents, references, lake, grace, clock }
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
        let (mut removed, mut young) = (0_usize, 0_usize);
        let written_before = self.clock.now() - self.grace.as_delta();
        for key in erased.document_keys.iter().filter(|key| !named.contains(*key)) {
            match self.documents.stat(key).await {
                Ok(object) if object.last_modified < written_before => {
                    self.documents.delete(key).await?;
                    removed += 1;
                }
                Ok(_) => young += 1,
                Err(DocumentStoreError::NotFound) => {}
                Err(error) => return Err(error.into()),
            }
        }
        let rewritten = match &self.lake {
            Some(lake) => lake.erase_candidate(erased.user_id, &erased.application_ids).await?,
            None => 0,
        };
        tracing::info!(
            outbox.event_id = %event.id,
            documents = removed,
            left_to_the_sweep = young,
            shared = named.len(),
            lake_objects = rewritten,
            "erased account's objects removed"
        );
        Ok(())
    }
}
