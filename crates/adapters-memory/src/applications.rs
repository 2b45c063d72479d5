//! Applications, their documents (metadata; bytes are in the DocumentStore) and their history: one map of whole
//! applications, which the offer side counts too.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::applications::{
    ApplicationDocument, ApplicationFilter, ApplicationRepository, ApplicationWriter, StatusChange,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::applications::{Application, ApplicationStatus};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

#[async_trait]
impl ApplicationRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<Application>, StoreError> {
        Ok(self.read(|state| state.applications.get(&id).cloned()))
    }

    async fn find(&self, candidate_id: Uuid, job_offer_id: Uuid) -> Result<Option<Application>, StoreError> {
        Ok(self.read(|state| {
            state
                .applications
                .values()
                .find(|a| a.candidate_id == candidate_id && a.job_offer_id == job_offer_id)
                .cloned()
        }))
    }

    async fn list(&self, filter: &ApplicationFilter, page: Page) -> Result<PageOf<Application>, StoreError> {
        let q = filter.q.as_deref().map(search::fold);
        Ok(self.read(|state| {
            let mut matching: Vec<&Application> = state
                .applications
                .values()
                .filter(|a| filter.candidate_id.is_none_or(|c| a.candidate_id == c))
                .filter(|a| filter.job_offer_id.is_none_or(|o| a.job_offer_id == o))
                .filter(|a| filter.status.is_none_or(|s| a.status == s))
                .filter(|a| {
                    q.as_deref()
                        .is_none_or(|q| state.users.get(&a.candidate_id).is_some_and(|u| u.search_folded().contains(q)))
                })
                .collect();
            matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
            page_of(matching, page)
        }))
    }

    async fn documents(&self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        Ok(self.read(|state| {
            let mut documents: Vec<ApplicationDocument> =
                state.application_documents.values().filter(|d| d.application_id == application_id).cloned().collect();
            documents.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at).then(a.id.cmp(&b.id)));
            documents
        }))
    }

    async fn document(
        &self,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<Option<ApplicationDocument>, StoreError> {
        Ok(self.read(|state| {
            state.application_documents.get(&document_id).filter(|d| d.application_id == application_id).cloned()
        }))
    }

    async fn history(&self, application_id: Uuid) -> Result<Vec<StatusChange>, StoreError> {
        Ok(self.read(|state| {
            let mut changes: Vec<StatusChange> =
                state.application_history.values().filter(|c| c.application_id == application_id).cloned().collect();
            changes.sort_by(|a, b| a.changed_at.cmp(&b.changed_at).then(a.id.cmp(&b.id)));
            changes
        }))
    }
}

#[async_trait]
impl ApplicationWriter for MemoryTransaction {
    async fn insert(&mut self, application: &Application) -> Result<(), StoreError> {
        // The foreign keys of the SQL schema.
        if !self.user_exists(application.candidate_id) || !self.offer_exists(application.job_offer_id) {
            return Err(StoreError::Unexpected(anyhow::anyhow!(
                "fk_applications_candidate / fk_applications_job_offer : compte ou offre inconnu"
            )));
        }
        self.record(Change::InsertApplication(Box::new(application.clone())))
    }

    async fn insert_document(&mut self, document: &ApplicationDocument) -> Result<(), StoreError> {
        self.record(Change::InsertApplicationDocument(Box::new(document.clone())))
    }

    async fn append_history(&mut self, change: &StatusChange) -> Result<(), StoreError> {
        self.record(Change::AppendHistory(Box::new(change.clone())))
    }

    async fn update_status(
        &mut self,
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut exists = self.store.read(|state| state.applications.contains_key(&id));
        exists |= self.changes.iter().any(|c| matches!(c, Change::InsertApplication(a) if a.id == id));
        if exists {
            self.changes.push(Change::UpdateApplicationStatus { id, status, at });
        }
        Ok(exists)
    }

    async fn touch(
        &mut self,
        id: Uuid,
        only_in: Option<ApplicationStatus>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let applies = self.application_status(id).is_some_and(|s| only_in.is_none_or(|wanted| s == wanted));
        if applies {
            self.changes.push(Change::TouchApplication { id, at });
        }
        Ok(applies)
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<ApplicationStatus>, StoreError> {
        // One transaction writes at a time (`MemoryStore::begin`): holding this one is the lock.
        Ok(self.application_status(id))
    }

    async fn staff_work(&mut self, id: Uuid) -> Result<bool, StoreError> {
        Ok(crate::evaluations::exists_for(self, id) || crate::interview_slots::live_for(self, id))
    }

    async fn delete(&mut self, id: Uuid, only_in: Option<ApplicationStatus>) -> Result<bool, StoreError> {
        let applies = self.application_status(id).is_some_and(|s| only_in.is_none_or(|wanted| s == wanted));
        if applies {
            self.changes.push(Change::DeleteApplication(id));
        }
        Ok(applies)
    }

    async fn delete_document(&mut self, application_id: Uuid, document_id: Uuid) -> Result<bool, StoreError> {
        let exists = self.application_document_exists(application_id, document_id);
        if exists {
            self.changes.push(Change::DeleteApplicationDocument(document_id));
        }
        Ok(exists)
    }

    async fn documents(&mut self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        let mut documents: BTreeMap<Uuid, ApplicationDocument> = self.store.read(|state| {
            state
                .application_documents
                .iter()
                .filter(|(_, d)| d.application_id == application_id)
                .map(|(id, d)| (*id, d.clone()))
                .collect()
        });
        for change in &self.changes {
            match change {
                Change::InsertApplicationDocument(d) if d.application_id == application_id => {
                    documents.insert(d.id, (**d).clone());
                }
                Change::DeleteApplicationDocument(deleted) => {
                    documents.remove(deleted);
                }
                Change::DeleteApplication(deleted) if *deleted == application_id => documents.clear(),
                _ => {}
            }
        }
        let mut documents: Vec<ApplicationDocument> = documents.into_values().collect();
        documents.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at).then(a.id.cmp(&b.id)));
        Ok(documents)
    }
}

impl MemoryTransaction {
    /// The status of application `id` as this transaction sees it; `None` when it does not exist.
    pub(crate) fn application_status(&self, id: Uuid) -> Option<ApplicationStatus> {
        let mut status = self.store.read(|state| state.applications.get(&id).map(|a| a.status));
        for change in &self.changes {
            match change {
                Change::InsertApplication(a) if a.id == id => status = Some(a.status),
                Change::UpdateApplicationStatus { id: changed, status: to, .. } if *changed == id => {
                    status = status.map(|_| *to);
                }
                Change::DeleteApplication(deleted) if *deleted == id => status = None,
                _ => {}
            }
        }
        status
    }

    /// Whether document `id` of application `application_id` exists as this transaction sees it.
    fn application_document_exists(&self, application_id: Uuid, id: Uuid) -> bool {
        let mut exists = self
            .store
            .read(|state| state.application_documents.get(&id).is_some_and(|d| d.application_id == application_id));
        for change in &self.changes {
            match change {
                Change::InsertApplicationDocument(d) if d.id == id && d.application_id == application_id => {
                    exists = true;
                }
                Change::DeleteApplicationDocument(deleted) if *deleted == id => exists = false,
                Change::DeleteApplication(deleted) if *deleted == application_id => exists = false,
                _ => {}
            }
        }
        exists
    }
}
