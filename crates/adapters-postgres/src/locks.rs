//! `ExclusiveLocks` (O6). PostgreSQL: a transaction-scoped advisory lock (`pg_try_advisory_xact_lock`) in a
//! transaction of its own, kept open as long as the guard lives, so the lock holds across every process on the
//! database and ends with the transaction whatever happens to the holder: a release rolls it back; a dropped guard
//! (an error, a cancelled task) queues the rollback that the connection sends before the pool lends it again; a
//! process that dies loses its session and the lock with it. SQLite: locks within this process (one process owns
//! an SQLite file).
//!
//! Each lock held keeps one pooled connection busy while its holder still needs others (the export reads through
//! the pool). So that holders can never take the whole pool and wait for each other's connections, at most half
//! the pool (at least one connection) holds locks at once; a holder past that waits for a slot, in this process,
//! and never waits for another holder of its key (the try-lock answers at once).

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};
use seeg_application::StoreError;
use seeg_application::locks::{ExclusiveLocks, HeldLock, InProcessLocks, LockGuard, LockKey, LockScope};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use uuid::Uuid;

use crate::database::{Database, store_error};

const TRY_LOCK: &str = "SELECT pg_try_advisory_xact_lock($1, $2) AS taken";

/// The locks of one pool: in-process ones (SQLite) and the bound on connections holding advisory locks
/// (PostgreSQL).
#[derive(Debug)]
pub(crate) struct LockState {
    in_process: InProcessLocks,
    slots: Arc<Semaphore>,
}

impl LockState {
    /// For a pool of `max_connections`: half of them may hold locks, at least one.
    pub(crate) fn new(max_connections: u32) -> Self {
        let slots = usize::try_from((max_connections / 2).max(1)).unwrap_or(1);
        Self { in_process: InProcessLocks::new(), slots: Arc::new(Semaphore::new(slots)) }
    }
}

/// The first of the two keys of `pg_advisory_xact_lock(int, int)`: one key space per scope, kept apart from any
/// other use of advisory locks on the database by a prefix of its own (`0x5EE6`).
fn namespace(scope: LockScope) -> i32 {
    match scope {
        LockScope::LakeExport => 0x5EE6_0001,
    }
}

/// The second key: the id folded to 32 bits. Two ids that fold alike only share a lock (their exports run one after
/// the other), never break exclusion.
fn folded(id: Uuid) -> i32 {
    let mut word = [0_u8; 4];
    for chunk in id.as_bytes().chunks_exact(4) {
        for (w, b) in word.iter_mut().zip(chunk) {
            *w ^= b;
        }
    }
    i32::from_be_bytes(word)
}

/// An advisory lock held by its open transaction, and the slot it takes.
struct AdvisoryLock {
    tx: DatabaseTransaction,
    _slot: OwnedSemaphorePermit,
}

#[async_trait]
impl HeldLock for AdvisoryLock {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        let Self { tx, _slot } = *self;
        tx.rollback().await.map_err(store_error)
    }
}

#[async_trait]
impl ExclusiveLocks for Database {
    async fn try_lock(&self, key: LockKey) -> Result<Option<LockGuard>, StoreError> {
        if self.conn.get_database_backend() != DbBackend::Postgres {
            return self.locks.in_process.try_lock(key).await;
        }
        let slot = Arc::clone(&self.locks.slots)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Unexpected(anyhow::Error::new(e)))?;
        let tx = self.conn.begin().await.map_err(store_error)?;
        // The transaction idles while the export writes to the lake: a server-side idle timeout must not end it
        // (and the lock with it) under a running export.
        tx.execute_unprepared("SET LOCAL idle_in_transaction_session_timeout = 0").await.map_err(store_error)?;
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            TRY_LOCK,
            [namespace(key.scope).into(), folded(key.id).into()],
        );
        let row = tx.query_one_raw(statement).await.map_err(store_error)?;
        let taken = match row {
            Some(row) => row.try_get::<bool>("", "taken").map_err(store_error)?,
            None => false,
        };
        if taken {
            Ok(Some(LockGuard::new(AdvisoryLock { tx, _slot: slot })))
        } else {
            tx.rollback().await.map_err(store_error)?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_fold_to_their_words_xored() {
        assert_eq!(folded(Uuid::nil()), 0);
        assert_eq!(folded(Uuid::from_u128(0x0000_0001_0000_0002_0000_0004_0000_0008)), 15);
        assert_eq!(folded(Uuid::from_u128(u128::MAX)), 0, "four equal words cancel out");
    }

    #[test]
    fn half_the_pool_holds_locks_and_never_less_than_one_connection() {
        assert_eq!(LockState::new(10).slots.available_permits(), 5);
        assert_eq!(LockState::new(1).slots.available_permits(), 1);
    }
}
