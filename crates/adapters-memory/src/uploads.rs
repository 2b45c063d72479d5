//! The ledger of pending uploads (`UploadLedger`) in memory: rows by id, read as the transaction sees them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::applications::{PendingBytes, UploadLedger, UploadReservation};
use uuid::Uuid;

use crate::database::{Change, MemoryTransaction};

/// Which reservations a delete removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Deleted {
    One(Uuid),
    Older { user_id: Uuid, before: DateTime<Utc> },
}

impl Deleted {
    fn reaches(self, reservation: &UploadReservation) -> bool {
        match self {
            Self::One(id) => reservation.id == id,
            Self::Older { user_id, before } => reservation.user_id == user_id && reservation.created_at < before,
        }
    }
}

/// Applies a ledger change to `table` (committed state, or a transaction's view of it).
pub(crate) fn apply(change: &Change, table: &mut BTreeMap<Uuid, UploadReservation>) {
    match change {
        Change::InsertUploadReservation(reservation) => {
            table.insert(reservation.id, reservation.clone());
        }
        Change::SettleUploadReservation { id, bytes } => {
            if let Some(reservation) = table.get_mut(id) {
                reservation.bytes = *bytes;
            }
        }
        Change::DeleteUploadReservations(which) => table.retain(|_, r| !which.reaches(r)),
        // Other tables' changes.
        _ => {}
    }
}

impl MemoryTransaction {
    /// The reservations as this transaction sees them.
    fn current_uploads(&self) -> BTreeMap<Uuid, UploadReservation> {
        let mut table = self.store.read(|state| state.upload_reservations.clone());
        for change in &self.changes {
            apply(change, &mut table);
        }
        table
    }

    fn delete_uploads(&mut self, which: Deleted) -> u64 {
        let reached = self.current_uploads().values().filter(|r| which.reaches(r)).count();
        if reached > 0 {
            self.changes.push(Change::DeleteUploadReservations(which));
        }
        reached as u64
    }
}

#[async_trait]
impl UploadLedger for MemoryTransaction {
    async fn insert(&mut self, reservation: &UploadReservation) -> Result<(), StoreError> {
        self.record(Change::InsertUploadReservation(reservation.clone()))
    }

    async fn pending(&mut self, user_id: Uuid, since: DateTime<Utc>) -> Result<PendingBytes, StoreError> {
        let table = self.current_uploads();
        let mine = table.values().filter(|r| r.user_id == user_id && r.created_at >= since);
        Ok(PendingBytes { bytes: mine.clone().map(|r| r.bytes).sum(), oldest: mine.map(|r| r.created_at).min() })
    }

    async fn settle(&mut self, id: Uuid, bytes: u64) -> Result<bool, StoreError> {
        let exists = self.current_uploads().contains_key(&id);
        if exists {
            self.changes.push(Change::SettleUploadReservation { id, bytes });
        }
        Ok(exists)
    }

    async fn release(&mut self, id: Uuid) -> Result<bool, StoreError> {
        Ok(self.delete_uploads(Deleted::One(id)) == 1)
    }

    async fn forget_before(&mut self, user_id: Uuid, before: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(self.delete_uploads(Deleted::Older { user_id, before }))
    }
}
