//! The live notification routes under attack (from the security review of this capability; it failed before its
//! fix): a WebSocket client that stops reading is let go, and its stream's place given back.

use std::time::Duration;

use futures_util::SinkExt as _;
use seeg_application::outbox::HandlerRegistry;
use seeg_domain::identity::Role;
use seeg_tests::{Backend, TestApp, on_backends};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const STREAM: &str = "/api/v1/notifications/stream";
const WS: &str = "/api/v1/notifications/ws";

/// The legacy WebSocket claims to let go of a client that stops reading (two keep-alive periods), but every send
/// of `ws::run` awaits a bounded channel (32 frames) that only drains when the client reads: `session.pong()` and
/// `session.ping()` have no timeout, and after the `text` timeout `session.close(..).await` waits on the same full
/// channel. A client that floods pings and never reads parks the task forever; the `LiveStream` it owns keeps its
/// slot (per-account and global bound), and neither the token's expiry nor a revocation can end it.
async fn a_websocket_client_that_stops_reading_is_let_go(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |s| {
        s.notifications.max_streams_per_account = 1;
        s.notifications.heartbeat_secs = 1;
    })
    .await;
    let candidate = app.token_for(Role::Candidate, "awa@example.com").await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    // A small receive window: the server's frames back up quickly once the client stops reading.
    socket.set_recv_buffer_size(2048).unwrap();
    let tcp = socket.connect(host.parse().unwrap()).await.unwrap();
    let request = format!("ws://{host}{WS}?token={}", candidate.token).into_client_request().unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(request, tcp).await.unwrap();

    // Flood pings (each answered with a pong the client never reads) until the server stops reading, or lets the
    // client go at once (on a loaded machine its heartbeat may end the socket while the flood is still going: the
    // outcome this test wants, reached sooner).
    let payload = vec![b'p'; 125];
    let mut sent = 0_u32;
    while sent < 400_000 {
        match tokio::time::timeout(Duration::from_secs(3), ws.send(Message::Ping(payload.clone().into()))).await {
            Ok(Ok(())) => sent += 1,
            Ok(Err(error)) => {
                eprintln!("the server closed the socket after {sent} pings: {error}");
                break;
            }
            Err(_) => break, // the server no longer reads: its task is parked
        }
    }
    eprintln!("pings sent before the server stopped reading: {sent}");

    // Far more than two keep-alive periods later, the socket is still open (kept alive here) and the place it
    // took is still held: the account cannot open its one stream.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let other = app.client.get(app.url(STREAM)).bearer_auth(&candidate.token).send().await.unwrap();
    assert_eq!(other.status(), 200, "the non-reading WebSocket should have been let go and its place given back");
    drop(ws);
}

on_backends!(Sqlite =>
    a_websocket_client_that_stops_reading_is_let_go,
);
