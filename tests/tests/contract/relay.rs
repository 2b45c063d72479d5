//! The relay over every outbox store: retries with backoff, dead letters and replay, crash recovery, and two
//! relays sharing one outbox without ever running an event twice.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeDelta;
use seeg_adapters_memory::ManualClock;
use seeg_application::outbox::{
    HandlerRegistry, OutboxEvent, OutboxHandler, OutboxRelay, OutboxStore, RelaySettings, RetryScope,
};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};
use seeg_domain::outbox::{OutboxState, RetryPolicy};
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, Ports, on_backends, ports, ports_of};
use serde_json::json;
use uuid::Uuid;

const KIND: &str = "test.flaky";

/// Fails its first `failures` runs of each event, then succeeds; counts runs and successes per event.
#[derive(Default)]
struct Flaky {
    failures: AtomicU32,
    runs: Mutex<HashMap<Uuid, u32>>,
    successes: Mutex<HashMap<Uuid, u32>>,
    /// The events the relay said it dead-lettered, in order.
    dead_lettered: Mutex<Vec<Uuid>>,
}

impl Flaky {
    fn failing(times: u32) -> Arc<Self> {
        Arc::new(Self { failures: AtomicU32::new(times), ..Self::default() })
    }
    fn runs(&self, id: Uuid) -> u32 {
        self.runs.lock().unwrap().get(&id).copied().unwrap_or_default()
    }
    fn successes(&self) -> HashMap<Uuid, u32> {
        self.successes.lock().unwrap().clone()
    }
}

#[async_trait]
impl OutboxHandler for Flaky {
    fn kind(&self) -> &'static str {
        KIND
    }
    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let run = {
            let mut runs = self.runs.lock().unwrap();
            let run = runs.entry(event.id).or_default();
            *run += 1;
            *run
        };
        // Give the other relay a chance to interleave.
        tokio::task::yield_now().await;
        if run <= self.failures.load(Ordering::SeqCst) {
            anyhow::bail!("échec simulé {run}");
        }
        *self.successes.lock().unwrap().entry(event.id).or_default() += 1;
        Ok(())
    }
    async fn dead_lettered(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        self.dead_lettered.lock().unwrap().push(event.id);
        Ok(())
    }
}

fn relay(
    store: Arc<dyn OutboxStore>,
    handler: Arc<Flaky>,
    clock: Arc<dyn Clock>,
    worker: &str,
    max_attempts: u32,
) -> OutboxRelay {
    let policy = RetryPolicy::new(max_attempts, Duration::from_secs(1), Duration::from_secs(10)).unwrap();
    OutboxRelay::new(
        store,
        HandlerRegistry::default().with(handler),
        clock,
        RelaySettings {
            worker: worker.to_owned(),
            batch_size: 8,
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            policy,
        },
    )
}

async fn append(p: &Ports, kind: &str, count: usize) -> Vec<Uuid> {
    let mut tx = p.uow.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..count {
        let event = OutboxEvent::new(SystemIds.new_id(), kind, json!({ "i": i }), base_time());
        tx.outbox().append(&event).await.unwrap();
        ids.push(event.id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn a_handler_failing_twice_then_succeeding_is_handled_once(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let handler = Flaky::failing(2);
    let relay = relay(p.outbox.clone(), handler.clone(), clock.clone(), "w", 5);
    let [id] = append(&p, KIND, 1).await[..] else { unreachable!() };

    assert_eq!(relay.run_once().await.unwrap(), 1);
    let after_one = p.outbox.get(id).await.unwrap().unwrap();
    assert_eq!((after_one.state, after_one.attempts), (OutboxState::Pending, 1));
    assert!(after_one.next_attempt_at > base_time(), "backoff pushes the next attempt later");
    assert_eq!(relay.run_once().await.unwrap(), 0, "not due again before its backoff");

    for _ in 0..2 {
        clock.advance(TimeDelta::seconds(10));
        assert_eq!(relay.run_once().await.unwrap(), 1);
    }
    let done = p.outbox.get(id).await.unwrap().unwrap();
    assert_eq!((done.state, done.attempts, done.last_error.as_deref()), (OutboxState::Done, 2, Some("échec simulé 2")));
    clock.advance(TimeDelta::hours(1));
    assert_eq!(relay.run_once().await.unwrap(), 0);
    assert_eq!(handler.runs(id), 3);
    assert_eq!(handler.successes().get(&id), Some(&1));
}

async fn after_the_limit_an_event_is_dead_until_an_operator_retries_it(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let handler = Flaky::failing(3);
    let relay = relay(p.outbox.clone(), handler.clone(), clock.clone(), "w", 3);
    let [id] = append(&p, KIND, 1).await[..] else { unreachable!() };

    for _ in 0..3 {
        assert!(handler.dead_lettered.lock().unwrap().is_empty(), "not told before the last failure");
        assert_eq!(relay.run_once().await.unwrap(), 1);
        clock.advance(TimeDelta::seconds(10));
    }
    let dead = p.outbox.get(id).await.unwrap().unwrap();
    assert_eq!((dead.state, dead.attempts), (OutboxState::Dead, 3));
    assert_eq!(*handler.dead_lettered.lock().unwrap(), [id], "the handler is told once");
    clock.advance(TimeDelta::days(1));
    assert_eq!(relay.run_once().await.unwrap(), 0, "dead letters are not retried on their own");
    assert_eq!(p.outbox.stats().await.unwrap().dead, 1);

    assert_eq!(p.outbox.retry(RetryScope::Dead, clock.now()).await.unwrap(), 1);
    assert_eq!(relay.run_once().await.unwrap(), 1);
    assert_eq!(p.outbox.get(id).await.unwrap().unwrap().state, OutboxState::Done);
    assert_eq!(handler.successes().get(&id), Some(&1));
    assert_eq!(handler.dead_lettered.lock().unwrap().len(), 1, "a replay that succeeds is no dead letter");
}

async fn an_event_without_a_handler_fails_visibly(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let relay = relay(p.outbox.clone(), Flaky::failing(0), clock, "w", 5);
    let [id] = append(&p, "test.unknown", 1).await[..] else { unreachable!() };
    assert_eq!(relay.run_once().await.unwrap(), 1);
    let failed = p.outbox.get(id).await.unwrap().unwrap();
    assert_eq!(failed.attempts, 1);
    assert!(failed.last_error.unwrap().contains("aucun gestionnaire"));
}

async fn events_committed_before_a_crash_are_handled_after_restart(backend: Backend) {
    let (p, db) = ports(backend).await;
    let db = db.expect("a database that outlives the process");
    let clock = Arc::new(ManualClock::new(base_time()));
    let ids = append(&p, KIND, 2).await;
    // The first process claimed one event, then died before recording any outcome.
    let claimed = p.outbox.claim_due(clock.now(), clock.now() + TimeDelta::seconds(60), "crashed", 1).await.unwrap();
    assert_eq!(claimed.len(), 1);
    drop(p);

    // A new process, new pool, same database.
    let restarted = ports_of(&db.connect().await);
    let handler = Flaky::failing(0);
    let relay = relay(restarted.outbox.clone(), handler.clone(), clock.clone(), "restarted", 5);
    assert_eq!(relay.run_once().await.unwrap(), 1, "the unclaimed event runs at once");
    clock.advance(TimeDelta::seconds(61));
    assert_eq!(relay.run_once().await.unwrap(), 1, "the crashed claim is taken over once its lease ends");
    for id in ids {
        assert_eq!(restarted.outbox.get(id).await.unwrap().unwrap().state, OutboxState::Done);
        assert_eq!(handler.successes().get(&id), Some(&1));
    }
}

async fn two_relays_never_run_the_same_event_twice(backend: Backend) {
    let (p, db) = ports(backend).await;
    let second = match &db {
        Some(db) => ports_of(&db.connect().await),
        None => p.clone(),
    };
    let ids = append(&p, KIND, 200).await;
    let handler = Flaky::failing(0);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let relays = [
        relay(p.outbox.clone(), handler.clone(), clock.clone(), "relay-a", 5),
        relay(second.outbox.clone(), handler.clone(), clock, "relay-b", 5),
    ];
    let runs = relays.iter().map(|r| async move {
        let mut handled = 0;
        loop {
            match r.run_once().await.unwrap() {
                0 => break handled,
                n => handled += n,
            }
        }
    });
    let handled: Vec<usize> = futures_join(runs).await;
    assert_eq!(handled.iter().sum::<usize>(), 200, "{handled:?}");
    let successes = handler.successes();
    assert_eq!(successes.len(), 200);
    assert!(ids.iter().all(|id| successes.get(id) == Some(&1)), "every event exactly once");
    assert_eq!(p.outbox.stats().await.unwrap().done, 200);
}

/// Runs like a slow handler: each run moves the manual clock on by `takes`.
struct SlowByClock {
    clock: Arc<ManualClock>,
    takes: TimeDelta,
    handled: Mutex<Vec<Uuid>>,
    /// Set to stop the relay once the first event is being handled.
    stop_after_first: Option<tokio::sync::watch::Sender<bool>>,
}

#[async_trait]
impl OutboxHandler for SlowByClock {
    fn kind(&self) -> &'static str {
        KIND
    }
    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        self.clock.advance(self.takes);
        if let Some(stop) = &self.stop_after_first {
            stop.send_replace(true);
        }
        self.handled.lock().unwrap().push(event.id);
        Ok(())
    }
}

fn slow_relay(p: &Ports, clock: &Arc<ManualClock>, handler: Arc<SlowByClock>, worker: &str) -> OutboxRelay {
    OutboxRelay::new(
        p.outbox.clone(),
        HandlerRegistry::default().with(handler),
        clock.clone(),
        RelaySettings {
            worker: worker.to_owned(),
            batch_size: 8,
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            policy: RetryPolicy::new(5, Duration::from_secs(1), Duration::from_secs(10)).unwrap(),
        },
    )
}

async fn no_handler_starts_without_enough_lease_left_and_the_rest_is_released(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let slow = Arc::new(SlowByClock {
        clock: clock.clone(),
        takes: TimeDelta::seconds(55),
        handled: Mutex::new(Vec::new()),
        stop_after_first: None,
    });
    let ids = append(&p, KIND, 2).await;

    let first = slow_relay(&p, &clock, slow.clone(), "relay-a");
    assert_eq!(first.run_once().await.unwrap(), 2, "both claimed");
    assert_eq!(*slow.handled.lock().unwrap(), [ids[0]], "5 s of a 60 s lease left: the second is not started");

    // Released, not left leased: another relay takes it at once, not after the lease ends.
    let second = slow_relay(&p, &clock, slow.clone(), "relay-b");
    assert_eq!(second.run_once().await.unwrap(), 1);
    assert_eq!(*slow.handled.lock().unwrap(), ids, "each event ran once");
    for id in ids {
        assert_eq!(p.outbox.get(id).await.unwrap().unwrap().state, OutboxState::Done);
    }
}

async fn a_stopping_relay_finishes_the_running_handler_and_releases_the_rest(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handler = Arc::new(SlowByClock {
        clock: clock.clone(),
        takes: TimeDelta::seconds(1),
        handled: Mutex::new(Vec::new()),
        stop_after_first: Some(stop),
    });
    let ids = append(&p, KIND, 3).await;

    slow_relay(&p, &clock, handler.clone(), "stopping").run(stopped).await;
    assert_eq!(*handler.handled.lock().unwrap(), [ids[0]]);
    assert_eq!(p.outbox.get(ids[0]).await.unwrap().unwrap().state, OutboxState::Done);
    let rest = p.outbox.claim_due(clock.now(), clock.now() + TimeDelta::seconds(60), "next", 10).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.id).collect::<Vec<_>>(), ids[1..], "claimable at once by the next relay");
}

async fn futures_join<F: std::future::Future<Output = usize>>(futures: impl Iterator<Item = F>) -> Vec<usize> {
    let handles: Vec<_> = futures.collect();
    let mut iter = handles.into_iter();
    let (a, b) = (iter.next().unwrap(), iter.next().unwrap());
    let (x, y) = tokio::join!(a, b);
    vec![x, y]
}

/// Records, per application, the order its events ran in and whether two of them ever ran at once; waits at a
/// barrier first when given one (every handler of the batch must then be in flight together to pass it).
struct Lanes {
    barrier: Option<tokio::sync::Barrier>,
    in_flight: Mutex<HashMap<String, u32>>,
    overlapped: AtomicU32,
    order: Mutex<HashMap<String, Vec<Uuid>>>,
}

impl Lanes {
    fn new(barrier: Option<usize>) -> Arc<Self> {
        Arc::new(Self {
            barrier: barrier.map(tokio::sync::Barrier::new),
            in_flight: Mutex::default(),
            overlapped: AtomicU32::new(0),
            order: Mutex::default(),
        })
    }
}

#[async_trait]
impl OutboxHandler for Lanes {
    fn kind(&self) -> &'static str {
        KIND
    }
    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        let application = event.payload["application_id"].as_str().unwrap().to_owned();
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            let running = in_flight.entry(application.clone()).or_default();
            if *running > 0 {
                self.overlapped.fetch_add(1, Ordering::SeqCst);
            }
            *running += 1;
        }
        if let Some(barrier) = &self.barrier {
            // A bound, not a timing: a relay running the batch one by one never fills the barrier.
            tokio::time::timeout(Duration::from_secs(15), barrier.wait())
                .await
                .map_err(|_| anyhow::anyhow!("the batch's handlers never ran together"))?;
        }
        for _ in 0..5 {
            tokio::task::yield_now().await;
        }
        self.order.lock().unwrap().entry(application.clone()).or_default().push(event.id);
        *self.in_flight.lock().unwrap().get_mut(&application).unwrap() -= 1;
        Ok(())
    }
}

fn concurrent_relay(p: &Ports, handler: Arc<Lanes>, concurrency: usize) -> OutboxRelay {
    OutboxRelay::new(
        p.outbox.clone(),
        HandlerRegistry::default().with(handler),
        Arc::new(ManualClock::new(base_time())),
        RelaySettings {
            worker: "w".to_owned(),
            batch_size: 16,
            concurrency,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            policy: RetryPolicy::new(5, Duration::from_secs(1), Duration::from_secs(10)).unwrap(),
        },
    )
}

/// Appends one event per application named, in that order; returns their ids.
async fn append_for(p: &Ports, applications: &[&str]) -> Vec<Uuid> {
    let mut tx = p.uow.begin().await.unwrap();
    let mut ids = Vec::new();
    for application in applications {
        let event = OutboxEvent::new(SystemIds.new_id(), KIND, json!({ "application_id": application }), base_time());
        tx.outbox().append(&event).await.unwrap();
        ids.push(event.id);
    }
    tx.commit().await.unwrap();
    ids
}

async fn a_batch_runs_different_applications_side_by_side(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let handler = Lanes::new(Some(4));
    let ids = append_for(&p, &["a", "b", "c", "d"]).await;
    assert_eq!(concurrent_relay(&p, handler.clone(), 4).run_once().await.unwrap(), 4);
    for id in ids {
        let event = p.outbox.get(id).await.unwrap().unwrap();
        assert_eq!((event.state, event.last_error), (OutboxState::Done, None), "all four passed the barrier together");
    }
}

async fn one_applications_events_run_in_claim_order_never_together(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let handler = Lanes::new(None);
    let ids = append_for(&p, &["a", "b", "a", "c", "a", "b", "c", "a"]).await;
    assert_eq!(concurrent_relay(&p, handler.clone(), 8).run_once().await.unwrap(), 8);
    assert_eq!(handler.overlapped.load(Ordering::SeqCst), 0, "two events of one application ran at once");
    // Claim order is (next_attempt_at, id): here the ids' order.
    let claimed = |positions: &[usize]| -> Vec<Uuid> {
        let mut of: Vec<Uuid> = positions.iter().map(|&i| ids[i]).collect();
        of.sort();
        of
    };
    let order = handler.order.lock().unwrap().clone();
    assert_eq!(order["a"], claimed(&[0, 2, 4, 7]));
    assert_eq!(order["b"], claimed(&[1, 5]));
    assert_eq!(order["c"], claimed(&[3, 6]));
}

on_backends!(Memory, Sqlite, Postgres =>
    a_handler_failing_twice_then_succeeding_is_handled_once,
    after_the_limit_an_event_is_dead_until_an_operator_retries_it,
    an_event_without_a_handler_fails_visibly,
    two_relays_never_run_the_same_event_twice,
    no_handler_starts_without_enough_lease_left_and_the_rest_is_released,
    a_stopping_relay_finishes_the_running_handler_and_releases_the_rest,
    a_batch_runs_different_applications_side_by_side,
    one_applications_events_run_in_claim_order_never_together,
);

/// A restart needs a database that outlives the process: not the in-memory store.
mod durable {
    use super::*;
    on_backends!(Sqlite, Postgres => events_committed_before_a_crash_are_handled_after_restart);
}
