//! The relay: claims due events, runs their handlers, records the outcome.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use seeg_domain::outbox::{AfterFailure, RetryPolicy};
use tokio::sync::watch;
use tracing::{Instrument, info_span};

use super::{FailureOutcome, HandlerRegistry, OutboxEvent, OutboxStore};
use crate::clock::Clock;
use crate::store::StoreError;

/// How a relay works.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Names this relay in leases (host and process, so operators can tell replicas apart).
    pub worker: String,
    pub batch_size: u32,
    /// How long a claim holds. A handler gets a little less than this to finish, so it never outlives its lease.
    pub lease: Duration,
    /// Wait between polls when nothing was due.
    pub poll_interval: Duration,
    pub policy: RetryPolicy,
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

    /// Claims one batch of due events and runs each; returns how many were claimed.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let lease_until = now + to_delta(self.settings.lease);
        let events = self.store.claim_due(now, lease_until, &self.settings.worker, self.settings.batch_size).await?;
        for event in &events {
            let span = info_span!("outbox.handle", outbox.id = %event.id, outbox.kind = %event.kind, outbox.attempt = event.attempts + 1);
            self.run_one(event).instrument(span).await?;
        }
        Ok(events.len())
    }

    /// Polls until `shutdown` turns true. A batch in progress is finished first: its handlers complete and their
    /// outcome is recorded, so a graceful stop neither loses nor repeats work.
    pub async fn run(&self, mut shutdown: watch::Receiver<bool>) {
        while !*shutdown.borrow() {
            let idle = match self.run_once().await {
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

    async fn run_one(&self, event: &OutboxEvent) -> Result<(), StoreError> {
        let worker = &self.settings.worker;
        let result = match self.handlers.get(&event.kind) {
            None => Err(format!("aucun gestionnaire pour le type d'événement « {} »", event.kind)),
            Some(handler) => {
                let budget = self.settings.lease.mul_f64(0.9);
                match tokio::time::timeout(budget, handler.handle(event)).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(error)) => Err(format!("{error:#}")),
                    Err(_) => Err(format!("délai dépassé après {} s", budget.as_secs())),
                }
            }
        };
        let now = self.clock.now();
        let kept = match result {
            Ok(()) => self.store.mark_done(event.id, worker, now).await?,
            Err(error) => {
                let attempts = event.attempts + 1;
                let outcome = match self.settings.policy.after_failure(attempts, rand::random::<f64>()) {
                    AfterFailure::RetryAfter(delay) => FailureOutcome::RetryAt(now + to_delta(delay)),
                    AfterFailure::DeadLetter => FailureOutcome::Dead,
                };
                tracing::warn!(outbox.attempts = attempts, outbox.dead = outcome == FailureOutcome::Dead, error = %error, "outbox handler failed");
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
