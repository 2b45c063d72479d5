//! Job offers: the ports that keep them and the use cases that read and write them.

mod catalog;
mod desk;
mod reads;

use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_domain::offers::{Audience, JobOffer, OfferStatus};
use seeg_domain::search;
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

pub use catalog::{OfferCatalog, OffersError};
pub use desk::{OfferDesk, OfferDeskError, RecruiterStatistics};
pub use reads::OfferReads;

/// With `q`, a list's `total` counts the matches exactly up to this many and says this many when there are more
/// (P3 in docs/decisions.md): an exact count would read every match of a common word on each search.
pub const SEARCH_TOTAL_CAP: u64 = 1_000;

/// Which offers a list or a count is about. Text filters are optional; the audience always applies (R14).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfferFilter {
    /// Who is looking: decides which statuses and visibilities are listed at all (K3b).
    pub audience: Audience,
    /// Substring of the offer's location, compared folded (case and accents ignored, `seeg_domain::search`).
    pub location: Option<String>,
    /// Exact contract type.
    pub contract_type: Option<String>,
    /// Substring of the offer's department, compared folded.
    pub department: Option<String>,
    /// Search text (B8): a folded substring of the title, description, department or location. When set, lists
    /// put offers whose title matches first.
    pub q: Option<String>,
    /// Only offers with this status (within the audience's statuses).
    pub status: Option<OfferStatus>,
    /// Only the offers of this recruiter (`/jobs/recruiter/my-jobs`).
    pub recruiter_id: Option<Uuid>,
}

impl OfferFilter {
    /// No filter but the audience's rule.
    pub fn for_audience(audience: Audience) -> Self {
        Self {
            audience,
            location: None,
            contract_type: None,
            department: None,
            q: None,
            status: None,
            recruiter_id: None,
        }
    }

    /// The same question with its folded filters (`location`, `department`, `q`) folded
    /// (`seeg_domain::search::fold`), and one that folds to nothing (only spaces or combining marks) dropped: it
    /// would match every offer. Questions that differ only in case or accents become one, so the cache (P2) keeps
    /// one answer for them, and a search for nothing is a plain list with its exact total.
    #[must_use]
    pub fn folded(&self) -> Self {
        let fold = |text: &Option<String>| text.as_deref().map(search::fold).filter(|t| !t.is_empty());
        Self {
            location: fold(&self.location),
            department: fold(&self.department),
            q: fold(&self.q),
            contract_type: self.contract_type.clone(),
            ..*self
        }
    }
}

/// Reads offers.
///
/// Contract: lists hold only offers whose status is in `audience.statuses()` and whose visibility is in
/// `audience.visibilities()`, and that match every filter given; they are ordered newest first (`created_at`
/// descending, then `id` descending), except that with `q` set the offers whose folded title contains the folded
/// `q` come first (each group newest first); `total` counts every match, not the page, except that with `q` set
/// it stops at `SEARCH_TOTAL_CAP` (exact below it; equal to it when there are at least as many). A filter is read
/// as `OfferFilter::folded` gives it: a `q` that folds to nothing is no `q`. `get` returns `None` for
/// an unknown id and applies no audience rule (the use case does). `count_by_status_for_recruiter` counts the
/// recruiter's offers per status, statuses without offers left out; `count_by_status` every offer the same way.
/// `version` is the catalogue version (P2): it
/// grows with every committed offer write (insert, update, delete, by any process sharing the store), in the
/// writing transaction, and never goes back; a read that starts after a write committed sees a larger version.
#[async_trait]
pub trait OfferRepository: Send + Sync + std::fmt::Debug {
    /// One page of the matching offers and the count of all matches (see the contract above).
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError>;
    /// How many offers match.
    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError>;
    /// The offer with this id, whoever may see it; `None` if unknown.
    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError>;
    /// The recruiter's offers, counted per status.
    async fn count_by_status_for_recruiter(&self, recruiter_id: Uuid)
    -> Result<BTreeMap<OfferStatus, u64>, StoreError>;
    /// Every offer, counted per status (one query).
    async fn count_by_status(&self) -> Result<BTreeMap<OfferStatus, u64>, StoreError>;
    /// The catalogue version: larger after every committed offer write (see the contract above).
    async fn version(&self) -> Result<i64, StoreError>;
}

/// Writes offers inside a transaction.
///
/// Contract: `insert` of an id that exists is `StoreError::Conflict` and leaves the stored offer unchanged.
/// `update` replaces every field of the stored offer with the same id and says whether one existed. `delete`
/// removes the offer and says whether one existed; an offer that still has applications is not removed:
/// `StoreError::Conflict` (the database refuses it too, there is no cascade).
#[async_trait]
pub trait OfferWriter: Send {
    /// Stores a new offer.
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError>;
    /// Replaces the stored offer with the same id; `false` when there is none.
    async fn update(&mut self, offer: &JobOffer) -> Result<bool, StoreError>;
    /// Removes the offer; `false` when there is none, `Conflict` while it has applications.
    async fn delete(&mut self, id: Uuid) -> Result<bool, StoreError>;
}

/// Counts applications, for the offer side (the applications capability writes them).
///
/// Contract: `count_for_offer` is 0 for an unknown offer; `counts_by_status_for_recruiter` counts the
/// applications to the recruiter's offers per stored status word, statuses without applications left out.
#[async_trait]
pub trait ApplicationCounts: Send + Sync + std::fmt::Debug {
    /// How many applications the offer has.
    async fn count_for_offer(&self, offer_id: Uuid) -> Result<u64, StoreError>;
    /// The applications to the recruiter's offers, counted per stored status word.
    async fn counts_by_status_for_recruiter(&self, recruiter_id: Uuid) -> Result<BTreeMap<String, u64>, StoreError>;
}
