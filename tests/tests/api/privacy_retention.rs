//! The retention job around the real service (B7): `seeg privacy retention --dry-run` lists exactly the inactive
//! candidates and changes nothing; a pass queues one warning e-mail per account, never a second one; once the
//! warning period passes without a sign-in the eraser is called for exactly that account, and a sign-in after the
//! warning (through the API) prevents it. Time moves by a manual clock given to the command, never by waiting;
//! the server's own schedule is checked with a one-second interval.

use std::sync::Arc;

use chrono::TimeDelta;
use sea_orm::{ConnectionTrait, Statement};
use seeg_adapters_memory::ManualClock;
use seeg_application::mail::{EmailLog, EmailLogFilter, EmailLogRepository};
use seeg_application::outbox::HandlerRegistry;
use seeg_application::privacy::{RETENTION_WARNING, RetentionAction, RetentionReport};
use seeg_application::{Clock, Page, SystemClock, SystemIds};
use seeg_domain::identity::{Role, User};
use seeg_server::privacy::{RetentionOutcome, retention, summary};
use seeg_tests::eventually::eventually;
use seeg_tests::retention::RecordingEraser;
use seeg_tests::{Backend, TestApp, on_backends};

async fn warnings_logged(app: &TestApp) -> Vec<EmailLog> {
    let logs = app.database.list(&EmailLogFilter::default(), Page { skip: 0, limit: 100 }).await.unwrap().items;
    logs.into_iter().filter(|l| l.kind == RETENTION_WARNING).collect()
}

async fn email_logs(app: &TestApp) -> u64 {
    app.database.list(&EmailLogFilter::default(), Page { skip: 0, limit: 1 }).await.unwrap().total
}

async fn warning_rows(app: &TestApp) -> i64 {
    let conn = sea_orm::Database::connect(app.database_url()).await.unwrap();
    let sql = "SELECT COUNT(*) AS n FROM retention_warnings".to_owned();
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
    let n = row.try_get("", "n").unwrap();
    conn.close().await.unwrap();
    n
}

/// A candidate created `days` ago, never signed in.
async fn candidate_since(app: &TestApp, email: &str, days: i64) -> User {
    let created = SystemClock.now() - TimeDelta::days(days);
    app.insert_account_with(Role::Candidate, email, |u| (u.created_at, u.updated_at) = (created, created)).await
}

async fn the_command_lists_then_warns_once_and_erases_after_the_warning_period(backend: Backend) {
    // No relay (the e-mails stay queued) and no schedule: only the command runs the job.
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.outbox.enabled = false;
        s.privacy.retention.enabled = false;
    })
    .await;
    let inactive = candidate_since(&app, "inactif@example.com", 800).await;
    let returning = candidate_since(&app, "revient@example.com", 731).await;
    candidate_since(&app, "recent@example.com", 600).await;
    app.insert_account_with(Role::Admin, "admin@example.com", |u| u.created_at -= TimeDelta::days(900)).await;
    let mut expected = vec![inactive.id, returning.id];
    expected.sort();

    let settings = seeg_tests::settings(app.database_url());
    // The service's own erasure, its calls recorded.
    let real = seeg_server::startup::account_erasure(&app.database, Arc::new(SystemClock), Arc::new(SystemIds));
    let eraser = RecordingEraser::around(Arc::new(app.database.clone()), Arc::new(real));
    let now = SystemClock.now();
    let pass = async |days: i64, dry_run: bool| {
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now + TimeDelta::days(days)));
        retention(&settings, &app.database, Arc::clone(&eraser) as _, clock, dry_run).await.unwrap()
    };

    // The dry run lists exactly the two inactive candidates, and writes nothing.
    let RetentionOutcome::Planned(planned) = pass(0, true).await else { panic!("a dry run plans") };
    assert!(planned.iter().all(|p| p.action == RetentionAction::Warn && p.account.warned_at.is_none()), "{planned:?}");
    assert_eq!(planned.iter().map(|p| p.account.user_id).collect::<Vec<_>>(), expected);
    let printed = summary(&RetentionOutcome::Planned(planned));
    assert!(
        printed.ends_with("2 compte(s) : 2 à avertir, 0 à effacer (simulation, rien n'a été modifié)"),
        "{printed}"
    );
    assert!(!printed.contains("@example.com"), "ids only: {printed}");
    assert_eq!((warning_rows(&app).await, email_logs(&app).await), (0, 0), "a dry run changes nothing");

    // The pass warns them: one essential e-mail each, queued with its log row.
    assert_eq!(
        pass(0, false).await,
        RetentionOutcome::Done(RetentionReport { warned: 2, ..RetentionReport::default() })
    );
    let mut recipients: Vec<String> = warnings_logged(&app).await.into_iter().map(|l| l.to).collect();
    recipients.sort();
    assert_eq!(recipients, ["inactif@example.com", "revient@example.com"]);
    let erase_on = (now + TimeDelta::days(30)).format("%d/%m/%Y").to_string();
    assert!(warnings_logged(&app).await.iter().all(|l| l.text.contains(&erase_on)), "the erasure day: {erase_on}");
    assert_eq!(warning_rows(&app).await, 2);
    // Again the same day: no second warning.
    assert_eq!(pass(0, false).await, RetentionOutcome::Done(RetentionReport::default()));
    assert_eq!((warnings_logged(&app).await.len(), email_logs(&app).await), (2, 2));

    // One of them signs in after the warning.
    app.sign_in_as(&returning).await;

    // Within the warning period nobody is due; past it, only the one that stayed away is erased.
    assert_eq!(pass(30, true).await, RetentionOutcome::Planned(Vec::new()));
    let RetentionOutcome::Planned(due) = pass(31, true).await else { panic!("a dry run plans") };
    assert_eq!(
        due.iter().map(|p| (p.action, p.account.user_id)).collect::<Vec<_>>(),
        [(RetentionAction::Erase, inactive.id)]
    );
    assert_eq!(eraser.calls(), [], "a dry run erases nobody");
    assert_eq!(
        pass(31, false).await,
        RetentionOutcome::Done(RetentionReport { erased: 1, ..RetentionReport::default() })
    );
    assert_eq!(eraser.erased_ids(), [inactive.id]);
    // Erased for real: the address and names replaced, no sign-in, the erasure recorded by nobody, with its reason.
    let erased = seeg_application::identity::UserRepository::get(&app.database, inactive.id).await.unwrap().unwrap();
    assert_eq!(erased.email, seeg_application::privacy::erased_email(inactive.id));
    assert_eq!(erased.status, seeg_domain::identity::UserStatus::Archived);
    assert_eq!(app.attempt_login("inactif@example.com", seeg_tests::accounts::PASSWORD).await.status, 401);
    let record =
        seeg_application::privacy::ErasureRepository::erasure_record(&app.database, inactive.id).await.unwrap();
    let record = record.expect("the erasure recorded");
    assert_eq!(record.erased_by, None);
    assert!(record.reason.starts_with("Conservation : compte inactif depuis le"), "{}", record.reason);
    assert_eq!(app.attempt_login("revient@example.com", seeg_tests::accounts::PASSWORD).await.status, 200);
    assert_eq!(pass(31, false).await, RetentionOutcome::Done(RetentionReport::default()), "an erased account is done");
    assert_eq!(eraser.erased_ids(), [inactive.id]);
    assert_eq!(warnings_logged(&app).await.len(), 2);
}

async fn the_server_warns_on_its_own_every_interval(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.outbox.enabled = false;
        s.privacy.retention.enabled = true;
        s.privacy.retention.interval_secs = 1;
    })
    .await;
    let inactive = candidate_since(&app, "inactif@example.com", 800).await;
    candidate_since(&app, "recent@example.com", 10).await;
    let logged = eventually("the inactive candidate warned", async || {
        let logged = warnings_logged(&app).await;
        (!logged.is_empty()).then_some(logged)
    })
    .await;
    assert_eq!(logged.iter().map(|l| l.to.as_str()).collect::<Vec<_>>(), [inactive.email.as_str()]);
}

on_backends!(Sqlite, Postgres =>
    the_command_lists_then_warns_once_and_erases_after_the_warning_period,
    the_server_warns_on_its_own_every_interval,
);
