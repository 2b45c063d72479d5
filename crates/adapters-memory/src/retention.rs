//! The retention job's accounts and warnings (B7), over the in-memory rows: the same rules as the SQL adapter's
//! statements, written in Rust.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::privacy::{RetentionCandidate, RetentionRepository, RetentionWarningWriter};
use seeg_domain::identity::{Role, UserStatus};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, State};

/// Every subject account with ids after `after`, in id order, with its last activity and warning.
fn subjects(state: &State, after: Option<Uuid>) -> impl Iterator<Item = RetentionCandidate> + '_ {
    state
        .users
        .values()
        .filter(move |u| after.is_none_or(|after| u.id > after))
        .filter(|u| u.role == Role::Candidate && u.status != UserStatus::Archived)
        .map(|u| {
            let applications = state.applications.values().filter(|a| a.candidate_id == u.id).map(|a| a.updated_at);
            let last_activity = std::iter::once(u.created_at).chain(u.last_login).chain(applications).max();
            RetentionCandidate {
                user_id: u.id,
                last_activity: last_activity.unwrap_or(u.created_at),
                warned_at: state.retention_warnings.get(&u.id).copied(),
            }
        })
}

fn take(found: impl Iterator<Item = RetentionCandidate>, limit: u64) -> Vec<RetentionCandidate> {
    found.take(usize::try_from(limit).unwrap_or(usize::MAX)).collect()
}

#[async_trait]
impl RetentionRepository for MemoryStore {
    async fn to_warn(
        &self,
        inactive_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        Ok(self.read(|state| {
            let found = subjects(state, after).filter(|a| {
                a.last_activity < inactive_before && a.warned_at.is_none_or(|warned| a.last_activity >= warned)
            });
            take(found, limit)
        }))
    }

    async fn due_for_erasure(
        &self,
        inactive_before: DateTime<Utc>,
        warned_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        Ok(self.read(|state| {
            let found = subjects(state, after).filter(|a| {
                a.last_activity < inactive_before
                    && a.warned_at.is_some_and(|warned| warned < warned_before && a.last_activity < warned)
            });
            take(found, limit)
        }))
    }
}

#[async_trait]
impl RetentionWarningWriter for MemoryTransaction {
    async fn record_warning(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        // The key references `users`, as the SQL table's does.
        let known = self.store.read(|state| state.users.contains_key(&user_id))
            || self.changes.iter().any(|c| matches!(c, Change::InsertUser(u) if u.id == user_id));
        if !known {
            return Err(StoreError::Unexpected(anyhow::anyhow!("compte {user_id} inconnu : avertissement refusé")));
        }
        self.record(Change::RecordRetentionWarning { user_id, at })
    }

    async fn warned_at(&mut self, user_id: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
        let pending = self.changes.iter().rev().find_map(|c| match c {
            Change::RecordRetentionWarning { user_id: id, at } if *id == user_id => Some(*at),
            _ => None,
        });
        Ok(pending.or_else(|| self.store.read(|state| state.retention_warnings.get(&user_id).copied())))
    }
}
