//! One application with what a reader needs around it (legacy `ApplicationAdminView` and `ApplicationComplete`):
//! its candidate, the candidate's profile, the offer and the documents. Four reads whatever the application.

use std::sync::Arc;

use seeg_domain::applications::Application;
use seeg_domain::identity::{CandidateProfile, Decision, User};
use seeg_domain::offers::JobOffer;
use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationDocument, ApplicationRepository};
use crate::identity::{CandidateProfileRepository, UserRepository};
use crate::offers::OfferRepository;
use crate::store::StoreError;

/// Why an application could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DetailError {
    /// Unknown, or another candidate's (S3).
    #[error("candidature introuvable")]
    NotFound,
    /// Staff without the permission to read applications.
    #[error("Accès interdit")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An application and its surroundings.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    /// The application.
    pub application: Application,
    /// Its candidate's account.
    pub candidate: User,
    /// Its candidate's profile, if one exists yet.
    pub profile: Option<CandidateProfile>,
    /// The offer applied to.
    pub offer: JobOffer,
    /// In upload order.
    pub documents: Vec<ApplicationDocument>,
}

/// One application with its candidate, profile, offer and documents, for the caller allowed to read it (S3).
#[derive(Debug, Clone)]
pub struct ApplicationDetails {
    applications: Arc<dyn ApplicationRepository>,
    users: Arc<dyn UserRepository>,
    profiles: Arc<dyn CandidateProfileRepository>,
    offers: Arc<dyn OfferRepository>,
}

impl ApplicationDetails {
    /// The use case on its read ports.
    pub fn new(
        applications: Arc<dyn ApplicationRepository>,
        users: Arc<dyn UserRepository>,
        profiles: Arc<dyn CandidateProfileRepository>,
        offers: Arc<dyn OfferRepository>,
    ) -> Self {
        Self { applications, users, profiles, offers }
    }

    /// Application `id` with its surroundings, without an access check: for the service's own work (exports).
    /// `None` when the application, or its candidate or offer, is gone.
    pub async fn load(&self, id: Uuid) -> Result<Option<ApplicationDetail>, StoreError> {
        match self.applications.get(id).await? {
            Some(application) => self.around(application).await,
            None => Ok(None),
        }
    }

    /// The surroundings of `application`, read concurrently; `None` when its candidate or offer is gone (the
    /// foreign keys keep both: an application being deleted meanwhile).
    async fn around(&self, application: Application) -> Result<Option<ApplicationDetail>, StoreError> {
        let (candidate, profile, offer, documents) = futures_util::future::try_join4(
            self.users.get(application.candidate_id),
            self.profiles.for_user(application.candidate_id),
            self.offers.get(application.job_offer_id),
            self.applications.documents(application.id),
        )
        .await?;
        Ok(match (candidate, offer) {
            (Some(candidate), Some(offer)) => {
                Some(ApplicationDetail { application, candidate, profile, offer, documents })
            }
            _ => None,
        })
    }

    /// Application `id` with its surroundings, for staff or its own candidate (`read_access`).
    #[instrument(name = "applications.details", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn get(&self, caller: &User, id: Uuid) -> Result<ApplicationDetail, DetailError> {
        let application = self.applications.get(id).await?.ok_or(DetailError::NotFound)?;
        may_read(caller, &application)?;
        self.around(application).await?.ok_or(DetailError::NotFound)
    }
}

/// Whether `caller` may read `application` (`read_access`): another candidate's is `NotFound` (S3).
pub(super) fn may_read(caller: &User, application: &Application) -> Result<(), DetailError> {
    match super::read_access(caller, application) {
        Decision::Allow => Ok(()),
        Decision::Hide => Err(DetailError::NotFound),
        Decision::Forbid => Err(DetailError::Forbidden),
    }
}
