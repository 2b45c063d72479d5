//! The retention job's port (`RetentionRepository` and the transaction's `RetentionWarningWriter`) and one
//! `RetentionJob` over it, on memory, SQLite and PostgreSQL: hand-built accounts with known dates, and exactly
//! who is warned, who is due for erasure, and that a warning is never sent twice (B7).

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use seeg_adapters_memory::{ManualClock, MemoryStore};
use seeg_application::mail::{EmailLogFilter, EmailLogRepository};
use seeg_application::privacy::{
    PlannedRetention, RETENTION_WARNING, RetentionAction, RetentionCandidate, RetentionJob, RetentionPolicy,
    RetentionReport, RetentionRepository,
};
use seeg_application::{IdGenerator as _, Page, SystemIds, UnitOfWork};
use seeg_domain::identity::{Role, User, UserStatus};
use seeg_tests::applications::application;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::retention::RecordingEraser;
use seeg_tests::users::user;
use seeg_tests::{Backend, TestDatabase, on_backends};
use uuid::Uuid;

/// "Now" for every test: far enough after `base_time` for two years of history before it.
fn now() -> DateTime<Utc> {
    base_time() + TimeDelta::days(2_000)
}

fn days_ago(days: i64) -> DateTime<Utc> {
    now() - TimeDelta::days(days)
}

const INACTIVE_DAYS: i64 = 730;
const WARNING_DAYS: i64 = 30;

/// One backend's unit of work, retention port and e-mail log, over a fresh store.
struct Store {
    uow: Arc<dyn UnitOfWork>,
    retention: Arc<dyn RetentionRepository>,
    logs: Arc<dyn EmailLogRepository>,
    _db: Option<TestDatabase>,
}

async fn store(backend: Backend) -> Store {
    if backend == Backend::Memory {
        let m = MemoryStore::new();
        return Store { uow: Arc::new(m.clone()), retention: Arc::new(m.clone()), logs: Arc::new(m), _db: None };
    }
    let db = TestDatabase::create(backend).await;
    let d = db.connect().await;
    Store { uow: Arc::new(d.clone()), retention: Arc::new(d.clone()), logs: Arc::new(d), _db: Some(db) }
}

/// An account as the test describes it: created, last signed in, warned, with applications last changed on
/// the given days (counted back from `now`).
#[derive(Default)]
struct Account {
    role: Option<Role>,
    status: Option<UserStatus>,
    created: i64,
    login: Option<i64>,
    warned: Option<i64>,
    applications: Vec<i64>,
}

impl Store {
    async fn add(&self, name: &str, a: Account) -> User {
        let mut u = user(&format!("{name}@example.com"));
        u.role = a.role.unwrap_or(Role::Candidate);
        u.candidate_kind = u.candidate_kind.filter(|_| u.role == Role::Candidate);
        u.status = a.status.unwrap_or(UserStatus::Active);
        (u.created_at, u.updated_at) = (days_ago(a.created), days_ago(a.created));
        u.last_login = a.login.map(days_ago);
        let mut tx = self.uow.begin().await.unwrap();
        tx.users().insert(&u).await.unwrap();
        for (i, updated) in a.applications.iter().enumerate() {
            let job = offer(&format!("Offre {name} {i}"), 0);
            tx.offers().insert(&job).await.unwrap();
            let mut applied = application(u.id, job.id, days_ago(a.created));
            applied.updated_at = days_ago(*updated);
            tx.applications().insert(&applied).await.unwrap();
        }
        if let Some(warned) = a.warned {
            tx.retention_warnings().record_warning(u.id, days_ago(warned)).await.unwrap();
        }
        tx.commit().await.unwrap();
        u
    }

    async fn to_warn(&self, after: Option<Uuid>, limit: u64) -> Vec<RetentionCandidate> {
        self.retention.to_warn(days_ago(INACTIVE_DAYS), after, limit).await.unwrap()
    }

    async fn due(&self) -> Vec<RetentionCandidate> {
        self.retention.due_for_erasure(days_ago(INACTIVE_DAYS), days_ago(WARNING_DAYS), None, 100).await.unwrap()
    }

    async fn warning_logs(&self) -> Vec<String> {
        let page = Page { skip: 0, limit: 100 };
        let logs = self.logs.list(&EmailLogFilter::default(), page).await.unwrap().items;
        logs.into_iter().filter(|l| l.kind == RETENTION_WARNING).map(|l| l.to).collect()
    }
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

fn candidate(u: &User, last_activity: i64, warned: Option<i64>) -> RetentionCandidate {
    RetentionCandidate { user_id: u.id, last_activity: days_ago(last_activity), warned_at: warned.map(days_ago) }
}

/// The accounts of every rule: returns (to warn, due for erasure), each in id order.
async fn accounts(s: &Store) -> (Vec<RetentionCandidate>, Vec<RetentionCandidate>) {
    let inactive = s.add("inactif", Account { created: 900, login: Some(760), ..Account::default() }).await;
    let never = s.add("jamais", Account { created: 800, ..Account::default() }).await;
    let old_application =
        s.add("ancienne", Account { created: 900, applications: vec![750], ..Account::default() }).await;
    // Warned, then signed in after the warning; inactive again since: warned anew.
    let came_back =
        s.add("revenu", Account { created: 1500, warned: Some(800), login: Some(790), ..Account::default() }).await;
    // Due: warned 31 days ago, nothing since.
    let due = s.add("echu", Account { created: 800, warned: Some(31), ..Account::default() }).await;
    // Not due yet, and not warned again.
    s.add("averti", Account { created: 800, warned: Some(10), ..Account::default() }).await;
    // Signed in after the warning: neither warned nor erased.
    s.add("reconnecte", Account { created: 900, warned: Some(40), login: Some(20), ..Account::default() }).await;
    // An application changed after the warning: neither.
    s.add("mise-a-jour", Account { created: 900, warned: Some(40), applications: vec![35], ..Account::default() })
        .await;
    // Active recently, one way or another.
    s.add("connecte", Account { created: 900, login: Some(10), ..Account::default() }).await;
    s.add("recent", Account { created: 100, ..Account::default() }).await;
    s.add("candidature", Account { created: 900, login: Some(800), applications: vec![800, 5], ..Account::default() })
        .await;
    // Not subject to retention.
    s.add("admin", Account { role: Some(Role::Admin), created: 900, ..Account::default() }).await;
    s.add("recruteur", Account { role: Some(Role::Recruiter), created: 900, warned: Some(40), ..Account::default() })
        .await;
    s.add("archive", Account { status: Some(UserStatus::Archived), created: 900, ..Account::default() }).await;
    s.add(
        "archive-averti",
        Account { status: Some(UserStatus::Archived), created: 900, warned: Some(40), ..Account::default() },
    )
    .await;
    // Blocked or pending candidates are still candidates' accounts: subject to retention.
    let blocked =
        s.add("bloque", Account { status: Some(UserStatus::Blocked), created: 1000, ..Account::default() }).await;
    let mut to_warn = vec![
        candidate(&inactive, 760, None),
        candidate(&never, 800, None),
        candidate(&old_application, 750, None),
        candidate(&came_back, 790, Some(800)),
        candidate(&blocked, 1000, None),
    ];
    to_warn.sort_by_key(|c| c.user_id);
    (to_warn, vec![candidate(&due, 800, Some(31))])
}

async fn exactly_the_inactive_candidates_are_to_warn_and_the_warned_ones_due(backend: Backend) {
    let s = store(backend).await;
    let (to_warn, due) = accounts(&s).await;
    assert_eq!(s.to_warn(None, 100).await, to_warn);
    assert_eq!(s.due().await, due);
    // Batches: in id order, after the given id.
    let first = s.to_warn(None, 2).await;
    assert_eq!(first, to_warn[..2]);
    assert_eq!(s.to_warn(Some(first[1].user_id), 100).await, to_warn[2..]);
    assert_eq!(s.to_warn(Some(to_warn[4].user_id), 100).await, []);
    // The boundaries: inactive strictly before the date, warned strictly before the date.
    let one = &due[0];
    let at_activity = s.retention.due_for_erasure(one.last_activity, days_ago(WARNING_DAYS), None, 100).await.unwrap();
    assert_eq!(at_activity, [], "last activity at the limit: not inactive before it");
    let at_warning = s.retention.due_for_erasure(days_ago(INACTIVE_DAYS), days_ago(31), None, 100).await.unwrap();
    assert_eq!(at_warning, [], "warned at the limit: not before it");
}

async fn a_new_warning_replaces_the_previous_one_and_needs_an_account(backend: Backend) {
    let s = store(backend).await;
    let u = s.add("inactif", Account { created: 900, warned: Some(40), ..Account::default() }).await;
    assert_eq!(s.due().await, [candidate(&u, 900, Some(40))]);
    let mut tx = s.uow.begin().await.unwrap();
    tx.retention_warnings().record_warning(u.id, days_ago(5)).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.due().await, [], "warned 5 days ago now");
    assert_eq!(s.to_warn(None, 100).await, [], "and not to warn again");
    let far = s.retention.due_for_erasure(days_ago(INACTIVE_DAYS), days_ago(1), None, 100).await.unwrap();
    assert_eq!(far, [candidate(&u, 900, Some(5))]);
    let mut tx = s.uow.begin().await.unwrap();
    assert!(tx.retention_warnings().record_warning(SystemIds.new_id(), days_ago(1)).await.is_err(), "unknown account");
}

fn job(s: &Store, eraser: &Arc<RecordingEraser>, clock: &Arc<ManualClock>) -> RetentionJob {
    RetentionJob::new(
        Arc::clone(&s.retention),
        Arc::clone(&s.uow),
        Arc::clone(eraser) as _,
        Arc::clone(clock) as _,
        Arc::new(SystemIds),
        RetentionPolicy::days(730, 30).unwrap(),
    )
}

async fn the_job_warns_once_then_erases_through_the_eraser(backend: Backend) {
    let s = store(backend).await;
    let (to_warn, due) = accounts(&s).await;
    let eraser = RecordingEraser::new(Arc::clone(&s.uow));
    let clock = Arc::new(ManualClock::new(now()));
    let job = job(&s, &eraser, &clock);

    let mut planned: Vec<PlannedRetention> =
        due.iter().map(|&account| PlannedRetention { action: RetentionAction::Erase, account }).collect();
    planned.extend(to_warn.iter().map(|&account| PlannedRetention { action: RetentionAction::Warn, account }));
    assert_eq!(job.plan(now()).await.unwrap(), planned);
    assert_eq!(s.warning_logs().await, Vec::<String>::new(), "a plan sends nothing");
    assert_eq!(eraser.calls(), []);

    let report = job.run(now()).await.unwrap();
    assert_eq!(report, RetentionReport { warned: 5, erased: 1, skipped: 0, failed: 0 });
    assert_eq!(eraser.calls(), [(due[0].user_id, "Conservation : compte inactif depuis le 2029-09-13".to_owned())]);
    let mut expected: Vec<String> =
        ["inactif", "jamais", "ancienne", "revenu", "bloque"].iter().map(|n| format!("{n}@example.com")).collect();
    expected.sort();
    let mut sent = s.warning_logs().await;
    sent.sort();
    assert_eq!(sent, expected, "one warning per account to warn");

    // A second pass: nobody to warn again, the erased account is archived.
    assert_eq!(job.run(now()).await.unwrap(), RetentionReport::default());
    assert_eq!(s.warning_logs().await.len(), 5, "a warning is not sent twice");
    assert_eq!(job.plan(now()).await.unwrap(), []);

    // 30 days later only the account warned 10 days before the first pass is due; a day more, every account the
    // pass warned is too.
    let warned_ids = sorted(to_warn.iter().map(|c| c.user_id).collect());
    let earlier = job.plan(now() + TimeDelta::days(30)).await.unwrap();
    assert_eq!(earlier.len(), 1, "{earlier:?}");
    let (action, earlier) = (earlier[0].action, earlier[0].account);
    assert_eq!(
        (action, earlier.warned_at, earlier.last_activity),
        (RetentionAction::Erase, Some(days_ago(10)), days_ago(800))
    );
    eraser.decline(warned_ids[0]);
    let later = now() + TimeDelta::days(31);
    let report = job.run(later).await.unwrap();
    assert_eq!(report, RetentionReport { warned: 0, erased: 5, skipped: 1, failed: 0 });
    let mut expected = warned_ids.clone();
    expected.push(earlier.user_id);
    assert_eq!(sorted(eraser.erased_ids()[1..].to_vec()), sorted(expected));
    // The declined one stays due; the erased ones are archived and gone from every list.
    let left = job.plan(later).await.unwrap();
    assert_eq!(
        left.iter().map(|p| (p.action, p.account.user_id)).collect::<Vec<_>>(),
        [(RetentionAction::Erase, warned_ids[0])]
    );
}

async fn a_sign_in_after_the_warning_prevents_the_erasure(backend: Backend) {
    let s = store(backend).await;
    let u = s.add("inactif", Account { created: 900, ..Account::default() }).await;
    let eraser = RecordingEraser::new(Arc::clone(&s.uow));
    let clock = Arc::new(ManualClock::new(now()));
    let job = job(&s, &eraser, &clock);
    assert_eq!(job.run(now()).await.unwrap().warned, 1);
    let mut tx = s.uow.begin().await.unwrap();
    tx.users().record_login(u.id, now() + TimeDelta::days(3)).await.unwrap();
    tx.commit().await.unwrap();
    let report = job.run(now() + TimeDelta::days(40)).await.unwrap();
    assert_eq!(report, RetentionReport::default());
    assert_eq!(eraser.calls(), []);
}

/// Two passes at once (two replicas, or the command beside the server's own pass) warn each account once: the
/// second finds the first's warning under the account's lock.
async fn two_passes_at_once_warn_each_account_once(backend: Backend) {
    let s = store(backend).await;
    for i in 0..20 {
        s.add(&format!("inactif{i}"), Account { created: 900, ..Account::default() }).await;
    }
    let eraser = RecordingEraser::new(Arc::clone(&s.uow));
    let clock = Arc::new(ManualClock::new(now()));
    let (first, second) = (job(&s, &eraser, &clock), job(&s, &eraser, &clock));
    let (a, b) = tokio::join!(first.run(now()), second.run(now()));
    assert_eq!(a.unwrap().warned + b.unwrap().warned, 20);
    assert_eq!(s.warning_logs().await.len(), 20, "one e-mail each");
}

on_backends!(Memory, Sqlite, Postgres =>
    two_passes_at_once_warn_each_account_once,
    exactly_the_inactive_candidates_are_to_warn_and_the_warned_ones_due,
    a_new_warning_replaces_the_previous_one_and_needs_an_account,
    the_job_warns_once_then_erases_through_the_eraser,
    a_sign_in_after_the_warning_prevents_the_erasure,
);
