//! The applications capability's persistence ports and the records they keep beside `Application`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

/// A document of an application: its bytes are in the `DocumentStore` under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDocument {
    pub id: Uuid,
    pub application_id: Uuid,
    pub document_type: DocumentType,
    pub file_name: String,
    pub file_size: u64,
    /// Always `application/pdf` today (S11).
    pub file_type: String,
    pub storage_key: String,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// One line of an application's history (legacy §2.8, I5): who moved it from where to where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub id: Uuid,
    pub application_id: Uuid,
    pub changed_by: Option<Uuid>,
    /// `None` for the submission itself.
    pub previous_status: Option<ApplicationStatus>,
    pub new_status: ApplicationStatus,
    pub notes: Option<String>,
    pub changed_at: DateTime<Utc>,
}

/// Which applications a list holds; `None` is no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub candidate_id: Option<Uuid>,
    pub job_offer_id: Option<Uuid>,
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
    async fn get(&self, id: Uuid) -> Result<Option<Application>, StoreError>;
    async fn find(&self, candidate_id: Uuid, job_offer_id: Uuid) -> Result<Option<Application>, StoreError>;
    async fn list(&self, filter: &ApplicationFilter, page: Page) -> Result<PageOf<Application>, StoreError>;
    async fn documents(&self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError>;
    async fn document(
        &self,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<Option<ApplicationDocument>, StoreError>;
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
    async fn insert(&mut self, application: &Application) -> Result<(), StoreError>;
    async fn insert_document(&mut self, document: &ApplicationDocument) -> Result<(), StoreError>;
    async fn append_history(&mut self, change: &StatusChange) -> Result<(), StoreError>;
    async fn update_status(
        &mut self,
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn touch(
        &mut self,
        id: Uuid,
        only_in: Option<ApplicationStatus>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    async fn delete(&mut self, id: Uuid, only_in: Option<ApplicationStatus>) -> Result<bool, StoreError>;
    async fn delete_document(&mut self, application_id: Uuid, document_id: Uuid) -> Result<bool, StoreError>;
    /// The application's documents as this transaction sees them, in `ApplicationRepository::documents` order.
    async fn documents(&mut self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError>;
}
