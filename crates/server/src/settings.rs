//! Typed settings, layered (DESIGN.md "Configuration"), validated at start-up and passed down (never global).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use figment::Figment;
use figment::providers::{Env, Format as _, Serialized, Toml};
use secrecy::{ExposeSecret as _, SecretString};
use seeg_domain::identity::{EmailAddress, Password};
use serde::{Deserialize, Deserializer};

/// The built-in defaults: the binary runs from any folder, `config/` beside it or not.
const DEFAULT_TOML: &str = include_str!("../../../config/default.toml");

/// Legacy variable names of the Python service, mapped to our keys (lower precedence than `APP__*`).
const LEGACY_ALIASES: [(&str, &str); 25] = [
    ("DATABASE_URL", "database.url"),
    ("ALLOWED_ORIGINS", "http.allowed_origins"),
    ("PORT", "http.port"),
    ("SECRET_KEY", "auth.secret_key"),
    ("ACCESS_TOKEN_EXPIRE_MINUTES", "auth.access_token_minutes"),
    ("REFRESH_TOKEN_EXPIRE_DAYS", "auth.refresh_token_days"),
    ("JWT_ISSUER", "auth.issuer"),
    ("JWT_AUDIENCE", "auth.audience"),
    ("BOOTSTRAP_ADMIN_EMAIL", "auth.bootstrap_admin_email"),
    ("BOOTSTRAP_ADMIN_PASSWORD", "auth.bootstrap_admin_password"),
    ("SMTP_HOST", "mail.smtp.host"),
    ("SMTP_PORT", "mail.smtp.port"),
    ("SMTP_USERNAME", "mail.smtp.username"),
    ("SMTP_PASSWORD", "mail.smtp.password"),
    ("SMTP_TLS", "mail.smtp.starttls"),
    ("SMTP_SSL", "mail.smtp.implicit_tls"),
    ("MAIL_FROM_EMAIL", "mail.from_email"),
    ("MAIL_FROM_NAME", "mail.from_name"),
    ("PUBLIC_APP_URL", "mail.public_app_url"),
    ("SUPPORT_EMAIL", "mail.support_email"),
    ("AZURE_STORAGE_CONNECTION_STRING", "lake.azure_connection_string"),
    ("AZURE_STORAGE_CONTAINER", "lake.azure_container"),
    ("WEBHOOK_SECRET", "webhook.secret"),
    ("AZ_FUNC_ON_APP_SUBMITTED_URL", "azure_function.url"),
    ("AZ_FUNC_ON_APP_SUBMITTED_KEY", "azure_function.key"),
];

/// The standard AWS variables, for the S3 settings of both stores (lower precedence than `APP__*`).
const AWS_VARIABLES: [(&str, &str); 8] = [
    ("AWS_ACCESS_KEY_ID", "storage.s3.access_key_id"),
    ("AWS_ACCESS_KEY_ID", "lake.s3.access_key_id"),
    ("AWS_SECRET_ACCESS_KEY", "storage.s3.secret_access_key"),
    ("AWS_SECRET_ACCESS_KEY", "lake.s3.secret_access_key"),
    ("AWS_REGION", "storage.s3.region"),
    ("AWS_REGION", "lake.s3.region"),
    ("AWS_ENDPOINT_URL", "storage.s3.endpoint"),
    ("AWS_ENDPOINT_URL", "lake.s3.endpoint"),
];

/// The shortest signing key accepted (S1).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Test,
    Production,
}

impl Environment {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Test => "test",
            Self::Production => "production",
        }
    }

    /// From `APP_ENV`, or the legacy `ENVIRONMENT` (`production`/`prod`, `development`/`dev`, `test`/`testing`).
    pub fn parse(value: &str) -> anyhow::Result<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "" | "development" | "dev" => Ok(Self::Development),
            "test" | "testing" => Ok(Self::Test),
            "production" | "prod" => Ok(Self::Production),
            other => bail!("APP_ENV inconnu « {other} » (development, test ou production)"),
        }
    }

    /// The environment the process names, `None` when neither variable is set (or both are blank): the caller
    /// then runs as development, but only on the embedded database (see `Settings::refuse_implicit_environment`).
    pub fn from_process() -> anyhow::Result<Option<Self>> {
        let value = std::env::var("APP_ENV").or_else(|_| std::env::var("ENVIRONMENT")).unwrap_or_default();
        if value.trim().is_empty() { Ok(None) } else { Self::parse(&value).map(Some) }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(skip, default = "default_environment")]
    pub environment: Environment,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub rate_limit: RateLimitSettings,
    pub database: DatabaseSettings,
    pub storage: StorageSettings,
    pub lake: LakeSettings,
    pub webhook: WebhookSettings,
    pub azure_function: AzureFunctionSettings,
    pub outbox: OutboxSettings,
    pub housekeeping: HousekeepingSettings,
    pub privacy: PrivacySettings,
    pub log: LogSettings,
    pub telemetry: TelemetrySettings,
    pub monitoring: MonitoringSettings,
    pub mail: MailSettings,
    pub evaluations: EvaluationSettings,
    pub notifications: NotificationSettings,
}

const fn default_environment() -> Environment {
    Environment::Development
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    pub host: String,
    pub port: u16,
    #[serde(deserialize_with = "origins")]
    pub allowed_origins: Vec<String>,
    pub workers: usize,
    pub shutdown_timeout_secs: u64,
    /// Memory the large bodies of uploads may hold at once, in MiB (1 to `MAX_BODY_BUDGET_MIB`).
    pub body_budget_mib: usize,
    /// How long an upload's body may take to arrive, in seconds (at least 1).
    pub body_timeout_secs: u64,
    /// How long any other body (64 KiB at most) may take to arrive, in seconds (at least 1, O8).
    pub small_body_timeout_secs: u64,
    /// How long the head of a request (its line and headers) may take to arrive, in seconds (at least 1, O8).
    pub client_request_timeout_secs: u64,
    /// How long an idle kept-alive connection stays open, in seconds (0: closed after each response, O8).
    pub keep_alive_secs: u64,
}

/// The largest `http.body_budget_mib`: 64 GiB.
const MAX_BODY_BUDGET_MIB: usize = 64 * 1024;

impl HttpSettings {
    /// The memory budget of large bodies and the time each may take to arrive.
    pub fn body_limits(&self) -> anyhow::Result<(usize, std::time::Duration)> {
        if !(1..=MAX_BODY_BUDGET_MIB).contains(&self.body_budget_mib) {
            bail!("http.body_budget_mib doit être entre 1 et {MAX_BODY_BUDGET_MIB}");
        }
        if self.body_timeout_secs == 0 {
            bail!("http.body_timeout_secs doit être d'au moins 1");
        }
        if self.small_body_timeout_secs == 0 || self.client_request_timeout_secs == 0 {
            bail!("http.small_body_timeout_secs et http.client_request_timeout_secs doivent être d'au moins 1");
        }
        Ok((self.body_budget_mib * 1024 * 1024, std::time::Duration::from_secs(self.body_timeout_secs)))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Empty means "not configured" (see `config/default.toml`).
    pub secret_key: SecretString,
    pub key_file: PathBuf,
    pub access_token_minutes: u32,
    pub refresh_token_days: u32,
    pub issuer: String,
    pub audience: String,
    pub bcrypt_cost: u32,
    /// bcrypt hashes that may run at once, at most the cores; 0: the cores when `bcrypt_nice` lowers the hashing
    /// threads, else one less.
    pub bcrypt_concurrency: usize,
    /// How much lower than the rest of the process the hashing threads run (added to their nice value, 0–19).
    pub bcrypt_nice: i32,
    /// With `bootstrap_admin_password`: the administrator created at start-up when none exists (S1). Empty: off.
    pub bootstrap_admin_email: String,
    pub bootstrap_admin_password: SecretString,
}

impl AuthSettings {
    /// `bcrypt_concurrency`, 0 read as [`seeg_application::identity::PasswordHasher::default_concurrency`].
    pub fn bcrypt_concurrency(&self) -> usize {
        match self.bcrypt_concurrency {
            0 => seeg_application::identity::PasswordHasher::default_concurrency(self.bcrypt_nice > 0),
            n => n,
        }
    }

    /// The administrator to create at start-up, if both settings are given: half a pair, a malformed address or a
    /// password the policy (R5) refuses is an error, so a mistake stops the start-up instead of going unnoticed.
    pub fn bootstrap_admin(&self) -> anyhow::Result<Option<(EmailAddress, Password)>> {
        let email = self.bootstrap_admin_email.trim();
        let password = self.bootstrap_admin_password.expose_secret();
        match (email.is_empty(), password.is_empty()) {
            (true, true) => Ok(None),
            (false, false) => {
                let email = EmailAddress::parse(email)
                    .map_err(|e| anyhow!("auth.bootstrap_admin_email (BOOTSTRAP_ADMIN_EMAIL) : {e}"))?;
                let password = Password::parse(password.to_owned())
                    .map_err(|e| anyhow!("auth.bootstrap_admin_password (BOOTSTRAP_ADMIN_PASSWORD) : {e}"))?;
                Ok(Some((email, password)))
            }
            _ => bail!(
                "auth.bootstrap_admin_email et auth.bootstrap_admin_password (BOOTSTRAP_ADMIN_EMAIL, \
                 BOOTSTRAP_ADMIN_PASSWORD) vont ensemble : renseignez les deux ou aucun"
            ),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSettings {
    pub enabled: bool,
    /// Replaced by `trusted_proxies`: `true` is refused (it believed any client's `X-Forwarded-For`).
    #[serde(default)]
    pub trust_proxy_headers: Option<bool>,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR blocks.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    pub login_failures_free: u32,
    pub login_delay_max_secs: u64,
    pub auth: Vec<String>,
    pub signup: Vec<String>,
    pub upload: Vec<String>,
    pub default: Vec<String>,
    /// Empty: counters in the process; else the Redis every instance shares (O5). Secret: it may hold a password.
    #[serde(default = "no_redis")]
    pub redis_url: SecretString,
    #[serde(default = "default_redis_key_prefix")]
    pub redis_key_prefix: String,
}

fn no_redis() -> SecretString {
    SecretString::from(String::new())
}

fn default_redis_key_prefix() -> String {
    "seeg:rl:".to_owned()
}

impl RateLimitSettings {
    /// The shared Redis, when one is set: its URL checked (`redis://` only).
    pub fn redis(&self) -> anyhow::Result<Option<&str>> {
        let url = self.redis_url.expose_secret().trim();
        if url.is_empty() {
            return Ok(None);
        }
        if !url.starts_with("redis://") {
            bail!("rate_limit.redis_url : attendu redis://hôte[:port][/base] (rediss:// n'est pas pris en charge)");
        }
        if self.redis_key_prefix.is_empty() {
            bail!("rate_limit.redis_key_prefix : ne peut pas être vide");
        }
        Ok(Some(url))
    }

    /// The quotas, parsed (`"5/minute"`).
    pub fn config(&self) -> anyhow::Result<seeg_adapters_http::RateLimitConfig> {
        let parse = |name: &str, list: &[String]| -> anyhow::Result<Vec<seeg_adapters_http::Quota>> {
            list.iter()
                .map(|q| seeg_adapters_http::Quota::parse(q).map_err(|e| anyhow::anyhow!("rate_limit.{name} : {e}")))
                .collect()
        };
        if self.trust_proxy_headers == Some(true) {
            bail!(
                "rate_limit.trust_proxy_headers n'existe plus : listez les proxys de confiance dans \
                 rate_limit.trusted_proxies (adresses ou blocs CIDR)"
            );
        }
        let trusted_proxies = self
            .trusted_proxies
            .iter()
            .map(|p| {
                seeg_adapters_http::parse_trusted_proxy(p).map_err(|e| anyhow!("rate_limit.trusted_proxies : {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        if self.login_delay_max_secs == 0 {
            bail!("rate_limit.login_delay_max_secs : au moins 1 seconde");
        }
        Ok(seeg_adapters_http::RateLimitConfig {
            enabled: self.enabled,
            trusted_proxies,
            login_failures_free: self.login_failures_free,
            login_delay_max: std::time::Duration::from_secs(self.login_delay_max_secs),
            auth: parse("auth", &self.auth)?,
            signup: parse("signup", &self.signup)?,
            upload: parse("upload", &self.upload)?,
            default: parse("default", &self.default)?,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// May carry a password: never logged.
    pub url: SecretString,
    pub migrate_on_start: bool,
    pub max_connections: u32,
    /// How long a request waits for a connection of the pool (or for the database to accept one), in seconds (at
    /// least 1): past it, 503 `database_unavailable` (O7).
    pub acquire_timeout_secs: u64,
}

impl DatabaseSettings {
    /// The URL for the driver. The legacy `postgresql+asyncpg://` form is accepted.
    pub fn driver_url(&self) -> String {
        self.url.expose_secret().trim().replacen("postgresql+asyncpg://", "postgresql://", 1)
    }

    pub fn is_sqlite(&self) -> bool {
        self.url.expose_secret().trim_start().starts_with("sqlite:")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Local,
    Memory,
    Azure,
    S3,
}

/// `kind = "s3"`: a bucket on Amazon S3 or an S3-compatible server (`[storage.s3]`, `[lake.s3]`); the standard
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` and `AWS_ENDPOINT_URL` fill both.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// It must exist.
    pub bucket: String,
    pub region: String,
    /// Empty: AWS. Otherwise an S3-compatible server's `https://` (or, for that server only, `http://`) URL.
    pub endpoint: String,
    /// Empty with the secret: the machine's credentials (the `AWS_*` environment: ECS task role, EKS web identity,
    /// session token; else EC2 instance metadata).
    pub access_key_id: String,
    /// A secret: set it from the environment.
    pub secret_access_key: SecretString,
}

impl S3Settings {
    /// Refuses an S3 store without its bucket, with half a key, or with an endpoint that is no URL.
    fn validate(&self, section: &str) -> anyhow::Result<()> {
        if self.bucket.trim().is_empty() {
            bail!("{section}.kind = \"s3\" exige {section}.s3.bucket (le nom du bucket, qui doit exister)");
        }
        if self.access_key_id.trim().is_empty() != self.secret_access_key.expose_secret().trim().is_empty() {
            bail!(
                "{section}.s3.access_key_id et {section}.s3.secret_access_key (AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY) vont ensemble : renseignez les deux ou aucun"
            );
        }
        let endpoint = self.endpoint.trim();
        if !(endpoint.is_empty() || endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            bail!("{section}.s3.endpoint (AWS_ENDPOINT_URL) doit être une adresse http(s)://");
        }
        Ok(())
    }

    /// The adapter's view of these settings.
    pub fn location(&self) -> seeg_adapters_blob::S3Location {
        let filled = |value: &str| Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        seeg_adapters_blob::S3Location {
            bucket: self.bucket.trim().to_owned(),
            region: self.region.trim().to_owned(),
            endpoint: filled(&self.endpoint),
            access_key_id: filled(&self.access_key_id),
            secret_access_key: filled(self.secret_access_key.expose_secret()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    pub kind: StorageKind,
    pub path: PathBuf,
    /// `kind = "azure"`: an Azure Storage connection string (a secret: set it from the environment).
    pub azure_connection_string: SecretString,
    /// `kind = "azure"`: the container documents go to; created at start-up when missing.
    pub azure_container: String,
    /// `kind = "s3"`: the bucket (`[storage.s3]`).
    pub s3: S3Settings,
    /// The orphan-document sweep (`[storage.sweep]`).
    pub sweep: SweepSettings,
    /// The most a user may have stored, in MiB, that no application names yet (refused or interrupted requests),
    /// counted over the sweep's grace period; at least one whole submission.
    pub pending_quota_mib: u64,
    /// Where candidates' PDFs are parsed for the deep S11 check.
    pub pdf_inspection: PdfInspection,
    /// How long one child process may take to give its verdict (`pdf_inspection = "process"`), in seconds (at
    /// least 1); past it, the child is killed and the document refused as unreadable.
    pub pdf_inspection_timeout_secs: u64,
}

/// Where the deep S11 check parses a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PdfInspection {
    /// In a child process of its own (`seeg inspect-pdf`), limited in memory and CPU time: a hostile document
    /// that crashes or exhausts the parser costs that process only.
    Process,
    /// In the server's process: for the in-process test harness, whose executable has no `inspect-pdf` command.
    InProcess,
}

/// The orphan-document sweep: run in the server every `interval_secs` when `enabled`; `grace_hours` is the age
/// below which an object is always kept.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSettings {
    pub enabled: bool,
    pub interval_secs: u64,
    pub grace_hours: u32,
}

impl SweepSettings {
    pub fn grace(&self) -> anyhow::Result<seeg_application::documents_sweep::GracePeriod> {
        seeg_application::documents_sweep::GracePeriod::hours(self.grace_hours)
            .map_err(|e| anyhow!("storage.sweep.grace_hours : {e}"))
    }

    pub fn interval(&self) -> anyhow::Result<Duration> {
        if self.interval_secs == 0 {
            bail!("storage.sweep.interval_secs doit être positif");
        }
        Ok(Duration::from_secs(self.interval_secs))
    }
}

/// Housekeeping (`[housekeeping]`): run in the server every `interval_secs` when `enabled`, removing handled
/// outbox events, idempotency keys and expired tokens past their retention.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HousekeepingSettings {
    pub enabled: bool,
    pub interval_secs: u64,
    pub outbox_done_retention_days: u32,
    pub expired_tokens_retention_days: u32,
}

impl HousekeepingSettings {
    pub fn retention(&self) -> anyhow::Result<seeg_application::housekeeping::Retention> {
        use seeg_application::housekeeping::{Retention, RetentionOutOfRange};
        Retention::days(self.outbox_done_retention_days, self.expired_tokens_retention_days).map_err(|e| match e {
            RetentionOutOfRange::OutboxDone => anyhow!("housekeeping.outbox_done_retention_days : {e}"),
            RetentionOutOfRange::ExpiredTokens => anyhow!("housekeeping.expired_tokens_retention_days : {e}"),
        })
    }

    pub fn interval(&self) -> anyhow::Result<Duration> {
        if self.interval_secs == 0 {
            bail!("housekeeping.interval_secs doit être positif");
        }
        Ok(Duration::from_secs(self.interval_secs))
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.retention()?;
        self.interval()?;
        Ok(())
    }
}

/// Personal data (`[privacy]`, B7).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    pub retention: RetentionSettings,
}

/// The retention of inactive candidates' accounts (`[privacy.retention]`): run in the server every `interval_secs`
/// when `enabled`; accounts inactive for `inactive_after_days` are warned, then erased `warning_days` later.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    pub enabled: bool,
    pub inactive_after_days: u32,
    pub warning_days: u32,
    pub interval_secs: u64,
}

impl RetentionSettings {
    pub fn policy(&self) -> anyhow::Result<seeg_application::privacy::RetentionPolicy> {
        use seeg_application::privacy::{RetentionPolicy, RetentionPolicyOutOfRange};
        RetentionPolicy::days(self.inactive_after_days, self.warning_days).map_err(|e| match e {
            RetentionPolicyOutOfRange::InactiveAfter => anyhow!("privacy.retention.inactive_after_days : {e}"),
            RetentionPolicyOutOfRange::Warning => anyhow!("privacy.retention.warning_days : {e}"),
        })
    }

    pub fn interval(&self) -> anyhow::Result<Duration> {
        if self.interval_secs == 0 {
            bail!("privacy.retention.interval_secs doit être positif");
        }
        Ok(Duration::from_secs(self.interval_secs))
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.policy()?;
        self.interval()?;
        Ok(())
    }
}

impl StorageSettings {
    /// Refuses an Azure store without its connection string or container, an S3 one without its bucket.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.kind == StorageKind::Azure
            && (self.azure_connection_string.expose_secret().trim().is_empty()
                || self.azure_container.trim().is_empty())
        {
            bail!("storage.kind = \"azure\" exige storage.azure_connection_string et storage.azure_container");
        }
        if self.kind == StorageKind::S3 {
            self.s3.validate("storage")?;
        }
        self.sweep.grace()?;
        self.sweep.interval()?;
        self.upload_quota()?;
        self.pdf_inspection_timeout()?;
        Ok(())
    }

    /// `pdf_inspection_timeout_secs`, at least a second.
    pub fn pdf_inspection_timeout(&self) -> anyhow::Result<Duration> {
        if self.pdf_inspection_timeout_secs == 0 {
            bail!("storage.pdf_inspection_timeout_secs doit être positif");
        }
        Ok(Duration::from_secs(self.pdf_inspection_timeout_secs))
    }

    /// The quota of pending uploads: `pending_quota_mib` over the sweep's grace period.
    pub fn upload_quota(&self) -> anyhow::Result<seeg_application::applications::QuotaLimits> {
        let submission = seeg_domain::applications::DocumentLimits::default().max_total_bytes;
        let max_bytes = self.pending_quota_mib.saturating_mul(1024 * 1024);
        if max_bytes < submission {
            bail!(
                "storage.pending_quota_mib doit permettre au moins une candidature complète ({} Mio)",
                submission >> 20
            );
        }
        Ok(seeg_application::applications::QuotaLimits { max_bytes, window: self.sweep.grace()?.as_delta() })
    }
}

/// The data lake (`[lake]`, K4, R41): where the `application.submitted` export writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LakeSettings {
    /// Export to the lake: submissions, status changes and the webhook write export events and the relay runs
    /// them. Off: no export event is written (events written before wait in the outbox, then dead-letter).
    pub enabled: bool,
    pub kind: StorageKind,
    /// `kind = "local"`: the folder standing for the `raw` container.
    pub path: PathBuf,
    /// `kind = "azure"`: an Azure Storage connection string (legacy `AZURE_STORAGE_CONNECTION_STRING`; a secret).
    pub azure_connection_string: SecretString,
    /// `kind = "azure"`: the container (legacy `AZURE_STORAGE_CONTAINER`, `raw` by default); created at start-up
    /// when missing.
    pub azure_container: String,
    /// `kind = "s3"`: the bucket (`[lake.s3]`).
    pub s3: S3Settings,
}

impl LakeSettings {
    /// Refuses an Azure lake without its connection string or container, an S3 one without its bucket, and a
    /// local one without a folder.
    pub fn validate(&self) -> anyhow::Result<()> {
        match self.kind {
            StorageKind::Azure
                if self.azure_connection_string.expose_secret().trim().is_empty()
                    || self.azure_container.trim().is_empty() =>
            {
                bail!(
                    "lake.kind = \"azure\" exige lake.azure_connection_string (AZURE_STORAGE_CONNECTION_STRING) et \
                     lake.azure_container"
                )
            }
            StorageKind::Local if self.path.as_os_str().is_empty() => bail!("lake.kind = \"local\" exige lake.path"),
            StorageKind::S3 => self.s3.validate("lake"),
            _ => Ok(()),
        }
    }
}

/// The webhook `POST /api/v1/webhooks/application-submitted` (`[webhook]`, S9, legacy R40).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Serve the webhook. It answers 404 while `secret` is blank; `production` refuses a blank secret while this
    /// is on (S1).
    pub enabled: bool,
    /// The value callers send in `X-Webhook-Token` (legacy `WEBHOOK_SECRET`; a secret).
    pub secret: SecretString,
}

impl WebhookSettings {
    /// The secret the route checks, when the webhook is on and has one.
    pub fn active_secret(&self) -> Option<&str> {
        let secret = self.secret.expose_secret();
        (self.enabled && !secret.trim().is_empty()).then_some(secret)
    }
}

/// `/monitoring/metrics` (`[monitoring]`, issue 17).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonitoringSettings {
    /// The bearer token a Prometheus scraper sends instead of an admin's access token (a secret); blank: only
    /// admins read the metrics.
    pub scrape_token: SecretString,
}

impl MonitoringSettings {
    /// The scrape token, when one is set.
    pub fn active_scrape_token(&self) -> Option<&str> {
        let token = self.scrape_token.expose_secret();
        (!token.trim().is_empty()).then_some(token)
    }
}

/// The Azure Function told of every submission (`[azure_function]`, legacy R44), through the outbox.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AzureFunctionSettings {
    /// Its address (legacy `AZ_FUNC_ON_APP_SUBMITTED_URL`); blank: no call.
    pub url: String,
    /// Sent as the `code` query parameter when set (legacy `AZ_FUNC_ON_APP_SUBMITTED_KEY`; a secret).
    pub key: SecretString,
    /// Connection and whole-call limits (legacy: 10 s to connect, 60 s to read).
    pub connect_timeout_secs: u64,
    pub timeout_secs: u64,
}

/// The URL without its query: Azure's "function URL" carries the key as `?code=`.
impl std::fmt::Debug for AzureFunctionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureFunctionSettings")
            .field("url", &self.url.split('?').next().unwrap_or_default())
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("timeout_secs", &self.timeout_secs)
            .finish_non_exhaustive()
    }
}

impl AzureFunctionSettings {
    pub fn enabled(&self) -> bool {
        !self.url.trim().is_empty()
    }

    /// Refuses an address that is not http(s) and zero timeouts.
    pub fn validate(&self) -> anyhow::Result<()> {
        let url = self.url.trim();
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            bail!("azure_function.url (AZ_FUNC_ON_APP_SUBMITTED_URL) doit commencer par https:// ou http://");
        }
        if self.connect_timeout_secs == 0 || self.timeout_secs == 0 {
            bail!("azure_function.connect_timeout_secs et azure_function.timeout_secs doivent être positifs");
        }
        Ok(())
    }
}

/// The live notification streams (`[notifications]`, B3).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// Seconds between two keep-alives on an idle stream (an SSE comment, a WebSocket ping); a WebSocket client
    /// that reads nothing for twice as long is closed.
    pub heartbeat_secs: u64,
    /// How many streams one account may hold open at once in one process.
    pub max_streams_per_account: usize,
    /// How many streams one process holds open at once, all accounts together.
    pub max_streams: usize,
}

impl NotificationSettings {
    /// The streams' bounds.
    pub const fn limits(&self) -> seeg_application::live::LiveLimits {
        seeg_application::live::LiveLimits { per_account: self.max_streams_per_account, in_all: self.max_streams }
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(1..=300).contains(&self.heartbeat_secs) {
            bail!("notifications.heartbeat_secs doit être compris entre 1 et 300");
        }
        if !(1..=10_000).contains(&self.max_streams_per_account) {
            bail!("notifications.max_streams_per_account doit être compris entre 1 et 10000");
        }
        if !(1..=1_000_000).contains(&self.max_streams) {
            bail!("notifications.max_streams doit être compris entre 1 et 1000000");
        }
        Ok(())
    }
}

/// The weights of the evaluations' overall scores (`[evaluations]`, I6), in percent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSettings {
    pub protocol1: Protocol1WeightSettings,
    pub protocol2: Protocol2WeightSettings,
}

/// Protocol 1: documentary, MTP and interview parts (20/40/40 by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol1WeightSettings {
    pub documentary: u16,
    pub mtp: u16,
    pub interview: u16,
}

/// Protocol 2: the role QCM and the CODIR QCM (50/50 by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol2WeightSettings {
    pub qcm_role: u16,
    pub qcm_codir: u16,
}

impl EvaluationSettings {
    /// The weights, each protocol's percentages adding up to 100 (I6).
    pub fn weights(&self) -> anyhow::Result<seeg_domain::evaluations::EvaluationWeights> {
        let (p1, p2) = (&self.protocol1, &self.protocol2);
        let protocol1 = seeg_domain::evaluations::Protocol1Weights::new(p1.documentary, p1.mtp, p1.interview)
            .map_err(|e| anyhow!("evaluations.protocol1 (documentary, mtp, interview) : {e}"))?;
        let protocol2 = seeg_domain::evaluations::Protocol2Weights::new(p2.qcm_role, p2.qcm_codir)
            .map_err(|e| anyhow!("evaluations.protocol2 (qcm_role, qcm_codir) : {e}"))?;
        Ok(seeg_domain::evaluations::EvaluationWeights { protocol1, protocol2 })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxSettings {
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub batch_size: u32,
    /// Handlers of one batch running at once (one application's events still run in order).
    pub concurrency: usize,
    pub max_attempts: u32,
    pub base_delay_ms: u64,
    pub max_delay_secs: u64,
    pub lease_secs: u64,
}

impl OutboxSettings {
    pub fn policy(&self) -> anyhow::Result<seeg_domain::outbox::RetryPolicy> {
        seeg_domain::outbox::RetryPolicy::new(
            self.max_attempts,
            Duration::from_millis(self.base_delay_ms),
            Duration::from_secs(self.max_delay_secs),
        )
        .context("outbox : politique de reprise invalide")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Compact,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub level: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    pub otlp_endpoint: String,
    pub service_name: String,
}

impl TelemetrySettings {
    /// Whether spans are exported over OTLP (`otlp_endpoint` set).
    pub fn exports_traces(&self) -> bool {
        !self.otlp_endpoint.trim().is_empty()
    }
}

/// Where e-mails go: `.eml` files in a folder (default), an SMTP server, or nowhere (`memory`: kept in the process).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    Folder,
    Smtp,
    Memory,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    pub transport: MailTransport,
    pub folder: PathBuf,
    pub from_email: String,
    pub from_name: String,
    /// The front end's address: reset links point there.
    pub public_app_url: String,
    /// Where new access requests are announced (R37); empty: nowhere.
    pub support_email: String,
    pub smtp: SmtpSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: SecretString,
    /// Upgrade the connection with STARTTLS (legacy `SMTP_TLS`).
    pub starttls: bool,
    /// TLS from the first byte, usually port 465 (legacy `SMTP_SSL`).
    pub implicit_tls: bool,
    pub timeout_secs: u64,
}

impl MailSettings {
    /// Refuses a configuration that could not send anything.
    pub fn validate(&self) -> anyhow::Result<()> {
        EmailAddress::parse(self.from_email.trim()).map_err(|e| anyhow!("mail.from_email (MAIL_FROM_EMAIL) : {e}"))?;
        if !self.support_email.trim().is_empty() {
            EmailAddress::parse(self.support_email.trim())
                .map_err(|e| anyhow!("mail.support_email (SUPPORT_EMAIL) : {e}"))?;
        }
        let url = self.public_app_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
            bail!("mail.public_app_url (PUBLIC_APP_URL) doit être une adresse http(s)://");
        }
        if self.transport == MailTransport::Smtp {
            if self.smtp.host.trim().is_empty() {
                bail!("mail.transport = \"smtp\" exige mail.smtp.host (SMTP_HOST)");
            }
            if self.smtp.starttls && self.smtp.implicit_tls {
                bail!("mail.smtp : starttls (SMTP_TLS) et implicit_tls (SMTP_SSL) s'excluent, choisissez-en un");
            }
        }
        Ok(())
    }
}

/// A list given as a TOML list, a comma-separated string or a JSON array string (legacy `ALLOWED_ORIGINS`).
fn origins<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        List(Vec<String>),
        Text(String),
    }
    let list = match Raw::deserialize(deserializer)? {
        Raw::List(list) => list,
        Raw::Text(text) => match serde_json::from_str::<Vec<String>>(&text) {
            Ok(list) => list,
            Err(_) => text.split(',').map(str::to_owned).collect(),
        },
    };
    Ok(list.into_iter().map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect())
}

impl Settings {
    /// Reads the layers for `environment` from `config_dir` and the process environment (after `.env`).
    pub fn load(environment: Environment, config_dir: &Path) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML))
            .merge(Toml::file(config_dir.join(format!("{}.toml", environment.as_str()))));
        for (variable, key) in LEGACY_ALIASES.into_iter().chain(AWS_VARIABLES) {
            figment = figment.merge(Env::raw().only(&[variable]).map(move |_| key.into()));
        }
        // R39: a non-blank legacy connection string is what turned the export to Azure on.
        if std::env::var("AZURE_STORAGE_CONNECTION_STRING").is_ok_and(|v| !v.trim().is_empty()) {
            figment = figment.merge(Serialized::default("lake.kind", "azure"));
        }
        figment = figment.merge(Env::prefixed("APP__").split("__"));
        let mut settings: Self = figment.extract().context("configuration invalide")?;
        settings.environment = environment;
        settings.validate()?;
        Ok(settings)
    }

    /// With no `APP_ENV`, the process runs as development, which migrates at start-up and accepts a generated
    /// signing key: fine on the embedded SQLite database, never silently on a shared PostgreSQL one (S1). A
    /// deployment that names PostgreSQL must say which environment it is.
    pub fn refuse_implicit_environment(&self, named: Option<Environment>) -> anyhow::Result<()> {
        if named.is_none() && !self.database.is_sqlite() {
            bail!(
                "APP_ENV n'est pas défini alors que database.url désigne un serveur de base de données : précisez \
                 APP_ENV=production (ou development, test) ; sans APP_ENV, seule la base SQLite embarquée est acceptée"
            );
        }
        Ok(())
    }

    /// Refuses settings that would run unsafely (S1) or not at all.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.database.url.expose_secret().trim().is_empty() {
            bail!("database.url est vide (DATABASE_URL ou APP__DATABASE__URL)");
        }
        if self.environment == Environment::Production && self.database.is_sqlite() {
            bail!("production exige PostgreSQL : database.url ne peut pas être une base SQLite");
        }
        self.http.body_limits()?;
        for origin in &self.http.allowed_origins {
            let well_formed = origin == "*"
                || ((origin.starts_with("http://") || origin.starts_with("https://"))
                    && !origin.contains(char::is_whitespace)
                    && origin.split("://").nth(1).is_some_and(|host| !host.is_empty() && !host.contains('/')));
            if !well_formed {
                bail!("http.allowed_origins : origine invalide « {origin} » (attendu : https://hôte[:port] ou *)");
            }
        }
        let auth = &self.auth;
        if !(5..=1440).contains(&auth.access_token_minutes) || !(1..=90).contains(&auth.refresh_token_days) {
            bail!("auth : access_token_minutes doit être entre 5 et 1440, refresh_token_days entre 1 et 90");
        }
        if !(4..=31).contains(&auth.bcrypt_cost) {
            bail!("auth.bcrypt_cost doit être entre 4 et 31");
        }
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        if auth.bcrypt_concurrency > cores {
            bail!("auth.bcrypt_concurrency doit être entre 0 (automatique) et {cores} (les cœurs de la machine)");
        }
        if !(0..=19).contains(&auth.bcrypt_nice) {
            bail!("auth.bcrypt_nice doit être entre 0 (la priorité des requêtes) et 19 (la plus basse)");
        }
        if self.monitoring.active_scrape_token().is_some_and(|t| t.trim().len() < MIN_SECRET_BYTES) {
            bail!("monitoring.scrape_token doit faire au moins {MIN_SECRET_BYTES} octets (ou rester vide)");
        }
        let key = auth.secret_key.expose_secret();
        if !key.is_empty() && key.len() < MIN_SECRET_BYTES {
            bail!("auth.secret_key (SECRET_KEY) doit faire au moins {MIN_SECRET_BYTES} octets");
        }
        if self.environment == Environment::Production {
            if key.is_empty() {
                bail!("production exige auth.secret_key (SECRET_KEY), d'au moins {MIN_SECRET_BYTES} octets");
            }
            if auth.bcrypt_cost < 10 {
                bail!("production exige auth.bcrypt_cost ≥ 10");
            }
            if self.storage.pdf_inspection == PdfInspection::InProcess {
                bail!(
                    "production exige storage.pdf_inspection = \"process\" : un PDF hostile peut arrêter un \
                     serveur qui l'analyse lui-même"
                );
            }
            if self.webhook.enabled && self.webhook.active_secret().is_none_or(|s| s.trim().len() < MIN_SECRET_BYTES) {
                bail!(
                    "production exige webhook.secret (WEBHOOK_SECRET) d'au moins {MIN_SECRET_BYTES} octets tant que \
                     webhook.enabled est vrai (ou webhook.enabled = false)"
                );
            }
        }
        auth.bootstrap_admin()?;
        self.rate_limit.config()?;
        self.rate_limit.redis()?;
        if self.outbox.batch_size == 0 || self.outbox.lease_secs == 0 {
            bail!("outbox.batch_size et outbox.lease_secs doivent être positifs");
        }
        if self.database.acquire_timeout_secs == 0 {
            bail!("database.acquire_timeout_secs doit être d'au moins 1");
        }
        if self.database.max_connections < 2 {
            // O6: an export holds a connection for its application's lock while it reads through another.
            bail!("database.max_connections doit être au moins 2 (un export tient un verrou sur une connexion)");
        }
        if !(1..=64).contains(&self.outbox.concurrency) {
            bail!("outbox.concurrency doit être compris entre 1 et 64");
        }
        self.outbox.policy()?;
        self.mail.validate()?;
        self.storage.validate()?;
        self.housekeeping.validate()?;
        self.privacy.retention.validate()?;
        self.lake.validate()?;
        self.azure_function.validate()?;
        self.evaluations.weights()?;
        self.notifications.validate()?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail closures return figment::Error
mod tests {
    use super::*;
    use figment::Jail;

    fn load(jail: &Jail, env: Environment) -> anyhow::Result<Settings> {
        Settings::load(env, &jail.directory().join("config"))
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost_8000() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!((s.http.host.as_str(), s.http.port), ("127.0.0.1", 8000));
            assert!(s.database.is_sqlite());
            assert!(s.database.migrate_on_start);
            Ok(())
        });
    }

    #[test]
    fn legacy_aliases_apply_and_app_variables_win_over_them() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgresql+asyncpg://u:p@db/recruteur");
            jail.set_env("PORT", "9001");
            jail.set_env("ALLOWED_ORIGINS", "https://a.example, https://b.example/");
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!(s.database.driver_url(), "postgresql://u:p@db/recruteur");
            assert_eq!(s.http.port, 9001);
            assert_eq!(s.http.allowed_origins, ["https://a.example", "https://b.example"]);

            jail.set_env("APP__HTTP__PORT", "9002");
            jail.set_env("ALLOWED_ORIGINS", r#"["https://c.example"]"#);
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!(s.http.port, 9002);
            assert_eq!(s.http.allowed_origins, ["https://c.example"]);
            Ok(())
        });
    }

    #[test]
    fn the_lake_defaults_to_a_local_folder_and_legacy_azure_variables_switch_it() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert!(s.lake.enabled);
            assert_eq!((s.lake.kind, s.lake.path.as_path()), (StorageKind::Local, Path::new("./data/lake/raw")));
            assert_eq!(s.lake.azure_container, "raw");

            jail.set_env("AZURE_STORAGE_CONNECTION_STRING", "  ");
            assert_eq!(load(jail, Environment::Development).unwrap().lake.kind, StorageKind::Local, "blank: off");
            jail.set_env("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true");
            jail.set_env("AZURE_STORAGE_CONTAINER", "entrepot");
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!((s.lake.kind, s.lake.azure_container.as_str()), (StorageKind::Azure, "entrepot"));
            assert_eq!(s.lake.azure_connection_string.expose_secret(), "UseDevelopmentStorage=true");

            jail.set_env("APP__LAKE__KIND", "memory");
            assert_eq!(load(jail, Environment::Development).unwrap().lake.kind, StorageKind::Memory, "APP__ wins");
            jail.set_env("APP__LAKE__KIND", "azure");
            jail.set_env("AZURE_STORAGE_CONNECTION_STRING", "");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("lake.azure_connection_string"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn s3_stores_need_a_bucket_and_take_the_standard_aws_variables() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!((s.storage.s3.region.as_str(), s.lake.s3.bucket.as_str()), ("us-east-1", ""));

            jail.set_env("APP__STORAGE__KIND", "s3");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.kind = \"s3\" exige storage.s3.bucket"), "{error}");
            jail.set_env("APP__STORAGE__S3__BUCKET", "seeg-documents");
            jail.set_env("APP__LAKE__KIND", "s3");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("lake.kind = \"s3\" exige lake.s3.bucket"), "{error}");
            jail.set_env("APP__LAKE__S3__BUCKET", "seeg-raw");

            jail.set_env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("renseignez les deux ou aucun"), "{error}");
            jail.set_env("AWS_SECRET_ACCESS_KEY", "from-the-environment");
            jail.set_env("AWS_REGION", "eu-west-3");
            jail.set_env("AWS_ENDPOINT_URL", "http://127.0.0.1:9000");
            let s = load(jail, Environment::Development).unwrap();
            for (s3, bucket) in [(&s.storage.s3, "seeg-documents"), (&s.lake.s3, "seeg-raw")] {
                let location = s3.location();
                assert_eq!((location.bucket.as_str(), location.region.as_str()), (bucket, "eu-west-3"));
                assert_eq!(location.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
                assert_eq!(location.access_key_id.as_deref(), Some("AKIAEXAMPLE"));
                assert_eq!(location.secret_access_key.as_deref(), Some("from-the-environment"));
            }

            jail.set_env("APP__LAKE__S3__REGION", "af-south-1");
            assert_eq!(load(jail, Environment::Development).unwrap().lake.s3.region, "af-south-1", "APP__ wins");
            jail.set_env("AWS_ENDPOINT_URL", "127.0.0.1:9000");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("s3.endpoint (AWS_ENDPOINT_URL) doit être une adresse http(s)://"), "{error}");
            assert!(!error.contains("from-the-environment"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn legacy_mail_variables_reach_the_mail_settings() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!(s.mail.support_email, "support@seeg-talentsource.com");
            jail.set_env("SMTP_HOST", "smtp.seeg.ga");
            jail.set_env("SMTP_PORT", "465");
            jail.set_env("SMTP_USERNAME", "relay");
            jail.set_env("SMTP_PASSWORD", "from-the-environment");
            jail.set_env("SMTP_TLS", "false");
            jail.set_env("SMTP_SSL", "true");
            jail.set_env("MAIL_FROM_EMAIL", "rh@seeg-gabon.com");
            jail.set_env("MAIL_FROM_NAME", "SEEG RH");
            jail.set_env("PUBLIC_APP_URL", "https://talent.seeg.ga");
            jail.set_env("SUPPORT_EMAIL", "");
            let s = load(jail, Environment::Development).unwrap();
            let smtp = &s.mail.smtp;
            assert_eq!((smtp.host.as_str(), smtp.port, smtp.username.as_str()), ("smtp.seeg.ga", 465, "relay"));
            assert_eq!(smtp.password.expose_secret(), "from-the-environment");
            assert_eq!((smtp.starttls, smtp.implicit_tls), (false, true));
            assert_eq!((s.mail.from_email.as_str(), s.mail.from_name.as_str()), ("rh@seeg-gabon.com", "SEEG RH"));
            assert_eq!(s.mail.public_app_url, "https://talent.seeg.ga");
            assert_eq!(s.mail.support_email, "");

            jail.set_env("SUPPORT_EMAIL", "pas-une-adresse");
            assert!(load(jail, Environment::Development).unwrap_err().to_string().contains("SUPPORT_EMAIL"));
            Ok(())
        });
    }

    #[test]
    fn environment_file_overrides_defaults_and_unknown_keys_are_errors() {
        Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/test.toml", "[http]\nport = 0\n")?;
            assert_eq!(load(jail, Environment::Test).unwrap().http.port, 0);
            jail.create_file("config/test.toml", "[http]\nprot = 1\n")?;
            let error = format!("{:#}", load(jail, Environment::Test).unwrap_err());
            assert!(error.contains("prot"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn production_refuses_sqlite_and_accepts_postgres() {
        Jail::expect_with(|jail| {
            jail.set_env("APP__DATABASE__URL", "sqlite://./data/seeg.db");
            assert!(load(jail, Environment::Production).is_err());
            jail.set_env("APP__DATABASE__URL", "postgres://seeg@db/seeg");
            jail.set_env("SECRET_KEY", "k".repeat(MIN_SECRET_BYTES));
            jail.set_env("WEBHOOK_SECRET", "secret-du-webhook-assez-long-32-octets");
            let repository_config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config");
            let s = Settings::load(Environment::Production, &repository_config).unwrap();
            assert_eq!(s.log.format, LogFormat::Json);
            assert!(!s.database.migrate_on_start);
            Ok(())
        });
    }

    #[test]
    fn production_refuses_a_missing_or_short_secret_key_and_cheap_hashes() {
        Jail::expect_with(|jail| {
            jail.set_env("APP__DATABASE__URL", "postgres://seeg@db/seeg");
            let error = format!("{:#}", load(jail, Environment::Production).unwrap_err());
            assert!(error.contains("SECRET_KEY"), "{error}");
            jail.set_env("SECRET_KEY", "k".repeat(MIN_SECRET_BYTES - 1));
            let error = format!("{:#}", load(jail, Environment::Production).unwrap_err());
            assert!(error.contains("au moins 32 octets"), "{error}");
            jail.set_env("SECRET_KEY", "k".repeat(MIN_SECRET_BYTES));
            jail.set_env("APP__AUTH__BCRYPT_COST", "4");
            assert!(format!("{:#}", load(jail, Environment::Production).unwrap_err()).contains("bcrypt_cost"));
            jail.set_env("APP__AUTH__BCRYPT_COST", "12");
            jail.set_env("WEBHOOK_SECRET", "secret-du-webhook-assez-long-32-octets");
            jail.set_env("ACCESS_TOKEN_EXPIRE_MINUTES", "45");
            assert_eq!(load(jail, Environment::Production).unwrap().auth.access_token_minutes, 45);
            jail.set_env("APP__STORAGE__PDF_INSPECTION", "in_process");
            let error = format!("{:#}", load(jail, Environment::Production).unwrap_err());
            assert!(error.contains("storage.pdf_inspection"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn bcrypt_concurrency_is_the_cores_unless_set_and_bounded() {
        Jail::expect_with(|jail| {
            let cores = std::thread::available_parallelism().unwrap().get();
            assert_eq!(load(jail, Environment::Development).unwrap().auth.bcrypt_concurrency(), cores, "lowered");
            jail.set_env("APP__AUTH__BCRYPT_NICE", "0");
            let same_priority = load(jail, Environment::Development).unwrap().auth.bcrypt_concurrency();
            assert_eq!(same_priority, (cores - 1).max(1), "at the requests' priority: a core left to them");
            jail.set_env("APP__AUTH__BCRYPT_NICE", "10");
            jail.set_env("APP__AUTH__BCRYPT_CONCURRENCY", "1");
            assert_eq!(load(jail, Environment::Development).unwrap().auth.bcrypt_concurrency(), 1);
            // More hashes at once than cores would let a login storm take every one of them.
            jail.set_env("APP__AUTH__BCRYPT_CONCURRENCY", (cores + 1).to_string());
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("auth.bcrypt_concurrency"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn bcrypt_nice_is_a_nice_level() {
        Jail::expect_with(|jail| {
            assert_eq!(load(jail, Environment::Development).unwrap().auth.bcrypt_nice, 10);
            for wrong in ["-1", "20"] {
                jail.set_env("APP__AUTH__BCRYPT_NICE", wrong);
                let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
                assert!(error.contains("auth.bcrypt_nice"), "{wrong}: {error}");
            }
            jail.set_env("APP__AUTH__BCRYPT_NICE", "0");
            assert_eq!(load(jail, Environment::Development).unwrap().auth.bcrypt_nice, 0);
            Ok(())
        });
    }

    #[test]
    fn an_unnamed_environment_is_development_on_sqlite_only() {
        Jail::expect_with(|jail| {
            let embedded = load(jail, Environment::Development).unwrap();
            assert!(embedded.refuse_implicit_environment(None).is_ok());
            jail.set_env("DATABASE_URL", "postgresql://seeg@db/seeg");
            let served = load(jail, Environment::Development).unwrap();
            let error = format!("{:#}", served.refuse_implicit_environment(None).unwrap_err());
            assert!(error.contains("APP_ENV"), "{error}");
            assert!(served.refuse_implicit_environment(Some(Environment::Development)).is_ok(), "named: as asked");
            Ok(())
        });
    }

    #[test]
    fn production_refuses_an_enabled_webhook_without_its_secret() {
        Jail::expect_with(|jail| {
            jail.set_env("APP__DATABASE__URL", "postgres://seeg@db/seeg");
            jail.set_env("SECRET_KEY", "k".repeat(MIN_SECRET_BYTES));
            let error = format!("{:#}", load(jail, Environment::Production).unwrap_err());
            assert!(error.contains("WEBHOOK_SECRET"), "{error}");
            jail.set_env("WEBHOOK_SECRET", "   ");
            assert!(format!("{:#}", load(jail, Environment::Production).unwrap_err()).contains("WEBHOOK_SECRET"));
            jail.set_env("WEBHOOK_SECRET", "w".repeat(MIN_SECRET_BYTES - 1));
            let error = format!("{:#}", load(jail, Environment::Production).unwrap_err());
            assert!(error.contains("au moins 32 octets"), "{error}");
            jail.set_env("WEBHOOK_SECRET", "w".repeat(MIN_SECRET_BYTES));
            assert!(load(jail, Environment::Production).is_ok(), "32 bytes are enough");
            jail.set_env("WEBHOOK_SECRET", "secret-du-webhook-assez-long-32-octets");
            let s = load(jail, Environment::Production).unwrap();
            assert_eq!(s.webhook.active_secret(), Some("secret-du-webhook-assez-long-32-octets"));
            // Turned off, it needs no secret; development serves without one (the route then answers 404).
            jail.set_env("WEBHOOK_SECRET", "");
            jail.set_env("APP__WEBHOOK__ENABLED", "false");
            assert_eq!(load(jail, Environment::Production).unwrap().webhook.active_secret(), None);
            jail.set_env("APP__WEBHOOK__ENABLED", "true");
            assert_eq!(load(jail, Environment::Development).unwrap().webhook.active_secret(), None);
            Ok(())
        });
    }

    #[test]
    fn the_azure_function_reads_the_legacy_variables_and_refuses_a_bad_address() {
        Jail::expect_with(|jail| {
            assert!(!load(jail, Environment::Development).unwrap().azure_function.enabled(), "off by default");
            jail.set_env("AZ_FUNC_ON_APP_SUBMITTED_URL", "https://fonctions.example.net/api/on-submitted");
            jail.set_env("AZ_FUNC_ON_APP_SUBMITTED_KEY", "cle");
            let s = load(jail, Environment::Development).unwrap();
            assert!(s.azure_function.enabled());
            assert_eq!(s.azure_function.url, "https://fonctions.example.net/api/on-submitted");
            assert_eq!(s.azure_function.key.expose_secret(), "cle");
            assert_eq!((s.azure_function.connect_timeout_secs, s.azure_function.timeout_secs), (10, 60));
            jail.set_env("AZ_FUNC_ON_APP_SUBMITTED_URL", "ftp://fonctions.example.net");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("AZ_FUNC_ON_APP_SUBMITTED_URL"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn rate_limits_are_on_by_default_and_bad_quotas_refused() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert!(s.rate_limit.enabled);
            assert_eq!(s.rate_limit.config().unwrap().auth.len(), 2);
            jail.set_env("APP__RATE_LIMIT__ENABLED", "false");
            assert!(!load(jail, Environment::Development).unwrap().rate_limit.enabled);
            jail.set_env("APP__RATE_LIMIT__TRUSTED_PROXIES", r#"["10.0.0.0/8", "192.0.2.7"]"#);
            assert_eq!(
                load(jail, Environment::Development).unwrap().rate_limit.config().unwrap().trusted_proxies.len(),
                2
            );
            jail.set_env("APP__RATE_LIMIT__TRUSTED_PROXIES", r#"["10.0.0.0/33"]"#);
            let error = load(jail, Environment::Development).unwrap_err().to_string();
            assert!(error.contains("rate_limit.trusted_proxies"), "{error}");
            jail.set_env("APP__RATE_LIMIT__TRUSTED_PROXIES", "[]");
            jail.set_env("APP__RATE_LIMIT__TRUST_PROXY_HEADERS", "true");
            let error = load(jail, Environment::Development).unwrap_err().to_string();
            assert!(error.contains("trusted_proxies"), "the old key says what replaced it: {error}");
            jail.set_env("APP__RATE_LIMIT__TRUST_PROXY_HEADERS", "false");
            jail.set_env("APP__RATE_LIMIT__AUTH", r#"["5/fortnight"]"#);
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("rate_limit.auth"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn the_shared_rate_limit_store_is_off_by_default_and_its_url_checked() {
        Jail::expect_with(|jail| {
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!(s.rate_limit.redis().unwrap(), None, "counters in the process by default");
            assert_eq!(s.rate_limit.redis_key_prefix, "seeg:rl:");
            jail.set_env("APP__RATE_LIMIT__REDIS_URL", "redis://:secret@cache:6379/2");
            let s = load(jail, Environment::Development).unwrap();
            assert_eq!(s.rate_limit.redis().unwrap(), Some("redis://:secret@cache:6379/2"));
            assert!(!format!("{s:?}").contains("secret@"), "the URL's password never shows in a debug dump");
            for refused in ["rediss://cache:6380", "cache:6379", "http://cache"] {
                jail.set_env("APP__RATE_LIMIT__REDIS_URL", refused);
                let error = load(jail, Environment::Development).unwrap_err().to_string();
                assert!(error.contains("rate_limit.redis_url"), "{refused}: {error}");
            }
            jail.set_env("APP__RATE_LIMIT__REDIS_URL", "redis://cache");
            jail.set_env("APP__RATE_LIMIT__REDIS_KEY_PREFIX", "");
            let error = load(jail, Environment::Development).unwrap_err().to_string();
            assert!(error.contains("redis_key_prefix"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn malformed_cors_origins_are_refused_at_start_up() {
        Jail::expect_with(|jail| {
            for bad in ["localhost:3000", "https://", "https://a.example/path", "ftp://a.example"] {
                jail.set_env("APP__HTTP__ALLOWED_ORIGINS", bad);
                let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
                assert!(error.contains("origine invalide"), "{bad}: {error}");
            }
            jail.set_env("APP__HTTP__ALLOWED_ORIGINS", "*");
            assert_eq!(load(jail, Environment::Development).unwrap().http.allowed_origins, ["*"]);
            Ok(())
        });
    }

    #[test]
    fn the_bootstrap_admin_needs_both_settings_a_valid_address_and_a_strong_password() {
        Jail::expect_with(|jail| {
            assert!(load(jail, Environment::Development).unwrap().auth.bootstrap_admin().unwrap().is_none());

            jail.set_env("BOOTSTRAP_ADMIN_EMAIL", "Admin@SEEG-Gabon.com");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("renseignez les deux ou aucun"), "{error}");

            jail.set_env("BOOTSTRAP_ADMIN_PASSWORD", "faible");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("BOOTSTRAP_ADMIN_PASSWORD) : Le mot de passe doit"), "{error}");
            assert!(!error.contains("faible"), "the password is never repeated: {error}");

            jail.set_env("BOOTSTRAP_ADMIN_PASSWORD", "Motdepasse#2026");
            let (email, _) = load(jail, Environment::Development).unwrap().auth.bootstrap_admin().unwrap().unwrap();
            assert_eq!(email.as_str(), "admin@seeg-gabon.com");

            jail.set_env("APP__AUTH__BOOTSTRAP_ADMIN_EMAIL", "pas-une-adresse");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("BOOTSTRAP_ADMIN_EMAIL) : L'adresse e-mail"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn housekeeping_runs_hourly_keeps_handled_events_a_week_and_refuses_retentions_out_of_range() {
        Jail::expect_with(|jail| {
            let housekeeping = load(jail, Environment::Development).unwrap().housekeeping;
            assert!(housekeeping.enabled);
            assert_eq!(housekeeping.interval().unwrap(), Duration::from_secs(3600));
            assert_eq!(
                housekeeping.retention().unwrap(),
                seeg_application::housekeeping::Retention::days(7, 1).unwrap()
            );
            for (key, value, named) in [
                ("APP__HOUSEKEEPING__OUTBOX_DONE_RETENTION_DAYS", "0", "housekeeping.outbox_done_retention_days"),
                ("APP__HOUSEKEEPING__OUTBOX_DONE_RETENTION_DAYS", "3651", "housekeeping.outbox_done_retention_days"),
                (
                    "APP__HOUSEKEEPING__EXPIRED_TOKENS_RETENTION_DAYS",
                    "3651",
                    "housekeeping.expired_tokens_retention_days",
                ),
                ("APP__HOUSEKEEPING__INTERVAL_SECS", "0", "housekeeping.interval_secs"),
            ] {
                jail.set_env(key, value);
                let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
                assert!(error.contains(named), "{key}={value}: {error}");
                jail.set_env("APP__HOUSEKEEPING__OUTBOX_DONE_RETENTION_DAYS", "30");
                jail.set_env("APP__HOUSEKEEPING__EXPIRED_TOKENS_RETENTION_DAYS", "0");
                jail.set_env("APP__HOUSEKEEPING__INTERVAL_SECS", "600");
            }
            jail.set_env("APP__HOUSEKEEPING__ENABLED", "false");
            let housekeeping = load(jail, Environment::Development).unwrap().housekeeping;
            assert_eq!(
                (housekeeping.enabled, housekeeping.interval_secs, housekeeping.outbox_done_retention_days),
                (false, 600, 30)
            );
            assert_eq!(housekeeping.expired_tokens_retention_days, 0);
            Ok(())
        });
    }

    #[test]
    fn retention_warns_after_two_years_erases_a_month_later_and_refuses_periods_out_of_range() {
        Jail::expect_with(|jail| {
            let retention = load(jail, Environment::Development).unwrap().privacy.retention;
            assert!(retention.enabled);
            assert_eq!(retention.interval().unwrap(), Duration::from_secs(86_400));
            assert_eq!(retention.policy().unwrap(), seeg_application::privacy::RetentionPolicy::days(730, 30).unwrap());
            for (key, value, named) in [
                ("APP__PRIVACY__RETENTION__INACTIVE_AFTER_DAYS", "29", "privacy.retention.inactive_after_days"),
                ("APP__PRIVACY__RETENTION__INACTIVE_AFTER_DAYS", "3651", "privacy.retention.inactive_after_days"),
                ("APP__PRIVACY__RETENTION__WARNING_DAYS", "0", "privacy.retention.warning_days"),
                ("APP__PRIVACY__RETENTION__WARNING_DAYS", "366", "privacy.retention.warning_days"),
                ("APP__PRIVACY__RETENTION__INTERVAL_SECS", "0", "privacy.retention.interval_secs"),
            ] {
                jail.set_env(key, value);
                let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
                assert!(error.contains(named), "{key}={value}: {error}");
                jail.set_env("APP__PRIVACY__RETENTION__INACTIVE_AFTER_DAYS", "365");
                jail.set_env("APP__PRIVACY__RETENTION__WARNING_DAYS", "14");
                jail.set_env("APP__PRIVACY__RETENTION__INTERVAL_SECS", "3600");
            }
            jail.set_env("APP__PRIVACY__RETENTION__ENABLED", "false");
            let retention = load(jail, Environment::Development).unwrap().privacy.retention;
            assert_eq!(
                (retention.enabled, retention.inactive_after_days, retention.warning_days, retention.interval_secs),
                (false, 365, 14, 3600)
            );
            Ok(())
        });
    }

    #[test]
    fn the_document_sweep_runs_hourly_keeps_a_day_and_refuses_a_grace_out_of_range_or_a_zero_interval() {
        Jail::expect_with(|jail| {
            let sweep = load(jail, Environment::Development).unwrap().storage.sweep;
            assert!(sweep.enabled);
            assert_eq!(sweep.interval().unwrap(), Duration::from_secs(3600));
            assert_eq!(sweep.grace().unwrap().as_delta(), chrono::TimeDelta::hours(24));
            jail.set_env("APP__STORAGE__SWEEP__GRACE_HOURS", "0");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.sweep.grace_hours"), "{error}");
            jail.set_env("APP__STORAGE__SWEEP__GRACE_HOURS", "4294967295");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.sweep.grace_hours") && error.contains("87600"), "{error}");
            jail.set_env("APP__STORAGE__SWEEP__GRACE_HOURS", "48");
            jail.set_env("APP__STORAGE__SWEEP__INTERVAL_SECS", "0");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.sweep.interval_secs"), "{error}");
            jail.set_env("APP__STORAGE__SWEEP__INTERVAL_SECS", "600");
            jail.set_env("APP__STORAGE__SWEEP__ENABLED", "false");
            let sweep = load(jail, Environment::Development).unwrap().storage.sweep;
            assert_eq!((sweep.enabled, sweep.interval_secs, sweep.grace_hours), (false, 600, 48));
            Ok(())
        });
    }

    #[test]
    fn evaluation_weights_default_to_20_40_40_and_50_50_and_a_bad_sum_refuses_to_start() {
        Jail::expect_with(|jail| {
            let weights = load(jail, Environment::Development).unwrap().evaluations.weights().unwrap();
            assert_eq!(weights, seeg_domain::evaluations::EvaluationWeights::default());
            assert_eq!((weights.protocol1.percentages(), weights.protocol2.percentages()), ([20, 40, 40], [50, 50]));
            jail.set_env("APP__EVALUATIONS__PROTOCOL1__DOCUMENTARY", "30");
            jail.set_env("APP__EVALUATIONS__PROTOCOL1__INTERVIEW", "30");
            let weights = load(jail, Environment::Development).unwrap().evaluations.weights().unwrap();
            assert_eq!(weights.protocol1.percentages(), [30, 40, 30]);
            jail.set_env("APP__EVALUATIONS__PROTOCOL1__INTERVIEW", "31");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("evaluations.protocol1") && error.contains("somme vaut 100"), "{error}");
            jail.set_env("APP__EVALUATIONS__PROTOCOL1__INTERVIEW", "30");
            jail.set_env("APP__EVALUATIONS__PROTOCOL2__QCM_CODIR", "60");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("evaluations.protocol2") && error.contains("[50, 60]"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn the_pending_upload_quota_defaults_to_200_mib_over_the_grace_period_and_fits_one_submission() {
        Jail::expect_with(|jail| {
            let quota = load(jail, Environment::Development).unwrap().storage.upload_quota().unwrap();
            assert_eq!(quota.max_bytes, 200 * 1024 * 1024);
            assert_eq!(quota.window, chrono::TimeDelta::hours(24));
            jail.set_env("APP__STORAGE__SWEEP__GRACE_HOURS", "6");
            jail.set_env("APP__STORAGE__PENDING_QUOTA_MIB", "40");
            let quota = load(jail, Environment::Development).unwrap().storage.upload_quota().unwrap();
            assert_eq!((quota.max_bytes, quota.window), (40 * 1024 * 1024, chrono::TimeDelta::hours(6)));
            jail.set_env("APP__STORAGE__PENDING_QUOTA_MIB", "39");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.pending_quota_mib"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn pdfs_are_inspected_in_a_child_process_for_20_s_at_most_unless_told_otherwise() {
        Jail::expect_with(|jail| {
            let storage = load(jail, Environment::Development).unwrap().storage;
            assert_eq!(storage.pdf_inspection, PdfInspection::Process);
            assert_eq!(storage.pdf_inspection_timeout().unwrap(), Duration::from_secs(20));
            jail.set_env("APP__STORAGE__PDF_INSPECTION", "in_process");
            jail.set_env("APP__STORAGE__PDF_INSPECTION_TIMEOUT_SECS", "1");
            let storage = load(jail, Environment::Development).unwrap().storage;
            assert_eq!(storage.pdf_inspection, PdfInspection::InProcess);
            assert_eq!(storage.pdf_inspection_timeout().unwrap(), Duration::from_secs(1));
            jail.set_env("APP__STORAGE__PDF_INSPECTION_TIMEOUT_SECS", "0");
            let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
            assert!(error.contains("storage.pdf_inspection_timeout_secs"), "{error}");
            jail.set_env("APP__STORAGE__PDF_INSPECTION_TIMEOUT_SECS", "20");
            jail.set_env("APP__STORAGE__PDF_INSPECTION", "thread");
            assert!(load(jail, Environment::Development).is_err(), "an unknown mode is refused");
            Ok(())
        });
    }

    #[test]
    fn the_body_budget_and_timeout_have_bounds() {
        Jail::expect_with(|jail| {
            let (bytes, timeout) = load(jail, Environment::Development).unwrap().http.body_limits().unwrap();
            assert_eq!((bytes, timeout), (256 * 1024 * 1024, Duration::from_secs(600)));
            for (key, value) in [
                ("APP__HTTP__BODY_BUDGET_MIB", "0"),
                ("APP__HTTP__BODY_BUDGET_MIB", "17592186044416"),
                ("APP__HTTP__BODY_TIMEOUT_SECS", "0"),
            ] {
                jail.set_env(key, value);
                let error = format!("{:#}", load(jail, Environment::Development).unwrap_err());
                let setting = key.trim_start_matches("APP__HTTP__").to_lowercase();
                assert!(error.contains(&format!("http.{setting}")), "{key}={value}: {error}");
                jail.set_env("APP__HTTP__BODY_BUDGET_MIB", "256");
                jail.set_env("APP__HTTP__BODY_TIMEOUT_SECS", "600");
            }
            Ok(())
        });
    }

    #[test]
    fn app_env_values() {
        assert_eq!(Environment::parse("prod").unwrap(), Environment::Production);
        assert_eq!(Environment::parse("").unwrap(), Environment::Development);
        assert_eq!(Environment::parse("testing").unwrap(), Environment::Test);
        assert!(Environment::parse("staging").is_err());
    }
}
