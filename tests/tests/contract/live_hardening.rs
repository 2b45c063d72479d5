//! The live notifications' hub under attack (from the security review of this capability; each failed before
//! its fix): a stream that falls behind still ends when its account is blocked; a resumed stream reads its
//! history a page at a time, as the client takes it, never the whole of it at once; a `next` interrupted by
//! `select!` loses nothing.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use seeg_adapters_memory::MemoryStore;
use seeg_application::identity::Notification;
use seeg_application::live::{CHANNEL_CAPACITY, LiveLimits, LiveNotifications, LiveStream, PushEvent};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::identity::UserStatus;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends};
use uuid::Uuid;

fn notification(user_id: Uuid, title: &str, minutes: i64) -> Notification {
    Notification {
        id: SystemIds.new_id(),
        user_id,
        related_application_id: None,
        title: title.to_owned(),
        message: format!("{title} : détail"),
        kind: "application_status_changed".to_owned(),
        link: None,
        read: false,
        created_at: base_time() + TimeDelta::minutes(minutes),
    }
}

async fn next_event(stream: &mut LiveStream) -> Option<PushEvent> {
    tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an event within 10 s").unwrap()
}

/// A stream that falls behind (a slow SSE reader, a busy process) by more than `CHANNEL_CAPACITY` deliveries
/// re-reads notifications (`catch_up`) but never learns that its account was blocked meanwhile: the
/// `Delivery::Revoked` was among the deliveries it skipped. The blocked account keeps receiving its new
/// notifications live until its token expires (S4 says a blocked account loses access at once).
async fn a_stream_that_fell_behind_still_ends_when_its_account_is_blocked(backend: Backend) {
    assert_eq!(backend, Backend::Memory);
    let (store, p, awa, jean) = awa_and_jean().await;
    let hub = LiveNotifications::start(
        &store,
        Arc::new(store.clone()),
        Arc::new(store.clone()),
        LiveLimits { per_account: 4, in_all: 10 },
    );

    let mut stream = hub.open(awa.id, None).await.unwrap();
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(0)));

    // Awa is blocked while her stream is not being read.
    let mut tx = p.uow.begin().await.unwrap();
    let mut blocked = awa.clone();
    blocked.status = UserStatus::Blocked;
    tx.users().update(&blocked).await.unwrap();
    tx.commit().await.unwrap();

    // Another account's activity (Jean, listening too, gets many notifications) pushes the revocation out of the
    // process channel before the stream reads again.
    let _jeans_stream = hub.open(jean.id, None).await.unwrap();
    for i in 0..(CHANNEL_CAPACITY + 64) {
        let mut tx = p.uow.begin().await.unwrap();
        let minutes = i64::try_from(i).unwrap() + 10;
        tx.notifications().insert(&notification(jean.id, "Pour Jean", minutes)).await.unwrap();
        tx.commit().await.unwrap();
        if i % 256 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Something new for the blocked account.
    let after_block = notification(awa.id, "Après le blocage", 2);
    let mut tx = p.uow.begin().await.unwrap();
    tx.notifications().insert(&after_block).await.unwrap();
    tx.commit().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let first = next_event(&mut stream).await;
    assert_eq!(first, None, "a blocked account's stream must end; it pushed {first:?} instead");
}

/// A store with two accounts, Awa and Jean.
async fn awa_and_jean() -> (MemoryStore, Ports, seeg_domain::identity::User, seeg_domain::identity::User) {
    let store = MemoryStore::new();
    let p = Ports::over(&store);
    let (awa, jean) = (user("awa@example.com"), user("jean@example.com"));
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&awa).await.unwrap();
    tx.users().insert(&jean).await.unwrap();
    tx.commit().await.unwrap();
    (store, p, awa, jean)
}

fn new_event(n: &Notification) -> PushEvent {
    PushEvent::New(Box::new(n.clone()))
}

/// A candidate makes notifications at will (each draft save writes one), then opens its streams with
/// `Last-Event-ID: 0.00000000-0000-0000-0000-000000000000`: each stream must read its history a page at a time as
/// the client takes it, not copy it whole into memory before answering.
async fn a_resumed_stream_reads_its_history_a_page_at_a_time(backend: Backend) {
    assert_eq!(backend, Backend::Memory);
    let store = MemoryStore::new();
    let p = Ports::over(&store);
    let awa = user("awa@example.com");
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&awa).await.unwrap();
    let history: Vec<Notification> = (0..1_000).map(|i| notification(awa.id, "Brouillon enregistré", i)).collect();
    for n in &history {
        tx.notifications().insert(n).await.unwrap();
    }
    tx.commit().await.unwrap();
    let reads = Arc::new(CountingReads(store.clone(), std::sync::atomic::AtomicUsize::new(0)));
    let hub = LiveNotifications::start(
        &store,
        reads.clone(),
        Arc::new(store.clone()),
        LiveLimits { per_account: 8, in_all: 100 },
    );
    let origin = seeg_application::live::Cursor { created_at: chrono::DateTime::UNIX_EPOCH, id: Uuid::nil() };
    let mut streams = Vec::new();
    for _ in 0..8 {
        streams.push(hub.open(awa.id, Some(origin)).await.unwrap());
    }
    let read = || reads.1.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(read(), 0, "opening reads no history");
    let first = &mut streams[0];
    assert_eq!(next_event(first).await, Some(new_event(&history[0])));
    assert_eq!(read(), 200, "one page, as the client takes it");
    for n in &history[1..] {
        assert_eq!(next_event(first).await, Some(new_event(n)), "in order, none lost");
    }
    assert_eq!(next_event(first).await, Some(PushEvent::UnreadCount(1_000)));
    assert_eq!(read(), 1_000, "each notification read once");
}

/// A store whose live reads take a moment, as a real database's do.
#[derive(Debug)]
struct SlowReads(MemoryStore);

#[async_trait::async_trait]
impl seeg_application::live::LiveReads for SlowReads {
    async fn since(
        &self,
        user_id: Uuid,
        cursor: Option<seeg_application::live::Cursor>,
        limit: u64,
    ) -> Result<Vec<Notification>, seeg_application::StoreError> {
        tokio::time::sleep(Duration::from_millis(20)).await;
        self.0.since(user_id, cursor, limit).await
    }
    async fn latest(
        &self,
        user_id: Uuid,
    ) -> Result<Option<seeg_application::live::Cursor>, seeg_application::StoreError> {
        self.0.latest(user_id).await
    }
    async fn unread_count(&self, user_id: Uuid) -> Result<u64, seeg_application::StoreError> {
        seeg_application::live::LiveReads::unread_count(&self.0, user_id).await
    }
}

/// A store that counts the notifications its live reads return.
#[derive(Debug)]
struct CountingReads(MemoryStore, std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl seeg_application::live::LiveReads for CountingReads {
    async fn since(
        &self,
        user_id: Uuid,
        cursor: Option<seeg_application::live::Cursor>,
        limit: u64,
    ) -> Result<Vec<Notification>, seeg_application::StoreError> {
        let page = self.0.since(user_id, cursor, limit).await?;
        self.1.fetch_add(page.len(), std::sync::atomic::Ordering::SeqCst);
        Ok(page)
    }
    async fn latest(
        &self,
        user_id: Uuid,
    ) -> Result<Option<seeg_application::live::Cursor>, seeg_application::StoreError> {
        self.0.latest(user_id).await
    }
    async fn unread_count(&self, user_id: Uuid) -> Result<u64, seeg_application::StoreError> {
        seeg_application::live::LiveReads::unread_count(&self.0, user_id).await
    }
}

/// `LiveStream::next` is not cancellation safe, yet both transports race it in `tokio::select!` (SSE against the
/// keep-alive tick and the expiry, `sse.rs` `frames`; the WebSocket also against the client's frames). When a
/// delivery makes the stream re-read (`Lagged`, `Resync`, `CatchUp`), `next` consumes it, then awaits
/// `catch_up`'s queries; if the other branch wins meanwhile, the future is dropped: the trigger is gone and what
/// it would have re-read is never pushed (nor is the unread count). Here the drop is made deterministic by
/// polling `next` once (it stops at the store query) and dropping it, as `select!` does when the tick fires.
async fn a_next_interrupted_by_select_loses_nothing(backend: Backend) {
    assert_eq!(backend, Backend::Memory);
    let (store, p, awa, jean) = awa_and_jean().await;
    let reads = Arc::new(SlowReads(store.clone()));
    let hub =
        LiveNotifications::start(&store, reads, Arc::new(store.clone()), LiveLimits { per_account: 4, in_all: 10 });
    let mut stream = hub.open(awa.id, None).await.unwrap();
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(0)));
    // A control stream, opened alike, that is never interrupted.
    let mut control = hub.open(awa.id, None).await.unwrap();
    assert_eq!(next_event(&mut control).await, Some(PushEvent::UnreadCount(0)));

    // While the streams are not read, Awa gets a notification, then the process gets busy: the streams lag.
    let missed = notification(awa.id, "Pendant le retard", 2);
    let mut tx = p.uow.begin().await.unwrap();
    tx.notifications().insert(&missed).await.unwrap();
    tx.commit().await.unwrap();
    // Jean listens too (signals for accounts without a stream here are not relayed) and gets many notifications.
    // (Paced so that the process task keeps up: it relays every signal, and only the streams lag.)
    let _jeans_stream = hub.open(jean.id, None).await.unwrap();
    for i in 0..(2 * CHANNEL_CAPACITY + 64) {
        let mut tx = p.uow.begin().await.unwrap();
        let minutes = i64::try_from(i).unwrap() + 10;
        tx.notifications().insert(&notification(jean.id, "Pour Jean", minutes)).await.unwrap();
        tx.commit().await.unwrap();
        if i % 64 == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Control: not interrupted, the lagging stream re-reads and pushes the missed notification.
    assert_eq!(next_event(&mut control).await, Some(new_event(&missed)), "control");

    // The transport polls `next`, which starts re-reading; the keep-alive tick wins the select: dropped.
    {
        let mut interrupted = Box::pin(stream.next());
        let pending = std::future::poll_fn(|cx| {
            std::task::Poll::Ready(std::future::Future::poll(interrupted.as_mut(), cx).is_pending())
        })
        .await;
        assert!(pending, "stopped at the store query");
    }
    // The stream goes on: the missed notification must still come.
    let mut pushed = Vec::new();
    while let Ok(event) = tokio::time::timeout(Duration::from_secs(3), stream.next()).await {
        let event = event.unwrap();
        let done = matches!(&event, Some(PushEvent::New(n)) if n.id == missed.id) || event.is_none();
        pushed.push(event);
        if done {
            break;
        }
    }
    assert!(
        pushed.iter().any(|e| matches!(e, Some(PushEvent::New(n)) if n.id == missed.id)),
        "the notification committed while the stream lagged was never pushed: {pushed:?}"
    );
}

on_backends!(Memory =>
    a_stream_that_fell_behind_still_ends_when_its_account_is_blocked,
    a_resumed_stream_reads_its_history_a_page_at_a_time,
    a_next_interrupted_by_select_loses_nothing,
);
