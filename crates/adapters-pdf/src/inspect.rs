//! The `PdfInspector` adapter: the deep S11 check, with lopdf. Loading the document unpacks its compressed
//! object streams, so every object (and every stream's dictionary) is looked at, whatever the raw bytes show.

use async_trait::async_trait;
use bytes::Bytes;
use lopdf::{Document, Object};
use seeg_application::documents::PdfInspector;
use seeg_domain::applications::{ACTIVE_NAMES, DocumentProblem};

/// Objects beyond this are not looked at: such a document is refused rather than inspected without end (a CV
/// has a few hundred).
pub const MAX_OBJECTS: usize = 100_000;
/// Nesting deeper than this (arrays and dictionaries inside each other) is refused for the same reason.
const MAX_DEPTH: usize = 64;
/// No stream of a document (at most 10 MiB) may inflate beyond this while it loads.
const MAX_DECOMPRESSED: usize = 64 * 1024 * 1024;

/// Documents parsed at once: a parsed document can take many times its size in memory, so concurrent uploads
/// wait their turn rather than add up.
const PARSED_AT_ONCE: usize = 2;

/// Names that make a document active in a parsed document only: short or common enough that the raw scan would
/// meet them by chance in compressed bytes. An embedded file without its optional `/Type /EmbeddedFile` (`/EF`,
/// file attachment annotations), 3D scripts, and media that plays.
const PARSED_ACTIVE_NAMES: [&str; 7] = ["EF", "FileAttachment", "3D", "OnInstantiate", "Rendition", "Movie", "Sound"];

/// Inspects PDFs with lopdf, on the blocking pool (parsing is CPU work), a few at a time.
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
    async fn inspect(&self, pdf: Bytes) -> Result<(), DocumentProblem> {
        let Ok(_permit) = self.permits.acquire().await else { return Err(DocumentProblem::NotPdf) };
        tokio::task::spawn_blocking(move || active_content(&pdf)).await.unwrap_or(Err(DocumentProblem::NotPdf))
    }
}

/// The verdict on a whole document: `NotPdf` when lopdf cannot read it (or it is too big to inspect), the first
/// active name found otherwise.
pub fn active_content(pdf: &[u8]) -> Result<(), DocumentProblem> {
    let options = lopdf::LoadOptions { max_decompressed_size: Some(MAX_DECOMPRESSED), ..Default::default() };
    let loaded = std::panic::catch_unwind(|| Document::load_mem_with_options(pdf, options));
    let Ok(Ok(document)) = loaded else {
        return Err(DocumentProblem::NotPdf);
    };
    // Still encrypted after loading: lopdf could not decrypt it with the empty password and loaded none of its
    // objects, so nothing could be inspected (and a recruiter could not open it either).
    if document.objects.len() > MAX_OBJECTS || document.trailer.has(b"Encrypt") {
        return Err(DocumentProblem::NotPdf);
    }
    let mut found = None;
    for object in document.objects.values().chain(std::iter::once(&Object::Dictionary(document.trailer.clone()))) {
        visit(object, 0, &mut found)?;
        if let Some(name) = found {
            return Err(DocumentProblem::ActiveContent(name));
        }
    }
    Ok(())
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
        Object::Dictionary(dict) => {
            for (key, value) in dict {
                *found = found.or_else(|| active(key));
                visit(value, depth + 1, found)?;
            }
        }
        Object::Stream(stream) => {
            for (key, value) in &stream.dict {
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
