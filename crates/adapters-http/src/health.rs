//! Health routes, public (fixes D9): `/health` for liveness, `/monitoring/health` for readiness with the legacy
//! `system` and `services` parts. Public, so they say nothing a stranger should not read: no address, no
//! connection string, no count of anything; the host's CPU and memory figures only (`system`).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/health").route(web::get().to(health)))
        .service(route("/monitoring/health").route(web::get().to(readiness)));
}

/// `GET /health`: the legacy shape, with the database's last answer (at most a second old: under load, one
/// request a second asks the database; readiness always asks).
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `degraded` when the database does not answer.
    #[schema(example = "ok")]
    pub status: &'static str,
    pub message: &'static str,
    pub version: String,
    /// `connected` or `disconnected`.
    pub database: &'static str,
    pub pdf_storage: &'static str,
    pub timestamp: DateTime<Utc>,
}

/// `GET /monitoring/health`: whether this instance can take traffic.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `healthy`, or `degraded` (and status 503) when a dependency is down.
    #[schema(example = "healthy")]
    pub status: &'static str,
    pub timestamp: DateTime<Utc>,
    pub version: String,
    pub environment: String,
    pub system: ReadinessSystem,
    pub services: ReadinessServices,
}

/// The host's CPU and memory (Linux `/proc`); each `null` where it cannot be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessSystem {
    /// Busy CPU time since the previous probe (since boot for the first), percent of all processors.
    pub cpu_percent: Option<f64>,
    /// Memory in use, percent of the host's total.
    pub memory_percent: Option<f64>,
    pub memory_used_mb: Option<u64>,
    /// Memory available without swapping.
    pub memory_available_mb: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessServices {
    pub api: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
    /// `up` or `down`: the document storage.
    pub storage: &'static str,
    /// `up`: the offer cache lives in this process (P2), so it is up while the process serves.
    pub cache: &'static str,
    /// Where the rate-limit counters are (O5): `in_process`, or `shared` (in Redis; while Redis fails each instance
    /// counts alone and stays ready: operators see it in `seeg_rate_limit_store_errors_total`).
    pub rate_limits: &'static str,
    pub monitoring: ReadinessMonitoring,
}

/// What the service reports to operators.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessMonitoring {
    /// `enabled`.
    pub metrics: &'static str,
    /// `enabled` when spans are exported over OTLP (`telemetry.otlp_endpoint`), else `disabled`.
    pub tracing: &'static str,
    /// `disabled`: Application Insights reads OTLP (or the logs); the service has no agent of its own.
    pub application_insights: &'static str,
}

const fn enabled(on: bool) -> &'static str {
    if on { "enabled" } else { "disabled" }
}

const fn up_down(up: bool) -> &'static str {
    if up { "up" } else { "down" }
}

/// Liveness: always 200 while the process serves; `status` says whether the database answered (its last answer,
/// at most `LIVENESS_MAX_AGE` old).
#[utoipa::path(get, path = "/health", operation_id = "health", tag = "Service", responses((status = 200, body = Health)))]
pub(crate) async fn health(state: web::Data<ApiState>) -> HttpResponse {
    let database = state.health.database().await;
    HttpResponse::Ok().json(Health {
        status: if database { "ok" } else { "degraded" },
        message: if database { "API is healthy" } else { "API is running but the database is unreachable" },
        version: state.info.version.clone(),
        database: if database { "connected" } else { "disconnected" },
        pdf_storage: "enabled",
        timestamp: state.clock.now(),
    })
}

/// Readiness: 200 when the database and the storage answer, 503 otherwise (load balancers stop routing here).
#[utoipa::path(
    get,
    path = "/monitoring/health",
    operation_id = "readiness",
    tag = "Service",
    responses((status = 200, body = Readiness), (status = 503, description = "Une dépendance ne répond pas", body = Readiness))
)]
pub(crate) async fn readiness(state: web::Data<ApiState>) -> HttpResponse {
    let report = state.health.report().await;
    let rate_limits = state.rate_limits.store_kind();
    let mut response = if report.ready() {
        HttpResponse::Ok()
    } else {
        let mut unavailable = HttpResponse::ServiceUnavailable();
        unavailable.insert_header((header::RETRY_AFTER, "5"));
        unavailable
    };
    // The probe's own shape rather than the F1 error body: health checkers read `services`.
    response.json(Readiness {
        status: if report.ready() { "healthy" } else { "degraded" },
        timestamp: state.clock.now(),
        version: state.info.version.clone(),
        environment: state.info.environment.clone(),
        system: {
            let figures = state.system.read();
            ReadinessSystem {
                cpu_percent: figures.cpu_percent,
                memory_percent: figures.memory_percent,
                memory_used_mb: figures.memory_used_mb,
                memory_available_mb: figures.memory_available_mb,
            }
        },
        services: ReadinessServices {
            api: "up",
            database: up_down(report.database),
            storage: up_down(report.storage),
            cache: "up",
            rate_limits,
            monitoring: ReadinessMonitoring {
                metrics: "enabled",
                tracing: enabled(state.info.tracing),
                application_insights: "disabled",
            },
        },
    })
}
