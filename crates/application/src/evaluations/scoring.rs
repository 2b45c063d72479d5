//! The evaluation use cases (I6, S3): staff with the permission create, edit and read evaluations; each write
//! commits with its history row, its audit row and, when the evaluation turns completed, the
//! `evaluation_completed` notifications (R32) in the same transaction.

use std::sync::Arc;

use async_trait::async_trait;
use seeg_domain::evaluations::{
    Evaluation, EvaluationWeights, Protocol, Protocol1Fields, Protocol2Fields, ProtocolFields, TextTooLong,
};
use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use tracing::instrument;
use uuid::Uuid;

use super::{EvaluationChange, EvaluationRepository, EvaluationStats, EvaluationWriter};
use crate::applications::ApplicationRepository;
use crate::identity::{AuditEvent, Notification, RequestContext};
use crate::offers::OfferRepository;
use crate::store::{StoreError, Transaction, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The notification type written when an evaluation is marked completed (R32).
pub const EVALUATION_COMPLETED: &str = "evaluation_completed";

/// Why an evaluation use case refused.
#[derive(Debug, thiserror::Error)]
pub enum EvaluationError {
    /// No such evaluation.
    #[error("Évaluation introuvable")]
    NotFound,
    /// The application to evaluate does not exist.
    #[error("Candidature introuvable")]
    ApplicationNotFound,
    /// The caller may not do this (S3: evaluations are staff data).
    #[error("Accès interdit")]
    Forbidden,
    /// The application already has an evaluation of this protocol (I6).
    #[error("Une évaluation {} existe déjà pour cette candidature", protocol_label(*.0))]
    Duplicate(Protocol),
    /// A comment or note is too long.
    #[error(transparent)]
    InvalidText(#[from] TextTooLong),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

const fn protocol_label(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::One => "Protocol 1",
        Protocol::Two => "Protocol 2",
    }
}

/// How the use cases reach one protocol's rows through the protocol-agnostic ports.
#[async_trait]
pub trait EvaluationProtocol: ProtocolFields {
    /// The evaluation by id.
    async fn get(repository: &dyn EvaluationRepository, id: Uuid) -> Result<Option<Evaluation<Self>>, StoreError>;
    /// The application's evaluation of this protocol.
    async fn of_application(
        repository: &dyn EvaluationRepository,
        application_id: Uuid,
    ) -> Result<Option<Evaluation<Self>>, StoreError>;
    /// Inserts it.
    async fn insert(writer: &mut dyn EvaluationWriter, evaluation: &Evaluation<Self>) -> Result<(), StoreError>;
    /// Reads and locks it.
    async fn lock(writer: &mut dyn EvaluationWriter, id: Uuid) -> Result<Option<Evaluation<Self>>, StoreError>;
    /// Rewrites it.
    async fn update(writer: &mut dyn EvaluationWriter, evaluation: &Evaluation<Self>) -> Result<bool, StoreError>;
}

/// Implements `EvaluationProtocol` for one protocol's fields with that protocol's port methods.
macro_rules! evaluation_protocol {
    ($fields:ty => $get:ident, $of:ident, $insert:ident, $lock:ident, $update:ident) => {
        #[async_trait]
        impl EvaluationProtocol for $fields {
            async fn get(
                repository: &dyn EvaluationRepository,
                id: Uuid,
            ) -> Result<Option<Evaluation<Self>>, StoreError> {
                repository.$get(id).await
            }

            async fn of_application(
                repository: &dyn EvaluationRepository,
                application_id: Uuid,
            ) -> Result<Option<Evaluation<Self>>, StoreError> {
                repository.$of(application_id).await
            }

            async fn insert(
                writer: &mut dyn EvaluationWriter,
                evaluation: &Evaluation<Self>,
            ) -> Result<(), StoreError> {
                writer.$insert(evaluation).await
            }

            async fn lock(writer: &mut dyn EvaluationWriter, id: Uuid) -> Result<Option<Evaluation<Self>>, StoreError> {
                writer.$lock(id).await
            }

            async fn update(
                writer: &mut dyn EvaluationWriter,
                evaluation: &Evaluation<Self>,
            ) -> Result<bool, StoreError> {
                writer.$update(evaluation).await
            }
        }
    };
}

evaluation_protocol!(Protocol1Fields => protocol1, protocol1_of, insert_protocol1, lock_protocol1, update_protocol1);
evaluation_protocol!(Protocol2Fields => protocol2, protocol2_of, insert_protocol2, lock_protocol2, update_protocol2);

impl From<StoreError> for EvaluationError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Evaluations: create, edit, read, count (I6).
#[derive(Debug, Clone)]
pub struct Evaluations {
    uow: Arc<dyn UnitOfWork>,
    repository: Arc<dyn EvaluationRepository>,
    applications: Arc<dyn ApplicationRepository>,
    offers: Arc<dyn OfferRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    weights: EvaluationWeights,
}

/// S3 for evaluations: `decide` answers for the role; a candidate is refused (403) whatever the id, so no id
/// can be probed.
fn allowed(caller: &User, action: Action) -> Result<(), EvaluationError> {
    match decide(caller.role, action, Ownership::Any) {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(EvaluationError::Forbidden),
        Decision::Hide => Err(EvaluationError::NotFound),
    }
}

impl Evaluations {
    /// The use cases over these ports, with the weights of the overall scores (I6); `offers` names the
    /// recruiter told of a completed evaluation.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        evaluations: Arc<dyn EvaluationRepository>,
        applications: Arc<dyn ApplicationRepository>,
        offers: Arc<dyn OfferRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        weights: EvaluationWeights,
    ) -> Self {
        Self { uow, repository: evaluations, applications, offers, clock, ids, weights }
    }

    /// Writes, in `tx`, an `evaluation_completed` notification (R32) to each person concerned who did not do it
    /// themselves: the recruiter of the application's offer and the evaluation's evaluator. Whoever completes
    /// it knows already; an account that is gone (no recruiter, no evaluator) is told nothing.
    async fn notify_completed<F: ProtocolFields>(
        &self,
        tx: &mut dyn Transaction,
        caller: &User,
        evaluation: &Evaluation<F>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), EvaluationError> {
        let application = self.applications.get(evaluation.application_id).await?;
        let offer = match &application {
            Some(application) => self.offers.get(application.job_offer_id).await?,
            None => None,
        };
        let title = offer.as_ref().map_or_else(|| "offre".to_owned(), |o| o.title.clone());
        let mut recipients: Vec<Uuid> = Vec::new();
        for id in [offer.and_then(|o| o.recruiter_id), evaluation.evaluator_id].into_iter().flatten() {
            if id != caller.id && !recipients.contains(&id) {
                recipients.push(id);
            }
        }
        let application_id = evaluation.application_id;
        for user_id in recipients {
            let notification = Notification {
                id: self.ids.new_id(),
                user_id,
                related_application_id: Some(application_id),
                title: "Évaluation terminée".to_owned(),
                message: format!(
                    "L'évaluation {} de la candidature à « {title} » est terminée : note globale {}/20.",
                    protocol_label(F::PROTOCOL),
                    evaluation.overall_score
                ),
                kind: EVALUATION_COMPLETED.to_owned(),
                link: Some(format!("/applications/{application_id}")),
                read: false,
                created_at: now,
            };
            tx.notifications().insert(&notification).await?;
        }
        Ok(())
    }

    /// Whether `caller` may write evaluations at all, decided before a body is read (S3).
    pub fn may_evaluate(&self, caller: &User) -> Result<(), EvaluationError> {
        allowed(caller, Action::Evaluate)
    }

    /// Whether `caller` may read evaluations at all, decided before anything is read (S3).
    pub fn may_read(&self, caller: &User) -> Result<(), EvaluationError> {
        allowed(caller, Action::ReadEvaluations)
    }

    /// Creates the application's evaluation of protocol `F` by `caller` (its evaluator). A second one of the
    /// same protocol is `Duplicate`, also when two creations race: the unique index decides.
    #[instrument(name = "evaluations.create", skip_all, fields(actor.id = %caller.id, application.id = %application_id, protocol = F::PROTOCOL.as_str()))]
    pub async fn create<F: EvaluationProtocol>(
        &self,
        caller: &User,
        application_id: Uuid,
        fields: F,
        context: &RequestContext,
    ) -> Result<Evaluation<F>, EvaluationError> {
        allowed(caller, Action::Evaluate)?;
        if self.applications.get(application_id).await?.is_none() {
            return Err(EvaluationError::ApplicationNotFound);
        }
        if F::of_application(self.repository.as_ref(), application_id).await?.is_some() {
            return Err(EvaluationError::Duplicate(F::PROTOCOL));
        }
        let now = self.clock.now();
        let evaluation = Evaluation::new(self.ids.new_id(), application_id, caller.id, fields, &self.weights, now)?;
        let mut tx = self.uow.begin().await?;
        // Held to the commit: a concurrent delete of the application waits, or went first and is seen.
        if tx.applications().lock(application_id).await?.is_none() {
            return Err(EvaluationError::ApplicationNotFound);
        }
        F::insert(tx.evaluations(), &evaluation).await.map_err(|e| match e {
            StoreError::Conflict(_) => EvaluationError::Duplicate(F::PROTOCOL),
            other => EvaluationError::Store(other),
        })?;
        let audit = AuditEvent::on_target(
            self.ids.new_id(),
            caller,
            "evaluation.created",
            (F::PROTOCOL.as_str(), evaluation.id),
            Vec::new(),
            context,
            now,
        );
        tx.audit().append(&audit).await?;
        if evaluation.fields.completed() {
            self.notify_completed(tx.as_mut(), caller, &evaluation, now).await?;
        }
        tx.commit().await?;
        Ok(evaluation)
    }

    /// Edits evaluation `id` of protocol `F`: only the fields the patch sets; the overall score is recomputed.
    /// A change writes a history row naming the fields and an audit row; `completed` turning true writes the
    /// `evaluation_completed` notifications. A patch that changes nothing writes nothing.
    #[instrument(name = "evaluations.update", skip_all, fields(actor.id = %caller.id, evaluation.id = %id, protocol = F::PROTOCOL.as_str()))]
    pub async fn update<F: EvaluationProtocol>(
        &self,
        caller: &User,
        id: Uuid,
        patch: F::Patch,
        context: &RequestContext,
    ) -> Result<Evaluation<F>, EvaluationError> {
        allowed(caller, Action::Evaluate)?;
        let mut tx = self.uow.begin().await?;
        let mut evaluation = F::lock(tx.evaluations(), id).await?.ok_or(EvaluationError::NotFound)?;
        let was_completed = evaluation.fields.completed();
        let now = self.clock.now();
        let changed = evaluation.edit(patch, &self.weights, now)?;
        if changed.is_empty() {
            return Ok(evaluation);
        }
        if !F::update(tx.evaluations(), &evaluation).await? {
            return Err(EvaluationError::NotFound);
        }
        let fields: Vec<String> = changed.iter().map(|f| (*f).to_owned()).collect();
        tx.evaluations()
            .append_change(&EvaluationChange {
                id: self.ids.new_id(),
                protocol: F::PROTOCOL,
                evaluation_id: id,
                application_id: evaluation.application_id,
                changed_by: Some(caller.id),
                fields: fields.clone(),
                changed_at: now,
            })
            .await?;
        let audit = AuditEvent::on_target(
            self.ids.new_id(),
            caller,
            "evaluation.updated",
            (F::PROTOCOL.as_str(), id),
            fields,
            context,
            now,
        );
        tx.audit().append(&audit).await?;
        if !was_completed && evaluation.fields.completed() {
            self.notify_completed(tx.as_mut(), caller, &evaluation, now).await?;
        }
        tx.commit().await?;
        Ok(evaluation)
    }

    /// Evaluation `id` of protocol `F`.
    pub async fn get<F: EvaluationProtocol>(&self, caller: &User, id: Uuid) -> Result<Evaluation<F>, EvaluationError> {
        allowed(caller, Action::ReadEvaluations)?;
        F::get(self.repository.as_ref(), id).await?.ok_or(EvaluationError::NotFound)
    }

    /// The application's evaluations of protocol `F` (0 or 1: the legacy list shape).
    pub async fn by_application<F: EvaluationProtocol>(
        &self,
        caller: &User,
        application_id: Uuid,
    ) -> Result<Vec<Evaluation<F>>, EvaluationError> {
        allowed(caller, Action::ReadEvaluations)?;
        Ok(F::of_application(self.repository.as_ref(), application_id).await?.into_iter().collect())
    }

    /// The edits of evaluation `id` of protocol `F`, oldest first.
    pub async fn history<F: EvaluationProtocol>(
        &self,
        caller: &User,
        id: Uuid,
    ) -> Result<Vec<EvaluationChange>, EvaluationError> {
        allowed(caller, Action::ReadEvaluations)?;
        if F::get(self.repository.as_ref(), id).await?.is_none() {
            return Err(EvaluationError::NotFound);
        }
        Ok(self.repository.changes(F::PROTOCOL, id).await?)
    }

    /// Count and average overall score per protocol.
    pub async fn stats(&self, caller: &User) -> Result<EvaluationStats, EvaluationError> {
        allowed(caller, Action::ReadEvaluations)?;
        Ok(self.repository.stats().await?)
    }
}
