//! What the routes share: the use cases and ports, injected once at start-up, with the secrets and limits the
//! middleware reads (the webhook's token, the rate limiter).

use std::sync::Arc;

use seeg_application::health::HealthCheck;
use seeg_application::identity::{AccessRequestDesk, Accounts, AuditTrail, UserManagement, UserProvisioning};
use seeg_application::offers::{OfferCatalog, OfferDesk};
use seeg_application::{Clock, IdGenerator};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::budget::BodyBudget;
use crate::rate_limit::{Limits, RateLimiter};

/// Facts about the running service that the service routes (`/`, `/info`, `/monitoring/health`) report: never a
/// secret, an address or a connection string (D11 fixed).
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub version: String,
    /// `development`, `test` or `production`.
    pub environment: String,
    /// Whether spans are exported over OTLP (`telemetry.otlp_endpoint` set).
    pub tracing: bool,
    /// Whether the rate limits are on (S6; D10 fixed: `/info` says what is true).
    pub rate_limiting: bool,
    /// The database engine: `postgresql` or `sqlite`.
    pub database_engine: &'static str,
    /// Where documents are kept: `local`, `memory`, `azure` or `s3`.
    pub document_storage: &'static str,
    /// Whether the data-lake export runs (K4).
    pub lake_export: bool,
}

/// The use cases and ports every route may use.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub offers: OfferCatalog,
    /// Offers for signed-in users: reads with K3b, the recruiter side, search.
    pub offer_desk: OfferDesk,
    /// The offer bodies already written, by answer (P2).
    pub offer_bodies: crate::rendered::OfferBodies,
    pub accounts: Accounts,
    pub users: UserManagement,
    /// Forgot/reset password.
    pub password_resets: seeg_application::identity::PasswordResets,
    /// Account reads: `GET /users/` and `GET /users/{id}`.
    pub directory: seeg_application::identity::UserDirectory,
    pub audit: AuditTrail,
    /// Access requests: list, approve, reject, viewed (legacy §1.3).
    pub access_requests: AccessRequestDesk,
    /// `GET|PUT /users/me/profile` and the `candidate_profile` beside accounts.
    pub profiles: seeg_application::identity::CandidateProfiles,
    /// A candidate's application drafts, one per offer (`/applications/drafts/by-offer`).
    pub drafts: seeg_application::applications::drafts::Drafts,
    /// `POST /auth/create-user`.
    pub provisioning: UserProvisioning,
    /// `POST` and `GET /auth/verify-matricule`: the employees list checks (R4, S7).
    pub matricules: seeg_application::identity::MatriculeChecks,
    pub health: HealthCheck,
    /// `POST /applications/`.
    pub submissions: seeg_application::applications::Submissions,
    /// `PUT /applications/{id}` and the history notes (I5).
    pub pipeline: seeg_application::applications::ApplicationPipeline,
    /// Application and document reads, scoped to what the caller may see (S3).
    pub reads: seeg_application::applications::ApplicationReads,
    /// Deleting applications and documents, adding or replacing documents (I10).
    pub editing: seeg_application::applications::ApplicationEditing,
    /// `GET /applications/{id}/export/pdf`.
    pub dossiers: seeg_application::applications::ApplicationDossiers,
    /// Statistics and the dashboards' read models (`/applications/stats/*`, `/optimized/*`).
    pub dashboards: seeg_application::applications::ApplicationDashboards,
    /// `/analytics/*`: the funnel, the time to hire, the time in each stage (B5).
    pub analytics: seeg_application::analytics::RecruitmentAnalytics,
    /// `/interviews/slots` and `/interviews/stats/overview` (I7).
    pub interviews: seeg_application::interviews::InterviewSlots,
    /// The live notification streams (B3).
    pub live: LiveEndpoints,
    /// The caller's own notifications: list, read, mark read, counts (legacy §1.9).
    pub notifications: seeg_application::notifications::Notifications,
    /// Evaluations of applications, protocols 1 and 2, and their statistics (I6).
    pub evaluations: seeg_application::evaluations::Evaluations,
    /// `POST /webhooks/application-submitted`: queued exports (S9).
    pub export_requests: seeg_application::applications::ExportRequests,
    /// The webhook's secret; `None`: the webhook route answers 404 (S9).
    pub webhook_token: Option<WebhookToken>,
    /// `/admin/outbox`: counters and replays.
    pub outbox_desk: seeg_application::outbox::OutboxDesk,
    /// `/monitoring/stats`: the service's figures, for admins.
    pub service_stats: seeg_application::service_stats::ServiceStats,
    /// The host's CPU and memory, for `/monitoring/health`.
    pub system: crate::host::SystemProbe,
    /// `Idempotency-Key` replays (I4).
    pub idempotency: seeg_application::idempotency::IdempotentRequests,
    /// `/emails/*` and the e-mail preferences.
    pub mail: seeg_application::mail::MailDesk,
    /// The personal-data export (B7).
    pub exports: seeg_application::privacy::PersonalDataExports,
    /// The erasure of accounts (B7).
    pub erasures: seeg_application::privacy::AccountErasure,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub info: ServiceInfo,
    /// One table for every worker thread.
    pub rate_limits: Arc<RateLimiter>,
    /// The memory large bodies (documents) may hold at once.
    pub body_budget: BodyBudget,
    /// `/openapi.json`, once written.
    pub api_document: crate::rendered::RenderedOnce,
    /// `/monitoring/metrics`.
    pub metrics: MetricsEndpoint,
}

impl Limits for ApiState {
    fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limits
    }

    fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn tokens(&self) -> &seeg_application::identity::TokenService {
        self.accounts.tokens()
    }
}

/// A configured shared secret (the webhook's, the metrics scraper's), kept as its SHA-256 digest: comparing
/// digests in constant time reveals neither the secret's bytes nor its length.
#[derive(Clone)]
pub struct SecretToken([u8; 32]);

/// The webhook's secret (S9).
pub type WebhookToken = SecretToken;

impl SecretToken {
    /// `None` for a blank secret: the webhook is then off. Surrounding whitespace is not part of the secret (a
    /// secret file's final newline; HTTP strips it from header values too).
    pub fn new(secret: &str) -> Option<Self> {
        let secret = secret.trim();
        (!secret.is_empty()).then(|| Self(Sha256::digest(secret.as_bytes()).into()))
    }

    /// Whether `presented` is the secret, compared in constant time.
    pub(crate) fn accepts(&self, presented: &[u8]) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.trim_ascii()).into();
        self.0.ct_eq(&presented).into()
    }
}

impl std::fmt::Debug for WebhookToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookToken(…)")
    }
}

/// How the HTTP layer is configured.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// CORS origins allowed to call the API; `*` allows any origin, without credentials.
    pub allowed_origins: Vec<String>,
    /// How long a body may take to arrive per 64 KiB declared (every route's but the uploads', O8).
    pub small_body_timeout: std::time::Duration,
    /// How long any other body may take to arrive (O8): the uploads' `http.body_timeout_secs`.
    pub large_body_timeout: std::time::Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            small_body_timeout: std::time::Duration::from_secs(30),
            large_body_timeout: std::time::Duration::from_secs(600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookToken;

    #[test]
    fn only_the_exact_secret_is_accepted_and_a_blank_one_turns_the_webhook_off() {
        let token = WebhookToken::new("s3cret-du-webhook").expect("a secret");
        assert!(token.accepts(b"s3cret-du-webhook"));
        assert!(token.accepts(b" s3cret-du-webhook\t"), "surrounding whitespace is not the secret's");
        for wrong in ["", "s3cret-du-webhoo", "s3cret-du-webhook-", "S3CRET-DU-WEBHOOK", "autre", "s3cret-dü-webhook"]
        {
            assert!(!token.accepts(wrong.as_bytes()), "{wrong:?}");
        }
        // A secret file's final newline is not part of it.
        assert!(WebhookToken::new("s3cret-du-webhook\n").unwrap().accepts(b"s3cret-du-webhook"));
        assert!(WebhookToken::new("").is_none());
        assert!(WebhookToken::new("   ").is_none());
        assert_eq!(format!("{token:?}"), "WebhookToken(…)");
    }
}

/// The live notification streams' part of the API state (B3).
#[derive(Debug, Clone)]
pub struct LiveEndpoints {
    /// The process's live notifications.
    pub hub: seeg_application::live::LiveNotifications,
    /// Between two keep-alives on an idle stream.
    pub heartbeat: std::time::Duration,
}

/// What `/monitoring/metrics` needs: the snapshot's use case, the exposition and the scraper's token.
#[derive(Debug, Clone)]
pub struct MetricsEndpoint {
    pub monitoring: seeg_application::monitoring::Monitoring,
    pub exporter: crate::exposition::MetricsExporter,
    /// `monitoring.scrape_token`; `None`: only an admin's token opens the route.
    pub scrape_token: Option<SecretToken>,
}
