//! Reading applications and their documents as the caller may (S3): staff read every application, a candidate
//! only its own, and another candidate's is indistinguishable from an unknown one. The HTTP ring asks; this
//! decides the scope, so no route filters by role itself.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use seeg_domain::applications::{Application, DocumentType};
use seeg_domain::identity::{Action, Ownership, User, decide};
use tracing::instrument;
use uuid::Uuid;

use super::DetailError;
use super::{ApplicationDetail, ApplicationDetails, ApplicationDocument, ApplicationFilter, ApplicationRepository};
use crate::documents::{ByteStream, DocumentStore, DocumentStoreError};
use crate::offers::{OfferDesk, OfferDeskError};
use crate::{Page, PageOf};

/// One application as its reader sees it.
#[derive(Debug, Clone)]
pub enum ApplicationView {
    /// A candidate's own application, alone (legacy `Application`).
    Own(Box<Application>),
    /// Staff: the application with its candidate, profile, offer and documents (legacy `ApplicationAdminView`).
    Staff(Box<ApplicationDetail>),
}

/// Application reads: lists, one application, its documents and their bytes.
#[derive(Debug, Clone)]
pub struct ApplicationReads {
    details: ApplicationDetails,
    applications: Arc<dyn ApplicationRepository>,
    documents: Arc<dyn DocumentStore>,
    offers: OfferDesk,
}

impl ApplicationReads {
    /// `details` reads an application's surroundings; `offers` decides who reads an offer's applications.
    pub fn new(
        details: ApplicationDetails,
        applications: Arc<dyn ApplicationRepository>,
        documents: Arc<dyn DocumentStore>,
        offers: OfferDesk,
    ) -> Self {
        Self { details, applications, documents, offers }
    }

    /// One page of applications, newest first: staff get `filter` as asked; a candidate gets its own, whatever
    /// candidate or search words the filter names (S3).
    #[instrument(name = "applications.list", skip_all, fields(actor.id = %caller.id))]
    pub async fn list(
        &self,
        caller: &User,
        filter: ApplicationFilter,
        page: Page,
    ) -> Result<PageOf<Application>, DetailError> {
        let filter = if decide(caller.role, Action::ReadApplications, Ownership::Any).is_allowed() {
            filter
        } else if decide(caller.role, Action::ReadApplications, Ownership::Own).is_allowed() {
            ApplicationFilter { candidate_id: Some(caller.id), q: None, ..filter }
        } else {
            return Err(DetailError::Forbidden);
        };
        Ok(self.applications.list(&filter, page).await?)
    }

    /// One page of the applications to offer `offer_id`, newest first: staff only; an unknown offer is
    /// `NotFound`.
    #[instrument(name = "applications.of_offer", skip_all, fields(actor.id = %caller.id, offer.id = %offer_id))]
    pub async fn of_offer(
        &self,
        caller: &User,
        offer_id: Uuid,
        page: Page,
    ) -> Result<PageOf<Application>, OfferDeskError> {
        self.offers.offer_for_applications(caller, offer_id).await?;
        let filter = ApplicationFilter { job_offer_id: Some(offer_id), ..ApplicationFilter::default() };
        Ok(self.applications.list(&filter, page).await?)
    }

    /// Application `id`: staff see it with its surroundings, its candidate sees it alone.
    #[instrument(name = "applications.view", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn view(&self, caller: &User, id: Uuid) -> Result<ApplicationView, DetailError> {
        if decide(caller.role, Action::ReadApplications, Ownership::Any).is_allowed() {
            return Ok(ApplicationView::Staff(Box::new(self.details.get(caller, id).await?)));
        }
        Ok(ApplicationView::Own(Box::new(self.readable(caller, id).await?)))
    }

    /// Application `id` with its candidate, profile, offer and documents, for staff or its own candidate.
    pub async fn detail(&self, caller: &User, id: Uuid) -> Result<ApplicationDetail, DetailError> {
        self.details.get(caller, id).await
    }

    /// The documents of application `id` (of type `only`, when given), without their bytes, oldest first.
    #[instrument(name = "applications.documents", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn documents(
        &self,
        caller: &User,
        id: Uuid,
        only: Option<DocumentType>,
    ) -> Result<Vec<ApplicationDocument>, DetailError> {
        self.readable(caller, id).await?;
        let mut documents = self.applications.documents(id).await?;
        documents.retain(|document| only.is_none_or(|only| document.document_type == only));
        Ok(documents)
    }

    /// Document `document_id` of application `application_id`, without its bytes.
    #[instrument(name = "applications.document", skip_all, fields(actor.id = %caller.id, application.id = %application_id))]
    pub async fn document(
        &self,
        caller: &User,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<ApplicationDocument, DetailError> {
        self.readable(caller, application_id).await?;
        self.applications.document(application_id, document_id).await?.ok_or(DetailError::NotFound)
    }

    /// The bytes of a document `document` returned (all, or `range`), as a stream.
    pub async fn open(
        &self,
        document: &ApplicationDocument,
        range: Option<Range<u64>>,
    ) -> Result<ByteStream, DocumentStoreError> {
        let opened = self.documents.read(&document.storage_key, range).await;
        if let Err(DocumentStoreError::NotFound) = &opened {
            tracing::error!(document.id = %document.id, "document row without its stored bytes");
        }
        opened
    }

    /// The whole bytes of a document `document` returned.
    pub async fn bytes(&self, document: &ApplicationDocument) -> Result<Bytes, DocumentStoreError> {
        crate::documents::read_whole(self.documents.as_ref(), &document.storage_key).await
    }

    /// Application `id`, if `caller` may read it.
    async fn readable(&self, caller: &User, id: Uuid) -> Result<Application, DetailError> {
        let application = self.applications.get(id).await?.ok_or(DetailError::NotFound)?;
        super::details::may_read(caller, &application)?;
        Ok(application)
    }
}
