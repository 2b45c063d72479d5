//! S11 on documents whose active content hides in compressed object streams: the raw bytes show nothing, the
//! parsed document does.

use base64::Engine as _;
use lopdf::{Dictionary, Document, Object, Stream, dictionary};
use seeg_domain::identity::Role;
use seeg_tests::accounts::token_for;
use seeg_tests::submissions::{open_offer, post_submission, submission_body};
use seeg_tests::{Backend, TestApp, on_backends};

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

async fn a_script_in_a_compressed_object_stream_is_active_content(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, token) = token_for(&app, Role::Candidate, "awa@example.com").await;
    let offer = open_offer(&app, "Technicien réseau").await;
    let cv = cv_with_hidden_script();
    assert!(!cv.windows(10).any(|w| w == b"JavaScript"), "the script is visible in the raw bytes");
    let mut body = submission_body(&offer, "awa");
    let documents = body["documents"].as_array_mut().unwrap();
    let slot = documents.iter_mut().find(|d| d["document_type"] == "cv").unwrap();
    slot["file_data"] = base64::engine::general_purpose::STANDARD.encode(&cv).into();

    let (status, answer) = post_submission(&app, &token, &body).await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["code"], "document_active_content", "{answer}");

    // The same submission with a clean CV goes through: the refusal was the script, not the form.
    let (status, answer) = post_submission(&app, &token, &submission_body(&offer, "awa")).await;
    assert_eq!(status, 201, "{answer}");
}

on_backends!(Sqlite, Postgres => a_script_in_a_compressed_object_stream_is_active_content);
