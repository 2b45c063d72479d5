//! The live notifications' feed (B3): each transaction's signals reach the subscribers when it commits.
//!
//! PostgreSQL: a signal is a `pg_notify` on the channel `seeg_live` inside the transaction (PostgreSQL delivers it
//! on commit, drops it on rollback), and every process LISTENs: a notification written by one reaches the streams
//! of all. SQLite (one process): the transaction keeps its signals and hands them to the process's subscribers
//! after its commit.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::postgres::{PgListener, PgPoolOptions};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use seeg_application::StoreError;
use seeg_application::identity::Notification;
use seeg_application::live::{CHANNEL_CAPACITY, Cursor, LiveReads, NotificationFeed, Signal};
use serde::{Deserialize, Serialize};
use tokio::sync::{OnceCell, broadcast};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};

/// The PostgreSQL channel.
pub const CHANNEL: &str = "seeg_live";
/// PostgreSQL refuses a payload of 8 000 bytes or more; a larger notification travels as its account's id only
/// (its streams re-read it).
const MAX_PAYLOAD: usize = 7_900;

/// The process's subscribers, and (PostgreSQL) whether its listener runs and how to stop it.
#[derive(Debug)]
pub(crate) struct LiveBus {
    sender: broadcast::Sender<Signal>,
    listening: OnceCell<()>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Default for LiveBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(CHANNEL_CAPACITY).0,
            listening: OnceCell::new(),
            stop: tokio::sync::watch::channel(false).0,
        }
    }
}

impl LiveBus {
    /// Stops the listener, if one runs (the database is closing).
    pub(crate) fn stop(&self) {
        self.stop.send_replace(true);
    }
}

/// A signal as it travels in a `pg_notify` payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "k", rename_all = "snake_case")]
enum Wire {
    New { n: WireNotification },
    Changed { u: Uuid },
    Read { u: Uuid, id: Uuid },
    AllRead { u: Uuid },
    Revoked { u: Uuid },
}

#[derive(Debug, Serialize, Deserialize)]
struct WireNotification {
    id: Uuid,
    user_id: Uuid,
    related_application_id: Option<Uuid>,
    title: String,
    message: String,
    kind: String,
    link: Option<String>,
    read: bool,
    created_at: DateTime<Utc>,
}

impl Wire {
    fn of(signal: &Signal) -> Option<Self> {
        Some(match signal {
            Signal::New(n) => Self::New {
                n: WireNotification {
                    id: n.id,
                    user_id: n.user_id,
                    related_application_id: n.related_application_id,
                    title: n.title.clone(),
                    message: n.message.clone(),
                    kind: n.kind.clone(),
                    link: n.link.clone(),
                    read: n.read,
                    created_at: n.created_at,
                },
            },
            Signal::Changed { user_id } => Self::Changed { u: *user_id },
            Signal::Read { user_id, id } => Self::Read { u: *user_id, id: *id },
            Signal::AllRead { user_id } => Self::AllRead { u: *user_id },
            Signal::Revoked { user_id } => Self::Revoked { u: *user_id },
            // Not sent by transactions: a listener says it when it reconnects.
            Signal::Resync => return None,
        })
    }

    fn into_signal(self) -> Signal {
        match self {
            Self::New { n } => Signal::New(Box::new(Notification {
                id: n.id,
                user_id: n.user_id,
                related_application_id: n.related_application_id,
                title: n.title,
                message: n.message,
                kind: n.kind,
                link: n.link,
                read: n.read,
                created_at: n.created_at,
            })),
            Self::Changed { u } => Signal::Changed { user_id: u },
            Self::Read { u, id } => Signal::Read { user_id: u, id },
            Self::AllRead { u } => Signal::AllRead { user_id: u },
            Self::Revoked { u } => Signal::Revoked { user_id: u },
        }
    }

    /// The payload: the signal, or its account's `changed` when the signal is too large for a payload.
    fn payload(signal: &Signal) -> Result<Option<String>, StoreError> {
        let Some(wire) = Self::of(signal) else { return Ok(None) };
        let text = serde_json::to_string(&wire).map_err(|e| StoreError::Unexpected(e.into()))?;
        if text.len() < MAX_PAYLOAD {
            return Ok(Some(text));
        }
        let user_id = match wire {
            Self::New { n } => n.user_id,
            Self::Changed { u } | Self::Read { u, .. } | Self::AllRead { u } | Self::Revoked { u } => u,
        };
        let changed =
            serde_json::to_string(&Self::Changed { u: user_id }).map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(Some(changed))
    }
}

impl SqlTransaction {
    /// Signals `signal` when (and only if) this transaction commits.
    pub(crate) async fn signal(&mut self, signal: Signal) -> Result<(), StoreError> {
        if self.tx.get_database_backend() != DatabaseBackend::Postgres {
            self.signals.push(signal);
            return Ok(());
        }
        let Some(payload) = Wire::payload(&signal)? else { return Ok(()) };
        let notify = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), payload.into()],
        );
        self.tx.execute_raw(notify).await.map_err(store_error)?;
        Ok(())
    }

    /// After the commit: hands the kept signals (SQLite) to the process's subscribers.
    pub(crate) fn publish(bus: &LiveBus, signals: Vec<Signal>) {
        for signal in signals {
            // Nobody listening is no error: the change is in the database for the next stream.
            let _ = bus.sender.send(signal);
        }
    }
}

impl Database {
    /// Starts listening to the other processes' signals (PostgreSQL; nothing to do on SQLite), once per pool;
    /// returns when the listener is subscribed, so that a stream opened afterwards misses nothing committed
    /// afterwards. The listener has a connection of its own (not the pool's: closing the pool never waits for
    /// it) and stops when the database is closed.
    pub async fn start_live_feed(&self) -> Result<(), StoreError> {
        if self.conn.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        let bus = Arc::clone(&self.live);
        let options = self.conn.get_postgres_connection_pool().connect_options();
        self.live
            .listening
            .get_or_try_init(|| async move {
                let unexpected = |e: sea_orm::sqlx::Error| StoreError::Unexpected(e.into());
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .max_lifetime(None)
                    .idle_timeout(None)
                    .connect_with((*options).clone())
                    .await
                    .map_err(unexpected)?;
                let mut listener = PgListener::connect_with(&pool).await.map_err(unexpected)?;
                listener.listen(CHANNEL).await.map_err(unexpected)?;
                let stop = bus.stop.subscribe();
                tokio::spawn(listen(listener, pool, bus, stop));
                Ok::<(), StoreError>(())
            })
            .await?;
        Ok(())
    }
}

/// Returns once the database is closing (or its bus is gone).
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

/// Hands each signal to the process's subscribers until the database closes. When the connection drops, or
/// listening fails, it listens again and then says `Resync`: what committed meanwhile is re-read by the streams.
async fn listen(
    mut listener: PgListener,
    pool: sea_orm::sqlx::PgPool,
    bus: Arc<LiveBus>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let received = tokio::select! {
            received = listener.try_recv() => received,
            () = stopped(&mut stop) => break,
        };
        match received {
            Ok(Some(notification)) => match serde_json::from_str::<Wire>(notification.payload()) {
                Ok(wire) => {
                    let _ = bus.sender.send(wire.into_signal());
                }
                Err(error) => tracing::warn!(error = ?error.classify(), "live feed: unreadable payload ignored"),
            },
            // The connection dropped and was made again (sqlx reconnects and listens again before answering).
            Ok(None) => {
                let _ = bus.sender.send(Signal::Resync);
            }
            Err(error) => {
                tracing::warn!(error = %error, "live feed: listener failed, listening again");
                loop {
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                        () = stopped(&mut stop) => {
                            pool.close().await;
                            return;
                        }
                    }
                    // Forget the channel, then listen again: `listen` connects first when it has to.
                    let _ = listener.unlisten(CHANNEL).await;
                    if listener.listen(CHANNEL).await.is_ok() {
                        break;
                    }
                }
                let _ = bus.sender.send(Signal::Resync);
            }
        }
    }
    drop(listener);
    pool.close().await;
}

impl NotificationFeed for Database {
    fn subscribe(&self) -> broadcast::Receiver<Signal> {
        self.live.sender.subscribe()
    }
}

#[async_trait::async_trait]
impl LiveReads for Database {
    async fn since(&self, user_id: Uuid, cursor: Option<Cursor>, limit: u64) -> Result<Vec<Notification>, StoreError> {
        crate::notifications::since(&self.conn, user_id, cursor, limit).await
    }

    async fn latest(&self, user_id: Uuid) -> Result<Option<Cursor>, StoreError> {
        crate::notifications::latest(&self.conn, user_id).await
    }

    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError> {
        seeg_application::identity::NotificationRepository::unread_count(self, user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notification_too_large_for_a_payload_travels_as_its_accounts_change() {
        let user_id = Uuid::from_u128(7);
        let notification = |message: String| Notification {
            id: Uuid::from_u128(1),
            user_id,
            related_application_id: None,
            title: "Candidature mise à jour".into(),
            message,
            kind: "application_status_changed".into(),
            link: None,
            read: false,
            created_at: DateTime::UNIX_EPOCH,
        };
        let small = Signal::New(Box::new(notification("« Offre » : incubation".into())));
        let text = Wire::payload(&small).unwrap().unwrap();
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert_eq!(back.into_signal(), small);
        let large = Signal::New(Box::new(notification("é".repeat(MAX_PAYLOAD))));
        let text = Wire::payload(&large).unwrap().unwrap();
        let back: Wire = serde_json::from_str(&text).unwrap();
        assert_eq!(back.into_signal(), Signal::Changed { user_id });
        assert_eq!(Wire::payload(&Signal::Resync).unwrap(), None);
    }
}
