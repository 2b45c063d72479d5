//! The evaluations capability's persistence ports.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::evaluations::{Protocol, Protocol1Evaluation, Protocol2Evaluation, Score};
use uuid::Uuid;

use crate::store::StoreError;

/// One edit of an evaluation: who changed which fields, when (the history kept beside the audit trail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationChange {
    /// Its id.
    pub id: Uuid,
    /// The protocol of the evaluation edited.
    pub protocol: Protocol,
    /// The evaluation edited.
    pub evaluation_id: Uuid,
    /// Its application.
    pub application_id: Uuid,
    /// Who edited it; `None` once that account is gone.
    pub changed_by: Option<Uuid>,
    /// The names of the fields whose value changed (`overall_score` included when it moved).
    pub fields: Vec<String>,
    /// When.
    pub changed_at: DateTime<Utc>,
}

/// The evaluations of one protocol, counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProtocolStats {
    /// How many evaluations there are.
    pub total: u64,
    /// The average overall score, rounded to the hundredth; 0 when there are none (R30).
    pub average_overall: Score,
}

/// Both protocols' statistics (legacy `/evaluations/stats/overview`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvaluationStats {
    /// Protocol 1.
    pub protocol1: ProtocolStats,
    /// Protocol 2.
    pub protocol2: ProtocolStats,
}

/// Reads evaluations.
///
/// Contract: `protocol1`/`protocol2` are `None` for an unknown id; `protocol1_of`/`protocol2_of` give the
/// application's evaluation of that protocol, if any (there is at most one). `changes` lists an evaluation's
/// edits oldest first (`changed_at`, then `id`). `stats` counts every evaluation of each protocol and averages
/// their overall scores.
#[async_trait]
pub trait EvaluationRepository: Send + Sync + std::fmt::Debug {
    /// A protocol 1 evaluation by id.
    async fn protocol1(&self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError>;
    /// A protocol 2 evaluation by id.
    async fn protocol2(&self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError>;
    /// The application's protocol 1 evaluation.
    async fn protocol1_of(&self, application_id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError>;
    /// The application's protocol 2 evaluation.
    async fn protocol2_of(&self, application_id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError>;
    /// The edits of one evaluation, oldest first.
    async fn changes(&self, protocol: Protocol, evaluation_id: Uuid) -> Result<Vec<EvaluationChange>, StoreError>;
    /// Count and average overall score per protocol.
    async fn stats(&self) -> Result<EvaluationStats, StoreError>;
}

/// Writes evaluations inside a transaction.
///
/// Contract: `insert_*` is `StoreError::Conflict` when the id exists or the application already has an
/// evaluation of that protocol (a unique index decides, so of concurrent creations exactly one commits).
/// `lock_*` reads an evaluation and holds it until the transaction ends (`None` if unknown). `update_*` writes
/// every field, the overall score and `updated_at` of an existing evaluation and says whether it existed.
/// `append_change` is `Conflict` on an existing id.
#[async_trait]
pub trait EvaluationWriter: Send {
    /// Inserts a protocol 1 evaluation.
    async fn insert_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<(), StoreError>;
    /// Inserts a protocol 2 evaluation.
    async fn insert_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<(), StoreError>;
    /// Reads and locks a protocol 1 evaluation.
    async fn lock_protocol1(&mut self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError>;
    /// Reads and locks a protocol 2 evaluation.
    async fn lock_protocol2(&mut self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError>;
    /// Rewrites a protocol 1 evaluation.
    async fn update_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<bool, StoreError>;
    /// Rewrites a protocol 2 evaluation.
    async fn update_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<bool, StoreError>;
    /// Appends one line of an evaluation's history.
    async fn append_change(&mut self, change: &EvaluationChange) -> Result<(), StoreError>;
}
