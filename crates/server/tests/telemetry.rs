//! The OTLP exporter is really wired: with an endpoint configured, spans reach a collector (a loopback stand-in
//! here) as OTLP/HTTP protobuf. (Only one global subscriber per process, hence one test in this binary.)

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

use seeg_server::settings::{Environment, LogFormat, LogSettings, TelemetrySettings};

/// Accepts OTLP requests and reports (request line, content type, body) for each.
fn fake_collector() -> (String, mpsc::Receiver<(String, String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let (mut length, mut content_type) = (0, String::new());
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line.trim().is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "content-type" => value.trim().clone_into(&mut content_type),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").unwrap();
            let _ = sender.send((request_line.trim().to_owned(), content_type, body));
        }
    });
    (endpoint, received)
}

#[test]
fn spans_are_exported_over_otlp_http_when_an_endpoint_is_set() {
    let (endpoint, received) = fake_collector();
    let log = LogSettings { format: LogFormat::Compact, level: "info".into() };
    let telemetry = TelemetrySettings { otlp_endpoint: endpoint, service_name: "seeg-telemetry-test".into() };
    let guard = seeg_server::telemetry::init(&log, &telemetry, Environment::Production).unwrap();

    tracing::info_span!("outbox.handle", outbox.kind = "test.kind").in_scope(|| tracing::info!("inside"));
    drop(guard); // shutdown flushes the batch

    let (request_line, content_type, body) = received.recv_timeout(Duration::from_secs(10)).expect("no export");
    assert_eq!(request_line, "POST /v1/traces HTTP/1.1");
    assert_eq!(content_type, "application/x-protobuf");
    let contains = |needle: &str| body.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(contains("outbox.handle"), "the span name is in the export");
    assert!(contains("seeg-telemetry-test"), "the service name is in the resource");
    for (key, value) in [("service.version", env!("CARGO_PKG_VERSION")), ("deployment.environment", "production")] {
        assert!(contains(key) && contains(value), "{key} = {value} is in the resource");
    }
}
