//! The `ProcessInspector` against stand-in programs (`sh` scripts): only a verdict line from a child that exits
//! normally is taken; anything else refuses the document, and the caller goes on. The real child, `seeg
//! inspect-pdf`, is run by crates/server/tests/pdf_sandbox.rs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;

use bytes::Bytes;
use seeg_adapters_pdf::ProcessInspector;
use seeg_application::documents::{InspectError, PdfInspector as _};
use seeg_domain::applications::{DocumentLimits, DocumentProblem};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A child running `script` with `sh`, given 30 s (plenty: only the timeout test waits for it).
fn sh(script: &str) -> ProcessInspector {
    sh_within(script, Duration::from_secs(30))
}

fn sh_within(script: &str, timeout: Duration) -> ProcessInspector {
    ProcessInspector::new("/bin/sh", ["-c", script], timeout)
}

/// A script that reads each document as the inspector sends it (its length line, then its bytes, which `head
/// -c` reads exactly) and runs `answer` for it, until its input ends.
fn each(answer: &str) -> String {
    format!(r#"while read n; do head -c "$n" >/dev/null; {answer}; done"#)
}

async fn verdict(inspector: &ProcessInspector) -> Result<(), InspectError> {
    inspector.inspect(Bytes::from_static(PDF)).await
}

const REFUSED: Result<(), InspectError> = Err(InspectError::Refused(DocumentProblem::NotPdf));

#[tokio::test]
async fn the_verdict_line_is_the_verdict() {
    assert_eq!(verdict(&sh(&each("echo clean"))).await, Ok(()));
    assert_eq!(verdict(&sh(&each("echo unreadable"))).await, REFUSED);
    for name in ["JavaScript", "Launch", "FileAttachment", "Sound"] {
        let answer = verdict(&sh(&each(&format!("echo 'active {name}'")))).await;
        assert_eq!(answer, Err(InspectError::Refused(DocumentProblem::ActiveContent(name))));
    }
}

#[tokio::test]
async fn each_document_reaches_the_child_whole_after_its_length() {
    let inspector = sh(r#"while read n; do
        if [ "$n" = 15 ] && [ "$(head -c "$n" | od -An -c | tr -d ' \n')" = '%PDF-1.7\n%%EOF\n' ]; then echo clean; else echo unreadable; fi
    done"#);
    for _ in 0..3 {
        assert_eq!(inspector.inspect(Bytes::from_static(b"%PDF-1.7\n%%EOF\n")).await, Ok(()));
    }
    // 14 bytes: the child reads 14 and answers for them, and is in step for the next document.
    assert_eq!(inspector.inspect(Bytes::from_static(b"%PDF-1.7\n%%EOF")).await, REFUSED);
    assert_eq!(inspector.inspect(Bytes::from_static(b"%PDF-1.7\n%%EOF\n")).await, Ok(()));
}

#[tokio::test]
async fn anything_but_a_verdict_line_refuses_the_document() {
    for script in [
        "read n; head -c $n >/dev/null; exit 3",        // no verdict, an exit
        "read n; head -c $n >/dev/null; kill -SEGV $$", // no verdict, a crash
        "kill -ABRT $$",                                // a crash before reading (an allocation refused)
        "read n; head -c $n >/dev/null",                // nothing
        &each("echo 'active Unknown'"),                 // a name the inspector does not know
        &each("echo Clean"),                            // not the word
        &each(r"printf 'clean\nclean\n'"),              // two lines
        "read n; head -c $n >/dev/null; printf clean",  // cut short
    ] {
        assert_eq!(verdict(&sh(script)).await, REFUSED, "{script}");
    }
}

/// One child answers document after document: it is started once, not once per document.
#[tokio::test]
async fn a_child_is_kept_for_the_next_documents() {
    let folder = tempfile::tempdir().unwrap();
    let starts = folder.path().join("starts");
    let inspector = sh(&format!("echo $$ >> '{}'; {}", starts.display(), each("echo clean")));
    inspector.check().await.unwrap();
    for _ in 0..20 {
        assert_eq!(verdict(&inspector).await, Ok(()));
    }
    assert_eq!(std::fs::read_to_string(&starts).unwrap().lines().count(), 1);
}

/// A child that refused a document by ending, or that ended after its verdict, or that was killed while it
/// waited, is replaced: the next documents are answered, never refused for what became of it.
#[tokio::test]
async fn a_child_that_ended_is_replaced_and_the_next_document_answered() {
    let folder = tempfile::tempdir().unwrap();
    let starts = folder.path().join("starts");
    let started = || std::fs::read_to_string(&starts).unwrap().lines().map(str::to_owned).collect::<Vec<_>>();

    // Ends after each verdict: every document is answered all the same, each by a child of its own.
    let once = sh(&format!("echo $$ >> '{}'; read n; head -c $n >/dev/null; echo clean", starts.display()));
    for _ in 0..4 {
        assert_eq!(verdict(&once).await, Ok(()));
    }
    assert_eq!(started().len(), 4);

    // Crashes on a document holding `crash`, answers any other.
    std::fs::remove_file(&starts).unwrap();
    let fragile = sh(&format!(
        r#"echo $$ >> '{}'; while read n; do if head -c "$n" | grep -q crash; then kill -KILL $$; fi; echo clean; done"#,
        starts.display()
    ));
    assert_eq!(verdict(&fragile).await, Ok(()));
    assert_eq!(fragile.inspect(Bytes::from_static(b"%PDF-1.7 crash")).await, REFUSED);
    assert_eq!(verdict(&fragile).await, Ok(()));
    assert_eq!(verdict(&fragile).await, Ok(()));
    // The crash ended a kept child: the document went once more to a new child, which it ended too.
    assert_eq!(started().len(), 3, "one child for the first document, one more for the crash, one after it");

    // Killed while it waits for the next document: the document goes to a new child.
    let waiting = started().last().unwrap().clone();
    let killed = std::process::Command::new("kill").args(["-KILL", &waiting]).status().unwrap();
    assert!(killed.success());
    assert_eq!(verdict(&fragile).await, Ok(()));
    assert_eq!(started().len(), 4);
}

/// A document past the size limit is never sent: unreadable, and the child stays in step.
#[tokio::test]
async fn a_document_past_the_size_limit_is_refused_without_being_sent() {
    let folder = tempfile::tempdir().unwrap();
    let sizes = folder.path().join("sizes");
    let inspector =
        sh(&format!("while read n; do echo $n >> '{}'; head -c $n >/dev/null; echo clean; done", sizes.display()));
    let max = usize::try_from(DocumentLimits::default().max_document_bytes).unwrap();
    assert_eq!(inspector.inspect(Bytes::from(vec![b'%'; max + 1])).await, REFUSED);
    assert_eq!(inspector.inspect(Bytes::from(vec![b'%'; max])).await, Ok(()));
    assert_eq!(std::fs::read_to_string(&sizes).unwrap(), format!("{max}\n"));
}

/// A child that answers before it has been given the whole document is out of step: not heard, and not kept,
/// whether it then reads the rest or ends.
#[tokio::test]
async fn a_child_that_answers_before_reading_the_document_is_not_heard() {
    let large = Bytes::from(vec![b'%'; 4 * 1024 * 1024]);
    let folder = tempfile::tempdir().unwrap();
    let starts = folder.path().join("starts");
    let early = sh(&format!(
        r#"echo $$ >> '{}'; while read n; do echo clean; head -c "$n" >/dev/null; done"#,
        starts.display()
    ));
    assert_eq!(early.inspect(large.clone()).await, REFUSED);
    assert_eq!(early.inspect(large.clone()).await, REFUSED);
    assert_eq!(std::fs::read_to_string(&starts).unwrap().lines().count(), 2, "the first child was not kept");
    assert_eq!(sh("read n; echo clean").inspect(large).await, REFUSED);
}

/// After 500 documents a child is replaced by a new one (what a long life could gather never builds up).
#[tokio::test]
async fn a_child_is_replaced_after_five_hundred_documents() {
    let folder = tempfile::tempdir().unwrap();
    let starts = folder.path().join("starts");
    let inspector = sh(&format!("echo $$ >> '{}'; {}", starts.display(), each("echo clean")));
    for _ in 0..500 {
        assert_eq!(verdict(&inspector).await, Ok(()));
    }
    assert_eq!(std::fs::read_to_string(&starts).unwrap().lines().count(), 1);
    assert_eq!(verdict(&inspector).await, Ok(()));
    assert_eq!(std::fs::read_to_string(&starts).unwrap().lines().count(), 2);
}

/// No answer in time, or an answer without end (read no further than a verdict's length): stopped, refused.
#[tokio::test]
async fn a_child_that_does_not_answer_in_time_is_stopped() {
    let within = Duration::from_secs(1);
    assert_eq!(verdict(&sh_within("sleep 60", within)).await, REFUSED);
    assert_eq!(verdict(&sh_within("read n; head -c $n >/dev/null; yes clean", within)).await, REFUSED);
}

#[tokio::test]
async fn a_program_that_cannot_start_refuses_the_document_and_fails_the_check() {
    let missing = ProcessInspector::new("/nonexistent/seeg", ["inspect-pdf"], Duration::from_secs(30));
    assert_eq!(verdict(&missing).await, REFUSED);
    let error = format!("{:#}", missing.check().await.unwrap_err());
    assert!(error.contains("/nonexistent/seeg"), "{error}");
}

#[tokio::test]
async fn the_start_up_check_wants_a_clean_verdict_on_a_clean_document() {
    sh(&each("echo clean")).check().await.unwrap();
    assert!(sh(&each("echo unreadable")).check().await.is_err());
    assert!(sh("exit 0").check().await.is_err());
}

/// Two inspections at once; a third waits for a slot a bounded time, then says so (`Busy`: a 503 for its
/// request), rather than queueing behind slow documents without end. A slot freed in time is taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_that_finds_no_free_slot_in_time_is_told_to_come_back() {
    let folder = tempfile::tempdir().unwrap();
    let quick = folder.path().join("rapide");
    // Slow (30 s) until the file `quick` exists, then at once.
    let inspector =
        sh_within(&each(&format!("[ -e '{}' ] || sleep 30; echo clean", quick.display())), Duration::from_mins(1));
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
