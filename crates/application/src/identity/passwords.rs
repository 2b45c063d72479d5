//! Password hashing with bcrypt, always on the blocking pool: a hash costs ~250 ms of CPU at cost 12, and on an
//! async worker it would stall every request that worker serves. The number of hashes running at once is bounded
//! too: unbounded, a login storm fills every core with bcrypt and the async workers wait for CPU anyway.

use anyhow::Context as _;
use seeg_domain::identity::Password;

/// bcrypt reads at most this many bytes; the legacy service truncated longer input, so verification does too.
const BCRYPT_MAX_BYTES: usize = 72;

/// Hashes and verifies passwords.
#[derive(Clone)]
pub struct PasswordHasher {
    cost: u32,
    /// Hashes allowed to run at once; the others queue here, not on the CPU.
    permits: std::sync::Arc<tokio::sync::Semaphore>,
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
    /// Prepares the dummy hash (one bcrypt run, on the blocking pool).
    /// `concurrency`: how many hashes may run at once (at least 1). Leave a core to the async workers.
    pub async fn new(cost: u32, concurrency: usize) -> anyhow::Result<Self> {
        let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let dummy_hash =
            blocking(&permits, move || bcrypt::hash("mot de passe factice, jamais attribué", cost)).await?;
        Ok(Self { cost, permits, dummy_hash })
    }

    /// One less than the machine's cores (at least one): what `new` should get unless configured.
    pub fn default_concurrency() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)).max(1)
    }

    /// The bcrypt hash of `password`, at the configured cost.
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let plain = password.expose().to_owned();
        let cost = self.cost;
        blocking(&self.permits, move || bcrypt::hash(plain, cost)).await
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
        let matches = blocking(&self.permits, move || bcrypt::verify(input, &hash)).await?;
        Ok(known && matches)
    }
}

async fn blocking<T: Send + 'static>(
    permits: &tokio::sync::Semaphore,
    work: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
) -> anyhow::Result<T> {
    let _permit = permits.acquire().await.context("file d'attente bcrypt fermée")?;
    tokio::task::spawn_blocking(work).await.context("tâche bcrypt interrompue")?.context("bcrypt")
}

#[cfg(test)]
mod tests {
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
    async fn long_input_is_compared_on_its_first_72_bytes_like_the_legacy_service() {
        let hasher = PasswordHasher::new(4, 2).await.unwrap();
        let legacy_hash = bcrypt::hash("A".repeat(72), 4).unwrap();
        assert!(hasher.verify(&"A".repeat(80), Some(&legacy_hash)).await.unwrap());
    }
}
