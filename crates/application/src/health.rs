//! Is the service able to serve? Liveness (`/health`) and readiness (`/monitoring/health`) both ask this.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use async_trait::async_trait;

/// Something the service needs, checked cheaply (a `SELECT 1`, a read of the storage root).
///
/// Contract: `Ok(())` only when the dependency answered; the error says why not (logged, never shown).
#[async_trait]
pub trait Probe: Send + Sync + std::fmt::Debug {
    /// Asks the dependency whether it answers.
    async fn check(&self) -> anyhow::Result<()>;
}

/// The state of each dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthReport {
    /// Whether the database answered in time.
    pub database: bool,
    /// Whether the document storage answered in time.
    pub storage: bool,
}

impl HealthReport {
    /// Whether the service may take traffic: every dependency answered (readiness, `/monitoring/health`).
    pub const fn ready(&self) -> bool {
        self.database && self.storage
    }
}

/// Checks every dependency, each within a bounded time so a hung dependency cannot hang the probe.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    database: Arc<dyn Probe>,
    storage: Arc<dyn Probe>,
    timeout: Duration,
    /// The database's last answer and when it came (liveness reads it; any probe refreshes it).
    last: Arc<Mutex<Option<(Instant, bool)>>>,
    /// Held by the one liveness request that refreshes a stale answer.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    /// How old that answer may be for liveness.
    max_age: Duration,
}

/// How old the database's last answer may be for liveness (`/health`): under load, one request a second asks the
/// database, the others read its answer (readiness always asks).
pub const LIVENESS_MAX_AGE: Duration = Duration::from_secs(1);

impl HealthCheck {
    /// Checks `database` and `storage`, giving each at most `timeout`.
    pub fn new(database: Arc<dyn Probe>, storage: Arc<dyn Probe>, timeout: Duration) -> Self {
        let (last, refreshing) = (Arc::default(), Arc::default());
        Self { database, storage, timeout, last, refreshing, max_age: LIVENESS_MAX_AGE }
    }

    /// The same checks, liveness reading answers up to `max_age` old.
    #[must_use]
    pub const fn with_liveness_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The database's last answer, if younger than `max_age`.
    fn fresh(&self) -> Result<bool, Option<bool>> {
        match *self.last.lock().unwrap_or_else(PoisonError::into_inner) {
            Some((at, up)) if at.elapsed() < self.max_age => Ok(up),
            known => Err(known.map(|(_, up)| up)),
        }
    }

    /// Whether the database answered (liveness, `/health`, reports it without failing): its last answer when
    /// younger than `LIVENESS_MAX_AGE`; else one caller asks again while the others read the last answer, so a
    /// burst of liveness checks costs the database one query a second and never waits on a slow database.
    pub async fn database(&self) -> bool {
        let known = match self.fresh() {
            Ok(up) => return up,
            Err(known) => known,
        };
        let _refreshing = match (self.refreshing.try_lock(), known) {
            (Ok(guard), _) => guard,
            (Err(_), Some(up)) => return up,
            // Nothing known yet: wait for the first answer (then it is likely fresh).
            (Err(_), None) => {
                let guard = self.refreshing.lock().await;
                if let Ok(up) = self.fresh() {
                    return up;
                }
                guard
            }
        };
        self.check_database().await
    }

    /// Both dependencies, probed together, each within the timeout.
    pub async fn report(&self) -> HealthReport {
        let (database, storage) = tokio::join!(self.check_database(), self.probe("storage", self.storage.as_ref()));
        HealthReport { database, storage }
    }

    /// Asks the database now and keeps its answer.
    async fn check_database(&self) -> bool {
        let up = self.probe("database", self.database.as_ref()).await;
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((Instant::now(), up));
        up
    }

    async fn probe(&self, name: &'static str, probe: &dyn Probe) -> bool {
        match tokio::time::timeout(self.timeout, probe.check()).await {
            Ok(Ok(())) => true,
            Ok(Err(error)) => {
                tracing::warn!(health.dependency = name, error = %format!("{error:#}"), "dependency check failed");
                false
            }
            Err(_) => {
                tracing::warn!(health.dependency = name, "dependency check timed out");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;

    /// A probe that counts its checks and answers as told.
    #[derive(Debug, Default)]
    struct Counted {
        checks: AtomicUsize,
        down: AtomicBool,
    }

    #[async_trait]
    impl Probe for Counted {
        async fn check(&self) -> anyhow::Result<()> {
            self.checks.fetch_add(1, Ordering::SeqCst);
            if self.down.load(Ordering::SeqCst) { Err(anyhow::anyhow!("injoignable")) } else { Ok(()) }
        }
    }

    #[tokio::test]
    async fn liveness_asks_the_database_once_per_period_and_readiness_every_time() {
        let database = Arc::new(Counted::default());
        let storage = Arc::new(Counted::default());
        let health = HealthCheck::new(database.clone(), storage, Duration::from_secs(5))
            .with_liveness_max_age(Duration::from_secs(3_600));
        let answers = futures_util::future::join_all((0..100).map(|_| health.database())).await;
        assert!(answers.iter().all(|up| *up));
        assert_eq!(database.checks.load(Ordering::SeqCst), 1, "one check for a burst");
        database.down.store(true, Ordering::SeqCst);
        assert!(health.database().await, "the last answer, still young");
        assert_eq!(health.report().await, HealthReport { database: false, storage: true }, "readiness asks");
        assert_eq!(database.checks.load(Ordering::SeqCst), 2);
        assert!(!health.database().await, "liveness reads readiness's answer");
        assert_eq!(database.checks.load(Ordering::SeqCst), 2);

        let every_time = HealthCheck::new(database.clone(), Arc::new(Counted::default()), Duration::from_secs(5))
            .with_liveness_max_age(Duration::ZERO);
        assert!(!every_time.database().await);
        assert!(!every_time.database().await);
        assert_eq!(database.checks.load(Ordering::SeqCst), 4, "a stale answer is asked again");
    }
}
