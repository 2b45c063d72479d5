//! Offer reads through a cache (P2 in docs/decisions.md): the catalogue and the offer lists are read far more often
//! than offers change, so answers are kept in memory under the catalogue version the store gave just before they
//! were read. Every read first asks the store for the version (one tiny query, a single-row table that every offer
//! write bumps in its transaction); an answer cached under another version is never served. So a read that starts
//! after a write committed — in this process or in any other sharing the database — never sees the offer as it
//! was: at worst it reads the store again. Answers are shared (`Arc`), never copied per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use quick_cache::Weighter;
use quick_cache::sync::Cache;
use seeg_domain::offers::{JobOffer, MtpFamily};
use uuid::Uuid;

use super::{OfferFilter, OfferRepository};
use crate::store::{Page, PageOf, StoreError};

/// Bytes (estimated: `weight_of`) the page cache holds at most, and the single-offer cache. Least useful entries go
/// first (S3-FIFO), so a stream of one-off searches cannot push out the pages everyone reads; weighing by size, not
/// by count, keeps the bound whatever the offers hold (an offer may carry ~300 KB of text within its rules).
const PAGES_CAPACITY_BYTES: u64 = 16 << 20;
const OFFERS_CAPACITY_BYTES: u64 = 8 << 20;
/// Counts weigh their question only.
const COUNTS_CAPACITY_BYTES: u64 = 1 << 20;
/// The number of entries each cache is sized for up front.
const EXPECTED_ENTRIES: usize = 256;
/// What an entry costs beyond its text: the structures around it.
const OVERHEAD: u64 = 256;

/// An answer and the catalogue version it was read at (or after).
#[derive(Debug, Clone)]
struct Kept<T> {
    version: i64,
    answer: T,
}

type SharedPage = Arc<PageOf<JobOffer>>;
/// One offer, or its absence, shared.
type SharedOffer = Option<Arc<JobOffer>>;

/// Roughly the memory an offer takes: its text and a fixed overhead.
fn weight_of(offer: &JobOffer) -> u64 {
    let optional = [
        &offer.department,
        &offer.salary_note,
        &offer.reporting_line,
        &offer.profile,
        &offer.categorie_metier,
        &offer.job_grade,
    ];
    let lists = [&offer.requirements, &offer.benefits, &offer.responsibilities];
    let mtp = offer.questions_mtp.iter().flat_map(|q| MtpFamily::ALL.iter().map(|f| q.questions(*f)));
    let text = [&offer.title, &offer.description, &offer.location, &offer.contract_type]
        .iter()
        .map(|t| t.len())
        .sum::<usize>()
        + optional.iter().filter_map(|t| t.as_ref().map(String::len)).sum::<usize>()
        + lists.iter().flat_map(|l| l.iter()).chain(mtp.flatten()).map(|t| t.len() + 24).sum::<usize>();
    text as u64 + OVERHEAD * 2
}

/// Roughly the memory a question takes.
fn weight_of_filter(filter: &OfferFilter) -> u64 {
    let texts = [&filter.location, &filter.contract_type, &filter.department, &filter.q];
    texts.iter().filter_map(|t| t.as_ref().map(String::len)).sum::<usize>() as u64 + OVERHEAD
}

/// Weighs each entry by its estimated bytes.
#[derive(Debug, Clone)]
struct BySize;

impl Weighter<(OfferFilter, Page), Kept<SharedPage>> for BySize {
    fn weight(&self, (filter, _): &(OfferFilter, Page), kept: &Kept<SharedPage>) -> u64 {
        weight_of_filter(filter) + kept.answer.items.iter().map(weight_of).sum::<u64>()
    }
}

impl Weighter<OfferFilter, Kept<u64>> for BySize {
    fn weight(&self, filter: &OfferFilter, _: &Kept<u64>) -> u64 {
        weight_of_filter(filter)
    }
}

impl Weighter<Uuid, Kept<SharedOffer>> for BySize {
    fn weight(&self, _: &Uuid, kept: &Kept<SharedOffer>) -> u64 {
        kept.answer.as_deref().map_or(OVERHEAD, weight_of)
    }
}

/// The offer reads the catalogue and the desk serve: `OfferRepository`'s, through the cache. Clones share it.
#[derive(Clone)]
pub struct OfferReads {
    offers: Arc<dyn OfferRepository>,
    pages: Arc<Cache<(OfferFilter, Page), Kept<SharedPage>, BySize>>,
    counts: Arc<Cache<OfferFilter, Kept<u64>, BySize>>,
    one: Arc<Cache<Uuid, Kept<SharedOffer>, BySize>>,
    /// The largest version read so far: a smaller one (a restored backup) clears every cache.
    highest: Arc<AtomicI64>,
}

impl std::fmt::Debug for OfferReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OfferReads")
            .field("offers", &self.offers)
            .field("pages", &self.pages.len())
            .field("counts", &self.counts.len())
            .field("one", &self.one.len())
            .field("highest", &self.highest)
            .finish()
    }
}

impl OfferReads {
    /// Reads through `offers`, with empty caches.
    pub fn new(offers: Arc<dyn OfferRepository>) -> Self {
        Self {
            offers,
            pages: Arc::new(Cache::with_weighter(EXPECTED_ENTRIES, PAGES_CAPACITY_BYTES, BySize)),
            counts: Arc::new(Cache::with_weighter(EXPECTED_ENTRIES, COUNTS_CAPACITY_BYTES, BySize)),
            one: Arc::new(Cache::with_weighter(EXPECTED_ENTRIES, OFFERS_CAPACITY_BYTES, BySize)),
            highest: Arc::new(AtomicI64::new(i64::MIN)),
        }
    }

    /// The repository itself, for what is not cached.
    pub fn repository(&self) -> &dyn OfferRepository {
        self.offers.as_ref()
    }

    /// The store's catalogue version. Versions only grow; one smaller than a version already read means the store
    /// went back in time (a restored backup): nothing kept can be trusted then, every cache is emptied.
    async fn version(&self) -> Result<i64, StoreError> {
        let version = self.offers.version().await?;
        if self.highest.fetch_max(version, Ordering::AcqRel) > version {
            self.pages.clear();
            self.counts.clear();
            self.one.clear();
            self.highest.store(version, Ordering::Release);
        }
        Ok(version)
    }

    /// `OfferRepository::list`, shared; questions are kept folded (`OfferFilter::folded`).
    pub async fn list(&self, filter: &OfferFilter, page: Page) -> Result<SharedPage, StoreError> {
        let version = self.version().await?;
        let filter = filter.folded();
        through(&self.pages, version, (filter.clone(), page), async {
            Ok(Arc::new(self.offers.list(&filter, page).await?))
        })
        .await
    }

    /// `OfferRepository::count`.
    pub async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        let version = self.version().await?;
        let filter = filter.folded();
        through(&self.counts, version, filter.clone(), self.offers.count(&filter)).await
    }

    /// `OfferRepository::get`, shared.
    pub async fn get(&self, id: Uuid) -> Result<Option<Arc<JobOffer>>, StoreError> {
        let version = self.version().await?;
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use async_trait::async_trait;
    use seeg_domain::offers::{Audience, OfferStatus};

    use super::*;

    /// A store whose version the test sets, counting list reads; every list answers `total` = reads so far.
    #[derive(Debug, Default)]
    struct Store {
        version: Mutex<i64>,
        reads: Mutex<u64>,
    }

    #[async_trait]
    impl OfferRepository for Store {
        async fn list(&self, _: &OfferFilter, _: Page) -> Result<PageOf<JobOffer>, StoreError> {
            let mut reads = self.reads.lock().unwrap();
            *reads += 1;
            Ok(PageOf { items: Vec::new(), total: *reads })
        }
        async fn count(&self, _: &OfferFilter) -> Result<u64, StoreError> {
            Ok(0)
        }
        async fn get(&self, _: Uuid) -> Result<Option<JobOffer>, StoreError> {
            Ok(None)
        }
        async fn count_by_status_for_recruiter(&self, _: Uuid) -> Result<BTreeMap<OfferStatus, u64>, StoreError> {
            Ok(BTreeMap::new())
        }
        async fn count_by_status(&self) -> Result<BTreeMap<OfferStatus, u64>, StoreError> {
            Ok(BTreeMap::new())
        }
        async fn version(&self) -> Result<i64, StoreError> {
            Ok(*self.version.lock().unwrap())
        }
    }

    #[tokio::test]
    async fn an_answer_is_served_again_only_at_its_version_even_when_the_store_goes_back() {
        let store = Arc::new(Store::default());
        let reads = OfferReads::new(Arc::clone(&store) as Arc<dyn OfferRepository>);
        let filter = OfferFilter::for_audience(Audience::Anonymous);
        let page = Page { skip: 0, limit: 10 };
        let total = async || reads.list(&filter, page).await.unwrap().total;
        *store.version.lock().unwrap() = 5;
        assert_eq!((total().await, total().await), (1, 1), "read once, then kept");
        *store.version.lock().unwrap() = 7;
        assert_eq!((total().await, total().await), (2, 2), "a write: read again");
        // A restored backup: the store is back at 5, whose answer was kept; it must not be served.
        *store.version.lock().unwrap() = 5;
        assert_eq!((total().await, total().await), (3, 3), "back in time: everything read again");
    }

    #[tokio::test]
    async fn questions_that_differ_in_case_or_accents_share_one_answer() {
        let store = Arc::new(Store::default());
        let reads = OfferReads::new(Arc::clone(&store) as Arc<dyn OfferRepository>);
        let page = Page { skip: 0, limit: 10 };
        let asking = |q: &str, location: &str| OfferFilter {
            q: Some(q.into()),
            location: Some(location.into()),
            ..OfferFilter::for_audience(Audience::Anonymous)
        };
        let total = async |filter: OfferFilter| reads.list(&filter, page).await.unwrap().total;
        assert_eq!(total(asking("Électricité", "Port-Gentil")).await, 1);
        assert_eq!(total(asking("  ELECTRICITE ", "port-gentil")).await, 1, "the same question, folded: kept");
        assert_eq!(total(asking("electricien", "port-gentil")).await, 2, "another question: read");
        let unfolded = OfferFilter::for_audience(Audience::Anonymous);
        assert_eq!(total(OfferFilter { q: Some("\u{301}".into()), ..unfolded.clone() }).await, 3);
        assert_eq!(total(unfolded).await, 3, "a q of combining marks only is no q");
    }
}
