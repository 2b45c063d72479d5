//! Evaluations (`EvaluationRepository`, `EvaluationWriter`) in memory: both protocols and the history of edits,
//! read as the transaction sees them; one evaluation per protocol per application, as the unique indexes say.

use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::evaluations::{
    EvaluationChange, EvaluationRepository, EvaluationStats, EvaluationWriter, ProtocolStats,
};
use seeg_domain::evaluations::{Evaluation, Protocol, Protocol1Evaluation, Protocol2Evaluation, Score};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction};

/// The three tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tables {
    protocol1: BTreeMap<Uuid, Protocol1Evaluation>,
    protocol2: BTreeMap<Uuid, Protocol2Evaluation>,
    changes: BTreeMap<Uuid, EvaluationChange>,
}

impl Tables {
    /// The application's protocol 1 evaluation, if any.
    pub(crate) fn protocol1_of(&self, application_id: Uuid) -> Option<&Protocol1Evaluation> {
        self.protocol1.values().find(|e| e.application_id == application_id)
    }

    /// The application's protocol 2 evaluation, if any.
    pub(crate) fn protocol2_of(&self, application_id: Uuid) -> Option<&Protocol2Evaluation> {
        self.protocol2.values().find(|e| e.application_id == application_id)
    }
}

/// A row written (inserted or rewritten: by id).
#[derive(Debug)]
pub(crate) enum Written {
    Protocol1(Box<Protocol1Evaluation>),
    Protocol2(Box<Protocol2Evaluation>),
    Change(Box<EvaluationChange>),
}

/// Applies a write to `tables` (committed state, or a transaction's view of it).
pub(crate) fn apply(written: &Written, tables: &mut Tables) {
    match written {
        Written::Protocol1(e) => {
            tables.protocol1.insert(e.id, (**e).clone());
        }
        Written::Protocol2(e) => {
            tables.protocol2.insert(e.id, (**e).clone());
        }
        Written::Change(c) => {
            tables.changes.insert(c.id, (**c).clone());
        }
    }
}

/// Clears the free texts of the application's evaluations (B7: the candidate's data erased); scores stay.
pub(crate) fn clear_texts(tables: &mut Tables, application_id: Uuid) {
    use seeg_domain::evaluations::ProtocolFields as _;
    for evaluation in tables.protocol1.values_mut().filter(|e| e.application_id == application_id) {
        evaluation.fields.clear_texts();
    }
    for evaluation in tables.protocol2.values_mut().filter(|e| e.application_id == application_id) {
        evaluation.fields.clear_texts();
    }
}

/// `ON DELETE CASCADE` from the application.
pub(crate) fn cascade(tables: &mut Tables, application_id: Uuid) {
    tables.protocol1.retain(|_, e| e.application_id != application_id);
    tables.protocol2.retain(|_, e| e.application_id != application_id);
    tables.changes.retain(|_, c| c.application_id != application_id);
}

fn stats_of<'a, F: 'a>(evaluations: impl Iterator<Item = &'a Evaluation<F>>) -> ProtocolStats {
    let (total, sum) =
        evaluations.fold((0_u64, 0_u64), |(n, sum), e| (n + 1, sum + u64::from(e.overall_score.hundredths())));
    ProtocolStats { total, average_overall: Score::average(sum, total) }
}

/// Whether an evaluation with this id, or of this application, is in `table` (primary key, unique index).
fn taken<F>(table: &BTreeMap<Uuid, Evaluation<F>>, evaluation: &Evaluation<F>) -> bool {
    table.contains_key(&evaluation.id) || table.values().any(|e| e.application_id == evaluation.application_id)
}

impl MemoryTransaction {
    /// The tables as this transaction sees them.
    fn current_evaluations(&self) -> Tables {
        let mut tables = self.store.read(|state| state.evaluations.clone());
        for change in &self.changes {
            match change {
                Change::Evaluation(written) => apply(written, &mut tables),
                Change::DeleteApplication(id) => cascade(&mut tables, *id),
                _ => {}
            }
        }
        tables
    }

    /// The foreign key to the application, as the SQL schema checks it.
    fn check_application(&self, application_id: Uuid) -> Result<(), StoreError> {
        if self.application_status(application_id).is_none() {
            return Err(StoreError::Unexpected(anyhow::anyhow!("candidature {application_id} inconnue")));
        }
        Ok(())
    }
}

#[async_trait]
impl EvaluationWriter for MemoryTransaction {
    async fn insert_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<(), StoreError> {
        self.check_application(evaluation.application_id)?;
        if taken(&self.current_evaluations().protocol1, evaluation) {
            return Err(StoreError::Conflict("ux_protocol1_evaluations_application".to_owned()));
        }
        self.changes.push(Change::Evaluation(Written::Protocol1(Box::new(evaluation.clone()))));
        Ok(())
    }

    async fn insert_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<(), StoreError> {
        self.check_application(evaluation.application_id)?;
        if taken(&self.current_evaluations().protocol2, evaluation) {
            return Err(StoreError::Conflict("ux_protocol2_evaluations_application".to_owned()));
        }
        self.changes.push(Change::Evaluation(Written::Protocol2(Box::new(evaluation.clone()))));
        Ok(())
    }

    async fn lock_protocol1(&mut self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        // Transactions run one at a time: reading is locking.
        Ok(self.current_evaluations().protocol1.remove(&id))
    }

    async fn lock_protocol2(&mut self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        Ok(self.current_evaluations().protocol2.remove(&id))
    }

    async fn update_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<bool, StoreError> {
        let exists = self.current_evaluations().protocol1.contains_key(&evaluation.id);
        if exists {
            self.changes.push(Change::Evaluation(Written::Protocol1(Box::new(evaluation.clone()))));
        }
        Ok(exists)
    }

    async fn update_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<bool, StoreError> {
        let exists = self.current_evaluations().protocol2.contains_key(&evaluation.id);
        if exists {
            self.changes.push(Change::Evaluation(Written::Protocol2(Box::new(evaluation.clone()))));
        }
        Ok(exists)
    }

    async fn append_change(&mut self, change: &EvaluationChange) -> Result<(), StoreError> {
        self.check_application(change.application_id)?;
        if self.current_evaluations().changes.contains_key(&change.id) {
            return Err(StoreError::Conflict(format!("historique d'évaluation {}", change.id)));
        }
        self.changes.push(Change::Evaluation(Written::Change(Box::new(change.clone()))));
        Ok(())
    }
}

#[async_trait]
impl EvaluationRepository for MemoryStore {
    async fn protocol1(&self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        Ok(self.read(|state| state.evaluations.protocol1.get(&id).cloned()))
    }

    async fn protocol2(&self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        Ok(self.read(|state| state.evaluations.protocol2.get(&id).cloned()))
    }

    async fn protocol1_of(&self, application_id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        Ok(self.read(|state| state.evaluations.protocol1_of(application_id).cloned()))
    }

    async fn protocol2_of(&self, application_id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        Ok(self.read(|state| state.evaluations.protocol2_of(application_id).cloned()))
    }

    async fn changes(&self, protocol: Protocol, evaluation_id: Uuid) -> Result<Vec<EvaluationChange>, StoreError> {
        let mut changes: Vec<EvaluationChange> = self.read(|state| {
            state
                .evaluations
                .changes
                .values()
                .filter(|c| c.evaluation_id == evaluation_id && c.protocol == protocol)
                .cloned()
                .collect()
        });
        changes.sort_by(|a, b| a.changed_at.cmp(&b.changed_at).then(a.id.cmp(&b.id)));
        Ok(changes)
    }

    async fn stats(&self) -> Result<EvaluationStats, StoreError> {
        Ok(self.read(|state| EvaluationStats {
            protocol1: stats_of(state.evaluations.protocol1.values()),
            protocol2: stats_of(state.evaluations.protocol2.values()),
        }))
    }
}

/// Whether application `application_id` has an evaluation of either protocol, as `tx` sees it.
pub(crate) fn exists_for(tx: &MemoryTransaction, application_id: Uuid) -> bool {
    let tables = tx.current_evaluations();
    tables.protocol1.values().any(|e| e.application_id == application_id)
        || tables.protocol2.values().any(|e| e.application_id == application_id)
}
