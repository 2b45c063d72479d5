//! The memory the bodies of uploads may hold at once (S11: limited before decoding), and the time they may take.
//!
//! A body is charged as its bytes arrive, never from what its `Content-Length` declares: a client that declares
//! 56 MiB and sends nothing holds nothing, and one that trickles holds only what it sent, for at most the body
//! deadline, and sending nothing for `IDLE_LIMIT` ends the body (408). A base64 submission counts twice its size
//! (its buffered text, then the strings decoded from it); a streamed document twice its bytes (the copy kept for
//! the inspection, the store's write buffers) until it has been inspected and its stream is dropped. When the
//! budget is spent, a body waits up to `BUDGET_WAIT` for room, then its request answers 503 `server_busy`.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// How long a body waits for room in the budget before its request is answered 503.
const BUDGET_WAIT: Duration = Duration::from_secs(10);

/// How long a body may send nothing at all: past it, the request is answered 408 and what it holds is given
/// back, so that a client that stalls cannot keep its share for the whole body deadline.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// The process's budget for bodies in memory, in KiB permits, and how long one body may take to arrive.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    kib: Arc<Semaphore>,
    total_kib: u64,
    deadline: Duration,
}

impl BodyBudget {
    /// `bytes` of bodies at once (`http.body_budget_mib`), each arriving within `deadline`
    /// (`http.body_timeout_secs`).
    pub fn new(bytes: usize, deadline: Duration) -> Self {
        let total_kib = bytes.div_ceil(1024).clamp(1, Semaphore::MAX_PERMITS);
        Self { kib: Arc::new(Semaphore::new(total_kib)), total_kib: total_kib as u64, deadline }
    }

    /// How long a body may take to arrive.
    pub const fn deadline(&self) -> Duration {
        self.deadline
    }

    /// KiB free now (tests).
    pub fn available_kib(&self) -> usize {
        self.kib.available_permits()
    }

    /// `chunks`, each charged `factor` times its size to `allowance` before it is passed on. A chunk that finds
    /// no room within `BUDGET_WAIT`, or none that comes within `IDLE_LIMIT`, ends the stream with `BodyStopped`;
    /// `allowance.refusal()` then says why.
    pub(crate) fn charge<S, E>(&self, chunks: S, factor: u64, allowance: BodyAllowance) -> Charged<S>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        Charged { chunks, budget: self.clone(), factor, allowance, bytes: 0, waiting: None, idle: None }
    }

    /// Makes `allowance` hold `bytes` in all, waiting for room up to `BUDGET_WAIT`. One body never holds more
    /// than the whole budget (it could never get it).
    async fn grow(self, allowance: BodyAllowance, bytes: u64) -> Result<(), BodyStopped> {
        let wanted_kib = bytes.div_ceil(1024).min(self.total_kib);
        let missing = wanted_kib.saturating_sub(allowance.held_kib());
        if missing == 0 {
            return Ok(());
        }
        let missing = u32::try_from(missing).unwrap_or(u32::MAX);
        if let Ok(Ok(permit)) =
            tokio::time::timeout(BUDGET_WAIT, Arc::clone(&self.kib).acquire_many_owned(missing)).await
        {
            allowance.hold(permit);
            return Ok(());
        }
        Err(allowance.stop(BodyStopped::Busy))
    }
}

/// Why a charged body was ended before its last byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BodyStopped {
    /// No room in the budget for its next bytes within `BUDGET_WAIT` (503).
    #[error("le serveur reçoit trop de documents en ce moment")]
    Busy,
    /// Nothing sent for `IDLE_LIMIT` (408).
    #[error("le corps de la requête n'arrive plus")]
    Idle,
}

/// What a body holds of the budget; given back when the last clone is dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct BodyAllowance(Arc<Mutex<Held>>);

#[derive(Debug, Default)]
struct Held {
    permit: Option<OwnedSemaphorePermit>,
    stopped: Option<BodyStopped>,
}

impl BodyAllowance {
    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn held_kib(&self) -> u64 {
        self.held().permit.as_ref().map_or(0, |permit| permit.num_permits() as u64)
    }

    fn hold(&self, permit: OwnedSemaphorePermit) {
        let mut held = self.held();
        match &mut held.permit {
            Some(existing) => existing.merge(permit),
            None => held.permit = Some(permit),
        }
    }

    fn stop(&self, why: BodyStopped) -> BodyStopped {
        self.held().stopped = Some(why);
        why
    }

    /// The answer to a request whose charged body was ended (503 `server_busy`, 408 `body_timeout`): whoever reads
    /// the stream may only see an error of its own kind wrapping `BodyStopped` (a JSON or multipart error).
    pub(crate) fn refusal(&self) -> Option<ApiError> {
        self.held().stopped.map(|why| match why {
            BodyStopped::Busy => ApiError::Busy,
            BodyStopped::Idle => ApiError::BodyTimeout,
        })
    }
}

/// The error of a chunk of a charged stream: the inner stream's, or the body ended (`BodyStopped`).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChargedError<E> {
    #[error("{0}")]
    Inner(E),
    #[error(transparent)]
    Stopped(#[from] BodyStopped),
}

type Growing = Pin<Box<dyn Future<Output = Result<(), BodyStopped>> + Send>>;

/// A stream whose chunks are charged to a `BodyAllowance` before they are passed on (`BodyBudget::charge`).
pub(crate) struct Charged<S> {
    chunks: S,
    budget: BodyBudget,
    factor: u64,
    allowance: BodyAllowance,
    /// `factor` × the bytes received so far (the allowance holds them rounded up to KiB).
    bytes: u64,
    /// The chunk waiting for room, with the wait.
    waiting: Option<(Bytes, Growing)>,
    /// When the body is given up if no chunk comes (reset at every chunk).
    idle: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S, E> Stream for Charged<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
{
    type Item = Result<Bytes, ChargedError<E>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some((chunk, growing)) = &mut this.waiting {
                let grown = std::task::ready!(growing.as_mut().poll(cx));
                let chunk = std::mem::take(chunk);
                this.waiting = None;
                return Poll::Ready(Some(grown.map(|()| chunk).map_err(ChargedError::from)));
            }
            let polled = this.chunks.poll_next_unpin(cx);
            if polled.is_pending() {
                let idle = this.idle.get_or_insert_with(|| Box::pin(tokio::time::sleep(IDLE_LIMIT)));
                std::task::ready!(idle.as_mut().poll(cx));
                this.idle = None;
                return Poll::Ready(Some(Err(this.allowance.stop(BodyStopped::Idle).into())));
            }
            this.idle = None;
            match std::task::ready!(polled) {
                Some(Ok(chunk)) => {
                    this.bytes = this.bytes.saturating_add((chunk.len() as u64).saturating_mul(this.factor));
                    let growing = Box::pin(this.budget.clone().grow(this.allowance.clone(), this.bytes));
                    this.waiting = Some((chunk, growing));
                }
                Some(Err(error)) => return Poll::Ready(Some(Err(ChargedError::Inner(error)))),
                None => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(sizes: &[usize]) -> impl Stream<Item = Result<Bytes, std::convert::Infallible>> + Unpin {
        futures_util::stream::iter(sizes.iter().map(|&size| Ok(Bytes::from(vec![b'x'; size]))).collect::<Vec<_>>())
    }

    #[tokio::test]
    async fn a_body_holds_what_has_arrived_times_its_factor_until_dropped() {
        let budget = BodyBudget::new(64 * 1024, Duration::from_secs(1));
        let allowance = BodyAllowance::default();
        let mut charged = budget.charge(chunks(&[1000, 1000, 2048, 100, 100]), 2, allowance.clone());
        assert_eq!(budget.available_kib(), 64, "nothing held before a byte arrives");
        charged.next().await.unwrap().unwrap();
        assert_eq!(budget.available_kib(), 62, "2 000 bytes: 2 KiB");
        for _ in 0..4 {
            charged.next().await.unwrap().unwrap();
        }
        assert!(charged.next().await.is_none());
        assert_eq!(budget.available_kib(), 64 - 9, "8 496 bytes: 9 KiB, small chunks not rounded up one by one");
        drop(charged);
        assert_eq!(budget.available_kib(), 55, "still held by the handler's allowance");
        drop(allowance);
        assert_eq!(budget.available_kib(), 64);
    }

    #[tokio::test(start_paused = true)]
    async fn a_chunk_without_room_waits_then_ends_the_stream() {
        let budget = BodyBudget::new(4 * 1024, Duration::from_secs(1));
        let holder = BodyAllowance::default();
        let mut first = budget.charge(chunks(&[3 * 1024]), 1, holder.clone());
        first.next().await.unwrap().unwrap();
        let refused = BodyAllowance::default();
        let mut second = budget.charge(chunks(&[2 * 1024]), 1, refused.clone());
        assert!(matches!(second.next().await, Some(Err(ChargedError::Stopped(BodyStopped::Busy)))));
        assert!(matches!(refused.refusal(), Some(ApiError::Busy)) && holder.refusal().is_none());

        // Room given back while a chunk waits: it goes through.
        let waiting = BodyAllowance::default();
        let mut third = budget.charge(chunks(&[2 * 1024]), 1, waiting);
        let release = async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(first);
            drop(holder);
        };
        let (chunk, ()) = tokio::join!(third.next(), release);
        assert!(chunk.unwrap().is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_sending_ends_and_gives_its_share_back() {
        let budget = BodyBudget::new(64 * 1024, Duration::from_secs(600));
        // One chunk, then nothing ever again.
        let stalled = chunks(&[8 * 1024]).chain(futures_util::stream::pending());
        let allowance = BodyAllowance::default();
        let mut charged = budget.charge(stalled, 1, allowance.clone());
        assert!(charged.next().await.unwrap().is_ok());
        assert_eq!(budget.available_kib(), 56);
        // Nothing more for IDLE_LIMIT (the paused clock jumps there): the body ends.
        assert!(matches!(charged.next().await, Some(Err(ChargedError::Stopped(BodyStopped::Idle)))));
        assert!(matches!(allowance.refusal(), Some(ApiError::BodyTimeout)));
        drop((charged, allowance));
        assert_eq!(budget.available_kib(), 64);
    }

    #[tokio::test]
    async fn one_body_never_waits_for_more_than_the_whole_budget() {
        let budget = BodyBudget::new(2 * 1024, Duration::from_secs(1));
        let mut charged = budget.charge(chunks(&[4096, 4096]), 2, BodyAllowance::default());
        assert!(charged.next().await.unwrap().is_ok());
        assert!(charged.next().await.unwrap().is_ok());
        assert_eq!(budget.available_kib(), 0);
    }
}
