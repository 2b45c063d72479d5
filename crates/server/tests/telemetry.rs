//! The OTLP exporter is really wired: with an endpoint configured, spans reach a collector (a loopback stand-in
//! here) as OTLP/HTTP protobuf. (Only one global subscriber per process, hence one test in this binary.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::{Duration, Instant};

use seeg_server::settings::{Environment, LogFormat, LogSettings, TelemetrySettings};

#[test]
fn spans_are_exported_over_otlp_http_when_an_endpoint_is_set() {
    let (endpoint, received) = seeg_tests::otlp::receiver();
    let log = LogSettings { format: LogFormat::Compact, level: "info".into() };
    let telemetry = TelemetrySettings { otlp_endpoint: endpoint, service_name: "seeg-telemetry-test".into() };
    let guard = seeg_server::telemetry::init(&log, &telemetry, Environment::Production).unwrap();

    tracing::info_span!("outbox.handle", outbox.kind = "test.kind").in_scope(|| tracing::info!("inside"));
    drop(guard); // shutdown flushes the batch

    // The receiver keeps only `POST /v1/traces` of `application/x-protobuf` (it refuses anything else).
    let deadline = Instant::now() + Duration::from_secs(10);
    let body = loop {
        if let Some(body) = received.bodies().into_iter().next() {
            break body;
        }
        assert!(Instant::now() < deadline, "no export");
        std::thread::sleep(Duration::from_millis(20));
    };
    let contains = |needle: &str| body.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("outbox.handle"), "the span name is in the export");
    assert!(contains("seeg-telemetry-test"), "the service name is in the resource");
    for (key, value) in [("service.version", env!("CARGO_PKG_VERSION")), ("deployment.environment", "production")] {
        assert!(contains(key) && contains(value), "{key} = {value} is in the resource");
    }
}
