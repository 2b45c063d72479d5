//! Idempotency keys (I4): claimed at once under the state's lock, so of concurrent claims exactly one wins.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::idempotency::{Claim, IdempotencyRecord, IdempotencyStore, StoredResponse};
use uuid::Uuid;

use crate::database::MemoryStore;

/// Idempotency keys live beside the transactional state: claims are immediate, like the SQL adapter's own
/// short transaction.
#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim(
        &self,
        scope: Uuid,
        key: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        Ok(self.write(|state| {
            let id = (scope, key.to_owned());
            match state.idempotency.get(&id) {
                Some(record)
                    if record.created_at >= not_before
                        && (record.response.is_some() || record.created_at >= abandoned_before) =>
                {
                    Claim::Existing(record.clone())
                }
                _ => {
                    let record = IdempotencyRecord { scope, key: key.to_owned(), response: None, created_at: at };
                    state.idempotency.insert(id, record);
                    Claim::Claimed
                }
            }
        }))
    }

    async fn complete(
        &self,
        scope: Uuid,
        key: &str,
        response: &StoredResponse,
        _at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(|state| {
            if let Some(record) = state.idempotency.get_mut(&(scope, key.to_owned())) {
                record.response = Some(response.clone());
            }
        });
        Ok(())
    }

    async fn release(&self, scope: Uuid, key: &str) -> Result<(), StoreError> {
        self.write(|state| state.idempotency.remove(&(scope, key.to_owned())));
        Ok(())
    }

    async fn remove_created_before(&self, created_before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let before = state.idempotency.len();
            state.idempotency.retain(|_, r| r.created_at >= created_before);
            (before - state.idempotency.len()) as u64
        }))
    }
}
