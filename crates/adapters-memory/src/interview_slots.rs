//! Interview slots (`InterviewSlotRepository`, `InterviewSlotWriter`) in memory, read as the transaction sees
//! them. An occupied (date, time) is checked against every other occupying slot, as the partial unique index
//! `ux_interview_slots_occupied` does; transactions run one at a time, so of concurrent bookings one wins.

use std::collections::BTreeMap;

use async_trait::async_trait;
use seeg_application::interviews::{InterviewSlotRepository, InterviewSlotWriter, SlotFilter, SlotStats};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::interviews::{InterviewSlot, SlotStatus};
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, State, page_of};

/// The table, by id.
pub(crate) type Table = BTreeMap<Uuid, InterviewSlot>;

/// `ON DELETE CASCADE` from the application.
pub(crate) fn cascade(table: &mut Table, application_id: Uuid) {
    table.retain(|_, s| s.application_id != application_id);
}

/// Whether `slot` would occupy a (date, time) another occupying slot holds.
fn clashes(table: &Table, slot: &InterviewSlot) -> bool {
    slot.occupies()
        && table
            .values()
            .any(|other| other.id != slot.id && other.occupies() && (other.date, other.time) == (slot.date, slot.time))
}

fn matches(state: &State, filter: &SlotFilter, slot: &InterviewSlot) -> bool {
    filter.application_id.is_none_or(|id| slot.application_id == id)
        && filter.candidate_id.is_none_or(|candidate| {
            state.applications.get(&slot.application_id).is_some_and(|a| a.candidate_id == candidate)
        })
        && filter.status.is_none_or(|status| slot.status == status)
        && filter.is_available.is_none_or(|available| slot.is_available == available)
        && filter.date_from.is_none_or(|from| slot.date >= from)
        && filter.date_to.is_none_or(|to| slot.date <= to)
}

impl MemoryTransaction {
    /// The slots as this transaction sees them.
    fn current_slots(&self) -> Table {
        let mut table = self.store.read(|state| state.interview_slots.clone());
        for change in &self.changes {
            match change {
                Change::WriteInterviewSlot(slot) => {
                    table.insert(slot.id, (**slot).clone());
                }
                Change::DeleteApplication(id) => cascade(&mut table, *id),
                _ => {}
            }
        }
        table
    }

    fn conflict(slot: &InterviewSlot) -> StoreError {
        StoreError::Conflict(format!("ux_interview_slots_occupied ({} {})", slot.date, slot.time))
    }
}

#[async_trait]
impl InterviewSlotWriter for MemoryTransaction {
    async fn insert(&mut self, slot: &InterviewSlot) -> Result<(), StoreError> {
        if self.application_status(slot.application_id).is_none() {
            return Err(StoreError::Unexpected(anyhow::anyhow!("candidature {} inconnue", slot.application_id)));
        }
        let table = self.current_slots();
        if table.contains_key(&slot.id) {
            return Err(StoreError::Conflict(format!("créneau {}", slot.id)));
        }
        if clashes(&table, slot) {
            return Err(Self::conflict(slot));
        }
        self.changes.push(Change::WriteInterviewSlot(Box::new(slot.clone())));
        Ok(())
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError> {
        // Transactions run one at a time: reading is locking.
        Ok(self.current_slots().remove(&id))
    }

    async fn lock_scheduled(&mut self, application_id: Uuid) -> Result<Vec<InterviewSlot>, StoreError> {
        let mut slots: Vec<InterviewSlot> = self
            .current_slots()
            .into_values()
            .filter(|s| s.application_id == application_id && s.status == SlotStatus::Scheduled)
            .collect();
        slots.sort_by_key(|s| (s.date, s.time, s.id));
        Ok(slots)
    }

    async fn update(&mut self, slot: &InterviewSlot) -> Result<bool, StoreError> {
        let table = self.current_slots();
        if !table.contains_key(&slot.id) {
            return Ok(false);
        }
        if clashes(&table, slot) {
            return Err(Self::conflict(slot));
        }
        self.changes.push(Change::WriteInterviewSlot(Box::new(slot.clone())));
        Ok(true)
    }
}

#[async_trait]
impl InterviewSlotRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError> {
        Ok(self.read(|state| state.interview_slots.get(&id).cloned()))
    }

    async fn list(&self, filter: &SlotFilter, page: Page) -> Result<PageOf<InterviewSlot>, StoreError> {
        Ok(self.read(|state| {
            let mut rows: Vec<&InterviewSlot> =
                state.interview_slots.values().filter(|s| matches(state, filter, s)).collect();
            rows.sort_by_key(|s| (s.date, s.time, s.id));
            page_of(rows, page)
        }))
    }

    async fn stats(&self) -> Result<SlotStats, StoreError> {
        Ok(self.read(|state| SlotStats::from_counts(state.interview_slots.values().map(|s| (s.status, 1)))))
    }
}

/// Whether application `application_id` has a slot that is not cancelled, as `tx` sees it.
pub(crate) fn live_for(tx: &MemoryTransaction, application_id: Uuid) -> bool {
    tx.current_slots().values().any(|slot| {
        slot.application_id == application_id && slot.status != seeg_domain::interviews::SlotStatus::Cancelled
    })
}
