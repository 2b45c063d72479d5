//! The deep S11 check on crafted PDFs: active content hidden in compressed object streams is found; clean
//! documents pass; what lopdf cannot read is not a PDF.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::similar_names,
    clippy::needless_pass_by_value
)] // tests fail loudly

use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use seeg_adapters_pdf::active_content;
use seeg_domain::applications::{DocumentLimits, DocumentProblem, PdfScan};

/// A one-page document whose catalog, page and annotations carry `catalog_extra` and `page_extra`, saved with
/// compressed object streams (the dictionaries are not in the raw bytes).
fn compressed(catalog_extra: Dictionary, page_extra: Dictionary) -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(Dictionary::new(), b"BT ET".to_vec()));
    let mut page = dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content,
    "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()] };
    page.extend(&page_extra);
    let page_id = doc.add_object(page);
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    catalog.extend(&catalog_extra);
    let catalog_id = doc.add_object(catalog);
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_modern(&mut out).unwrap();
    out
}

fn raw_scan(bytes: &[u8]) -> Result<u64, DocumentProblem> {
    let mut scan = PdfScan::new();
    scan.feed(bytes);
    scan.finish("cv.pdf", &DocumentLimits::default())
}

#[test]
fn a_clean_document_with_compressed_object_streams_passes() {
    let bytes = compressed(Dictionary::new(), Dictionary::new());
    assert!(bytes.windows(6).any(|w| w == b"ObjStm"), "no object stream written");
    assert!(raw_scan(&bytes).is_ok());
    assert_eq!(active_content(&bytes), Ok(()));
}

/// What word processors write: an `OpenAction` that shows the first page, page events that go to a page.
#[test]
fn actions_that_only_move_the_view_pass() {
    let fit = || vec![Object::Integer(0), Object::Name(b"Fit".to_vec())];
    let goto = || dictionary! { "S" => "GoTo", "D" => fit() };
    let bytes =
        compressed(dictionary! { "OpenAction" => fit() }, dictionary! { "AA" => dictionary! { "O" => goto() } });
    assert!(raw_scan(&bytes).is_ok());
    assert_eq!(active_content(&bytes), Ok(()));
}

#[test]
fn active_content_inside_object_streams_is_refused() {
    let js = || dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") };
    let cases: Vec<(Dictionary, Dictionary, &str)> = vec![
        (
            dictionary! { "Names" => dictionary! { "JavaScript" => dictionary! { "Names" => vec![] } } },
            Dictionary::new(),
            "JavaScript",
        ),
        (dictionary! { "OpenAction" => js() }, Dictionary::new(), "JavaScript"),
        (Dictionary::new(), dictionary! { "AA" => dictionary! { "O" => js() } }, "JavaScript"),
        (
            dictionary! { "AcroForm" => dictionary! { "Fields" => vec![], "XFA" => Object::string_literal("<xdp/>") } },
            Dictionary::new(),
            "XFA",
        ),
        (
            Dictionary::new(),
            dictionary! { "Annots" => vec![Object::Dictionary(dictionary! { "Type" => "Annot", "Subtype" => "RichMedia" })] },
            "RichMedia",
        ),
        (
            Dictionary::new(),
            dictionary! { "Annots" => vec![Object::Dictionary(dictionary! { "Type" => "Annot", "Subtype" => "Link", "A" => dictionary! { "S" => "SubmitForm", "F" => Object::string_literal("https://x") } })] },
            "SubmitForm",
        ),
    ];
    for (catalog, page, name) in cases {
        let bytes = compressed(catalog, page);
        assert!(raw_scan(&bytes).is_ok(), "{name}: the raw scan saw it; the case proves nothing");
        assert_eq!(active_content(&bytes), Err(DocumentProblem::ActiveContent(name)), "{name}");
    }
}

#[test]
fn what_lopdf_cannot_read_is_not_a_pdf() {
    for bytes in [
        b"%PDF-1.7\n\x00\xff garbage \x01\x02 not objects\n%%EOF\n".to_vec(),
        b"%PDF-1.4\n%%EOF\n".to_vec(),
        b"%PDF-1.4\n1 0 obj << /Type /Catalog (unclosed\n%%EOF\n".to_vec(),
    ] {
        assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf), "{}", String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn a_minimal_document_passes() {
    for bytes in [
        &b"%PDF-1.7\n% cv\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"[..],
        b"%PDF-1.7\n% cv\n1 0 obj << /Type /Catalog /AAPL 1 /XFAX 2 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    ] {
        assert_eq!(active_content(bytes), Ok(()), "{}", String::from_utf8_lossy(bytes));
    }
}

/// An attachment whose stream omits its optional `/Type /EmbeddedFile`: still an embedded file.
#[test]
fn an_attachment_without_its_optional_type_is_active_content() {
    let attachment = dictionary! {
        "Type" => "Annot", "Subtype" => "FileAttachment",
        "FS" => dictionary! { "Type" => "Filespec", "F" => Object::string_literal("x.exe") },
    };
    let bytes = compressed(Dictionary::new(), dictionary! { "Annots" => vec![Object::Dictionary(attachment)] });
    assert!(raw_scan(&bytes).is_ok(), "the raw scan saw it; the case proves nothing");
    assert!(matches!(active_content(&bytes), Err(DocumentProblem::ActiveContent(_))), "{:?}", active_content(&bytes));
}

/// A document lopdf cannot decrypt keeps its `/Encrypt` entry and none of its objects: nothing could be
/// inspected, so it is refused.
#[test]
fn a_document_that_cannot_be_decrypted_is_refused() {
    // Readable, with an encryption dictionary whose password (not the empty one) lopdf does not know.
    let encrypted: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
3 0 obj << /Filter /Standard /V 4 /R 4 /Length 128 /O (0123456789abcdef0123456789abcdef) \
/U (0123456789abcdef0123456789abcdef) /P -4 >> endobj\n\
trailer << /Size 4 /Root 1 0 R /Encrypt 3 0 R /ID [(abcdefabcdefabcd) (abcdefabcdefabcd)] >>\n%%EOF\n";
    assert_eq!(active_content(encrypted), Err(DocumentProblem::NotPdf));
}
