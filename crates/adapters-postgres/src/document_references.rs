//! Which stored keys application documents name, for the orphan-document sweep: one `SELECT DISTINCT … WHERE
//! storage_key IN (…)` per batch, served by `idx_app_docs_storage_key`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use seeg_application::StoreError;
use seeg_application::documents_sweep::DocumentReferences;

use crate::database::{Database, store_error};
use crate::entities::application_document;

#[async_trait]
impl DocumentReferences for Database {
    async fn referenced(&self, keys: &[String]) -> Result<BTreeSet<String>, StoreError> {
        if keys.is_empty() {
            return Ok(BTreeSet::new());
        }
        let found: Vec<String> = application_document::Entity::find()
            .select_only()
            .column(application_document::Column::StorageKey)
            .distinct()
            .filter(application_document::Column::StorageKey.is_in(keys.iter().map(String::as_str)))
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(found.into_iter().collect())
    }
}
