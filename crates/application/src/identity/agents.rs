//! The employees list (legacy `seeg_agents`, §2.2): the SEEG matricules an internal sign-up is checked against
//! (R4, K3c). Operators load it with `seeg agents import FILE.csv`; nothing else writes it.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

use super::AuditEvent;
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// One employee of the list. The import's parser checked the values (positive matricule, names of at most
/// `PersonName::MAX_CHARS` characters, blank names absent); the stored form keeps them plain, as `User` does, so
/// that a list loaded by the legacy service always reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// The employee number (legacy `seeg_agents.matricule`).
    pub matricule: i32,
    /// Legacy `nom`.
    pub last_name: Option<String>,
    /// Legacy `prenom`.
    pub first_name: Option<String>,
}

/// Reads and writes the employees list.
///
/// Contract: `upsert` inserts each agent whose matricule is absent and, for one present, replaces `nom` and
/// `prenom` and sets `updated_at` to `at` (`created_at` stays); the whole call commits or nothing does. A matricule
/// given twice in one call is written once, the later entry winning. It returns the number of distinct matricules
/// written; an empty slice writes nothing and returns 0. `find` returns `None` for an unknown matricule.
#[async_trait]
pub trait AgentDirectory: Send + Sync + std::fmt::Debug {
    /// Inserts or replaces `agents` by matricule, all or nothing (see the contract above); returns how many.
    async fn upsert(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// The employee with this matricule, if any.
    async fn find(&self, matricule: i32) -> Result<Option<Agent>, StoreError>;
}

/// Loads a parsed list into the directory, batch by batch.
#[derive(Debug, Clone)]
pub struct AgentImport {
    directory: Arc<dyn AgentDirectory>,
    uow: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl AgentImport {
    /// Agents per `upsert`: small enough for SQLite's limit on bound parameters and for a progress bar that
    /// moves, large enough that a list of thousands takes a handful of round trips.
    pub const BATCH: usize = 500;

    /// The import, writing to `directory` and auditing through `uow`.
    pub fn new(
        directory: Arc<dyn AgentDirectory>,
        uow: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { directory, uow, clock, ids }
    }

    /// Upserts `agents` in batches of `BATCH`, calling `progress` after each with the number written so far;
    /// returns that number. A failed batch stops the import; the batches before it stay written (an import is
    /// re-run whole, and upserting is idempotent).
    #[instrument(name = "agents.import", skip_all, fields(agents.count = agents.len()))]
    pub async fn import(&self, agents: &[Agent], mut progress: impl FnMut(u64) + Send) -> Result<u64, StoreError> {
        let at = self.clock.now();
        let mut written = 0;
        for batch in agents.chunks(Self::BATCH) {
            written += self.directory.upsert(batch, at).await?;
            progress(written);
        }
        // B2: the operator's import is on the trail (no actor: it runs from the command line, not an account).
        let mut tx = self.uow.begin().await?;
        tx.audit()
            .append(&AuditEvent {
                id: self.ids.new_id(),
                actor_id: None,
                action: "agents.imported".to_owned(),
                target_type: Some("seeg_agents".to_owned()),
                target_id: None,
                request_id: None,
                changed_fields: vec!["matricule".to_owned(), "nom".to_owned(), "prenom".to_owned()],
                occurred_at: at,
            })
            .await?;
        tx.commit().await?;
        tracing::info!(agents.written = written, "employees list imported");
        Ok(written)
    }
}
