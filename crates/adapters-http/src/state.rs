//! What the routes share: the use cases, injected once at start-up.

use std::sync::Arc;

use seeg_application::health::HealthCheck;
use seeg_application::identity::{AccessRequestDesk, Accounts, AuditTrail, UserManagement, UserProvisioning};
use seeg_application::offers::{OfferCatalog, OfferDesk};
use seeg_application::{Clock, IdGenerator};

use crate::rate_limit::RateLimiter;

/// Facts about the running service that health routes report.
#[derive(Debug, Clone)]
pub struct ServiceInfo {
    pub version: String,
    /// `development`, `test` or `production`.
    pub environment: String,
}

/// The use cases and ports every route may use.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub offers: OfferCatalog,
    /// Offers for signed-in users: reads with K3b, the recruiter side, search.
    pub offer_desk: OfferDesk,
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
    /// `POST /webhooks/application-submitted`: queued exports (S9).
    pub export_requests: seeg_application::applications::ExportRequests,
    /// The webhook's secret; `None`: the webhook route answers 404 (S9).
    pub webhook_token: Option<crate::webhooks::WebhookToken>,
    /// `/admin/outbox`: counters and replays.
    pub outbox_desk: seeg_application::outbox::OutboxDesk,
    /// `Idempotency-Key` replays (I4).
    pub idempotency: seeg_application::idempotency::IdempotentRequests,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGenerator>,
    pub info: ServiceInfo,
    /// One table for every worker thread.
    pub rate_limits: Arc<RateLimiter>,
    /// The memory large bodies (documents) may hold at once.
    pub body_budget: crate::budget::BodyBudget,
}

/// How the HTTP layer is configured.
#[derive(Debug, Clone, Default)]
pub struct HttpConfig {
    /// CORS origins allowed to call the API; `*` allows any origin, without credentials.
    pub allowed_origins: Vec<String>,
}
