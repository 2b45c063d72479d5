//! The Mailer contract on every adapter: the message arrives with its recipients, its UTF-8 subject, both bodies
//! and its files; the same id sent twice is one message where the transport allows. SMTP runs against a real
//! server on loopback that the tests start, stop and restart (aiosmtpd with `TEST_SMTP_PYTHON`, else the
//! harness's own, see `seeg_tests::smtp`); through the real relay and mail handler, an SMTP outage delays a
//! message and never loses it, on SQLite and PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use secrecy::SecretString;
use seeg_adapters_mail::{FolderMailer, MemoryMailer, Sender, SmtpConfig, SmtpMailer, SmtpSecurity};
use seeg_adapters_memory::ManualClock;
use seeg_application::mail::{Attachment, MailHandler, MailMessage, Mailer, Outgoing, Rendered, queue_mail};
use seeg_application::outbox::{HandlerRegistry, OutboxRelay, RelaySettings};
use seeg_application::{Clock, SystemIds};
use seeg_domain::mail::MailStatus;
use seeg_domain::outbox::{OutboxState, RetryPolicy};
use seeg_tests::offers::base_time;
use seeg_tests::smtp::{SmtpServer, calendar_part, subject_of};
use seeg_tests::{Backend, on_backends, ports};
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

/// The server, without TLS or authentication.
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
async fn the_smtp_mailer_delivers_to_a_real_smtp_server() {
    let server = SmtpServer::start().await;
    let mailer = SmtpMailer::new(&loopback_config(server.port()), sender()).unwrap();
    let mut copied = message();
    copied.cc = vec!["copie@example.com".into()];
    copied.bcc = vec!["cachee@example.com".into()];
    let delivery = mailer.send(&copied).await.unwrap();
    assert_eq!(delivery.provider_message_id.as_deref(), Some("2.0.0 Ok: queued as 000001"), "{}", server.kind());
    let received = server.messages();
    assert_eq!(received.len(), 1, "{}", server.kind());
    assert_eq!(received[0].mail_from, "no-reply@seeg-talentsource.com");
    assert_eq!(received[0].rcpt_tos, ["awa.mba@example.com", "copie@example.com", "cachee@example.com"]);
    assert_arrived(&received[0].data);
    assert!(received[0].data.contains("Cc: copie@example.com"), "{}", received[0].data);
    assert!(!received[0].data.contains("cachee@example.com"), "a blind copy is in the envelope only");
    assert!(received[0].data.contains(&format!("Message-ID: <{}@seeg-talentsource>", copied.id)));
}

#[tokio::test]
async fn the_smtp_mailer_delivers_the_invitation_to_a_real_smtp_server() {
    let server = SmtpServer::start().await;
    SmtpMailer::new(&loopback_config(server.port()), sender()).unwrap().send(&with_invitation()).await.unwrap();
    let received = server.messages();
    assert_eq!(received.len(), 1, "{}", server.kind());
    assert_invitation_arrived(&received[0].data);
    assert_eq!(subject_of(&received[0].data), message().subject);
}

#[tokio::test]
async fn an_unreachable_server_is_an_unreachable_failure() {
    let mut server = SmtpServer::start().await;
    server.stop().await;
    let error = SmtpMailer::new(&loopback_config(server.port()), sender()).unwrap().send(&message()).await.unwrap_err();
    assert_eq!(error.failure, seeg_application::mail::MailFailure::Unreachable, "{error:#}");
    assert!(!format!("{error:#}").contains("awa.mba@example.com"), "no address in the error: {error:#}");
}

/// An SMTP outage delays a message, never loses it: the relay's first run fails (`failed`, 1 attempt), the
/// server comes back on the same port, the retry sends it (`sent`), and the server received it once.
async fn an_smtp_outage_delays_but_never_loses_a_message(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut server = SmtpServer::start().await;
    server.stop().await;
    let clock = Arc::new(ManualClock::new(base_time()));
    let mailer = Arc::new(SmtpMailer::new(&loopback_config(server.port()), sender()).unwrap());
    let handler = MailHandler::new(mailer, p.email_logs.clone(), clock.clone());
    let policy = RetryPolicy::new(5, Duration::from_secs(2), Duration::from_secs(60)).unwrap();
    let relay = OutboxRelay::new(
        p.outbox.clone(),
        HandlerRegistry::default().with(Arc::new(handler)),
        clock.clone(),
        RelaySettings {
            worker: "smtp-outage".to_owned(),
            batch_size: 8,
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(10),
            policy,
        },
    );
    let rendered = Rendered {
        subject: "🔐 Votre mot de passe a été modifié".into(),
        text: "Bonjour Madame Awa Mba,".into(),
        html: "<p>Bonjour Madame Awa Mba,</p>".into(),
        attachments: Vec::new(),
    };
    let mut tx = p.uow.begin().await.unwrap();
    let mail = Outgoing::new("password_changed", "awa.mba@example.com", rendered);
    let id = queue_mail(tx.as_mut(), &SystemIds, mail, clock.now()).await.unwrap().unwrap();
    tx.commit().await.unwrap();

    assert_eq!(relay.run_once().await.unwrap(), 1);
    let event = p.outbox.get(id).await.unwrap().unwrap();
    assert_eq!((event.state, event.attempts), (OutboxState::Pending, 1), "kept for a retry");
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error.as_deref()), (MailStatus::Failed, 1, Some("unreachable")));
    assert_eq!(relay.run_once().await.unwrap(), 0, "not due before its backoff");

    server.restart().await;
    clock.advance(TimeDelta::minutes(2));
    assert_eq!(relay.run_once().await.unwrap(), 1);
    assert_eq!(p.outbox.get(id).await.unwrap().unwrap().state, OutboxState::Done);
    let log = p.email_logs.get(id).await.unwrap().unwrap();
    assert_eq!((log.status, log.attempts, log.last_error), (MailStatus::Sent, 2, None));
    assert_eq!(log.provider_message_id.as_deref(), Some("2.0.0 Ok: queued as 000001"));
    let received = server.messages();
    assert_eq!(received.len(), 1, "exactly one message ({})", server.kind());
    assert_eq!(subject_of(&received[0].data), "🔐 Votre mot de passe a été modifié");
    assert!(received[0].data.contains(&format!("Message-ID: <{id}@seeg-talentsource>")));
    clock.advance(TimeDelta::hours(1));
    assert_eq!(relay.run_once().await.unwrap(), 0, "done: never sent again");
    assert_eq!(server.messages().len(), 1);
}

on_backends!(Sqlite, Postgres => an_smtp_outage_delays_but_never_loses_a_message);
