//! Submitting an application (legacy R19–R25 with I1, I3, I4, K3, K3b, S3, S11): every check first, each with
//! its own error; then the documents go to the `DocumentStore` (content-addressed, before the commit: an
//! orphan object is harmless and swept later); then ONE transaction writes the application, its documents, its
//! first history row, the candidate's notification, its confirmation e-mail and the `application.submitted`
//! event, and deletes the candidate's draft for the offer (I8). The unique index on (candidate, offer) decides between concurrent submissions.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use seeg_domain::applications::{
    Application, ApplicationStatus, DocumentLimits, DocumentProblem, MtpAnswers, MtpAnswersError, PdfScan,
    ReferenceError, ReferenceInput, check_document_types, check_file_name, check_references,
};
use seeg_domain::identity::{CandidateKind, CandidateProfile, Role, User};
use seeg_domain::offers::{JobOffer, MtpQuestions};
use tracing::instrument;
use uuid::Uuid;

use super::intake::DocumentIntake;
use super::uploads::{self, PendingUpload, QuotaExceeded, QuotaLimits, ReserveError, UploadQuota};
use super::{ApplicationDocument, ApplicationRepository, ExportHooks, StatusChange};
use crate::documents::{DocumentStore, DocumentStoreError, InspectError, PdfInspector, StoredDocument};
use crate::identity::{CandidateProfileRepository, Notification};
use crate::mail::{Outgoing, Rendered, queue_mail};
use crate::offers::OfferRepository;
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The outbox kind of a new application: its data-lake export (K4, `ExportHooks`).
pub const APPLICATION_SUBMITTED: &str = "application.submitted";

/// One document as received: its type and name as sent, and its content.
#[derive(Debug, Clone)]
pub struct IncomingDocument {
    /// The type as sent; must be one of the K2 document types.
    pub document_type: String,
    /// The file name as sent; must end in `.pdf` (S11).
    pub file_name: String,
    /// The bytes, or where they were streamed to.
    pub content: DocumentContent,
}

impl IncomingDocument {
    /// A document received whole (decoded from base64): checked and stored by the submission.
    pub fn whole(document_type: impl Into<String>, file_name: impl Into<String>, bytes: Bytes) -> Self {
        Self {
            document_type: document_type.into(),
            file_name: file_name.into(),
            content: DocumentContent::Whole(bytes),
        }
    }

    /// The document's size once its content passed S11: whole bytes are scanned and inspected now, received
    /// ones were on the way in.
    pub(crate) async fn checked_size(
        &self,
        limits: &DocumentLimits,
        inspector: &dyn PdfInspector,
    ) -> Result<u64, InspectError> {
        check_file_name(&self.file_name)?;
        match &self.content {
            DocumentContent::Whole(bytes) => {
                let mut scan = PdfScan::new();
                scan.feed(bytes);
                let size = scan.finish(&self.file_name, limits)?;
                inspector.inspect(bytes.clone()).await?;
                Ok(size)
            }
            DocumentContent::Received(ReceivedDocument(object)) => Ok(object.size),
        }
    }

    /// The bytes of a document received whole, that storing it will add; 0 for one already stored.
    pub(crate) fn whole_size(&self) -> u64 {
        match &self.content {
            DocumentContent::Whole(bytes) => bytes.len() as u64,
            DocumentContent::Received(_) => 0,
        }
    }
}

/// A document's content: whole bytes, or already streamed into the store and checked on the way (B1).
#[derive(Debug, Clone)]
pub enum DocumentContent {
    /// The decoded bytes, checked and stored by the submission itself.
    Whole(Bytes),
    /// Only a `DocumentIntake` makes one, after checking every byte (S11).
    Received(ReceivedDocument),
}

/// A document streamed into the `DocumentStore` and checked as it arrived (see `DocumentIntake`).
#[derive(Debug, Clone)]
pub struct ReceivedDocument(pub(super) StoredDocument);

/// A submission, as the legacy `ApplicationCreate` body carries it.
#[derive(Debug, Clone, Default)]
pub struct SubmitCommand {
    /// The offer applied to; it must be visible to the caller and open (K3b).
    pub job_offer_id: Uuid,
    /// The legacy body names the candidate: it must be the caller (S3).
    pub candidate_id: Option<Uuid>,
    /// Free text about references (legacy `reference_contacts`).
    pub reference_contacts: Option<String>,
    /// When the candidate can start.
    pub availability_start: Option<DateTime<Utc>>,
    /// Required of internal candidates (R19).
    pub has_been_manager: Option<bool>,
    /// The `ref_*` fields: required of external candidates (R19, K3d).
    pub reference: ReferenceInput,
    /// One answer per Métier question of the offer (K3).
    pub answers_metier: Vec<String>,
    /// One answer per Talent question of the offer (K3).
    pub answers_talent: Vec<String>,
    /// One answer per Paradigme question of the offer (K3).
    pub answers_paradigme: Vec<String>,
    /// The documents: the three required types once each, at most ten in all (R20, S11).
    pub documents: Vec<IncomingDocument>,
    /// The reservation of streamed documents (`DocumentIntake`); whole ones reserve when they are stored.
    pub pending_upload: Option<PendingUpload>,
}

/// Why a submission was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionError {
    /// The caller is not a candidate (S3).
    #[error("Seuls les candidats peuvent postuler")]
    NotACandidate,
    /// The body names another candidate than the caller (S3).
    #[error("Vous ne pouvez postuler qu'en votre propre nom")]
    ForeignCandidate,
    /// No such offer, or one the caller may not see (K3b): the two are indistinguishable.
    #[error("Offre d'emploi introuvable")]
    OfferNotFound,
    /// The offer is not `active`, or its deadline has passed.
    #[error("Cette offre n'accepte plus de candidatures (date limite dépassée ou offre fermée)")]
    OfferClosed,
    /// The caller already applied to this offer (I4: "existe déjà").
    #[error("Une candidature existe déjà pour cette offre d'emploi")]
    Duplicate,
    /// The MTP answers do not match the offer's questions (K3).
    #[error(transparent)]
    Answers(#[from] MtpAnswersError),
    /// The references asked of the candidate's kind are missing or too long (R19).
    #[error("{0}")]
    Reference(#[from] ReferenceError),
    /// The set of documents (types, count, total size).
    #[error("{0}")]
    Documents(DocumentProblem),
    /// One document, by its position in the request (0-based) and name.
    #[error("Document n°{} « {name} » : {problem}", .index + 1)]
    Document {
        /// Its position in the request, from 0.
        index: usize,
        /// Its file name as sent.
        name: String,
        /// Why it was refused (S11).
        problem: DocumentProblem,
    },
    /// A file part beyond the `max` the request may carry, refused before any of it is stored.
    #[error("{max} fichier(s) au plus dans ce formulaire, dans une partie nommée par son type")]
    ExtraFile {
        /// How many file parts the form may carry.
        max: usize,
    },
    /// The request body could not be read as a form (multipart syntax, interrupted upload).
    #[error("Formulaire illisible : {0}")]
    MalformedUpload(String),
    /// Every inspection slot stayed busy: the documents were not judged (503).
    #[error("trop de documents sont en cours d'analyse : réessayez dans quelques instants")]
    InspectorBusy,
    /// The caller's pending uploads would pass their quota (`uploads`).
    #[error(transparent)]
    Quota(#[from] QuotaExceeded),
    /// The document storage failed.
    #[error(transparent)]
    Storage(#[from] DocumentStoreError),
    /// The account stopped being active (erased or blocked, B7) after its token was checked: nothing is written.
    #[error("Ce compte n'est plus actif")]
    AccountInactive,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A committed submission.
#[derive(Debug, Clone)]
pub struct Submitted {
    /// The application as stored, in `candidature`.
    pub application: Application,
    /// Its documents as stored, in the order sent.
    pub documents: Vec<ApplicationDocument>,
}

/// Submitting applications: a candidate applies to an offer with its answers, references and documents
/// (R19–R25), and everything commits in one transaction (I1, I3) or nothing does.
#[derive(Debug, Clone)]
pub struct Submissions {
    uow: Arc<dyn UnitOfWork>,
    applications: Arc<dyn ApplicationRepository>,
    offers: Arc<dyn OfferRepository>,
    profiles: Arc<dyn CandidateProfileRepository>,
    documents: Arc<dyn DocumentStore>,
    inspector: Arc<dyn PdfInspector>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    limits: DocumentLimits,
    hooks: ExportHooks,
    quota: UploadQuota,
}

impl SubmissionError {
    /// Document `index`, `name`, not found clean: refused (S11), or not judged for want of an inspection slot.
    pub(crate) fn inspected(index: usize, name: &str, error: InspectError) -> Self {
        match error {
            InspectError::Refused(problem) => Self::Document { index, name: name.to_owned(), problem },
            InspectError::Busy => Self::InspectorBusy,
        }
    }
}

impl From<ReserveError> for SubmissionError {
    fn from(error: ReserveError) -> Self {
        match error {
            ReserveError::Exceeded(exceeded) => Self::Quota(exceeded),
            ReserveError::Store(error) => Self::Store(error),
        }
    }
}

impl Submissions {
    /// The use case on its ports: `documents` keeps the PDFs' bytes and `inspector` runs the deep S11 check of each
    /// whole document; `limits` are the S11 bounds. The upload quota takes `QuotaLimits::default()` and the export
    /// hooks the lake only (`with_upload_quota`, `with_hooks` change them).
    #[allow(clippy::too_many_arguments)] // the ports of one use case
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        applications: Arc<dyn ApplicationRepository>,
        offers: Arc<dyn OfferRepository>,
        profiles: Arc<dyn CandidateProfileRepository>,
        documents: Arc<dyn DocumentStore>,
        inspector: Arc<dyn PdfInspector>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        limits: DocumentLimits,
    ) -> Self {
        let quota = UploadQuota::new(Arc::clone(&uow), Arc::clone(&clock), Arc::clone(&ids), QuotaLimits::default());
        Self {
            uow,
            applications,
            offers,
            profiles,
            documents,
            inspector,
            clock,
            ids,
            limits,
            hooks: ExportHooks::default(),
            quota,
        }
    }

    /// The quota of pending uploads (default: `QuotaLimits::default()`).
    #[must_use]
    pub fn with_upload_quota(mut self, limits: QuotaLimits) -> Self {
        self.quota = UploadQuota::new(Arc::clone(&self.uow), Arc::clone(&self.clock), Arc::clone(&self.ids), limits);
        self
    }

    /// The downstream consumers a submission feeds (default: the lake only).
    #[must_use]
    pub const fn with_hooks(mut self, hooks: ExportHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The S11 bounds this use case applies.
    pub const fn limits(&self) -> &DocumentLimits {
        &self.limits
    }

    /// Receives the documents of one streamed submission (B1) by `caller`, checking them as they arrive.
    pub fn intake(&self, caller: &User) -> DocumentIntake {
        DocumentIntake::new(
            Arc::clone(&self.documents),
            Arc::clone(&self.inspector),
            self.limits,
            self.quota.clone(),
            caller,
        )
    }

    /// Whether `caller` may submit at all: candidates only. Asked before a body is read, so that staff are
    /// refused whatever they send; `precheck` asks again.
    pub fn admit(&self, caller: &User) -> Result<(), SubmissionError> {
        if caller.role == Role::Candidate { Ok(()) } else { Err(SubmissionError::NotACandidate) }
    }

    /// The checks that need no document: the caller (a candidate, in their own name), the offer (visible to
    /// them, active, before its deadline) and no earlier application to it. A streamed submission asks them
    /// before its first file, so that nothing is stored for a submission refused anyway; `submit` asks again.
    pub async fn precheck(
        &self,
        caller: &User,
        job_offer_id: Uuid,
        candidate_id: Option<Uuid>,
    ) -> Result<JobOffer, SubmissionError> {
        self.admit(caller)?;
        if candidate_id.is_some_and(|id| id != caller.id) {
            return Err(SubmissionError::ForeignCandidate);
        }
        let offer = match self.offers.get(job_offer_id).await? {
            Some(offer) if offer.is_visible_to(caller.audience()) => offer,
            _ => return Err(SubmissionError::OfferNotFound),
        };
        if !offer.accepts_applications(self.clock.now()) {
            return Err(SubmissionError::OfferClosed);
        }
        // Cheap early answer; the unique index still decides under concurrency.
        if self.applications.find(caller.id, offer.id).await?.is_some() {
            return Err(SubmissionError::Duplicate);
        }
        Ok(offer)
    }

    /// Submits `command` for `caller`. Refused, it settles its pending upload (`uploads`); committed, it
    /// released it.
    #[instrument(name = "applications.submit", skip_all, fields(user.id = %caller.id, offer.id = %command.job_offer_id))]
    pub async fn submit(&self, caller: &User, mut command: SubmitCommand) -> Result<Submitted, SubmissionError> {
        let mut pending = command.pending_upload.take();
        let submitted = self.submit_holding(caller, command, &mut pending).await;
        self.quota.settle_if_refused(submitted, pending).await
    }

    async fn submit_holding(
        &self,
        caller: &User,
        command: SubmitCommand,
        pending: &mut Option<PendingUpload>,
    ) -> Result<Submitted, SubmissionError> {
        let offer = self.precheck(caller, command.job_offer_id, command.candidate_id).await?;
        let now = self.clock.now();
        let kind = caller.candidate_kind.unwrap_or(CandidateKind::External);
        let (has_been_manager, reference) = check_references(kind, command.has_been_manager, &command.reference)?;
        let reference_contacts = seeg_domain::applications::reference_contacts(command.reference_contacts.as_deref())?;
        let questions = offer.questions_mtp.clone().unwrap_or_else(MtpQuestions::default);
        let answers =
            MtpAnswers::parse(&questions, command.answers_metier, command.answers_talent, command.answers_paradigme)?;
        let documents = self.checked_documents(&command.documents).await?;

        let application_id = self.ids.new_id();
        // The bytes first: an object without a row is swept later, a row without its object would lose a file.
        let whole: u64 = command.documents.iter().map(IncomingDocument::whole_size).sum();
        if whole > 0 && pending.is_none() {
            *pending = Some(self.quota.reserve(caller, whole).await?);
        }
        let mut stored = Vec::with_capacity(documents.len());
        for (document_type, incoming) in documents.iter().zip(&command.documents) {
            let object = match &incoming.content {
                DocumentContent::Whole(bytes) => {
                    let object = self.documents.put(bytes.clone()).await?;
                    if let Some(pending) = pending.as_mut() {
                        pending.add_stored(object.size);
                    }
                    object
                }
                DocumentContent::Received(ReceivedDocument(object)) => object.clone(),
            };
            stored.push(ApplicationDocument {
                id: self.ids.new_id(),
                application_id,
                document_type: *document_type,
                file_name: incoming.file_name.trim().to_owned(),
                file_size: object.size,
                file_type: "application/pdf".to_owned(),
                storage_key: object.key,
                sha256: object.sha256,
                uploaded_at: now,
            });
        }

        let application = Application {
            id: application_id,
            candidate_id: caller.id,
            job_offer_id: offer.id,
            status: ApplicationStatus::Candidature,
            reference_contacts,
            availability_start: command.availability_start,
            has_been_manager,
            reference,
            mtp_answers: answers,
            created_at: now,
            updated_at: now,
        };
        let seed_profile = self.profiles.for_user(caller.id).await?.is_none();

        let mut tx = self.uow.begin().await?;
        // Under the account's lock: a submission in flight during an erasure (B7) must not land after it, and the
        // confirmation goes to the address the account has now.
        let Some(account) = crate::identity::locked_if_active(tx.as_mut(), caller.id).await? else {
            return Err(SubmissionError::AccountInactive);
        };
        uploads::release_in(tx.as_mut(), pending.as_ref()).await?;
        tx.applications().insert(&application).await.map_err(|error| match error {
            StoreError::Conflict(_) => SubmissionError::Duplicate,
            other => other.into(),
        })?;
        for document in &stored {
            tx.applications().insert_document(document).await?;
        }
        tx.applications()
            .append_history(&StatusChange {
                id: self.ids.new_id(),
                application_id: application.id,
                changed_by: Some(caller.id),
                previous_status: None,
                new_status: application.status,
                notes: None,
                changed_at: now,
            })
            .await?;
        if seed_profile {
            let profile = CandidateProfile::seeded_from(&account, self.ids.new_id(), now);
            tx.candidate_profiles().save(&profile).await?;
        }
        // I8: the draft for this offer is done with.
        super::drafts::discard_submitted(tx.as_mut(), caller.id, offer.id).await?;
        tx.notifications().insert(&self.notice(caller, &application, &offer, now)).await?;
        let mail = Outgoing::new("application_confirmation", &account.email, confirmation(&account, &offer))
            .optional_for(account.id)
            .about(application.id);
        queue_mail(tx.as_mut(), self.ids.as_ref(), mail, now).await?;
        self.hooks.on_submitted(tx.as_mut(), self.ids.as_ref(), &application, now).await?;
        tx.commit().await?;
        tracing::info!(application.id = %application.id, documents = stored.len(), "application submitted");
        Ok(Submitted { application, documents: stored })
    }

    /// Every document checked (S11) before anything is stored; the first problem found is the answer.
    async fn checked_documents(
        &self,
        documents: &[IncomingDocument],
    ) -> Result<Vec<seeg_domain::applications::DocumentType>, SubmissionError> {
        let types: Vec<&str> = documents.iter().map(|d| d.document_type.as_str()).collect();
        let parsed = check_document_types(&types, &self.limits).map_err(SubmissionError::Documents)?;
        let mut total = 0_u64;
        for (index, document) in documents.iter().enumerate() {
            total += document
                .checked_size(&self.limits, self.inspector.as_ref())
                .await
                .map_err(|error| SubmissionError::inspected(index, &document.file_name, error))?;
        }
        if total > self.limits.max_total_bytes {
            return Err(SubmissionError::Documents(DocumentProblem::TooLargeTogether {
                max_bytes: self.limits.max_total_bytes,
            }));
        }
        Ok(parsed)
    }

    fn notice(&self, caller: &User, application: &Application, offer: &JobOffer, now: DateTime<Utc>) -> Notification {
        Notification {
            id: self.ids.new_id(),
            user_id: caller.id,
            related_application_id: Some(application.id),
            title: "Candidature envoyée".to_owned(),
            message: format!("Votre candidature pour « {} » a bien été reçue.", offer.title),
            kind: "application_submitted".to_owned(),
            link: Some(format!("/applications/{}", application.id)),
            read: false,
            created_at: now,
        }
    }
}

/// R25: "Confirmation de candidature - {job_title}".
fn confirmation(caller: &User, offer: &JobOffer) -> Rendered {
    crate::mail::templates::application_confirmation(caller, &offer.title)
}
