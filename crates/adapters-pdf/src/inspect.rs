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

/// Inspects PDFs with lopdf, on the blocking pool (parsing is CPU work).
#[derive(Debug, Clone, Copy, Default)]
pub struct LopdfInspector;

impl LopdfInspector {
    pub const fn new() -> Self {
        Self
    }
}

#[async_trait]
impl PdfInspector for LopdfInspector {
    async fn inspect(&self, pdf: Bytes) -> Result<(), DocumentProblem> {
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
    if document.objects.len() > MAX_OBJECTS {
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
    ACTIVE_NAMES.into_iter().find(|active| active.as_bytes() == name)
}
