//! Exclusive locks across processes (O6): work on one thing (the data-lake export of one application) that two
//! relays, two replicas or a relay and an operator's backfill must never run at the same time.
//!
//! A lock is taken without waiting for its holder: [`ExclusiveLocks::try_lock`] answers at once whether it got it.
//! The caller that is refused fails (the outbox runs the event again after its backoff), so no task ever waits on a
//! lock while holding a database connection another task needs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use uuid::Uuid;

use crate::store::StoreError;

/// What a lock protects: each scope is a key space of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LockScope {
    /// The data-lake export of one application (its read and its writes, K4).
    LakeExport,
}

impl LockScope {
    /// The scope's name, stable (adapters derive their key spaces from the scope, never from this text).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LakeExport => "lake_export",
        }
    }
}

/// The name of one lock: a scope and the id of what it protects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LockKey {
    /// The key space.
    pub scope: LockScope,
    /// The protected thing's id (an application's).
    pub id: Uuid,
}

impl LockKey {
    /// The lock of application `id`'s data-lake export.
    pub fn lake_export(id: Uuid) -> Self {
        Self { scope: LockScope::LakeExport, id }
    }
}

/// A lock as its adapter holds it. Dropping it releases the lock (an adapter that must talk to release, as a
/// database does, arranges it from its own `Drop`: a rollback its connection sends before it is used again).
#[async_trait]
pub trait HeldLock: Send + Sync {
    /// Releases the lock now, and says whether that worked (the lock is released in any case once this returns or
    /// fails: a database adapter whose connection broke has lost the lock with its session).
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// A lock held; released by [`LockGuard::release`], or when dropped (on an error, a cancelled task).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard {
    held: Option<Box<dyn HeldLock>>,
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard").field("held", &self.held.is_some()).finish()
    }
}

impl LockGuard {
    /// A guard over what an adapter holds.
    pub fn new(held: impl HeldLock + 'static) -> Self {
        Self { held: Some(Box::new(held)) }
    }

    /// Releases the lock now (rather than at drop).
    pub async fn release(mut self) -> Result<(), StoreError> {
        match self.held.take() {
            Some(held) => held.release().await,
            None => Ok(()),
        }
    }
}

/// Exclusive locks by key.
///
/// Contract:
/// - `try_lock` never waits for another holder: `Ok(Some(guard))` when the caller now holds `key`, `Ok(None)` when
///   someone else does (in this process or, on a shared database, in another one).
/// - While a guard for `key` lives, every other `try_lock(key)` answers `Ok(None)`; a guard for another key (or
///   another scope with the same id) changes nothing.
/// - Dropping or releasing the guard releases the lock: the next `try_lock(key)` gets it.
/// - An adapter may bound how many locks it holds at once (each may hold a resource, a database connection): a
///   caller past that bound waits for a slot, never for a holder of its key.
#[async_trait]
pub trait ExclusiveLocks: Send + Sync + std::fmt::Debug {
    /// Takes `key` if nobody holds it (see the contract above).
    async fn try_lock(&self, key: LockKey) -> Result<Option<LockGuard>, StoreError>;
}

/// Locks that hold within one process: for stores one process owns (an SQLite file, memory). Clones share their
/// locks.
#[derive(Debug, Clone, Default)]
pub struct InProcessLocks {
    held: Arc<Mutex<HashSet<LockKey>>>,
}

impl InProcessLocks {
    /// No lock held.
    pub fn new() -> Self {
        Self::default()
    }
}

struct InProcessHeld {
    key: LockKey,
    held: Arc<Mutex<HashSet<LockKey>>>,
}

impl Drop for InProcessHeld {
    fn drop(&mut self) {
        self.held.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}

#[async_trait]
impl HeldLock for InProcessHeld {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        drop(self);
        Ok(())
    }
}

#[async_trait]
impl ExclusiveLocks for InProcessLocks {
    async fn try_lock(&self, key: LockKey) -> Result<Option<LockGuard>, StoreError> {
        let taken = self.held.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
        Ok(taken.then(|| LockGuard::new(InProcessHeld { key, held: Arc::clone(&self.held) })))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_key_is_held_once_until_its_guard_goes() {
        let locks = InProcessLocks::new();
        let key = LockKey::lake_export(Uuid::from_u128(1));
        let guard = locks.try_lock(key).await.unwrap().unwrap();
        assert!(locks.clone().try_lock(key).await.unwrap().is_none(), "held, also through a clone");
        let other = locks.try_lock(LockKey::lake_export(Uuid::from_u128(2))).await.unwrap();
        assert!(other.is_some(), "another key is free");
        drop(guard);
        let again = locks.try_lock(key).await.unwrap().unwrap();
        again.release().await.unwrap();
        assert!(locks.try_lock(key).await.unwrap().is_some());
    }
}
