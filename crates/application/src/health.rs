//! Is the service able to serve? Liveness (`/health`) and readiness (`/monitoring/health`) both ask this.

use std::sync::Arc;
use std::time::Duration;

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
}

impl HealthCheck {
    /// Checks `database` and `storage`, giving each at most `timeout`.
    pub fn new(database: Arc<dyn Probe>, storage: Arc<dyn Probe>, timeout: Duration) -> Self {
        Self { database, storage, timeout }
    }

    /// Whether the database answers within the timeout (liveness, `/health`, reports it without failing).
    pub async fn database(&self) -> bool {
        self.probe("database", self.database.as_ref()).await
    }

    /// Both dependencies, probed together, each within the timeout.
    pub async fn report(&self) -> HealthReport {
        let (database, storage) =
            tokio::join!(self.probe("database", self.database.as_ref()), self.probe("storage", self.storage.as_ref()));
        HealthReport { database, storage }
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
