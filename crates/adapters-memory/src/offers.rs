//! The offer repository and the application counts the offer side reads: search (B8) compares folded copies of
//! the text (`seeg_domain::search::fold`), with title matches ranked first, as the SQL adapter does.

use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_application::offers::{ApplicationCounts, OfferFilter, OfferRepository, OfferWriter, SEARCH_TOTAL_CAP};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::offers::{JobOffer, OfferStatus};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

/// Whether `haystack`, folded, contains `needle`, already folded (the SQL adapter's `LIKE` on the folded columns).
fn contains_folded(haystack: &str, needle: &str) -> bool {
    search::fold(haystack).contains(needle)
}

/// Whether `offer` matches `filter`, which must be folded (`OfferFilter::folded`, applied by `list` and `count`).
fn matches(filter: &OfferFilter, offer: &JobOffer) -> bool {
    offer.is_visible_to(filter.audience)
        && filter.location.as_ref().is_none_or(|needle| contains_folded(&offer.location, needle))
        && filter.contract_type.as_ref().is_none_or(|c| &offer.contract_type == c)
        && filter
            .department
            .as_ref()
            .is_none_or(|needle| offer.department.as_ref().is_some_and(|d| contains_folded(d, needle)))
        && filter.q.as_ref().is_none_or(|q| offer.search_folded().contains(q.as_str()))
        && filter.status.is_none_or(|s| offer.status == s)
        && filter.recruiter_id.is_none_or(|r| offer.recruiter_id == Some(r))
}

#[async_trait]
impl OfferRepository for MemoryStore {
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError> {
        let filter = &filter.folded();
        self.read(|state| {
            let mut found: Vec<&JobOffer> = state.offers.values().filter(|o| matches(filter, o)).collect();
            let q = filter.q.as_deref();
            let title_matches = |o: &JobOffer| q.is_some_and(|q| search::fold(&o.title).contains(q));
            found.sort_by(|a, b| {
                title_matches(b).cmp(&title_matches(a)).then(b.created_at.cmp(&a.created_at)).then(b.id.cmp(&a.id))
            });
            let mut found = page_of(found, page);
            if q.is_some() {
                // The SQL adapter stops counting there (P3).
                found.total = found.total.min(SEARCH_TOTAL_CAP);
            }
            Ok(found)
        })
    }

    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        let filter = &filter.folded();
        Ok(self.read(|state| state.offers.values().filter(|o| matches(filter, o)).count() as u64))
    }

    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError> {
        Ok(self.read(|state| state.offers.get(&id).cloned()))
    }

    async fn count_by_status_for_recruiter(
        &self,
        recruiter_id: Uuid,
    ) -> Result<BTreeMap<OfferStatus, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for offer in state.offers.values().filter(|o| o.recruiter_id == Some(recruiter_id)) {
                *counts.entry(offer.status).or_insert(0) += 1;
            }
            counts
        }))
    }

    async fn count_by_status(&self) -> Result<BTreeMap<OfferStatus, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for offer in state.offers.values() {
                *counts.entry(offer.status).or_insert(0) += 1;
            }
            counts
        }))
    }

    async fn version(&self) -> Result<i64, StoreError> {
        Ok(self.read(|state| state.offers_version))
    }
}

#[async_trait]
impl ApplicationCounts for MemoryStore {
    async fn count_for_offer(&self, offer_id: Uuid) -> Result<u64, StoreError> {
        Ok(self.read(|state| state.applications.values().filter(|a| a.job_offer_id == offer_id).count() as u64))
    }

    async fn counts_by_status_for_recruiter(&self, recruiter_id: Uuid) -> Result<BTreeMap<String, u64>, StoreError> {
        Ok(self.read(|state| {
            let mut counts = BTreeMap::new();
            for application in state.applications.values() {
                let mine =
                    state.offers.get(&application.job_offer_id).is_some_and(|o| o.recruiter_id == Some(recruiter_id));
                if mine {
                    *counts.entry(application.status.as_str().to_owned()).or_insert(0) += 1;
                }
            }
            counts
        }))
    }
}

#[async_trait]
impl OfferWriter for MemoryTransaction {
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError> {
        self.record(Change::InsertOffer(Box::new(offer.clone())))
    }

    async fn update(&mut self, offer: &JobOffer) -> Result<bool, StoreError> {
        if !self.offer_exists(offer.id) {
            return Ok(false);
        }
        self.changes.push(Change::UpdateOffer(Box::new(offer.clone())));
        Ok(true)
    }

    async fn delete(&mut self, id: Uuid) -> Result<bool, StoreError> {
        if !self.offer_exists(id) {
            return Ok(false);
        }
        // The SQL schema has no cascade from offers to applications: the database refuses the delete.
        if self.store.read(|state| state.applications.values().any(|a| a.job_offer_id == id)) {
            return Err(StoreError::Conflict("fk_applications_job_offer".to_owned()));
        }
        self.changes.push(Change::DeleteOffer(id));
        Ok(true)
    }
}

impl MemoryTransaction {
    /// Whether the offer exists as this transaction sees it.
    pub(crate) fn offer_exists(&self, id: Uuid) -> bool {
        let mut exists = self.store.read(|state| state.offers.contains_key(&id));
        for change in &self.changes {
            match change {
                Change::InsertOffer(o) if o.id == id => exists = true,
                Change::DeleteOffer(deleted) if *deleted == id => exists = false,
                _ => {}
            }
        }
        exists
    }
}
