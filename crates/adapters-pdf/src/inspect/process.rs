//! The parent side: the `PdfInspector` that parses each document in a child process (`seeg inspect-pdf`, see
//! [`super::sandbox`]), so that what lopdf's loader does with a hostile document (overflow its stack, take all
//! the memory it finds, run without end) costs that process only.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use seeg_application::documents::{InspectError, PdfInspector};
use seeg_domain::applications::DocumentProblem;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::process::Command;
use tokio::sync::Semaphore;

use super::PARSED_AT_ONCE;
use super::sandbox::parse_verdict;

/// A verdict line is a few bytes; reading stops past this much (a child that writes on is stopped by the
/// timeout).
const MAX_OUTPUT: u64 = 64;

/// A document every working inspector passes: what [`ProcessInspector::check`] sends.
const PROBE: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Inspects PDFs in child processes, a few at a time: `program args…` reads the document on its standard input
/// and prints its verdict (`clean`, `active <Name>` or `unreadable`) on its standard output, within `timeout`.
/// Anything else (a spawn that fails, an exit status other than success, a signal, no verdict in time, output
/// that is no verdict, an active name the inspector does not know) is `NotPdf`: the document is refused, never
/// passed, and the server goes on.
#[derive(Debug, Clone)]
pub struct ProcessInspector {
    program: PathBuf,
    args: Vec<OsString>,
    timeout: Duration,
    permits: Arc<Semaphore>,
}

/// Why a child gave no verdict, for the log: kinds and exit statuses only, never the document or its names.
#[derive(Debug)]
enum Failure {
    Spawn(std::io::ErrorKind),
    Io(std::io::ErrorKind),
    TimedOut,
    Exited(ExitStatus),
    NoVerdict { bytes: usize },
}

impl ProcessInspector {
    /// An inspector running `program` with `args` for each document, killed past `timeout`.
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
        }
    }

    /// Runs the program once on a minimal clean document: an error unless it answers `clean`. Start-up calls it,
    /// so a program that cannot run (missing, not executable, no such command) stops the start rather than turn
    /// every upload into a refusal.
    pub async fn check(&self) -> anyhow::Result<()> {
        match self.run(Bytes::from_static(PROBE)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(problem)) => {
                anyhow::bail!("l'inspecteur de PDF {} refuse un PDF valide : {problem:?}", self.program.display())
            }
            Err(failure) => anyhow::bail!("l'inspecteur de PDF {} ne répond pas : {failure:?}", self.program.display()),
        }
    }

    /// One child: spawned, fed `pdf`, its verdict read, all within the timeout (a child still running then is
    /// killed and reaped).
    async fn run(&self, pdf: Bytes) -> Result<Result<(), DocumentProblem>, Failure> {
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
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(Failure::Io(std::io::ErrorKind::BrokenPipe));
        };
        let exchange = async {
            // Written while the output is read: a child that stops reading early (a document past the limit)
            // still answers. A write that fails is not a verdict either way: the exit status and output decide.
            let write = async move {
                let _ = stdin.write_all(&pdf).await;
                // Dropping `stdin` closes it: the end of the document.
            };
            let read = async move {
                let mut output = Vec::new();
                stdout.take(MAX_OUTPUT).read_to_end(&mut output).await.map(|_| output)
            };
            let ((), output) = tokio::join!(write, read);
            let output = output.map_err(|error| Failure::Io(error.kind()))?;
            let status = child.wait().await.map_err(|error| Failure::Io(error.kind()))?;
            Ok((status, output))
        };
        let Ok(exchanged) = tokio::time::timeout(self.timeout, exchange).await else {
            // SIGKILL, then reaped: the child is gone before its permit is given back.
            let _ = child.kill().await;
            return Err(Failure::TimedOut);
        };
        let (status, output) = exchanged?;
        if !status.success() {
            return Err(Failure::Exited(status));
        }
        parse_verdict(&output).ok_or(Failure::NoVerdict { bytes: output.len() })
    }
}

#[async_trait]
impl PdfInspector for ProcessInspector {
    async fn inspect(&self, pdf: Bytes) -> Result<(), InspectError> {
        let _permit = super::slot(&self.permits).await?;
        let verdict = self.run(pdf).await.unwrap_or_else(|failure| {
            match failure {
                Failure::Spawn(kind) => tracing::error!(?kind, "the PDF inspector could not be started"),
                Failure::Exited(status) => tracing::warn!(%status, "the PDF inspector stopped without a verdict"),
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
