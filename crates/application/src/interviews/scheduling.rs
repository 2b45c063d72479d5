//! The interview slot use cases (I7, R31, S3): staff who schedule book, move and cancel slots; staff who read
//! see every slot, a candidate the slots of its own applications only. Every booking, move and cancellation
//! commits, in one transaction (I1), with its audit row, the candidate's notification and its e-mail (an outbox
//! `mail.send` event, I2). Each change increments the slot's `sequence`, the ICS invitation's (B4).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use seeg_domain::applications::Application;
use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use seeg_domain::interviews::{
    ApplicationClosed, DATE_FORMAT, InterviewSlot, SlotFieldError, SlotStatus, TIME_FORMAT, check_bookable, check_text,
};
use tracing::instrument;
use uuid::Uuid;

use super::invitation::{Invitation, Method, Party, ServiceOrganizer};
use super::{InterviewSlotRepository, SlotFilter, SlotStats};
use crate::applications::ApplicationRepository;
use crate::identity::{AuditEvent, Notification, RequestContext, UserRepository};
use crate::mail::templates::{self, InterviewDetails};
use crate::mail::{Outgoing, queue_mail};
use crate::offers::OfferRepository;
use crate::store::{Page, PageOf, StoreError, Transaction, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The audit action of a booking.
pub const INTERVIEW_SCHEDULED: &str = "interview.scheduled";
/// The audit action of a change to a slot (moved, details, status other than cancelled).
pub const INTERVIEW_UPDATED: &str = "interview.updated";
/// The audit action of a cancellation.
pub const INTERVIEW_CANCELLED: &str = "interview.cancelled";
/// The notification type of a booked or moved interview (R32).
pub const NOTIFICATION_INTERVIEW_SCHEDULED: &str = "interview_scheduled";
/// The notification type of a cancelled interview (R32).
pub const NOTIFICATION_INTERVIEW_CANCELLED: &str = "interview_cancelled";

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
    /// A change names another application: a slot stays with its application (cancel it and book another).
    #[error("« application_id » : un entretien reste attaché à sa candidature ; annulez-le et programmez-en un autre")]
    ApplicationChange,
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
    /// The slot's application, as the client sent it: only its current one is accepted.
    pub application_id: Option<Uuid>,
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

/// The most booked slots of one application whose recruiters `prepare_calloff` reads: an application has a few
/// interviews; past this many, the later ones' cancellations are organized by the service.
const MAX_CALLOFF_READ: u64 = 1_000;

/// Which slots a caller may read.
enum ReadScope {
    All,
    /// A candidate: the slots of its own applications.
    Candidate(Uuid),
}

fn read_scope(caller: &User) -> Result<ReadScope, SlotError> {
    // Staff read every slot; a candidate the slots of its own applications (S3).
    match decide(caller.role, Action::ReadInterviews, Ownership::Any) {
        Decision::Allow => return Ok(ReadScope::All),
        Decision::Forbid => return Err(SlotError::Forbidden),
        Decision::Hide => {}
    }
    match decide(caller.role, Action::ReadInterviews, Ownership::Own) {
        Decision::Allow => Ok(ReadScope::Candidate(caller.id)),
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

/// What the candidate is told about a change to its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Notice {
    /// Booked, or booked again after a cancellation: an invitation.
    Invited,
    /// Still booked, at another day, time or place: the new details.
    Changed,
    /// Called off while booked.
    Cancelled,
}

/// The notice a change from `before` (`None`: a new booking) to `after` owes the candidate; moving or editing a
/// completed interview, or the notes alone, tells nothing.
fn notice_of(before: Option<&InterviewSlot>, after: &InterviewSlot) -> Option<Notice> {
    let Some(before) = before else { return Some(Notice::Invited) };
    match (before.status, after.status) {
        (SlotStatus::Scheduled, SlotStatus::Cancelled) => Some(Notice::Cancelled),
        (SlotStatus::Scheduled, SlotStatus::Scheduled) => {
            let moved = (before.date, before.time, &before.location) != (after.date, after.time, &after.location);
            moved.then_some(Notice::Changed)
        }
        (_, SlotStatus::Scheduled) => Some(Notice::Invited),
        _ => None,
    }
}

/// Who hears of a slot's changes, read before its transaction begins (so that it holds one connection only).
#[derive(Debug, Clone)]
struct Audience {
    application: Application,
    /// `None` when the account is gone: nobody to tell.
    candidate: Option<User>,
    offer_title: Option<String>,
    /// The recruiter who booked the slot, the invitation's organizer; `None`: unknown or gone.
    organizer: Option<User>,
}

/// The calling-off of an application's upcoming interviews as it closes (`refuse`, `retiree`, `embauche`: no
/// interview is held for a closed application, I7), prepared by `InterviewSlots::prepare_calloff` before the
/// closing transaction begins and run in it by `InterviewSlots::call_off`.
#[derive(Debug, Clone)]
pub struct Calloff {
    audience: Audience,
    /// The recruiters who booked the upcoming slots, the cancellations' organizers.
    organizers: Vec<User>,
}

/// Interview slots: book, list, read, change, cancel, count (I7).
#[derive(Debug, Clone)]
pub struct InterviewSlots {
    uow: Arc<dyn UnitOfWork>,
    slots: Arc<dyn InterviewSlotRepository>,
    applications: Arc<dyn ApplicationRepository>,
    users: Arc<dyn UserRepository>,
    offers: Arc<dyn OfferRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    organizer: ServiceOrganizer,
}

impl InterviewSlots {
    /// The use cases over these ports: `users` and `offers` give the candidate to notify and the offer title its
    /// notification and e-mail name; `organizer` organizes the invitations whose booking recruiter is unknown.
    #[allow(clippy::too_many_arguments)] // the ports, then the one setting
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        slots: Arc<dyn InterviewSlotRepository>,
        applications: Arc<dyn ApplicationRepository>,
        users: Arc<dyn UserRepository>,
        offers: Arc<dyn OfferRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        organizer: ServiceOrganizer,
    ) -> Self {
        Self { uow, slots, applications, users, offers, clock, ids, organizer }
    }

    /// Whether `caller` may book, change or cancel slots at all, decided before a body is read (S3).
    pub fn may_schedule(&self, caller: &User) -> Result<(), SlotError> {
        may_schedule(caller)
    }

    /// The application `id`, when it is there and open; what a booking of it needs.
    async fn bookable(&self, id: Uuid) -> Result<Application, SlotError> {
        let application = self.applications.get(id).await?.ok_or(SlotError::ApplicationNotFound)?;
        check_bookable(application.status)?;
        Ok(application)
    }

    /// The application's candidate and offer title, and the recruiter who booked the slot (`caller` when it is
    /// the one), for its notices.
    async fn audience(
        &self,
        application: Application,
        caller: &User,
        booked_by: Option<Uuid>,
    ) -> Result<Audience, StoreError> {
        let candidate = self.users.get(application.candidate_id).await?;
        let offer_title = self.offers.get(application.job_offer_id).await?.map(|o| o.title);
        let organizer = match booked_by {
            Some(id) if id == caller.id => Some(caller.clone()),
            Some(id) => self.users.get(id).await?,
            None => None,
        };
        Ok(Audience { application, candidate, offer_title, organizer })
    }

    /// Appends the audit row of a change to `slot` (`before`: `None` for a booking) and what the candidate is
    /// told about it (its notification and e-mail), then commits.
    #[allow(clippy::too_many_arguments)] // one transaction's worth of facts, each needed once
    async fn finish(
        &self,
        mut tx: Box<dyn Transaction>,
        caller: &User,
        action: &str,
        audience: Option<&Audience>,
        (before, slot): (Option<&InterviewSlot>, &InterviewSlot),
        fields: Vec<String>,
        context: &RequestContext,
    ) -> Result<(), SlotError> {
        let now = slot.updated_at;
        if let (Some(notice), Some(audience)) = (notice_of(before, slot), audience) {
            let organizer = audience.organizer.as_ref();
            self.tell_candidate(tx.as_mut(), caller, audience, organizer, notice, slot, now).await?;
        }
        let audit =
            AuditEvent::on_target(self.ids.new_id(), caller, action, ("interview_slot", slot.id), fields, context, now);
        tx.audit().append(&audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes the candidate's notification (R32, link `/applications/{id}/interviews`) and appends its e-mail
    /// (I2) in `tx`; `organizer` is the recruiter who booked the slot (`None`: unknown or gone). An account gone
    /// meanwhile has nobody to tell.
    #[allow(clippy::too_many_arguments)] // one notice's facts, each needed once
    async fn tell_candidate(
        &self,
        tx: &mut dyn Transaction,
        caller: &User,
        audience: &Audience,
        organizer: Option<&User>,
        notice: Notice,
        slot: &InterviewSlot,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Audience { application, candidate, offer_title, .. } = audience;
        let Some(candidate) = candidate else { return Ok(()) };
        let job_title = offer_title.clone().or_else(|| slot.job_title.clone()).unwrap_or_else(|| "offre".to_owned());
        let interviewer = format!("{} {}", caller.first_name.trim(), caller.last_name.trim());
        let details = InterviewDetails {
            job_title: &job_title,
            date: slot.date,
            time: slot.time,
            location: slot.location.as_deref(),
            interviewer: &interviewer,
            notes: slot.notes.as_deref(),
        };
        let when = details.when();
        let (kind, title, message, mail) = match notice {
            Notice::Invited => (
                NOTIFICATION_INTERVIEW_SCHEDULED,
                "Entretien programmé",
                format!("Votre entretien pour « {job_title} » est programmé le {when}."),
                templates::interview_invitation(candidate, &details),
            ),
            Notice::Changed => (
                NOTIFICATION_INTERVIEW_SCHEDULED,
                "Entretien modifié",
                format!("Votre entretien pour « {job_title} » a changé : {when}."),
                templates::interview_changed(candidate, &details),
            ),
            Notice::Cancelled => (
                NOTIFICATION_INTERVIEW_CANCELLED,
                "Entretien annulé",
                format!("Votre entretien pour « {job_title} » prévu le {when} est annulé."),
                templates::interview_cancelled(candidate, &details),
            ),
        };
        tx.notifications()
            .insert(&Notification {
                id: self.ids.new_id(),
                user_id: candidate.id,
                related_application_id: Some(application.id),
                title: title.to_owned(),
                message,
                kind: kind.to_owned(),
                link: Some(format!("/applications/{}/interviews", application.id)),
                read: false,
                created_at: now,
            })
            .await?;
        let organizer_name = organizer.map(|o| format!("{} {}", o.first_name.trim(), o.last_name.trim()));
        let candidate_name = format!("{} {}", candidate.first_name.trim(), candidate.last_name.trim());
        let invitation = Invitation {
            slot,
            method: if notice == Notice::Cancelled { Method::Cancel } else { Method::Request },
            job_title: &job_title,
            location: details.location(),
            organizer: match (organizer, &organizer_name) {
                // An archived or blocked recruiter's mailbox would receive the replies: the service's then.
                (Some(recruiter), Some(name)) if recruiter.status == seeg_domain::identity::UserStatus::Active => {
                    Party { name, email: &recruiter.email }
                }
                _ => Party { name: &self.organizer.name, email: &self.organizer.email },
            },
            attendee: Party { name: &candidate_name, email: &candidate.email },
            stamp: now,
        };
        let mail = mail.with_attachment(invitation.attachment());
        let mail_kind = match notice {
            Notice::Invited => "interview_invitation",
            Notice::Changed => "interview_changed",
            Notice::Cancelled => "interview_cancelled",
        };
        // Operational: an invitation, a change or a cancellation is always sent (B9).
        let mail = Outgoing::new(mail_kind, &candidate.email, mail).for_account(candidate.id).about(application.id);
        queue_mail(tx, self.ids.as_ref(), mail, now).await?;
        Ok(())
    }

    /// What closing `application` calls off, read before the closing transaction begins: who is told, and the
    /// recruiters who booked its upcoming slots (the cancellations' organizers).
    pub async fn prepare_calloff(
        &self,
        application: &Application,
        caller: &User,
        now: DateTime<Utc>,
    ) -> Result<Calloff, StoreError> {
        let filter = SlotFilter {
            application_id: Some(application.id),
            status: Some(SlotStatus::Scheduled),
            ..SlotFilter::default()
        };
        let booked = self.slots.list(&filter, Page { skip: 0, limit: MAX_CALLOFF_READ }).await?;
        let mut organizers: Vec<User> = Vec::new();
        for recruiter in booked.items.iter().filter(|s| s.is_upcoming(now)).filter_map(|s| s.recruiter_id) {
            if recruiter != caller.id && !organizers.iter().any(|o| o.id == recruiter) {
                organizers.extend(self.users.get(recruiter).await?);
            }
        }
        let audience = self.audience(application.clone(), caller, None).await?;
        Ok(Calloff { audience, organizers })
    }

    /// In `tx`, where the application was just closed by `caller`: cancels its slots still booked and to come
    /// (as `cancel` does: `sequence` grown, audited `interview.cancelled`, the candidate notified and sent the
    /// invitation's `METHOD:CANCEL`). Slots whose time has passed stay as they are (held or not, staff say which).
    /// Returns how many were called off.
    pub async fn call_off(
        &self,
        tx: &mut dyn Transaction,
        caller: &User,
        calloff: &Calloff,
        now: DateTime<Utc>,
        context: &RequestContext,
    ) -> Result<usize, StoreError> {
        let booked = tx.interview_slots().lock_scheduled(calloff.audience.application.id).await?;
        let mut called_off = 0;
        for before in booked.iter().filter(|s| s.is_upcoming(now)) {
            let mut slot = before.clone();
            slot.set_status(SlotStatus::Cancelled);
            slot.sequence = before.sequence.saturating_add(1);
            slot.updated_at = now;
            if !tx.interview_slots().update(&slot).await? {
                continue;
            }
            let organizer = match slot.recruiter_id {
                Some(id) if id == caller.id => Some(caller),
                Some(id) => calloff.organizers.iter().find(|o| o.id == id),
                None => None,
            };
            self.tell_candidate(tx, caller, &calloff.audience, organizer, Notice::Cancelled, &slot, now).await?;
            let fields = vec!["status".to_owned(), "is_available".to_owned()];
            let target = ("interview_slot", slot.id);
            let audit =
                AuditEvent::on_target(self.ids.new_id(), caller, INTERVIEW_CANCELLED, target, fields, context, now);
            tx.audit().append(&audit).await?;
            called_off += 1;
        }
        Ok(called_off)
    }

    /// Books `new` for `caller` (its recruiter): the application must exist and be open, and the (date, time)
    /// free; of concurrent bookings of one time exactly one succeeds, the others are `Occupied`.
    #[instrument(name = "interviews.create", skip_all, fields(actor.id = %caller.id, application.id = %new.application_id))]
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
        let audience = self.audience(self.bookable(new.application_id).await?, caller, Some(caller.id)).await?;
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
        // Held to the commit: a concurrent delete or closing of the application waits, or went first and is seen.
        let status = tx.applications().lock(slot.application_id).await?.ok_or(SlotError::ApplicationNotFound)?;
        check_bookable(status)?;
        tx.interview_slots().insert(&slot).await.map_err(|e| occupied(e, &slot))?;
        self.finish(tx, caller, INTERVIEW_SCHEDULED, Some(&audience), (None, &slot), Vec::new(), context).await?;
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
    /// again, which must still be open. Each change increments `sequence` and is audited (`interview.updated` or
    /// `interview.cancelled`); the candidate is told of a move (day, time or place), a cancellation or a revival
    /// of a booked slot. A patch that changes nothing writes nothing; one naming another application is
    /// `ApplicationChange`.
    #[instrument(name = "interviews.update", skip_all, fields(actor.id = %caller.id, slot.id = %id))]
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
        // A slot keeps its application: what its notices need is read before the transaction.
        let current = self.slots.get(id).await?.ok_or(SlotError::NotFound)?;
        let audience = match self.applications.get(current.application_id).await? {
            Some(application) => Some(self.audience(application, caller, current.recruiter_id).await?),
            None => None,
        };
        let mut tx = self.uow.begin().await?;
        // The application before the slot, in the order a delete of the application takes them (no deadlock).
        let status = tx.applications().lock(current.application_id).await?;
        let before = tx.interview_slots().lock(id).await?.ok_or(SlotError::NotFound)?;
        if patch.application_id.is_some_and(|a| a != before.application_id) {
            return Err(SlotError::ApplicationChange);
        }
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
            check_bookable(status.ok_or(SlotError::ApplicationNotFound)?)?;
        }
        slot.sequence = before.sequence.saturating_add(1);
        slot.updated_at = self.clock.now();
        if !tx.interview_slots().update(&slot).await.map_err(|e| occupied(e, &slot))? {
            return Err(SlotError::NotFound);
        }
        let kind = if slot.occupies() || !before.occupies() { INTERVIEW_UPDATED } else { INTERVIEW_CANCELLED };
        self.finish(tx, caller, kind, audience.as_ref(), (Some(&before), &slot), fields, context).await?;
        Ok(slot)
    }

    /// Cancels slot `id` (soft, I7): `cancelled`, `is_available`, its time free to book again; the slot stays
    /// readable. Cancelling a cancelled slot changes nothing.
    #[instrument(name = "interviews.cancel", skip_all, fields(actor.id = %caller.id, slot.id = %id))]
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
        other => SlotError::Store(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(status: SlotStatus) -> InterviewSlot {
        InterviewSlot {
            id: Uuid::nil(),
            application_id: Uuid::nil(),
            candidate_name: None,
            job_title: None,
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            status,
            is_available: status == SlotStatus::Cancelled,
            location: None,
            notes: None,
            recruiter_id: None,
            sequence: 0,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_candidate_hears_of_bookings_moves_and_cancellations_only() {
        let booked = slot(SlotStatus::Scheduled);
        assert_eq!(notice_of(None, &booked), Some(Notice::Invited));
        let mut later = booked.clone();
        later.time = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert_eq!(notice_of(Some(&booked), &later), Some(Notice::Changed));
        let mut elsewhere = booked.clone();
        elsewhere.location = Some("Port-Gentil".into());
        assert_eq!(notice_of(Some(&booked), &elsewhere), Some(Notice::Changed));
        let mut noted = booked.clone();
        noted.notes = Some("Visio".into());
        assert_eq!(notice_of(Some(&booked), &noted), None, "notes alone");
        assert_eq!(notice_of(Some(&booked), &slot(SlotStatus::Cancelled)), Some(Notice::Cancelled));
        assert_eq!(notice_of(Some(&slot(SlotStatus::Cancelled)), &booked), Some(Notice::Invited), "revived");
        assert_eq!(notice_of(Some(&booked), &slot(SlotStatus::Completed)), None);
        assert_eq!(notice_of(Some(&slot(SlotStatus::Completed)), &slot(SlotStatus::Cancelled)), None);
    }
}
