//! The `PdfInspector` adapter: the deep S11 check, with lopdf. The document is loaded (`load`) and its
//! compressed object streams unpacked (`unpack`), so every object (and every stream's dictionary) is looked at,
//! whatever the raw bytes show; what cannot be loaded makes the document unreadable, never clean.
//!
//! lopdf's loader itself is not safe against hostile input (see `sandbox`): the server parses in a child
//! process (`ProcessInspector`, the child being `sandbox::inspect_stdin`); `LopdfInspector` parses in the
//! calling process, for tests and tools that never see a hostile document.

mod load;
mod process;
mod sandbox;
mod unpack;

pub use process::ProcessInspector;
pub use sandbox::inspect_stdin;

use async_trait::async_trait;
use bytes::Bytes;
use lopdf::Object;
use seeg_application::documents::{InspectError, PdfInspector};
use seeg_domain::applications::{ACTIVE_NAMES, DocumentProblem};

/// Objects beyond this (loaded, and members of object streams) are not looked at: such a document is refused
/// rather than inspected without end (a CV has a few hundred).
pub const MAX_OBJECTS: usize = 100_000;
/// Nesting deeper than this (arrays and dictionaries inside each other) is refused for the same reason.
const MAX_DEPTH: usize = 64;

/// Documents parsed at once: a parsed document can take many times its size in memory (within the bounds `load`
/// sets), so concurrent uploads wait their turn rather than add up.
const PARSED_AT_ONCE: usize = 2;

/// Names that make a document active in a parsed document only: short or common enough that the raw scan would
/// meet them by chance in compressed bytes. An embedded file without its optional `/Type /EmbeddedFile` (`/EF`,
/// file attachment annotations), 3D scripts, and media that plays.
const PARSED_ACTIVE_NAMES: [&str; 7] = ["EF", "FileAttachment", "3D", "OnInstantiate", "Rendition", "Movie", "Sound"];

/// Inspects PDFs with lopdf in this process, on the blocking pool (parsing is CPU work), a few at a time. A
/// hostile document can abort this process or exhaust its memory (see `sandbox`): the server uses
/// [`ProcessInspector`] unless told otherwise (`storage.pdf_inspection = "in_process"`, for its tests).
#[derive(Debug, Clone)]
pub struct LopdfInspector {
    permits: std::sync::Arc<tokio::sync::Semaphore>,
}

impl LopdfInspector {
    pub fn new() -> Self {
        Self { permits: std::sync::Arc::new(tokio::sync::Semaphore::new(PARSED_AT_ONCE)) }
    }
}

impl Default for LopdfInspector {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl PdfInspector for LopdfInspector {
    async fn inspect(&self, pdf: Bytes) -> Result<(), InspectError> {
        let _permit = slot(&self.permits).await?;
        let verdict = tokio::task::spawn_blocking(move || active_content(&pdf)).await;
        Ok(verdict.unwrap_or(Err(DocumentProblem::NotPdf))?)
    }
}

/// How long a document waits for one of the `PARSED_AT_ONCE` inspections to end before its request is told to
/// come back later (`InspectError::Busy`, a 503): a burst of heavy documents delays the others by this much at
/// most, never without end.
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One of the inspections that may run at once, waited for `SLOT_WAIT` at most.
async fn slot(permits: &tokio::sync::Semaphore) -> Result<tokio::sync::SemaphorePermit<'_>, InspectError> {
    match tokio::time::timeout(SLOT_WAIT, permits.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        Ok(Err(_)) | Err(_) => Err(InspectError::Busy),
    }
}

/// The verdict on a whole document: `NotPdf` when it cannot be read whole (an object lopdf could not load, a
/// document still encrypted, a cap reached: see `load`), the first active name found otherwise. An encrypted
/// document that opens with the empty password (as from some scanners, or "protected" against printing) is
/// inspected once decrypted.
pub fn active_content(pdf: &[u8]) -> Result<(), DocumentProblem> {
    std::panic::catch_unwind(|| {
        load::load(pdf)?.each_object(|object| {
            let mut found = None;
            visit(object, 0, &mut found)?;
            found.map_or(Ok(()), |name| Err(DocumentProblem::ActiveContent(name)))
        })
    })
    .unwrap_or(Err(DocumentProblem::NotPdf))
}

/// Looks at every name in `object`, as a key or a value (an action type, `/S /JavaScript`).
fn visit(object: &Object, depth: usize, found: &mut Option<&'static str>) -> Result<(), DocumentProblem> {
    if depth > MAX_DEPTH {
        return Err(DocumentProblem::NotPdf);
    }
    match object {
        Object::Name(name) => *found = found.or_else(|| active(name)),
        Object::Array(items) => {
            for item in items {
                visit(item, depth + 1, found)?;
            }
        }
        Object::Dictionary(dict) | Object::Stream(lopdf::Stream { dict, .. }) => {
            for (key, value) in dict {
                *found = found.or_else(|| active(key));
                visit(value, depth + 1, found)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn active(name: &[u8]) -> Option<&'static str> {
    ACTIVE_NAMES.into_iter().chain(PARSED_ACTIVE_NAMES).find(|active| active.as_bytes() == name)
}
