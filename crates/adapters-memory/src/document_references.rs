//! Which stored keys application documents name (the orphan-document sweep's query), over the in-memory rows.

use std::collections::BTreeSet;

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::documents_sweep::DocumentReferences;

use crate::database::MemoryStore;

#[async_trait]
impl DocumentReferences for MemoryStore {
    async fn referenced(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        let wanted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
        Ok(self.read(|state| {
            state
                .application_documents
                .values()
                .filter(|d| wanted.contains(d.storage_key.as_str()))
                .map(|d| d.storage_key.clone())
                .collect()
        }))
    }
}
