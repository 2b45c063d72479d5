//! The live notifications' feed (B3) in memory: each commit's signals reach the subscribers after it.

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::identity::Notification;
use seeg_application::live::{CHANNEL_CAPACITY, Cursor, LiveReads, NotificationFeed, Signal};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::database::MemoryStore;

/// The subscribers.
#[derive(Debug)]
pub(crate) struct LiveBus(broadcast::Sender<Signal>);

impl Default for LiveBus {
    fn default() -> Self {
        Self(broadcast::channel(CHANNEL_CAPACITY).0)
    }
}

impl LiveBus {
    /// Hands a commit's signals to the subscribers (nobody listening is no error).
    pub(crate) fn publish(&self, signals: Vec<Signal>) {
        for signal in signals {
            let _ = self.0.send(signal);
        }
    }
}

impl NotificationFeed for MemoryStore {
    fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.live.0.subscribe()
    }
}

#[async_trait]
impl LiveReads for MemoryStore {
    async fn since(&self, user_id: Uuid, cursor: Option<Cursor>, limit: u64) -> Result<Vec<Notification>, StoreError> {
        Ok(self.read(|state| {
            let mut found: Vec<&Notification> = state
                .notifications
                .values()
                .filter(|n| n.user_id == user_id && cursor.is_none_or(|c| Cursor::after(n) > c))
                .collect();
            found.sort_by_key(|n| Cursor::after(n));
            found.into_iter().take(usize::try_from(limit).unwrap_or(usize::MAX)).cloned().collect()
        }))
    }

    async fn latest(&self, user_id: Uuid) -> Result<Option<Cursor>, StoreError> {
        Ok(self.read(|state| state.notifications.values().filter(|n| n.user_id == user_id).map(Cursor::after).max()))
    }

    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError> {
        Ok(self.read(|state| state.notifications.values().filter(|n| n.user_id == user_id && !n.read).count() as u64))
    }
}
