//! The legacy answer shapes that many routes share: the envelopes around one value (`Envelope` for accounts,
//! profiles and drafts, `AppEnvelope` for applications), and what a page of a list reports (`X-Total-Count`, the
//! page number). Their doc comments are part of the published schema.

use seeg_application::Page;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The header carrying a list's true total, whatever the page size (F5).
pub const TOTAL_COUNT_HEADER: &str = "X-Total-Count";

/// The legacy envelope `{success, message, data, errors}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    pub success: bool,
    pub message: &'static str,
    pub data: T,
    #[schema(value_type = Option<Object>)]
    pub errors: Option<Value>,
}

impl<T> Envelope<T> {
    pub(crate) fn ok(message: &'static str, data: T) -> Self {
        Self { success: true, message, data, errors: None }
    }
}

/// The legacy `AppEnvelope<T>`: `{success, message, data}` (no `errors` key).
#[derive(Debug, Serialize, ToSchema)]
pub struct AppEnvelope<T> {
    pub success: bool,
    pub message: String,
    pub data: T,
}

/// The legacy `page` of a list: `skip / limit + 1`.
pub(crate) const fn page_number(page: Page) -> u64 {
    page.skip / page.limit + 1
}
