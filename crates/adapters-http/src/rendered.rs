//! Offer bodies rendered once per cached answer (P2 in docs/decisions.md). The offer reads hand out the same shared
//! answer (`Arc`) for as long as the catalogue does not change; its JSON is then the same bytes every time, except
//! for what depends on the hour (`is_open`). So each route keeps the bytes it wrote for an answer, found by the
//! answer's identity and checked against the `is_open` flags of this request: a body is served again only for the
//! very same answer with the very same flags, which is exactly when rendering again would give the same bytes.
//! A body that never changes while the process runs (the OpenAPI document) is rendered once, on its first request.

use std::sync::{Arc, OnceLock, Weak};

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use anyhow::Context as _;
use bytes::Bytes;
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use seeg_application::PageOf;
use seeg_domain::offers::JobOffer;

use crate::envelope::TOTAL_COUNT_HEADER;

/// Bytes of rendered bodies a route keeps at most.
const CAPACITY_BYTES: u64 = 4 << 20;
/// Bodies a route is sized for up front.
const EXPECTED_BODIES: usize = 128;

/// One rendered body: the answer it was rendered from (held weakly: its allocation, hence its address, stays taken
/// while this lives, so the address cannot name another answer), the flags it was rendered with, the bytes.
struct Body<T> {
    answer: Weak<T>,
    flags: Arc<[bool]>,
    bytes: Bytes,
}

// By hand: a derive would ask `T: Clone`, which a weak reference does not need.
impl<T> Clone for Body<T> {
    fn clone(&self) -> Self {
        Self { answer: Weak::clone(&self.answer), flags: Arc::clone(&self.flags), bytes: self.bytes.clone() }
    }
}

#[derive(Clone)]
struct ByLength;

impl<T> Weighter<usize, Body<T>> for ByLength {
    fn weight(&self, _: &usize, body: &Body<T>) -> u64 {
        body.bytes.len() as u64 + 64
    }
}

/// The bodies one route rendered, by answer.
pub struct Rendered<T> {
    bodies: Cache<usize, Body<T>, ByLength>,
}

impl<T> std::fmt::Debug for Rendered<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rendered").field("bodies", &self.bodies.len()).finish()
    }
}

impl<T> Default for Rendered<T> {
    fn default() -> Self {
        Self { bodies: Cache::with_weighter(EXPECTED_BODIES, CAPACITY_BYTES, ByLength) }
    }
}

impl<T> Rendered<T> {
    /// The body of `answer` rendered with `flags` (what the body's hour-dependent fields say, in order): the one
    /// kept, or `render`'s, kept for the next request.
    pub(crate) fn body(
        &self,
        answer: &Arc<T>,
        flags: &[bool],
        render: impl FnOnce() -> Result<Vec<u8>, serde_json::Error>,
    ) -> anyhow::Result<Bytes> {
        let address = Arc::as_ptr(answer) as usize;
        if let Some(kept) = self.bodies.get(&address)
            && std::ptr::eq(kept.answer.as_ptr(), Arc::as_ptr(answer))
            && *kept.flags == *flags
        {
            return Ok(kept.bytes);
        }
        let bytes = Bytes::from(render().context("corps JSON d'une offre")?);
        let body = Body { answer: Arc::downgrade(answer), flags: flags.into(), bytes: bytes.clone() };
        self.bodies.insert(address, body);
        Ok(bytes)
    }
}

/// The bodies the offer routes keep, one store per shape of body. Clones share them.
#[derive(Debug, Clone, Default)]
pub struct OfferBodies(Arc<Shapes>);

#[derive(Debug, Default)]
struct Shapes {
    public_pages: Rendered<PageOf<JobOffer>>,
    public_offers: Rendered<JobOffer>,
    candidate_pages: Rendered<PageOf<JobOffer>>,
    staff_pages: Rendered<PageOf<JobOffer>>,
}

impl OfferBodies {
    /// `GET /public/jobs` lists.
    pub(crate) fn public_pages(&self) -> &Rendered<PageOf<JobOffer>> {
        &self.0.public_pages
    }

    /// `GET /public/jobs/{id}` offers.
    pub(crate) fn public_offers(&self) -> &Rendered<JobOffer> {
        &self.0.public_offers
    }

    /// `GET /jobs/` lists as candidates read them.
    pub(crate) fn candidate_pages(&self) -> &Rendered<PageOf<JobOffer>> {
        &self.0.candidate_pages
    }

    /// `GET /jobs/` lists as staff read them.
    pub(crate) fn staff_pages(&self) -> &Rendered<PageOf<JobOffer>> {
        &self.0.staff_pages
    }
}

/// A body that never changes while the process runs, rendered on its first request and then served by every worker
/// thread. Clones share it.
#[derive(Clone, Default)]
pub struct RenderedOnce(Arc<OnceLock<Bytes>>);

impl RenderedOnce {
    /// The body, rendered by `render` if no request rendered it yet. Two first requests at once may both render
    /// it: the same bytes, one of which is kept.
    pub(crate) fn body(&self, render: impl FnOnce() -> Result<Vec<u8>, serde_json::Error>) -> anyhow::Result<Bytes> {
        if let Some(kept) = self.0.get() {
            return Ok(kept.clone());
        }
        let bytes = Bytes::from(render().context("corps JSON rendu une fois")?);
        Ok(self.0.get_or_init(|| bytes).clone())
    }
}

impl std::fmt::Debug for RenderedOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedOnce").field("rendered", &self.0.get().is_some()).finish()
    }
}

/// A 200 with a JSON body already written.
pub(crate) fn json(body: Bytes) -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(body)
}

/// A 200 list with its total in `X-Total-Count` (F5).
pub(crate) fn json_list(total: u64, body: Bytes) -> HttpResponse {
    HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, total)).content_type(ContentType::json()).body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A rendering as the routes give one (serialising can fail).
    #[allow(clippy::unnecessary_wraps)]
    fn render(text: &str) -> Result<Vec<u8>, serde_json::Error> {
        Ok(text.as_bytes().to_vec())
    }

    #[test]
    fn a_body_is_served_again_only_for_the_same_answer_and_flags() {
        let rendered = Rendered::default();
        let answer = Arc::new("réponse".to_owned());
        assert_eq!(rendered.body(&answer, &[true], || render("un")).unwrap(), "un");
        assert_eq!(rendered.body(&answer, &[true], || render("deux")).unwrap(), "un", "kept");
        assert_eq!(rendered.body(&answer, &[false], || render("trois")).unwrap(), "trois", "other flags");
        let equal_but_another = Arc::new("réponse".to_owned());
        assert_eq!(rendered.body(&equal_but_another, &[false], || render("quatre")).unwrap(), "quatre");
    }

    #[test]
    fn a_body_rendered_once_is_shared_by_clones_and_never_rendered_again() {
        let once = RenderedOnce::default();
        let other_worker = once.clone();
        assert_eq!(once.body(|| render("un")).unwrap(), "un");
        assert_eq!(other_worker.body(|| render("deux")).unwrap(), "un", "kept, for every clone");
        assert_eq!(format!("{once:?}"), "RenderedOnce { rendered: true }");
    }

    #[test]
    fn a_dropped_answer_s_address_never_serves_its_body_to_another() {
        let rendered = Rendered::default();
        for round in 0..1_000 {
            // Each answer is dropped before the next is made: the allocator would hand out the same address again
            // if the kept body did not hold it.
            let answer = Arc::new(round);
            let expected = round.to_string();
            assert_eq!(rendered.body(&answer, &[], || render(&expected)).unwrap(), expected.as_str());
        }
    }
}
