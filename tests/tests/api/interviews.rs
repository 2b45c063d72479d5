//! Interview slots over HTTP (legacy §1.11, R31, I7, S3): who may book, read, move and cancel; dates and times
//! checked (422 naming the field); an occupied time refused (also among 20 concurrent bookings: exactly one 201),
//! freed by a cancellation; closed applications not booked; lists filtered, sorted by date then time, in the
//! legacy envelope; statistics by status; the candidate notified and e-mailed of a booking, a move and a
//! cancellation (R32, R37, I2), each e-mail with its calendar invitation (B4); closing an application calls off its
//! upcoming interviews (I7).

use std::sync::Arc;

use futures_util::future::join_all;
use seeg_adapters_mail::MemoryMailer;
use seeg_application::identity::{Notification, NotificationRepository};
use seeg_application::mail::MailMessage;
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::SignedIn;
use seeg_tests::eventually::mail_to;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const SLOTS: &str = "/api/v1/interviews/slots";
const STATS: &str = "/api/v1/interviews/stats/overview";

/// The service with a mailbox, staff of every role, two candidates with an open application each.
struct World {
    app: TestApp,
    mailer: MemoryMailer,
    admin: String,
    recruiter: String,
    observer: String,
    candidate: SignedIn,
    other: SignedIn,
    /// The candidate's application, to « Ingénieur réseaux ».
    application: Uuid,
    /// The other candidate's.
    others_application: Uuid,
}

impl World {
    async fn new(backend: Backend) -> Self {
        let mailer = MemoryMailer::new();
        let app = TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await;
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
        let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;
        let candidate = app.token_for(Role::Candidate, "awa@example.com").await;
        let other = app.token_for(Role::Candidate, "jean@example.com").await;
        let job = app.open_offer("Ingénieur réseaux", OfferVisibility::Everyone).await;
        let application = app.seed_application(candidate.user.id, job.id, ApplicationStatus::Incubation).await.id;
        let others_application = app.seed_application(other.user.id, job.id, ApplicationStatus::Candidature).await.id;
        Self { app, mailer, admin, recruiter, observer, candidate, other, application, others_application }
    }

    /// A new application of the candidate to a new offer, at `status`.
    async fn application_at(&self, status: ApplicationStatus) -> Uuid {
        let job = self.app.open_offer("Technicien de maintenance", OfferVisibility::Everyone).await;
        self.app.seed_application(self.candidate.user.id, job.id, status).await.id
    }

    async fn book(&self, token: &str, application: Uuid, date: &str, time: &str) -> Answer {
        self.app.post_as(token, SLOTS, &booking(application, date, time)).await
    }

    /// Books, as the recruiter, what must be bookable: the slot's id.
    async fn booked(&self, application: Uuid, date: &str, time: &str) -> String {
        let answer = self.book(&self.recruiter, application, date, time).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body["id"].as_str().expect("an id").to_owned()
    }
}

/// An event's property: name, value, parameters (`KEY=value`).
type EventProperty = (String, String, Vec<String>);

/// The invitation `message` carries: its content type, `METHOD`, and its event's properties by name (values
/// unescaped, with their parameters), read back with the calendar crate's parser.
fn invitation_of(message: &MailMessage) -> (String, String, Vec<EventProperty>) {
    assert_eq!(message.attachments.len(), 1, "one invitation");
    let file = &message.attachments[0];
    assert_eq!(file.file_name, "invitation.ics");
    let unfolded = icalendar::parser::unfold(&file.text);
    let calendar = icalendar::parser::read_calendar(&unfolded).expect("a calendar");
    let method = calendar.properties.iter().find(|p| p.name.as_str() == "METHOD").expect("METHOD").val.to_string();
    assert!(calendar.components.iter().any(|c| c.name.as_str() == "VTIMEZONE"), "{}", file.text);
    let event = calendar.components.iter().find(|c| c.name.as_str() == "VEVENT").expect("a VEVENT");
    let properties = event.properties.iter().map(|p| {
        let params = p
            .params
            .iter()
            .map(|x| format!("{}={}", x.key, x.val.as_ref().map(ToString::to_string).unwrap_or_default()));
        (p.name.to_string(), p.val.to_string(), params.collect())
    });
    (file.content_type.clone(), method, properties.collect())
}

fn value<'a>(properties: &'a [EventProperty], name: &str) -> (&'a str, &'a [String]) {
    let (_, value, params) = properties.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{name}"));
    (value, params)
}

fn booking(application: Uuid, date: &str, time: &str) -> Value {
    json!({
        "date": date, "time": time, "application_id": application, "candidate_name": "Awa Mba",
        "job_title": "Ingénieur réseaux", "status": "scheduled", "location": "Siège SEEG, Libreville",
        "notes": "Apporter les diplômes",
    })
}

fn slot(id: &str) -> String {
    format!("{SLOTS}/{id}")
}

fn ids(answer: &Answer) -> Vec<String> {
    answer.body["data"].as_array().expect("data").iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

fn assert_refused(answer: &Answer, status: u16, code: &str) {
    assert_eq!((answer.status, answer.body["code"].as_str()), (status, Some(code)), "{}", answer.body);
}

async fn every_role_on_every_slot_route(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let (candidate, other) = (w.candidate.token.as_str(), w.other.token.as_str());

    // Booking: recruiters and admins; the caller is refused before its body is read (even a bad one).
    let anonymous = app.post_json(SLOTS, &booking(w.application, "2026-12-14", "08:00:00")).await;
    assert_refused(&anonymous, 401, "not_authenticated");
    for token in [candidate, &w.observer] {
        assert_refused(&w.book(token, w.application, "2026-12-14", "08:00:00").await, 403, "forbidden");
        assert_refused(&app.post_as(token, SLOTS, &json!({"date": "demain"})).await, 403, "forbidden");
    }
    let created = w.book(&w.recruiter, w.application, "2026-12-14", "09:30:00").await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body = &created.body;
    assert_eq!((body["date"].as_str(), body["time"].as_str()), (Some("2026-12-14"), Some("09:30:00")));
    assert_eq!((body["status"].as_str(), body["is_available"].as_bool()), (Some("scheduled"), Some(false)));
    assert_eq!(body["application_id"], json!(w.application));
    assert_eq!(body["location"], "Siège SEEG, Libreville");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'), "F2: {body}");
    let mine = body["id"].as_str().unwrap().to_owned();
    let theirs = w.booked(w.others_application, "2026-12-14", "10:30:00").await;
    let by_admin = w.book(&w.admin, w.others_application, "2026-12-14", "11:30:00").await;
    assert_eq!(by_admin.status, 201, "{}", by_admin.body);

    // Reading: staff see all; a candidate its own, another's is 404 (S3).
    for token in [&w.admin, &w.recruiter, &w.observer] {
        let listed = app.get_as(token, SLOTS).await;
        assert_eq!((listed.status, listed.body["total"].as_u64()), (200, Some(3)), "{}", listed.body);
        assert_eq!(app.get_as(token, &slot(&mine)).await.status, 200);
        assert_eq!(app.get_as(token, &slot(&theirs)).await.status, 200);
    }
    let own = app.get_as(candidate, SLOTS).await;
    assert_eq!((own.status, ids(&own)), (200, vec![mine.clone()]));
    let asking = app.get_as(candidate, &format!("{SLOTS}?application_id={}", w.others_application)).await;
    assert_eq!((asking.status, asking.body["total"].as_u64()), (200, Some(0)));
    assert_eq!(app.get_as(candidate, &slot(&mine)).await.status, 200);
    assert_refused(&app.get_as(candidate, &slot(&theirs)).await, 404, "not_found");
    assert_refused(&app.get_as(other, &slot(&mine)).await, 404, "not_found");
    assert_eq!(app.get_as(other, SLOTS).await.body["total"].as_u64(), Some(2));
    assert_refused(&app.get_json(SLOTS).await, 401, "not_authenticated");

    // Moving and cancelling: recruiters and admins (candidates and observers 403, before the body is read).
    let later = json!({"time": "15:00:00"});
    for token in [candidate, other, &w.observer] {
        assert_refused(&app.put_as(token, &slot(&mine), &later).await, 403, "forbidden");
        assert_refused(&app.put_as(token, &slot(&mine), &json!({"time": 9})).await, 403, "forbidden");
        assert_refused(&app.delete_as(token, &slot(&mine)).await, 403, "forbidden");
    }
    let moved = app.put_as(&w.recruiter, &slot(&mine), &later).await;
    assert_eq!((moved.status, moved.body["time"].as_str()), (200, Some("15:00:00")), "{}", moved.body);
    let moved = app.put_as(&w.admin, &slot(&mine), &json!({"location": null, "notes": "Visio"})).await;
    assert_eq!((moved.status, &moved.body["location"], &moved.body["notes"]), (200, &Value::Null, &json!("Visio")));
    let cancelled = app.delete_as(&w.recruiter, &slot(&theirs)).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.body, json!({"message": "Entretien annulé avec succès", "slot_id": theirs}));
    assert_eq!(app.delete_as(&w.admin, &slot(&mine)).await.status, 200);

    // Statistics: staff; a candidate is refused (the use case's answer).
    for token in [&w.admin, &w.recruiter, &w.observer] {
        assert_eq!(app.get_as(token, STATS).await.status, 200);
    }
    assert_refused(&app.get_as(candidate, STATS).await, 403, "forbidden");
    assert_refused(&app.get_json(STATS).await, 401, "not_authenticated");

    // Unknown slots and ids that are not UUIDs.
    let unknown = slot(&SystemIds.new_id().to_string());
    assert_refused(&app.get_as(&w.recruiter, &unknown).await, 404, "not_found");
    assert_refused(&app.put_as(&w.recruiter, &unknown, &later).await, 404, "not_found");
    assert_refused(&app.delete_as(&w.recruiter, &unknown).await, 404, "not_found");
    let bad = app.get_as(&w.recruiter, &slot("42")).await;
    assert_refused(&bad, 422, "validation_error");
    assert_eq!(bad.body["errors"][0]["field"], "path.slot_id");
}

/// The fields of a 422's `errors`.
fn fields(answer: &Answer) -> Vec<&str> {
    assert_refused(answer, 422, "validation_error");
    answer.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

async fn dates_times_and_applications_are_checked(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    for (date, time, field) in [
        ("14/12/2026", "09:00:00", "body.date"),
        ("2026-02-30", "09:00:00", "body.date"),
        ("2026-12-14", "9:00", "body.time"),
        ("2026-12-14", "24:00:00", "body.time"),
    ] {
        let answer = w.book(&w.recruiter, w.application, date, time).await;
        assert_eq!(fields(&answer), [field], "{date} {time}");
    }
    let answer = app.post_as(&w.recruiter, SLOTS, &json!({"date": "2026-12-14", "job_title": 3, "salle": "B"})).await;
    assert_eq!(fields(&answer), ["body.job_title", "body.time", "body.application_id"], "unknown fields are ignored");
    let completed =
        json!({"date": "2026-12-14", "time": "09:00:00", "application_id": w.application, "status": "completed"});
    assert_eq!(fields(&app.post_as(&w.recruiter, SLOTS, &completed).await), ["body.status"]);
    let ghost = w.book(&w.recruiter, SystemIds.new_id(), "2026-12-14", "09:00:00").await;
    assert_refused(&ghost, 404, "not_found");

    let id = w.booked(w.application, "2026-12-14", "09:00:00").await;
    let bad = app.put_as(&w.recruiter, &slot(&id), &json!({"date": "2026-13-01", "time": null})).await;
    assert_eq!(fields(&bad), ["body.date", "body.time"]);
    let elsewhere = app.put_as(&w.recruiter, &slot(&id), &json!({"application_id": w.others_application})).await;
    assert_eq!(fields(&elsewhere), ["body.application_id"]);
    let long = app.put_as(&w.recruiter, &slot(&id), &json!({"location": "x".repeat(256)})).await;
    assert_eq!(fields(&long), ["body.location"]);
    let unchanged = app.get_as(&w.recruiter, &slot(&id)).await.body;
    assert_eq!((unchanged["date"].as_str(), unchanged["time"].as_str()), (Some("2026-12-14"), Some("09:00:00")));
}

async fn of_twenty_concurrent_bookings_of_one_time_exactly_one_is_created(backend: Backend) {
    let w = World::new(backend).await;
    let mut applications = Vec::new();
    for _ in 0..20 {
        applications.push(w.application_at(ApplicationStatus::Candidature).await);
    }
    let answers = join_all(applications.iter().map(|a| w.book(&w.recruiter, *a, "2026-12-15", "08:00:00"))).await;
    let created = answers.iter().filter(|a| a.status == 201).count();
    assert_eq!(created, 1, "{:?}", answers.iter().map(|a| a.status).collect::<Vec<_>>());
    for refused in answers.iter().filter(|a| a.status != 201) {
        assert_refused(refused, 409, "slot_occupied");
        assert_eq!(refused.body["detail"], "Le créneau 2026-12-15 à 08:00:00 est déjà occupé");
    }
    let listed = w.app.get_as(&w.observer, &format!("{SLOTS}?date_from=2026-12-15&date_to=2026-12-15")).await;
    assert_eq!(listed.body["total"].as_u64(), Some(1));
}

async fn a_cancelled_time_is_free_again_and_a_taken_one_is_not(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let first = w.booked(w.application, "2026-12-16", "10:00:00").await;
    let theirs = w.booked(w.others_application, "2026-12-16", "11:00:00").await;
    let taken = w.book(&w.recruiter, w.others_application, "2026-12-16", "10:00:00").await;
    assert_refused(&taken, 409, "slot_occupied");
    assert_eq!(taken.body["detail"], "Le créneau 2026-12-16 à 10:00:00 est déjà occupé");
    let onto = app.put_as(&w.recruiter, &slot(&theirs), &json!({"time": "10:00:00"})).await;
    assert_refused(&onto, 409, "slot_occupied");

    assert_eq!(app.delete_as(&w.recruiter, &slot(&first)).await.status, 200);
    let cancelled = app.get_as(&w.recruiter, &slot(&first)).await.body;
    assert_eq!((cancelled["status"].as_str(), cancelled["is_available"].as_bool()), (Some("cancelled"), Some(true)));
    let again = w.book(&w.recruiter, w.others_application, "2026-12-16", "10:00:00").await;
    assert_eq!(again.status, 201, "{}", again.body);
    // Reviving the cancelled slot now clashes with the new booking.
    let revive = app.put_as(&w.recruiter, &slot(&first), &json!({"status": "scheduled"})).await;
    assert_refused(&revive, 409, "slot_occupied");
}

async fn closed_applications_are_not_booked(backend: Backend) {
    let w = World::new(backend).await;
    for status in [ApplicationStatus::Refuse, ApplicationStatus::Retiree, ApplicationStatus::Embauche] {
        let application = w.application_at(status).await;
        let answer = w.book(&w.recruiter, application, "2026-12-17", "09:00:00").await;
        assert_refused(&answer, 409, "application_closed");
        assert!(answer.body["detail"].as_str().unwrap().contains(status.as_str()), "{}", answer.body);
    }
}

async fn lists_filter_sort_and_page_in_the_legacy_envelope(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let (a, b) = (w.application, w.others_application);
    let late = w.booked(a, "2026-12-20", "14:00:00").await;
    let early = w.booked(b, "2026-12-18", "09:00:00").await;
    let morning = w.booked(b, "2026-12-20", "08:30:00").await;
    let gone = w.booked(a, "2026-12-22", "16:00:00").await;
    assert_eq!(app.delete_as(&w.recruiter, &slot(&gone)).await.status, 200);

    let all = app.get_as(&w.observer, &format!("{SLOTS}?order=desc")).await;
    assert_eq!(ids(&all), [&*early, &morning, &late, &gone], "date then time, `order` ignored");
    let mut keys: Vec<&str> = all.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["data", "page", "per_page", "total", "total_pages"]);
    assert_eq!((all.body["page"].as_u64(), all.body["per_page"].as_u64()), (Some(1), Some(50)));
    assert_eq!(all.total(), Some(4));
    let paged = app.get_as(&w.observer, &format!("{SLOTS}?skip=2&limit=2")).await;
    assert_eq!(ids(&paged), [&*late, &gone]);
    let counts =
        |answer: &Answer| ["total", "page", "per_page", "total_pages"].map(|k| answer.body[k].as_u64().unwrap());
    assert_eq!(counts(&paged), [4, 2, 2, 2]);
    let three = app.get_as(&w.observer, &format!("{SLOTS}?limit=3")).await;
    assert_eq!(counts(&three), [4, 1, 3, 2]);

    for (query, expected) in [
        (format!("application_id={a}"), vec![&*late, &gone]),
        ("status=scheduled".to_owned(), vec![&*early, &morning, &late]),
        ("status=cancelled".to_owned(), vec![&*gone]),
        ("is_available=true".to_owned(), vec![&*gone]),
        ("is_available=false".to_owned(), vec![&*early, &morning, &late]),
        ("date_from=2026-12-19&date_to=2026-12-20".to_owned(), vec![&*morning, &late]),
        ("date_from=2026-12-21".to_owned(), vec![&*gone]),
    ] {
        let answer = app.get_as(&w.recruiter, &format!("{SLOTS}?{query}")).await;
        assert_eq!(ids(&answer), expected, "{query}");
    }
    for (query, field) in [
        ("limit=0", "query.limit"),
        ("limit=1001", "query.limit"),
        ("skip=-1", "query.skip"),
        ("status=done", "query.status"),
        ("is_available=peut-etre", "query.is_available"),
        ("date_from=20-12-2026", "query.date_from"),
        ("application_id=42", "query.application_id"),
    ] {
        assert_eq!(fields(&app.get_as(&w.recruiter, &format!("{SLOTS}?{query}")).await), [field], "{query}");
    }
}

async fn stats_count_every_slot_by_status(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let empty = app.get_as(&w.observer, STATS).await.body;
    assert_eq!(
        empty,
        json!({"total_interviews": 0, "scheduled_interviews": 0, "completed_interviews": 0,
               "cancelled_interviews": 0, "interviews_by_status": {"scheduled": 0, "completed": 0, "cancelled": 0}})
    );
    let mut made = Vec::new();
    for (i, application) in
        [w.application, w.others_application, w.application, w.others_application].iter().enumerate()
    {
        made.push(w.booked(*application, "2026-12-10", &format!("{:02}:00:00", 8 + i)).await);
    }
    assert_eq!(app.delete_as(&w.recruiter, &slot(&made[0])).await.status, 200);
    let done = app.put_as(&w.recruiter, &slot(&made[1]), &json!({"status": "completed"})).await;
    assert_eq!(done.body["status"], "completed");
    let stats = app.get_as(&w.recruiter, STATS).await.body;
    assert_eq!(
        stats,
        json!({"total_interviews": 3, "scheduled_interviews": 2, "completed_interviews": 1,
               "cancelled_interviews": 1, "interviews_by_status": {"scheduled": 2, "completed": 1, "cancelled": 1}}),
        "the total counts the interviews that hold their time, as the legacy total did"
    );
}

async fn the_candidate_hears_of_the_booking_the_move_and_the_cancellation(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let email = w.candidate.user.email.as_str();
    let id = w.booked(w.application, "2026-12-14", "09:30:00").await;
    let invitation = mail_to(&w.mailer, email, "🎯 Invitation à un entretien - Ingénieur réseaux").await;
    for line in ["Date : lundi 14/12/2026 à 09:30", "Lieu : Siège SEEG, Libreville", "Apporter les diplômes"] {
        assert!(invitation.text.contains(line), "{line}: {}", invitation.text);
    }

    let moved = app.put_as(&w.recruiter, &slot(&id), &json!({"date": "2026-12-15", "time": "14:00:00"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let change = mail_to(&w.mailer, email, "📅 Entretien modifié - Ingénieur réseaux").await;
    assert!(change.text.contains("Date : mardi 15/12/2026 à 14:00"), "{}", change.text);
    // Notes alone tell the candidate nothing.
    assert_eq!(app.put_as(&w.recruiter, &slot(&id), &json!({"notes": "Jury de trois"})).await.status, 200);

    assert_eq!(app.delete_as(&w.recruiter, &slot(&id)).await.status, 200);
    let cancellation = mail_to(&w.mailer, email, "❌ Entretien annulé - Ingénieur réseaux").await;
    assert!(cancellation.text.contains("mardi 15/12/2026 à 14:00 est annulé"), "{}", cancellation.text);
    assert!(cancellation.html.contains("Ingénieur réseaux"));
    assert_eq!(w.mailer.sent().len(), 3, "nothing else: {:?}", w.mailer.sent());
    assert!(w.mailer.sent().iter().all(|m| m.to == email));

    let page = Page { skip: 0, limit: 100 };
    let mut notices: Vec<Notification> =
        NotificationRepository::list_for_user(&app.database, w.candidate.user.id, page).await.unwrap().items;
    notices.reverse(); // oldest first
    let seen: Vec<(&str, &str)> = notices.iter().map(|n| (n.kind.as_str(), n.title.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("interview_scheduled", "Entretien programmé"),
            ("interview_scheduled", "Entretien modifié"),
            ("interview_cancelled", "Entretien annulé"),
        ]
    );
    let link = format!("/applications/{}/interviews", w.application);
    assert!(notices.iter().all(|n| n.link.as_deref() == Some(link.as_str()) && !n.read), "{notices:?}");
    assert!(notices[0].message.contains("lundi 14/12/2026 à 09:30"), "{}", notices[0].message);
    let others = NotificationRepository::list_for_user(&app.database, w.other.user.id, page).await.unwrap();
    assert_eq!(others.total, 0, "only the slot's candidate hears of it");

    // B4: one event (same UID) requested, updated with a higher SEQUENCE, then cancelled; Libreville time.
    let tz = ["TZID=Africa/Libreville".to_owned()];
    let (content_type, method, booked) = invitation_of(&invitation);
    assert_eq!((content_type.as_str(), method.as_str()), ("text/calendar; method=REQUEST; charset=UTF-8", "REQUEST"));
    let uid = value(&booked, "UID").0;
    assert_eq!(uid, format!("{id}@seeg-gabon.com"));
    assert_eq!(value(&booked, "SEQUENCE").0, "0");
    assert_eq!(value(&booked, "DTSTART"), ("20261214T093000", &tz[..]));
    assert_eq!(value(&booked, "DTEND"), ("20261214T103000", &tz[..]));
    assert_eq!(value(&booked, "STATUS").0, "CONFIRMED");
    assert_eq!(value(&booked, "SUMMARY").0, "Entretien - Ingénieur réseaux");
    assert_eq!(value(&booked, "LOCATION").0, "Siège SEEG, Libreville");
    assert_eq!(value(&booked, "ORGANIZER").0, "mailto:rh@seeg-gabon.com");
    assert_eq!(value(&booked, "ATTENDEE").0, format!("mailto:{email}"));

    let (_, method, moved) = invitation_of(&change);
    assert_eq!((method.as_str(), value(&moved, "UID").0), ("REQUEST", uid));
    assert_eq!(value(&moved, "SEQUENCE").0, "1");
    assert_eq!(value(&moved, "DTSTART"), ("20261215T140000", &tz[..]));

    let (content_type, method, cancelled) = invitation_of(&cancellation);
    assert_eq!((content_type.as_str(), method.as_str()), ("text/calendar; method=CANCEL; charset=UTF-8", "CANCEL"));
    assert_eq!(value(&cancelled, "UID").0, uid);
    assert_eq!(value(&cancelled, "SEQUENCE").0, "3", "the notes changed the slot too (2)");
    assert_eq!(value(&cancelled, "STATUS").0, "CANCELLED");
    assert_eq!(value(&cancelled, "DTSTART"), ("20261215T140000", &tz[..]));
}

async fn refusing_an_application_calls_off_its_upcoming_interviews(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let email = w.candidate.user.email.as_str();
    let upcoming = w.booked(w.application, "2099-01-05", "09:00:00").await;
    let past = w.booked(w.application, "2001-01-05", "09:00:00").await;
    let others = w.booked(w.others_application, "2099-01-05", "10:00:00").await;
    let status = format!("/api/v1/applications/{}", w.application);
    let refused = app.put_as(&w.recruiter, &status, &json!({"status": "refuse"})).await;
    assert_eq!(refused.status, 200, "{}", refused.body);

    let admin = w.admin.as_str();
    let read = |id: String| async move { app.get_as(admin, &slot(&id)).await.body };
    let called_off = read(upcoming.clone()).await;
    assert_eq!((called_off["status"].as_str(), called_off["is_available"].as_bool()), (Some("cancelled"), Some(true)));
    assert_eq!(read(past).await["status"], "scheduled", "a past slot stays as staff left it");
    assert_eq!(read(others).await["status"], "scheduled", "another application's slot is untouched");
    let cancellation = mail_to(&w.mailer, email, "❌ Entretien annulé - Ingénieur réseaux").await;
    let (_, method, event) = invitation_of(&cancellation);
    assert_eq!((method.as_str(), value(&event, "UID").0), ("CANCEL", format!("{upcoming}@seeg-gabon.com").as_str()));
    assert_eq!(value(&event, "SEQUENCE").0, "1");
    // The freed time is bookable again, but not for the refused application.
    assert_eq!(w.book(&w.recruiter, w.others_application, "2099-01-05", "09:00:00").await.status, 201);
    assert_refused(&w.book(&w.recruiter, w.application, "2099-01-06", "09:00:00").await, 409, "application_closed");
}

on_backends!(Sqlite, Postgres =>
    refusing_an_application_calls_off_its_upcoming_interviews,
    every_role_on_every_slot_route,
    dates_times_and_applications_are_checked,
    of_twenty_concurrent_bookings_of_one_time_exactly_one_is_created,
    a_cancelled_time_is_free_again_and_a_taken_one_is_not,
    closed_applications_are_not_booked,
    lists_filter_sort_and_page_in_the_legacy_envelope,
    stats_count_every_slot_by_status,
    the_candidate_hears_of_the_booking_the_move_and_the_cancellation,
);
