//! Live notifications (B3, S10): what changes in an account's notifications reaches its open streams (SSE, the
//! legacy WebSocket) as it commits, from this server process or, on PostgreSQL, from any other.
//!
//! The store signals each committed change ([`NotificationFeed`]); one task per process ([`LiveNotifications`])
//! turns each signal into the events its account's streams push (a new notification, the unread count, a read
//! mark), counting unread notifications once per change whatever the number of streams; each stream
//! ([`LiveStream`]) keeps a cursor on the last notification it pushed, so a stream resumed with `Last-Event-ID`,
//! or one that fell behind, re-reads what it missed from the store: nothing committed is lost.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::StoreError;
use crate::identity::{Notification, UserRepository};

/// How many events the process-wide channel holds for a stream that reads slowly; past it, the stream re-reads
/// from the store (see `LiveStream::next`).
pub const CHANNEL_CAPACITY: usize = 4_096;
/// The most notifications one re-read returns; a stream re-reads page after page until it has caught up.
pub const REPLAY_PAGE: u64 = 200;
/// How many of the notification ids it pushed last a stream remembers, so that one both re-read and delivered is
/// pushed once.
const RECENT_IDS: usize = 512;

/// A committed change to notifications or to who may listen, as the store signals it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// A notification was written.
    New(Box<Notification>),
    /// One notification of `user_id` was marked read.
    Read {
        /// Its account.
        user_id: Uuid,
        /// The notification.
        id: Uuid,
    },
    /// Something changed in `user_id`'s notifications that the signal could not carry: its streams re-read.
    Changed {
        /// The account.
        user_id: Uuid,
    },
    /// Every notification of `user_id` was marked read.
    AllRead {
        /// The account.
        user_id: Uuid,
    },
    /// The account may no longer listen (blocked, archived, deleted): its streams end at once.
    Revoked {
        /// The account.
        user_id: Uuid,
    },
    /// Signals may have been lost (the store's listener reconnected): every stream re-reads what it missed.
    Resync,
}

/// Committed changes, as they commit.
///
/// Contract: a subscriber receives every signal of every transaction that commits after `subscribe` returned,
/// in commit order per process, and never one of a transaction that rolled back; on PostgreSQL the signals of
/// every process sharing the database. When signals may have been lost (a listener's connection dropped), a
/// `Signal::Resync` follows. A subscriber that reads too slowly gets `RecvError::Lagged` and must resync.
pub trait NotificationFeed: Send + Sync + std::fmt::Debug {
    /// The signals committed from now on.
    fn subscribe(&self) -> broadcast::Receiver<Signal>;
}

/// Where a stream stands in its account's notifications: the last one pushed, by creation time then id (the SSE
/// event id, `Last-Event-ID` on resume).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// When the notification was written.
    pub created_at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

impl Cursor {
    /// The cursor just past `notification`.
    pub fn after(notification: &Notification) -> Self {
        Self { created_at: notification.created_at, id: notification.id }
    }

    /// The SSE event id: microseconds since the epoch, a dot, the notification id (it stays valid after the
    /// notification is deleted).
    pub fn to_event_id(self) -> String {
        format!("{}.{}", self.created_at.timestamp_micros(), self.id)
    }

    /// Reads an SSE event id back; `None` for anything `to_event_id` did not write.
    pub fn parse_event_id(raw: &str) -> Option<Self> {
        let (micros, text) = raw.split_once('.')?;
        if micros.is_empty() || !micros.bytes().all(|b| b.is_ascii_digit()) || micros.len() > 19 {
            return None;
        }
        let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        let id = Uuid::try_parse(text).ok()?;
        // Only the form written: lower-case, hyphenated.
        (id.hyphenated().to_string() == text).then_some(Self { created_at, id })
    }
}

/// What the live streams read from the store.
///
/// Contract: `since` holds the account's notifications strictly after `cursor` (by `created_at`, then `id`;
/// all of them when `None`), oldest first, at most `limit`; `latest` is the cursor of the account's newest
/// notification (`None` without any); `unread_count` counts the account's unread ones.
#[async_trait]
pub trait LiveReads: Send + Sync + std::fmt::Debug {
    /// The account's notifications after `cursor`, oldest first.
    async fn since(&self, user_id: Uuid, cursor: Option<Cursor>, limit: u64) -> Result<Vec<Notification>, StoreError>;
    /// The cursor of the account's newest notification.
    async fn latest(&self, user_id: Uuid) -> Result<Option<Cursor>, StoreError>;
    /// How many of the account's notifications are unread.
    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError>;
}

/// One event a stream pushes (legacy R34 names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushEvent {
    /// `notifications:new`, with its event id.
    New(Box<Notification>),
    /// `notifications:unread_count`.
    UnreadCount(u64),
    /// `notifications:updated`: one notification was read.
    Updated(Uuid),
    /// `notifications:updated_all`: every one was read.
    UpdatedAll,
}

/// What the process task hands to the streams: one account's events, or a signal for everyone.
#[derive(Debug)]
enum Delivery {
    To { user_id: Uuid, events: Vec<PushEvent> },
    CatchUp(Uuid),
    Revoked(Uuid),
    Resync,
}

/// Why a stream was not opened.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The account holds `max` streams in this process already (S6: one account cannot exhaust the server).
    #[error("Trop de flux de notifications ouverts pour ce compte (au plus {max})")]
    TooManyStreams {
        /// The bound.
        max: usize,
    },
    /// The process holds `max` streams in all already (S6: accounts together cannot exhaust it either).
    #[error("Le serveur a atteint son nombre maximal de flux de notifications ouverts ({max}) : réessayez plus tard")]
    ServerFull {
        /// The bound.
        max: usize,
    },
    /// The account may no longer listen (blocked, archived, deactivated).
    #[error("Could not validate credentials")]
    Revoked,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How many streams each account may hold open in one process.
type OpenStreams = Arc<Mutex<HashMap<Uuid, usize>>>;

/// The process's live notifications: one task reads the feed and hands each change to the streams of its
/// account.
#[derive(Debug, Clone)]
pub struct LiveNotifications {
    deliveries: broadcast::Sender<Arc<Delivery>>,
    reads: Arc<dyn LiveReads>,
    users: Arc<dyn UserRepository>,
    open: OpenStreams,
    limits: LiveLimits,
}

/// How many streams a process holds open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveLimits {
    /// At most this many per account (tabs, devices).
    pub per_account: usize,
    /// At most this many in all.
    pub in_all: usize,
}

impl LiveNotifications {
    /// Starts the process task on `feed` (on the current tokio runtime); it stops when the feed closes. `users`
    /// says whether an account may still listen. The process holds at most `limits` streams at once.
    pub fn start(
        feed: &dyn NotificationFeed,
        reads: Arc<dyn LiveReads>,
        users: Arc<dyn UserRepository>,
        limits: LiveLimits,
    ) -> Self {
        let (deliveries, _) = broadcast::channel(CHANNEL_CAPACITY);
        let signals = feed.subscribe();
        let open = OpenStreams::default();
        tokio::spawn(relay(signals, deliveries.clone(), Arc::clone(&reads), Arc::clone(&open)));
        Self { deliveries, reads, users, open, limits }
    }

    /// How many streams are open in this process.
    pub fn streams(&self) -> usize {
        self.deliveries.receiver_count()
    }

    /// Opens a stream for `user_id`: first the notifications after `resume_from` (an SSE `Last-Event-ID`; without
    /// it, from now on), a page at a time as they are read, then the unread count, then every change as it
    /// commits. `Revoked` when the account may not listen (blocked since its credential was checked).
    pub async fn open(&self, user_id: Uuid, resume_from: Option<Cursor>) -> Result<LiveStream, LiveError> {
        let slot = StreamSlot::take(&self.open, user_id, self.limits)?;
        // Subscribed before reading: a change committed meanwhile is both read and delivered (then pushed once),
        // never neither; a block committed meanwhile is either seen here or delivered.
        let deliveries = self.deliveries.subscribe();
        if !may_listen(self.users.as_ref(), user_id).await? {
            return Err(LiveError::Revoked);
        }
        let cursor = match resume_from {
            Some(cursor) => Some(cursor),
            None => self.reads.latest(user_id).await?,
        };
        let (reads, users) = (Arc::clone(&self.reads), Arc::clone(&self.users));
        let (pending, recent) = (VecDeque::new(), VecDeque::new());
        let floor = cursor;
        Ok(LiveStream { user_id, deliveries, reads, users, pending, cursor, recent, floor, stale: true, _slot: slot })
    }
}

async fn relay(
    mut signals: broadcast::Receiver<Signal>,
    deliveries: broadcast::Sender<Arc<Delivery>>,
    reads: Arc<dyn LiveReads>,
    open: OpenStreams,
) {
    // Whether an account has a stream open in this process: nothing is counted or sent for one that has none.
    let listening = |user_id: &Uuid| open.lock().unwrap_or_else(PoisonError::into_inner).contains_key(user_id);
    loop {
        let signal = signals.recv().await;
        let user = match &signal {
            Ok(Signal::New(n)) => Some(n.user_id),
            Ok(
                Signal::Read { user_id, .. }
                | Signal::AllRead { user_id }
                | Signal::Changed { user_id }
                | Signal::Revoked { user_id },
            ) => Some(*user_id),
            Ok(Signal::Resync) | Err(_) => None,
        };
        if user.is_some_and(|u| !listening(&u)) {
            continue;
        }
        let delivery = match signal {
            Ok(Signal::New(notification)) => {
                let user_id = notification.user_id;
                let mut events = vec![PushEvent::New(notification)];
                events.extend(unread(reads.as_ref(), user_id).await);
                Delivery::To { user_id, events }
            }
            Ok(Signal::Read { user_id, id }) => {
                let mut events = vec![PushEvent::Updated(id)];
                events.extend(unread(reads.as_ref(), user_id).await);
                Delivery::To { user_id, events }
            }
            Ok(Signal::AllRead { user_id }) => {
                let mut events = vec![PushEvent::UpdatedAll];
                events.extend(unread(reads.as_ref(), user_id).await);
                Delivery::To { user_id, events }
            }
            Ok(Signal::Changed { user_id }) => Delivery::CatchUp(user_id),
            Ok(Signal::Revoked { user_id }) => Delivery::Revoked(user_id),
            Ok(Signal::Resync) | Err(broadcast::error::RecvError::Lagged(_)) => Delivery::Resync,
            Err(broadcast::error::RecvError::Closed) => return,
        };
        // No stream open is no error: the change is in the store for the next one.
        let _ = deliveries.send(Arc::new(delivery));
    }
}

/// Whether the account may still listen: it exists and may sign in (as `Accounts::authenticate` requires).
async fn may_listen(users: &dyn UserRepository, user_id: Uuid) -> Result<bool, StoreError> {
    Ok(users.get(user_id).await?.is_some_and(|u| u.status == seeg_domain::identity::UserStatus::Active))
}

/// The unread count event, or none when the store cannot count now (the next change, or a resync, sends it).
async fn unread(reads: &dyn LiveReads, user_id: Uuid) -> Option<PushEvent> {
    match reads.unread_count(user_id).await {
        Ok(count) => Some(PushEvent::UnreadCount(count)),
        Err(error) => {
            tracing::warn!(user.id = %user_id, error = %error, "live notifications: unread count failed");
            None
        }
    }
}

/// One account's open stream.
#[derive(Debug)]
pub struct LiveStream {
    user_id: Uuid,
    deliveries: broadcast::Receiver<Arc<Delivery>>,
    reads: Arc<dyn LiveReads>,
    users: Arc<dyn UserRepository>,
    pending: VecDeque<PushEvent>,
    /// The newest notification pushed (or the resume point; the newest one when the stream opened).
    cursor: Option<Cursor>,
    /// The ids pushed last, oldest first.
    recent: VecDeque<Uuid>,
    /// How far the last complete re-read went: a notification at or before it was in the store then (pushed by
    /// the re-read, or older than the stream), so a late signal of it is not pushed.
    floor: Option<Cursor>,
    /// Whether the stream must re-read the store before anything else: opened, resumed, fallen behind or told
    /// to resync. Cleared only once the re-read is complete, so an interrupted `next` (a `select!` that picked
    /// another branch) loses nothing: the next call goes on from the cursor.
    stale: bool,
    /// Its place among the account's open streams, given back when the stream is dropped.
    _slot: StreamSlot,
}

/// One of an account's open streams; dropping it gives the place back.
#[derive(Debug)]
struct StreamSlot {
    open: OpenStreams,
    user_id: Uuid,
}

impl StreamSlot {
    fn take(open: &OpenStreams, user_id: Uuid, limits: LiveLimits) -> Result<Self, LiveError> {
        let mut counts = open.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.values().sum::<usize>() >= limits.in_all {
            return Err(LiveError::ServerFull { max: limits.in_all });
        }
        let count = counts.entry(user_id).or_default();
        if *count >= limits.per_account {
            return Err(LiveError::TooManyStreams { max: limits.per_account });
        }
        *count += 1;
        Ok(Self { open: Arc::clone(open), user_id })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.user_id);
            }
        }
    }
}

impl LiveStream {
    /// The account listening.
    pub fn user_id(&self) -> Uuid {
        self.user_id
    }

    /// Records `notification` as pushed, moving the cursor past it; `false` when it was pushed already. (Commits
    /// may land out of creation order: a live notification older than the cursor is still pushed.)
    fn remember(&mut self, notification: &Notification) -> bool {
        if self.recent.contains(&notification.id) {
            return false;
        }
        if self.recent.len() == RECENT_IDS {
            self.recent.pop_front();
        }
        self.recent.push_back(notification.id);
        self.cursor = self.cursor.max(Some(Cursor::after(notification)));
        true
    }

    /// Reads one page of what the stream missed (the notifications after its cursor) into `pending`, and after
    /// the last page the unread count; `false` when the account may no longer listen. The stream stays `stale`
    /// until the last page is read.
    async fn catch_up(&mut self) -> Result<bool, StoreError> {
        if !may_listen(self.users.as_ref(), self.user_id).await? {
            return Ok(false);
        }
        let page = self.reads.since(self.user_id, self.cursor, REPLAY_PAGE).await?;
        let more = page.len() as u64 == REPLAY_PAGE;
        for notification in page {
            if self.remember(&notification) {
                self.pending.push_back(PushEvent::New(Box::new(notification)));
            }
        }
        if !more {
            let count = self.reads.unread_count(self.user_id).await?;
            self.pending.push_back(PushEvent::UnreadCount(count));
            self.floor = self.cursor;
            self.stale = false;
        }
        Ok(true)
    }

    /// The next event to push; `None` when the stream must end (the account may no longer listen, or the
    /// process is stopping). A notification already pushed (seen again after a re-read) is not pushed twice.
    /// Cancel-safe: dropping the future before it completes loses no event.
    pub async fn next(&mut self) -> Result<Option<PushEvent>, StoreError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            if self.stale {
                // Changes committed meanwhile wait in the channel (or make it lag: a re-read again).
                if !self.catch_up().await? {
                    return Ok(None);
                }
                continue;
            }
            match self.deliveries.recv().await {
                Ok(delivery) => match delivery.as_ref() {
                    Delivery::To { user_id, events } if *user_id == self.user_id => {
                        // A notification already pushed, or older than the last re-read, is not pushed again,
                        // nor the count that came with it.
                        if let Some(PushEvent::New(notification)) = events.first()
                            && (self.floor.is_some_and(|floor| Cursor::after(notification) <= floor)
                                || !self.remember(notification))
                        {
                            continue;
                        }
                        self.pending.extend(events.iter().cloned());
                    }
                    Delivery::Revoked(user_id) if *user_id == self.user_id => return Ok(None),
                    Delivery::CatchUp(user_id) if *user_id == self.user_id => self.stale = true,
                    Delivery::Resync => self.stale = true,
                    // Another account's.
                    Delivery::To { .. } | Delivery::CatchUp(_) | Delivery::Revoked(_) => {}
                },
                // Fallen behind: what was dropped, a block included, is found by the re-read.
                Err(broadcast::error::RecvError::Lagged(_)) => self.stale = true,
                Err(broadcast::error::RecvError::Closed) => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_round_trip_and_nothing_else_parses() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_micros(1_780_000_000_123_456).unwrap(),
            id: Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef),
        };
        let id = cursor.to_event_id();
        assert_eq!(id, "1780000000123456.01234567-89ab-cdef-0123-456789abcdef");
        assert_eq!(Cursor::parse_event_id(&id), Some(cursor));
        for bad in [
            "",
            ".",
            "1780000000123456",
            "1780000000123456.",
            ".01234567-89ab-cdef-0123-456789abcdef",
            "-1.01234567-89ab-cdef-0123-456789abcdef",
            "+1.01234567-89ab-cdef-0123-456789abcdef",
            "99999999999999999999.01234567-89ab-cdef-0123-456789abcdef",
            "1780000000123456.0123456789abcdef0123456789abcdef",
            "1780000000123456.{01234567-89ab-cdef-0123-456789abcdef}",
            "1780000000123456.01234567-89AB-CDEF-0123-456789ABCDEF",
            "1780000000123456.01234567-89ab-cdef-0123-456789abcdef.1",
        ] {
            assert_eq!(Cursor::parse_event_id(bad), None, "{bad}");
        }
    }
}
