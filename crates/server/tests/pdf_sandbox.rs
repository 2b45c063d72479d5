//! S11 in a child process, through the real binary: `seeg inspect-pdf` is the `ProcessInspector`'s program, as
//! the server runs it. Documents that abort or exhaust the process that parses them (a chain of indirect
//! `/Length`s deeper than a thread's stack, object streams lopdf's loader keeps whatever they weigh) are refused
//! as unreadable while this process goes on; the deepest chain a document can hold is answered, not crashed on;
//! a program that never answers is stopped at the timeout. Then the server itself, started as deployed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

#[allow(dead_code)] // what only the inspector's own tests use
#[path = "../../adapters-pdf/tests/crafted/mod.rs"]
mod crafted;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use crafted::{Pdf, SCRIPT, catalog_and_pages, deflate, object_stream, opening};
use seeg_adapters_pdf::ProcessInspector;
use seeg_application::documents::{InspectError, PdfInspector as _};
use seeg_domain::applications::{DocumentLimits, DocumentProblem};
use seeg_tests::accounts::PASSWORD;
use seeg_tests::eventually::eventually;
use seeg_tests::submissions::submission_body;
use seeg_tests::{Backend, TestDatabase};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");

/// The binary's child, as the server runs it; the timeout is generous (tests share two cores) and never reached.
fn inspector() -> ProcessInspector {
    ProcessInspector::new(BIN, ["inspect-pdf"], Duration::from_secs(120))
}

async fn inspect(pdf: Vec<u8>) -> Result<(), DocumentProblem> {
    inspector().inspect(Bytes::from(pdf)).await.map_err(refused)
}

/// The document problem of a verdict (no test here runs two inspections at once: never `Busy`).
fn refused(error: InspectError) -> DocumentProblem {
    match error {
        InspectError::Refused(problem) => problem,
        InspectError::Busy => panic!("no inspection slot in a test that runs one at a time"),
    }
}

/// `seeg inspect-pdf` run on `pdf` as the inspector runs it (empty environment), then its input closed: its
/// exit status and output.
fn run_child(pdf: &[u8]) -> Output {
    run_child_on(&[pdf])
}

/// `seeg inspect-pdf` started as the inspector starts it (empty environment), its input and output piped.
fn spawn_child() -> Child {
    Command::new(BIN)
        .arg("inspect-pdf")
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// `seeg inspect-pdf` given `pdfs` one after the other (each as its length line, then its bytes), then its input
/// closed: its exit status and output.
fn run_child_on(pdfs: &[&[u8]]) -> Output {
    let mut child = spawn_child();
    let mut stdin = child.stdin.take().unwrap();
    let mut input = Vec::new();
    for pdf in pdfs {
        input.extend_from_slice(format!("{}\n", pdf.len()).as_bytes());
        input.extend_from_slice(pdf);
    }
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

/// `links` object streams in a chain, written as an attacker would: object `k` is only
/// `k 0 obj<</Length m 0 R>>stream`, `m` a member the cross-reference data places in object stream `k + 1`.
/// Reading the first, lopdf's loader reads the second for its length, and so on to the last, by recursion
/// (about 2 KiB of stack a link), before it finds that none can be unpacked: the document is unreadable.
fn chain(links: u32) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n".to_vec();
    // Entries 0, 1, …: the head of the free list, the links, then the members holding their lengths.
    let mut entries = vec![(0, 0, 255)];
    for k in 1..=links {
        entries.push((1, pdf.len(), 0));
        pdf.extend_from_slice(format!("{k} 0 obj<</Length {} 0 R>>stream\n", links + k).as_bytes());
    }
    entries.extend((2..=links + 1).map(|container| (2, container as usize, 0)));
    compressed_xref(&mut pdf, &entries);
    pdf
}

/// Cross-reference streams for `entries` (type, offset or container, generation or index), numbered from 0:
/// compressed (the chain's take 5 bytes a link), each of at most 100,000 entries (lopdf inflates at most 1 MiB
/// of one), chained by `/Prev`; then the end of the file.
fn compressed_xref(pdf: &mut Vec<u8>, entries: &[(u8, usize, u8)]) {
    const SECTION: usize = 100_000;
    let size = entries.len() + entries.len().div_ceil(SECTION);
    let (mut start, mut prev) = (0, String::new());
    for (index, section) in entries.chunks(SECTION).enumerate() {
        let data: Vec<u8> = section
            .iter()
            .flat_map(|&(kind, field, last)| {
                let [_, a, b, c] = u32::try_from(field).unwrap().to_be_bytes();
                [kind, a, b, c, last]
            })
            .collect();
        let data = deflate(&data);
        start = pdf.len();
        let (number, first) = (entries.len() + index, index * SECTION);
        let dict = format!(
            "/Type /XRef /Size {size} /Index [{first} {}] /W [1 3 1] {prev} /Filter /FlateDecode /Length {}",
            section.len(),
            data.len()
        );
        pdf.extend_from_slice(format!("{number} 0 obj\n<< {dict} >>\nstream\n").as_bytes());
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        prev = format!("/Prev {start}");
    }
    pdf.extend_from_slice(format!("startxref\n{start}\n%%EOF\n").as_bytes());
}

/// A valid document whose `links` object streams form such a chain, each one's `/Length` a member of the next:
/// the first holds the catalog, its page and the action the catalog opens.
fn valid_chain(links: u32, action: &str) -> Vec<u8> {
    let mut members = catalog_and_pages(Some("4 0 R"));
    members.push((4, action.to_owned()));
    let container = |k: u32| 10 + k;
    // The length of container `k`, a member of container `k + 1`.
    let length = |k: u32| 10 + links + k;
    let mut streams: Vec<(String, Vec<u8>)> = Vec::new();
    for k in 0..links {
        let packed = match streams.last() {
            None => object_stream(&members),
            Some((_, previous)) => object_stream(&[(length(k - 1), previous.len().to_string())]),
        };
        streams.push((packed.dict(), deflate(&packed.content)));
    }
    let mut pdf = Pdf::new();
    pdf.place(container(0), &members);
    for ((dict, data), k) in streams.iter().zip(0..) {
        if k > 0 {
            pdf.place(container(k), &[(length(k - 1), "")]);
        }
        let own_length = if k + 1 < links { format!("{} 0 R", length(k)) } else { data.len().to_string() };
        let mut body = format!("<< {dict} /Filter /FlateDecode /Length {own_length} >>\nstream\n").into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        pdf.object(container(k), body);
    }
    pdf.xref_stream(length(links), "/Root 1 0 R");
    pdf.bytes()
}

/// `streams` stream objects whose `/Length`s each name a member of an object stream of their own, which also
/// holds an array of 500,000 empty arrays (1 MiB inflated, as much as lopdf's loader inflates there): to read
/// each length the loader unpacks that object stream, parsed (some 300 MB at its peak), and keeps it to the end
/// of the load, beyond the reach of our caps. Eight take 2.4 GB from 11 KB.
fn kept_object_streams(streams: u32) -> Vec<u8> {
    let bulk = format!("[{}]", "[]".repeat(500_000));
    let mut pdf = Pdf::new();
    pdf.object_stream(5, &catalog_and_pages(None));
    for i in 0..streams {
        let (stream, container, length, array) = (100 + 4 * i, 101 + 4 * i, 102 + 4 * i, 103 + 4 * i);
        pdf.object_stream(container, &[(length, "5".to_owned()), (array, bulk.clone())]);
        pdf.object(stream, format!("<< /Length {length} 0 R >>\nstream\nhello\nendstream"));
    }
    pdf.xref_stream(6, "/Root 1 0 R");
    pdf.bytes()
}

#[tokio::test]
async fn a_clean_document_passes() {
    assert_eq!(inspect(opening("<< /S /GoTo /D [3 0 R /Fit] >>")).await, Ok(()));
}

#[tokio::test]
async fn a_script_hidden_in_an_object_stream_is_active_content() {
    let pdf = opening(SCRIPT);
    assert!(!pdf.windows(10).any(|w| w == b"JavaScript"), "the script is in the raw bytes");
    assert_eq!(inspect(pdf).await, Err(DocumentProblem::ActiveContent("JavaScript")));
}

/// One child answers each document in turn, in order, then exits when its input ends; one that lopdf's loader
/// fails on (a chain of lengths, unreadable) leaves it in step for the next.
#[test]
fn the_child_answers_each_document_in_turn() {
    let clean = opening("<< /S /GoTo /D [3 0 R /Fit] >>");
    let output = run_child_on(&[&clean, &opening(SCRIPT), &chain(2000), b"", &clean]);
    assert!(output.status.success(), "{}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "clean\nactive JavaScript\nunreadable\nunreadable\nclean\n");
}

/// CPU time (user and system) process `pid` has used, in clock ticks of 1/100 s, from `/proc/PID/stat`.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 1..].split_ascii_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// Each document has a CPU budget of its own (10 s): a child given heavy documents one after the other goes on
/// answering well past 10 s of CPU in all, where a budget shared by its documents would have stopped it.
#[test]
fn the_cpu_budget_is_each_document_s_own() {
    use std::io::BufRead as _;
    let heavy = chain(230_000);
    let mut child = spawn_child();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut answered = 0;
    while cpu_ticks(pid) < 1300 {
        stdin.write_all(format!("{}\n", heavy.len()).as_bytes()).unwrap();
        stdin.write_all(&heavy).unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert_eq!(line, "unreadable\n", "document {answered}, {} ticks of CPU used", cpu_ticks(pid));
        answered += 1;
        assert!(answered < 200, "the documents are too light to reach the budget");
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// The server's way: one inspector, its children kept between documents and replaced when a document kills
/// one; every verdict is the document's own.
#[tokio::test]
async fn one_inspector_answers_a_run_of_documents_whatever_became_of_its_children() {
    let inspector = inspector();
    inspector.check().await.unwrap();
    let clean = || Bytes::from(opening("<< /S /GoTo /D [3 0 R /Fit] >>"));
    let verdict = |pdf: Vec<u8>| {
        let inspector = inspector.clone();
        async move { inspector.inspect(Bytes::from(pdf)).await.map_err(refused) }
    };
    for round in 0..3 {
        assert_eq!(inspector.inspect(clean()).await.map_err(refused), Ok(()), "round {round}");
        assert_eq!(verdict(opening(SCRIPT)).await, Err(DocumentProblem::ActiveContent("JavaScript")));
        // Aborts the child that takes it (the address-space limit): refused, and the next one starts afresh.
        assert_eq!(verdict(kept_object_streams(8)).await, Err(DocumentProblem::NotPdf));
        assert_eq!(inspector.inspect(clean()).await.map_err(refused), Ok(()), "round {round}, after a crash");
    }
}

/// 2,000 links: twice what overflows the 2 MiB stack of a thread of the server's blocking pool, which aborts
/// the whole process (as this one, were the document parsed here).
#[tokio::test]
async fn a_chain_of_lengths_deeper_than_a_thread_stack_is_unreadable_and_this_process_goes_on() {
    let pdf = chain(2000);
    assert!(pdf.len() < 100 * 1024, "{}", pdf.len());
    assert_eq!(inspect(pdf).await, Err(DocumentProblem::NotPdf));
    // Still here, and the inspector still answers.
    assert_eq!(inspect(opening(SCRIPT)).await, Err(DocumentProblem::ActiveContent("JavaScript")));
}

/// Such a chain in a valid document is no reason to refuse it: the child's stack holds it, it is read to its
/// end, and what its first object stream holds decides.
#[tokio::test]
async fn a_valid_document_chaining_its_lengths_is_read_to_its_end() {
    assert_eq!(inspect(valid_chain(2000, SCRIPT)).await, Err(DocumentProblem::ActiveContent("JavaScript")));
    assert_eq!(inspect(valid_chain(2000, "<< /S /GoTo /D [3 0 R /Fit] >>")).await, Ok(()));
}

/// The densest chain that fits in a document (some 230,000 links, 2.2 KiB of stack each in a debug build): the
/// child's stack holds it, and the child answers instead of crashing.
#[test]
fn the_deepest_chain_a_document_can_hold_is_answered_not_crashed_on() {
    let pdf = chain(230_000);
    let max = usize::try_from(DocumentLimits::default().max_document_bytes).unwrap();
    assert!(pdf.len() <= max && pdf.len() > max / 100 * 98, "{} bytes", pdf.len());
    let output = run_child(&pdf);
    assert!(output.status.success(), "{}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "unreadable\n");
}

/// Without the address-space limit the child takes 2.4 GB, then answers (unreadable); with it, the allocation
/// fails and the child aborts, which the inspector reads as unreadable too.
#[tokio::test]
async fn object_streams_kept_by_lopdf_are_stopped_by_the_address_space_limit() {
    let pdf = kept_object_streams(8);
    assert!(pdf.len() < 16 * 1024, "{}", pdf.len());
    let output = run_child(&pdf);
    assert!(!output.status.success(), "{}: {}", output.status, String::from_utf8_lossy(&output.stdout));
    assert!(output.stdout.is_empty(), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(inspect(pdf).await, Err(DocumentProblem::NotPdf));
}

#[tokio::test]
async fn a_document_past_the_size_limit_is_unreadable() {
    let max = usize::try_from(DocumentLimits::default().max_document_bytes).unwrap();
    let mut pdf = opening("<< /S /GoTo /D [3 0 R /Fit] >>");
    assert_eq!(inspect(pdf.clone()).await, Ok(()));
    pdf.resize(max + 1, b'\n');
    assert_eq!(inspect(pdf).await, Err(DocumentProblem::NotPdf));
}

#[tokio::test]
async fn a_program_that_never_answers_is_stopped_at_the_timeout() {
    let sleeper = ProcessInspector::new("sleep", ["60"], Duration::from_secs(1));
    assert_eq!(
        sleeper.inspect(Bytes::from(opening(SCRIPT))).await,
        Err(InspectError::Refused(DocumentProblem::NotPdf))
    );
}

/// `seeg serve` in `dir` on the database at `url`, with its default PDF inspection (a child process).
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Server {
    async fn start(dir: &Path, url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join("seeg.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = seeg_tests::binary::serve(BIN, dir, port, url)
            .env("APP__AUTH__BCRYPT_COST", "4")
            .env("APP__LAKE__KIND", "memory")
            .env("APP__MAIL__TRANSPORT", "memory")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut server = Self { child, base: format!("http://127.0.0.1:{port}"), log };
        let health = server.url("/health");
        eventually("seeg serving", async || {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("seeg exited before serving ({status}): {}", server.output());
            }
            reqwest::get(&health).await.ok().filter(|r| r.status().is_success()).map(|_| ())
        })
        .await;
        server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
        let mut request = reqwest::Client::new().post(self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap_or_else(|error| panic!("{error}: {}", self.output()));
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    /// An external candidate signed up and signed in: its access token.
    async fn candidate(&self, email: &str) -> String {
        let signup = json!({
            "email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
            "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F",
            "candidate_status": "externe", "no_seeg_email": false,
        });
        let (status, body) = self.post("/api/v1/auth/signup", None, &signup).await;
        assert_eq!(status, 201, "{body}");
        let (status, session) =
            self.post("/api/v1/auth/login", None, &json!({ "email": email, "password": PASSWORD })).await;
        assert_eq!(status, 200, "{session}");
        session["access_token"].as_str().unwrap().to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server as deployed, its inspector its own binary's `inspect-pdf`: a CV that would abort a parsing thread
/// (and with it the whole service) is refused as not a PDF, and the server goes on: its health answers, and the
/// same candidate's next submission is taken.
#[tokio::test]
async fn the_server_refuses_a_cv_that_crashes_a_parser_and_goes_on_serving() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::create(Backend::Sqlite).await;
    let database = db.connect().await;
    let mut offer = seeg_tests::offers::offer("Technicien réseau", 0);
    offer.application_deadline = None;
    seeg_tests::insert_offers(&database, std::slice::from_ref(&offer)).await;
    database.close().await.unwrap();

    let server = Server::start(dir.path(), &db.url).await;
    let token = server.candidate("awa@example.com").await;
    let mut body = submission_body(&offer, "awa");
    let cv = body["documents"].as_array_mut().unwrap().iter_mut().find(|d| d["document_type"] == "cv").unwrap();
    cv["file_data"] = base64::engine::general_purpose::STANDARD.encode(chain(2000)).into();

    let (status, answer) = server.post("/api/v1/applications/", Some(&token), &body).await;
    assert_eq!(status, 422, "{answer} {}", server.output());
    assert_eq!(answer["code"], "document_not_pdf", "{answer}");

    let health = reqwest::get(server.url("/health")).await.unwrap();
    assert_eq!(health.status(), 200, "{}", server.output());
    let (status, answer) = server.post("/api/v1/applications/", Some(&token), &submission_body(&offer, "awa")).await;
    assert_eq!(status, 201, "{answer} {}", server.output());
}
