//! The deep S11 check on crafted PDFs: active content hidden in compressed object streams is found; clean
//! documents pass; what lopdf cannot read, or not within the caps, is not a PDF.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::similar_names,
    clippy::needless_pass_by_value
)] // tests fail loudly

mod crafted;

use crafted::{Pdf, SCRIPT, catalog_and_pages, deflate, object_stream, opening};
use lopdf::encryption::encrypt_object;
use lopdf::{
    Dictionary, Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, Writer, dictionary,
};
use seeg_adapters_pdf::{MAX_OBJECTS, active_content};
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

/// An action dictionary with a stray token where a key should be: lopdf's parser gives up on it and its loader
/// skipped it without a word, while pdf.js skips the token and runs the script.
const BROKEN_SCRIPT: &str = "<< /Type /Action /S /JavaScript 0 /JS (app.alert\\(1\\)) >>";

#[test]
fn a_member_of_an_object_stream_that_lopdf_cannot_parse_makes_the_document_unreadable() {
    let bytes = opening(BROKEN_SCRIPT);
    assert!(raw_scan(&bytes).is_ok(), "the raw scan saw it; the case proves nothing");
    assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf));
    // The same document, the action well formed or harmless.
    assert_eq!(active_content(&opening(SCRIPT)), Err(DocumentProblem::ActiveContent("JavaScript")));
    assert_eq!(active_content(&opening("<< /S /GoTo /D [3 0 R /Fit] >>")), Ok(()));
}

/// A file attachment (a name the raw scan does not look for) in a plain object lopdf cannot parse.
#[test]
fn an_object_that_lopdf_cannot_parse_makes_the_document_unreadable() {
    let document = |annotation: &str| {
        let mut pdf = Pdf::new();
        pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
            .object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
            .object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>")
            .object(4, annotation)
            .table("/Root 1 0 R");
        pdf.bytes()
    };
    let broken = document("<< /Type /Annot /Subtype /FileAttachment 0 /FS << /F (cv.exe) >> >>");
    assert!(raw_scan(&broken).is_ok(), "the raw scan saw it; the case proves nothing");
    assert_eq!(active_content(&broken), Err(DocumentProblem::NotPdf));
    let whole = document("<< /Type /Annot /Subtype /FileAttachment /FS << /F (cv.exe) >> >>");
    assert_eq!(active_content(&whole), Err(DocumentProblem::ActiveContent("FileAttachment")));
}

#[test]
fn an_object_stream_that_cannot_be_unpacked_makes_the_document_unreadable() {
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, SCRIPT.to_owned()));
    let packed = object_stream(&members);
    let dict = packed.dict();
    // `/Fl` abbreviates `/FlateDecode` in inline images only; pdf.js accepts it on any stream, lopdf does not.
    let mut abbreviated = Pdf::new();
    abbreviated.place(5, &members).stream(5, &format!("{dict} /Filter /Fl"), &deflate(&packed.content));
    abbreviated.xref_stream(6, "/Root 1 0 R");
    // The cross-reference data places the action in object stream 7, which is not there.
    let mut missing = Pdf::new();
    missing.object_stream(5, &members[..3]).place(7, &members[3..]).xref_stream(6, "/Root 1 0 R");
    // Object stream 5 lists more members than its header holds pairs: a viewer reads members' bytes as pairs.
    let mut short = Pdf::new();
    let dict = dict.replace("/N 4", "/N 5");
    short.place(5, &members).stream(5, &format!("{dict} /Filter /FlateDecode"), &deflate(&packed.content));
    short.xref_stream(6, "/Root 1 0 R");
    for (case, pdf) in [("/Fl", abbreviated), ("missing", missing), ("/N", short)] {
        let bytes = pdf.bytes();
        assert!(raw_scan(&bytes).is_ok(), "{case}: the raw scan saw it; the case proves nothing");
        assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf), "{case}");
    }
}

/// An object stream whose header lists object 4 twice: its first copy, at the index the cross-reference data
/// gives (the one a viewer reads), opens a script; lopdf kept the second.
#[test]
fn every_copy_of_a_member_is_looked_at() {
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, SCRIPT.to_owned()));
    let mut pdf = Pdf::new();
    pdf.place(5, &members);
    members.push((4, "<< /S /GoTo /D [3 0 R /Fit] >>".to_owned()));
    let packed = object_stream(&members);
    pdf.stream(5, &format!("{} /Filter /FlateDecode", packed.dict()), &deflate(&packed.content));
    pdf.xref_stream(6, "/Root 1 0 R");
    let bytes = pdf.bytes();
    assert!(raw_scan(&bytes).is_ok(), "the raw scan saw it; the case proves nothing");
    assert_eq!(active_content(&bytes), Err(DocumentProblem::ActiveContent("JavaScript")));
}

/// A script in an object stream, behind cross-reference data that lists nothing in use (every entry free, or a
/// `/W` that reads the entries as free): lopdf loads no object, so nothing was looked at, while a viewer that
/// cannot find the catalog rebuilds the cross-reference data from the objects in the file and opens the script.
#[test]
fn a_document_whose_catalog_is_listed_nowhere_is_unreadable() {
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, SCRIPT.to_owned()));
    let mut all_free = Pdf::new();
    all_free.object_stream(5, &members);
    for number in 1..=5 {
        all_free.free(number, 0);
    }
    all_free.xref_stream(6, "/Root 1 0 R");
    let mut widths = opening(SCRIPT);
    let at = widths.windows(11).position(|w| w == b"/W [1 4 4] ").unwrap();
    widths[at + 6] = b'0'; // `/W [1 0 4]`: offsets read as 0, types out of step, mostly free
    // A trailer that names no catalog at all.
    let mut no_root = Pdf::new();
    no_root.object_stream(5, &members).xref_stream(6, "/Info 1 0 R");
    for (case, bytes) in [("all free", all_free.bytes()), ("/W", widths), ("no /Root", no_root.bytes())] {
        assert!(raw_scan(&bytes).is_ok(), "{case}: the raw scan saw it; the case proves nothing");
        assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf), "{case}");
    }
}

/// Review finding (session 27): the catalog the trailer names is a decoy without a page tree, so viewers rebuild
/// the cross-reference data by scanning the file and find a catalog and an object stream no entry lists, whose
/// `/OpenAction` runs a script (pdf.js 6.5 reports it). The raw scan cannot see inside the compressed stream; the
/// deep check looked only at the listed objects. A catalog without a usable page tree is now refused.
#[test]
fn a_decoy_catalog_without_pages_is_unreadable() {
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/crafted/decoy-catalog-orphan-script.pdf")).unwrap();
    assert!(raw_scan(&bytes).is_ok(), "the raw scan does not see it: the case proves something");
    assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf));
}

/// A first revision with a cross-reference table, then an update that deletes the annotation (a free entry)
/// and another that rewrites the catalog into an object stream with a cross-reference stream.
#[test]
fn incremental_updates_with_free_entries_and_object_streams_pass() {
    let mut pdf = Pdf::new();
    pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>")
        .object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        .object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots [4 0 R] >>")
        .object(4, "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (note) >>");
    let first = pdf.table("/Root 1 0 R");
    pdf.object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>").free(4, 1);
    let second = pdf.table(&format!("/Root 1 0 R /Prev {first}"));
    pdf.object_stream(5, &[(1, "<< /Type /Catalog /Pages 2 0 R /Lang (fr) >>")]);
    pdf.xref_stream(6, &format!("/Root 1 0 R /Prev {second}"));
    let bytes = pdf.bytes();
    assert!(Document::load_mem(&bytes).unwrap().catalog().unwrap().has(b"Lang"), "the last revision is read");
    assert_eq!(active_content(&bytes), Ok(()));
}

/// Four object streams of 3.5 MiB each pass; a fifth goes past the 16 MiB that all of them may inflate to, and
/// one of 4.5 MiB past the 4 MiB that one may: refused, though the bytes are a few KiB.
#[test]
fn object_streams_inflating_past_their_caps_are_refused() {
    let document = |sizes: &[usize]| {
        let mut pdf = Pdf::new();
        pdf.object_stream(5, &catalog_and_pages(None));
        for (index, size) in (10..).zip(sizes) {
            pdf.object_stream(index, &[(index + 100, format!("null{}", " ".repeat(*size)))]);
        }
        pdf.xref_stream(6, "/Root 1 0 R");
        pdf.bytes()
    };
    let half_mib = 512 * 1024;
    let four = document(&[7 * half_mib; 4]);
    assert!(four.len() < 100 * 1024, "{}", four.len());
    assert_eq!(active_content(&four), Ok(()));
    assert_eq!(active_content(&document(&[7 * half_mib; 5])), Err(DocumentProblem::NotPdf));
    assert_eq!(active_content(&document(&[9 * half_mib])), Err(DocumentProblem::NotPdf));
}

/// Stream objects whose headers hide in each other's comments all share one stream's data: each loads a copy.
/// A few copies pass; 300 copies of 256 KiB (75 MiB from a 270 KiB file) go past what the objects of a
/// document may take, and the load stops.
#[test]
fn objects_that_overlap_to_multiply_memory_are_refused() {
    let document = |copies: u32| {
        let data = vec![b'0'; 256 * 1024];
        let mut pdf = Pdf::new();
        pdf.object(1, "<< /Type /Catalog /Pages 2 0 R >>").object(2, "<< /Type /Pages /Kids [] /Count 0 >>");
        let length = format!("<< /Length {}\n", data.len());
        pdf.entry(3, pdf.offset()).raw(format!("3 0 obj {length}"));
        for number in 4..4 + copies {
            pdf.raw("% ");
            pdf.entry(number, pdf.offset()).raw(format!("{number} 0 obj {length}"));
        }
        pdf.raw(">>\nstream\n").raw(&data).raw("\nendstream\nendobj\n").table("/Root 1 0 R");
        pdf.bytes()
    };
    assert_eq!(active_content(&document(3)), Ok(()));
    let overlapping = document(300);
    assert!(overlapping.len() < 300 * 1024, "{}", overlapping.len());
    assert_eq!(active_content(&overlapping), Err(DocumentProblem::NotPdf));
}

#[test]
fn more_objects_than_the_cap_are_refused() {
    let document = |count: u32| {
        let mut members = catalog_and_pages(None);
        members.extend((10..10 + count).map(|number| (number, "null".to_owned())));
        let mut pdf = Pdf::new();
        pdf.object_stream(5, &members).xref_stream(6, "/Root 1 0 R");
        pdf.bytes()
    };
    let cap = u32::try_from(MAX_OBJECTS).unwrap();
    assert_eq!(active_content(&document(cap - 10)), Ok(()));
    assert_eq!(active_content(&document(cap)), Err(DocumentProblem::NotPdf));
}

/// RC4 128 bits with the empty user password (any reader opens it), as some scanners write.
fn empty_password() -> (EncryptionState, Dictionary, Object) {
    let id =
        Object::Array(vec![Object::string_literal("0123456789abcdef"), Object::string_literal("0123456789abcdef")]);
    let mut document = Document::with_version("1.7");
    document.trailer.set("ID", id.clone());
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &document,
        owner_password: "owner",
        user_password: "",
        key_length: 128,
        permissions: Permissions::default(),
    })
    .unwrap();
    let dictionary = state.encode().unwrap();
    (state, dictionary, id)
}

fn written(object: &Object) -> Vec<u8> {
    let mut bytes = Vec::new();
    Writer::write_object(&mut bytes, object).unwrap();
    bytes
}

/// A document encrypted with the empty password whose catalog opens `action`, all in object stream 5,
/// encrypted with the key of object `key_of` (5 as it should).
fn encrypted(action: &str, key_of: u32) -> Vec<u8> {
    let (state, dictionary, id) = empty_password();
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, action.to_owned()));
    let packed = object_stream(&members);
    let (n, first) = (i64::try_from(packed.n).unwrap(), i64::try_from(packed.first).unwrap());
    let dict = dictionary! { "Type" => "ObjStm", "N" => n, "First" => first, "Filter" => "FlateDecode" };
    let mut container = Object::Stream(Stream::new(dict, deflate(&packed.content)));
    encrypt_object(&state, (key_of, 0), &mut container).unwrap();
    let mut pdf = Pdf::new();
    pdf.place(5, &members).object(5, written(&container)).object(7, written(&Object::Dictionary(dictionary)));
    let id = String::from_utf8(written(&id)).unwrap();
    pdf.xref_stream(6, &format!("/Root 1 0 R /Encrypt 7 0 R /ID {id}"));
    pdf.bytes()
}

#[test]
fn a_document_encrypted_with_the_empty_password_is_inspected_decrypted() {
    let clean = encrypted("<< /S /GoTo /D [3 0 R /Fit] >>", 5);
    assert!(raw_scan(&clean).is_ok());
    assert_eq!(active_content(&clean), Ok(()));
    assert_eq!(active_content(&encrypted(SCRIPT, 5)), Err(DocumentProblem::ActiveContent("JavaScript")));
}

/// Its object stream encrypted with another object's key: lopdf decrypts it to noise and dropped its members.
#[test]
fn an_encrypted_object_stream_lopdf_cannot_decrypt_makes_the_document_unreadable() {
    let bytes = encrypted(SCRIPT, 9);
    assert!(raw_scan(&bytes).is_ok(), "the raw scan saw it; the case proves nothing");
    assert_eq!(active_content(&bytes), Err(DocumentProblem::NotPdf));
}

/// lopdf's own writer, with and without object streams: every object listed, every object loaded.
#[test]
fn documents_lopdf_writes_pass() {
    let mut document = Document::load_mem(&compressed(Dictionary::new(), Dictionary::new())).unwrap();
    let mut plain = Vec::new();
    document.save_to(&mut plain).unwrap();
    assert!(!plain.windows(6).any(|w| w == b"ObjStm"));
    assert_eq!(active_content(&plain), Ok(()));
}
