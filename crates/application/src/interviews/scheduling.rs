//! The interview slot use cases (I7, R31, S3): staff who schedule book, move and cancel slots; staff who read
//! see every slot, a candidate the slots of its own applications only. Every booking, move and cancellation
//! commits with its audit row and an outbox event carrying the slot's `sequence` (the ICS invitation, B4).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide};
use seeg_domain::interviews::{
    ApplicationClosed, DATE_FORMAT, InterviewSlot, SlotFieldError, SlotStatus, TIME_FORMAT, check_bookable, check_text,
};
use tracing::instrument;
use uuid::Uuid;

use super::{InterviewSlotRepository, SlotFilter, SlotStats};
use crate::applications::ApplicationRepository;
use crate::identity::{AuditEvent, RequestContext};
use crate::outbox::OutboxEvent;
use crate::store::{Page, PageOf, StoreError, Transaction, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The outbox kind of a booking.
pub const INTERVIEW_SCHEDULED: &str = "interview.scheduled";
/// The outbox kind of a change to a booked slot (moved, details, status other than cancelled).
pub const INTERVIEW_UPDATED: &str = "interview.updated";
/// The outbox kind of a cancellation.
pub const INTERVIEW_CANCELLED: &str = "interview.cancelled";

/// Why a slot use case refused.
#[derive(Debug, thiserror::Error)]
pub enum SlotError {
    /// No such slot, or another candidate's (S3: indistinguishable).
    #[error("Créneau introuvable")]
    NotFound,
    /// The application does not exist (or is not the candidate's).
    #[error("Candidature introuvable")]
    ApplicationNotFound,
    /// The caller may not do this (S3).
    #[error("Accès interdit")]
    Forbidden,
    /// The application is refused, withdrawn or hired.
    #[error(transparent)]
    Closed(#[from] ApplicationClosed),
    /// Another slot holds this (date, time) (I7).
    #[error("Le créneau {} à {} est déjà occupé", date.format(DATE_FORMAT), time.format(TIME_FORMAT))]
    Occupied {
        /// The day asked for.
        date: NaiveDate,
        /// The time asked for.
        time: NaiveTime,
    },
    /// A field is malformed (422).
    #[error(transparent)]
    Invalid(#[from] SlotFieldError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for SlotError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// A booking: the application and its time, with the calendar's details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlot {
    /// The application interviewed.
    pub application_id: Uuid,
    /// The day.
    pub date: NaiveDate,
    /// The time of day.
    pub time: NaiveTime,
    /// The candidate's name as shown on the calendar.
    pub candidate_name: Option<String>,
    /// The offer's title as shown on the calendar.
    pub job_title: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
}

/// A partial change of a slot: `Some` sets the field (`Some(None)` clears a nullable one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotPatch {
    /// Moves it to this day.
    pub date: Option<NaiveDate>,
    /// Moves it to this time.
    pub time: Option<NaiveTime>,
    /// The candidate's name.
    pub candidate_name: Option<Option<String>>,
    /// The offer's title.
    pub job_title: Option<Option<String>>,
    /// Where.
    pub location: Option<Option<String>>,
    /// Free notes.
    pub notes: Option<Option<String>>,
    /// Its status (`cancelled` cancels it, I7).
    pub status: Option<SlotStatus>,
}

/// Which slots a caller may read.
enum ReadScope {
    All,
    /// A candidate: the slots of its own applications.
    Candidate(Uuid),
}

fn read_scope(caller: &User) -> Result<ReadScope, SlotError> {
    // A candidate's slots are part of its own applications, which it reads (S3); staff need ReadInterviews.
    if caller.role == Role::Candidate {
        return Ok(ReadScope::Candidate(caller.id));
    }
    match decide(caller.role, Action::ReadInterviews, Ownership::Any) {
        Decision::Allow => Ok(ReadScope::All),
        Decision::Forbid => Err(SlotError::Forbidden),
        Decision::Hide => Err(SlotError::NotFound),
    }
}

fn may_schedule(caller: &User) -> Result<(), SlotError> {
    match decide(caller.role, Action::ScheduleInterviews, Ownership::Any) {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(SlotError::Forbidden),
        Decision::Hide => Err(SlotError::NotFound),
    }
}

fn check_texts(texts: [(&'static str, Option<&str>); 4]) -> Result<(), SlotError> {
    for (field, text) in texts {
        check_text(field, text)?;
    }
    Ok(())
}

fn slot_event(id: Uuid, kind: &str, slot: &InterviewSlot, now: DateTime<Utc>) -> OutboxEvent {
    let payload = serde_json::json!({
        "slot_id": slot.id,
        "application_id": slot.application_id,
        "sequence": slot.sequence,
        "date": slot.date.format(DATE_FORMAT).to_string(),
        "time": slot.time.format(TIME_FORMAT).to_string(),
        "status": slot.status.as_str(),
    });
    OutboxEvent::new(id, kind, payload, now)
}

/// Interview slots: book, list, read, change, cancel, count (I7).
#[derive(Debug, Clone)]
pub struct InterviewSlots {
    uow: Arc<dyn UnitOfWork>,
    slots: Arc<dyn InterviewSlotRepository>,
    applications: Arc<dyn ApplicationRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl InterviewSlots {
    /// The use cases over these ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        slots: Arc<dyn InterviewSlotRepository>,
        applications: Arc<dyn ApplicationRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, slots, applications, clock, ids }
    }

    /// Whether `caller` may book, change or cancel slots at all, decided before a body is read (S3).
    pub fn may_schedule(&self, caller: &User) -> Result<(), SlotError> {
        may_schedule(caller)
    }

    /// Whether the application `id` is there and open; what a booking of it needs.
    async fn bookable(&self, id: Uuid) -> Result<(), SlotError> {
        let application = self.applications.get(id).await?.ok_or(SlotError::ApplicationNotFound)?;
        Ok(check_bookable(application.status)?)
    }

    /// Appends the event and the audit row of a change to `slot`, then commits.
    async fn finish(
        &self,
        mut tx: Box<dyn Transaction>,
        caller: &User,
        kind: &str,
        slot: &InterviewSlot,
        fields: Vec<String>,
        context: &RequestContext,
    ) -> Result<(), SlotError> {
        let now = slot.updated_at;
        tx.outbox().append(&slot_event(self.ids.new_id(), kind, slot, now)).await?;
        let audit =
            AuditEvent::on_target(self.ids.new_id(), caller, kind, ("interview_slot", slot.id), fields, context, now);
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Books `new` for `caller` (its recruiter): the application must exist and be open, and the (date, time)
    /// free; of concurrent bookings of one time exactly one succeeds, the others are `Occupied`.
    #[instrument(skip_all, fields(actor.id = %caller.id, application.id = %new.application_id))]
    pub async fn create(
        &self,
        caller: &User,
        new: NewSlot,
        context: &RequestContext,
    ) -> Result<InterviewSlot, SlotError> {
        may_schedule(caller)?;
        check_texts([
            ("candidate_name", new.candidate_name.as_deref()),
            ("job_title", new.job_title.as_deref()),
            ("location", new.location.as_deref()),
            ("notes", new.notes.as_deref()),
        ])?;
        self.bookable(new.application_id).await?;
        let now = self.clock.now();
        let slot = InterviewSlot {
            id: self.ids.new_id(),
            application_id: new.application_id,
            candidate_name: new.candidate_name,
            job_title: new.job_title,
            date: new.date,
            time: new.time,
            status: SlotStatus::Scheduled,
            is_available: false,
            location: new.location,
            notes: new.notes,
            recruiter_id: Some(caller.id),
            sequence: 0,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.uow.begin().await?;
        tx.interview_slots().insert(&slot).await.map_err(|e| occupied(e, &slot))?;
        self.finish(tx, caller, INTERVIEW_SCHEDULED, &slot, Vec::new(), context).await?;
        tracing::info!(slot.id = %slot.id, "interview scheduled");
        Ok(slot)
    }

    /// The slots `caller` may see matching `filter`, by date then time; a candidate's list holds the slots of its
    /// own applications only, whatever the filter says.
    pub async fn list(
        &self,
        caller: &User,
        mut filter: SlotFilter,
        page: Page,
    ) -> Result<PageOf<InterviewSlot>, SlotError> {
        if let ReadScope::Candidate(id) = read_scope(caller)? {
            filter.candidate_id = Some(id);
        }
        Ok(self.slots.list(&filter, page).await?)
    }

    /// Slot `id`; another candidate's is `NotFound` (S3).
    pub async fn get(&self, caller: &User, id: Uuid) -> Result<InterviewSlot, SlotError> {
        let scope = read_scope(caller)?;
        let slot = self.slots.get(id).await?.ok_or(SlotError::NotFound)?;
        if let ReadScope::Candidate(candidate) = scope {
            let application = self.applications.get(slot.application_id).await?;
            if application.is_none_or(|a| a.candidate_id != candidate) {
                return Err(SlotError::NotFound);
            }
        }
        Ok(slot)
    }

    /// Changes slot `id`: moves it (the new time must be free: else `Occupied`), edits its details or its
    /// status. Setting `cancelled` cancels it (as `cancel`); reviving or moving a slot books its application
    /// again, which must still be open. Each change increments `sequence` and appends `interview.updated` (or
    /// `interview.cancelled`); a patch that changes nothing writes nothing.
    #[instrument(skip_all, fields(actor.id = %caller.id, slot.id = %id))]
    pub async fn update(
        &self,
        caller: &User,
        id: Uuid,
        patch: SlotPatch,
        context: &RequestContext,
    ) -> Result<InterviewSlot, SlotError> {
        may_schedule(caller)?;
        let texts = [
            ("candidate_name", patch.candidate_name.as_ref()),
            ("job_title", patch.job_title.as_ref()),
            ("location", patch.location.as_ref()),
            ("notes", patch.notes.as_ref()),
        ];
        check_texts(texts.map(|(field, text)| (field, text.and_then(Option::as_deref))))?;
        let mut tx = self.uow.begin().await?;
        let before = tx.interview_slots().lock(id).await?.ok_or(SlotError::NotFound)?;
        let mut slot = before.clone();
        let mut fields = Vec::new();
        macro_rules! set {
            ($field:ident) => {
                if let Some(value) = patch.$field {
                    if slot.$field != value {
                        slot.$field = value;
                        fields.push(stringify!($field).to_owned());
                    }
                }
            };
        }
        set!(date);
        set!(time);
        set!(candidate_name);
        set!(job_title);
        set!(location);
        set!(notes);
        if let Some(status) = patch.status.filter(|s| *s != slot.status) {
            slot.set_status(status);
            fields.extend(["status".to_owned(), "is_available".to_owned()]);
        }
        if fields.is_empty() {
            return Ok(before);
        }
        let moved = (slot.date, slot.time) != (before.date, before.time);
        if slot.occupies() && (moved || !before.occupies()) {
            self.bookable(slot.application_id).await?;
        }
        slot.sequence = before.sequence.saturating_add(1);
        slot.updated_at = self.clock.now();
        if !tx.interview_slots().update(&slot).await.map_err(|e| occupied(e, &slot))? {
            return Err(SlotError::NotFound);
        }
        let kind = if slot.occupies() || !before.occupies() { INTERVIEW_UPDATED } else { INTERVIEW_CANCELLED };
        self.finish(tx, caller, kind, &slot, fields, context).await?;
        Ok(slot)
    }

    /// Cancels slot `id` (soft, I7): `cancelled`, `is_available`, its time free to book again; the slot stays
    /// readable. Cancelling a cancelled slot changes nothing.
    #[instrument(skip_all, fields(actor.id = %caller.id, slot.id = %id))]
    pub async fn cancel(&self, caller: &User, id: Uuid, context: &RequestContext) -> Result<InterviewSlot, SlotError> {
        let patch = SlotPatch { status: Some(SlotStatus::Cancelled), ..SlotPatch::default() };
        self.update(caller, id, patch, context).await
    }

    /// Every slot counted by status (staff who read slots).
    pub async fn stats(&self, caller: &User) -> Result<SlotStats, SlotError> {
        match read_scope(caller)? {
            ReadScope::All => Ok(self.slots.stats().await?),
            ReadScope::Candidate(_) => Err(SlotError::Forbidden),
        }
    }
}

fn occupied(error: StoreError, slot: &InterviewSlot) -> SlotError {
    match error {
        StoreError::Conflict(_) => SlotError::Occupied { date: slot.date, time: slot.time },
        other @ StoreError::Unexpected(_) => SlotError::Store(other),
    }
}
