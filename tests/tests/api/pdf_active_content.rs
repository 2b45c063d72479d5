//! S11 on documents whose active content hides in compressed object streams: the raw bytes show nothing, the
//! parsed document does; and what the parser cannot load makes the document unreadable, never clean.

use std::fmt::Write as _;

use base64::Engine as _;
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::http::Answer;
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::Value;

/// A one-page PDF whose catalog opens with a script, every dictionary saved in a compressed object stream.
fn cv_with_hidden_script() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let content = doc.add_object(Stream::new(Dictionary::new(), b"BT ET".to_vec()));
    let page_id = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1 }),
    );
    let script = doc.add_object(dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") });
    let names =
        dictionary! { "JavaScript" => dictionary! { "Names" => vec![Object::string_literal("a"), script.into()] } };
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id, "Names" => names });
    doc.trailer.set("Root", catalog);
    let mut out = Vec::new();
    doc.save_modern(&mut out).unwrap();
    out
}

/// A one-page PDF written by hand whose catalog opens `action` (object 4), all four objects in compressed
/// object stream 5, listed by cross-reference stream 6.
fn cv_opening(action: &str) -> Vec<u8> {
    let members = [
        "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        action,
    ];
    let (mut header, mut body) = (String::new(), String::new());
    for (number, member) in (1..).zip(members) {
        write!(header, "{number} {} ", body.len()).unwrap();
        body.push_str(member);
        body.push('\n');
    }
    let data = miniz_oxide::deflate::compress_to_vec_zlib(format!("{header}{body}").as_bytes(), 6);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    let container = pdf.len();
    let dict = format!("/Type /ObjStm /N 4 /First {} /Filter /FlateDecode /Length {}", header.len(), data.len());
    pdf.extend_from_slice(format!("5 0 obj\n<< {dict} >>\nstream\n").as_bytes());
    pdf.extend_from_slice(&data);
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    // Entries 0 to 6 of `/W [1 4 2]`: free, four in object stream 5 by index, then objects 5 and 6.
    let xref = pdf.len();
    let mut entries = vec![0, 0, 0, 0, 0, 0xff, 0xff];
    for (kind, field, index) in (0..4).map(|index| (2, 5, index)).chain([(1, container, 0), (1, xref, 0)]) {
        entries.push(kind);
        entries.extend_from_slice(&u32::try_from(field).unwrap().to_be_bytes());
        entries.extend_from_slice(&u16::try_from(index).unwrap().to_be_bytes());
    }
    let dict = format!("/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length {}", entries.len());
    pdf.extend_from_slice(format!("6 0 obj\n<< {dict} >>\nstream\n").as_bytes());
    pdf.extend_from_slice(&entries);
    pdf.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

/// A submission whose CV is `cv`.
fn with_cv(body: &mut Value, cv: &[u8]) {
    assert!(!cv.windows(10).any(|w| w == b"JavaScript"), "the script is visible in the raw bytes");
    let documents = body["documents"].as_array_mut().unwrap();
    let slot = documents.iter_mut().find(|d| d["document_type"] == "cv").unwrap();
    slot["file_data"] = base64::engine::general_purpose::STANDARD.encode(cv).into();
}

async fn a_script_in_a_compressed_object_stream_is_active_content(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let mut body = submission_body(&offer, "awa");
    with_cv(&mut body, &cv_with_hidden_script());

    let Answer { status, body: answer, .. } = app.post_submission(&token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "document_active_content", "{answer}");

    // The same submission with a clean CV goes through: the refusal was the script, not the form.
    let Answer { status, body: answer, .. } = app.post_submission(&token, &submission_body(&offer, "awa")).await;
    assert_eq!(status, 201, "{answer}");
}

/// The action has a stray token where a key should be: lopdf cannot parse it (and used to skip it without a
/// word), a viewer that repairs it runs the script.
async fn an_object_the_parser_cannot_load_makes_the_document_unreadable(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token_for(Role::Candidate, "awa@example.com").await.token;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let mut body = submission_body(&offer, "awa");
    with_cv(&mut body, &cv_opening("<< /S /JavaScript 0 /JS (app.alert\\(1\\)) >>"));

    let Answer { status, body: answer, .. } = app.post_submission(&token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "document_not_pdf", "{answer}");

    // The same CV with the action well formed: read whole, the script is found.
    with_cv(&mut body, &cv_opening("<< /S /JavaScript /JS (app.alert\\(1\\)) >>"));
    let Answer { status, body: answer, .. } = app.post_submission(&token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "document_active_content", "{answer}");
}

on_backends!(Sqlite, Postgres => a_script_in_a_compressed_object_stream_is_active_content,
    an_object_the_parser_cannot_load_makes_the_document_unreadable);
