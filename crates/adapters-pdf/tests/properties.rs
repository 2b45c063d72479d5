//! Property tests of the deep S11 check (`active_content`, what the `seeg inspect-pdf` child runs on every
//! upload): on arbitrary bytes and on damaged copies of real documents it answers a verdict, the same each
//! time, without any panic (not even one its own `catch_unwind` would turn into "unreadable"); and a damaged
//! document carrying a script never gets past the raw scan and the deep check together.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

#[allow(dead_code)] // the documents the inspector's other tests write; a few serve here
mod crafted;

use std::cell::Cell;
use std::sync::Once;

use crafted::{Pdf, SCRIPT, catalog_and_pages, opening};
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::Config;
use seeg_adapters_pdf::active_content;
use seeg_domain::applications::{ACTIVE_NAMES, DocumentLimits, DocumentProblem, PdfScan};

/// Parsing is the slow part: 128 cases a property, no regression file written into the source tree.
fn config() -> Config {
    Config { cases: 128, failure_persistence: None, ..Config::default() }
}

thread_local! {
    /// Panics raised on this thread since it started, caught or not.
    static PANICS: Cell<usize> = const { Cell::new(0) };
}

/// Counts every panic on the thread that raises it (and still reports it as before). The loader's own unwinding
/// out of lopdf when a cap is reached goes through `resume_unwind`, which skips the hook: only real panics count.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.with(|count| count.set(count.get() + 1));
            previous(info);
        }));
    });
}

/// The inspector's verdict on `pdf`, checked to be one it may give, the same twice, and reached without a panic.
fn verdict(pdf: &[u8]) -> Result<Result<(), DocumentProblem>, TestCaseError> {
    count_panics();
    let before = PANICS.with(Cell::get);
    let first = active_content(pdf);
    let panics = PANICS.with(Cell::get) - before;
    prop_assert_eq!(panics, 0, "a panic while inspecting (caught, but a bug)");
    match &first {
        Ok(()) | Err(DocumentProblem::NotPdf) => {}
        Err(DocumentProblem::ActiveContent(name)) => prop_assert!(
            ACTIVE_NAMES.contains(name)
                || ["EF", "FileAttachment", "3D", "OnInstantiate", "Rendition", "Movie", "Sound"].contains(name),
            "unknown active name {}",
            name
        ),
        Err(other) => prop_assert!(false, "the deep check gave {:?}", other),
    }
    prop_assert_eq!(active_content(pdf), first.clone(), "the verdict depends on the bytes only");
    Ok(first)
}

/// One page, plain objects and a cross-reference table; object 4 holds `extra` if any, opened by the catalog.
fn plain(extra: Option<&str>) -> Vec<u8> {
    let open = if extra.is_some() { "/OpenAction 4 0 R" } else { "" };
    let mut pdf = Pdf::new();
    pdf.object(1, format!("<< /Type /Catalog /Pages 2 0 R {open} >>"))
        .object(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
        .object(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>");
    if let Some(extra) = extra {
        pdf.object(4, extra);
    }
    pdf.table("/Root 1 0 R");
    pdf.bytes()
}

/// The same page in a compressed object stream, with a cross-reference stream.
fn compressed() -> Vec<u8> {
    let mut pdf = Pdf::new();
    pdf.object_stream(5, &catalog_and_pages(None)).xref_stream(6, "/Root 1 0 R");
    pdf.bytes()
}

/// Clean documents, then documents opening a script.
fn seeds() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    (vec![plain(None), compressed()], vec![plain(Some(SCRIPT)), opening(SCRIPT)])
}

#[test]
fn the_seeds_get_the_verdicts_the_properties_start_from() {
    let (clean, active) = seeds();
    for pdf in clean {
        assert_eq!(active_content(&pdf), Ok(()), "{}", String::from_utf8_lossy(&pdf));
    }
    for pdf in active {
        assert_eq!(active_content(&pdf), Err(DocumentProblem::ActiveContent("JavaScript")));
    }
}

/// Where the data of the document's first compressed stream lies (empty without one).
fn compressed_data(pdf: &[u8]) -> std::ops::Range<usize> {
    let Some(dict) = pdf.windows(12).position(|w| w == b"/FlateDecode") else { return 0..0 };
    let find = |from: usize, what: &[u8]| pdf[from..].windows(what.len()).position(|w| w == what).map(|p| from + p);
    let start = find(dict, b"stream\n").unwrap() + b"stream\n".len();
    start..find(start, b"\nendstream").unwrap()
}

/// Damage done to a document.
#[derive(Debug, Clone)]
enum Damage {
    /// Cut after this many bytes.
    Truncate(Index),
    /// One byte XORed with a non-zero mask.
    Flip(Index, u8),
    /// Bytes inserted.
    Insert(Index, Vec<u8>),
    /// A run of bytes removed.
    Delete(Index, usize),
    /// A run of bytes written twice.
    Duplicate(Index, usize),
    /// A digit changed into another (offsets, lengths, object numbers, counts).
    Digit(Index, u8),
}

fn damage() -> impl Strategy<Value = Damage> {
    let garbage = prop_oneof![
        prop::collection::vec(any::<u8>(), 1..32),
        select(vec![
            &b" 0 R"[..],
            b"obj",
            b"endobj",
            b"stream\n",
            b"endstream",
            b"<<",
            b">>",
            b"[",
            b"]",
            b"(",
            b"\\",
            b"/Length 9 0 R",
            b"/Type /ObjStm",
            b"xref\n0 1\n",
            b"trailer",
            b"startxref\n0\n",
            b"%%EOF",
        ])
        .prop_map(<[u8]>::to_vec),
    ];
    prop_oneof![
        any::<Index>().prop_map(Damage::Truncate),
        (any::<Index>(), 1..=255u8).prop_map(|(at, mask)| Damage::Flip(at, mask)),
        (any::<Index>(), garbage).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<Index>(), 1..64usize).prop_map(|(at, len)| Damage::Delete(at, len)),
        (any::<Index>(), 1..64usize).prop_map(|(at, len)| Damage::Duplicate(at, len)),
        (any::<Index>(), 0..10u8).prop_map(|(at, digit)| Damage::Digit(at, digit)),
    ]
}

fn apply(pdf: &mut Vec<u8>, damage: &Damage) {
    let len = pdf.len();
    let at = |index: &Index| index.index(len.max(1)).min(len);
    match damage {
        Damage::Truncate(index) => pdf.truncate(at(index)),
        Damage::Flip(index, mask) => {
            if let Some(byte) = pdf.get_mut(at(index)) {
                *byte ^= mask;
            }
        }
        Damage::Insert(index, bytes) => {
            let i = at(index);
            pdf.splice(i..i, bytes.iter().copied());
        }
        Damage::Delete(index, run) => {
            let i = at(index);
            pdf.drain(i..(i + run).min(len));
        }
        Damage::Duplicate(index, run) => {
            let i = at(index);
            let copy = pdf[i..(i + run).min(len)].to_vec();
            pdf.splice(i..i, copy);
        }
        Damage::Digit(index, digit) => {
            let digits: Vec<usize> = (0..len).filter(|&i| pdf[i].is_ascii_digit()).collect();
            if !digits.is_empty() {
                pdf[digits[index.index(digits.len())]] = b'0' + digit;
            }
        }
    }
}

/// Any bytes an upload may carry: random, or random behind a PDF header and before a trailer.
fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(any::<u8>(), 0..4096), any::<bool>()).prop_map(|(bytes, framed)| {
        if framed { [b"%PDF-1.7\n".as_slice(), &bytes, b"\n%%EOF\n"].concat() } else { bytes }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_get_a_verdict_without_a_panic(bytes in arbitrary_bytes()) {
        let _ = verdict(&bytes)?;
    }

    #[test]
    fn damaged_documents_get_a_verdict_without_a_panic(
        seed in 0..4usize,
        damages in prop::collection::vec(damage(), 1..5),
    ) {
        let (clean, active) = seeds();
        let mut pdf = [clean, active].concat().swap_remove(seed);
        for damage in &damages {
            apply(&mut pdf, damage);
        }
        let _ = verdict(&pdf)?;
    }

    /// What an upload goes through: the raw scan, then the deep check. A flipped byte in compressed stream data is
    /// left out: it changes what the stream inflates to (no reader checks the zlib checksum), so it may rewrite
    /// `/JavaScript` into another name for every reader alike.
    #[test]
    fn one_flipped_byte_never_gets_a_document_with_a_script_past_the_checks(
        seed in 0..2usize,
        at in any::<Index>(),
        mask in 1..=255u8,
    ) {
        let mut pdf = seeds().1.swap_remove(seed);
        let position = at.index(pdf.len());
        prop_assume!(!compressed_data(&pdf).contains(&position));
        pdf[position] ^= mask;
        let mut scan = PdfScan::new();
        scan.feed(&pdf);
        let raw = scan.finish("cv.pdf", &DocumentLimits::default());
        let deep = verdict(&pdf)?;
        prop_assert!(raw.is_err() || deep.is_err(), "fail closed: damage is no way past the checks");
    }
}
