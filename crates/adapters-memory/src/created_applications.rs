//! The backfill's listing of applications in creation order (B6), over the in-memory rows.

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::applications::{CreatedApplications, CreatedWithin, CreationKey};

use crate::database::MemoryStore;

impl MemoryStore {
    fn created_keys(&self, within: &CreatedWithin) -> Vec<CreationKey> {
        let mut keys: Vec<CreationKey> = self.read(|state| {
            state
                .applications
                .values()
                .filter(|a| within.contains(a.created_at))
                .map(|a| CreationKey { created_at: a.created_at, id: a.id })
                .collect()
        });
        keys.sort_unstable();
        keys
    }
}

#[async_trait]
impl CreatedApplications for MemoryStore {
    async fn count_created(&self, within: &CreatedWithin) -> Result<u64, StoreError> {
        Ok(self.created_keys(within).len() as u64)
    }

    async fn created_page(
        &self,
        within: &CreatedWithin,
        after: Option<CreationKey>,
        limit: u64,
    ) -> Result<Vec<CreationKey>, StoreError> {
        Ok(self
            .created_keys(within)
            .into_iter()
            .filter(|key| after.is_none_or(|after| *key > after))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect())
    }
}
