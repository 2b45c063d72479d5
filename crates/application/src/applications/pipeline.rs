//! Moving an application through the pipeline (I5): the state machine decides, per actor; each move writes the
//! status, a history row, an audit row for staff (B2), the candidate's `application_status_changed`
//! notification and its e-mail, and the data lake's re-export event (K4), all in one transaction (I1). Closing an
//! application (`refuse`, `retiree`, `embauche`) calls off its upcoming interviews in that transaction (I7).

use std::sync::Arc;

use seeg_domain::applications::{Application, ApplicationStatus, InvalidTransition, StatusActor};
use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide, may_attempt};
use seeg_domain::interviews::check_bookable;
use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationRepository, ExportHooks, ExportReason, StatusChange};
use crate::identity::{AuditEvent, Notification, RequestContext, UserRepository};
use crate::interviews::InterviewSlots;
use crate::mail::{Outgoing, queue_mail, templates};
use crate::offers::OfferRepository;
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The longest note kept on a history row.
pub const MAX_NOTE_CHARS: usize = 5_000;

/// Why a status change or a note was refused.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Unknown, or another candidate's (S3: indistinguishable).
    #[error("candidature introuvable")]
    NotFound,
    /// Staff without the permission (observers), or a candidate adding a note.
    #[error("Accès interdit")]
    Forbidden,
    /// The state machine refuses this move for this actor (I5); carries the moves it allows.
    #[error(transparent)]
    Transition(#[from] InvalidTransition),
    /// A note that is blank (where one is required) or longer than `MAX_NOTE_CHARS`.
    #[error("note vide ou de plus de {MAX_NOTE_CHARS} caractères")]
    InvalidNote,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Moving applications through the pipeline (I5): staff move them forward or turn them down, an admin reopens a
/// refusal, a candidate withdraws its own; each move notifies the candidate in the same transaction (I1, I2).
#[derive(Debug, Clone)]
pub struct ApplicationPipeline {
    uow: Arc<dyn UnitOfWork>,
    applications: Arc<dyn ApplicationRepository>,
    users: Arc<dyn UserRepository>,
    offers: Arc<dyn OfferRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    interviews: InterviewSlots,
    hooks: ExportHooks,
}

fn actor_of(caller: &User, application: &Application) -> Result<StatusActor, PipelineError> {
    match caller.role {
        Role::Candidate if application.candidate_id == caller.id => Ok(StatusActor::Candidate),
        Role::Candidate => Err(PipelineError::NotFound),
        role => match decide(role, Action::ChangeApplicationStatus, Ownership::Any) {
            Decision::Allow if role == Role::Admin => Ok(StatusActor::Admin),
            Decision::Allow => Ok(StatusActor::Recruiter),
            Decision::Forbid | Decision::Hide => Err(PipelineError::Forbidden),
        },
    }
}

fn checked_note(note: Option<String>) -> Result<Option<String>, PipelineError> {
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
        return Err(PipelineError::InvalidNote);
    }
    Ok(note)
}

impl ApplicationPipeline {
    /// Whether `caller` may change a status at all (staff with the permission, or a candidate withdrawing its
    /// own application), decided before the request is read.
    pub fn may_change_status(&self, caller: &User) -> Result<(), PipelineError> {
        if may_attempt(caller.role, Action::ChangeApplicationStatus)
            || may_attempt(caller.role, Action::WithdrawApplication)
        {
            Ok(())
        } else {
            Err(PipelineError::Forbidden)
        }
    }

    /// Whether `caller` may add history notes to application `id` at all (staff who change statuses), decided
    /// before the request is read. A candidate is refused as `add_note` would refuse it: another candidate's
    /// application is not found (S3), its own is forbidden.
    pub async fn may_add_note(&self, caller: &User, id: Uuid) -> Result<(), PipelineError> {
        if may_attempt(caller.role, Action::ChangeApplicationStatus) {
            return Ok(());
        }
        if caller.role == Role::Candidate {
            let application = self.applications.get(id).await?.ok_or(PipelineError::NotFound)?;
            actor_of(caller, &application)?;
        }
        Err(PipelineError::Forbidden)
    }

    /// The use case on its ports: `users` and `offers` give the candidate to notify and the offer title the
    /// notification and the e-mail name; `interviews` calls off the interviews of an application that closes.
    /// The export hooks are the lake's re-export (`with_hooks` changes them).
    #[allow(clippy::too_many_arguments)] // the ports, then the use case it drives
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        applications: Arc<dyn ApplicationRepository>,
        users: Arc<dyn UserRepository>,
        offers: Arc<dyn OfferRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        interviews: InterviewSlots,
    ) -> Self {
        Self { uow, applications, users, offers, clock, ids, interviews, hooks: ExportHooks::default() }
    }

    /// The downstream consumers a status change feeds (default: the lake's re-export).
    #[must_use]
    pub const fn with_hooks(mut self, hooks: ExportHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Moves application `id` to `to` for `caller`; the note goes into the history row.
    #[instrument(name = "applications.change_status", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn change_status(
        &self,
        caller: &User,
        id: Uuid,
        to: ApplicationStatus,
        note: Option<String>,
        context: &RequestContext,
    ) -> Result<Application, PipelineError> {
        let mut application = self.applications.get(id).await?.ok_or(PipelineError::NotFound)?;
        let actor = actor_of(caller, &application)?;
        let note = checked_note(note)?;
        // Checked here for a fast refusal, and again under the lock below: the status may move meanwhile.
        application.status.transition(to, actor)?;
        let now = self.clock.now();

        let candidate = self.users.get(application.candidate_id).await?;
        let offer = self.offers.get(application.job_offer_id).await?;
        let title = offer.map_or_else(|| "offre".to_owned(), |o| o.title);
        let calloff = match check_bookable(to) {
            Ok(()) => None,
            Err(_) => Some(self.interviews.prepare_calloff(&application, caller, now).await?),
        };

        let mut tx = self.uow.begin().await?;
        // Held to the commit: of two concurrent moves, the second is decided on the first's outcome.
        let from = tx.applications().lock(id).await?.ok_or(PipelineError::NotFound)?;
        application.status = from.transition(to, actor)?;
        application.updated_at = now;
        if !tx.applications().update_status(id, application.status, now).await? {
            return Err(PipelineError::NotFound);
        }
        if let Some(calloff) = &calloff {
            let called_off = self.interviews.call_off(tx.as_mut(), caller, calloff, now, context).await?;
            if called_off > 0 {
                tracing::info!(called_off, "upcoming interviews called off");
            }
        }
        tx.applications()
            .append_history(&StatusChange {
                id: self.ids.new_id(),
                application_id: id,
                changed_by: Some(caller.id),
                previous_status: Some(from),
                new_status: application.status,
                notes: note,
                changed_at: now,
            })
            .await?;
        if actor != StatusActor::Candidate {
            let fields = vec!["status".to_owned()];
            let event = "application.status_changed";
            let audit =
                AuditEvent::on_target(self.ids.new_id(), caller, event, ("application", id), fields, context, now);
            tx.audit().append(&audit).await?;
        }
        if let Some(candidate) = &candidate {
            tx.notifications()
                .insert(&Notification {
                    id: self.ids.new_id(),
                    user_id: candidate.id,
                    related_application_id: Some(id),
                    title: "Candidature mise à jour".to_owned(),
                    message: format!("« {title} » : {}", application.status.label()),
                    kind: "application_status_changed".to_owned(),
                    link: Some(format!("/applications/{id}")),
                    read: false,
                    created_at: now,
                })
                .await?;
            let mail = templates::application_status_changed(candidate, &title, application.status.label());
            let mail = Outgoing::new("application_status_changed", &candidate.email, mail)
                .optional_for(candidate.id)
                .about(id);
            queue_mail(tx.as_mut(), self.ids.as_ref(), mail, now).await?;
        }
        // K4: the lake's fact carries the status; the re-export writes today's partition with the new one.
        self.hooks.request_export(tx.as_mut(), self.ids.as_ref(), id, ExportReason::StatusChanged, None, now).await?;
        tx.commit().await?;
        tracing::info!(from = from.as_str(), to = application.status.as_str(), "application status changed");
        Ok(application)
    }

    /// A recruiter's note on the history, without a status change (`POST /{id}/history`).
    #[instrument(name = "applications.add_note", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn add_note(
        &self,
        caller: &User,
        id: Uuid,
        note: String,
        context: &RequestContext,
    ) -> Result<StatusChange, PipelineError> {
        let application = self.applications.get(id).await?.ok_or(PipelineError::NotFound)?;
        if actor_of(caller, &application)? == StatusActor::Candidate {
            return Err(PipelineError::Forbidden);
        }
        let note = checked_note(Some(note))?.ok_or(PipelineError::InvalidNote)?;
        let now = self.clock.now();
        let change = StatusChange {
            id: self.ids.new_id(),
            application_id: id,
            changed_by: Some(caller.id),
            previous_status: Some(application.status),
            new_status: application.status,
            notes: Some(note),
            changed_at: now,
        };
        let mut tx = self.uow.begin().await?;
        tx.applications().append_history(&change).await?;
        let fields = vec!["notes".to_owned()];
        let event = "application.note_added";
        let audit = AuditEvent::on_target(self.ids.new_id(), caller, event, ("application", id), fields, context, now);
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        Ok(change)
    }
}
