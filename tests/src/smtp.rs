//! A real SMTP server on loopback for the mail tests, which start, stop and restart it themselves (on the same
//! port, to play an outage).
//!
//! With `TEST_SMTP_PYTHON` set (`eval "$(bash .ci/smtp.sh)"`: a Python with aiosmtpd), it is aiosmtpd running
//! `tests/smtp/server.py`; without it, a small SMTP server written here, so the same tests pass on a machine with
//! nothing installed. Both save each accepted message to one folder (`NNNNNN.json` envelope, then `NNNNNN.eml`),
//! which outlives restarts and which `messages` reads.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::task::JoinSet;

/// How long a server may take to start listening before the test fails.
const START_BOUND: Duration = Duration::from_secs(30);

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// `MAIL FROM`.
    pub mail_from: String,
    /// Every `RCPT TO`, in order.
    pub rcpt_tos: Vec<String>,
    /// The DATA, line ends as `\n`, dot-stuffing undone.
    pub data: String,
}

enum Running {
    Python(Child),
    Loopback(JoinSet<()>),
    Stopped,
}

/// The server; dropped, it stops.
pub struct SmtpServer {
    port: u16,
    folder: tempfile::TempDir,
    running: Running,
}

impl std::fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpServer").field("port", &self.port).field("kind", &self.kind()).finish_non_exhaustive()
    }
}

fn python() -> Option<String> {
    std::env::var("TEST_SMTP_PYTHON").ok().filter(|p| !p.trim().is_empty())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp").join("server.py")
}

impl SmtpServer {
    /// A server listening on a free loopback port.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut server = Self { port, folder: tempfile::tempdir().unwrap(), running: Running::Stopped };
        server.restart().await;
        server
    }

    /// aiosmtpd or the loopback server written here.
    pub fn kind(&self) -> &'static str {
        if python().is_some() { "aiosmtpd" } else { "loopback" }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops listening and drops every open session: the port refuses connections until `restart`.
    pub async fn stop(&mut self) {
        match std::mem::replace(&mut self.running, Running::Stopped) {
            Running::Python(mut child) => {
                child.kill().await.unwrap();
            }
            Running::Loopback(mut tasks) => {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
            }
            Running::Stopped => {}
        }
    }

    /// Starts listening again on the same port, keeping the messages received so far.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.running = match python() {
            Some(python) => Running::Python(start_python(&python, self.port, self.folder.path()).await),
            None => Running::Loopback(start_loopback(self.port, self.folder.path().to_owned()).await),
        };
    }

    /// Every message accepted so far, in order of arrival.
    pub fn messages(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.folder.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|eml| {
                let envelope: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(eml.with_extension("json")).unwrap()).unwrap();
                let data = String::from_utf8(std::fs::read(&eml).unwrap()).unwrap().replace("\r\n", "\n");
                Received {
                    mail_from: envelope["mail_from"].as_str().unwrap().to_owned(),
                    rcpt_tos: serde_json::from_value(envelope["rcpt_tos"].clone()).unwrap(),
                    data,
                }
            })
            .collect()
    }
}

async fn start_python(python: &str, port: u16, folder: &Path) -> Child {
    let mut child = Command::new(python)
        .arg(script())
        .arg(port.to_string())
        .arg(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("TEST_SMTP_PYTHON={python} could not start: {e}"));
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(START_BOUND, lines.next_line()).await;
    assert!(matches!(ready, Ok(Ok(Some(ref line))) if line == "ready"), "aiosmtpd did not start: {ready:?}");
    child
}

/// The loopback server: EHLO/MAIL/RCPT/DATA/RSET/QUIT, one task per session, each message saved as aiosmtpd's is.
async fn start_loopback(port: u16, folder: PathBuf) -> JoinSet<()> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    let mut tasks = JoinSet::new();
    tasks.spawn(async move {
        let mut sessions = JoinSet::new();
        while let Ok((socket, _)) = listener.accept().await {
            sessions.spawn(session(socket, folder.clone()));
        }
    });
    tasks
}

async fn session(socket: tokio::net::TcpStream, folder: PathBuf) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 loopback ESMTP\r\n").await;
    let (mut mail_from, mut rcpt_tos) = (String::new(), Vec::new());
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let address =
            || line.split_once(':').map(|(_, a)| a.trim().trim_matches(['<', '>']).to_owned()).unwrap_or_default();
        let answer: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250-loopback\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "MAIL" => {
                (mail_from, rcpt_tos) = (address(), Vec::new());
                b"250 OK\r\n"
            }
            "RCPT" => {
                rcpt_tos.push(address());
                b"250 OK\r\n"
            }
            "DATA" => {
                let _ = write.write_all(b"354 go on\r\n").await;
                let mut data = String::new();
                while let Ok(Some(l)) = lines.next_line().await {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push_str("\r\n");
                }
                let number = save(&folder, &mail_from, &rcpt_tos, &data);
                let _ = write.write_all(format!("250 2.0.0 Ok: queued as {number}\r\n").as_bytes()).await;
                continue;
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 OK\r\n",
        };
        let _ = write.write_all(answer).await;
    }
}

/// Saves one message as `server.py` does; returns its number.
fn save(folder: &Path, mail_from: &str, rcpt_tos: &[String], data: &str) -> String {
    let count = std::fs::read_dir(folder)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count();
    let number = format!("{:06}", count + 1);
    let envelope = serde_json::json!({ "mail_from": mail_from, "rcpt_tos": rcpt_tos });
    std::fs::write(folder.join(format!("{number}.json")), envelope.to_string()).unwrap();
    std::fs::write(folder.join(format!("{number}.eml.partial")), data).unwrap();
    std::fs::rename(folder.join(format!("{number}.eml.partial")), folder.join(format!("{number}.eml"))).unwrap();
    number
}

/// The decoded subject of `eml`: RFC 2047 encoded words (UTF-8, base64 "B" encoding) as lettre writes them.
pub fn subject_of(eml: &str) -> String {
    let mut lines = eml.lines().skip_while(|l| !l.starts_with("Subject:"));
    let mut raw = lines.next().unwrap()["Subject:".len()..].trim().to_owned();
    for next in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
        raw.push(' ');
        raw.push_str(next.trim());
    }
    // RFC 2047: space between two encoded words is dropped, any other is kept.
    let mut bytes = Vec::new();
    let mut previous_encoded = None;
    for word in raw.split_whitespace() {
        let encoded = word.strip_prefix("=?utf-8?b?").and_then(|w| w.strip_suffix("?="));
        if previous_encoded.is_some() && !(previous_encoded == Some(true) && encoded.is_some()) {
            bytes.push(b' ');
        }
        match encoded {
            Some(inner) => bytes.extend(base64_decode(inner)),
            None => bytes.extend(word.as_bytes()),
        }
        previous_encoded = Some(encoded.is_some());
    }
    String::from_utf8(bytes).unwrap()
}

/// Standard base64, padding ignored.
pub fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let trimmed: String = text.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).unwrap()
}

/// The headers and the decoded body of the `text/calendar` part of `eml` (lettre writes it in base64).
pub fn calendar_part(eml: &str) -> (String, String) {
    let eml = eml.replace("\r\n", "\n");
    let at = eml.find("Content-Type: text/calendar").unwrap_or_else(|| panic!("no calendar part: {eml}"));
    // The part's headers start after its boundary line.
    let start = eml[..at].rfind("\n--").map(|b| b + 1 + eml[b + 1..].find('\n').unwrap() + 1).unwrap();
    let (headers, rest) = eml[start..].split_once("\n\n").unwrap();
    let body: String = rest.lines().take_while(|l| !l.is_empty() && !l.starts_with("--")).collect();
    (headers.to_owned(), String::from_utf8(base64_decode(&body)).unwrap())
}
