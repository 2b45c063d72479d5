//! Logs and traces: compact logs for people, JSON in production; OTLP traces only when an endpoint is set.
//! Span fields carry ids only, never personal data (S12).

use anyhow::Context as _;
use opentelemetry::KeyValue;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

use crate::settings::{Environment, LogFormat, LogSettings, TelemetrySettings};

/// Keeps the trace exporter alive; flushes it when dropped.
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("traces non exportées à l'arrêt : {error}");
        }
    }
}

/// Installs the global subscriber. Call once, before anything logs. Exported spans carry `service.name`,
/// `service.version` (this release) and `deployment.environment` (`environment`).
pub fn init(
    log: &LogSettings,
    telemetry: &TelemetrySettings,
    environment: Environment,
) -> anyhow::Result<TelemetryGuard> {
    let filter = EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&log.level)).context("log.level")?;
    let fmt = match log.format {
        LogFormat::Json => tracing_subscriber::fmt::layer().json().flatten_event(true).with_current_span(true).boxed(),
        LogFormat::Compact => tracing_subscriber::fmt::layer().compact().with_target(false).boxed(),
    };
    let endpoint = telemetry.otlp_endpoint.trim();
    let (otel, provider) = if endpoint.is_empty() {
        (None, None)
    } else {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_endpoint(endpoint)
            .build()
            .context("exportateur OTLP")?;
        let provider = SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(
                Resource::builder()
                    .with_service_name(telemetry.service_name.clone())
                    .with_attributes([
                        KeyValue::new("service.version", env!("CARGO_PKG_VERSION")),
                        KeyValue::new("deployment.environment", environment.as_str()),
                    ])
                    .build(),
            )
            .build();
        let tracer = provider.tracer("seeg");
        (Some(tracing_opentelemetry::layer().with_tracer(tracer)), Some(provider))
    };
    tracing_subscriber::registry().with(filter).with(fmt).with(otel).try_init().context("journalisation")?;
    Ok(TelemetryGuard { provider })
}
