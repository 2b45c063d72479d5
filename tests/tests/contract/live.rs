//! The live notifications' feed and reads (B3) on every backend: a committed notification is signalled, a rolled
//! back one never; blocking an account revokes its streams; a stream hears its account's changes only, with the
//! unread count, and resumes after a cursor without loss or repeat; on PostgreSQL a second process (another pool
//! on the same database) hears what the first committed.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use seeg_adapters_memory::MemoryStore;
use seeg_adapters_postgres::Database;
use seeg_application::identity::Notification;
use seeg_application::live::{
    Cursor, LiveError, LiveLimits, LiveNotifications, LiveReads, LiveStream, NotificationFeed, PushEvent, Signal,
};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::identity::{User, UserStatus};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, TestDatabase, on_backends, ports_of};
use tokio::sync::broadcast;
use uuid::Uuid;

/// A backend's ports with its feed started (as the server starts it), and the database to open a second pool on.
struct Live {
    p: Ports,
    feed: Arc<dyn NotificationFeed>,
    reads: Arc<dyn LiveReads>,
    db: Option<TestDatabase>,
}

async fn live(backend: Backend) -> Live {
    if backend == Backend::Memory {
        let store = MemoryStore::new();
        return Live { p: Ports::over(&store), feed: Arc::new(store.clone()), reads: Arc::new(store), db: None };
    }
    let db = TestDatabase::create(backend).await;
    let database = started(&db).await;
    Live { p: ports_of(&database), feed: Arc::new(database.clone()), reads: Arc::new(database), db: Some(db) }
}

/// A new pool on `db` with its listener started: on PostgreSQL, as another server process would be.
async fn started(db: &TestDatabase) -> Database {
    let database = db.connect().await;
    database.start_live_feed().await.unwrap();
    database
}

fn notification(user_id: Uuid, title: &str, minutes: i64) -> Notification {
    Notification {
        id: SystemIds.new_id(),
        user_id,
        related_application_id: None,
        title: title.to_owned(),
        message: format!("{title} : détail"),
        kind: "application_status_changed".to_owned(),
        link: Some("/applications".to_owned()),
        read: false,
        created_at: base_time() + TimeDelta::minutes(minutes),
    }
}

async fn add_users(p: &Ports, users: &[&User]) {
    let mut tx = p.uow.begin().await.unwrap();
    for u in users {
        tx.users().insert(u).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn write(p: &Ports, notifications: &[&Notification]) {
    let mut tx = p.uow.begin().await.unwrap();
    for n in notifications {
        tx.notifications().insert(n).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// The next signal, waiting at most 10 s (a bound for a hung test, not a timing assertion).
async fn next_signal(signals: &mut broadcast::Receiver<Signal>) -> Signal {
    tokio::time::timeout(Duration::from_secs(10), signals.recv()).await.expect("a signal within 10 s").unwrap()
}

/// The stream's next event, waiting at most 10 s.
async fn next_event(stream: &mut LiveStream) -> Option<PushEvent> {
    tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("an event within 10 s").unwrap()
}

fn new(n: &Notification) -> PushEvent {
    PushEvent::New(Box::new(n.clone()))
}

async fn committed_notifications_are_signalled_and_rolled_back_ones_never(backend: Backend) {
    let Live { p, feed, db: _db, .. } = live(backend).await;
    let awa = user("awa@example.com");
    add_users(&p, &[&awa]).await;
    let mut signals = feed.subscribe();
    let (first, dropped, third) =
        (notification(awa.id, "Un", 1), notification(awa.id, "Deux", 2), notification(awa.id, "Trois", 3));
    write(&p, &[&first]).await;
    let mut tx = p.uow.begin().await.unwrap();
    tx.notifications().insert(&dropped).await.unwrap();
    drop(tx); // rolled back
    write(&p, &[&third]).await;
    // Commit order: the rolled back one would have come between the two.
    assert_eq!(next_signal(&mut signals).await, Signal::New(Box::new(first)));
    assert_eq!(next_signal(&mut signals).await, Signal::New(Box::new(third)));
}

async fn an_account_that_may_no_longer_sign_in_is_revoked(backend: Backend) {
    let Live { p, feed, db: _db, .. } = live(backend).await;
    let (awa, jean) = (user("awa@example.com"), user("jean@example.com"));
    add_users(&p, &[&awa, &jean]).await;
    let mut signals = feed.subscribe();
    let mut tx = p.uow.begin().await.unwrap();
    let mut renamed = jean.clone();
    "Jean-Paul".clone_into(&mut renamed.first_name);
    tx.users().update(&renamed).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    let mut blocked = awa.clone();
    blocked.status = UserStatus::Blocked;
    tx.users().update(&blocked).await.unwrap();
    tx.commit().await.unwrap();
    // An active account's edit signals nothing: the first signal is the block.
    assert_eq!(next_signal(&mut signals).await, Signal::Revoked { user_id: awa.id });
}

async fn a_stream_hears_its_accounts_changes_and_resumes_after_a_cursor(backend: Backend) {
    let Live { p, feed, reads, db: _db } = live(backend).await;
    let (awa, jean) = (user("awa@example.com"), user("jean@example.com"));
    add_users(&p, &[&awa, &jean]).await;
    let mut old = notification(awa.id, "Ancienne", 1);
    old.read = true;
    let unread = notification(awa.id, "Non lue", 2);
    write(&p, &[&old, &unread]).await;
    let hub = LiveNotifications::start(
        feed.as_ref(),
        Arc::clone(&reads),
        p.users.clone(),
        LiveLimits { per_account: 2, in_all: 3 },
    );

    // A fresh stream starts from now: the count, then what commits.
    let mut stream = hub.open(awa.id, None).await.unwrap();
    assert_eq!(hub.streams(), 1);
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(1)));
    let (theirs, mine) = (notification(jean.id, "Pour Jean", 3), notification(awa.id, "Nouvelle", 4));
    write(&p, &[&theirs]).await;
    write(&p, &[&mine]).await;
    assert_eq!(next_event(&mut stream).await, Some(new(&mine)), "another account's notification is not pushed");
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(2)));

    // Resumed after `unread` (an SSE Last-Event-ID): what came after it, once, then the count.
    let mut resumed = hub.open(awa.id, Some(Cursor::after(&unread))).await.unwrap();
    assert_eq!(next_event(&mut resumed).await, Some(new(&mine)));
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::UnreadCount(2)));
    let later = notification(awa.id, "Plus tard", 5);
    write(&p, &[&later]).await;
    assert_eq!(next_event(&mut resumed).await, Some(new(&later)));
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::UnreadCount(3)));

    // Reading one, then all: the stream hears it with the count.
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.notifications().mark_read(awa.id, mine.id).await.unwrap().is_some());
    tx.commit().await.unwrap();
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::Updated(mine.id)));
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::UnreadCount(2)));
    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.notifications().mark_read(jean.id, mine.id).await.unwrap(), None, "not Jean's");
    assert_eq!(tx.notifications().mark_all_read(awa.id).await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::UpdatedAll));
    assert_eq!(next_event(&mut resumed).await, Some(PushEvent::UnreadCount(0)));

    // Two streams per account here: a third waits for one to close.
    let refused = hub.open(awa.id, None).await;
    assert!(matches!(refused, Err(LiveError::TooManyStreams { max: 2 })), "{refused:?}");
    let jeans = hub.open(jean.id, None).await.unwrap();
    let full = hub.open(jean.id, None).await;
    assert!(matches!(full, Err(LiveError::ServerFull { max: 3 })), "three in all: {full:?}");
    drop(jeans);
    drop(resumed);
    let mut again = hub.open(awa.id, None).await.unwrap();
    assert_eq!(next_event(&mut again).await, Some(PushEvent::UnreadCount(0)));

    // Blocking the account ends its streams.
    let mut tx = p.uow.begin().await.unwrap();
    let mut blocked = awa.clone();
    blocked.status = UserStatus::Blocked;
    tx.users().update(&blocked).await.unwrap();
    tx.commit().await.unwrap();
    // The first stream still holds what happened since it last read, then ends.
    assert_eq!(next_event(&mut stream).await, Some(new(&later)));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(3)));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::Updated(mine.id)));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(2)));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UpdatedAll));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(0)));
    assert_eq!(next_event(&mut stream).await, None, "revoked");
}

async fn reads_go_strictly_after_the_cursor_oldest_first(backend: Backend) {
    let Live { p, reads, db: _db, .. } = live(backend).await;
    let (awa, jean) = (user("awa@example.com"), user("jean@example.com"));
    add_users(&p, &[&awa, &jean]).await;
    assert_eq!(reads.latest(awa.id).await.unwrap(), None);
    let at = |minutes: i64| -> DateTime<Utc> { base_time() + TimeDelta::minutes(minutes) };
    // Two at the same instant: the id orders them.
    let mut same = [notification(awa.id, "A", 2), notification(awa.id, "B", 2)];
    same.sort_by_key(|n| n.id);
    let first = notification(awa.id, "Première", 1);
    let mut last = notification(awa.id, "Dernière", 3);
    last.read = true;
    write(&p, &[&last, &same[1], &first, &same[0], &notification(jean.id, "Jean", 9)]).await;
    let all = reads.since(awa.id, None, 100).await.unwrap();
    assert_eq!(all, [first.clone(), same[0].clone(), same[1].clone(), last.clone()]);
    assert_eq!(reads.since(awa.id, None, 2).await.unwrap(), [first.clone(), same[0].clone()]);
    let after_a = reads.since(awa.id, Some(Cursor::after(&same[0])), 100).await.unwrap();
    assert_eq!(after_a, [same[1].clone(), last.clone()], "strictly after, the same instant's later id included");
    let after_gone = Cursor { created_at: at(2), id: Uuid::nil() };
    assert_eq!(reads.since(awa.id, Some(after_gone), 100).await.unwrap().len(), 3, "a cursor need not exist");
    assert_eq!(reads.latest(awa.id).await.unwrap(), Some(Cursor::after(&last)));
    assert_eq!(reads.unread_count(awa.id).await.unwrap(), 3);
    assert_eq!(reads.unread_count(jean.id).await.unwrap(), 1);
}

async fn another_process_hears_what_one_commits(backend: Backend) {
    let Live { p, db, .. } = live(backend).await;
    let other = started(db.as_ref().unwrap()).await;
    let awa = user("awa@example.com");
    add_users(&p, &[&awa]).await;
    let mut signals = NotificationFeed::subscribe(&other);
    let hub = LiveNotifications::start(
        &other,
        Arc::new(other.clone()),
        Arc::new(other.clone()),
        LiveLimits { per_account: 2, in_all: 3 },
    );
    let mut stream = hub.open(awa.id, None).await.unwrap();
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(0)));
    let n = notification(awa.id, "D'un autre processus", 1);
    write(&p, &[&n]).await;
    assert_eq!(next_signal(&mut signals).await, Signal::New(Box::new(n.clone())));
    assert_eq!(next_event(&mut stream).await, Some(new(&n)));
    assert_eq!(next_event(&mut stream).await, Some(PushEvent::UnreadCount(1)));
}

on_backends!(Memory, Sqlite, Postgres =>
    committed_notifications_are_signalled_and_rolled_back_ones_never,
    an_account_that_may_no_longer_sign_in_is_revoked,
    a_stream_hears_its_accounts_changes_and_resumes_after_a_cursor,
    reads_go_strictly_after_the_cursor_oldest_first,
);

/// PostgreSQL only: SQLite and memory are one process's.
mod across_processes {
    use super::*;

    seeg_tests::on_backends!(Postgres => another_process_hears_what_one_commits);
}
