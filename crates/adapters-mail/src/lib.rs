//! Mailer adapters: a folder of `.eml` files (the default: open them with any mail client), SMTP through lettre
//! (production), and an in-memory recorder (tests).
//!
//! None of them logs a recipient, a subject or a body (S12): ids only.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use secrecy::{ExposeSecret as _, SecretString};
use seeg_application::mail::{Attachment, Delivery, MailError, MailFailure, MailMessage, Mailer};
use uuid::Uuid;

/// The sender of every message: `MAIL_FROM_NAME <MAIL_FROM_EMAIL>` (R36).
#[derive(Debug, Clone)]
pub struct Sender(Mailbox);

impl Sender {
    pub fn new(email: &str, name: &str) -> anyhow::Result<Self> {
        let address = email.trim().parse().with_context(|| "adresse d'expéditeur invalide (mail.from_email)")?;
        let name = Some(name.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(Self(Mailbox::new(name, address)))
    }
}

/// A real RFC 5322 message: UTF-8 subject encoded, multipart/alternative text + HTML, a `Message-ID` derived
/// from the message id so that the same message always carries the same id. A message with attachments is
/// multipart/mixed: the alternative part, then each file (a calendar invitation, B4).
pub fn build_message(sender: &Sender, message: &MailMessage) -> anyhow::Result<Message> {
    let mailbox = |address: &str| -> anyhow::Result<Mailbox> {
        address.trim().parse().with_context(|| format!("destinataire invalide (message {})", message.id))
    };
    let to = mailbox(&message.to)?;
    let body = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(message.text.clone()))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(message.html.clone()));
    let body = if message.attachments.is_empty() {
        body
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for file in &message.attachments {
            mixed = mixed.singlepart(attachment_part(file, message.id)?);
        }
        mixed
    };
    let mut builder = Message::builder()
        .message_id(Some(format!("<{}@seeg-talentsource>", message.id)))
        .from(sender.0.clone())
        .to(to);
    for copy in &message.cc {
        builder = builder.cc(mailbox(copy)?);
    }
    for blind in &message.bcc {
        builder = builder.bcc(mailbox(blind)?);
    }
    builder
        .subject(message.subject.clone())
        .multipart(body)
        .with_context(|| format!("construction du message {}", message.id))
}

/// One file as a MIME part, in base64: an `.ics` must reach the calendar byte for byte, CRLF line ends included,
/// whatever a relay does to long or dotted lines.
fn attachment_part(file: &Attachment, message: Uuid) -> anyhow::Result<SinglePart> {
    let content_type = ContentType::parse(&file.content_type)
        .with_context(|| format!("type de pièce jointe invalide (message {message})"))?;
    let body = Body::new_with_encoding(file.text.clone(), ContentTransferEncoding::Base64)
        .map_err(|_| anyhow::anyhow!("pièce jointe non encodable (message {message})"))?;
    Ok(lettre::message::Attachment::new(file.file_name.clone()).body(body, content_type))
}

/// Writes each message to `<folder>/<id>.eml`; the same id overwrites the same file (idempotent).
#[derive(Debug, Clone)]
pub struct FolderMailer {
    folder: PathBuf,
    sender: Sender,
}

impl FolderMailer {
    /// The folder is created when the first message is written.
    pub fn new(folder: impl Into<PathBuf>, sender: Sender) -> Self {
        Self { folder: folder.into(), sender }
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Where the message with this id is written.
    pub fn path_of(&self, id: Uuid) -> PathBuf {
        self.folder.join(format!("{id}.eml"))
    }
}

#[async_trait]
impl Mailer for FolderMailer {
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
        let bytes =
            build_message(&self.sender, message).map_err(|e| MailError::new(MailFailure::Invalid, e))?.formatted();
        let storage = |e: anyhow::Error| MailError::new(MailFailure::Storage, e);
        tokio::fs::create_dir_all(&self.folder)
            .await
            .with_context(|| format!("création du dossier {}", self.folder.display()))
            .map_err(storage)?;
        // Written beside, then renamed: a reader never sees half a message.
        let path = self.path_of(message.id);
        let partial = self.folder.join(format!(".{}.eml.partial", message.id));
        tokio::fs::write(&partial, &bytes)
            .await
            .with_context(|| format!("écriture de {}", partial.display()))
            .map_err(storage)?;
        tokio::fs::rename(&partial, &path)
            .await
            .with_context(|| format!("écriture de {}", path.display()))
            .map_err(storage)?;
        Ok(Delivery { provider_message_id: Some(format!("{}.eml", message.id)) })
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required); the legacy default (`SMTP_TLS`).
    StartTls,
    /// TLS from the first byte (`SMTP_SSL`, port 465).
    ImplicitTls,
    /// No encryption: a local relay or a test server only.
    Plain,
}

/// Where and how to reach the SMTP server.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// Empty: no authentication.
    pub username: String,
    pub password: SecretString,
    pub security: SmtpSecurity,
    pub timeout: Duration,
}

/// Sends through an SMTP server (lettre, tokio). A message is sent again on retry: SMTP cannot take one back.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    sender: Sender,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer").finish_non_exhaustive()
    }
}

impl SmtpMailer {
    pub fn new(config: &SmtpConfig, sender: Sender) -> anyhow::Result<Self> {
        let host = config.host.trim();
        let builder = match config.security {
            SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .with_context(|| "mail.smtp : configuration TLS invalide")?,
            SmtpSecurity::ImplicitTls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .with_context(|| "mail.smtp : configuration TLS invalide")?,
            SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
        };
        let mut builder = builder.port(config.port).timeout(Some(config.timeout));
        if !config.username.trim().is_empty() {
            builder = builder.credentials(Credentials::new(
                config.username.trim().to_owned(),
                config.password.expose_secret().to_owned(),
            ));
        }
        Ok(Self { transport: builder.build(), sender })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
        let email = build_message(&self.sender, message).map_err(|e| MailError::new(MailFailure::Invalid, e))?;
        // lettre's errors name the server's answer, not the message: safe to keep for operators (never logged).
        match self.transport.send(email).await {
            Ok(response) => Ok(Delivery { provider_message_id: provider_reference(&response) }),
            Err(error) => {
                let failure = failure_of(&error);
                Err(MailError::new(
                    failure,
                    anyhow::Error::new(error).context(format!("envoi SMTP du message {}", message.id)),
                ))
            }
        }
    }
}

/// The longest provider reference kept (`email_logs.provider_message_id` is 255 characters).
const PROVIDER_REFERENCE_MAX_CHARS: usize = 255;

/// The server's answer to the message's DATA (`2.0.0 Ok: queued as 4F2A…`): what its logs know the message by.
fn provider_reference(response: &lettre::transport::smtp::response::Response) -> Option<String> {
    let text = response.message().collect::<Vec<_>>().join(" ");
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(PROVIDER_REFERENCE_MAX_CHARS).collect())
}

/// The category of an SMTP failure, for the log row.
fn failure_of(error: &lettre::transport::smtp::Error) -> MailFailure {
    if error.is_timeout() {
        MailFailure::Timeout
    } else if error.is_tls() {
        MailFailure::Tls
    } else if error.is_transient() {
        MailFailure::Transient
    } else if error.is_permanent() {
        MailFailure::Rejected
    } else if error.is_response() || error.is_client() {
        MailFailure::Other
    } else {
        // Connection refused, unknown host, connection dropped: the server is out of reach.
        MailFailure::Unreachable
    }
}

/// Keeps the messages in memory, one per id (tests read them back).
#[derive(Debug, Clone, Default)]
pub struct MemoryMailer {
    sent: Arc<Mutex<Vec<MailMessage>>>,
}

impl MemoryMailer {
    pub fn new() -> Self {
        Self::default()
    }

    /// The messages sent so far, in order of first sending.
    pub fn sent(&self) -> Vec<MailMessage> {
        self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
        let mut sent = self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match sent.iter_mut().find(|m| m.id == message.id) {
            Some(existing) => *existing = message.clone(),
            None => sent.push(message.clone()),
        }
        Ok(Delivery::default())
    }
}
