//! A Server-Sent Events reader for the live notification tests: events as they arrive, comments skipped.

use std::time::Duration;

use serde_json::Value;

/// One SSE event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// Its `id`, if any.
    pub id: Option<String>,
    /// Its `event` name.
    pub event: String,
    /// Its `data`, parsed.
    pub data: Value,
}

/// An open event stream.
#[derive(Debug)]
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
    /// Keep-alive comments seen so far.
    pub comments: usize,
}

impl SseReader {
    /// Reads the stream of `response` (a 200 `text/event-stream`).
    pub fn new(response: reqwest::Response) -> Self {
        assert_eq!(response.status(), 200, "the stream opens");
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        Self { response, buffer: String::new(), comments: 0 }
    }

    /// The next event, `None` when the server ended the stream; waits at most 20 s (a bound for a hung test, not
    /// a timing assertion).
    pub async fn next(&mut self) -> Option<SseEvent> {
        tokio::time::timeout(Duration::from_secs(20), self.read()).await.expect("an event within 20 s")
    }

    /// The next event of `name`, skipping others.
    pub async fn next_named(&mut self, name: &str) -> SseEvent {
        loop {
            let event = self.next().await.unwrap_or_else(|| panic!("the stream ended before {name}"));
            if event.event == name {
                return event;
            }
        }
    }

    async fn read(&mut self) -> Option<SseEvent> {
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = self.parse(&frame) {
                    return Some(event);
                }
            }
            let chunk = self.response.chunk().await.expect("the stream reads")?;
            self.buffer.push_str(std::str::from_utf8(&chunk).expect("UTF-8 events"));
        }
    }

    fn parse(&mut self, frame: &str) -> Option<SseEvent> {
        let (mut id, mut event, mut data) = (None, None, String::new());
        for line in frame.lines() {
            if line.starts_with(':') {
                self.comments += 1;
            } else if let Some(value) = line.strip_prefix("id: ") {
                id = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("event: ") {
                event = Some(value.to_owned());
            } else if let Some(value) = line.strip_prefix("data: ") {
                data.push_str(value);
            }
        }
        let event = event?;
        Some(SseEvent { id, event, data: serde_json::from_str(&data).expect("JSON data") })
    }
}
