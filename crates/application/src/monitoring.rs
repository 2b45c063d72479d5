//! What `/monitoring/metrics` reports beyond the counters recorded as things happen (requests, logins, e-mails,
//! outbox runs): the state of the outbox, the applications by status and the database pool, read when the metrics
//! are scraped. Admins read it, or a scraper holding the configured token (checked by the transport: it is not an
//! account).

use std::collections::BTreeMap;
use std::sync::Arc;

use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use tracing::instrument;

use crate::applications::read_models::ApplicationReadModel;
use crate::outbox::{OutboxStats, OutboxStore};
use crate::store::StoreError;

/// The database pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolUse {
    /// Connections lent to a request or a job.
    pub in_use: u32,
    /// Connections open and waiting in the pool.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The database's connection pool, as the metrics show it.
///
/// Contract: `pool_use` answers at once from the pool's own counters (no query); `in_use + idle` never exceeds
/// `max`. A store without a pool answers zeros.
pub trait ConnectionPool: Send + Sync + std::fmt::Debug {
    /// The pool now.
    fn pool_use(&self) -> PoolUse;
}

/// Who reads the metrics.
#[derive(Debug, Clone, Copy)]
pub enum MetricsReader<'a> {
    /// A signed-in account: admins only (`Action::ReadMetrics`).
    Account(&'a User),
    /// The scraper that presented the configured scrape token.
    Scraper,
}

/// What is read at scrape time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonitoringSnapshot {
    /// The outbox: pending, failing, dead, the oldest pending event, per kind.
    pub outbox: OutboxStats,
    /// Every status with its applications, 0 included.
    pub applications_by_status: BTreeMap<ApplicationStatus, u64>,
    /// The database pool.
    pub pool: PoolUse,
}

/// Why a snapshot was not given.
#[derive(Debug, thiserror::Error)]
pub enum MonitoringError {
    /// The account may not read the metrics.
    #[error("réservé aux administrateurs")]
    Forbidden,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads the snapshot.
#[derive(Debug, Clone)]
pub struct Monitoring {
    outbox: Arc<dyn OutboxStore>,
    applications: Arc<dyn ApplicationReadModel>,
    pool: Arc<dyn ConnectionPool>,
}

impl Monitoring {
    /// Reads from these ports.
    pub fn new(
        outbox: Arc<dyn OutboxStore>,
        applications: Arc<dyn ApplicationReadModel>,
        pool: Arc<dyn ConnectionPool>,
    ) -> Self {
        Self { outbox, applications, pool }
    }

    /// Whether `reader` may read the metrics, decided before anything is read.
    pub fn allows(reader: MetricsReader<'_>) -> Result<(), MonitoringError> {
        match reader {
            MetricsReader::Scraper => Ok(()),
            MetricsReader::Account(user) => match decide(user.role, Action::ReadMetrics, Ownership::Any) {
                Decision::Allow => Ok(()),
                Decision::Forbid | Decision::Hide => Err(MonitoringError::Forbidden),
            },
        }
    }

    /// The outbox, the applications by status and the pool, now.
    #[instrument(name = "monitoring.snapshot", skip_all)]
    pub async fn snapshot(&self, reader: MetricsReader<'_>) -> Result<MonitoringSnapshot, MonitoringError> {
        Self::allows(reader)?;
        let outbox = self.outbox.stats().await?;
        let summary = self.applications.summary().await?;
        let applications_by_status = crate::service_stats::complete(ApplicationStatus::ALL, &summary.by_status);
        Ok(MonitoringSnapshot { outbox, applications_by_status, pool: self.pool.pool_use() })
    }
}
