//! The erasure of an account (B7) through `ErasureWriter`, held to one contract on every backend: the account's
//! personal values replaced, what exists only for it deleted, its applications kept without what describes the
//! person, the e-mails to it emptied and their events gone; another account untouched; a second erasure asks
//! nothing more.

use std::sync::Arc;

use seeg_application::applications::{ApplicationDocument, ApplicationFilter, StatusChange};
use seeg_application::identity::{Notification, RequestContext};
use seeg_application::mail::{EmailLog, EmailLogFilter};
use seeg_application::outbox::OutboxEvent;
use seeg_application::privacy::{
    AccountErasure, Eraser, ErasureError, ErasureReason, InactiveAccountEraser, erased_email,
};
use seeg_application::{Clock as _, Page, SystemClock, SystemIds};
use seeg_domain::applications::{ApplicationStatus, DocumentType, MtpAnswers, Reference};
use seeg_domain::identity::{Role, User, UserStatus};
use seeg_domain::mail::MailStatus;
use seeg_tests::applications::seed;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, insert_offers, on_backends, ports};
use uuid::Uuid;

/// An account, its application (at `status`) with a document, a history note, a notification, an e-mail still
/// queued (its outbox event pending) and a password-reset event naming its address.
struct World {
    candidate: User,
    other: User,
    admin: User,
    application: Uuid,
    other_application: Uuid,
    mail: Uuid,
    reset_event: Uuid,
    support: Uuid,
    support_other: Uuid,
}

async fn world(p: &Ports, status: ApplicationStatus) -> World {
    let candidate = user("aicha.ndong@exemple.ga");
    let other = user("xaicha.ndong@exemple.ga");
    let admin = User { role: Role::Admin, candidate_kind: None, ..user("admin@seeg-gabon.com") };
    let job = offer("Technicien", 0);
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&job)).await;
    let mut tx = p.uow.begin().await.unwrap();
    for account in [&candidate, &other, &admin] {
        tx.users().insert(account).await.unwrap();
    }
    tx.commit().await.unwrap();
    let application = seed(p.uow.as_ref(), candidate.id, job.id, status).await.id;
    let other_application = seed(p.uow.as_ref(), other.id, job.id, ApplicationStatus::Incubation).await.id;
    let (mail, reset_event, support, support_other) = (new_id(), new_id(), new_id(), new_id());
    let mut tx = p.uow.begin().await.unwrap();
    for (id, owner) in [(application, "aicha"), (other_application, "autre")] {
        let document = ApplicationDocument {
            id: new_id(),
            application_id: id,
            document_type: DocumentType::Cv,
            file_name: format!("cv-{owner}.pdf"),
            file_size: 10,
            file_type: "application/pdf".into(),
            storage_key: format!("{owner}-key"),
            sha256: format!("{owner}-key"),
            uploaded_at: base_time(),
        };
        tx.applications().insert_document(&document).await.unwrap();
        let note = StatusChange {
            id: new_id(),
            application_id: id,
            changed_by: Some(admin.id),
            previous_status: None,
            new_status: ApplicationStatus::Candidature,
            notes: Some(format!("Note sur {owner}")),
            changed_at: base_time(),
        };
        tx.applications().append_history(&note).await.unwrap();
    }
    for (owner, related) in [(&candidate, Some(application)), (&admin, Some(application)), (&other, None)] {
        let notification = Notification {
            id: new_id(),
            user_id: owner.id,
            related_application_id: related,
            title: "Candidature".into(),
            message: "Nouvelle candidature d'Aïcha Ndong".into(),
            kind: "application_submitted".into(),
            link: None,
            read: false,
            created_at: base_time(),
        };
        tx.notifications().insert(&notification).await.unwrap();
    }
    let log = queued_mail(mail, candidate.id, &candidate.email);
    tx.email_logs().insert(&log).await.unwrap();
    let to_other = EmailLog { id: new_id(), to: other.email.clone(), user_id: Some(other.id), ..log.clone() };
    tx.email_logs().insert(&to_other).await.unwrap();
    // The support inbox told of the candidate (and, apart, of the other, whose address holds the candidate's).
    for (id, about) in [(support, &candidate.email), (support_other, &other.email)] {
        let notice = EmailLog {
            id,
            user_id: None,
            to: "support@seeg-gabon.com".into(),
            subject: "Nouvelle demande d'accès".into(),
            html: format!("<li>E-mail : {about}</li>"),
            text: format!("E-mail : {about}"),
            kind: "new_access_request".into(),
            status: MailStatus::Sent,
            ..log.clone()
        };
        tx.email_logs().insert(&notice).await.unwrap();
    }
    let payload = serde_json::json!({"id": mail, "to": candidate.email, "text": "Bonjour Aïcha"});
    tx.outbox().append(&OutboxEvent::new(mail, "mail.send", payload, base_time())).await.unwrap();
    let payload = serde_json::json!({"email": candidate.email});
    tx.outbox().append(&OutboxEvent::new(reset_event, "password_reset.requested", payload, base_time())).await.unwrap();
    let payload = serde_json::json!({"email": other.email});
    tx.outbox().append(&OutboxEvent::new(new_id(), "password_reset.requested", payload, base_time())).await.unwrap();
    tx.commit().await.unwrap();
    World { candidate, other, admin, application, other_application, mail, reset_event, support, support_other }
}

/// A hand-written message to account `user_id` at `to`, queued.
fn queued_mail(id: Uuid, user_id: Uuid, to: &str) -> EmailLog {
    EmailLog {
        id,
        application_id: None,
        user_id: Some(user_id),
        to: to.to_owned(),
        subject: "Bonjour Aïcha".into(),
        html: "<p>Bonjour Aïcha</p>".into(),
        text: "Bonjour Aïcha".into(),
        kind: "manual".into(),
        status: MailStatus::Queued,
        attempts: 0,
        last_error: None,
        provider_message_id: None,
        sent_at: None,
        created_at: base_time(),
        updated_at: base_time(),
    }
}

fn new_id() -> Uuid {
    seeg_application::IdGenerator::new_id(&SystemIds)
}

fn erasure(p: &Ports) -> AccountErasure {
    AccountErasure::new(Arc::clone(&p.uow), Arc::clone(&p.erasures), Arc::new(SystemIds), Arc::new(SystemClock))
}

fn reason() -> ErasureReason {
    ErasureReason::parse("Demande du candidat").unwrap()
}

async fn an_erasure_leaves_the_account_and_its_applications_without_personal_values(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, ApplicationStatus::Refuse).await;
    let context = RequestContext::default();
    let record =
        erasure(&p).erase(Eraser::Account(&w.admin, &context), w.candidate.id, &reason(), false).await.unwrap();
    assert_eq!((record.erased_by, record.forced, record.documents_deleted), (Some(w.admin.id), false, 1));
    assert_eq!(p.erasures.erasure_record(w.candidate.id).await.unwrap(), Some(record.clone()));

    let account = p.users.get(w.candidate.id).await.unwrap().unwrap();
    assert_eq!(account.email, erased_email(w.candidate.id));
    assert_eq!((account.first_name.as_str(), account.last_name.as_str()), ("Compte", "effacé"));
    assert_eq!((account.phone, account.adresse, account.date_of_birth, account.sexe), (None, None, None, None));
    assert_eq!((account.poste_actuel, account.annees_experience, account.status), (None, None, UserStatus::Archived));
    assert!(!account.password_hash.starts_with("$2"), "no password verifies");

    let application = p.applications.get(w.application).await.unwrap().unwrap();
    assert_eq!(application.status, ApplicationStatus::Refuse, "a finished application keeps its status");
    assert_eq!((application.reference_contacts, application.reference), (None, Reference::default()));
    assert_eq!(application.mtp_answers, MtpAnswers::default());
    assert!(p.applications.documents(w.application).await.unwrap().is_empty());
    assert!(p.applications.history(w.application).await.unwrap().iter().all(|c| c.notes.is_none()));
    let page = Page { skip: 0, limit: 50 };
    assert_eq!(p.notifications.list_for_user(w.candidate.id, page).await.unwrap().total, 0);
    assert_eq!(p.notifications.list_for_user(w.admin.id, page).await.unwrap().total, 0, "staff's, about it");
    let mail = p.email_logs.get(w.mail).await.unwrap().unwrap();
    assert_eq!(
        (mail.to.as_str(), mail.subject.as_str(), mail.html.as_str(), mail.text.as_str()),
        (erased_email(w.candidate.id).as_str(), "[effacé]", "", "")
    );
    assert_eq!((mail.kind.as_str(), mail.status), ("manual", MailStatus::Dead), "kept kind; never sent now");
    assert_eq!(p.outbox.get(w.mail).await.unwrap(), None, "the queued message's event is gone");
    assert_eq!(p.outbox.get(w.reset_event).await.unwrap(), None, "the reset asked for is gone");
    // The support inbox's notice naming the address: emptied, its recipient kept; the other's notice untouched.
    let notice = p.email_logs.get(w.support).await.unwrap().unwrap();
    assert_eq!(
        (notice.to.as_str(), notice.subject.as_str(), notice.html.as_str()),
        ("support@seeg-gabon.com", "[effacé]", "")
    );
    let untouched = p.email_logs.get(w.support_other).await.unwrap().unwrap();
    assert_eq!(untouched.html, format!("<li>E-mail : {}</li>", w.other.email));

    // The other account (whose address holds the erased one) is untouched.
    let other = p.users.get(w.other.id).await.unwrap().unwrap();
    assert_eq!(other, w.other);
    assert_eq!(p.applications.documents(w.other_application).await.unwrap().len(), 1);
    assert!(p.applications.history(w.other_application).await.unwrap().iter().all(|c| c.notes.is_some()));
    assert_eq!(p.notifications.list_for_user(w.other.id, page).await.unwrap().total, 1);
    let filter = EmailLogFilter { recipient: Some(w.other.email.clone()), ..EmailLogFilter::default() };
    let theirs = p.email_logs.list(&filter, page).await.unwrap();
    assert_eq!((theirs.total, theirs.items[0].subject.as_str()), (1, "Bonjour Aïcha"));
    let stats = p.outbox.stats().await.unwrap();
    assert_eq!(stats.pending, 2, "their reset and the erasure's own event: {stats:?}");

    // Again: the first erasure answers, nothing more is written.
    let again = erasure(&p).erase(Eraser::Account(&w.admin, &context), w.candidate.id, &reason(), true).await.unwrap();
    assert_eq!(again, record);
    assert_eq!(p.outbox.stats().await.unwrap().pending, 2);
}

async fn an_application_in_progress_refuses_the_erasure_unless_forced(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, ApplicationStatus::EntretienProgramme).await;
    let context = RequestContext::default();
    let eraser = erasure(&p);
    let refused = eraser.erase(Eraser::Account(&w.admin, &context), w.candidate.id, &reason(), false).await;
    assert!(matches!(refused, Err(ErasureError::ApplicationsInProgress(1))), "{refused:?}");
    assert_eq!(p.users.get(w.candidate.id).await.unwrap().unwrap(), w.candidate, "nothing changed");
    let warned_at = SystemClock.now() + chrono::TimeDelta::days(1);
    let retention = InactiveAccountEraser::erase_inactive(&eraser, w.candidate.id, "Conservation", warned_at).await;
    assert!(matches!(retention, Ok(false)), "the retention job never forces: {retention:?}");
    assert_eq!(p.users.get(w.candidate.id).await.unwrap().unwrap(), w.candidate, "kept");
    let own = eraser.erase(Eraser::Account(&w.admin, &context), w.admin.id, &reason(), true).await;
    assert!(matches!(own, Err(ErasureError::OwnAccount)), "{own:?}");
    let by_candidate = eraser.erase(Eraser::Account(&w.other, &context), w.candidate.id, &reason(), true).await;
    assert!(matches!(by_candidate, Err(ErasureError::Forbidden)), "{by_candidate:?}");
    let unknown = eraser.erase(Eraser::Account(&w.admin, &context), Uuid::nil(), &reason(), true).await;
    assert!(matches!(unknown, Err(ErasureError::NotFound)), "{unknown:?}");

    let record = eraser.erase(Eraser::Account(&w.admin, &context), w.candidate.id, &reason(), true).await.unwrap();
    assert_eq!((record.forced, record.applications_closed), (true, 1));
    let application = p.applications.get(w.application).await.unwrap().unwrap();
    assert_eq!(application.status, ApplicationStatus::Retiree);
    let history = p.applications.history(w.application).await.unwrap();
    let closed = history.iter().find(|c| c.new_status == ApplicationStatus::Retiree).expect("the closing line");
    assert_eq!(
        (closed.previous_status, closed.changed_by),
        (Some(ApplicationStatus::EntretienProgramme), Some(w.admin.id))
    );
    assert!(closed.notes.as_deref().is_some_and(|n| n.contains("effacement")), "{closed:?}");
    let filter = ApplicationFilter { candidate_id: Some(w.candidate.id), ..ApplicationFilter::default() };
    assert_eq!(p.applications.list(&filter, Page { skip: 0, limit: 10 }).await.unwrap().total, 1, "kept");
}

/// Mail addressed to the account (`email_logs.user_id`) is erased whatever address it went to (one an
/// administrator changed since), its copies kept; so are the support inbox's notices naming a former address, and
/// the handled events holding one (a pending one runs). Mail addressed to another account is that account's, even
/// at the address the erased account holds now (an address moved from one account to another); the erased
/// account's address among its copies is still erased. A former address another account holds now is theirs.
async fn mail_addressed_to_the_account_is_erased_whatever_its_address(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, ApplicationStatus::Refuse).await;
    let third = user("tiers@exemple.ga");
    let [sent, before, copied, to_third, notice, third_notice, named, both] = std::array::from_fn(|_| new_id());
    let [handled_reset, pending_reset, third_reset] = std::array::from_fn(|_| new_id());
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&third).await.unwrap();
    let log = EmailLog {
        html: "<p>Bonjour Aïcha (ancienne.adresse@exemple.ga)</p>".into(),
        kind: "password_reset".into(),
        ..queued_mail(sent, w.candidate.id, "ancienne.adresse@exemple.ga, copie@seeg-gabon.com")
    };
    // The third account had the candidate's address before an administrator moved it.
    let thirds = EmailLog {
        id: before,
        user_id: Some(third.id),
        to: w.candidate.email.clone(),
        subject: "Bonjour Tiers".into(),
        html: format!("<p>Bonjour Tiers, votre adresse : {}</p>", w.candidate.email),
        text: "Bonjour Tiers".into(),
        status: MailStatus::Sent,
        ..log.clone()
    };
    let support = |id, named: &str| EmailLog {
        id,
        user_id: None,
        to: "support@seeg-gabon.com".into(),
        subject: "Nouvelle demande d'accès".into(),
        html: format!("<li>Aïcha Ndong, {named}</li>"),
        kind: "new_access_request".into(),
        status: MailStatus::Sent,
        ..log.clone()
    };
    let rows = [
        log.clone(),
        thirds.clone(),
        EmailLog { id: copied, to: format!("tiers@exemple.ga, {}", w.candidate.email), ..thirds.clone() },
        // The candidate once had the address the third account holds now.
        EmailLog { id: to_third, to: "tiers@exemple.ga".into(), status: MailStatus::Sent, ..log.clone() },
        support(notice, "ancienne.adresse@exemple.ga"),
        support(third_notice, "tiers@exemple.ga"),
        // Another account's mail naming the candidate (a recruiter writing to a colleague about them).
        EmailLog {
            id: named,
            to: "tiers@exemple.ga".into(),
            html: format!("<p>Candidate : {}</p>", w.candidate.email),
            ..thirds.clone()
        },
        // To the candidate at its address, with a copy to its former one.
        EmailLog {
            id: both,
            to: format!("{}, ancienne.adresse@exemple.ga", w.candidate.email),
            status: MailStatus::Sent,
            ..log.clone()
        },
    ];
    for row in &rows {
        tx.email_logs().insert(row).await.unwrap();
    }
    let payload = serde_json::json!({"id": sent, "to": "ancienne.adresse@exemple.ga"});
    tx.outbox().append(&OutboxEvent::new(sent, "mail.send", payload, base_time())).await.unwrap();
    for (id, address) in [
        (handled_reset, "ancienne.adresse@exemple.ga"),
        (pending_reset, "ancienne.adresse@exemple.ga"),
        (third_reset, "tiers@exemple.ga"),
    ] {
        let payload = serde_json::json!({"email": address});
        tx.outbox().append(&OutboxEvent::new(id, "password_reset.requested", payload, base_time())).await.unwrap();
    }
    tx.commit().await.unwrap();
    let (now, lease) = (base_time() + chrono::TimeDelta::days(1), base_time() + chrono::TimeDelta::days(2));
    p.outbox.claim_due(now, lease, "w", 100).await.unwrap();
    for id in [handled_reset, third_reset] {
        assert!(p.outbox.mark_done(id, "w", now).await.unwrap());
    }

    let context = RequestContext::default();
    erasure(&p).erase(Eraser::Account(&w.admin, &context), w.candidate.id, &reason(), false).await.unwrap();

    let logs = &p.email_logs;
    let row = |id| async move { logs.get(id).await.unwrap().unwrap() };
    let erased_address = erased_email(w.candidate.id);
    let erased = row(sent).await;
    assert_eq!(
        (erased.to, erased.subject.as_str(), erased.html.as_str(), erased.text.as_str(), erased.status),
        (format!("{erased_address}, copie@seeg-gabon.com"), "[effacé]", "", "", MailStatus::Dead)
    );
    assert_eq!(p.outbox.get(sent).await.unwrap(), None, "the queued message's event is gone");
    assert_eq!(row(before).await, rows[1], "the third account's mail, at the address it had then, is whole");
    let erased = row(copied).await;
    assert_eq!(
        (erased.to, erased.subject.as_str(), erased.html.as_str()),
        (format!("tiers@exemple.ga, {erased_address}"), "[effacé]", "")
    );
    let erased = row(to_third).await;
    assert_eq!((erased.to, erased.subject.as_str()), (erased_address.clone(), "[effacé]"), "addressed to it");
    let erased = row(notice).await;
    assert_eq!(
        (erased.to.as_str(), erased.subject.as_str(), erased.html.as_str()),
        ("support@seeg-gabon.com", "[effacé]", ""),
        "the notice naming a former address"
    );
    assert_eq!(row(third_notice).await, rows[5], "the notice naming the third account's address is whole");
    let erased = row(named).await;
    assert_eq!(
        (erased.to.as_str(), erased.subject.as_str(), erased.html.as_str()),
        ("tiers@exemple.ga", "[effacé]", ""),
        "another account's mail naming the candidate"
    );
    assert_eq!(row(both).await.to, format!("{erased_address}, {erased_address}"), "the former address in copy too");
    assert_eq!(p.outbox.get(handled_reset).await.unwrap(), None, "a handled event holding a former address is gone");
    assert!(
        p.outbox.get(pending_reset).await.unwrap().is_some(),
        "a pending one still runs: the address may be someone else's now"
    );
    assert!(p.outbox.get(third_reset).await.unwrap().is_some(), "the third account's event is kept");
}

/// The retention job's erasure reads the account's last activity under its lock: an account active since its
/// warning (an application changed after it) is kept; one idle since is erased.
async fn the_retention_erasure_keeps_an_account_active_since_its_warning(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, ApplicationStatus::Refuse).await;
    let eraser = erasure(&p);
    let application = p.applications.get(w.application).await.unwrap().unwrap();
    let before_activity = application.updated_at - chrono::TimeDelta::hours(1);
    let kept = InactiveAccountEraser::erase_inactive(&eraser, w.candidate.id, "Conservation", before_activity).await;
    assert!(matches!(kept, Ok(false)), "{kept:?}");
    assert_eq!(p.erasures.erasure_record(w.candidate.id).await.unwrap(), None, "kept");
    let after_activity = application.updated_at + chrono::TimeDelta::hours(1);
    let erased = InactiveAccountEraser::erase_inactive(&eraser, w.candidate.id, "Conservation", after_activity).await;
    assert!(matches!(erased, Ok(true)), "{erased:?}");
    let again = InactiveAccountEraser::erase_inactive(&eraser, w.candidate.id, "Conservation", after_activity).await;
    assert!(matches!(again, Ok(false)), "erased already: {again:?}");
}

on_backends!(Memory, Sqlite, Postgres =>
    the_retention_erasure_keeps_an_account_active_since_its_warning,
    an_erasure_leaves_the_account_and_its_applications_without_personal_values,
    an_application_in_progress_refuses_the_erasure_unless_forced,
    mail_addressed_to_the_account_is_erased_whatever_its_address,
);
