//! Reading offers as a given audience sees them (R14 / K3b): the public routes today, candidates and staff later.

use std::sync::Arc;

use seeg_domain::offers::{Audience, JobOffer};
use tracing::instrument;
use uuid::Uuid;

use super::{OfferFilter, OfferReads};
use crate::store::{Page, PageOf, StoreError};

/// Why an offer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OffersError {
    /// No such offer, or one this audience may not see (the two are indistinguishable on purpose).
    #[error("offre d'emploi introuvable")]
    NotFound,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The offers an audience may see.
#[derive(Debug, Clone)]
pub struct OfferCatalog {
    offers: OfferReads,
}

impl OfferCatalog {
    /// The catalogue, reading through `offers` (and its cache).
    pub fn new(offers: OfferReads) -> Self {
        Self { offers }
    }

    /// One page of the offers `filter.audience` sees that match the filter, newest first, with the true total (F5).
    #[instrument(name = "offers.catalog.list", skip_all, fields(offers.skip = page.skip, offers.limit = page.limit))]
    pub async fn list(&self, filter: &OfferFilter, page: Page) -> Result<Arc<PageOf<JobOffer>>, OffersError> {
        Ok(self.offers.list(filter, page).await?)
    }

    /// How many offers `filter.audience` sees that match the filter.
    #[instrument(name = "offers.catalog.count", skip_all)]
    pub async fn count(&self, filter: &OfferFilter) -> Result<u64, OffersError> {
        Ok(self.offers.count(filter).await?)
    }

    /// One offer, if `audience` may see it; otherwise `NotFound`, so ids cannot be probed.
    #[instrument(name = "offers.catalog.get", skip_all, fields(offer.id = %id))]
    pub async fn get(&self, audience: Audience, id: Uuid) -> Result<Arc<JobOffer>, OffersError> {
        match self.offers.get(id).await? {
            Some(offer) if offer.is_visible_to(audience) => Ok(offer),
            _ => Err(OffersError::NotFound),
        }
    }
}
