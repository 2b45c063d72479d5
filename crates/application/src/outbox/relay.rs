//! The relay: claims due events, runs their handlers, records the outcome.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use futures_util::{StreamExt as _, stream};
use seeg_domain::outbox::{AfterFailure, RetryPolicy};
use tokio::sync::watch;
use tracing::{Instrument, info_span};
use uuid::Uuid;

use super::{FailureOutcome, HandlerRegistry, OutboxEvent, OutboxStore};
use crate::clock::Clock;
use crate::store::StoreError;

/// How much of an error message is kept in `last_error`: enough to diagnose, bounded in size.
pub const MAX_ERROR_CHARS: usize = 1_000;

/// How a relay works.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Names this relay in leases (host and process, so operators can tell replicas apart).
    pub worker: String,
    /// Most events claimed at once.
    pub batch_size: u32,
    /// How many handlers of one batch run at once. Events naming the same application (`application_id` in their
    /// payload) form one lane and run one after another in claim order, so within one relay two exports of one
    /// application never race and the later state is written last; other events run side by side. (Two relays —
    /// replicas — may claim two events of one application at once: the export's per-application lock (O6) runs one
    /// and sends the other back to the retry policy, so it runs after and reads the later state.)
    pub concurrency: usize,
    /// How long a claim holds. Each handler is limited to the lease time left when it starts, so a handler never
    /// outlives its lease (when it would, another relay may run the event too).
    pub lease: Duration,
    /// Wait between polls when nothing was due.
    pub poll_interval: Duration,
    /// When a failed event runs again, and after how many failures it is dead-lettered.
    pub policy: RetryPolicy,
}

impl RelaySettings {
    /// Below this much lease left, the relay starts no further handler of the batch and releases the rest.
    fn minimum_budget(&self) -> Duration {
        self.lease / 10
    }
}

/// Moves events from the outbox to their handlers.
#[derive(Debug, Clone)]
pub struct OutboxRelay {
    store: Arc<dyn OutboxStore>,
    handlers: HandlerRegistry,
    clock: Arc<dyn Clock>,
    settings: RelaySettings,
}

impl OutboxRelay {
    /// A relay claiming from `store` and running each event with its kind's handler in `handlers`.
    pub fn new(
        store: Arc<dyn OutboxStore>,
        handlers: HandlerRegistry,
        clock: Arc<dyn Clock>,
        settings: RelaySettings,
    ) -> Self {
        Self { store, handlers, clock, settings }
    }

    /// Claims one batch of due events and runs it; returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        self.run_batch(None).await
    }

    /// Polls until `shutdown` turns true. The handlers running then (up to `concurrency`) finish and their
    /// outcomes are recorded; the rest of the batch is released for another relay or the next start, so a stop
    /// neither loses nor repeats work and never waits for a whole batch.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let idle = match self.run_batch(Some(&shutdown)).await {
                Ok(0) => true,
                Ok(_) => false,
                Err(error) => {
                    tracing::error!(error = %format!("{error:#}"), "outbox relay could not reach its store");
                    true
                }
            };
            if idle {
                tokio::select! {
                    _ = shutdown.changed() => {}
                    () = tokio::time::sleep(self.settings.poll_interval) => {}
                }
            }
        }
        tracing::info!("outbox relay stopped");
    }

    async fn run_batch(&self, shutdown: Option<&watch::Receiver<bool>>) -> Result<usize, StoreError> {
        let claimed_at = self.clock.now();
        let lease_until = claimed_at + to_delta(self.settings.lease);
        let events =
            self.store.claim_due(claimed_at, lease_until, &self.settings.worker, self.settings.batch_size).await?;
        let claimed = events.len();
        let outcomes: Vec<(Vec<Uuid>, Option<StoreError>)> = stream::iter(lanes(events))
            .map(|lane| self.run_lane(lane, lease_until, shutdown))
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        let mut unstarted = Vec::new();
        let mut failure = None;
        for (ids, error) in outcomes {
            unstarted.extend(ids);
            if let Some(error) = error {
                tracing::error!(error = %format!("{error:#}"), "outbox relay could not record an outcome");
                failure.get_or_insert(error);
            }
        }
        if !unstarted.is_empty() {
            let released =
                self.recorded(lease_until, shutdown, || self.store.release(&unstarted, &self.settings.worker)).await?;
            let stopping = shutdown.is_some_and(|s| *s.borrow());
            tracing::info!(outbox.released = released, outbox.stopping = stopping, "outbox claims released");
        }
        failure.map_or(Ok(claimed), Err)
    }

    /// Runs one lane's events in order; returns the ids it did not start (stopping, too little lease left, or a
    /// store error on an earlier one, returned beside them) so that they are released at once, not at lease end.
    async fn run_lane(
        &self,
        lane: Vec<OutboxEvent>,
        lease_until: DateTime<Utc>,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> (Vec<Uuid>, Option<StoreError>) {
        let rest = |from: usize| lane[from..].iter().map(|e| e.id).collect::<Vec<_>>();
        for (index, event) in lane.iter().enumerate() {
            let stopping = shutdown.is_some_and(|s| *s.borrow());
            let left = (lease_until - self.clock.now()).to_std().unwrap_or_default();
            if stopping || left < self.settings.minimum_budget() {
                return (rest(index), None);
            }
            let span = info_span!("outbox.handle", outbox.id = %event.id, outbox.kind = %event.kind, outbox.attempt = event.attempts + 1);
            // A margin so the outcome is recorded while the lease still holds.
            if let Err(error) = self.run_one(event, left.mul_f64(0.9), lease_until, shutdown).instrument(span).await {
                return (rest(index + 1), Some(error));
            }
        }
        (Vec::new(), None)
    }

    /// `write` (an outcome, a release) until it succeeds, fails otherwise than by an outage (O7), the lease's time
    /// is spent (each attempt and each pause counted on the wall clock), or the relay is stopping: a handler's
    /// outcome is recorded once the database is back, instead of the event staying claimed until its lease ends and
    /// then running again (an e-mail sent twice).
    async fn recorded<T, F>(
        &self,
        lease_until: DateTime<Utc>,
        shutdown: Option<&watch::Receiver<bool>>,
        mut write: impl FnMut() -> F,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>>,
    {
        let left = (lease_until - self.clock.now()).to_std().unwrap_or_default();
        let deadline = tokio::time::Instant::now() + left;
        let mut pause = Duration::from_millis(50);
        loop {
            let Ok(written) = tokio::time::timeout_at(deadline, write()).await else {
                return Err(StoreError::Unavailable {
                    kind: crate::Outage::Unreachable,
                    cause: anyhow::anyhow!("le bail a expiré avant que le résultat soit enregistré"),
                });
            };
            let stopping = shutdown.is_some_and(|s| *s.borrow());
            match written {
                Err(StoreError::Unavailable { .. }) if !stopping && tokio::time::Instant::now() + pause < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(2));
                }
                other => return other,
            }
        }
    }

    async fn run_one(
        &self,
        event: &OutboxEvent,
        budget: Duration,
        lease_until: DateTime<Utc>,
        shutdown: Option<&watch::Receiver<bool>>,
    ) -> Result<(), StoreError> {
        let worker = &self.settings.worker;
        let handler = self.handlers.get(&event.kind);
        let result = match handler {
            None => Err(format!("aucun gestionnaire pour le type d'événement « {} »", event.kind)),
            Some(handler) => match tokio::time::timeout(budget, handler.handle(event)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(format!("{error:#}")),
                Err(_) => Err(format!("délai dépassé après {} s", budget.as_secs())),
            },
        };
        let now = self.clock.now();
        // A bounded label: the handler's own kind (a row of an unknown kind is counted as `unknown`).
        let kind = handler.map_or("unknown", |h| h.kind());
        let run_outcome = if result.is_ok() { "done" } else { "failed" };
        let kept = match result {
            Ok(()) => self.recorded(lease_until, shutdown, || self.store.mark_done(event.id, worker, now)).await?,
            Err(error) => {
                let attempts = event.attempts + 1;
                let outcome = match self.settings.policy.after_failure(attempts, rand::random::<f64>()) {
                    // Microseconds, what every store keeps, so the time reads back as written.
                    AfterFailure::RetryAfter(delay) => {
                        FailureOutcome::RetryAt((now + to_delta(delay)).trunc_subsecs(6))
                    }
                    AfterFailure::DeadLetter => FailureOutcome::Dead,
                };
                // The message may quote a recipient or a remote answer: it is stored for operators, not logged (S12).
                tracing::warn!(
                    outbox.attempts = attempts,
                    outbox.dead = outcome == FailureOutcome::Dead,
                    "outbox handler failed"
                );
                let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
                let dead = outcome == FailureOutcome::Dead;
                let kept = self
                    .recorded(lease_until, shutdown, || {
                        self.store.mark_failed(event.id, worker, attempts, &error, outcome.clone(), now)
                    })
                    .await?;
                // Counted by the relay that recorded it only: one that lost its lease leaves it to the owner.
                if kept && dead {
                    metrics::counter!("seeg_outbox_dead_lettered_total", "kind" => kind).increment(1);
                }
                // Only the relay that recorded the dead letter tells the handler, once.
                if let (true, true, Some(handler)) = (kept, dead, handler)
                    && let Err(error) = handler.dead_lettered(event).await
                {
                    tracing::error!(error = %format!("{error:#}"), "outbox handler could not record a dead letter");
                }
                kept
            }
        };
        if kept {
            metrics::counter!("seeg_outbox_runs_total", "kind" => kind, "outcome" => run_outcome).increment(1);
        } else {
            tracing::warn!("outbox lease lost before the outcome was recorded; another relay owns the event");
        }
        Ok(())
    }
}

/// The batch in lanes: the events naming one application together, in claim order; every other event alone.
fn lanes(events: Vec<OutboxEvent>) -> Vec<Vec<OutboxEvent>> {
    let mut lanes: Vec<Vec<OutboxEvent>> = Vec::new();
    let mut by_application: HashMap<String, usize> = HashMap::new();
    for event in events {
        let application = event.payload.get("application_id").and_then(serde_json::Value::as_str).map(str::to_owned);
        if let Some(lane) = application.as_ref().and_then(|id| by_application.get(id).copied()) {
            lanes[lane].push(event);
        } else {
            if let Some(id) = application {
                by_application.insert(id, lanes.len());
            }
            lanes.push(vec![event]);
        }
    }
    lanes
}

fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}
