//! The Azure Function told of a submission (legacy R44), as an outbox handler (I2): the legacy service called it
//! inline and only logged a failure; here a failed call is retried with backoff and dead-lettered after the limit,
//! visible to operators (`GET /api/v1/admin/outbox`).

use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use super::hooks::AZURE_FUNCTION_NOTIFY;
use super::lake_handler::application_id;
use crate::outbox::{OutboxEvent, OutboxHandler};

/// The remote function (R44).
///
/// Contract: `notify` posts `payload` (`{application_id, last_watermark}`) once; `Ok` means the function answered
/// with a success status. An error (unreachable, timeout, another status) means it may not have run: the caller
/// retries, so the function may see the same application more than once (at-least-once, as every outbox effect).
#[async_trait]
pub trait FunctionHook: Send + Sync + std::fmt::Debug {
    /// Posts `payload` to the function once (see the contract above).
    async fn notify(&self, payload: &serde_json::Value) -> anyhow::Result<()>;
}

/// Runs `azure_function.application_submitted` events.
#[derive(Debug, Clone)]
pub struct FunctionHookHandler {
    hook: Arc<dyn FunctionHook>,
}

impl FunctionHookHandler {
    /// A handler that calls `hook` for each event.
    pub fn new(hook: Arc<dyn FunctionHook>) -> Self {
        Self { hook }
    }
}

#[async_trait]
impl OutboxHandler for FunctionHookHandler {
    fn kind(&self) -> &'static str {
        AZURE_FUNCTION_NOTIFY
    }

    async fn handle(&self, event: &OutboxEvent) -> anyhow::Result<()> {
        // Checked before the call: a payload without an application is not sent anywhere.
        let id = application_id(event)?;
        self.hook.notify(&r44_body_of(id, event)).await
    }
}

/// What the function receives (R44): `{application_id, last_watermark}` (null when the caller gave none).
pub(crate) fn r44_body(application_id: Uuid, last_watermark: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "application_id": application_id, "last_watermark": last_watermark })
}

/// The R44 body of an event: its application and the watermark it carries, if any.
pub(crate) fn r44_body_of(application_id: Uuid, event: &OutboxEvent) -> serde_json::Value {
    r44_body(application_id, event.payload.get("last_watermark").unwrap_or(&serde_json::Value::Null))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use chrono::{TimeZone as _, Utc};
    use serde_json::json;

    use super::*;

    /// Records what it is asked to post.
    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<serde_json::Value>>);

    #[async_trait]
    impl FunctionHook for Recording {
        async fn notify(&self, payload: &serde_json::Value) -> anyhow::Result<()> {
            self.0.lock().unwrap().push(payload.clone());
            Ok(())
        }
    }

    fn event(payload: serde_json::Value) -> OutboxEvent {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
        OutboxEvent::new(Uuid::from_u128(7), AZURE_FUNCTION_NOTIFY, payload, at)
    }

    #[tokio::test]
    async fn posts_the_r44_body_and_sends_nothing_for_an_event_without_an_application() {
        let hook = Arc::new(Recording::default());
        let handler = FunctionHookHandler::new(Arc::clone(&hook) as Arc<dyn FunctionHook>);
        assert_eq!(handler.kind(), "azure_function.application_submitted");
        let id = Uuid::from_u128(42);
        // Whatever else the payload holds, the function gets exactly R44's two keys.
        let sent = json!({"application_id": id, "last_watermark": "2026-11-01", "extra": "ignored"});
        handler.handle(&event(sent)).await.unwrap();
        handler.handle(&event(json!({"application_id": id}))).await.unwrap();
        let error = handler.handle(&event(json!({"application_id": "pas-un-uuid"}))).await.unwrap_err();
        assert!(!error.to_string().contains("pas-un-uuid"), "the payload is not quoted: {error}");
        assert_eq!(
            *hook.0.lock().unwrap(),
            [
                json!({"application_id": id, "last_watermark": "2026-11-01"}),
                json!({"application_id": id, "last_watermark": null}),
            ]
        );
    }
}
