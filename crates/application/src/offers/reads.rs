//! Offer reads through a cache (P2 in docs/decisions.md): the catalogue and the offer lists are read far more often
//! than offers change, so answers are kept in memory under the catalogue version the store gave just before they
//! were read. Every read first asks the store for the version (one tiny query, a single-row table that every offer
//! write bumps in its transaction); an answer cached under another version is never served. So a read that starts
//! after a write committed — in this process or in any other sharing the database — never sees the offer as it
//! was: at worst it reads the store again. Answers are shared (`Arc`), never copied per request.

use std::sync::Arc;

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use seeg_domain::offers::JobOffer;
use uuid::Uuid;

use super::{OfferFilter, OfferRepository};
use crate::store::{Page, PageOf, StoreError};

/// How many offers the page cache holds at most, counted across every cached page (a page weighs its offer count,
/// plus one): about 1.5 KB each in memory, so a few MB at most. Least useful entries go first (S3-FIFO), so a
/// stream of one-off searches cannot push out the pages everyone reads.
const PAGES_CAPACITY_IN_OFFERS: u64 = 4_096;
/// The number of pages the cache is sized for up front.
const EXPECTED_PAGES: usize = 256;
/// How many counts, and how many single offers, are kept at most.
const COUNTS_CAPACITY: usize = 256;
const OFFERS_CAPACITY: usize = 1_024;

/// An answer and the catalogue version it was read at (or after).
#[derive(Debug, Clone)]
struct Kept<T> {
    version: i64,
    answer: T,
}

type SharedPage = Arc<PageOf<JobOffer>>;

/// Weighs a page by its offers, plus one.
#[derive(Debug, Clone)]
struct ByOffers;

impl Weighter<(OfferFilter, Page), Kept<SharedPage>> for ByOffers {
    fn weight(&self, _: &(OfferFilter, Page), kept: &Kept<SharedPage>) -> u64 {
        kept.answer.items.len() as u64 + 1
    }
}

/// The offer reads the catalogue and the desk serve: `OfferRepository`'s, through the cache. Clones share it.
#[derive(Clone)]
pub struct OfferReads {
    offers: Arc<dyn OfferRepository>,
    pages: Arc<Cache<(OfferFilter, Page), Kept<SharedPage>, ByOffers>>,
    counts: Arc<Cache<OfferFilter, Kept<u64>>>,
    one: Arc<Cache<Uuid, Kept<Option<Arc<JobOffer>>>>>,
}

impl std::fmt::Debug for OfferReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferReads")
            .field("offers", &self.offers)
            .field("pages", &self.pages.len())
            .field("counts", &self.counts.len())
            .field("one", &self.one.len())
            .finish()
    }
}

impl OfferReads {
    /// Reads through `offers`, with empty caches.
    pub fn new(offers: Arc<dyn OfferRepository>) -> Self {
        Self {
            offers,
            pages: Arc::new(Cache::with_weighter(EXPECTED_PAGES, PAGES_CAPACITY_IN_OFFERS, ByOffers)),
            counts: Arc::new(Cache::new(COUNTS_CAPACITY)),
            one: Arc::new(Cache::new(OFFERS_CAPACITY)),
        }
    }

    /// The repository itself, for what is not cached.
    pub fn repository(&self) -> &dyn OfferRepository {
        self.offers.as_ref()
    }

    /// `OfferRepository::list`, shared.
    pub async fn list(&self, filter: &OfferFilter, page: Page) -> Result<SharedPage, StoreError> {
        let version = self.offers.version().await?;
        through(&self.pages, version, (filter.clone(), page), async {
            Ok(Arc::new(self.offers.list(filter, page).await?))
        })
        .await
    }

    /// `OfferRepository::count`.
    pub async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        let version = self.offers.version().await?;
        through(&self.counts, version, filter.clone(), self.offers.count(filter)).await
    }

    /// `OfferRepository::get`, shared.
    pub async fn get(&self, id: Uuid) -> Result<Option<Arc<JobOffer>>, StoreError> {
        let version = self.offers.version().await?;
        through(&self.one, version, id, async { Ok(self.offers.get(id).await?.map(Arc::new)) }).await
    }
}

/// The answer `cache` keeps for `question` at `version`, or `read`'s, kept for the next reader. `version` must have
/// been read before `read` runs: the answer is then at least as new as the version it is kept under. Versions only
/// grow, so an answer kept under an older one is never served again; it is replaced or evicted.
async fn through<K, T, W>(
    cache: &Cache<K, Kept<T>, W>,
    version: i64,
    question: K,
    read: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError>
where
    K: Eq + std::hash::Hash,
    T: Clone,
    W: Weighter<K, Kept<T>> + Clone,
{
    if let Some(kept) = cache.get(&question)
        && kept.version == version
    {
        return Ok(kept.answer);
    }
    let answer = read.await?;
    cache.insert(question, Kept { version, answer: answer.clone() });
    Ok(answer)
}
