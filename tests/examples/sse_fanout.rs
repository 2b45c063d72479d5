//! The SSE fan-out benchmark's client (bench/notifications.sh runs it): opens N notification streams of one
//! account, reads the server's memory with them open, then times how long each notification takes to reach every
//! stream, over R notifications (each a status change of one application: refused by a recruiter, reopened by an
//! administrator, and again). Prints figures; asserts nothing but that every stream got every notification.
//!
//!   sse_fanout BASE_URL SERVER_PID CANDIDATE_TOKEN RECRUITER_TOKEN ADMIN_TOKEN APPLICATION_ID [N=1000] [R=20]

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)] // a benchmark tool
#![allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)] // figures

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc};

/// VmRSS and VmHWM of `pid`, in MiB.
fn memory(pid: &str) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server's /proc status");
    let kib = |key: &str| -> f64 {
        let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("{key}"));
        line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap()
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Reads one stream: says when it is open (its first unread count), then the arrival time of each new
/// notification.
async fn listen(
    client: reqwest::Client,
    url: String,
    token: String,
    ready: mpsc::Sender<()>,
    arrivals: mpsc::UnboundedSender<Instant>,
) {
    let mut response = client.get(&url).bearer_auth(&token).send().await.expect("stream request");
    assert_eq!(response.status(), 200, "stream refused");
    let mut buffer = String::new();
    let mut opened = false;
    while let Some(chunk) = response.chunk().await.expect("stream read") {
        let at = Instant::now();
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if frame.contains("event: notifications:unread_count") && !opened {
                opened = true;
                ready.send(()).await.unwrap();
            } else if frame.contains("event: notifications:new") {
                let _ = arrivals.send(at);
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, pid, candidate, recruiter, admin, application, rest @ ..] = args.as_slice() else {
        panic!("usage: sse_fanout BASE_URL SERVER_PID CANDIDATE RECRUITER ADMIN APPLICATION_ID [N] [R]");
    };
    let clients: usize = rest.first().map_or(1000, |n| n.parse().unwrap());
    let rounds: usize = rest.get(1).map_or(20, |n| n.parse().unwrap());
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let (idle_rss, _) = memory(pid);

    let (ready_tx, mut ready_rx) = mpsc::channel(clients);
    let mut arrivals = Vec::with_capacity(clients);
    let opening = Arc::new(Semaphore::new(64));
    let started = Instant::now();
    for _ in 0..clients {
        let (tx, rx) = mpsc::unbounded_channel();
        arrivals.push(rx);
        let (client, url, token, ready, opening) = (
            client.clone(),
            format!("{base}/api/v1/notifications/stream"),
            candidate.clone(),
            ready_tx.clone(),
            Arc::clone(&opening),
        );
        tokio::spawn(async move {
            let permit = opening.acquire_owned().await.unwrap();
            let (opened_tx, mut opened_rx) = mpsc::channel(1);
            tokio::spawn(listen(client, url, token, opened_tx, tx));
            opened_rx.recv().await.expect("stream opened");
            drop(permit);
            ready.send(()).await.unwrap();
        });
    }
    for _ in 0..clients {
        ready_rx.recv().await.unwrap();
    }
    let opened_in = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (open_rss, _) = memory(pid);
    println!("streams open: {clients} in {} ({:.0}/s)", ms(opened_in), clients as f64 / opened_in.as_secs_f64());
    println!(
        "server RSS: {idle_rss:.1} MiB before, {open_rss:.1} MiB with {clients} streams open ({:.1} KiB per stream)",
        (open_rss - idle_rss) * 1024.0 / clients as f64
    );

    let path = format!("{base}/api/v1/applications/{application}");
    let mut every = Vec::with_capacity(clients * rounds);
    let mut reach_all = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (token, status) = if round % 2 == 0 { (recruiter, "refuse") } else { (admin, "incubation") };
        let sent = Instant::now();
        let moved =
            client.put(&path).bearer_auth(token).json(&serde_json::json!({"status": status})).send().await.unwrap();
        assert_eq!(moved.status(), 200, "status change refused: {}", moved.text().await.unwrap_or_default());
        let mut latest = Duration::ZERO;
        for rx in &mut arrivals {
            let at =
                tokio::time::timeout(Duration::from_secs(60), rx.recv()).await.expect("delivered within 60 s").unwrap();
            let latency = at.saturating_duration_since(sent);
            latest = latest.max(latency);
            every.push(latency);
        }
        reach_all.push(latest);
    }
    every.sort();
    reach_all.sort();
    println!("one notification to {clients} streams, {rounds} notifications ({} deliveries):", every.len());
    println!(
        "  per stream   p50 {}  p99 {}  max {}",
        ms(percentile(&every, 50.0)),
        ms(percentile(&every, 99.0)),
        ms(*every.last().unwrap())
    );
    println!(
        "  to all       p50 {}  p99 {}  max {}",
        ms(percentile(&reach_all, 50.0)),
        ms(percentile(&reach_all, 99.0)),
        ms(*reach_all.last().unwrap())
    );
    let (_, peak) = memory(pid);
    println!("server peak RSS (VmHWM): {peak:.1} MiB");
}
