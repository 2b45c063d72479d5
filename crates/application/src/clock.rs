//! Time and identifiers are injected (CONVENTIONS 7): this module holds the ports and their one real adapter.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// The current time. Tests drive a manual clock instead of sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC, to the microsecond (what both databases keep, so a stored value reads back equal).
    fn now(&self) -> DateTime<Utc>;
}

/// New unique identifiers.
pub trait IdGenerator: Send + Sync + std::fmt::Debug {
    /// A fresh id, never returned before.
    fn new_id(&self) -> Uuid;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the wall clock
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// Time-ordered UUIDs (v7): new rows land at the end of primary-key indexes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemIds;

impl IdGenerator for SystemIds {
    #[allow(clippy::disallowed_methods)] // the one place that mints ids
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}
