//! Reset tokens (S4): found by hash; consumed once, as the transaction sees them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::identity::{PasswordResetRecord, PasswordResetRepository, PasswordResetWriter};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction};

#[async_trait]
impl PasswordResetRepository for MemoryStore {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<PasswordResetRecord>, StoreError> {
        Ok(self.read(|state| state.password_resets.values().find(|r| r.token_hash == token_hash).cloned()))
    }

    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.write(|state| {
            let before = state.password_resets.len();
            state.password_resets.retain(|_, r| r.expires_at >= expired_before);
            (before - state.password_resets.len()) as u64
        }))
    }
}

#[async_trait]
impl PasswordResetWriter for MemoryTransaction {
    async fn insert(&mut self, reset: &PasswordResetRecord) -> Result<(), StoreError> {
        self.record(Change::InsertPasswordReset(reset.clone()))
    }

    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        // Committed state, then this transaction's own changes (transactions are serialised by the writer lock).
        let mut unused = self.store.read(|state| state.password_resets.get(&id).is_some_and(|r| r.used_at.is_none()));
        for change in &self.changes {
            match change {
                Change::InsertPasswordReset(r) if r.id == id => unused = r.used_at.is_none(),
                Change::ConsumePasswordReset { id: consumed, .. } if *consumed == id => unused = false,
                _ => {}
            }
        }
        if unused {
            self.changes.push(Change::ConsumePasswordReset { id, at });
        }
        Ok(unused)
    }

    async fn spend_unused_for_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut unused: BTreeMap<Uuid, bool> = self.store.read(|state| {
            state
                .password_resets
                .values()
                .filter(|r| r.user_id == user_id)
                .map(|r| (r.id, r.used_at.is_none()))
                .collect()
        });
        for change in &self.changes {
            match change {
                Change::InsertPasswordReset(r) if r.user_id == user_id => {
                    unused.insert(r.id, r.used_at.is_none());
                }
                Change::ConsumePasswordReset { id, .. } => {
                    if let Some(flag) = unused.get_mut(id) {
                        *flag = false;
                    }
                }
                _ => {}
            }
        }
        let spent: Vec<Uuid> = unused.into_iter().filter(|(_, unused)| *unused).map(|(id, _)| id).collect();
        for id in &spent {
            self.changes.push(Change::ConsumePasswordReset { id: *id, at });
        }
        Ok(spent.len() as u64)
    }
}
