//! Waiting for background work (the outbox relay, the server's periodic tasks): a bounded poll, so a test waits
//! for the next run instead of sleeping a guessed time. Not a timing assertion: the bound only stops a test that
//! would otherwise hang.

use std::time::{Duration, Instant};

/// How long background work may take before the test fails.
const BOUND: Duration = Duration::from_secs(15);

/// Polls `probe` until it gives a value; panics naming `what` past the bound.
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(started.elapsed() < BOUND, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The first message `mailer` delivered to `to` with `subject`, once the relay has sent it.
pub async fn mail_to(
    mailer: &seeg_adapters_mail::MemoryMailer,
    to: &str,
    subject: &str,
) -> seeg_application::mail::MailMessage {
    eventually(&format!("« {subject} » to {to}"), async || {
        mailer.sent().into_iter().find(|m| m.to == to && m.subject == subject)
    })
    .await
}
