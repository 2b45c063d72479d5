//! An account's in-app notifications (legacy §1.9, R33, I8, I8b): listed, read one by one, marked read, counted. Every
//! role reads and marks its own notifications only; another account's answers as an unknown one (S3), so ids
//! cannot be probed. Marking read commits through the transaction's `NotificationWriter` (I1), the one place
//! every change to a notification goes through. A user reading its own notifications leaves no audit row: it
//! changes nothing but its own reading state.

use std::sync::Arc;

use seeg_domain::identity::User;
use tracing::instrument;
use uuid::Uuid;

use crate::identity::{Notification, NotificationFilter, NotificationRepository, NotificationSort, NotificationStats};
use crate::store::{Page, PageOf, StoreError, UnitOfWork};

/// Why a notification use case refused.
#[derive(Debug, thiserror::Error)]
pub enum NotificationError {
    /// No such notification, or another account's (S3: indistinguishable).
    #[error("Notification introuvable")]
    NotFound,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The caller's notifications: list, read, mark read, count.
#[derive(Debug, Clone)]
pub struct Notifications {
    uow: Arc<dyn UnitOfWork>,
    notifications: Arc<dyn NotificationRepository>,
}

impl Notifications {
    /// The use cases over these ports.
    pub fn new(uow: Arc<dyn UnitOfWork>, notifications: Arc<dyn NotificationRepository>) -> Self {
        Self { uow, notifications }
    }

    /// One page of the caller's notifications matching `filter`, in `sort` order, with the true total.
    #[instrument(name = "notifications.list", skip_all, fields(user.id = %caller.id))]
    pub async fn list(
        &self,
        caller: &User,
        filter: &NotificationFilter,
        page: Page,
        sort: NotificationSort,
    ) -> Result<PageOf<Notification>, NotificationError> {
        Ok(self.notifications.list(caller.id, filter, page, sort).await?)
    }

    /// The caller's notification `id`.
    #[instrument(name = "notifications.get", skip_all, fields(user.id = %caller.id, notification.id = %id))]
    pub async fn get(&self, caller: &User, id: Uuid) -> Result<Notification, NotificationError> {
        self.notifications.get(caller.id, id).await?.ok_or(NotificationError::NotFound)
    }

    /// Marks the caller's notification `id` read (again, harmlessly, when it was): the notification as stored.
    #[instrument(name = "notifications.mark_read", skip_all, fields(user.id = %caller.id, notification.id = %id))]
    pub async fn mark_read(&self, caller: &User, id: Uuid) -> Result<Notification, NotificationError> {
        let mut tx = self.uow.begin().await?;
        let Some(read) = tx.notifications().mark_read(caller.id, id).await? else {
            return Err(NotificationError::NotFound);
        };
        tx.commit().await?;
        Ok(read)
    }

    /// Marks every unread notification of the caller read: how many changed.
    #[instrument(name = "notifications.mark_all_read", skip_all, fields(user.id = %caller.id))]
    pub async fn mark_all_read(&self, caller: &User) -> Result<u64, NotificationError> {
        let mut tx = self.uow.begin().await?;
        let changed = tx.notifications().mark_all_read(caller.id).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// How many of the caller's notifications are unread.
    #[instrument(name = "notifications.unread_count", skip_all, fields(user.id = %caller.id))]
    pub async fn unread_count(&self, caller: &User) -> Result<u64, NotificationError> {
        Ok(self.notifications.unread_count(caller.id).await?)
    }

    /// The caller's notifications counted: in all, unread, per type.
    #[instrument(name = "notifications.stats", skip_all, fields(user.id = %caller.id))]
    pub async fn stats(&self, caller: &User) -> Result<NotificationStats, NotificationError> {
        Ok(self.notifications.stats(caller.id).await?)
    }
}
