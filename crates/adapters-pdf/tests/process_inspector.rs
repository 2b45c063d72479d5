//! The `ProcessInspector` against stand-in programs (`sh` scripts): only a verdict line from a child that exits
//! normally is taken; anything else refuses the document, and the caller goes on. The real child, `seeg
//! inspect-pdf`, is run by crates/server/tests/pdf_sandbox.rs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;

use bytes::Bytes;
use seeg_adapters_pdf::ProcessInspector;
use seeg_application::documents::{InspectError, PdfInspector as _};
use seeg_domain::applications::DocumentProblem;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A child running `script` with `sh`, given 30 s (plenty: only the timeout test waits for it).
fn sh(script: &str) -> ProcessInspector {
    sh_within(script, Duration::from_secs(30))
}

fn sh_within(script: &str, timeout: Duration) -> ProcessInspector {
    ProcessInspector::new("/bin/sh", ["-c", script], timeout)
}

async fn verdict(inspector: &ProcessInspector) -> Result<(), InspectError> {
    inspector.inspect(Bytes::from_static(PDF)).await
}

#[tokio::test]
async fn the_verdict_line_is_the_verdict() {
    assert_eq!(verdict(&sh("cat >/dev/null; echo clean")).await, Ok(()));
    assert_eq!(
        verdict(&sh("cat >/dev/null; echo unreadable")).await,
        Err(InspectError::Refused(DocumentProblem::NotPdf))
    );
    for name in ["JavaScript", "Launch", "FileAttachment", "Sound"] {
        let answer = verdict(&sh(&format!("cat >/dev/null; echo 'active {name}'"))).await;
        assert_eq!(answer, Err(InspectError::Refused(DocumentProblem::ActiveContent(name))));
    }
}

#[tokio::test]
async fn the_document_reaches_the_child_whole() {
    let inspector = sh(r#"test "$(cat | od -An -c | tr -d ' \n')" = '%PDF-1.7\n%%EOF\n' && echo clean"#);
    assert_eq!(inspector.inspect(Bytes::from_static(b"%PDF-1.7\n%%EOF\n")).await, Ok(()));
    assert_eq!(
        inspector.inspect(Bytes::from_static(b"%PDF-1.7\n%%EOF")).await,
        Err(InspectError::Refused(DocumentProblem::NotPdf))
    );
}

#[tokio::test]
async fn anything_but_a_verdict_from_a_child_that_exits_normally_refuses_the_document() {
    for script in [
        "cat >/dev/null; echo clean; exit 3",        // a verdict, then a failure
        "cat >/dev/null; echo clean; kill -SEGV $$", // a verdict, then a crash
        "kill -ABRT $$",                             // a crash (an allocation refused, a stack overflow)
        "cat >/dev/null",                            // nothing
        "cat >/dev/null; echo 'active Unknown'",     // a name the inspector does not know
        "cat >/dev/null; echo Clean",                // not the word
        "cat >/dev/null; echo clean; echo clean",    // two lines
        "cat >/dev/null; printf clean",              // cut short
    ] {
        assert_eq!(verdict(&sh(script)).await, Err(InspectError::Refused(DocumentProblem::NotPdf)), "{script}");
    }
}

/// A child may answer before it has read the whole document (one past the size limit): the verdict still counts.
#[tokio::test]
async fn a_child_that_answers_without_reading_everything_is_heard() {
    let large = Bytes::from(vec![b'%'; 4 * 1024 * 1024]);
    assert_eq!(sh("echo unreadable").inspect(large.clone()).await, Err(InspectError::Refused(DocumentProblem::NotPdf)));
    assert_eq!(sh("head -c 10 >/dev/null; echo clean").inspect(large).await, Ok(()));
}

/// No answer in time, or an answer without end (read no further than a verdict's length): stopped, refused.
#[tokio::test]
async fn a_child_that_does_not_answer_in_time_is_stopped() {
    let within = Duration::from_secs(1);
    assert_eq!(verdict(&sh_within("sleep 60", within)).await, Err(InspectError::Refused(DocumentProblem::NotPdf)));
    assert_eq!(
        verdict(&sh_within("cat >/dev/null; yes clean", within)).await,
        Err(InspectError::Refused(DocumentProblem::NotPdf))
    );
}

#[tokio::test]
async fn a_program_that_cannot_start_refuses_the_document_and_fails_the_check() {
    let missing = ProcessInspector::new("/nonexistent/seeg", ["inspect-pdf"], Duration::from_secs(30));
    assert_eq!(verdict(&missing).await, Err(InspectError::Refused(DocumentProblem::NotPdf)));
    let error = format!("{:#}", missing.check().await.unwrap_err());
    assert!(error.contains("/nonexistent/seeg"), "{error}");
}

#[tokio::test]
async fn the_start_up_check_wants_a_clean_verdict_on_a_clean_document() {
    sh("cat >/dev/null; echo clean").check().await.unwrap();
    assert!(sh("cat >/dev/null; echo unreadable").check().await.is_err());
    assert!(sh("exit 0").check().await.is_err());
}

/// Two inspections at once; a third waits for a slot a bounded time, then says so (`Busy`: a 503 for its
/// request), rather than queueing behind slow documents without end. A slot freed in time is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_finds_no_free_slot_in_time_is_told_to_come_back() {
    let folder = tempfile::tempdir().unwrap();
    let quick = folder.path().join("rapide");
    // Slow (30 s) until the file `quick` exists, then at once.
    let script = format!("cat >/dev/null; [ -e '{}' ] || sleep 30; echo clean", quick.display());
    let inspector = sh_within(&script, Duration::from_mins(1));
    let holders: Vec<_> = (0..2)
        .map(|_| {
            let inspector = inspector.clone();
            tokio::spawn(async move { verdict(&inspector).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(verdict(&inspector).await, Err(InspectError::Busy), "both slots held past the wait");

    // The held inspections dropped: their children are killed with them, and their slots given back.
    for holder in holders {
        holder.abort();
    }
    std::fs::write(&quick, b"").unwrap();
    assert_eq!(verdict(&inspector).await, Ok(()), "a free slot is taken");
}
