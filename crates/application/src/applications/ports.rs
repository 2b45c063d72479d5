//! The applications capability's persistence ports and the records they keep beside `Application`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

/// A document of an application: its bytes are in the `DocumentStore` under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDocument {
    /// The document's id.
    pub id: Uuid,
    /// The application it belongs to.
    pub application_id: Uuid,
    /// Which of the K2 types it is.
    pub document_type: DocumentType,
    /// The file name as sent (checked by `check_file_name`).
    pub file_name: String,
    /// Length in bytes (at most 10 MiB, S11).
    pub file_size: u64,
    /// Always `application/pdf` today (S11).
    pub file_type: String,
    /// Where its bytes are in the `DocumentStore` (content-addressed: shared by identical files).
    pub storage_key: String,
    /// sha256 of the bytes, hex, lower case.
    pub sha256: String,
    /// When it was added.
    pub uploaded_at: DateTime<Utc>,
}

/// One line of an application's history (legacy §2.8, I5): who moved it from where to where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// The history row's id.
    pub id: Uuid,
    /// The application that moved.
    pub application_id: Uuid,
    /// Who moved it; `None` when unknown (legacy rows), and in what a candidate reads (`history_for`).
    pub changed_by: Option<Uuid>,
    /// `None` for the submission itself.
    pub previous_status: Option<ApplicationStatus>,
    /// The status it moved to.
    pub new_status: ApplicationStatus,
    /// Why, as the recruiter wrote it (at most `MAX_NOTE_CHARS`).
    pub notes: Option<String>,
    /// When it moved.
    pub changed_at: DateTime<Utc>,
}

/// Which applications a list holds; `None` is no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    /// Only this candidate's applications.
    pub candidate_id: Option<Uuid>,
    /// Only the applications to this offer.
    pub job_offer_id: Option<Uuid>,
    /// Only applications in this status.
    pub status: Option<ApplicationStatus>,
    /// Words in the candidate's first name, last name or e-mail, ignoring case and accents
    /// (`seeg_domain::search::fold`).
    pub q: Option<String>,
}

/// Reads applications.
///
/// Contract: `get` is `None` for an unknown id; `find` returns the candidate's application to the offer, if
/// any. `list` holds the applications matching every criterion, newest first (`created_at` descending, then `id`
/// descending, F5); `total` counts every match. `documents` lists an application's documents in upload order
/// (`uploaded_at`, then `id`), without bytes; `document` is `None` unless the document belongs to that
/// application. `history` lists its status changes oldest first (`changed_at`, then `id`).
#[async_trait]
pub trait ApplicationRepository: Send + Sync + std::fmt::Debug {
    /// The application with this id; `None` if unknown.
    async fn get(&self, id: Uuid) -> Result<Option<Application>, StoreError>;
    /// The candidate's application to the offer, if any (I4: at most one).
    async fn find(&self, candidate_id: Uuid, job_offer_id: Uuid) -> Result<Option<Application>, StoreError>;
    /// One page of the applications matching `filter`, newest first, with the true total.
    async fn list(&self, filter: &ApplicationFilter, page: Page) -> Result<PageOf<Application>, StoreError>;
    /// The application's documents, without bytes, in upload order.
    async fn documents(&self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError>;
    /// One document, only if it belongs to `application_id`.
    async fn document(
        &self,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<Option<ApplicationDocument>, StoreError>;
    /// The application's status changes, oldest first.
    async fn history(&self, application_id: Uuid) -> Result<Vec<StatusChange>, StoreError>;
}

/// Writes applications inside a transaction.
///
/// Contract: `insert` is `StoreError::Conflict` when the id exists or the candidate already applied to the offer
/// (the unique index decides, so of concurrent submissions exactly one commits). `insert_document` and
/// `append_history` are `Conflict` on an existing id. `update_status` writes `status` and `updated_at` of an
/// existing application and says whether it existed.
#[async_trait]
pub trait ApplicationWriter: Send {
    /// Stores a new application; `Conflict` when the candidate already applied to the offer (I4).
    async fn insert(&mut self, application: &Application) -> Result<(), StoreError>;
    /// Stores a document row (its bytes are already in the `DocumentStore`).
    async fn insert_document(&mut self, document: &ApplicationDocument) -> Result<(), StoreError>;
    /// Adds a row to the status history.
    async fn append_history(&mut self, change: &StatusChange) -> Result<(), StoreError>;
    /// Sets the status and `updated_at`; `false` when the application does not exist.
    async fn update_status(
        &mut self,
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Sets `updated_at`; with `only_in`, only while the application is in that status. `false` when nothing was
    /// touched (gone, or moved on): the caller's check no longer holds.
    async fn touch(
        &mut self,
        id: Uuid,
        only_in: Option<ApplicationStatus>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Holds application `id` until the transaction ends: a concurrent delete, status change or booking or
    /// evaluation of it waits (on PostgreSQL a row lock that a foreign-key insert also waits for; SQLite and the
    /// memory store admit one writer at a time). Its status, or `None` when it does not exist.
    async fn lock(&mut self, id: Uuid) -> Result<Option<ApplicationStatus>, StoreError>;
    /// Whether staff have evaluated application `id` or booked an interview for it that is not cancelled, as this
    /// transaction sees it.
    async fn staff_work(&mut self, id: Uuid) -> Result<bool, StoreError>;
    /// Removes the application with its documents and history; with `only_in`, only while it is in that status.
    /// `false` when nothing was removed.
    async fn delete(&mut self, id: Uuid, only_in: Option<ApplicationStatus>) -> Result<bool, StoreError>;
    /// Removes one document row, only if it belongs to `application_id`; `false` when there was none.
    async fn delete_document(&mut self, application_id: Uuid, document_id: Uuid) -> Result<bool, StoreError>;
    /// The application's documents as this transaction sees them, in `ApplicationRepository::documents` order.
    async fn documents(&mut self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError>;
}
