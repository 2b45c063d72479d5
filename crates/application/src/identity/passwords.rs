//! Password hashing with bcrypt, on threads of its own: a hash costs ~250 ms of CPU at cost 12, and on an async
//! worker it would stall every request that worker serves. The hashing threads are few (`concurrency`): a login
//! storm queues here, not on the CPU. A hook runs on each of them before its first hash; the server uses it to
//! lower their CPU priority, so that a request waking up takes a core from a hash at once instead of waiting for
//! the scheduler's turn (`auth.bcrypt_nice`), while idle cycles still all go to hashing.

use std::sync::{Arc, Mutex, mpsc};

use anyhow::Context as _;
use seeg_domain::identity::Password;

/// bcrypt reads at most this many bytes; the legacy service truncated longer input, so verification does too.
const BCRYPT_MAX_BYTES: usize = 72;

/// Runs once on each hashing thread, before its first hash.
pub type ThreadSetup = Arc<dyn Fn() + Send + Sync>;

/// A hash or a verification waiting for a hashing thread.
type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// The queue the hashing threads take their work from; they end when the last clone is dropped.
    jobs: mpsc::Sender<Job>,
    /// Verified against when the account does not exist, so that "unknown e-mail" and "wrong password" take
    /// the same time (S5).
    dummy_hash: String,
}

impl std::fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasher").field("cost", &self.cost).finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// `concurrency` hashing threads (at least 1), and the dummy hash (one bcrypt run on them).
    pub async fn new(cost: u32, concurrency: usize) -> anyhow::Result<Self> {
        Self::with_setup(cost, concurrency, Arc::new(|| {})).await
    }

    /// `new`, with `setup` run on each hashing thread before its first hash.
    pub async fn with_setup(cost: u32, concurrency: usize, setup: ThreadSetup) -> anyhow::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..concurrency.max(1) {
            let (queue, setup) = (Arc::clone(&queue), Arc::clone(&setup));
            std::thread::Builder::new()
                .name(format!("bcrypt-{n}"))
                .spawn(move || {
                    setup();
                    loop {
                        // The lock is held while waiting only: one thread waits on the queue, the others on it.
                        let job = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match job {
                            // A job that panics loses its answer (its caller gets an error), never the thread.
                            Ok(job) => {
                                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                            }
                            Err(mpsc::RecvError) => return, // every hasher dropped
                        }
                    }
                })
                .context("fil de hachage bcrypt")?;
        }
        let mut hasher = Self { cost, jobs, dummy_hash: String::new() };
        hasher.dummy_hash = hasher.run(move || bcrypt::hash("mot de passe factice, jamais attribué", cost)).await?;
        Ok(hasher)
    }

    /// What `new` should get unless configured: every core when the hashing threads run below the requests'
    /// priority (`lowered`, through `with_setup`: a request waking up takes the core at once), else one less
    /// than the cores (at least one), which leaves a core to the requests.
    pub fn default_concurrency(lowered: bool) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        if lowered { cores } else { cores.saturating_sub(1).max(1) }
    }

    /// The bcrypt hash of `password`, at the configured cost.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let plain = password.expose().to_owned();
        let cost = self.cost;
        self.run(move || bcrypt::hash(plain, cost)).await
    }

    /// Whether `candidate` matches `hash`; with no hash (unknown account) it checks the dummy hash and answers
    /// `false`, spending the same time.
    pub async fn verify(&self, candidate: &str, hash: Option<&str>) -> anyhow::Result<bool> {
        let bytes = candidate.as_bytes();
        let input = bytes[..bytes.len().min(BCRYPT_MAX_BYTES)].to_vec();
        let (known, hash) = match hash {
            Some(h) => (true, h.to_owned()),
            None => (false, self.dummy_hash.clone()),
        };
        let matches = self.run(move || bcrypt::verify(input, &hash)).await?;
        Ok(known && matches)
    }

    /// `work` on a hashing thread, in turn. A caller that stopped waiting (its client left) before its turn costs
    /// no hash: the thread sees nobody is waiting and goes on to the next job.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            if !answer.is_closed() {
                let _ = answer.send(work());
            }
        });
        self.jobs.send(job).ok().context("file d'attente bcrypt fermée")?;
        answered.await.context("tâche bcrypt interrompue")?.context("bcrypt")
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;

    fn password() -> Password {
        Password::parse("Motdepasse#2026".to_owned()).unwrap()
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let hasher = PasswordHasher::new(4, 2).await.unwrap();
        let hash = hasher.hash(&password()).await.unwrap();
        assert!(hash.starts_with("$2b$04$"));
        assert!(hasher.verify("Motdepasse#2026", Some(&hash)).await.unwrap());
        assert!(!hasher.verify("motdepasse#2026", Some(&hash)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = PasswordHasher::new(4, 2).await.unwrap();
        assert!(!hasher.verify("mot de passe factice, jamais attribué", None).await.unwrap());
    }

    #[tokio::test]
    async fn each_hashing_thread_is_set_up_before_it_hashes_and_hashes_run_in_turn() {
        let set_up = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&set_up);
        let setup: ThreadSetup = Arc::new(move || {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let hasher = PasswordHasher::with_setup(4, 3, setup).await.unwrap();
        let password = password();
        let results = futures_util::future::join_all((0..12).map(|_| hasher.hash(&password))).await;
        assert!(results.iter().all(|h| h.as_ref().is_ok_and(|h| bcrypt::verify("Motdepasse#2026", h).unwrap())));
        // Every thread ran its setup first: at least the one that made the dummy hash, at most the three.
        assert!((1..=3).contains(&set_up.load(std::sync::atomic::Ordering::SeqCst)));
    }

    #[tokio::test]
    async fn a_caller_that_left_before_its_turn_costs_no_hash() {
        let hasher = PasswordHasher::new(4, 1).await.unwrap();
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (gate, opened) = std::sync::mpsc::channel::<()>();
        // The only thread waits on the gate: the next job queues behind it. A first poll sends a job.
        let mut blocking = Box::pin(hasher.run(move || {
            opened.recv().unwrap();
            Ok(())
        }));
        assert!((&mut blocking).now_or_never().is_none());
        let flag = Arc::clone(&ran);
        let left = hasher.run(move || {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        });
        assert!(left.now_or_never().is_none(), "queued, then the caller gives up before its turn");
        gate.send(()).unwrap();
        blocking.await.unwrap();
        hasher.run(|| Ok(())).await.unwrap(); // a job after it: the queue has moved past the abandoned one
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_job_that_panics_loses_its_answer_not_the_thread() {
        let hasher = PasswordHasher::new(4, 1).await.unwrap();
        let panicked = hasher.run::<()>(|| panic!("une tâche qui panique")).await;
        assert!(panicked.is_err());
        // The only thread still takes work.
        assert!(hasher.verify("Motdepasse#2026", None).await.is_ok());
    }

    #[tokio::test]
    async fn long_input_is_compared_on_its_first_72_bytes_like_the_legacy_service() {
        let hasher = PasswordHasher::new(4, 2).await.unwrap();
        let legacy_hash = bcrypt::hash("A".repeat(72), 4).unwrap();
        assert!(hasher.verify(&"A".repeat(80), Some(&legacy_hash)).await.unwrap());
    }
}
