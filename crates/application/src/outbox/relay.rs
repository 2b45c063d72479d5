//! The relay: claims due events, runs their handlers, records the outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::{SubsecRound, TimeDelta};
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
    pub batch_size: u32,
    /// How long a claim holds. Handlers run one after another within it, each limited to the lease time left,
    /// so a handler never outlives its lease (when it would, another relay may run the event too).
    pub lease: Duration,
    /// Wait between polls when nothing was due.
    pub poll_interval: Duration,
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

    /// Polls until `shutdown` turns true. The handler running then finishes and its outcome is recorded; the
    /// rest of its batch is released for another relay or the next start, so a stop neither loses nor repeats
    /// work and never waits for a whole batch.
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
        for (index, event) in events.iter().enumerate() {
            let stopping = shutdown.is_some_and(|s| *s.borrow());
            let left = (lease_until - self.clock.now()).to_std().unwrap_or_default();
            if stopping || left < self.settings.minimum_budget() {
                let rest: Vec<Uuid> = events[index..].iter().map(|e| e.id).collect();
                let released = self.store.release(&rest, &self.settings.worker).await?;
                tracing::info!(outbox.released = released, outbox.stopping = stopping, "outbox claims released");
                break;
            }
            let span = info_span!("outbox.handle", outbox.id = %event.id, outbox.kind = %event.kind, outbox.attempt = event.attempts + 1);
            // A margin so the outcome is recorded while the lease still holds.
            self.run_one(event, left.mul_f64(0.9)).instrument(span).await?;
        }
        Ok(events.len())
    }

    async fn run_one(&self, event: &OutboxEvent, budget: Duration) -> Result<(), StoreError> {
        let worker = &self.settings.worker;
        let result = match self.handlers.get(&event.kind) {
            None => Err(format!("aucun gestionnaire pour le type d'événement « {} »", event.kind)),
            Some(handler) => match tokio::time::timeout(budget, handler.handle(event)).await {
                Ok(Ok(())) => Ok(()),
                Ok(Err(error)) => Err(format!("{error:#}")),
                Err(_) => Err(format!("délai dépassé après {} s", budget.as_secs())),
            },
        };
        let now = self.clock.now();
        let kept = match result {
            Ok(()) => self.store.mark_done(event.id, worker, now).await?,
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
                self.store.mark_failed(event.id, worker, attempts, &error, outcome, now).await?
            }
        };
        if !kept {
            tracing::warn!("outbox lease lost before the outcome was recorded; another relay owns the event");
        }
        Ok(())
    }
}

fn to_delta(duration: Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}
