//! In-app notifications in memory, read as the SQL adapter reads them: listed per account with filters (`q`
//! compared folded, as `search_folded` is), counted, written and marked read inside the transaction, as the
//! transaction sees them.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_application::identity::{
    Notification, NotificationFilter, NotificationRepository, NotificationSort, NotificationSortKey, NotificationStats,
    NotificationWriter, SortOrder,
};
use seeg_application::live::Signal;
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, State, page_of};

/// The table, by id.
pub(crate) type Table = BTreeMap<Uuid, Notification>;

/// `ON DELETE CASCADE` from the application.
pub(crate) fn cascade(table: &mut Table, application_id: Uuid) {
    table.retain(|_, n| n.related_application_id != Some(application_id));
}

/// Marks these notifications read.
pub(crate) fn mark_read(table: &mut Table, ids: &[Uuid]) {
    for id in ids {
        if let Some(n) = table.get_mut(id) {
            n.read = true;
        }
    }
}

fn matches(filter: &NotificationFilter, n: &Notification) -> bool {
    !(filter.unread_only && n.read)
        && filter
            .q
            .as_deref()
            .is_none_or(|q| search::fold_fields([n.title.as_str(), n.message.as_str()]).contains(&search::fold(q)))
        && filter.kind.as_deref().is_none_or(|kind| n.kind == kind)
        && filter.created_from.is_none_or(|from| n.created_at >= from)
        && filter.created_to.is_none_or(|to| n.created_at <= to)
}

fn compare(sort: NotificationSort, a: &Notification, b: &Notification) -> Ordering {
    let ascending = match sort.key {
        NotificationSortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        NotificationSortKey::Title => a.title.cmp(&b.title),
    }
    .then(a.id.cmp(&b.id));
    match sort.order {
        SortOrder::Asc => ascending,
        SortOrder::Desc => ascending.reverse(),
    }
}

fn own(state: &State, user_id: Uuid) -> impl Iterator<Item = &Notification> {
    state.notifications.values().filter(move |n| n.user_id == user_id)
}

#[async_trait]
impl NotificationRepository for MemoryStore {
    async fn list(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
        page: Page,
        sort: NotificationSort,
    ) -> Result<PageOf<Notification>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&Notification> = own(state, user_id).filter(|n| matches(filter, n)).collect();
            found.sort_by(|a, b| compare(sort, a, b));
            page_of(found, page)
        }))
    }

    async fn get(&self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError> {
        Ok(self.read(|state| state.notifications.get(&id).filter(|n| n.user_id == user_id).cloned()))
    }

    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError> {
        Ok(self.read(|state| own(state, user_id).filter(|n| !n.read).count() as u64))
    }

    async fn stats(&self, user_id: Uuid) -> Result<NotificationStats, StoreError> {
        Ok(self.read(|state| {
            let mut stats = NotificationStats::default();
            for n in own(state, user_id) {
                stats.total += 1;
                stats.unread += u64::from(!n.read);
                let kind = if n.kind.is_empty() { NotificationStats::UNTYPED } else { n.kind.as_str() };
                *stats.by_kind.entry(kind.to_owned()).or_default() += 1;
            }
            stats
        }))
    }
}

impl MemoryTransaction {
    /// The notifications as this transaction sees them.
    fn current_notifications(&self) -> Table {
        let mut table = self.store.read(|state| state.notifications.clone());
        for change in &self.changes {
            match change {
                Change::InsertNotification(n) => {
                    table.insert(n.id, n.clone());
                }
                Change::MarkNotificationsRead(ids) => mark_read(&mut table, ids),
                Change::DeleteApplication(id) => cascade(&mut table, *id),
                _ => {}
            }
        }
        table
    }
}

#[async_trait]
impl NotificationWriter for MemoryTransaction {
    async fn insert(&mut self, notification: &Notification) -> Result<(), StoreError> {
        if let Some(application_id) = notification.related_application_id
            && self.application_status(application_id).is_none()
        {
            // As the foreign key to `applications` refuses it.
            return Err(StoreError::Unexpected(anyhow::anyhow!("candidature {application_id} inconnue")));
        }
        self.record(Change::InsertNotification(notification.clone()))
    }

    async fn mark_read(&mut self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError> {
        let Some(mut read) = self.current_notifications().remove(&id).filter(|n| n.user_id == user_id) else {
            return Ok(None);
        };
        if !read.read {
            read.read = true;
            self.changes.push(Change::MarkNotificationsRead(vec![id]));
            // Only a change is told: marking a read notification again signals nothing.
            self.changes.push(Change::Signal(Signal::Read { user_id, id }));
        }
        Ok(Some(read))
    }

    async fn mark_all_read(&mut self, user_id: Uuid) -> Result<u64, StoreError> {
        let unread: Vec<Uuid> = self
            .current_notifications()
            .into_values()
            .filter(|n| n.user_id == user_id && !n.read)
            .map(|n| n.id)
            .collect();
        let changed = unread.len() as u64;
        if changed > 0 {
            self.changes.push(Change::MarkNotificationsRead(unread));
            self.changes.push(Change::Signal(Signal::AllRead { user_id }));
        }
        Ok(changed)
    }
}
