//! Job offers: the ports that keep them and the use cases that read them.

mod catalog;

use async_trait::async_trait;
use seeg_domain::offers::{Audience, JobOffer};
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

pub use catalog::{OfferCatalog, OffersError};

/// Which offers a list or a count is about. Text filters are optional; the audience always applies (R14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferFilter {
    pub audience: Audience,
    /// Substring of the offer's location, compared folded (case and accents ignored, `seeg_domain::search`).
    pub location: Option<String>,
    /// Exact contract type.
    pub contract_type: Option<String>,
}

impl OfferFilter {
    pub fn for_audience(audience: Audience) -> Self {
        Self { audience, location: None, contract_type: None }
    }
}

/// Reads offers.
///
/// Contract: lists hold only offers whose status is in `audience.statuses()` and whose visibility is in
/// `audience.visibilities()`, and that match every filter given; they are ordered newest first (`created_at`
/// descending, then `id` descending) and `total` counts every match, not the page. `get` returns `None` for an
/// unknown id and applies no audience rule (the use case does).
#[async_trait]
pub trait OfferRepository: Send + Sync + std::fmt::Debug {
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError>;
    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError>;
    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError>;
}

/// Writes offers inside a transaction.
///
/// Contract: `insert` of an id that exists is `StoreError::Conflict` and leaves the stored offer unchanged.
#[async_trait]
pub trait OfferWriter: Send {
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError>;
}
