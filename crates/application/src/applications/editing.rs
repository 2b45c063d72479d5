//! Changing a submitted application (I10): deleting it, deleting one of its documents, adding an optional
//! document or replacing a required one. Allowed to its candidate while the application is still `candidature`
//! (the status condition is re-checked by the writes inside the transaction, so a recruiter moving it meanwhile
//! wins), and to admins at any status; other staff 403, another candidate 404 (S3). A required document (CV,
//! lettre de motivation, diplôme) is never deleted, only replaced. Bytes stay in the `DocumentStore` (they may
//! be shared by content address); the sweep removes the objects no document names any more.

use std::sync::Arc;

use seeg_domain::applications::{Application, ApplicationStatus, DocumentLimits, DocumentProblem, DocumentType};
use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide};
use tracing::instrument;
use uuid::Uuid;

use super::intake::DocumentIntake;
use super::submission::{DocumentContent, IncomingDocument, ReceivedDocument};
use super::uploads::{self, PendingUpload, QuotaExceeded, QuotaLimits, ReserveError, UploadQuota};
use super::{ApplicationDocument, ApplicationRepository, ExportHooks, ExportReason};
use crate::documents::{DocumentStore, DocumentStoreError, InspectError, PdfInspector};
use crate::identity::{AuditEvent, RequestContext};
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The audit action of an application deleted by its candidate (the erasure, B7, finds them by it).
pub const APPLICATION_DELETED: &str = "application.deleted";

/// Why a change to a submitted application was refused.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// Unknown, or another candidate's (S3: indistinguishable).
    #[error("candidature introuvable")]
    NotFound,
    /// No such document in this application.
    #[error("document introuvable")]
    DocumentNotFound,
    /// Staff other than admins (I10: recruiters 403).
    #[error("Accès interdit")]
    Forbidden,
    /// The candidate's application has left `candidature`: it is the recruiters' now.
    #[error("La candidature n'est plus modifiable : elle est au statut « {} »", .0.label())]
    Locked(ApplicationStatus),
    /// Staff have evaluated the candidate's application or booked an interview for it: their records must not go
    /// with it; the candidate may still withdraw it.
    #[error("La candidature est en cours d'examen par l'équipe de recrutement : elle peut être retirée, pas supprimée")]
    UnderReview,
    /// A required document (cv, cover_letter, diplome) cannot be deleted, only replaced (I10).
    #[error("{} est un document obligatoire : il peut être remplacé, pas supprimé", .0.label())]
    RequiredDocument(DocumentType),
    /// The set of documents after the change (count, total size, type).
    #[error("{0}")]
    Documents(DocumentProblem),
    /// The document itself (S11).
    #[error("Document « {name} » : {problem}")]
    Document {
        /// Its file name as sent.
        name: String,
        /// Why it was refused (S11).
        problem: DocumentProblem,
    },
    /// Every inspection slot stayed busy: the document was not judged (503).
    #[error("trop de documents sont en cours d'analyse : réessayez dans quelques instants")]
    InspectorBusy,
    /// The caller's pending uploads would pass their quota (`uploads`).
    #[error(transparent)]
    Quota(#[from] QuotaExceeded),
    /// The document storage failed.
    #[error(transparent)]
    Storage(#[from] DocumentStoreError),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ReserveError> for EditError {
    fn from(error: ReserveError) -> Self {
        match error {
            ReserveError::Exceeded(exceeded) => Self::Quota(exceeded),
            ReserveError::Store(error) => Self::Store(error),
        }
    }
}

/// What adding a document did.
#[derive(Debug, Clone)]
pub struct AddedDocument {
    /// The document as stored.
    pub document: ApplicationDocument,
    /// The required document of the same type it replaced, if any.
    pub replaced: Option<Uuid>,
}

/// Changing a submitted application (I10): its candidate while it is `candidature`, and admins at any status,
/// delete it, delete an optional document, add one, or replace a required one.
#[derive(Debug, Clone)]
pub struct ApplicationEditing {
    uow: Arc<dyn UnitOfWork>,
    applications: Arc<dyn ApplicationRepository>,
    documents: Arc<dyn DocumentStore>,
    inspector: Arc<dyn PdfInspector>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    limits: DocumentLimits,
    hooks: ExportHooks,
    quota: UploadQuota,
}

impl ApplicationEditing {
    /// The use case on its ports, with the S11 `limits`; the upload quota takes `QuotaLimits::default()` and the
    /// export hooks the lake's re-export (`with_upload_quota`, `with_hooks` change them).
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        applications: Arc<dyn ApplicationRepository>,
        documents: Arc<dyn DocumentStore>,
        inspector: Arc<dyn PdfInspector>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        limits: DocumentLimits,
    ) -> Self {
        let quota = UploadQuota::new(Arc::clone(&uow), Arc::clone(&clock), Arc::clone(&ids), QuotaLimits::default());
        let hooks = ExportHooks::default();
        Self { uow, applications, documents, inspector, clock, ids, limits, hooks, quota }
    }

    /// The quota of pending uploads (default: `QuotaLimits::default()`).
    #[must_use]
    pub fn with_upload_quota(mut self, limits: QuotaLimits) -> Self {
        self.quota = UploadQuota::new(Arc::clone(&self.uow), Arc::clone(&self.clock), Arc::clone(&self.ids), limits);
        self
    }

    /// The downstream consumers a document change feeds (default: the lake's re-export).
    #[must_use]
    pub const fn with_hooks(mut self, hooks: ExportHooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The S11 bounds this use case applies.
    pub const fn limits(&self) -> &DocumentLimits {
        &self.limits
    }

    /// Receives a streamed document (B1) by `caller` for `add_document`.
    /// One file only: a second is refused before any of it is stored.
    pub fn intake(&self, caller: &User) -> DocumentIntake {
        DocumentIntake::new(
            Arc::clone(&self.documents),
            Arc::clone(&self.inspector),
            self.limits,
            self.quota.clone(),
            caller,
        )
        .at_most(1)
    }

    /// Whether `caller` may change application `id` now: asked before a streamed upload, so that bytes are not
    /// stored for a caller who would be refused anyway (the change itself checks again).
    pub async fn check(&self, caller: &User, id: Uuid) -> Result<(), EditError> {
        self.editable(caller, id).await.map(|_| ())
    }

    /// The application `caller` may change, and the status it must still have when the change commits
    /// (`None` for admins: any).
    async fn editable(&self, caller: &User, id: Uuid) -> Result<(Application, Option<ApplicationStatus>), EditError> {
        let application = self.applications.get(id).await?.ok_or(EditError::NotFound)?;
        let ownership = if application.candidate_id == caller.id { Ownership::Own } else { Ownership::Any };
        match decide(caller.role, Action::EditApplication, ownership) {
            Decision::Allow => {}
            Decision::Forbid => return Err(EditError::Forbidden),
            Decision::Hide => return Err(EditError::NotFound),
        }
        if caller.role == Role::Admin {
            return Ok((application, None));
        }
        if application.status != ApplicationStatus::Candidature {
            return Err(EditError::Locked(application.status));
        }
        Ok((application, Some(ApplicationStatus::Candidature)))
    }

    /// Counts documents the candidate's own change un-names on its quota of pending uploads (`uploads`); staff
    /// changes count on nobody's.
    async fn count_unnamed(
        &self,
        tx: &mut dyn crate::store::Transaction,
        caller: &User,
        application: &Application,
        bytes: u64,
    ) -> Result<(), StoreError> {
        if caller.id != application.candidate_id {
            return Ok(());
        }
        uploads::count_unnamed(tx, self.ids.as_ref(), caller.id, bytes, self.clock.now()).await
    }

    /// Why a write under `only_in` did not apply: the application is gone, or moved on.
    async fn refused(&self, id: Uuid) -> EditError {
        match self.applications.get(id).await {
            Ok(Some(application)) => EditError::Locked(application.status),
            Ok(None) => EditError::NotFound,
            Err(error) => error.into(),
        }
    }

    /// Deletes application `id` with its documents and history.
    #[instrument(name = "applications.delete", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn delete_application(&self, caller: &User, id: Uuid, context: &RequestContext) -> Result<(), EditError> {
        let (application, only_in) = self.editable(caller, id).await?;
        let mut tx = self.uow.begin().await?;
        // Held to the commit, so that no booking or evaluation slips in between the check and the delete: staff's
        // records outlive a candidate's change of mind, which withdraws instead.
        tx.applications().lock(id).await?;
        if caller.id == application.candidate_id && tx.applications().staff_work(id).await? {
            return Err(EditError::UnderReview);
        }
        // The row written first holds the application, so no document is added between the read and the delete.
        if !tx.applications().touch(id, only_in, self.clock.now()).await? {
            drop(tx);
            return Err(self.refused(id).await);
        }
        let documents = tx.applications().documents(id).await?;
        if !tx.applications().delete(id, only_in).await? {
            drop(tx);
            return Err(self.refused(id).await);
        }
        let unnamed = documents.iter().map(|document| document.file_size).sum();
        self.count_unnamed(tx.as_mut(), caller, &application, unnamed).await?;
        tx.audit().append(&self.audit(caller, APPLICATION_DELETED, id, Vec::new(), context)).await?;
        tx.commit().await?;
        tracing::info!("application deleted");
        Ok(())
    }

    /// Deletes an optional document of application `id`.
    #[instrument(name = "applications.delete_document", skip_all, fields(actor.id = %caller.id, application.id = %id, document.id = %document_id))]
    pub async fn delete_document(
        &self,
        caller: &User,
        id: Uuid,
        document_id: Uuid,
        context: &RequestContext,
    ) -> Result<(), EditError> {
        let (application, only_in) = self.editable(caller, id).await?;
        let document = self.applications.document(id, document_id).await?.ok_or(EditError::DocumentNotFound)?;
        if document.document_type.is_required() {
            return Err(EditError::RequiredDocument(document.document_type));
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        if !tx.applications().touch(id, only_in, now).await? {
            drop(tx);
            return Err(self.refused(id).await);
        }
        if !tx.applications().delete_document(id, document_id).await? {
            return Err(EditError::DocumentNotFound);
        }
        self.count_unnamed(tx.as_mut(), caller, &application, document.file_size).await?;
        let fields = vec![document.document_type.as_str().to_owned()];
        tx.audit().append(&self.audit(caller, "application.document_deleted", id, fields, context)).await?;
        self.hooks
            .request_export(tx.as_mut(), self.ids.as_ref(), id, ExportReason::DocumentsChanged, None, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds `incoming` to application `id`: an optional type is added (within the count and size limits); a
    /// required type replaces the document of that type.
    /// `pending` is the reservation of a streamed document (`DocumentIntake`); a whole one reserves when it is
    /// stored. Refused, the change settles it (`uploads`); committed, it released it.
    #[instrument(name = "applications.add_document", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn add_document(
        &self,
        caller: &User,
        id: Uuid,
        incoming: IncomingDocument,
        mut pending: Option<PendingUpload>,
        context: &RequestContext,
    ) -> Result<AddedDocument, EditError> {
        let added = self.add_holding(caller, id, incoming, &mut pending, context).await;
        self.quota.settle_if_refused(added, pending).await
    }

    async fn add_holding(
        &self,
        caller: &User,
        id: Uuid,
        incoming: IncomingDocument,
        pending: &mut Option<PendingUpload>,
        context: &RequestContext,
    ) -> Result<AddedDocument, EditError> {
        let (application, only_in) = self.editable(caller, id).await?;
        let document_type = DocumentType::parse_allowed(&incoming.document_type).map_err(EditError::Documents)?;
        let size = incoming.checked_size(&self.limits, self.inspector.as_ref()).await.map_err(|error| match error {
            InspectError::Refused(problem) => EditError::Document { name: incoming.file_name.clone(), problem },
            InspectError::Busy => EditError::InspectorBusy,
        })?;
        let object = match incoming.content {
            DocumentContent::Whole(bytes) => {
                let mut reserved = self.quota.reserve(caller, bytes.len() as u64).await?;
                let object = self.documents.put(bytes).await;
                if let Ok(object) = &object {
                    reserved.add_stored(object.size);
                }
                *pending = Some(reserved);
                object?
            }
            DocumentContent::Received(ReceivedDocument(object)) => object,
        };
        let now = self.clock.now();
        let document = ApplicationDocument {
            id: self.ids.new_id(),
            application_id: id,
            document_type,
            file_name: incoming.file_name.trim().to_owned(),
            file_size: object.size,
            file_type: "application/pdf".to_owned(),
            storage_key: object.key,
            sha256: object.sha256,
            uploaded_at: now,
        };
        let mut tx = self.uow.begin().await?;
        // The row written first holds the application for this transaction (a row lock on PostgreSQL, the
        // writer's lock on SQLite), so concurrent adds count and sum one after the other, never past the limits.
        if !tx.applications().touch(id, only_in, now).await? {
            drop(tx);
            return Err(self.refused(id).await);
        }
        uploads::release_in(tx.as_mut(), pending.as_ref()).await?;
        let existing = tx.applications().documents(id).await?;
        let replaced = self.fits(&existing, document_type, size)?;
        if let Some(replaced) = replaced
            && !tx.applications().delete_document(id, replaced.id).await?
        {
            // Replaced meanwhile by a concurrent request: this one loses rather than leaving two.
            return Err(EditError::DocumentNotFound);
        }
        if let Some(replaced) = replaced.filter(|replaced| replaced.storage_key != document.storage_key) {
            self.count_unnamed(tx.as_mut(), caller, &application, replaced.file_size).await?;
        }
        tx.applications().insert_document(&document).await?;
        let action = if replaced.is_some() { "application.document_replaced" } else { "application.document_added" };
        let fields = vec![document_type.as_str().to_owned()];
        tx.audit().append(&self.audit(caller, action, id, fields, context)).await?;
        self.hooks
            .request_export(tx.as_mut(), self.ids.as_ref(), id, ExportReason::DocumentsChanged, None, now)
            .await?;
        tx.commit().await?;
        let replaced = replaced.map(|r| r.id);
        Ok(AddedDocument { document, replaced })
    }

    /// Whether a document of `document_type` and `size` fits among `existing` (count and total size); the
    /// required document it replaces, if any.
    fn fits<'a>(
        &self,
        existing: &'a [ApplicationDocument],
        document_type: DocumentType,
        size: u64,
    ) -> Result<Option<&'a ApplicationDocument>, EditError> {
        let replaced =
            document_type.is_required().then(|| existing.iter().find(|d| d.document_type == document_type)).flatten();
        let kept = existing.iter().filter(|d| Some(d.id) != replaced.map(|r| r.id));
        if kept.clone().count() + 1 > self.limits.max_documents {
            return Err(EditError::Documents(DocumentProblem::TooMany { max: self.limits.max_documents }));
        }
        if kept.map(|d| d.file_size).sum::<u64>() + size > self.limits.max_total_bytes {
            let max_bytes = self.limits.max_total_bytes;
            return Err(EditError::Documents(DocumentProblem::TooLargeTogether { max_bytes }));
        }
        Ok(replaced)
    }

    fn audit(
        &self,
        caller: &User,
        action: &str,
        id: Uuid,
        changed_fields: Vec<String>,
        context: &RequestContext,
    ) -> AuditEvent {
        let target = ("application", id);
        AuditEvent::on_target(self.ids.new_id(), caller, action, target, changed_fields, context, self.clock.now())
    }
}
