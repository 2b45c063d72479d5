//! The audit trail: appended inside the transaction of the action it records, listed newest first.

use async_trait::async_trait;
use seeg_application::identity::{AuditEvent, AuditFilter, AuditRepository, AuditWriter};
use seeg_application::{Page, PageOf, StoreError};

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

#[async_trait]
impl AuditRepository for MemoryStore {
    async fn list(&self, filter: &AuditFilter, page: Page) -> Result<PageOf<AuditEvent>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&AuditEvent> = state.audit.values().filter(|e| audit_matches(filter, e)).collect();
            found.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(b.id.cmp(&a.id)));
            page_of(found, page)
        }))
    }
}

#[async_trait]
impl AuditWriter for MemoryTransaction {
    async fn append(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        self.record(Change::AppendAudit(event.clone()))
    }
}

fn audit_matches(filter: &AuditFilter, event: &AuditEvent) -> bool {
    filter.actor_id.is_none_or(|id| event.actor_id == Some(id))
        && filter.action.as_ref().is_none_or(|a| *a == event.action)
        && filter.target_type.as_ref().is_none_or(|t| event.target_type.as_ref() == Some(t))
        && filter.target_id.as_ref().is_none_or(|t| event.target_id.as_ref() == Some(t))
        && filter.from.is_none_or(|from| event.occurred_at >= from)
        && filter.to.is_none_or(|to| event.occurred_at < to)
}
