//! In-app notifications: listed per account, newest first, written inside the use case's transaction.

use async_trait::async_trait;
use seeg_application::identity::{Notification, NotificationRepository, NotificationWriter};
use seeg_application::{Page, PageOf, StoreError};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

#[async_trait]
impl NotificationRepository for MemoryStore {
    async fn list_for_user(&self, user_id: Uuid, page: Page) -> Result<PageOf<Notification>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&Notification> = state.notifications.values().filter(|n| n.user_id == user_id).collect();
            found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            page_of(found, page)
        }))
    }
}

#[async_trait]
impl NotificationWriter for MemoryTransaction {
    async fn insert(&mut self, notification: &Notification) -> Result<(), StoreError> {
        self.record(Change::InsertNotification(notification.clone()))
    }
}
