//! The one PDF fixture of the suites: a small document that passes every S11 check (a catalog, a trailer), whose
//! bytes (hence content address) depend on its label, padded to a size when one is wanted. Crafted hostile PDFs
//! are built where they are tested (crates/adapters-pdf/tests/crafted).

/// A valid PDF labelled `label`, with `filler` bytes of padding inside.
pub fn pdf(label: &str, filler: usize) -> Vec<u8> {
    let mut bytes = format!("%PDF-1.7\n% {label}\n1 0 obj << /Type /Catalog >> endobj\n").into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', filler));
    bytes.extend_from_slice(b"\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    bytes
}

/// A valid PDF labelled `label`, as small as it gets.
pub fn labelled_pdf(label: &str) -> Vec<u8> {
    pdf(label, 0)
}
