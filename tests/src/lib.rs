//! The test harness: fresh databases per test on every backend, the real app on port 0, sample data builders.
//!
//! `TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`) turns the PostgreSQL variants on; each
//! test then gets a database of its own, dropped afterwards. Without it those variants return at once, so
//! `cargo test` passes on a machine with no services; CI sets it and fails if PostgreSQL cannot be reached.

#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)] // a test harness fails loudly

pub mod accounts;
pub mod analytics;
pub mod applications;
pub mod binary;
pub mod dashboards;
pub mod eventually;
pub mod faults;
pub mod http;
pub mod lake;
pub mod live;
pub mod offers;
pub mod otlp;
pub mod pdf;
pub mod retention;
pub mod smtp;
pub mod storage;
pub mod submissions;
pub mod users;

use std::path::Path;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, Database as SeaDatabase};
use seeg_adapters_memory::MemoryStore;
use seeg_adapters_postgres::Database;
use seeg_application::identity::{
    AccessRequestRepository, AgentDirectory, AuditRepository, NotificationRepository, RefreshTokenRepository,
    UserRepository,
};
use seeg_application::offers::{ApplicationCounts, OfferRepository};
use seeg_application::outbox::{HandlerRegistry, OutboxStore};
use seeg_application::{IdGenerator, SystemIds, UnitOfWork};
use seeg_domain::offers::JobOffer;
use seeg_server::{Application, Environment, Settings};

/// Where a test's data lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Sqlite,
    Postgres,
}

impl Backend {
    /// Whether this backend can run here; only PostgreSQL depends on the machine.
    pub fn available(self) -> bool {
        match self {
            Self::Memory | Self::Sqlite => true,
            Self::Postgres => std::env::var("TEST_POSTGRES_URL").is_ok_and(|u| !u.trim().is_empty()),
        }
    }
}

/// A database made for one test. PostgreSQL databases are dropped when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite | Backend::Memory => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("seeg.db").display());
                Self { url, _dir: Some(dir), postgres: None }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
                let name = format!("seeg_test_{}", SystemIds.new_id().simple());
                let admin = SeaDatabase::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("PostgreSQL at TEST_POSTGRES_URL is unreachable: {e}"));
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.expect("close admin connection");
                let url = replace_database(&admin_url, &name);
                Self { url, _dir: None, postgres: Some((admin_url, name)) }
            }
        }
    }

    /// A migrated pool on this database.
    pub async fn connect(&self) -> Database {
        let database = Database::connect(&self.url, 5).await.expect("connect");
        database.migrate_up().await.expect("migrate");
        database
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else { return };
        // Drop runs inside the test's runtime: use a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = SeaDatabase::connect(&admin_url).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// The persistence ports of one backend, for contract tests.
#[derive(Debug, Clone)]
pub struct Ports {
    pub uow: Arc<dyn UnitOfWork>,
    pub offers: Arc<dyn OfferRepository>,
    pub outbox: Arc<dyn OutboxStore>,
    pub users: Arc<dyn UserRepository>,
    pub access_requests: Arc<dyn AccessRequestRepository>,
    pub notifications: Arc<dyn NotificationRepository>,
    pub audit: Arc<dyn AuditRepository>,
    pub refresh_tokens: Arc<dyn RefreshTokenRepository>,
    pub password_resets: Arc<dyn seeg_application::identity::PasswordResetRepository>,
    pub agents: Arc<dyn AgentDirectory>,
    pub candidate_profiles: Arc<dyn seeg_application::identity::CandidateProfileRepository>,
    pub idempotency: Arc<dyn seeg_application::idempotency::IdempotencyStore>,
    pub applications: Arc<dyn seeg_application::applications::ApplicationRepository>,
    pub application_counts: Arc<dyn ApplicationCounts>,
    pub drafts: Arc<dyn seeg_application::applications::drafts::DraftRepository>,
    pub document_references: Arc<dyn seeg_application::documents_sweep::DocumentReferences>,
    pub created_applications: Arc<dyn seeg_application::applications::CreatedApplications>,
    pub read_model: Arc<dyn seeg_application::applications::read_models::ApplicationReadModel>,
    pub evaluations: Arc<dyn seeg_application::evaluations::EvaluationRepository>,
    pub interview_slots: Arc<dyn seeg_application::interviews::InterviewSlotRepository>,
    pub email_logs: Arc<dyn seeg_application::mail::EmailLogRepository>,
    pub mail_preferences: Arc<dyn seeg_application::mail::MailPreferenceRepository>,
    pub locks: Arc<dyn seeg_application::locks::ExclusiveLocks>,
    pub analytics: Arc<dyn seeg_application::analytics::AnalyticsReadModel>,
    pub erasures: Arc<dyn seeg_application::privacy::ErasureRepository>,
}

impl Ports {
    /// Every port read and written through one store (clones share its data).
    pub fn over<S>(store: &S) -> Self
    where
        S: UnitOfWork
            + OfferRepository
            + OutboxStore
            + UserRepository
            + AccessRequestRepository
            + NotificationRepository
            + AuditRepository
            + RefreshTokenRepository
            + seeg_application::identity::PasswordResetRepository
            + AgentDirectory
            + seeg_application::identity::CandidateProfileRepository
            + seeg_application::idempotency::IdempotencyStore
            + seeg_application::applications::ApplicationRepository
            + ApplicationCounts
            + seeg_application::applications::drafts::DraftRepository
            + seeg_application::documents_sweep::DocumentReferences
            + seeg_application::applications::CreatedApplications
            + seeg_application::applications::read_models::ApplicationReadModel
            + seeg_application::evaluations::EvaluationRepository
            + seeg_application::interviews::InterviewSlotRepository
            + seeg_application::mail::EmailLogRepository
            + seeg_application::mail::MailPreferenceRepository
            + seeg_application::locks::ExclusiveLocks
            + seeg_application::analytics::AnalyticsReadModel
            + seeg_application::privacy::ErasureRepository
            + Clone
            + 'static,
    {
        Self {
            uow: Arc::new(store.clone()),
            offers: Arc::new(store.clone()),
            outbox: Arc::new(store.clone()),
            users: Arc::new(store.clone()),
            access_requests: Arc::new(store.clone()),
            notifications: Arc::new(store.clone()),
            audit: Arc::new(store.clone()),
            refresh_tokens: Arc::new(store.clone()),
            password_resets: Arc::new(store.clone()),
            agents: Arc::new(store.clone()),
            candidate_profiles: Arc::new(store.clone()),
            idempotency: Arc::new(store.clone()),
            applications: Arc::new(store.clone()),
            application_counts: Arc::new(store.clone()),
            drafts: Arc::new(store.clone()),
            document_references: Arc::new(store.clone()),
            created_applications: Arc::new(store.clone()),
            read_model: Arc::new(store.clone()),
            evaluations: Arc::new(store.clone()),
            interview_slots: Arc::new(store.clone()),
            email_logs: Arc::new(store.clone()),
            mail_preferences: Arc::new(store.clone()),
            locks: Arc::new(store.clone()),
            analytics: Arc::new(store.clone()),
            erasures: Arc::new(store.clone()),
        }
    }
}

/// A backend's ports over a fresh database. Keep the `TestDatabase` alive as long as the ports.
pub async fn ports(backend: Backend) -> (Ports, Option<TestDatabase>) {
    if backend == Backend::Memory {
        return (Ports::over(&MemoryStore::new()), None);
    }
    let db = TestDatabase::create(backend).await;
    let database = db.connect().await;
    (ports_of(&database), Some(db))
}

pub fn ports_of(database: &Database) -> Ports {
    Ports::over(database)
}

/// The real service on a free port, over a fresh database.
#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub database: Database,
    /// The server's memory budget of upload bodies (to wait until a test's stalled upload holds it).
    pub body_budget: seeg_adapters_http::BodyBudget,
    server: actix_web::dev::ServerHandle,
    running: Option<tokio::task::JoinHandle<()>>,
    db: Option<TestDatabase>,
}

/// The repository's `config/` folder.
pub fn config_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../config"))
}

/// Test settings for a database URL.
pub fn settings(database_url: &str) -> Settings {
    let mut settings = Settings::load(Environment::Test, config_dir()).expect("test settings");
    settings.database.url = database_url.to_owned().into();
    settings.http.port = 0;
    // The service runs inside the test binary, which has no `inspect-pdf` command to spawn: PDFs are parsed in
    // process (crates/server/tests/pdf_sandbox.rs runs the real binary's child).
    settings.storage.pdf_inspection = seeg_server::settings::PdfInspection::InProcess;
    settings
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, HandlerRegistry::default(), |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, handlers: HandlerRegistry, adjust: impl FnOnce(&mut Settings)) -> Self {
        Self::spawn_full(backend, handlers, None, adjust).await
    }

    /// The service with its documents in `dir/blobs` and its lake in `dir/raw` (local folders), retrying failed
    /// outbox runs quickly: for the tests that read what reached the store and the lake.
    pub async fn spawn_with_folders(backend: Backend, dir: &Path) -> Self {
        let (blobs, raw) = (dir.join("blobs"), dir.join("raw"));
        Self::spawn_with(backend, HandlerRegistry::default(), move |s| {
            s.storage.kind = seeg_server::settings::StorageKind::Local;
            s.storage.path = blobs;
            s.lake.kind = seeg_server::settings::StorageKind::Local;
            s.lake.path = raw;
            s.outbox.base_delay_ms = 20;
            s.outbox.max_delay_secs = 1;
            s.outbox.max_attempts = 1_000;
        })
        .await
    }

    /// The service whose relay sends its e-mails through `mailer` (a `MemoryMailer` the test reads).
    pub async fn spawn_with_mailer(backend: Backend, mailer: Arc<dyn seeg_application::mail::Mailer>) -> Self {
        Self::spawn_full(backend, HandlerRegistry::default(), Some(mailer), |_| {}).await
    }

    /// The service with extra outbox handlers, its own mailer if given, and adjusted settings.
    pub async fn spawn_full(
        backend: Backend,
        handlers: HandlerRegistry,
        mailer: Option<Arc<dyn seeg_application::mail::Mailer>>,
        adjust: impl FnOnce(&mut Settings),
    ) -> Self {
        let db = TestDatabase::create(backend).await;
        let mut settings = settings(&db.url);
        adjust(&mut settings);
        Self::serve(&settings, handlers, mailer, Some(db)).await
    }

    /// Builds and runs the service on `settings` (its relay mailing through `mailer` when given); `db`, when
    /// given, is dropped with it.
    async fn serve(
        settings: &Settings,
        handlers: HandlerRegistry,
        mailer: Option<Arc<dyn seeg_application::mail::Mailer>>,
        db: Option<TestDatabase>,
    ) -> Self {
        let app = match mailer {
            Some(mailer) => Application::build_with_mailer(settings, handlers, mailer).await,
            None => Application::build_with(settings, handlers).await,
        }
        .expect("build app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let database = app.database().clone();
        let body_budget = app.body_budget().clone();
        let server = app.handle();
        let running = tokio::spawn(async move {
            app.run_until_stopped().await.expect("graceful stop");
        });
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Self { address, client, database, body_budget, server, running: Some(running), db }
    }

    /// The service on the database at `url`, which the test owns (a server it stops and starts: `cluster`).
    pub async fn spawn_on(url: &str, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = settings(url);
        adjust(&mut settings);
        Self::serve(&settings, HandlerRegistry::default(), None, None).await
    }

    /// A second service process on this one's database (PostgreSQL: another server of one deployment), with
    /// `adjust` applied to its settings; this one keeps the database.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = settings(self.database_url());
        adjust(&mut settings);
        Self::serve(&settings, HandlerRegistry::default(), None, None).await
    }

    /// The URL of this service's database (to point a command at it).
    pub fn database_url(&self) -> &str {
        &self.db.as_ref().expect("database").url
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// Stops the service gracefully, as SIGTERM does, and waits until it has: in-flight requests and outbox
    /// handlers finish first. Returns the database, which outlives the service.
    pub async fn stop(mut self) -> TestDatabase {
        let db = self.db.take().expect("database");
        self.stop_serving().await;
        db
    }

    /// `stop`, for a service on a database the test owns (`spawn_on`).
    pub async fn stop_serving(mut self) {
        self.server.stop(true).await;
        if let Some(running) = self.running.take() {
            running.await.expect("service task");
        }
    }

    /// Inserts offers in one transaction.
    pub async fn insert_offers(&self, offers: &[JobOffer]) {
        insert_offers(&self.database, offers).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command now; the returned future only waits for it to complete.
        drop(self.server.stop(false));
    }
}

pub async fn insert_offers(uow: &dyn UnitOfWork, offers: &[JobOffer]) {
    let mut tx = uow.begin().await.expect("begin");
    for offer in offers {
        tx.offers().insert(offer).await.expect("insert offer");
    }
    tx.commit().await.expect("commit");
}

/// Runs each test body on each backend, or skips it (with a note) when the backend is not available here:
/// `on_backends!(Sqlite, Postgres => test_a, test_b)` makes `Sqlite::test_a`, `Postgres::test_a`, …
#[macro_export]
macro_rules! on_backends {
    ($($backend:ident),+ => $($test:ident),+ $(,)?) => {
        $crate::on_backends!(@each [$($backend),+] [$($test),+]);
    };
    (@each [$($backend:ident),+] $tests:tt) => {
        $( $crate::on_backends!(@one $backend $tests); )+
    };
    (@one $backend:ident [$($test:ident),+]) => {
        #[allow(non_snake_case)]
        mod $backend {
            $(
                #[tokio::test]
                async fn $test() {
                    let backend = $crate::Backend::$backend;
                    if !backend.available() {
                        eprintln!("skipped: {:?} not configured (set TEST_POSTGRES_URL)", backend);
                        return;
                    }
                    super::$test(backend).await;
                }
            )+
        }
    };
}
