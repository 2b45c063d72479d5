//! An outside service embedding the SEEG recruitment use cases, with no server and no database.
//!
//! Another Rust service (or an integration harness) links `seeg-domain` and `seeg-application`, and builds the
//! application ring's use cases on the in-memory adapters: `MemoryStore` stands for the database (every
//! persistence port, transactions included) and `ManualClock` for time. Two ports have no in-memory adapter
//! reachable from here, so this file brings its own: `MemoryDocuments`, a content-addressed `DocumentStore` in a
//! map, and `AcceptingInspector`, a `PdfInspector` that accepts every document. The use cases still run their own
//! cheap S11 check (`PdfScan`: header, trailer, active names) on every document; the deep check that parses each
//! PDF is `seeg-adapters-pdf`'s. A third, `RecordingMailer`, keeps the e-mails the outbox relay sends.
//!
//! The walk: a candidate signs up and logs in; an admin creates a recruiter; the recruiter drafts an offer with
//! MTP questions and publishes it; the candidate applies with its three required PDFs; the recruiter moves the
//! application to `incubation`; the outbox relay sends the e-mails those steps queued. Each step is printed and
//! asserted, so a broken rule fails the run.
//!
//! `cargo run -p seeg-adapters-memory --example outside_service` runs it; `cargo test -p seeg-adapters-memory`
//! runs it as a test too (the example is declared with `test = true`).

#![allow(clippy::print_stdout)] // an example tells what it does

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use futures_util::stream;
use seeg_adapters_memory::{ManualClock, MemoryStore};
use seeg_application::applications::{
    ApplicationPipeline, ApplicationRepository, ExportHooks, IncomingDocument, PipelineError, SubmissionError,
    Submissions, SubmitCommand,
};
use seeg_application::documents::{
    ByteStream, DocumentStore, DocumentStoreError, DocumentUpload, InspectError, PdfInspector, StoredDocument,
    StoredObject, document_key,
};
use seeg_application::identity::{
    Accounts, Administration, CreateUserCommand, NotificationRepository, PasswordHasher, RequestContext, SignupCommand,
    TokenService, TokenSettings, UserProvisioning,
};
use seeg_application::interviews::InterviewSlots;
use seeg_application::interviews::invitation::ServiceOrganizer;
use seeg_application::mail::{Delivery, MailError, MailHandler, MailMessage, Mailer};
use seeg_application::offers::{OfferDesk, OfferDeskError, OfferReads};
use seeg_application::outbox::{HandlerRegistry, OutboxRelay, OutboxStore, RelaySettings};
use seeg_application::{Clock, IdGenerator, Page, SystemIds, UnitOfWork};
use seeg_domain::applications::{
    ApplicationStatus, DocumentLimits, DocumentProblem, DocumentType, InvalidTransition, ReferenceInput,
};
use seeg_domain::identity::{CandidateKind, EmailAddress, Password, PersonName, Phone, Role, Sexe, UserStatus};
use seeg_domain::offers::{MtpQuestions, OfferChanges, OfferStatus};
use seeg_domain::outbox::RetryPolicy;
use sha2::{Digest as _, Sha256};

/// The objects of `MemoryDocuments`, by key: their bytes and when they were last written.
type Objects = Arc<Mutex<HashMap<String, (Bytes, DateTime<Utc>)>>>;

/// A `DocumentStore` in a map, for this example: keys are `document_key(sha256)`, so the same bytes stored twice
/// are one object, as the contract asks. Uploads are kept aside until they finish.
#[derive(Debug)]
struct MemoryDocuments {
    objects: Objects,
    clock: Arc<dyn Clock>,
}

impl MemoryDocuments {
    fn new(clock: Arc<dyn Clock>) -> Self {
        Self { objects: Arc::default(), clock }
    }
}

/// Stores `bytes` under their content address; returns what the contract says `put` returns.
fn store_bytes(objects: &Objects, bytes: Bytes, at: DateTime<Utc>) -> StoredDocument {
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let key = document_key(&sha256);
    let size = bytes.len() as u64;
    objects.lock().unwrap_or_else(PoisonError::into_inner).insert(key.clone(), (bytes, at));
    StoredDocument { key, sha256, size }
}

#[async_trait]
impl DocumentStore for MemoryDocuments {
    async fn put(&self, bytes: Bytes) -> Result<StoredDocument, DocumentStoreError> {
        Ok(store_bytes(&self.objects, bytes, self.clock.now()))
    }

    async fn begin_upload(&self) -> Result<Box<dyn DocumentUpload>, DocumentStoreError> {
        Ok(Box::new(MemoryUpload {
            objects: Arc::clone(&self.objects),
            clock: Arc::clone(&self.clock),
            written: Vec::new(),
        }))
    }

    async fn read(&self, key: &str, range: Option<Range<u64>>) -> Result<ByteStream, DocumentStoreError> {
        let (bytes, _) = self.object(key)?;
        let bytes = match range {
            None => bytes,
            Some(range) if range.start < range.end && range.end <= bytes.len() as u64 => {
                let start = usize::try_from(range.start).map_err(|_| DocumentStoreError::InvalidRange)?;
                let end = usize::try_from(range.end).map_err(|_| DocumentStoreError::InvalidRange)?;
                bytes.slice(start..end)
            }
            Some(_) => return Err(DocumentStoreError::InvalidRange),
        };
        Ok(Box::pin(stream::iter([Ok(bytes)])))
    }

    async fn size(&self, key: &str) -> Result<u64, DocumentStoreError> {
        Ok(self.object(key)?.0.len() as u64)
    }

    async fn delete(&self, key: &str) -> Result<(), DocumentStoreError> {
        self.objects.lock().unwrap_or_else(PoisonError::into_inner).remove(key);
        Ok(())
    }

    async fn list(&self, prefix: &str) -> Result<Vec<StoredObject>, DocumentStoreError> {
        let objects = self.objects.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(objects
            .iter()
            .filter(|(key, _)| key.starts_with(prefix))
            .map(|(key, (_, at))| StoredObject { key: key.clone(), last_modified: *at })
            .collect())
    }

    async fn stat(&self, key: &str) -> Result<StoredObject, DocumentStoreError> {
        let (_, at) = self.object(key)?;
        Ok(StoredObject { key: key.to_owned(), last_modified: at })
    }
}

impl MemoryDocuments {
    fn object(&self, key: &str) -> Result<(Bytes, DateTime<Utc>), DocumentStoreError> {
        self.objects
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
            .ok_or(DocumentStoreError::NotFound)
    }
}

/// An upload of `MemoryDocuments`: its chunks are held until `finish` stores them whole.
struct MemoryUpload {
    objects: Objects,
    clock: Arc<dyn Clock>,
    written: Vec<u8>,
}

#[async_trait]
impl DocumentUpload for MemoryUpload {
    async fn write(&mut self, chunk: Bytes) -> Result<(), DocumentStoreError> {
        self.written.extend_from_slice(&chunk);
        Ok(())
    }

    async fn finish(self: Box<Self>) -> Result<StoredDocument, DocumentStoreError> {
        Ok(store_bytes(&self.objects, Bytes::from(self.written), self.clock.now()))
    }

    async fn abort(self: Box<Self>) -> Result<(), DocumentStoreError> {
        Ok(())
    }
}

/// A `PdfInspector` that accepts every document, for this example only: the submission's own `PdfScan` still
/// refuses a file without `%PDF-` and `%%EOF` or with active content; a real service wires `seeg-adapters-pdf`.
#[derive(Debug)]
struct AcceptingInspector;

#[async_trait]
impl PdfInspector for AcceptingInspector {
    async fn inspect(&self, _pdf: Bytes) -> Result<(), InspectError> {
        Ok(())
    }
}

/// A `Mailer` that keeps what it is given, for this example: what the outbox relay would hand to SMTP.
#[derive(Debug, Default)]
struct RecordingMailer {
    sent: Mutex<Vec<MailMessage>>,
}

impl RecordingMailer {
    fn subjects(&self) -> Vec<String> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner).iter().map(|m| m.subject.clone()).collect()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send(&self, message: &MailMessage) -> Result<Delivery, MailError> {
        self.sent.lock().unwrap_or_else(PoisonError::into_inner).push(message.clone());
        Ok(Delivery::default())
    }
}

/// A minimal valid PDF (header, one empty page tree, trailer), its comment line making each one distinct.
fn minimal_pdf(label: &str) -> Bytes {
    Bytes::from(format!(
        "%PDF-1.4\n% {label}\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
         2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n\
         trailer\n<< /Root 1 0 R /Size 3 >>\n%%EOF\n"
    ))
}

/// The three required documents (R20): a CV, a cover letter and a diploma, each a PDF named `.pdf`.
fn required_documents() -> Vec<IncomingDocument> {
    [("cv", "cv.pdf"), ("cover_letter", "lettre-de-motivation.pdf"), ("diplome", "diplome.pdf")]
        .into_iter()
        .map(|(kind, name)| IncomingDocument::whole(kind, name, minimal_pdf(name)))
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The whole walk, from sign-up to the e-mails sent; every outcome is asserted.
async fn run() -> anyhow::Result<()> {
    // The ports: one in-memory store for every repository, a clock that moves only when told, real ids.
    let store = Arc::new(MemoryStore::new());
    let start = DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z")?.with_timezone(&Utc);
    let clock = Arc::new(ManualClock::new(start));
    let clock_port: Arc<dyn Clock> = clock.clone();
    let ids: Arc<dyn IdGenerator> = Arc::new(SystemIds);
    let uow: Arc<dyn UnitOfWork> = store.clone();
    let documents = Arc::new(MemoryDocuments::new(Arc::clone(&clock_port)));
    let context = RequestContext { request_id: Some("outside-service".to_owned()) };

    // The use cases: the application ring on those ports. No data lake in this embedding: a submission and a
    // status change queue their e-mails only.
    let hooks = ExportHooks { lake: false, azure_function: false };
    let hasher = PasswordHasher::new(4, 1).await?; // bcrypt's cheapest cost: an example, not a vault
    let tokens = TokenService::new(
        b"an example secret, at least 32 bytes long",
        TokenSettings {
            issuer: "seeg-example".to_owned(),
            audience: "seeg-example".to_owned(),
            access_lifetime: Duration::from_secs(15 * 60),
            refresh_lifetime: Duration::from_secs(7 * 86_400),
        },
    );
    let accounts = Accounts::new(
        Arc::clone(&uow),
        store.clone(),
        store.clone(),
        hasher.clone(),
        tokens,
        Arc::clone(&clock_port),
        Arc::clone(&ids),
    );
    let administration =
        Administration::new(Arc::clone(&uow), store.clone(), hasher.clone(), Arc::clone(&clock_port), Arc::clone(&ids));
    let provisioning =
        UserProvisioning::new(Arc::clone(&uow), store.clone(), hasher, Arc::clone(&clock_port), Arc::clone(&ids));
    let offers = OfferDesk::new(
        Arc::clone(&uow),
        OfferReads::new(store.clone()),
        store.clone(),
        Arc::clone(&clock_port),
        Arc::clone(&ids),
    );
    let submissions = Submissions::new(
        Arc::clone(&uow),
        store.clone(),
        store.clone(),
        store.clone(),
        documents.clone(),
        Arc::new(AcceptingInspector),
        Arc::clone(&clock_port),
        Arc::clone(&ids),
        DocumentLimits::default(),
    )
    .with_hooks(hooks);
    let interviews = InterviewSlots::new(
        Arc::clone(&uow),
        store.clone(),
        store.clone(),
        store.clone(),
        store.clone(),
        Arc::clone(&clock_port),
        Arc::clone(&ids),
        ServiceOrganizer { name: "SEEG Recrutement".to_owned(), email: "recrutement@seeg-gabon.com".to_owned() },
    );
    let pipeline = ApplicationPipeline::new(
        Arc::clone(&uow),
        store.clone(),
        store.clone(),
        store.clone(),
        Arc::clone(&clock_port),
        Arc::clone(&ids),
        interviews,
    )
    .with_hooks(hooks);

    // 1. A candidate signs up (R1: an external candidate is `actif` at once), logs in, and its bearer token
    //    authenticates it.
    let password = "Candidat#2026-Libreville";
    let signed_up = accounts
        .sign_up(SignupCommand {
            email: EmailAddress::parse("  Awa.Nguema@Example.GA ")?,
            password: Password::parse(password.to_owned())?,
            first_name: PersonName::parse("Awa")?,
            last_name: PersonName::parse("Nguema")?,
            phone: Some(Phone::parse("+241 06 12 34 56")?),
            date_of_birth: NaiveDate::from_ymd_opt(1994, 3, 12).ok_or_else(|| anyhow::anyhow!("date"))?,
            sexe: Sexe::Female,
            candidate_kind: CandidateKind::External,
            matricule: None,
            no_seeg_email: false,
            adresse: Some("Quartier Louis, Libreville".to_owned()),
            poste_actuel: Some("Technicienne réseau".to_owned()),
            annees_experience: Some(6),
        })
        .await?;
    assert_eq!(signed_up.email, "awa.nguema@example.ga", "e-mails are stored lower-cased (S5)");
    assert_eq!((signed_up.role, signed_up.status), (Role::Candidate, UserStatus::Active));
    let session = accounts.log_in("awa.nguema@example.ga", password, &context).await?;
    let candidate = accounts.authenticate(&session.access.token).await?;
    assert_eq!(candidate.id, signed_up.id);
    println!("1. candidate {} signed up and logged in ({})", candidate.id, candidate.status);

    // 2. An operator's admin creates a recruiter (R6: `actif` at once).
    let admin = administration
        .create_admin(
            EmailAddress::parse("admin@seeg-gabon.com")?,
            Password::parse("Administrateur#2026".to_owned())?,
            PersonName::parse("Paul")?,
            PersonName::parse("Mba")?,
        )
        .await?;
    let recruiter = provisioning
        .create(
            &admin,
            CreateUserCommand {
                email: EmailAddress::parse("recrutement@seeg-gabon.com")?,
                password: Password::parse("Recruteuse#2026-SEEG".to_owned())?,
                first_name: PersonName::parse("Chantal")?,
                last_name: PersonName::parse("Ondo")?,
                role: Role::Recruiter,
                phone: None,
                date_of_birth: None,
                sexe: Some(Sexe::Female),
                candidate_kind: None,
            },
            &context,
        )
        .await?;
    assert_eq!(recruiter.role, Role::Recruiter);
    println!("2. admin {} created recruiter {}", admin.id, recruiter.id);

    // 3. The recruiter drafts an offer with MTP questions (K3: 2 métier, 1 talent), which candidates cannot see,
    //    then publishes it.
    clock.advance(TimeDelta::hours(1));
    let questions = MtpQuestions::parse(
        strings(&["Comment sécurisez-vous une consignation HTA ?", "Décrivez une intervention de nuit."]),
        strings(&["Quel projet d'équipe vous a le plus appris ?"]),
        Vec::new(),
    )?;
    let draft = offers
        .create(
            &recruiter,
            OfferChanges {
                title: Some("Technicien(ne) réseau HTA".to_owned()),
                description: Some(
                    "Exploitation et maintenance du réseau de distribution HTA de Libreville.".to_owned(),
                ),
                location: Some("Libreville".to_owned()),
                contract_type: Some("cdi".to_owned()),
                status: Some(OfferStatus::Draft),
                application_deadline: Some(Some(start + TimeDelta::days(30))),
                questions_mtp: Some(Some(questions)),
                ..OfferChanges::default()
            },
            &context,
        )
        .await?;
    assert_eq!(draft.contract_type, "CDI", "contract types are stored in their canonical spelling");
    assert!(matches!(offers.get(&candidate, draft.id).await, Err(OfferDeskError::NotFound)), "a draft is hidden");
    let offer = offers
        .update(
            &recruiter,
            draft.id,
            OfferChanges { status: Some(OfferStatus::Active), ..OfferChanges::default() },
            &context,
        )
        .await?;
    assert_eq!(offers.get(&candidate, offer.id).await?.id, offer.id, "a published offer is visible (K3b)");
    println!("3. recruiter published offer {} « {} » ({})", offer.id, offer.title, offer.status);

    // 4. The candidate applies. Without the diploma the submission is refused (R20); with its three required
    //    PDFs, one answer per MTP question and a professional reference (R19), it commits; a second application
    //    to the same offer is refused (I4).
    clock.advance(TimeDelta::days(2));
    let command = |documents: Vec<IncomingDocument>| SubmitCommand {
        job_offer_id: offer.id,
        answers_metier: strings(&[
            "Séparation, condamnation, vérification d'absence de tension, mise à la terre.",
            "Un défaut câble à 2 h, rétabli par bouclage.",
        ]),
        answers_talent: strings(&["La mise en service d'un poste source, avec trois équipes."]),
        reference: ReferenceInput {
            entreprise: Some("Énergie Services Gabon".to_owned()),
            fullname: Some("Jean Moussavou".to_owned()),
            mail: Some("j.moussavou@example.ga".to_owned()),
            contact: Some("+241 07 00 00 00".to_owned()),
        },
        documents,
        ..SubmitCommand::default()
    };
    let without_diploma: Vec<IncomingDocument> =
        required_documents().into_iter().filter(|d| d.document_type != "diplome").collect();
    match submissions.submit(&candidate, command(without_diploma)).await {
        Err(SubmissionError::Documents(DocumentProblem::MissingRequired(missing))) => {
            assert_eq!(missing, [DocumentType::Diplome]);
        }
        other => anyhow::bail!("a submission without its diploma must be refused, got {other:?}"),
    }
    let submitted = submissions.submit(&candidate, command(required_documents())).await?;
    let application = submitted.application;
    assert_eq!(application.status, ApplicationStatus::Candidature);
    assert_eq!(application.candidate_id, candidate.id);
    let types: Vec<DocumentType> = submitted.documents.iter().map(|d| d.document_type).collect();
    assert_eq!(types, DocumentType::REQUIRED);
    for document in &submitted.documents {
        assert_eq!(documents.size(&document.storage_key).await?, document.file_size, "the bytes are stored");
    }
    assert!(matches!(
        submissions.submit(&candidate, command(required_documents())).await,
        Err(SubmissionError::Duplicate)
    ));
    println!(
        "4. candidate submitted application {} with {} documents ({})",
        application.id,
        submitted.documents.len(),
        application.status
    );

    // 5. The recruiter moves the application one step (I5); skipping steps is refused with the allowed moves.
    clock.advance(TimeDelta::days(1));
    match pipeline.change_status(&recruiter, application.id, ApplicationStatus::Embauche, None, &context).await {
        Err(PipelineError::Transition(InvalidTransition { allowed, .. })) => {
            assert_eq!(allowed, [ApplicationStatus::Incubation, ApplicationStatus::Refuse]);
        }
        other => anyhow::bail!("hiring straight from `candidature` must be refused, got {other:?}"),
    }
    let moved = pipeline
        .change_status(
            &recruiter,
            application.id,
            ApplicationStatus::Incubation,
            Some("Dossier complet, profil retenu pour l'incubation.".to_owned()),
            &context,
        )
        .await?;
    assert_eq!(moved.status, ApplicationStatus::Incubation);
    let history = store.history(application.id).await?;
    let steps: Vec<_> = history.iter().map(|h| (h.previous_status, h.new_status)).collect();
    assert_eq!(
        steps,
        [(None, ApplicationStatus::Candidature), (Some(ApplicationStatus::Candidature), ApplicationStatus::Incubation)]
    );
    println!("5. recruiter moved the application to « {} » ({})", moved.status.label(), moved.status);

    // 6. The candidate's notifications were written with each change; the outbox relay now sends the e-mails
    //    the same transactions queued (I2).
    let notifications = store.list_for_user(candidate.id, Page { skip: 0, limit: 10 }).await?;
    let mut kinds: Vec<&str> = notifications.items.iter().map(|n| n.kind.as_str()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["application_status_changed", "application_submitted", "registration"]);
    let mailer = Arc::new(RecordingMailer::default());
    let relay = OutboxRelay::new(
        store.clone(),
        HandlerRegistry::default().with(Arc::new(MailHandler::new(
            mailer.clone(),
            store.clone(),
            Arc::clone(&clock_port),
        ))),
        Arc::clone(&clock_port),
        RelaySettings {
            worker: "outside-service".to_owned(),
            batch_size: 10,
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll_interval: Duration::from_millis(100),
            policy: RetryPolicy::new(3, Duration::from_secs(1), Duration::from_secs(30))?,
        },
    );
    assert_eq!(relay.run_once().await?, 3, "three e-mails were queued");
    let mut subjects = mailer.subjects();
    subjects.sort_unstable();
    assert_eq!(
        subjects,
        [
            "Bienvenue sur OneHCM - SEEG Talent Source",
            "Confirmation de candidature - Technicien(ne) réseau HTA",
            "Votre candidature - Technicien(ne) réseau HTA",
        ]
    );
    let stats = OutboxStore::stats(&*store).await?;
    assert_eq!((stats.pending, stats.done, stats.dead), (0, 3, 0));
    println!("6. outbox relay sent {} e-mails: {}", subjects.len(), subjects.join(" | "));
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    run().await?;
    println!("done: sign-up → offer → submission → status change, on MemoryStore and ManualClock");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn an_outside_service_runs_the_whole_walk_in_memory() -> anyhow::Result<()> {
        super::run().await
    }
}
