//! The service's own figures for operators (`/monitoring/stats`, legacy admin only; D15 fixed): accounts by
//! role, offers by status, applications by status, documents by type and the outbox's counters. Counts only,
//! never a row: no personal data (S12).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use seeg_domain::applications::{ApplicationStatus, DocumentType};
use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide};
use seeg_domain::offers::OfferStatus;

use crate::Clock;
use crate::applications::read_models::ApplicationReadModel;
use crate::identity::UserRepository;
use crate::offers::OfferRepository;
use crate::outbox::{OutboxStats, OutboxStore};
use crate::store::StoreError;

/// Why the figures were not given.
#[derive(Debug, thiserror::Error)]
pub enum ServiceStatsError {
    /// Only administrators read them (S3: `ReadServiceStats`).
    #[error("Accès réservé aux administrateurs")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The figures, each map holding every value of its vocabulary (0 where nothing is counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFigures {
    /// When they were read.
    pub at: DateTime<Utc>,
    /// Accounts, whatever their statut, by role.
    pub users_by_role: BTreeMap<Role, u64>,
    /// Offers by status.
    pub offers_by_status: BTreeMap<OfferStatus, u64>,
    /// Applications by status.
    pub applications_by_status: BTreeMap<ApplicationStatus, u64>,
    /// Application documents by type.
    pub documents_by_type: BTreeMap<DocumentType, u64>,
    /// The outbox's counters.
    pub outbox: OutboxStats,
}

/// Every value of `all` with its count in `counted`, 0 when absent.
pub(crate) fn complete<K: Ord + Copy, const N: usize>(all: [K; N], counted: &BTreeMap<K, u64>) -> BTreeMap<K, u64> {
    all.into_iter().map(|k| (k, counted.get(&k).copied().unwrap_or_default())).collect()
}

/// The figures use case: five cheap reads (grouped counts), no row read.
#[derive(Debug, Clone)]
pub struct ServiceStats {
    users: Arc<dyn UserRepository>,
    offers: Arc<dyn OfferRepository>,
    applications: Arc<dyn ApplicationReadModel>,
    outbox: Arc<dyn OutboxStore>,
    clock: Arc<dyn Clock>,
}

impl ServiceStats {
    /// The figures over their ports.
    pub fn new(
        users: Arc<dyn UserRepository>,
        offers: Arc<dyn OfferRepository>,
        applications: Arc<dyn ApplicationReadModel>,
        outbox: Arc<dyn OutboxStore>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { users, offers, applications, outbox, clock }
    }

    /// Whether `caller` may read them at all (asked before anything else, S3).
    pub fn admit(caller: &User) -> Result<(), ServiceStatsError> {
        match decide(caller.role, Action::ReadServiceStats, Ownership::Any) {
            Decision::Allow => Ok(()),
            Decision::Forbid | Decision::Hide => Err(ServiceStatsError::Forbidden),
        }
    }

    /// The figures, for an administrator.
    pub async fn figures(&self, caller: &User) -> Result<ServiceFigures, ServiceStatsError> {
        Self::admit(caller)?;
        let (users, offers, applications, outbox) = tokio::try_join!(
            self.users.count_by_role(),
            self.offers.count_by_status(),
            self.applications.summary(),
            self.outbox.stats(),
        )?;
        Ok(ServiceFigures {
            at: self.clock.now(),
            users_by_role: complete(Role::ALL, &users),
            offers_by_status: complete(OfferStatus::ALL, &offers),
            applications_by_status: complete(ApplicationStatus::ALL, &applications.by_status),
            documents_by_type: complete(DocumentType::ALL, &applications.documents_by_type),
            outbox,
        })
    }
}
