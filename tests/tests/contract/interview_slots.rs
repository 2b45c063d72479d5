//! Interview slots through their use cases on every backend: every field round-trips, an occupied (date, time)
//! is refused (also among 20 concurrent bookings: exactly one wins), a cancelled slot frees its time, lists filter
//! and sort by date then time, statistics count by status, every change grows the `sequence` and is audited, the
//! candidate is notified and e-mailed (`mail.send`) of a booking, a move and a cancellation in the same
//! transaction, closed applications are not booked, a candidate sees its own slots only.

#![allow(clippy::many_single_char_names)] // p(orts), w(orld), s(lots), a/b/c applications

use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use futures_util::future::join_all;
use seeg_application::applications::ApplicationPipeline;
use seeg_application::identity::{AuditFilter, RequestContext};
use seeg_application::interviews::invitation::ServiceOrganizer;
use seeg_application::interviews::{
    INTERVIEW_CANCELLED, INTERVIEW_SCHEDULED, INTERVIEW_UPDATED, InterviewSlots, NOTIFICATION_INTERVIEW_CANCELLED,
    NOTIFICATION_INTERVIEW_SCHEDULED, NewSlot, SlotError, SlotFilter, SlotPatch,
};
use seeg_application::mail::MAIL_SEND;
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_domain::applications::{Application, ApplicationStatus};
use seeg_domain::interviews::SlotStatus;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

use crate::evaluations::{World, world};

const ALL: Page = Page { skip: 0, limit: 100 };

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

fn hour(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn slots(p: &Ports, w: &World) -> InterviewSlots {
    InterviewSlots::new(
        p.uow.clone(),
        p.interview_slots.clone(),
        p.applications.clone(),
        p.users.clone(),
        p.offers.clone(),
        w.clock.clone(),
        Arc::new(SystemIds),
        ServiceOrganizer { name: "SEEG RH".into(), email: "rh@seeg-gabon.com".into() },
    )
}

fn ctx() -> RequestContext {
    RequestContext { request_id: Some("req-slot".into()) }
}

fn booking(application: &Application, date: NaiveDate, time: NaiveTime) -> NewSlot {
    NewSlot {
        application_id: application.id,
        date,
        time,
        candidate_name: Some("Aïcha Ndong".into()),
        job_title: Some("Ingénieur réseaux".into()),
        location: Some("Siège SEEG, Libreville".into()),
        notes: Some("Apporter les diplômes".into()),
    }
}

async fn a_booking_round_trips_every_field(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let slot = s.create(&w.recruiter, booking(&w.applications[0], day(14), hour(9, 30)), &ctx()).await.unwrap();
    assert_eq!((slot.status, slot.is_available, slot.sequence), (SlotStatus::Scheduled, false, 0));
    assert_eq!(slot.recruiter_id, Some(w.recruiter.id));
    assert_eq!((slot.date, slot.time), (day(14), hour(9, 30)));
    assert_eq!(p.interview_slots.get(slot.id).await.unwrap(), Some(slot.clone()));
    assert_eq!(s.get(&w.observer, slot.id).await.unwrap(), slot);
    assert_eq!(s.get(&w.candidate, slot.id).await.unwrap(), slot, "its own application's slot");
    assert_eq!(p.interview_slots.get(SystemIds.new_id()).await.unwrap(), None);
}

async fn an_occupied_time_is_refused_and_a_cancelled_one_is_free_again(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 2).await;
    let s = slots(&p, &w);
    let (a, b) = (&w.applications[0], &w.applications[1]);
    let first = s.create(&w.recruiter, booking(a, day(14), hour(10, 0)), &ctx()).await.unwrap();
    let taken = s.create(&w.recruiter, booking(b, day(14), hour(10, 0)), &ctx()).await;
    assert!(matches!(taken, Err(SlotError::Occupied { .. })), "{taken:?}");
    assert_eq!(taken.unwrap_err().to_string(), "Le créneau 2026-12-14 à 10:00:00 est déjà occupé");
    s.create(&w.recruiter, booking(b, day(14), hour(11, 0)), &ctx()).await.unwrap();

    let cancelled = s.cancel(&w.recruiter, first.id, &ctx()).await.unwrap();
    assert_eq!((cancelled.status, cancelled.is_available, cancelled.sequence), (SlotStatus::Cancelled, true, 1));
    assert_eq!(p.interview_slots.get(first.id).await.unwrap(), Some(cancelled.clone()), "still readable (I7)");
    let again = s.create(&w.recruiter, booking(b, day(14), hour(10, 0)), &ctx()).await.unwrap();
    assert_eq!(again.status, SlotStatus::Scheduled);

    // Reviving the cancelled slot now clashes with the new booking; so does moving onto a taken time.
    let revive = SlotPatch { status: Some(SlotStatus::Scheduled), ..SlotPatch::default() };
    assert!(matches!(s.update(&w.recruiter, first.id, revive, &ctx()).await, Err(SlotError::Occupied { .. })));
    let onto = SlotPatch { time: Some(hour(11, 0)), ..SlotPatch::default() };
    assert!(matches!(s.update(&w.recruiter, again.id, onto, &ctx()).await, Err(SlotError::Occupied { .. })));
    assert_eq!(p.interview_slots.get(again.id).await.unwrap(), Some(again), "a refused move changes nothing");
    let cancel_again = s.cancel(&w.recruiter, first.id, &ctx()).await.unwrap();
    assert_eq!(cancel_again, cancelled, "cancelling a cancelled slot changes nothing");
}

async fn of_twenty_concurrent_bookings_of_one_time_exactly_one_wins(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 20).await;
    let s = slots(&p, &w);
    let attempts = w.applications.iter().map(|a| {
        let (s, recruiter, new) = (s.clone(), w.recruiter.clone(), booking(a, day(15), hour(8, 0)));
        tokio::spawn(async move { s.create(&recruiter, new, &ctx()).await })
    });
    let results: Vec<_> = join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, SlotError::Occupied { .. })),
        "{results:?}"
    );
    let filter = SlotFilter { date_from: Some(day(15)), date_to: Some(day(15)), ..SlotFilter::default() };
    assert_eq!(p.interview_slots.list(&filter, ALL).await.unwrap().total, 1);
}

async fn lists_filter_and_sort_by_date_then_time(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 3).await;
    let s = slots(&p, &w);
    let (a, b, c) = (&w.applications[0], &w.applications[1], &w.applications[2]);
    let booked = [
        s.create(&w.recruiter, booking(a, day(20), hour(14, 0)), &ctx()).await.unwrap(),
        s.create(&w.recruiter, booking(b, day(18), hour(9, 0)), &ctx()).await.unwrap(),
        s.create(&w.recruiter, booking(c, day(20), hour(8, 30)), &ctx()).await.unwrap(),
        s.create(&w.recruiter, booking(a, day(22), hour(16, 0)), &ctx()).await.unwrap(),
    ];
    let cancelled = s.cancel(&w.recruiter, booked[3].id, &ctx()).await.unwrap();
    let ids = |page: seeg_application::PageOf<seeg_domain::interviews::InterviewSlot>| {
        (page.total, page.items.into_iter().map(|s| s.id).collect::<Vec<Uuid>>())
    };
    let everything = s.list(&w.observer, SlotFilter::default(), ALL).await.unwrap();
    assert_eq!(ids(everything), (4, vec![booked[1].id, booked[2].id, booked[0].id, cancelled.id]));
    let paged = s.list(&w.observer, SlotFilter::default(), Page { skip: 1, limit: 2 }).await.unwrap();
    assert_eq!(ids(paged), (4, vec![booked[2].id, booked[0].id]), "the true total (F5)");
    let of_a = SlotFilter { application_id: Some(a.id), ..SlotFilter::default() };
    assert_eq!(ids(s.list(&w.observer, of_a, ALL).await.unwrap()), (2, vec![booked[0].id, cancelled.id]));
    let scheduled = SlotFilter { status: Some(SlotStatus::Scheduled), ..SlotFilter::default() };
    assert_eq!(s.list(&w.observer, scheduled, ALL).await.unwrap().total, 3);
    let free = SlotFilter { is_available: Some(true), ..SlotFilter::default() };
    assert_eq!(ids(s.list(&w.observer, free, ALL).await.unwrap()), (1, vec![cancelled.id]));
    let window = SlotFilter { date_from: Some(day(19)), date_to: Some(day(20)), ..SlotFilter::default() };
    assert_eq!(ids(s.list(&w.observer, window, ALL).await.unwrap()), (2, vec![booked[2].id, booked[0].id]));
    let from = SlotFilter { date_from: Some(day(21)), ..SlotFilter::default() };
    assert_eq!(ids(s.list(&w.observer, from, ALL).await.unwrap()), (1, vec![cancelled.id]));
}

async fn stats_count_every_slot_by_status(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 2).await;
    let s = slots(&p, &w);
    let empty = s.stats(&w.observer).await.unwrap();
    assert_eq!((empty.total, empty.by_status.len()), (0, 3), "every status, zeros included");
    let (a, b) = (&w.applications[0], &w.applications[1]);
    let mut made = Vec::new();
    for (i, app) in [a, b, a, b, a].into_iter().enumerate() {
        let h = u32::try_from(8 + i).unwrap();
        made.push(s.create(&w.recruiter, booking(app, day(10), hour(h, 0)), &ctx()).await.unwrap());
    }
    s.cancel(&w.recruiter, made[0].id, &ctx()).await.unwrap();
    let done = SlotPatch { status: Some(SlotStatus::Completed), ..SlotPatch::default() };
    s.update(&w.recruiter, made[1].id, done.clone(), &ctx()).await.unwrap();
    s.update(&w.recruiter, made[2].id, done, &ctx()).await.unwrap();
    let stats = s.stats(&w.observer).await.unwrap();
    assert_eq!((stats.total, stats.scheduled, stats.completed, stats.cancelled), (5, 2, 2, 1));
    assert_eq!(stats.by_status[&SlotStatus::Completed], 2);
    assert!(matches!(s.stats(&w.candidate).await, Err(SlotError::Forbidden)));
}

async fn every_change_grows_the_sequence_and_tells_the_candidate(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let application = &w.applications[0];
    let slot = s.create(&w.recruiter, booking(application, day(3), hour(9, 0)), &ctx()).await.unwrap();
    w.clock.advance(TimeDelta::minutes(1));
    let moved = SlotPatch { date: Some(day(4)), time: Some(hour(15, 30)), ..SlotPatch::default() };
    let moved = s.update(&w.recruiter, slot.id, moved, &ctx()).await.unwrap();
    assert_eq!((moved.date, moved.time, moved.sequence), (day(4), hour(15, 30), 1));
    w.clock.advance(TimeDelta::minutes(1));
    let notes = SlotPatch { notes: Some(Some("Visio".into())), ..SlotPatch::default() };
    let noted = s.update(&w.recruiter, slot.id, notes.clone(), &ctx()).await.unwrap();
    assert_eq!(noted.sequence, 2);
    let unchanged = s.update(&w.recruiter, slot.id, notes, &ctx()).await.unwrap();
    assert_eq!(unchanged, noted, "a patch that changes nothing writes nothing");
    let elsewhere = SlotPatch { application_id: Some(SystemIds.new_id()), ..SlotPatch::default() };
    let refused = s.update(&w.recruiter, slot.id, elsewhere, &ctx()).await;
    assert!(matches!(refused, Err(SlotError::ApplicationChange)), "{refused:?}");
    let same = SlotPatch { application_id: Some(application.id), ..SlotPatch::default() };
    assert_eq!(s.update(&w.recruiter, slot.id, same, &ctx()).await.unwrap(), noted, "its own application is fine");
    w.clock.advance(TimeDelta::minutes(1));
    let cancelled = s.cancel(&w.recruiter, slot.id, &ctx()).await.unwrap();
    assert_eq!(cancelled.sequence, 3);
    assert_eq!(p.interview_slots.get(slot.id).await.unwrap(), Some(cancelled));

    // The booking, the move and the cancellation each mail the candidate; the notes alone do not.
    let events =
        p.outbox.claim_due(base_time() + TimeDelta::days(1), base_time() + TimeDelta::days(2), "t", 100).await.unwrap();
    let mails: Vec<(&str, &str)> =
        events.iter().map(|e| (e.kind.as_str(), e.payload["subject"].as_str().unwrap())).collect();
    assert_eq!(
        mails,
        [
            (MAIL_SEND, "🎯 Invitation à un entretien - Offre 0"),
            (MAIL_SEND, "📅 Entretien modifié - Offre 0"),
            (MAIL_SEND, "❌ Entretien annulé - Offre 0"),
        ]
    );
    assert!(events.iter().all(|e| e.payload["to"] == w.candidate.email.as_str()));
    assert!(events[0].payload["text"].as_str().unwrap().contains("jeudi 03/12/2026 à 09:00"));
    assert!(events[1].payload["text"].as_str().unwrap().contains("vendredi 04/12/2026 à 15:30"));

    let notices = p.notifications.list_for_user(w.candidate.id, ALL).await.unwrap().items;
    let mut seen: Vec<(&str, &str)> = notices.iter().map(|n| (n.kind.as_str(), n.title.as_str())).collect();
    seen.reverse(); // newest first
    assert_eq!(
        seen,
        [
            (NOTIFICATION_INTERVIEW_SCHEDULED, "Entretien programmé"),
            (NOTIFICATION_INTERVIEW_SCHEDULED, "Entretien modifié"),
            (NOTIFICATION_INTERVIEW_CANCELLED, "Entretien annulé"),
        ]
    );
    let link = format!("/applications/{}/interviews", application.id);
    assert!(notices.iter().all(|n| n.link.as_deref() == Some(link.as_str())));
    assert!(notices.iter().all(|n| n.related_application_id == Some(application.id)));

    let audit = p.audit.list(&AuditFilter::default(), ALL).await.unwrap();
    let mut actions: Vec<&str> = audit
        .items
        .iter()
        .filter(|a| a.target_id.as_deref() == Some(&slot.id.to_string()))
        .map(|a| a.action.as_str())
        .collect();
    actions.sort_unstable();
    let mut expected = [INTERVIEW_SCHEDULED, INTERVIEW_UPDATED, INTERVIEW_UPDATED, INTERVIEW_CANCELLED];
    expected.sort_unstable();
    assert_eq!(actions, expected);
}

async fn closed_or_unknown_applications_are_not_booked(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let mut closed = Vec::new();
    let (_, jobs) = crate::applications::setup(&p, 0, 3).await;
    let mut tx = p.uow.begin().await.unwrap();
    for (job, status) in
        jobs.iter().zip([ApplicationStatus::Refuse, ApplicationStatus::Retiree, ApplicationStatus::Embauche])
    {
        let mut a = crate::applications::application(w.candidate.id, job.id, 50);
        a.status = status;
        tx.applications().insert(&a).await.unwrap();
        closed.push(a);
    }
    tx.commit().await.unwrap();
    for a in &closed {
        let refused = s.create(&w.recruiter, booking(a, day(9), hour(9, 0)), &ctx()).await;
        assert!(matches!(&refused, Err(SlotError::Closed(c)) if c.status == a.status), "{refused:?}");
    }
    let mut ghost = w.applications[0].clone();
    ghost.id = SystemIds.new_id();
    let unknown = s.create(&w.recruiter, booking(&ghost, day(9), hour(9, 0)), &ctx()).await;
    assert!(matches!(unknown, Err(SlotError::ApplicationNotFound)), "{unknown:?}");
    for caller in [&w.candidate, &w.observer] {
        let refused = s.create(caller, booking(&w.applications[0], day(9), hour(9, 0)), &ctx()).await;
        assert!(matches!(refused, Err(SlotError::Forbidden)), "{refused:?}");
    }
}

async fn a_candidate_sees_only_its_own_slots(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let other = user("autre@exemple.ga");
    let (_, jobs) = crate::applications::setup(&p, 0, 1).await;
    let theirs = crate::applications::application(other.id, jobs[0].id, 5);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&other).await.unwrap();
    tx.applications().insert(&theirs).await.unwrap();
    tx.commit().await.unwrap();
    let mine = s.create(&w.recruiter, booking(&w.applications[0], day(7), hour(9, 0)), &ctx()).await.unwrap();
    let not_mine = s.create(&w.recruiter, booking(&theirs, day(7), hour(10, 0)), &ctx()).await.unwrap();

    let listed = s.list(&w.candidate, SlotFilter::default(), ALL).await.unwrap();
    assert_eq!((listed.total, listed.items), (1, vec![mine.clone()]));
    let asking_for_theirs = SlotFilter { application_id: Some(theirs.id), ..SlotFilter::default() };
    assert_eq!(s.list(&w.candidate, asking_for_theirs, ALL).await.unwrap().total, 0);
    assert!(matches!(s.get(&w.candidate, not_mine.id).await, Err(SlotError::NotFound)));
    assert!(matches!(s.get(&other, mine.id).await, Err(SlotError::NotFound)));
    assert_eq!(s.list(&w.observer, SlotFilter::default(), ALL).await.unwrap().total, 2);
}

async fn deleting_the_application_deletes_its_slots(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let slot = s.create(&w.recruiter, booking(&w.applications[0], day(7), hour(9, 0)), &ctx()).await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().delete(w.applications[0].id, None).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(p.interview_slots.get(slot.id).await.unwrap(), None);
}

/// The pipeline over these ports, calling off interviews through `slots`.
fn pipeline(p: &Ports, w: &World, slots: InterviewSlots) -> ApplicationPipeline {
    let ids = Arc::new(SystemIds);
    ApplicationPipeline::new(
        p.uow.clone(),
        p.applications.clone(),
        p.users.clone(),
        p.offers.clone(),
        w.clock.clone(),
        ids,
        slots,
    )
}

async fn current(p: &Ports, id: Uuid) -> seeg_domain::interviews::InterviewSlot {
    p.interview_slots.get(id).await.unwrap().unwrap()
}

async fn closing_an_application_calls_off_its_upcoming_interviews(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 2).await;
    let s = slots(&p, &w);
    let pipeline = pipeline(&p, &w, s.clone());
    let [refused, withdrawn] = [&w.applications[0], &w.applications[1]];
    // The clock reads 2026-06-01 09:00 UTC, 10:00 in Libreville.
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let held = s.create(&w.recruiter, booking(refused, today, hour(9, 59)), &ctx()).await.unwrap();
    let upcoming = s.create(&w.recruiter, booking(refused, today, hour(10, 1)), &ctx()).await.unwrap();
    let later = s.create(&w.admin, booking(refused, day(14), hour(9, 0)), &ctx()).await.unwrap();
    let done = s.create(&w.recruiter, booking(refused, day(15), hour(9, 0)), &ctx()).await.unwrap();
    let completed = SlotPatch { status: Some(SlotStatus::Completed), ..SlotPatch::default() };
    let done = s.update(&w.recruiter, done.id, completed, &ctx()).await.unwrap();
    let theirs = s.create(&w.recruiter, booking(withdrawn, day(16), hour(9, 0)), &ctx()).await.unwrap();
    let before = p.outbox.claim_due(base_time() + TimeDelta::days(1), base_time() + TimeDelta::days(2), "t", 100);
    assert_eq!(before.await.unwrap().len(), 5, "five bookings mailed, the completion not");

    pipeline.change_status(&w.recruiter, refused.id, ApplicationStatus::Refuse, None, &ctx()).await.unwrap();
    for called_off in [&upcoming, &later] {
        let slot = current(&p, called_off.id).await;
        assert_eq!((slot.status, slot.is_available, slot.sequence), (SlotStatus::Cancelled, true, 1), "{slot:?}");
    }
    assert_eq!(current(&p, held.id).await, held, "a slot whose time has passed stays as staff left it");
    assert_eq!(current(&p, done.id).await, done, "a completed interview stays completed");
    assert_eq!(current(&p, theirs.id).await, theirs, "another application's slot is untouched");

    // Each cancellation mails the candidate the invitation's cancellation, organized by its booking recruiter.
    let events =
        p.outbox.claim_due(base_time() + TimeDelta::days(1), base_time() + TimeDelta::days(2), "t", 100).await.unwrap();
    let cancels: Vec<&serde_json::Value> = events
        .iter()
        .map(|e| &e.payload)
        .filter(|payload| payload["subject"].as_str().is_some_and(|s| s.starts_with("❌ Entretien annulé")))
        .collect();
    assert_eq!(cancels.len(), 2, "{events:?}");
    for (cancel, (slot, organizer)) in cancels.iter().zip([(&upcoming, &w.recruiter), (&later, &w.admin)]) {
        let ics = cancel["attachments"][0]["text"].as_str().unwrap();
        assert!(ics.contains("METHOD:CANCEL"), "{ics}");
        assert!(ics.contains(&format!("UID:{}@", slot.id)), "{ics}");
        assert!(ics.contains("SEQUENCE:1"), "{ics}");
        assert!(ics.contains(&organizer.email), "{ics}");
    }
    let notices = p.notifications.list_for_user(w.candidate.id, ALL).await.unwrap().items;
    let cancelled = notices.iter().filter(|n| n.kind == NOTIFICATION_INTERVIEW_CANCELLED).count();
    assert_eq!(cancelled, 2);
    let audit = p.audit.list(&AuditFilter::default(), ALL).await.unwrap();
    let audited = |id: Uuid| {
        audit.items.iter().any(|a| a.action == INTERVIEW_CANCELLED && a.target_id.as_deref() == Some(&id.to_string()))
    };
    assert!(audited(upcoming.id) && audited(later.id) && !audited(held.id));
    let rebooked = s.create(&w.recruiter, booking(refused, day(20), hour(9, 0)), &ctx()).await;
    assert!(matches!(rebooked, Err(SlotError::Closed(_))), "{rebooked:?}");

    // The candidate withdrawing its application calls its interviews off too.
    pipeline.change_status(&w.candidate, withdrawn.id, ApplicationStatus::Retiree, None, &ctx()).await.unwrap();
    assert_eq!(current(&p, theirs.id).await.status, SlotStatus::Cancelled);
}

async fn two_concurrent_moves_are_decided_one_after_the_other(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let s = slots(&p, &w);
    let pipeline = pipeline(&p, &w, s);
    let id = w.applications[0].id;
    // From `en_attente` both moves are legal; once one is made, the other is not (a closed application stays so).
    let context = ctx();
    let (withdraw, refuse) = tokio::join!(
        pipeline.change_status(&w.candidate, id, ApplicationStatus::Retiree, None, &context),
        pipeline.change_status(&w.admin, id, ApplicationStatus::Refuse, None, &context),
    );
    assert!(withdraw.is_ok() != refuse.is_ok(), "exactly one move wins: {withdraw:?} {refuse:?}");
    let status = p.applications.get(id).await.unwrap().unwrap().status;
    let history = p.applications.history(id).await.unwrap();
    assert_eq!(history.len(), 1, "one move recorded");
    assert_eq!(history[0].new_status, status);
}

on_backends!(Memory, Sqlite, Postgres =>
    closing_an_application_calls_off_its_upcoming_interviews,
    two_concurrent_moves_are_decided_one_after_the_other,
    a_booking_round_trips_every_field,
    an_occupied_time_is_refused_and_a_cancelled_one_is_free_again,
    of_twenty_concurrent_bookings_of_one_time_exactly_one_wins,
    lists_filter_and_sort_by_date_then_time,
    stats_count_every_slot_by_status,
    every_change_grows_the_sequence_and_tells_the_candidate,
    closed_or_unknown_applications_are_not_booked,
    a_candidate_sees_only_its_own_slots,
    deleting_the_application_deletes_its_slots,
);
