//! The outbox for operators: its counters, the lag of its oldest pending event, and the replay of one
//! event. Admins only (S3: `ManageOutbox`); a replay is audited.

use std::sync::Arc;

use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use seeg_domain::outbox::OutboxState;
use tracing::instrument;
use uuid::Uuid;

use super::{OutboxEvent, OutboxStats, OutboxStore, RetryScope};
use crate::identity::{AuditEvent, RequestContext};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an operator's request on the outbox was refused.
#[derive(Debug, thiserror::Error)]
pub enum OutboxDeskError {
    /// The caller is not an admin (S3).
    #[error("Accès réservé aux administrateurs")]
    Forbidden,
    /// No event with this id.
    #[error("événement introuvable")]
    NotFound,
    /// A done event is not run again: its effect happened.
    #[error("Cet événement a déjà été traité : il n'est pas relancé")]
    AlreadyDone,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The outbox for operators (admins): counters and the replay of one event.
#[derive(Debug, Clone)]
pub struct OutboxDesk {
    uow: Arc<dyn UnitOfWork>,
    outbox: Arc<dyn OutboxStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

fn require(caller: &User) -> Result<(), OutboxDeskError> {
    match decide(caller.role, Action::ManageOutbox, Ownership::Any) {
        Decision::Allow => Ok(()),
        Decision::Forbid | Decision::Hide => Err(OutboxDeskError::Forbidden),
    }
}

impl OutboxDesk {
    /// The desk on its ports: `outbox` to read and wake events, `uow` to write the audit row of a replay.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        outbox: Arc<dyn OutboxStore>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, outbox, clock, ids }
    }

    /// The counters, and the clock they are read at (for the age of the oldest pending event).
    pub async fn status(&self, caller: &User) -> Result<(OutboxStats, chrono::DateTime<chrono::Utc>), OutboxDeskError> {
        require(caller)?;
        Ok((self.outbox.stats().await?, self.clock.now()))
    }

    /// Makes event `id` pending again, due now, with its attempts reset (a dead letter after its cause was
    /// fixed, or a failing event not to wait for its backoff).
    #[instrument(name = "outbox.retry", skip_all, fields(actor.id = %caller.id, event.id = %id))]
    pub async fn retry(
        &self,
        caller: &User,
        id: Uuid,
        context: &RequestContext,
    ) -> Result<OutboxEvent, OutboxDeskError> {
        require(caller)?;
        let event = self.outbox.get(id).await?.ok_or(OutboxDeskError::NotFound)?;
        if event.state == OutboxState::Done {
            return Err(OutboxDeskError::AlreadyDone);
        }
        let now = self.clock.now();
        if self.outbox.retry(RetryScope::Event(id), now).await? == 0 {
            // Done meanwhile (its handler succeeded between the read and the retry).
            return Err(OutboxDeskError::AlreadyDone);
        }
        let mut tx = self.uow.begin().await?;
        let fields = vec!["state".to_owned(), "attempts".to_owned()];
        let audit = AuditEvent::on_target(
            self.ids.new_id(),
            caller,
            "outbox.event_retried",
            ("outbox_event", id),
            fields,
            context,
            now,
        );
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        tracing::info!(event.kind = %event.kind, "outbox event retried by an operator");
        Ok(self.outbox.get(id).await?.unwrap_or(event))
    }
}
