//! Issue 17: the spans a real `seeg serve` process exports over OTLP/HTTP, decoded with the protocol's own types by
//! a receiver on loopback: the resource names the service, a submission's request, use case and SQL statements are
//! one tree carrying the request id of its `X-Request-ID`, the e-mail it causes is sent under an `outbox.handle`
//! span carrying the event's ids, and no e-mail address, name or phone of the people involved is exported (S12, O4).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message as _;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::binary::{Serving, free_port, in_folders, signing_app};
use seeg_tests::eventually::eventually;
use seeg_tests::otlp::{Received, receiver};
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, on_backends};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_seeg");
const SERVICE: &str = "seeg-traces-test";

const EMAIL: &str = "awa.mbadinga@example.com";
const FIRST_NAME: &str = "Awanaelle";
const LAST_NAME: &str = "Mbadingatrace";
const PHONE: &str = "+241 07 99 88 77";

/// Every span the receiver got, with its resource's attributes.
fn spans(received: &Received) -> (Vec<HashMap<String, String>>, Vec<Span>) {
    let (mut resources, mut spans) = (Vec::new(), Vec::new());
    for body in received.bodies() {
        let request = ExportTraceServiceRequest::decode(body.as_slice()).expect("an OTLP trace export");
        for resource_spans in request.resource_spans {
            resources.push(attributes(&resource_spans.resource.unwrap_or_default().attributes));
            spans.extend(resource_spans.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    (resources, spans)
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        other => format!("{other:?}"),
    }
}

fn attributes(list: &[KeyValue]) -> HashMap<String, String> {
    list.iter().map(|kv| (kv.key.clone(), text(kv.value.as_ref()))).collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|kv| kv.key == key).map(|kv| text(kv.value.as_ref()))
}

/// Whether `ancestor` is `span`'s parent, or its parent's, and so on, among `spans`.
fn descends_from(span: &Span, ancestor: &Span, spans: &[Span]) -> bool {
    let mut parent = span.parent_span_id.clone();
    while !parent.is_empty() {
        if parent == ancestor.span_id {
            return true;
        }
        match spans.iter().find(|s| s.span_id == parent) {
            Some(next) => parent = next.parent_span_id.clone(),
            None => return false,
        }
    }
    false
}

/// The tree under `root`, one span a line, indented by depth (printed for a reader of the test's output).
fn tree(root: &Span, spans: &[Span], depth: usize, out: &mut String) {
    let ids: Vec<String> = ["request.id", "outbox.kind", "db.operation"]
        .iter()
        .filter_map(|k| attribute(root, k).map(|v| format!("{k}={v}")))
        .collect();
    writeln!(out, "{}{} [{}]", "  ".repeat(depth), root.name, ids.join(" ")).unwrap();
    let mut children: Vec<&Span> = spans.iter().filter(|s| s.parent_span_id == root.span_id).collect();
    children.sort_by_key(|s| s.start_time_unix_nano);
    for child in children {
        tree(child, spans, depth + 1, out);
    }
}

async fn serve(dir: &Path, url: &str, key: &str, endpoint: &str) -> Serving {
    let port = free_port();
    let mut command = seeg_tests::binary::serve(BIN, dir, port, url);
    in_folders(&mut command, dir)
        .env("APP__AUTH__SECRET_KEY", key)
        .env("APP__LAKE__KIND", "local")
        .env("APP__LAKE__PATH", dir.join("lake"))
        // The production filter: spans at `info` are exported.
        .env("APP__LOG__LEVEL", "info,sqlx=warn,sea_orm=warn,lopdf=error")
        .env("APP__TELEMETRY__OTLP_ENDPOINT", endpoint)
        .env("APP__TELEMETRY__SERVICE_NAME", SERVICE)
        // The batch exporter's delay (the SDK's own variable): exports follow each other closely.
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    Serving::start(command, port, dir.join("server.log")).await
}

async fn a_submission_is_one_trace_carrying_its_request_id_and_its_e_mail_is_sent_under_the_outbox_span(
    backend: Backend,
) {
    let (app, key) = signing_app(backend).await;
    app.insert_account_with(Role::Candidate, EMAIL, |u| {
        FIRST_NAME.clone_into(&mut u.first_name);
        LAST_NAME.clone_into(&mut u.last_name);
        u.phone = Some(PHONE.to_owned());
    })
    .await;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let db = app.stop().await;
    let dir = tempfile::tempdir().unwrap();
    let (endpoint, received) = receiver();
    let server = serve(dir.path(), &db.url, &key, &endpoint).await;
    let client = reqwest::Client::new();

    // Signing in over the real server (the address travels in the body), then submitting.
    let login = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200, "{}", server.output());
    let login_id = login.headers()["x-request-id"].to_str().unwrap().to_owned();
    let login: serde_json::Value = login.json().await.unwrap();
    let token = login["access_token"].as_str().unwrap().to_owned();
    let submitted = client
        .post(format!("{}/api/v1/applications/", server.base))
        .bearer_auth(&token)
        .json(&submission_body(&offer, FIRST_NAME))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 201, "{}", server.output());
    let request_id = submitted.headers()["x-request-id"].to_str().unwrap().to_owned();

    // The submission's e-mail is sent by this process's relay; its spans and the request's are exported.
    let (resources, spans) = eventually("the request's and the e-mail's spans exported", async || {
        let (resources, spans) = spans(&received);
        let request =
            spans.iter().any(|s| s.name == "http.request" && attribute(s, "request.id") == Some(request_id.clone()));
        let sent = spans.iter().any(|s| s.name == "mail.send");
        let handled = spans
            .iter()
            .any(|s| s.name == "outbox.handle" && attribute(s, "outbox.kind").as_deref() == Some("mail.send"));
        (request && sent && handled).then_some((resources, spans))
    })
    .await;

    // The resource names the service, its version and its environment.
    assert!(!resources.is_empty());
    for resource in &resources {
        assert_eq!(resource.get("service.name").map(String::as_str), Some(SERVICE), "{resource:?}");
        assert_eq!(resource.get("service.version").map(String::as_str), Some(env!("CARGO_PKG_VERSION")));
        assert_eq!(resource.get("deployment.environment").map(String::as_str), Some("development"));
    }

    // The request's trace: its root, the use case and the SQL statements under it, all with its request id.
    let root = spans
        .iter()
        .find(|s| s.name == "http.request" && attribute(s, "request.id").as_deref() == Some(request_id.as_str()))
        .unwrap();
    assert!(root.parent_span_id.is_empty(), "the request span is the trace's root");
    let trace: Vec<Span> = spans.iter().filter(|s| s.trace_id == root.trace_id).cloned().collect();
    let mut printed = String::new();
    tree(root, &trace, 0, &mut printed);
    eprintln!("the submission's trace ({backend:?}):\n{printed}");
    for span in &trace {
        assert_eq!(
            attribute(span, "request.id").as_deref(),
            Some(request_id.as_str()),
            "{} carries the request id",
            span.name
        );
        if span.span_id != root.span_id {
            assert!(descends_from(span, root, &trace), "{} descends from the request span", span.name);
        }
    }
    let submit = trace.iter().find(|s| s.name == "applications.submit").expect("the use case's span");
    let queries: Vec<&Span> = trace.iter().filter(|s| s.name == "db.query").collect();
    assert!(!queries.is_empty(), "the SQL statements' spans:\n{printed}");
    let system = if backend == Backend::Sqlite { "sqlite" } else { "postgresql" };
    let placeholder = if backend == Backend::Sqlite { "?" } else { "$1" };
    for query in &queries {
        assert_eq!(attribute(query, "db.system").as_deref(), Some(system));
        let statement = attribute(query, "db.statement").unwrap();
        let operation = attribute(query, "db.operation").unwrap();
        assert!(statement.to_ascii_uppercase().trim_start().starts_with(&operation), "{operation}: {statement}");
        assert!(query.start_time_unix_nano <= query.end_time_unix_nano);
    }
    let insert = queries
        .iter()
        .filter(|q| descends_from(q, submit, &trace))
        .map(|q| attribute(q, "db.statement").unwrap())
        .find(|s| s.starts_with("INSERT"))
        .expect("the submission's inserts, under the use case");
    assert!(insert.contains(placeholder), "values are bound, never written into the statement: {insert}");

    // The login is a trace of its own, with its use case, under its own request id.
    let login_root = spans
        .iter()
        .find(|s| s.name == "http.request" && attribute(s, "request.id").as_deref() == Some(login_id.as_str()))
        .unwrap();
    let login_span = spans.iter().find(|s| s.name == "auth.login").expect("the login's span");
    assert_eq!(login_span.trace_id, login_root.trace_id);
    assert_eq!(attribute(login_span, "request.id"), Some(login_id));

    // The e-mail: an `outbox.handle` trace of its own; every span in it carries the event's id and kind.
    let handled = spans
        .iter()
        .find(|s| s.name == "outbox.handle" && attribute(s, "outbox.kind").as_deref() == Some("mail.send"))
        .unwrap();
    let event = attribute(handled, "outbox.id").unwrap();
    let handling: Vec<Span> = spans.iter().filter(|s| s.trace_id == handled.trace_id).cloned().collect();
    let mut printed = String::new();
    tree(handled, &handling, 0, &mut printed);
    eprintln!("the e-mail's trace ({backend:?}):\n{printed}");
    let send = handling.iter().find(|s| s.name == "mail.send").expect("the e-mail's span under the handler's");
    assert!(descends_from(send, handled, &handling));
    for span in &handling {
        assert_eq!(attribute(span, "outbox.id").as_deref(), Some(event.as_str()), "{}", span.name);
        assert_eq!(attribute(span, "outbox.kind").as_deref(), Some("mail.send"), "{}", span.name);
        assert_eq!(attribute(span, "request.id"), None, "{}: a handler runs outside any request", span.name);
    }

    // Nobody's address, name or phone, in any byte exported (the referee's from the submission body included).
    let exported = received.bodies().concat();
    for personal in [EMAIL, "awa.mbadinga", FIRST_NAME, LAST_NAME, PHONE, "99 88 77", "Jean Obame", "jean@exemple.ga"] {
        assert!(!exported.windows(personal.len()).any(|w| w == personal.as_bytes()), "{personal} was exported");
    }
    for span in &spans {
        let events = span
            .events
            .iter()
            .flat_map(|e| std::iter::once(e.name.clone()).chain(attributes(&e.attributes).into_values()));
        let status = span.status.iter().map(|s| s.message.clone());
        for text in attributes(&span.attributes).into_values().chain(events).chain(status) {
            assert!(!text.contains('@'), "an address in {}: {text}", span.name);
        }
    }
}

on_backends!(Sqlite, Postgres => a_submission_is_one_trace_carrying_its_request_id_and_its_e_mail_is_sent_under_the_outbox_span);
