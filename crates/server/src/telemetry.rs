//! Logs and traces: compact logs for people, JSON in production; OTLP traces only when an endpoint is set.
//! Span fields carry ids only, never personal data (S12). Every span of a request carries its `request.id`, every
//! span of an outbox handler its event's `outbox.id` and `outbox.kind` (O4, `RootAttributes`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanProcessor};
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
            .with_span_processor(RootAttributes::new(BatchSpanProcessor::builder(exporter).build()))
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
        // The SQL spans (adapters-postgres) are made through the global provider, as children of the current
        // OpenTelemetry context, which context activation keeps equal to the entered tracing span.
        opentelemetry::global::set_tracer_provider(provider.clone());
        let layer = tracing_opentelemetry::layer().with_tracer(tracer).with_context_activation(true);
        (Some(layer), Some(provider))
    };
    tracing_subscriber::registry().with(filter).with(fmt).with(otel).try_init().context("journalisation")?;
    Ok(TelemetryGuard { provider })
}

/// The attributes a root span hands down to every span of its trace: the request id of `http.request`, the event
/// id and kind of `outbox.handle`. Ids only (S12).
const CARRIED: [&str; 3] = ["request.id", "outbox.id", "outbox.kind"];

/// Traces followed at once at most: a root span that never ends (a leaked span) cannot grow the map without bound;
/// past this, a new trace's spans go without the carried attributes (its root span keeps its own).
const MAX_FOLLOWED_TRACES: usize = 16_384;

/// Copies the `CARRIED` attributes of a trace's root span onto every span started in the same trace (the use cases,
/// the SQL statements, a handler's e-mail), then hands the spans to `next`. A root span is one without a parent; its
/// attributes are read once, when it starts, and forgotten when it ends. Spans of a trace whose root span already
/// ended (a task that outlived its request) go without them.
#[derive(Debug)]
struct RootAttributes<P> {
    next: P,
    roots: Mutex<HashMap<TraceId, Arc<[KeyValue]>>>,
}

impl<P> RootAttributes<P> {
    fn new(next: P) -> Self {
        Self { next, roots: Mutex::new(HashMap::new()) }
    }
}

impl<P: SpanProcessor> SpanProcessor for RootAttributes<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        use opentelemetry::trace::Span as _;
        let trace_id = span.span_context().trace_id();
        if cx.has_active_span() && cx.span().span_context().is_valid() {
            let carried = self.roots.lock().ok().and_then(|roots| roots.get(&trace_id).cloned());
            if let Some(carried) = carried {
                span.set_attributes(carried.iter().cloned());
            }
        } else if let Some(data) = span.exported_data() {
            let carried: Arc<[KeyValue]> =
                data.attributes.into_iter().filter(|kv| CARRIED.contains(&kv.key.as_str())).collect();
            if !carried.is_empty()
                && let Ok(mut roots) = self.roots.lock()
                && roots.len() < MAX_FOLLOWED_TRACES
            {
                roots.insert(trace_id, carried);
            }
        }
        self.next.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if span.parent_span_id == SpanId::INVALID
            && span.attributes.iter().any(|kv| CARRIED.contains(&kv.key.as_str()))
            && let Ok(mut roots) = self.roots.lock()
        {
            roots.remove(&span.span_context.trace_id());
        }
        self.next.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.next.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.next.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.next.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use opentelemetry::trace::{Span as _, Tracer as _};

    use super::*;

    /// Keeps the ended spans.
    #[derive(Debug, Clone, Default)]
    struct Recorded(Arc<Mutex<Vec<SpanData>>>);

    impl SpanProcessor for Recorded {
        fn on_start(&self, _span: &mut Span, _cx: &Context) {}
        fn on_end(&self, span: SpanData) {
            self.0.lock().unwrap().push(span);
        }
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
            Ok(())
        }
    }

    fn attribute(span: &SpanData, key: &str) -> Option<String> {
        span.attributes.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.to_string())
    }

    #[test]
    fn every_span_of_a_trace_carries_its_root_s_ids_and_the_root_is_forgotten_when_it_ends() {
        let recorded = Recorded::default();
        let provider = SdkTracerProvider::builder().with_span_processor(RootAttributes::new(recorded.clone())).build();
        let tracer = provider.tracer("test");

        let root = tracer.build(
            opentelemetry::trace::SpanBuilder::from_name("http.request")
                .with_attributes([KeyValue::new("request.id", "r-1"), KeyValue::new("http.method", "GET")]),
        );
        let root_cx = Context::current_with_span(root);
        let mut child = tracer.start_with_context("applications.submit", &root_cx);
        let child_cx = root_cx.with_span(tracer.start_with_context("db.query", &root_cx));
        let mut grandchild = tracer.start_with_context("db.query", &child_cx);
        grandchild.end();
        child.end();
        child_cx.span().end();
        root_cx.span().end();
        let mut unrelated = tracer.start("outbox.handle");
        unrelated.end();
        let mut late = tracer.start_with_context("late", &root_cx);
        late.end();

        let spans = recorded.0.lock().unwrap().clone();
        for name in ["http.request", "applications.submit", "db.query"] {
            for span in spans.iter().filter(|s| s.name == name) {
                assert_eq!(attribute(span, "request.id").as_deref(), Some("r-1"), "{name}");
                assert_eq!(
                    attribute(span, "http.method").is_some(),
                    name == "http.request",
                    "only the ids are carried"
                );
            }
        }
        let unrelated = spans.iter().find(|s| s.name == "outbox.handle").unwrap();
        assert_eq!(attribute(unrelated, "request.id"), None, "another trace");
        let late = spans.iter().find(|s| s.name == "late").unwrap();
        assert_eq!(attribute(late, "request.id"), None, "the root ended: forgotten");
    }
}
