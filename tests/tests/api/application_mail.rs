//! What a candidate hears about its application: the submission writes an `application_submitted` notification
//! and, through the outbox relay, the confirmation e-mail (R25); a recruiter's pipeline move writes an
//! `application_status_changed` notification and its e-mail (I5, I2).

use std::sync::Arc;

use seeg_adapters_mail::MemoryMailer;
use seeg_adapters_postgres::Database;
use seeg_application::Page;
use seeg_application::identity::{Notification, NotificationRepository};
use seeg_application::mail::MailMessage;
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Role, User};
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::SignedIn;
use seeg_tests::eventually::eventually;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::json;

/// The service, with its relay delivering e-mails to a mailer the test reads.
async fn spawn(backend: Backend) -> (TestApp, MemoryMailer) {
    let mailer = MemoryMailer::new();
    (TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await, mailer)
}

async fn notifications_of(database: &Database, user: &User) -> Vec<Notification> {
    let page = Page { skip: 0, limit: 100 };
    NotificationRepository::list_for_user(database, user.id, page).await.unwrap().items
}

/// The messages sent to `to` with `subject`, once the relay has sent at least one.
async fn delivered(mailer: &MemoryMailer, to: &str, subject: &str) -> Vec<MailMessage> {
    eventually(&format!("« {subject} » sent to {to}"), async || {
        let sent: Vec<MailMessage> = mailer.sent().into_iter().filter(|m| m.to == to && m.subject == subject).collect();
        (!sent.is_empty()).then_some(sent)
    })
    .await
}

async fn a_submission_notifies_the_candidate_and_mails_its_confirmation(backend: Backend) {
    let (app, mailer) = spawn(backend).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let job = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let id = application.id;

    let notices = notifications_of(&app.database, &candidate).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    let notice = &notices[0];
    assert_eq!(notice.kind, "application_submitted");
    assert_eq!(notice.related_application_id, Some(id));
    assert_eq!(notice.link.as_deref(), Some(format!("/applications/{id}").as_str()));
    assert!(notice.message.contains("Ingénieur Électricité"), "{}", notice.message);
    assert!(!notice.read);

    let sent = delivered(&mailer, "awa@example.com", "Confirmation de candidature - Ingénieur Électricité").await;
    assert_eq!(sent.len(), 1, "one confirmation");
    assert!(sent[0].text.contains("Ingénieur Électricité"), "{}", sent[0].text);
    assert_eq!(mailer.sent().len(), 1, "nothing else was sent: {:?}", mailer.sent());
}

async fn a_pipeline_move_notifies_the_candidate_and_mails_the_new_status(backend: Backend) {
    let (app, mailer) = spawn(backend).await;
    let SignedIn { user: candidate, token } = app.token_for(Role::Candidate, "awa@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let job = app.open_offer("Chef d'usine d'eau", OfferVisibility::Everyone).await;
    let application = app.submit(&token, &job, "awa").await;
    let id = application.id;
    // The confirmation first, so that what follows is the move's alone.
    delivered(&mailer, "awa@example.com", "Confirmation de candidature - Chef d'usine d'eau").await;

    let path = format!("/api/v1/applications/{id}");
    let request = app.client.put(app.url(&path)).bearer_auth(&recruiter).json(&json!({"status": "incubation"}));
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);

    let notices = notifications_of(&app.database, &candidate).await;
    let moved: Vec<&Notification> = notices.iter().filter(|n| n.kind == "application_status_changed").collect();
    assert_eq!(moved.len(), 1, "{notices:?}");
    assert_eq!(moved[0].related_application_id, Some(id));
    assert_eq!(moved[0].link.as_deref(), Some(path.trim_start_matches("/api/v1")));
    assert!(moved[0].message.contains(ApplicationStatus::Incubation.label()), "{}", moved[0].message);

    let sent = delivered(&mailer, "awa@example.com", "Votre candidature - Chef d'usine d'eau").await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].text.contains("Nouveau statut : En incubation."), "{}", sent[0].text);
    assert_eq!(mailer.sent().len(), 2, "the confirmation and the move, nothing else");
}

on_backends!(Sqlite, Postgres =>
    a_submission_notifies_the_candidate_and_mails_its_confirmation,
    a_pipeline_move_notifies_the_candidate_and_mails_the_new_status,
);
