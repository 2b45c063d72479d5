//! The HTTP adapter: actix-web routes, request/response DTOs, the error mapping, OpenAPI and the middleware every
//! response goes through. The only ring that knows status codes.
//!
//! One module per capability (`applications/`, `auth/`, `offers/`, …) registers its routes and holds its
//! handlers; what several of them need sits below them, in modules that name no capability (`params`,
//! `envelope`, `error`, `state`, …). No module imports from a module that imports it back:
//! `tests/no_import_cycles.rs` checks the graph of the top-level modules.

// Capabilities: each registers its routes and holds their handlers, bodies and error mappings. `docs` describes
// them all.
mod about;
mod admin;
mod analytics;
mod applications;
mod auth;
mod dashboards;
mod docs;
mod emails;
mod evaluations;
mod health;
mod interviews;
mod live;
mod monitoring;
mod notifications;
mod offers;
mod rendered;
pub use rendered::{OfferBodies, RenderedOnce};
mod users;
mod webhooks;

// What the capabilities share, and the middleware; none of these names a capability.
mod body;
mod budget;
mod envelope;
mod error;
mod error_codes;
mod exposition;
mod fields;
mod host;
mod idempotency;
mod middleware;
mod params;
mod rate_limit;
mod request_id;
mod routing;
mod scrape;
mod slow_bodies;
mod state;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::{App, Error, web};

pub use auth::Caller;
pub use budget::BodyBudget;
pub use docs::openapi;
pub use envelope::TOTAL_COUNT_HEADER;
pub use error::{ApiError, ErrorBody, ErrorCode, FieldError};
pub use error_codes::{catalogue_table, errors_page};
pub use exposition::MetricsExporter;
pub use host::SystemProbe;
pub use idempotency::IDEMPOTENCY_KEY_HEADER;
pub use rate_limit::{
    Class as RateLimitClass, LoginCount, LoginDelays, LoginKeys, LoginOutcome, LoginReservation, ManualClock,
    MemoryRateLimits, Quota, RateLimitConfig, RateLimitStore, RateLimiter, RedisRateLimits, RedisSetupError,
    Verdict as RateLimitVerdict, parse_trusted_proxy,
};
pub use request_id::REQUEST_ID_HEADER;
pub use state::{ApiState, HttpConfig, LiveEndpoints, MetricsEndpoint, SecretToken, ServiceInfo, WebhookToken};
pub use webhooks::WEBHOOK_TOKEN_HEADER;

/// The largest JSON or form body accepted outside document uploads.
const JSON_LIMIT: usize = 64 * 1024;

/// The whole application: routes, CORS, request ids, security headers and JSON errors.
///
/// Takes the config by value: the returned type may not borrow from the caller (one app per worker thread).
#[allow(clippy::needless_pass_by_value)]
pub fn app(
    state: ApiState,
    config: HttpConfig,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    let document = state.api_document.clone();
    App::new()
        .app_data(web::Data::new(state))
        .app_data(web::QueryConfig::default().error_handler(|error, _| params::query_error(&error).into()))
        .app_data(web::PathConfig::default().error_handler(|error, _| params::path_error(&error).into()))
        .app_data(body::json_config(JSON_LIMIT))
        .app_data(web::Data::new(slow_bodies::BodyDeadlines {
            small: config.small_body_timeout,
            large: config.large_body_timeout,
        }))
        .app_data(
            web::FormConfig::default().limit(JSON_LIMIT).error_handler(|error, _| body::form_error(&error).into()),
        )
        // First: `/api/v1/notifications/stream` and `/ws` are not notification ids.
        .configure(live::configure)
        .configure(offers::configure)
        .configure(applications::configure)
        .configure(dashboards::configure)
        .configure(analytics::configure)
        .configure(evaluations::configure)
        .configure(auth::configure)
        .configure(users::configure)
        .configure(admin::configure)
        .configure(webhooks::configure)
        .configure(interviews::configure)
        .configure(notifications::configure)
        .configure(emails::configure)
        .configure(health::configure)
        .configure(scrape::configure)
        .configure(monitoring::configure)
        .configure(about::configure)
        .configure(|cfg| docs::configure(cfg, document))
        .default_service(web::to(routing::route_not_found))
        // Innermost: the body a handler reads, after the idempotency layer may have read and put it back.
        .wrap(actix_web::middleware::from_fn(body::guard_body))
        // A query that is not UTF-8 once decoded is refused before any route reads it lossily.
        .wrap(actix_web::middleware::from_fn(params::guard_query))
        // Inside the rate limits: a refused request never touches the key store.
        .wrap(actix_web::middleware::from_fn(idempotency::replay))
        // Every body within its deadline (O8), the idempotency layer's reading included.
        .wrap(actix_web::middleware::from_fn(slow_bodies::limit))
        // Inside CORS, so a refusal still carries the CORS headers a browser needs to read it.
        .wrap(actix_web::middleware::from_fn(rate_limit::limit::<ApiState>))
        .wrap(cors(&config))
        // Outermost, so that every response, CORS refusals included, carries the request id and headers.
        .wrap(actix_web::middleware::from_fn(middleware::request_context))
}

/// CORS from configuration (S13): explicit origins with credentials, or `*` without them.
fn cors(config: &HttpConfig) -> Cors {
    // A foreign origin simply gets no CORS headers (the browser refuses the response), rather than an error.
    let base = Cors::default()
        .block_on_origin_mismatch(false)
        .allow_any_method()
        .allow_any_header()
        .expose_headers([
            header::HeaderName::from_static("x-total-count"),
            header::HeaderName::from_static(REQUEST_ID_HEADER),
        ])
        .max_age(3600);
    if config.allowed_origins.iter().any(|o| o == "*") {
        return base.allow_any_origin().send_wildcard();
    }
    config.allowed_origins.iter().fold(base.supports_credentials(), |cors, origin| cors.allowed_origin(origin))
}
