//! Live notifications over HTTP (B3, S10, R34): the SSE stream hears a notification another request wrote (and,
//! on PostgreSQL, one another server process wrote); `Last-Event-ID` resumes without loss; a stream ticket opens
//! the stream from a URL and nothing else; bad or missing credentials are refused before anything streams (the
//! legacy WebSocket before its upgrade); a blocked account loses its streams at once; an account's streams are
//! bounded.

use futures_util::{SinkExt as _, StreamExt as _};
use seeg_application::outbox::HandlerRegistry;
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::SignedIn;
use seeg_tests::live::{SseEvent, SseReader};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use uuid::Uuid;

const STREAM: &str = "/api/v1/notifications/stream";
const TICKET: &str = "/api/v1/notifications/stream/ticket";
const WS: &str = "/api/v1/notifications/ws";

/// A candidate with an application a recruiter can move (each move notifies the candidate).
struct World {
    app: TestApp,
    candidate: SignedIn,
    recruiter: String,
    admin: String,
    application: Uuid,
}

impl World {
    async fn new(backend: Backend) -> Self {
        Self::on(TestApp::spawn(backend).await).await
    }

    async fn on(app: TestApp) -> Self {
        let candidate = app.token_for(Role::Candidate, "awa@example.com").await;
        let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
        let job = app.open_offer("Ingénieur réseaux", OfferVisibility::Everyone).await;
        let application = app.seed_application(candidate.user.id, job.id, ApplicationStatus::Candidature).await.id;
        Self { app, candidate, recruiter, admin, application }
    }

    /// Moves the application (the candidate is notified).
    async fn move_to(&self, app: &TestApp, status: &str) {
        let path = format!("/api/v1/applications/{}", self.application);
        let moved = app.put_as(&self.recruiter, &path, &json!({"status": status})).await;
        assert_eq!(moved.status, 200, "{}", moved.body);
    }

    async fn open(&self, app: &TestApp, last_event_id: Option<&str>) -> reqwest::Response {
        let mut request = app.client.get(app.url(STREAM)).bearer_auth(&self.candidate.token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        request.send().await.expect("request")
    }

    async fn stream(&self, app: &TestApp, last_event_id: Option<&str>) -> SseReader {
        SseReader::new(self.open(app, last_event_id).await)
    }
}

fn assert_status_change(event: &SseEvent, status_label: &str) {
    assert_eq!(event.event, "notifications:new");
    assert_eq!(event.data["type"], "notifications:new");
    let notification = &event.data["notification"];
    assert_eq!(notification["type"], "application_status_changed");
    assert!(notification["message"].as_str().unwrap().contains(status_label), "{notification}");
    assert_eq!(notification["read"], false);
    assert!(event.id.is_some(), "a new notification carries its resume id");
}

async fn the_stream_hears_what_another_request_writes_and_resumes_without_loss(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let mut stream = w.stream(app, None).await;
    let first = stream.next().await.unwrap();
    assert_eq!(
        (first.event.as_str(), &first.data),
        ("notifications:unread_count", &json!({"type": "notifications:unread_count", "count": 0}))
    );

    w.move_to(app, "incubation").await;
    let incubation = stream.next().await.unwrap();
    assert_status_change(&incubation, "incubation");
    assert_eq!(incubation.data["notification"]["user_id"], json!(w.candidate.user.id));
    let count = stream.next().await.unwrap();
    assert_eq!(count.data, json!({"type": "notifications:unread_count", "count": 1}));

    // Disconnected: two moves happen meanwhile; resuming after the last event received brings both, in order.
    drop(stream);
    w.move_to(app, "entretien_programme").await;
    w.move_to(app, "refuse").await;
    let mut resumed = w.stream(app, incubation.id.as_deref()).await;
    assert_status_change(&resumed.next().await.unwrap(), "Entretien programmé");
    assert_status_change(&resumed.next().await.unwrap(), "Non retenue");
    assert_eq!(resumed.next().await.unwrap().data["count"], 3);

    // A fresh stream without Last-Event-ID starts from now.
    let mut fresh = w.stream(app, None).await;
    assert_eq!(fresh.next().await.unwrap().data["count"], 3);

    // Reading one, then all, is pushed too (R34), with the count.
    let id = incubation.data["notification"]["id"].as_str().unwrap().to_owned();
    let token = &w.candidate.token;
    assert_eq!(app.put_as(token, &format!("/api/v1/notifications/{id}/read"), &json!({})).await.status, 200);
    let updated = fresh.next().await.unwrap();
    assert_eq!(updated.data, json!({"type": "notifications:updated", "id": id}));
    assert_eq!(fresh.next().await.unwrap().data["count"], 2);
    assert_eq!(app.put_as(token, "/api/v1/notifications/read-all", &json!({})).await.status, 204);
    assert_eq!(fresh.next().await.unwrap().data, json!({"type": "notifications:updated_all"}));
    assert_eq!(fresh.next().await.unwrap().data["count"], 0);

    for bad in ["nope", "1.2", &format!("{}.{}", 1, Uuid::nil().simple())] {
        let refused = w.open(app, Some(bad)).await;
        assert_eq!(refused.status(), 422, "{bad}");
        let body: serde_json::Value = refused.json().await.unwrap();
        assert_eq!(body["code"], "validation_error");
        assert_eq!(body["errors"][0]["field"], "header.Last-Event-ID");
    }
}

async fn credentials_are_checked_before_anything_streams(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let status = |response: reqwest::Response| response.status().as_u16();
    assert_eq!(status(app.client.get(app.url(STREAM)).send().await.unwrap()), 401, "no credential");
    assert_eq!(status(app.client.get(app.url(STREAM)).bearer_auth("garbage").send().await.unwrap()), 401);
    let refresh = app.log_in("awa@example.com").await.refresh_token;
    assert_eq!(status(app.client.get(app.url(STREAM)).bearer_auth(&refresh).send().await.unwrap()), 401, "refresh");

    // A ticket opens the stream from a URL, and nothing else.
    let anonymous = app.client.post(app.url(TICKET)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let issued = app.post_as(&w.candidate.token, TICKET, &json!({})).await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    assert_eq!(issued.body["expires_in"], 60);
    let ticket = issued.body["ticket"].as_str().unwrap().to_owned();
    let url = app.url(&format!("{STREAM}?ticket={ticket}"));
    let mut stream = SseReader::new(app.client.get(&url).send().await.unwrap());
    assert_eq!(stream.next().await.unwrap().event, "notifications:unread_count");
    assert_eq!(app.get_as(&ticket, "/api/v1/users/me").await.status, 401, "a ticket is no access token");
    let access_in_url = app.url(&format!("{STREAM}?ticket={}", w.candidate.token));
    assert_eq!(status(app.client.get(&access_in_url).send().await.unwrap()), 401, "an access token is no ticket");
    assert_eq!(status(app.client.get(app.url(&format!("{STREAM}?ticket="))).send().await.unwrap()), 401);
    let forged = format!("{ticket}x");
    assert_eq!(status(app.client.get(app.url(&format!("{STREAM}?ticket={forged}"))).send().await.unwrap()), 401);
}

/// Every role streams its own notifications (and gets tickets); nobody streams another's.
async fn every_role_streams_its_own_notifications(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;
    for token in [&w.admin, &w.recruiter, &observer, &w.candidate.token] {
        let response = app.client.get(app.url(STREAM)).bearer_auth(token).send().await.unwrap();
        let mut stream = SseReader::new(response);
        assert_eq!(stream.next().await.unwrap().data["count"], 0, "own count, nothing of the candidate's yet");
        let issued = app.post_as(token, TICKET, &json!({})).await;
        assert_eq!(issued.status, 201, "{}", issued.body);
        let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(app, token)).await.unwrap();
        assert_eq!(next_text(&mut socket).await["count"], 0);
    }
    // The recruiter's status change notifies the candidate only: the recruiter's own stream hears nothing of it.
    let mut recruiters =
        SseReader::new(app.client.get(app.url(STREAM)).bearer_auth(&w.recruiter).send().await.unwrap());
    assert_eq!(recruiters.next().await.unwrap().data["count"], 0);
    let mut candidates = w.stream(app, None).await;
    assert_eq!(candidates.next().await.unwrap().data["count"], 0);
    w.move_to(app, "incubation").await;
    assert_status_change(&candidates.next().await.unwrap(), "incubation");
    let mine = app.get_as(&w.recruiter, "/api/v1/notifications/stats/unread-count").await;
    assert_eq!(mine.body["count"], 0, "the recruiter got no notification");
}

async fn a_blocked_account_loses_its_streams_at_once(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let mut stream = w.stream(app, None).await;
    assert_eq!(stream.next().await.unwrap().event, "notifications:unread_count");
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(app, &w.candidate.token)).await.unwrap();
    assert_eq!(next_text(&mut socket).await["type"], "notifications:unread_count");

    let path = format!("/api/v1/users/{}", w.candidate.user.id);
    let blocked = app.put_as(&w.admin, &path, &json!({"statut": "bloqué"})).await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);
    assert_eq!(stream.next().await, None, "the SSE stream ends");
    match tokio::time::timeout(std::time::Duration::from_secs(20), socket.next()).await.expect("closed within 20 s") {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1008),
        other => panic!("a policy close, not {other:?}"),
    }
    assert_eq!(w.open(app, None).await.status(), 401, "and cannot open another");
}

async fn an_accounts_streams_are_bounded(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.notifications.max_streams_per_account = 2;
        // A gone client is noticed when a keep-alive cannot be written.
        s.notifications.heartbeat_secs = 1;
    })
    .await;
    let w = World::on(app).await;
    let app = &w.app;
    let first = w.stream(app, None).await;
    let _second = w.stream(app, None).await;
    let third = w.open(app, None).await;
    assert_eq!(third.status(), 429);
    let body: serde_json::Value = third.json().await.unwrap();
    assert_eq!(body["code"], "too_many_streams");
    assert!(body["detail"].as_str().unwrap().contains("au plus 2"), "{body}");
    let refused = tokio_tungstenite::connect_async(ws_url(app, &w.candidate.token)).await;
    assert!(matches!(&refused, Err(WsError::Http(r)) if r.status() == 429), "{refused:?}");
    drop(first);
    // The closed stream's place is given back once the server sees the connection gone (at its next keep-alive).
    seeg_tests::eventually::eventually("a place freed", async || {
        let response = w.open(app, None).await;
        (response.status() == 200).then_some(())
    })
    .await;
}

fn ws_url(app: &TestApp, token: &str) -> String {
    format!("{}{WS}?token={token}", app.address.replace("http://", "ws://"))
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text frame, as JSON (pings answered by the client library).
async fn next_text(socket: &mut Socket) -> serde_json::Value {
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(20), socket.next())
            .await
            .expect("a frame within 20 s")
            .expect("the socket is open")
            .expect("a frame");
        if let Message::Text(text) = frame {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

async fn the_legacy_websocket_refuses_bad_tokens_before_the_upgrade_and_pushes_events(backend: Backend) {
    let w = World::new(backend).await;
    let app = &w.app;
    let base = app.address.replace("http://", "ws://");
    for url in [format!("{base}{WS}"), format!("{base}{WS}?token=garbage"), format!("{base}{WS}?token=")] {
        let refused = tokio_tungstenite::connect_async(&url).await;
        assert!(matches!(&refused, Err(WsError::Http(r)) if r.status() == 401), "{url}: {refused:?}");
    }

    // `?token=`, as today's front end connects.
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(app, &w.candidate.token)).await.unwrap();
    assert_eq!(next_text(&mut socket).await, json!({"type": "notifications:unread_count", "count": 0}));
    w.move_to(app, "incubation").await;
    let new = next_text(&mut socket).await;
    assert_eq!(new["type"], "notifications:new");
    assert_eq!(new["notification"]["type"], "application_status_changed");
    assert_eq!(next_text(&mut socket).await, json!({"type": "notifications:unread_count", "count": 1}));
    // What the client says is ignored; the socket stays.
    socket.send(Message::Text("bonjour".into())).await.unwrap();
    w.move_to(app, "entretien_programme").await;
    assert_eq!(next_text(&mut socket).await["type"], "notifications:new");

    // The token among the `Sec-WebSocket-Protocol` values: the answer names a protocol the client offered.
    let mut request = format!("{base}{WS}").into_client_request().unwrap();
    let offered = format!("access_token, {}", w.candidate.token);
    request.headers_mut().insert("sec-websocket-protocol", offered.parse().unwrap());
    let (mut by_protocol, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "access_token");
    assert_eq!(next_text(&mut by_protocol).await["count"], 2);

    // A plain GET is no WebSocket.
    let plain = app.get_as(&w.candidate.token, WS).await;
    assert_eq!(plain.status, 422, "{}", plain.body);
}

/// PostgreSQL: two server processes on one database; a stream on one hears what a request to the other wrote.
async fn a_stream_on_one_process_hears_what_another_writes(backend: Backend) {
    let secret = "clé-de-signature-partagée-par-les-deux-processus-de-test-0123456789";
    let share = |s: &mut seeg_server::settings::Settings| s.auth.secret_key = secret.to_owned().into();
    let first = TestApp::spawn_with(backend, HandlerRegistry::default(), share).await;
    let second = first.spawn_beside(share).await;
    let w = World::on(first).await;
    let mut stream = w.stream(&second, None).await;
    assert_eq!(stream.next().await.unwrap().event, "notifications:unread_count");
    w.move_to(&w.app, "incubation").await;
    assert_status_change(&stream.next_named("notifications:new").await, "incubation");
    assert_eq!(stream.next().await.unwrap().data["count"], 1);
}

on_backends!(Sqlite, Postgres =>
    the_stream_hears_what_another_request_writes_and_resumes_without_loss,
    credentials_are_checked_before_anything_streams,
    every_role_streams_its_own_notifications,
    a_blocked_account_loses_its_streams_at_once,
    an_accounts_streams_are_bounded,
    the_legacy_websocket_refuses_bad_tokens_before_the_upgrade_and_pushes_events,
);

/// PostgreSQL only: SQLite is one process's.
mod across_processes {
    use super::*;

    seeg_tests::on_backends!(Postgres => a_stream_on_one_process_hears_what_another_writes);
}
