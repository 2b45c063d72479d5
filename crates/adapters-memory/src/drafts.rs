//! Application drafts: one per (user, offer); a save over a stored draft keeps its creation time, and a draft
//! goes with its offer (the SQL `ON DELETE CASCADE`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::applications::drafts::{Draft, DraftRepository, DraftWriter};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction};

#[async_trait]
impl DraftRepository for MemoryStore {
    async fn get(&self, user_id: Uuid, job_offer_id: Uuid) -> Result<Option<Draft>, StoreError> {
        Ok(self.read(|state| state.drafts.get(&(user_id, job_offer_id)).cloned()))
    }
}

#[async_trait]
impl DraftWriter for MemoryTransaction {
    async fn save(&mut self, draft: &Draft) -> Result<(), StoreError> {
        // The foreign keys of the SQL schema.
        if !self.user_exists(draft.user_id) || !self.offer_exists(draft.job_offer_id) {
            return Err(StoreError::Unexpected(anyhow::anyhow!("fk_application_drafts : compte ou offre inconnu")));
        }
        self.changes.push(Change::SaveDraft(Box::new(draft.clone())));
        Ok(())
    }

    async fn delete(&mut self, user_id: Uuid, job_offer_id: Uuid) -> Result<bool, StoreError> {
        let existed = self.draft_exists(user_id, job_offer_id);
        self.changes.push(Change::DeleteDraft { user_id, job_offer_id });
        Ok(existed)
    }
}

/// The upsert on the (user, offer) key: a stored draft keeps its creation time.
pub(crate) fn save_draft(drafts: &mut BTreeMap<(Uuid, Uuid), Draft>, mut draft: Draft) {
    if let Some(stored) = drafts.get(&(draft.user_id, draft.job_offer_id)) {
        draft.created_at = stored.created_at;
    }
    drafts.insert((draft.user_id, draft.job_offer_id), draft);
}

impl MemoryTransaction {
    /// Whether (user, offer) has a draft as this transaction sees it.
    fn draft_exists(&self, user_id: Uuid, job_offer_id: Uuid) -> bool {
        let mut exists = self.store.read(|state| state.drafts.contains_key(&(user_id, job_offer_id)));
        for change in &self.changes {
            match change {
                Change::SaveDraft(d) if (d.user_id, d.job_offer_id) == (user_id, job_offer_id) => exists = true,
                Change::DeleteDraft { user_id: u, job_offer_id: o } if (*u, *o) == (user_id, job_offer_id) => {
                    exists = false;
                }
                Change::DeleteOffer(id) if *id == job_offer_id => exists = false,
                _ => {}
            }
        }
        exists
    }
}
