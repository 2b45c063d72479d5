//! The parent side: the `PdfInspector` that parses each document in a child process (`seeg inspect-pdf`, see
//! [`super::sandbox`]), so that what lopdf's loader does with a hostile document (overflow its stack, take all
//! the memory it finds, run without end) costs that process only. Children are kept between documents, one per
//! inspection that may run at once: a process start (some milliseconds of a core for a binary this size) is
//! paid once for many documents, not three times per submission.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use seeg_application::documents::{InspectError, PdfInspector};
use seeg_domain::applications::{DocumentLimits, DocumentProblem};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::Semaphore;

use super::PARSED_AT_ONCE;
use super::sandbox::{CPU_LIFETIME, CPU_SECONDS, cpu_seconds, parse_verdict};

/// A verdict line is a few bytes; reading stops past this much (a child that writes on is stopped by the
/// timeout).
const MAX_OUTPUT: usize = 64;

/// A document every working inspector passes: what [`ProcessInspector::check`] sends.
const PROBE: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Documents a child inspects before it is replaced: what a long life could gather (a heap fragmented by
/// thousands of parses) never builds up.
const DOCUMENTS_PER_CHILD: u32 = 500;

/// A child whose resident memory has grown past this after a verdict is replaced: what the last parse left in
/// its heap must not narrow the room the next document has under the address-space limit.
const RETIRED_ABOVE_RSS_KIB: u64 = 96 * 1024;

/// The same for its address space (`VmSize`), which is what the limit counts: glibc may give pages back and keep
/// the mappings. A child waiting for a document maps 110–125 MiB (the binary, its libraries, one heap).
const RETIRED_ABOVE_SIZE_KIB: u64 = 256 * 1024;

/// Inspects PDFs in child processes, a few at a time: `program args…` reads documents on its standard input,
/// each as its length in decimal and a line feed then its bytes, and prints a verdict line for each (`clean`,
/// `active <Name>` or `unreadable`) within `timeout`. Anything else (a spawn that fails, an exit, a signal, no
/// verdict in time, output that is no verdict, an active name the inspector does not know) is `NotPdf`: the
/// document is refused, never passed, the child is killed, and the server goes on. A child that answered is
/// kept for a later document unless it has inspected [`DOCUMENTS_PER_CHILD`], used most of its CPU lifetime or
/// grown past [`RETIRED_ABOVE_RSS_KIB`] or [`RETIRED_ABOVE_SIZE_KIB`]; one found dead or talking out of turn when
/// taken up is replaced first.
#[derive(Debug, Clone)]
pub struct ProcessInspector {
    program: PathBuf,
    args: Vec<OsString>,
    timeout: Duration,
    permits: Arc<Semaphore>,
    /// Children waiting for a document; never more than [`PARSED_AT_ONCE`].
    idle: Arc<Mutex<Vec<Worker>>>,
}

/// A running child and its pipes.
#[derive(Debug)]
struct Worker {
    /// Killed when dropped (`kill_on_drop`), and reaped by the runtime.
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    documents: u32,
}

/// Why a child gave no verdict, for the log: kinds only, never the document or its names.
#[derive(Debug)]
enum Failure {
    Spawn(std::io::ErrorKind),
    Io(std::io::ErrorKind),
    TimedOut,
    Ended,
    NoVerdict { bytes: usize },
}

impl ProcessInspector {
    /// An inspector running `program` with `args` as its children, a document killed past `timeout`.
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
        timeout: Duration,
    ) -> Self {
        Self {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            timeout,
            permits: Arc::new(Semaphore::new(PARSED_AT_ONCE)),
            idle: Arc::new(Mutex::new(Vec::with_capacity(PARSED_AT_ONCE))),
        }
    }

    /// Runs the program on a minimal clean document: an error unless it answers `clean`. Start-up calls it, so a
    /// program that cannot run (missing, not executable, no such command) stops the start rather than turn every
    /// upload into a refusal; the child is then kept for the first upload.
    pub async fn check(&self) -> anyhow::Result<()> {
        match self.run(Bytes::from_static(PROBE)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(problem)) => {
                anyhow::bail!("l'inspecteur de PDF {} refuse un PDF valide : {problem:?}", self.program.display())
            }
            Err(failure) => anyhow::bail!("l'inspecteur de PDF {} ne répond pas : {failure:?}", self.program.display()),
        }
    }

    /// One document, in an idle child or a new one: its verdict read within the timeout. The child goes back to
    /// the idle ones only after a verdict to a document it was given whole; in every other case it is dropped,
    /// which kills it. A kept child that ends without a verdict (killed while idle, say, before the runtime saw
    /// it, or still exiting when the document was written) is replaced and the document sent again, once: a
    /// sound document is never refused for what became of an earlier child. A document that ends the new child
    /// too is refused (a hostile one costs two parses, never more).
    async fn run(&self, pdf: Bytes) -> Result<Result<(), DocumentProblem>, Failure> {
        if u64::try_from(pdf.len()).map_or(true, |len| len > DocumentLimits::default().max_document_bytes) {
            // Never sent: the child would refuse it by ending, and a document past the limit is unreadable.
            return Ok(Err(DocumentProblem::NotPdf));
        }
        let (mut worker, kept) = match self.take_idle().await {
            Some(worker) => (worker, true),
            None => (self.spawn()?, false),
        };
        let mut verdict = self.exchange(&mut worker, &pdf).await;
        if kept && matches!(verdict, Err(Failure::Ended | Failure::Io(std::io::ErrorKind::BrokenPipe))) {
            worker = self.spawn()?;
            verdict = self.exchange(&mut worker, &pdf).await;
        }
        let verdict = verdict?;
        worker.documents += 1;
        if worker.fit_for_more() {
            self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(worker);
        }
        Ok(verdict)
    }

    async fn exchange(&self, worker: &mut Worker, pdf: &[u8]) -> Result<Result<(), DocumentProblem>, Failure> {
        tokio::time::timeout(self.timeout, worker.exchange(pdf)).await.unwrap_or(Err(Failure::TimedOut))
    }

    /// An idle child that is still alive and silent: one that has ended (its output closed) or wrote without
    /// being asked is dropped.
    async fn take_idle(&self) -> Option<Worker> {
        loop {
            let mut worker = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop()?;
            // Polled once: a live, silent child has nothing to read yet.
            if tokio::time::timeout(Duration::ZERO, worker.stdout.fill_buf()).await.is_err() {
                return Some(worker);
            }
        }
    }

    fn spawn(&self) -> Result<Worker, Failure> {
        let mut child = Command::new(&self.program)
            .args(&self.args)
            // The child needs nothing from the environment, which holds the server's secrets.
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| Failure::Spawn(error.kind()))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Failure::Io(std::io::ErrorKind::BrokenPipe));
        };
        Ok(Worker { child, stdin, stdout: BufReader::with_capacity(MAX_OUTPUT, stdout), documents: 0 })
    }
}

impl Worker {
    /// Sends `pdf` and reads the verdict line. The document is written while the output is read, and the verdict
    /// counts only once the document has gone whole: a child that answers early, or ends before it has read
    /// everything, is out of step.
    async fn exchange(&mut self, pdf: &[u8]) -> Result<Result<(), DocumentProblem>, Failure> {
        let header = format!("{}\n", pdf.len());
        let sent = AtomicBool::new(false);
        let stdin = &mut self.stdin;
        let write = async {
            stdin.write_all(header.as_bytes()).await?;
            stdin.write_all(pdf).await?;
            stdin.flush().await?;
            sent.store(true, Ordering::Relaxed);
            Ok::<_, std::io::Error>(())
        };
        let stdout = &mut self.stdout;
        let read = async {
            let mut line = Vec::new();
            stdout.take(MAX_OUTPUT as u64).read_until(b'\n', &mut line).await?;
            // Both run in this task: whether the document had gone whole when the line came is exact.
            Ok::<_, std::io::Error>((line, sent.load(Ordering::Relaxed)))
        };
        let (written, answer) = tokio::join!(write, read);
        // A child that had ended before the document came cannot be written to (`BrokenPipe`): said first.
        written.map_err(|error| Failure::Io(error.kind()))?;
        let (line, after_the_document) = answer.map_err(|error| Failure::Io(error.kind()))?;
        if line.is_empty() {
            return Err(Failure::Ended);
        }
        if !after_the_document {
            return Err(Failure::NoVerdict { bytes: line.len() });
        }
        // Anything after the line already there is a second answer: no verdict.
        if !self.stdout.buffer().is_empty() {
            return Err(Failure::NoVerdict { bytes: line.len() + self.stdout.buffer().len() });
        }
        parse_verdict(&line).ok_or(Failure::NoVerdict { bytes: line.len() })
    }

    /// Whether this child may take another document: fewer than [`DOCUMENTS_PER_CHILD`] so far, at least
    /// [`CPU_SECONDS`] (and one more, for rounding) left of its CPU lifetime, memory under
    /// [`RETIRED_ABOVE_SIZE_KIB`] and [`RETIRED_ABOVE_RSS_KIB`]. A child whose figures cannot be read is not kept.
    fn fit_for_more(&self) -> bool {
        let Some(pid) = self.child.id().map(|pid| pid.to_string()) else {
            return false;
        };
        self.documents < DOCUMENTS_PER_CHILD
            && cpu_seconds(&pid).is_some_and(|used| used + CPU_SECONDS < CPU_LIFETIME)
            && memory_kib(&pid)
                .is_some_and(|(size, rss)| size <= RETIRED_ABOVE_SIZE_KIB && rss <= RETIRED_ABOVE_RSS_KIB)
    }
}

/// The address space and resident memory of process `pid`, in KiB (`VmSize` and `VmRSS` in `/proc/PID/status`;
/// a zombie has neither).
fn memory_kib(pid: &str) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find_map(|line| line.strip_prefix(name))?;
        line.trim().strip_suffix("kB")?.trim().parse().ok()
    };
    Some((field("VmSize:")?, field("VmRSS:")?))
}

#[async_trait]
impl PdfInspector for ProcessInspector {
    async fn inspect(&self, pdf: Bytes) -> Result<(), InspectError> {
        let _permit = super::slot(&self.permits).await?;
        let verdict = self.run(pdf).await.unwrap_or_else(|failure| {
            match failure {
                Failure::Spawn(kind) => tracing::error!(?kind, "the PDF inspector could not be started"),
                Failure::Ended => tracing::warn!("the PDF inspector stopped without a verdict"),
                Failure::TimedOut => {
                    tracing::warn!(timeout = ?self.timeout, "the PDF inspector was stopped: no verdict in time");
                }
                Failure::Io(kind) => tracing::warn!(?kind, "the PDF inspector could not be read"),
                Failure::NoVerdict { bytes } => tracing::warn!(bytes, "the PDF inspector answered no verdict"),
            }
            Err(DocumentProblem::NotPdf)
        });
        Ok(verdict?)
    }
}
