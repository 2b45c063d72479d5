//! The interview slots' persistence ports.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use seeg_domain::interviews::{InterviewSlot, SlotStatus};
use uuid::Uuid;

use crate::store::{Page, PageOf, StoreError};

/// Which slots a list holds; `None` is no criterion. Every set criterion must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlotFilter {
    /// Slots of this application.
    pub application_id: Option<Uuid>,
    /// Slots of this candidate's applications (a candidate's own list).
    pub candidate_id: Option<Uuid>,
    /// Slots in this status.
    pub status: Option<SlotStatus>,
    /// Slots free (`true`: cancelled) or taken.
    pub is_available: Option<bool>,
    /// Slots on this day or later.
    pub date_from: Option<NaiveDate>,
    /// Slots on this day or earlier.
    pub date_to: Option<NaiveDate>,
}

/// Slots counted by status (legacy `/interviews/stats/overview`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlotStats {
    /// Every slot.
    pub total: u64,
    /// `scheduled` ones.
    pub scheduled: u64,
    /// `completed` ones.
    pub completed: u64,
    /// `cancelled` ones.
    pub cancelled: u64,
    /// Every status with its count, zeros included.
    pub by_status: BTreeMap<SlotStatus, u64>,
}

impl SlotStats {
    /// The statistics of these counts per status.
    pub fn from_counts(counts: impl IntoIterator<Item = (SlotStatus, u64)>) -> Self {
        let mut by_status: BTreeMap<SlotStatus, u64> = SlotStatus::ALL.into_iter().map(|s| (s, 0)).collect();
        for (status, count) in counts {
            *by_status.entry(status).or_default() += count;
        }
        let count = |s: SlotStatus| by_status.get(&s).copied().unwrap_or_default();
        Self {
            total: by_status.values().sum(),
            scheduled: count(SlotStatus::Scheduled),
            completed: count(SlotStatus::Completed),
            cancelled: count(SlotStatus::Cancelled),
            by_status,
        }
    }
}

/// Reads interview slots.
///
/// Contract: `get` is `None` for an unknown id. `list` holds the slots matching every criterion of the filter,
/// by date, then time, then id (ascending); `total` counts every match (F5). `stats` counts every slot by status.
#[async_trait]
pub trait InterviewSlotRepository: Send + Sync + std::fmt::Debug {
    /// A slot by id.
    async fn get(&self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError>;
    /// One page of the matching slots and their count.
    async fn list(&self, filter: &SlotFilter, page: Page) -> Result<PageOf<InterviewSlot>, StoreError>;
    /// Slots counted by status.
    async fn stats(&self) -> Result<SlotStats, StoreError>;
}

/// Writes interview slots inside a transaction.
///
/// Contract: `insert` and `update` are `StoreError::Conflict` when the slot occupies (its status is not
/// `cancelled`) a (date, time) another occupying slot holds: a partial unique index decides, so of concurrent
/// bookings of one time exactly one commits (I7); `insert` is also `Conflict` on an existing id. `lock` reads a
/// slot and holds it until the transaction ends (`None` if unknown); `lock_scheduled` does so for every
/// `scheduled` slot of one application, by date, then time, then id. `update` rewrites every field of an existing
/// slot and says whether it existed.
#[async_trait]
pub trait InterviewSlotWriter: Send {
    /// Books a slot.
    async fn insert(&mut self, slot: &InterviewSlot) -> Result<(), StoreError>;
    /// Reads and locks a slot.
    async fn lock(&mut self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError>;
    /// Reads and locks an application's `scheduled` slots.
    async fn lock_scheduled(&mut self, application_id: Uuid) -> Result<Vec<InterviewSlot>, StoreError>;
    /// Rewrites a slot.
    async fn update(&mut self, slot: &InterviewSlot) -> Result<bool, StoreError>;
}
