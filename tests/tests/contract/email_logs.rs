//! The e-mail log and the e-mail preferences on every backend: `queue_mail` writes the outbox event and a
//! `queued` row with the same id in one transaction (or neither); the mail handler records each attempt
//! (`sent` with the provider's reference, `failed` with a category, `dead` when the relay gives up, `sent` again
//! after a replay) and never sends a message the log says was sent; the admin list filters and pages newest
//! first; a non-essential message is not queued for an account that turned them off; deleting the application
//! keeps the row.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeDelta;
use seeg_adapters_memory::ManualClock;
use seeg_application::mail::{
    Attempt, Delivery, EmailLogFilter, MailError, MailFailure, MailHandler, MailMessage, MailPreferences, Mailer,
    Outgoing, Rendered, queue_mail,
};
use seeg_application::outbox::{HandlerRegistry, OutboxRelay, RelaySettings, RetryScope};
use seeg_application::{Page, SystemIds};
use seeg_domain::mail::MailStatus;
use seeg_domain::outbox::{OutboxState, RetryPolicy};
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

use crate::evaluations::world;

const ALL: Page = Page { skip: 0, limit: 100 };

fn rendered(subject: &str) -> Rendered {
    Rendered {
        subject: subject.to_owned(),
        text: format!("Texte de « {subject} »"),
        html: format!("<p>{subject}</p>"),
        attachments: Vec::new(),
    }
}

/// Queues one message in its own transaction at `at` minutes past the base time; returns its id.
async fn queue(p: &Ports, mail: Outgoing<'_>, at: i64) -> Option<Uuid> {
    let mut tx = p.uow.begin().await.unwrap();
    let id = queue_mail(tx.as_mut(), &SystemIds, mail, base_time() + TimeDelta::minutes(at)).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn the_event_and_the_queued_row_share_one_id_and_one_transaction(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let application = w.applications[0].id;
    let mail = Outgoing::new("manual", "Awa.Mba@example.com", rendered("Objet 🎯"))
        .with_copies(vec!["cc@example.com".into()], vec!["bcc@example.com".into()])
        .about(application);
    let id = queue(&p, mail, 0).await.unwrap();
    let event = p.outbox.get(id).await.unwrap().expect("the outbox event has the message id");
    assert_eq!(event.payload["id"], serde_json::json!(id));
    assert_eq!(event.payload["cc"], serde_json::json!(["cc@example.com"]));
    let log = p.email_logs.get(id).await.unwrap().expect("the log row has the message id");
    assert_eq!(log.to, "Awa.Mba@example.com, cc@example.com, bcc@example.com");
    assert_eq!((log.subject.as_str(), log.kind.as_str()), ("Objet 🎯", "manual"));
    assert_eq!((log.text.as_str(), log.html.as_str()), ("Texte de « Objet 🎯 »", "<p>Objet 🎯</p>"));
    assert_eq!((log.status, log.attempts, log.application_id), (MailStatus::Queued, 0, Some(application)));
    assert_eq!((log.last_error, log.provider_message_id, log.sent_at), (None, None, None));
    assert_eq!(log.created_at, base_time());

    // Rolled back: neither the event nor the row.
    let mut tx = p.uow.begin().await.unwrap();
    let lost =
        queue_mail(tx.as_mut(), &SystemIds, Outgoing::new("manual", "x@example.com", rendered("x")), base_time())
            .await
            .unwrap()
            .unwrap();
    drop(tx);
    assert_eq!(p.outbox.get(lost).await.unwrap(), None);
    assert_eq!(p.email_logs.get(lost).await.unwrap(), None);
}

async fn attempts_are_recorded_on_the_row(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let id = queue(&p, Outgoing::new("manual", "a@example.com", rendered("a")), 0).await.unwrap();
    let at = |m: i64| base_time() + TimeDelta::minutes(m);
    let failed = Attempt::Failed { attempts: 1, error: MailFailure::Unreachable };
    assert!(p.email_logs.record(id, &failed, at(1)).await.unwrap());
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error.as_deref()), (MailStatus::Failed, 1, Some("unreachable")));
    assert_eq!((log.sent_at, log.updated_at), (None, at(1)));

    assert!(p.email_logs.record(id, &Attempt::Dead, at(2)).await.unwrap());
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error.as_deref()), (MailStatus::Dead, 1, Some("unreachable")));

    let sent = Attempt::Sent { attempts: 1, provider_message_id: Some("2.0.0 Ok: queued as 4F2A".into()) };
    assert!(p.email_logs.record(id, &sent, at(3)).await.unwrap());
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error), (MailStatus::Sent, 1, None));
    assert_eq!((log.provider_message_id.as_deref(), log.sent_at), (Some("2.0.0 Ok: queued as 4F2A"), Some(at(3))));

    assert!(!p.email_logs.record(Uuid::from_u128(1), &Attempt::Dead, at(4)).await.unwrap(), "no such row");
}

async fn the_list_filters_and_pages_newest_first(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let application = w.applications[0].id;
    let mut ids = Vec::new();
    for (i, to) in
        ["awa@example.com", "AWA@example.com", "jean_100%@example.com", "paul@example.com"].iter().enumerate()
    {
        let mut mail = Outgoing::new("manual", to, rendered(&format!("m{i}")));
        if i == 3 {
            mail = mail.about(application);
        }
        // A day apart, so date ranges select them.
        ids.push(queue(&p, mail, i64::try_from(i).unwrap() * 24 * 60).await.unwrap());
    }
    let sent = Attempt::Sent { attempts: 1, provider_message_id: None };
    p.email_logs.record(ids[1], &sent, base_time()).await.unwrap();
    let list = |filter: EmailLogFilter, page: Page| {
        let logs = p.email_logs.clone();
        async move {
            let found = logs.list(&filter, page).await.unwrap();
            (found.items.iter().map(|l| l.id).collect::<Vec<_>>(), found.total)
        }
    };
    let newest_first: Vec<Uuid> = ids.iter().rev().copied().collect();
    assert_eq!(list(EmailLogFilter::default(), ALL).await, (newest_first.clone(), 4));
    assert_eq!(list(EmailLogFilter::default(), Page { skip: 1, limit: 2 }).await, (newest_first[1..3].to_vec(), 4));
    assert_eq!(list(EmailLogFilter::default(), Page { skip: 9, limit: 2 }).await, (vec![], 4));
    let status = |s| EmailLogFilter { status: Some(s), ..EmailLogFilter::default() };
    assert_eq!(list(status(MailStatus::Sent), ALL).await, (vec![ids[1]], 1));
    assert_eq!(list(status(MailStatus::Queued), ALL).await.1, 3);
    assert_eq!(list(status(MailStatus::Dead), ALL).await, (vec![], 0));
    let recipient = |r: &str| EmailLogFilter { recipient: Some(r.to_owned()), ..EmailLogFilter::default() };
    assert_eq!(list(recipient("aWa@"), ALL).await, (vec![ids[1], ids[0]], 2), "case ignored");
    assert_eq!(list(recipient("_100%"), ALL).await, (vec![ids[2]], 1), "LIKE's wildcards are literal");
    assert_eq!(list(recipient("%"), ALL).await, (vec![ids[2]], 1));
    let about = EmailLogFilter { application_id: Some(application), ..EmailLogFilter::default() };
    assert_eq!(list(about, ALL).await, (vec![ids[3]], 1));
    let day = |d: i64| base_time() + TimeDelta::days(d);
    let range = EmailLogFilter { queued_from: Some(day(1)), queued_before: Some(day(3)), ..EmailLogFilter::default() };
    assert_eq!(list(range, ALL).await, (vec![ids[2], ids[1]], 2));
}

async fn a_non_essential_message_is_not_queued_for_an_account_that_turned_them_off(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let candidate = &w.candidate;
    assert_eq!(p.mail_preferences.get(candidate.id).await.unwrap(), MailPreferences::default());
    assert!(MailPreferences::default().email_non_essential, "on by default");
    let optional =
        || Outgoing::new("application_status_changed", &candidate.email, rendered("o")).optional_for(candidate.id);
    assert!(queue(&p, optional(), 0).await.is_some(), "queued while on");

    let off = MailPreferences { email_non_essential: false };
    p.mail_preferences.save(candidate.id, off, base_time()).await.unwrap();
    assert_eq!(p.mail_preferences.get(candidate.id).await.unwrap(), off);
    assert_eq!(queue(&p, optional(), 1).await, None, "turned off: nothing queued");
    let essential = queue(&p, Outgoing::new("password_changed", &candidate.email, rendered("s")), 2).await;
    assert!(essential.is_some(), "security e-mails are always sent");
    assert_eq!(
        p.email_logs.list(&EmailLogFilter::default(), ALL).await.unwrap().total,
        2,
        "no row for the skipped one"
    );
    assert_eq!(p.outbox.stats().await.unwrap().pending, 2, "no event for the skipped one");

    p.mail_preferences.save(candidate.id, MailPreferences::default(), base_time()).await.unwrap();
    assert!(queue(&p, optional(), 3).await.is_some(), "on again");
    // Another account keeps the defaults.
    assert_eq!(p.mail_preferences.get(w.recruiter.id).await.unwrap(), MailPreferences::default());
}

async fn deleting_the_application_keeps_the_row(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let application = w.applications[0].id;
    let id = queue(&p, Outgoing::new("manual", "a@example.com", rendered("a")).about(application), 0).await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().delete(application, None).await.unwrap());
    tx.commit().await.unwrap();
    let log = p.email_logs.get(id).await.unwrap().expect("kept");
    assert_eq!(log.application_id, None, "ON DELETE SET NULL");
}

/// Fails while `down`, else keeps each message it is given.
#[derive(Debug, Default)]
struct Switchable {
    down: AtomicBool,
    sent: Mutex<Vec<MailMessage>>,
}

#[async_trait]
impl Mailer for Switchable {
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(MailError::new(MailFailure::Unreachable, anyhow::anyhow!("connexion refusée")));
        }
        self.sent.lock().unwrap().push(message.clone());
        Ok(Delivery { provider_message_id: Some(format!("ref-{}", message.id)) })
    }
}

fn mail_relay(p: &Ports, mailer: Arc<Switchable>, clock: Arc<ManualClock>, max_attempts: u32) -> OutboxRelay {
    let handler = MailHandler::new(mailer, p.email_logs.clone(), clock.clone());
    let policy = RetryPolicy::new(max_attempts, Duration::from_secs(1), Duration::from_secs(1)).unwrap();
    OutboxRelay::new(
        p.outbox.clone(),
        HandlerRegistry::default().with(Arc::new(handler)),
        clock,
        RelaySettings {
            worker: "mail-test".to_owned(),
            batch_size: 8,
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            policy,
        },
    )
}

async fn the_handler_records_failed_dead_and_sent_and_sends_once(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let mailer = Arc::new(Switchable::default());
    mailer.down.store(true, Ordering::SeqCst);
    let relay = mail_relay(&p, mailer.clone(), clock.clone(), 2);
    let id = queue(&p, Outgoing::new("manual", "a@example.com", rendered("a")), 0).await.unwrap();

    assert_eq!(relay.run_once().await.unwrap(), 1);
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error.as_deref()), (MailStatus::Failed, 1, Some("unreachable")));
    clock.advance(TimeDelta::seconds(5));
    assert_eq!(relay.run_once().await.unwrap(), 1);
    assert_eq!(p.outbox.get(id).await.unwrap().unwrap().state, OutboxState::Dead);
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts), (MailStatus::Dead, 2), "the last failure dead-letters the row too");

    // An operator replays it once the server is back: sent, once.
    mailer.down.store(false, Ordering::SeqCst);
    assert_eq!(p.outbox.retry(RetryScope::Event(id), seeg_application::Clock::now(clock.as_ref())).await.unwrap(), 1);
    assert_eq!(relay.run_once().await.unwrap(), 1);
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error), (MailStatus::Sent, 1, None));
    assert_eq!(log.provider_message_id, Some(format!("ref-{id}")));
    assert_eq!(mailer.sent.lock().unwrap().len(), 1);

    // The event runs again (a lost lease, a crash before `mark_done`): the log says sent, nothing is re-sent.
    assert_eq!(
        p.outbox.retry(RetryScope::Event(id), seeg_application::Clock::now(clock.as_ref())).await.unwrap(),
        0,
        "done stays done"
    );
    let event = p.outbox.get(id).await.unwrap().unwrap();
    let handler = MailHandler::new(mailer.clone(), p.email_logs.clone(), clock.clone());
    seeg_application::outbox::OutboxHandler::handle(&handler, &event).await.unwrap();
    assert_eq!(mailer.sent.lock().unwrap().len(), 1, "idempotent by message id");
}

on_backends!(Memory, Sqlite, Postgres =>
    the_event_and_the_queued_row_share_one_id_and_one_transaction,
    attempts_are_recorded_on_the_row,
    the_list_filters_and_pages_newest_first,
    a_non_essential_message_is_not_queued_for_an_account_that_turned_them_off,
    deleting_the_application_keeps_the_row,
    the_handler_records_failed_dead_and_sent_and_sends_once,
);
