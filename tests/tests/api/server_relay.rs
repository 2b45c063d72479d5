//! The outbox relay the server runs (I2): committed events reach their handler, and a graceful stop lets a
//! running handler finish and record its outcome.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use seeg_application::outbox::{HandlerRegistry, OutboxEvent, OutboxHandler, OutboxStore};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::outbox::OutboxState;
use seeg_tests::{Backend, TestApp, on_backends};
use uuid::Uuid;

struct Recorder {
    delay: Duration,
    started: AtomicBool,
    handled: Mutex<Vec<Uuid>>,
}

impl Recorder {
    fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self { delay, started: AtomicBool::new(false), handled: Mutex::new(Vec::new()) })
    }
}

#[async_trait]
impl OutboxHandler for Recorder {
    fn kind(&self) -> &'static str {
        "test.recorded"
    }
    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        self.started.store(true, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.handled.lock().unwrap().push(event.id);
        Ok(())
    }
}

async fn append(uow: &dyn UnitOfWork) -> Uuid {
    let event = OutboxEvent::new(SystemIds.new_id(), "test.recorded", serde_json::json!({}), SystemClock.now());
    let mut tx = uow.begin().await.unwrap();
    tx.outbox().append(&event).await.unwrap();
    tx.commit().await.unwrap();
    event.id
}

/// Waits for `condition` (bounded: a wait for the relay's next poll, not a timing assertion).
async fn eventually(what: &str, mut condition: impl AsyncFnMut() -> bool) {
    seeg_tests::eventually::eventually(what, async || condition().await.then_some(())).await;
}

async fn the_server_relay_runs_committed_events(backend: Backend) {
    let recorder = Recorder::new(Duration::ZERO);
    let app = TestApp::spawn_with(backend, HandlerRegistry::default().with(recorder.clone()), |_| {}).await;
    let id = append(&app.database).await;
    let outbox: &dyn OutboxStore = &app.database;
    eventually("the event is done", async || {
        outbox.get(id).await.unwrap().is_some_and(|e| e.state == OutboxState::Done)
    })
    .await;
    assert_eq!(*recorder.handled.lock().unwrap(), [id]);
}

async fn a_graceful_stop_lets_the_running_handler_finish(backend: Backend) {
    let recorder = Recorder::new(Duration::from_millis(400));
    let app = TestApp::spawn_with(backend, HandlerRegistry::default().with(recorder.clone()), |_| {}).await;
    let id = append(&app.database).await;
    eventually("the handler starts", async || recorder.started.load(Ordering::SeqCst)).await;

    let db = app.stop().await;
    assert_eq!(*recorder.handled.lock().unwrap(), [id], "the handler finished before the service stopped");
    let reopened = db.connect().await;
    let event = OutboxStore::get(&reopened, id).await.unwrap().unwrap();
    assert_eq!(event.state, OutboxState::Done, "and its outcome was recorded");
}

on_backends!(Sqlite, Postgres =>
    the_server_relay_runs_committed_events,
    a_graceful_stop_lets_the_running_handler_finish,
);
