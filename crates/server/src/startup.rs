//! Wiring: builds every adapter from the settings, binds the listener (port 0 works) and starts the relay.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};
use anyhow::Context as _;
use secrecy::{ExposeSecret as _, SecretString};
use seeg_adapters_blob::{BlobStorage, LakeStorage, StorageUnreachable};
use seeg_adapters_http::{ApiState, HttpConfig, ServiceInfo, WebhookToken};
use seeg_adapters_postgres::Database;
use seeg_application::applications::{
    ApplicationDetails, ApplicationReads, ExportHooks, ExportRequests, FunctionHook, FunctionHookHandler,
    LakeExportHandler,
};
use seeg_application::documents_sweep::DocumentSweep;
use seeg_application::health::HealthCheck;
use seeg_application::housekeeping::Housekeeping;
use seeg_application::identity::{
    AccessRequestDesk, Accounts, AuditTrail, PasswordHasher, TokenService, TokenSettings, UserManagement,
    UserProvisioning,
};
use seeg_application::offers::{OfferCatalog, OfferDesk, OfferReads};
use seeg_application::outbox::{HandlerRegistry, OutboxRelay, RelaySettings};
use seeg_application::privacy::{InactiveAccountEraser, RetentionJob};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use seeg_adapters_mail::{FolderMailer, MemoryMailer, Sender, SmtpConfig, SmtpMailer, SmtpSecurity};
use seeg_application::mail::{MailHandler, Mailer};

use crate::azure_function::HttpFunctionHook;
use crate::settings::{MailTransport, PdfInspection, Settings, StorageKind};

/// How long a health probe may take before the dependency counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// A built service, listening, not yet serving until `run_until_stopped` is awaited.
pub struct Application {
    port: u16,
    server: Server,
    database: Database,
    /// The memory budget of upload bodies the routes share (an observer for tests and metrics).
    body_budget: seeg_adapters_http::BodyBudget,
    relay: Option<(watch::Sender<bool>, JoinHandle<()>)>,
    /// The periodic orphan-document sweep, when `storage.sweep.enabled`.
    sweep: Option<JoinHandle<()>>,
    /// The periodic housekeeping, when `housekeeping.enabled`.
    housekeeping: Option<JoinHandle<()>>,
    /// The periodic retention job, when `privacy.retention.enabled`.
    retention: Option<JoinHandle<()>>,
    /// How long the relay may take to finish its handler at a stop (`http.shutdown_timeout_secs`) before it is
    /// abandoned: its claims lapse with their leases and another relay runs those events (O7).
    relay_grace: Duration,
}

/// Opens the database and, when the settings say so, migrates it. When traces are exported, its statements become
/// `db.query` spans (O4).
pub async fn open_database(settings: &Settings) -> anyhow::Result<Database> {
    let mut database = Database::connect_with(
        &settings.database.driver_url(),
        settings.database.max_connections,
        Duration::from_secs(settings.database.acquire_timeout_secs),
    )
    .await
    .context("connexion à la base de données")?;
    if settings.database.migrate_on_start {
        database.migrate_up().await.context("migrations")?;
    }
    if settings.telemetry.exports_traces() {
        database.trace_statements();
    }
    Ok(database)
}

/// The relay's identity in leases: host, process and a random suffix, so replicas and restarts differ.
pub fn worker_name(ids: &dyn IdGenerator) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "seeg".to_owned());
    let suffix = ids.new_id().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &suffix[suffix.len() - 8..])
}

pub fn relay(
    settings: &Settings,
    database: &Database,
    handlers: HandlerRegistry,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<OutboxRelay> {
    let outbox = &settings.outbox;
    Ok(OutboxRelay::new(
        Arc::new(database.clone()),
        handlers,
        clock,
        RelaySettings {
            worker: worker_name(&SystemIds),
            batch_size: outbox.batch_size,
            concurrency: outbox.concurrency,
            lease: Duration::from_secs(outbox.lease_secs),
            poll_interval: Duration::from_millis(outbox.poll_interval_ms),
            policy: outbox.policy()?,
        },
    ))
}

/// The mailer the settings choose (DESIGN.md "Storage": `.eml` files by default, SMTP in production).
pub fn mailer(settings: &Settings) -> anyhow::Result<Arc<dyn Mailer>> {
    let mail = &settings.mail;
    let sender = Sender::new(&mail.from_email, &mail.from_name)?;
    Ok(match mail.transport {
        MailTransport::Folder => Arc::new(FolderMailer::new(&mail.folder, sender)),
        MailTransport::Memory => Arc::new(MemoryMailer::new()),
        MailTransport::Smtp => {
            let smtp = &mail.smtp;
            let security = match (smtp.implicit_tls, smtp.starttls) {
                (true, _) => SmtpSecurity::ImplicitTls,
                (false, true) => SmtpSecurity::StartTls,
                (false, false) => SmtpSecurity::Plain,
            };
            Arc::new(SmtpMailer::new(
                &SmtpConfig {
                    host: smtp.host.clone(),
                    port: smtp.port,
                    username: smtp.username.clone(),
                    password: smtp.password.clone(),
                    security,
                    timeout: Duration::from_secs(smtp.timeout_secs),
                },
                sender,
            )?)
        }
    })
}

/// The PDF inspector the settings choose (S11). `process`: this executable's `inspect-pdf` command in child
/// processes kept between documents, run once here on a clean document so that a child that cannot start (the executable
/// moved, a limit refused) stops the start-up instead of refusing every upload.
pub async fn pdf_inspector(settings: &Settings) -> anyhow::Result<Arc<dyn seeg_application::documents::PdfInspector>> {
    Ok(match settings.storage.pdf_inspection {
        PdfInspection::InProcess => Arc::new(seeg_adapters_pdf::LopdfInspector::new()),
        PdfInspection::Process => {
            // The running executable itself, even after an in-place upgrade replaced the file it came from.
            let own = std::path::PathBuf::from("/proc/self/exe");
            let program = if own.exists() {
                own
            } else {
                std::env::current_exe().context("chemin de l'exécutable (inspection des PDF)")?
            };
            let timeout = settings.storage.pdf_inspection_timeout()?;
            let inspector = seeg_adapters_pdf::ProcessInspector::new(program, ["inspect-pdf"], timeout);
            inspector.check().await.context("storage.pdf_inspection = \"process\"")?;
            Arc::new(inspector)
        }
    })
}

/// The document store the settings choose (a new in-memory one each call for `memory`); the server `prepare`s it
/// before serving.
pub fn document_storage(settings: &Settings) -> anyhow::Result<BlobStorage> {
    Ok(match settings.storage.kind {
        StorageKind::Local => BlobStorage::local(&settings.storage.path)?,
        StorageKind::Memory => BlobStorage::memory(),
        StorageKind::Azure => BlobStorage::azure(
            settings.storage.azure_connection_string.expose_secret(),
            settings.storage.azure_container.trim(),
        )?,
        StorageKind::S3 => BlobStorage::s3(&settings.storage.s3.location())?,
    })
}

/// Housekeeping over this service's database, as the settings configure it.
pub fn housekeeping(settings: &Settings, database: &Database, clock: Arc<dyn Clock>) -> anyhow::Result<Housekeeping> {
    Ok(Housekeeping::new(
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        clock,
        settings.housekeeping.retention()?,
    ))
}

/// The retention job (B7) over this service's database, as `[privacy.retention]` configures it, erasing through
/// `eraser` (the server and `seeg privacy retention` pass [`retention_eraser`]).
pub fn retention_job(
    settings: &Settings,
    database: &Database,
    eraser: Arc<dyn InactiveAccountEraser>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> anyhow::Result<RetentionJob> {
    Ok(RetentionJob::new(
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        eraser,
        clock,
        ids,
        settings.privacy.retention.policy()?,
    ))
}

/// The erasure of accounts (B7) over this service's database: the administrators' route and the retention job's.
pub fn account_erasure(
    database: &Database,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> seeg_application::privacy::AccountErasure {
    seeg_application::privacy::AccountErasure::new(Arc::new(database.clone()), Arc::new(database.clone()), ids, clock)
}

/// The eraser the retention job erases inactive accounts through, over this service's database: the same erasure
/// as an administrator's, never forced.
pub fn retention_eraser(
    database: &Database,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> Arc<dyn InactiveAccountEraser> {
    Arc::new(account_erasure(database, clock, ids))
}

/// The orphan-document sweep over this service's database and store, as the settings configure it.
pub fn document_sweep(
    settings: &Settings,
    database: &Database,
    storage: &BlobStorage,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<DocumentSweep> {
    Ok(DocumentSweep::new(
        Arc::new(storage.clone()),
        Arc::new(database.clone()),
        clock,
        settings.storage.sweep.grace()?,
    ))
}

/// The data lake the export writes to (`[lake]`).
pub fn lake_storage(settings: &Settings) -> anyhow::Result<LakeStorage> {
    let lake = &settings.lake;
    Ok(match lake.kind {
        StorageKind::Local => LakeStorage::local(&lake.path)?,
        StorageKind::Memory => LakeStorage::memory(),
        StorageKind::Azure => {
            LakeStorage::azure(lake.azure_connection_string.expose_secret(), lake.azure_container.trim())?
        }
        StorageKind::S3 => LakeStorage::s3(&lake.s3.location())?,
    })
}

/// The data-lake export handlers (K4), when `lake.enabled`: `application.submitted` and `lake.export_requested`,
/// telling the Azure Function after the export when one is configured; and always the handler of
/// `privacy.erased` (B7), which removes an erased account's documents and, with the lake on, rewrites its lake
/// objects.
pub async fn lake_export_handlers(
    settings: &Settings,
    database: &Database,
    documents: &BlobStorage,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<HandlerRegistry> {
    let grace = settings.storage.sweep.grace()?;
    let erasure_clock = Arc::clone(&clock);
    let erased = |lake| {
        Arc::new(seeg_application::privacy::ErasedObjectsHandler::new(
            Arc::new(documents.clone()),
            Arc::new(database.clone()),
            lake,
            grace,
            Arc::clone(&erasure_clock),
        ))
    };
    if !settings.lake.enabled {
        return Ok(HandlerRegistry::default().with(erased(None)));
    }
    let export = lake_export(settings, database, documents, clock).await?;
    let (mut submitted, mut requested) =
        (LakeExportHandler::new(export.clone()), LakeExportHandler::for_requests(export.clone()));
    // R40: the function hears of a submission or a webhook call once its blobs are written.
    if let Some(function) = azure_function(settings)? {
        submitted = submitted.then_notify(Arc::clone(&function));
        requested = requested.then_notify(function);
    }
    Ok(HandlerRegistry::default().with(Arc::new(submitted)).with(Arc::new(requested)).with(erased(Some(export))))
}

/// The Azure Function (R44), when `[azure_function] url` is set.
pub fn azure_function(settings: &Settings) -> anyhow::Result<Option<Arc<dyn FunctionHook>>> {
    Ok(HttpFunctionHook::from_settings(&settings.azure_function)?.map(|hook| Arc::new(hook) as Arc<dyn FunctionHook>))
}

/// The data-lake export (K4) over this service's database, documents and lake: the handlers' and the backfill's.
/// Its lake is prepared (an Azure container created when missing) before it is handed over.
pub async fn lake_export(
    settings: &Settings,
    database: &Database,
    documents: &BlobStorage,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<seeg_application::applications::LakeExport> {
    let lake = lake_storage(settings)?;
    let prepared = lake.clone();
    prepare_store("lake", move || {
        let lake = prepared.clone();
        async move { lake.prepare().await }
    })
    .await
    .context("préparation du lac de données")?;
    Ok(seeg_application::applications::LakeExport::new(
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(database.clone()),
        Arc::new(documents.clone()),
        Arc::new(lake),
        // O6: advisory locks on PostgreSQL, so relays of every process and a backfill never export one application
        // at once.
        Arc::new(database.clone()),
        clock,
    ))
}

/// How long a store that did not answer at start-up waits before it is prepared again.
const PREPARE_RETRY: Duration = Duration::from_secs(60);

/// Readies a store at start-up (an Azure container is created when missing). A store that refuses (a wrong key, no
/// right to create) stops the start-up; one that does not answer does not (I2: a storage outage must not take the
/// API down): the service starts, the readiness probe and the outbox's retries cover the outage, and the store is
/// prepared again every minute in the background until it answers.
async fn prepare_store<F, Fut>(store: &'static str, prepare: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let unreachable = |error: &anyhow::Error| error.downcast_ref::<StorageUnreachable>().is_some();
    match prepare().await {
        Err(error) if unreachable(&error) => {
            tracing::warn!(store, "storage unreachable at start-up: prepared again in the background");
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(PREPARE_RETRY).await;
                    match prepare().await {
                        Ok(()) => break tracing::info!(store, "storage prepared"),
                        Err(error) if unreachable(&error) => {}
                        Err(error) => break tracing::error!(store, error = %format!("{error:#}"), "storage refused"),
                    }
                }
            });
            Ok(())
        }
        other => other,
    }
}

/// The downstream consumers this deployment has (which events submissions, status changes and the webhook write).
pub fn export_hooks(settings: &Settings) -> ExportHooks {
    ExportHooks { lake: settings.lake.enabled, azure_function: settings.azure_function.enabled() }
}

/// The outbox handlers of this release; e-mails go through `mailer` and their attempts to the database's log.
pub fn release_handlers(
    settings: &Settings,
    mailer: Arc<dyn Mailer>,
    database: &Database,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<HandlerRegistry> {
    let mut handlers =
        HandlerRegistry::default().with(Arc::new(MailHandler::new(mailer, Arc::new(database.clone()), clock)));
    // With the lake off, the function has events of its own (and events written before keep a handler).
    if let Some(function) = azure_function(settings)? {
        handlers = handlers.with(Arc::new(FunctionHookHandler::new(function)));
    }
    Ok(handlers)
}

/// The account use cases: signing key (S1), token lifetimes, bcrypt cost from the settings.
pub fn accounts(
    settings: &Settings,
    key: &SecretString,
    database: &Database,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
) -> anyhow::Result<Accounts> {
    let auth = &settings.auth;
    let tokens = TokenService::new(
        key.expose_secret().as_bytes(),
        TokenSettings {
            issuer: auth.issuer.clone(),
            audience: auth.audience.clone(),
            access_lifetime: Duration::from_secs(u64::from(auth.access_token_minutes) * 60),
            refresh_lifetime: Duration::from_secs(u64::from(auth.refresh_token_days) * 86_400),
        },
    );
    let store = Arc::new(database.clone());
    Ok(Accounts::new(store.clone(), store.clone(), store, hasher, tokens, clock, ids)
        .with_support_inbox(&settings.mail.support_email))
}

/// The rate limiter, its counters in the process or in the shared Redis (O5), swept on a timer (never per request);
/// the sweep ends with the limiter.
fn rate_limits(
    settings: &Settings,
    signing_key: &SecretString,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Arc<seeg_adapters_http::RateLimiter>> {
    let config = settings.rate_limit.config()?;
    let limiter = match settings.rate_limit.redis()? {
        Some(url) if config.enabled => {
            // The names written in Redis are keyed with the token-signing key, which every instance shares.
            let store = Arc::new(seeg_adapters_http::RedisRateLimits::connect(
                url,
                &settings.rate_limit.redis_key_prefix,
                &config,
                signing_key.expose_secret().as_bytes(),
            )?);
            let checked = Arc::clone(&store);
            tokio::spawn(async move {
                match checked.eviction_policy().await {
                    Some(policy) if policy == "noeviction" => {}
                    Some(policy) => tracing::warn!(
                        policy,
                        "Redis des limites de débit : maxmemory-policy devrait être noeviction (une clé évincée \
                         efface le délai d'un compte, O5)"
                    ),
                    None => tracing::warn!(
                        "Redis des limites de débit injoignable au démarrage : compteurs de ce \
                                            processus en attendant"
                    ),
                }
            });
            seeg_adapters_http::RateLimiter::with_store(config, store)
        }
        _ => seeg_adapters_http::RateLimiter::new(config),
    };
    let limiter = Arc::new(limiter);
    if settings.rate_limit.enabled {
        let weak = Arc::downgrade(&limiter);
        let mut ticks = tokio::time::interval(limiter.sweep_every());
        tokio::spawn(async move {
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(limiter) = weak.upgrade() else { break };
                limiter.sweep(clock.now());
            }
        });
    }
    Ok(limiter)
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Builds the service with the outbox handlers of this release.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::build_with(settings, HandlerRegistry::default()).await
    }

    /// Builds the service with the given outbox handlers (tests plug their own in).
    pub async fn build_with(settings: &Settings, handlers: HandlerRegistry) -> anyhow::Result<Self> {
        Self::build_with_mailer(settings, handlers, mailer(settings)?).await
    }

    /// Builds the service with the given outbox handlers and the mailer its e-mails go through (tests read it).
    pub async fn build_with_mailer(
        settings: &Settings,
        handlers: HandlerRegistry,
        mailer: Arc<dyn Mailer>,
    ) -> anyhow::Result<Self> {
        let database = open_database(settings).await?;
        let storage = document_storage(settings)?;
        let prepared = storage.clone();
        prepare_store("documents", move || {
            let storage = prepared.clone();
            async move { storage.prepare().await }
        })
        .await
        .context("préparation du stockage des documents")?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut release = release_handlers(settings, mailer, &database, Arc::clone(&clock))?;
        release = release.merged(lake_export_handlers(settings, &database, &storage, Arc::clone(&clock)).await?);
        let hooks = export_hooks(settings);
        // The release's handlers, then the caller's: a test may replace one (its own mailer, say).
        let handlers = release.merged(handlers);
        let ids: Arc<dyn IdGenerator> = Arc::new(SystemIds);
        crate::admin::bootstrap(settings, &database, Arc::clone(&clock), Arc::clone(&ids)).await?;
        // One hasher for every use case: its bound on concurrent hashes holds across all of them.
        let sweep = document_sweep(settings, &database, &storage, Arc::clone(&clock))?;
        let housekeeping = housekeeping(settings, &database, Arc::clone(&clock))?;
        let retention = retention_job(
            settings,
            &database,
            retention_eraser(&database, Arc::clone(&clock), Arc::clone(&ids)),
            Arc::clone(&clock),
            Arc::clone(&ids),
        )?;
        let hasher = crate::hashing::password_hasher(&settings.auth).await?;
        // One signing key (S1) for the tokens and for the names the shared rate limits write (O5).
        let signing_key = crate::signing_key::resolve(settings)?;
        let accounts =
            accounts(settings, &signing_key, &database, hasher.clone(), Arc::clone(&clock), Arc::clone(&ids))?;
        // One set of S11 bounds: the submission and the later document changes check the same.
        let limits = seeg_domain::applications::DocumentLimits::default();
        let upload_quota = settings.storage.upload_quota()?;
        // One inspector for submissions and added documents: its bound on documents parsed at once is global.
        let inspector = pdf_inspector(settings).await?;
        // One application with its surroundings: the staff's views and the webhook's receipts.
        let details = ApplicationDetails::new(
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
        );
        let password_resets = seeg_application::identity::PasswordResets::new(
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            hasher.clone(),
            Arc::clone(&clock),
            Arc::clone(&ids),
            settings.mail.public_app_url.trim(),
        );
        // Forgotten-password requests are answered at once; the relay issues the token and its e-mail.
        let handlers =
            handlers.with(Arc::new(seeg_application::identity::PasswordResetIssuer::new(password_resets.clone())));
        let body_budget = {
            let (bytes, deadline) = settings.http.body_limits()?;
            seeg_adapters_http::BodyBudget::new(bytes, deadline)
        };
        // One cache for every offer read the routes serve (P2).
        let offer_reads = OfferReads::new(Arc::new(database.clone()));
        let offer_desk = OfferDesk::new(
            Arc::new(database.clone()),
            offer_reads.clone(),
            Arc::new(database.clone()),
            Arc::clone(&clock),
            Arc::clone(&ids),
        );
        let interviews = seeg_application::interviews::InterviewSlots::new(
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            Arc::clone(&clock),
            Arc::clone(&ids),
            seeg_application::interviews::invitation::ServiceOrganizer {
                name: settings.mail.from_name.trim().to_owned(),
                email: settings.mail.from_email.trim().to_owned(),
            },
        );
        // B3: this process hears every process's notifications (PostgreSQL LISTEN) before it serves a stream.
        database.start_live_feed().await.context("écoute des notifications en temps réel")?;
        let live = seeg_application::live::LiveNotifications::start(
            &database,
            Arc::new(database.clone()),
            Arc::new(database.clone()),
            settings.notifications.limits(),
        );
        let reads = ApplicationReads::new(
            details.clone(),
            Arc::new(database.clone()),
            Arc::new(storage.clone()),
            offer_desk.clone(),
        );
        let state = ApiState {
            offers: OfferCatalog::new(offer_reads),
            offer_desk: offer_desk.clone(),
            offer_bodies: seeg_adapters_http::OfferBodies::default(),
            directory: seeg_application::identity::UserDirectory::new(Arc::new(database.clone())),
            rate_limits: rate_limits(settings, &signing_key, Arc::clone(&clock))?,
            body_budget: body_budget.clone(),
            api_document: seeg_adapters_http::RenderedOnce::default(),
            accounts,
            password_resets: password_resets.clone(),
            users: UserManagement::new(Arc::new(database.clone()), Arc::clone(&clock), Arc::clone(&ids)),
            audit: AuditTrail::new(Arc::new(database.clone())),
            access_requests: AccessRequestDesk::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            profiles: seeg_application::identity::CandidateProfiles::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            drafts: seeg_application::applications::drafts::Drafts::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            provisioning: UserProvisioning::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                hasher,
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            matricules: seeg_application::identity::MatriculeChecks::new(Arc::new(database.clone())),
            idempotency: seeg_application::idempotency::IdempotentRequests::new(
                Arc::new(database.clone()),
                Arc::clone(&clock),
            ),
            outbox_desk: seeg_application::outbox::OutboxDesk::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            submissions: seeg_application::applications::Submissions::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(storage.clone()),
                Arc::clone(&inspector),
                Arc::clone(&clock),
                Arc::clone(&ids),
                limits,
            )
            .with_hooks(hooks)
            .with_upload_quota(upload_quota),
            pipeline: seeg_application::applications::ApplicationPipeline::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
                interviews.clone(),
            )
            .with_hooks(hooks),
            export_requests: ExportRequests::new(
                details.clone(),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
                hooks,
            ),
            interviews: interviews.clone(),
            live: seeg_adapters_http::LiveEndpoints {
                hub: live,
                heartbeat: std::time::Duration::from_secs(settings.notifications.heartbeat_secs),
            },
            notifications: seeg_application::notifications::Notifications::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
            ),
            webhook_token: settings.webhook.active_secret().and_then(WebhookToken::new),
            metrics: seeg_adapters_http::MetricsEndpoint {
                monitoring: seeg_application::monitoring::Monitoring::new(
                    Arc::new(database.clone()),
                    Arc::new(database.clone()),
                    Arc::new(database.clone()),
                ),
                exporter: seeg_adapters_http::MetricsExporter::install(),
                scrape_token: settings.monitoring.active_scrape_token().and_then(seeg_adapters_http::SecretToken::new),
            },
            reads,
            editing: seeg_application::applications::ApplicationEditing::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(storage.clone()),
                Arc::clone(&inspector),
                Arc::clone(&clock),
                Arc::clone(&ids),
                limits,
            )
            .with_hooks(hooks)
            .with_upload_quota(upload_quota),
            erasures: account_erasure(&database, Arc::clone(&clock), Arc::clone(&ids)),
            exports: seeg_application::privacy::PersonalDataExports::new(
                seeg_application::privacy::ExportPorts {
                    users: Arc::new(database.clone()),
                    profiles: Arc::new(database.clone()),
                    applications: Arc::new(database.clone()),
                    evaluations: Arc::new(database.clone()),
                    notifications: Arc::new(database.clone()),
                    emails: Arc::new(database.clone()),
                    uow: Arc::new(database.clone()),
                    ids: Arc::clone(&ids),
                },
                Arc::clone(&clock),
            ),
            dossiers: seeg_application::applications::ApplicationDossiers::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(seeg_adapters_pdf::PdfDossierRenderer::new()),
                Arc::clone(&clock),
            ),
            dashboards: seeg_application::applications::ApplicationDashboards::new(Arc::new(database.clone())),
            analytics: seeg_application::analytics::RecruitmentAnalytics::new(Arc::new(database.clone())),
            evaluations: seeg_application::evaluations::Evaluations::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
                settings.evaluations.weights()?,
            ),
            mail: seeg_application::mail::MailDesk::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
                Arc::clone(&ids),
            ),
            health: HealthCheck::new(Arc::new(database.clone()), Arc::new(storage), PROBE_TIMEOUT),
            clock: Arc::clone(&clock),
            ids,
            info: ServiceInfo {
                version: env!("CARGO_PKG_VERSION").to_owned(),
                environment: settings.environment.as_str().to_owned(),
                tracing: settings.telemetry.exports_traces(),
                rate_limiting: settings.rate_limit.enabled,
                database_engine: if settings.database.is_sqlite() { "sqlite" } else { "postgresql" },
                document_storage: match settings.storage.kind {
                    StorageKind::Local => "local",
                    StorageKind::Memory => "memory",
                    StorageKind::Azure => "azure",
                    StorageKind::S3 => "s3",
                },
                lake_export: settings.lake.enabled,
            },
            service_stats: seeg_application::service_stats::ServiceStats::new(
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::new(database.clone()),
                Arc::clone(&clock),
            ),
            system: seeg_adapters_http::SystemProbe::default(),
        };
        let http = HttpConfig {
            allowed_origins: settings.http.allowed_origins.clone(),
            small_body_timeout: Duration::from_secs(settings.http.small_body_timeout_secs),
            large_body_timeout: Duration::from_secs(settings.http.body_timeout_secs),
        };

        let listener = TcpListener::bind((settings.http.host.as_str(), settings.http.port))
            .with_context(|| format!("écoute sur {}:{}", settings.http.host, settings.http.port))?;
        let port = listener.local_addr()?.port();
        let mut server = HttpServer::new(move || seeg_adapters_http::app(state.clone(), http.clone()))
            .listen(listener)?
            .shutdown_timeout(settings.http.shutdown_timeout_secs)
            // Slow clients (O8): a head trickled past its deadline is answered 408 and the connection closed.
            .client_request_timeout(Duration::from_secs(settings.http.client_request_timeout_secs))
            .client_disconnect_timeout(Duration::from_secs(1))
            .keep_alive(match settings.http.keep_alive_secs {
                0 => actix_web::http::KeepAlive::Disabled,
                secs => actix_web::http::KeepAlive::Timeout(Duration::from_secs(secs)),
            })
            // actix treats ctrl-c as a forced stop; we stop gracefully on both signals (`run_until_stopped`).
            .disable_signals();
        if settings.http.workers > 0 {
            server = server.workers(settings.http.workers);
        }
        let server = server.run();

        let relay = if settings.outbox.enabled {
            let relay = relay(settings, &database, handlers, clock)?;
            let (stop, stopped) = watch::channel(false);
            Some((stop, tokio::spawn(async move { relay.run(stopped).await })))
        } else {
            None
        };
        let sweep = if settings.storage.sweep.enabled {
            let interval = settings.storage.sweep.interval()?;
            Some(tokio::spawn(async move { sweep.run(interval).await }))
        } else {
            None
        };
        let housekeeping = if settings.housekeeping.enabled {
            let interval = settings.housekeeping.interval()?;
            Some(tokio::spawn(async move { housekeeping.run(interval).await }))
        } else {
            None
        };
        let retention = if settings.privacy.retention.enabled {
            let interval = settings.privacy.retention.interval()?;
            Some(tokio::spawn(async move { retention.run_every(interval).await }))
        } else {
            None
        };
        tracing::info!(http.port = port, "listening");
        let relay_grace = Duration::from_secs(settings.http.shutdown_timeout_secs);
        Ok(Self { port, server, database, body_budget, relay, sweep, housekeeping, retention, relay_grace })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server gracefully (tests; SIGTERM and ctrl-c do the same in production).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The memory budget of upload bodies, shared with the routes.
    pub fn body_budget(&self) -> &seeg_adapters_http::BodyBudget {
        &self.body_budget
    }

    /// Serves until SIGTERM, ctrl-c or `handle().stop()`: in-flight requests finish, then the relay finishes the
    /// handler it runs and releases the rest of its batch, then the pool closes.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = std::pin::pin!(self.server);
        tokio::select! {
            result = &mut server => result.context("serveur HTTP")?,
            signal = stop_signal() => {
                signal?;
                tracing::info!("stop signal received; finishing in-flight work");
                // The stop command is sent at once; the server future must keep being polled to carry it out.
                let stopped = handle.stop(true);
                server.await.context("serveur HTTP")?;
                stopped.await;
            }
        }
        if let Some((stop, mut relay)) = self.relay {
            let _ = stop.send(true);
            if let Ok(finished) = tokio::time::timeout(self.relay_grace, &mut relay).await {
                finished.context("relais outbox")?;
            } else {
                tracing::warn!("outbox relay still busy at the end of the stop's grace time; abandoned");
                relay.abort();
            }
        }
        if let Some(sweep) = self.sweep {
            // Safe at any point: a pass only deletes orphans, and the next start finds the rest.
            sweep.abort();
            let _ = sweep.await;
        }
        if let Some(housekeeping) = self.housekeeping {
            // Safe at any point: each job is one statement.
            housekeeping.abort();
            let _ = housekeeping.await;
        }
        if let Some(retention) = self.retention {
            // Safe at any point: each warning is one transaction, each erasure the eraser's.
            retention.abort();
            let _ = retention.await;
        }
        self.database.close().await?;
        Ok(())
    }
}

/// SIGTERM (orchestrators) or SIGINT (ctrl-c).
async fn stop_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        interrupt = tokio::signal::ctrl_c() => interrupt?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
