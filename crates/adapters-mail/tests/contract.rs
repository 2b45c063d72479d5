//! The Mailer contract on every adapter: the message arrives with its recipient, its UTF-8 subject and both
//! bodies; the same id sent twice is one message where the transport allows. SMTP runs against a loopback
//! server this test starts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::time::Duration;

use secrecy::SecretString;
use seeg_adapters_mail::{FolderMailer, MemoryMailer, Sender, SmtpConfig, SmtpMailer, SmtpSecurity};
use seeg_application::mail::{Attachment, MailMessage, Mailer};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;
use uuid::Uuid;

fn message() -> MailMessage {
    MailMessage {
        id: Uuid::from_u128(0x1234),
        to: "awa.mba@example.com".into(),
        cc: Vec::new(),
        bcc: Vec::new(),
        subject: "🔑 Réinitialisation de votre mot de passe - OneHCM SEEG".into(),
        text: "Bonjour Madame Awa Mba, voici le lien.".into(),
        html: "<p>Bonjour Madame Awa Mba, voici le lien.</p>".into(),
        attachments: Vec::new(),
    }
}

/// A calendar long enough to need folding, with non-ASCII text and CRLF line ends.
const ICS: &str = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Entretien - Ingénieur réseau \
                   électricité\\, Libreville\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

fn with_invitation() -> MailMessage {
    MailMessage {
        id: Uuid::from_u128(0x5678),
        attachments: vec![Attachment {
            file_name: "invitation.ics".into(),
            content_type: "text/calendar; method=REQUEST; charset=UTF-8".into(),
            text: ICS.into(),
        }],
        ..message()
    }
}

/// The headers and the decoded body of the text/calendar part of `eml` (lettre writes it in base64).
fn calendar_part(eml: &str) -> (String, String) {
    let eml = eml.replace("\r\n", "\n");
    let at = eml.find("Content-Type: text/calendar").unwrap_or_else(|| panic!("no calendar part: {eml}"));
    // The part's headers start after its boundary line.
    let start = eml[..at].rfind("\n--").map(|b| b + 1 + eml[b + 1..].find('\n').unwrap() + 1).unwrap();
    let (headers, rest) = eml[start..].split_once("\n\n").unwrap();
    let body: String = rest.lines().take_while(|l| !l.is_empty() && !l.starts_with("--")).collect();
    (headers.to_owned(), String::from_utf8(base64_decode(&body)).unwrap())
}

fn assert_invitation_arrived(eml: &str) {
    assert!(eml.contains("multipart/mixed"), "{eml}");
    assert!(eml.contains("multipart/alternative"), "{eml}");
    assert!(eml.contains("Bonjour Madame Awa Mba, voici le lien."), "{eml}");
    let (headers, text) = calendar_part(eml);
    let headers = headers.to_ascii_lowercase();
    assert!(headers.contains("content-type: text/calendar; method=request; charset=utf-8"), "{headers}");
    assert!(headers.contains("content-disposition: attachment; filename=\"invitation.ics\""), "{headers}");
    assert!(headers.contains("content-transfer-encoding: base64"), "{headers}");
    assert_eq!(text, ICS, "byte for byte, CRLF included");
}

fn sender() -> Sender {
    Sender::new("no-reply@seeg-talentsource.com", "OneHCM - SEEG").unwrap()
}

/// Decodes the RFC 2047 encoded-words lettre writes for a UTF-8 subject (base64 "B" encoding).
fn subject_of(eml: &str) -> String {
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

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        bits = (bits << 6) | u32::try_from(ALPHABET.iter().position(|a| *a == c).unwrap()).unwrap();
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from(bits >> count).unwrap());
            bits &= (1 << count) - 1;
        }
    }
    out
}

fn assert_arrived(eml: &str) {
    assert!(eml.contains("To: awa.mba@example.com"), "{eml}");
    assert!(eml.contains("From: \"OneHCM - SEEG\" <no-reply@seeg-talentsource.com>"), "{eml}");
    assert!(eml.contains("multipart/alternative"), "{eml}");
    assert!(eml.contains("Bonjour Madame Awa Mba, voici le lien."), "{eml}");
    assert!(eml.contains("<p>Bonjour Madame Awa Mba, voici le lien.</p>"), "{eml}");
    assert_eq!(subject_of(eml), message().subject);
}

#[tokio::test]
async fn the_folder_mailer_writes_one_eml_per_id_creating_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("nested").join("mail");
    let mailer = FolderMailer::new(&folder, sender());
    mailer.send(&message()).await.unwrap();
    mailer.send(&message()).await.unwrap();
    let files: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(files, vec![folder.join(format!("{}.eml", message().id))], "same id, same file");
    assert_arrived(&std::fs::read_to_string(&files[0]).unwrap());
}

#[tokio::test]
async fn the_folder_mailer_attaches_the_invitation() {
    let dir = tempfile::tempdir().unwrap();
    let mailer = FolderMailer::new(dir.path(), sender());
    mailer.send(&with_invitation()).await.unwrap();
    assert_invitation_arrived(&std::fs::read_to_string(mailer.path_of(with_invitation().id)).unwrap());
    mailer.send(&message()).await.unwrap();
    let plain = std::fs::read_to_string(mailer.path_of(message().id)).unwrap();
    assert!(!plain.contains("multipart/mixed"), "no files, no mixed part: {plain}");
}

#[tokio::test]
async fn the_memory_mailer_keeps_one_message_per_id() {
    let mailer = MemoryMailer::new();
    mailer.send(&message()).await.unwrap();
    mailer.send(&message()).await.unwrap();
    assert_eq!(mailer.sent(), vec![message()]);
    mailer.send(&with_invitation()).await.unwrap();
    assert_eq!(mailer.sent()[1].attachments, with_invitation().attachments);
}

/// A tiny SMTP server: answers EHLO/MAIL/RCPT/DATA/QUIT and returns (recipients, DATA) of one session.
async fn loopback_smtp() -> (u16, tokio::task::JoinHandle<(Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 loopback ESMTP\r\n").await.unwrap();
        let (mut recipients, mut data) = (Vec::new(), String::new());
        while let Some(line) = lines.next_line().await.unwrap() {
            let verb = line.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
            match verb.as_str() {
                "EHLO" | "HELO" => write.write_all(b"250-loopback\r\n250 8BITMIME\r\n").await.unwrap(),
                "RCPT" => {
                    recipients.push(line);
                    write.write_all(b"250 OK\r\n").await.unwrap();
                }
                "DATA" => {
                    write.write_all(b"354 go on\r\n").await.unwrap();
                    while let Some(l) = lines.next_line().await.unwrap() {
                        if l == "." {
                            break;
                        }
                        data.push_str(l.strip_prefix('.').unwrap_or(&l));
                        data.push('\n');
                    }
                    write.write_all(b"250 queued\r\n").await.unwrap();
                }
                "QUIT" => {
                    write.write_all(b"221 bye\r\n").await.unwrap();
                    break;
                }
                _ => write.write_all(b"250 OK\r\n").await.unwrap(),
            }
        }
        (recipients, data)
    });
    (port, server)
}

/// The loopback server, without TLS or authentication.
fn loopback_config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        username: String::new(),
        password: SecretString::from(String::new()),
        security: SmtpSecurity::Plain,
        timeout: Duration::from_secs(10),
    }
}

#[tokio::test]
async fn the_smtp_mailer_delivers_to_an_smtp_server() {
    let (port, server) = loopback_smtp().await;
    let config = loopback_config(port);
    SmtpMailer::new(&config, sender()).unwrap().send(&message()).await.unwrap();
    let (recipients, data) = tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap();
    assert_eq!(recipients, vec!["RCPT TO:<awa.mba@example.com>".to_owned()]);
    assert_arrived(&data);
}

#[tokio::test]
async fn the_smtp_mailer_delivers_the_invitation() {
    let (port, server) = loopback_smtp().await;
    let config = loopback_config(port);
    SmtpMailer::new(&config, sender()).unwrap().send(&with_invitation()).await.unwrap();
    let (_, data) = tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap();
    assert_invitation_arrived(&data);
}
