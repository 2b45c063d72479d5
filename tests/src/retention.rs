//! A test double of the retention job's eraser: it records every call and, like the real erasure, archives the
//! account and replaces its address (`efface-<id>@compte-efface.invalid`) through the unit of work; the accounts
//! it is told to decline (an application still in progress) are left as they are (`Ok(false)`).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use seeg_application::privacy::InactiveAccountEraser;
use seeg_application::{StoreError, UnitOfWork};
use seeg_domain::identity::UserStatus;
use uuid::Uuid;

/// Records calls; archives the account (see the module's documentation).
#[derive(Debug)]
pub struct RecordingEraser {
    uow: Arc<dyn UnitOfWork>,
    /// The real erasure, when the test wants it: the calls not declined go to it.
    real: Option<Arc<dyn InactiveAccountEraser>>,
    calls: Mutex<Vec<(Uuid, String)>>,
    declined: Mutex<BTreeSet<Uuid>>,
}

impl RecordingEraser {
    /// An eraser writing through `uow`.
    pub fn new(uow: Arc<dyn UnitOfWork>) -> Arc<Self> {
        Arc::new(Self { uow, real: None, calls: Mutex::default(), declined: Mutex::default() })
    }

    /// An eraser recording the calls it passes to `real` (the service's `AccountErasure`).
    pub fn around(uow: Arc<dyn UnitOfWork>, real: Arc<dyn InactiveAccountEraser>) -> Arc<Self> {
        Arc::new(Self { uow, real: Some(real), calls: Mutex::default(), declined: Mutex::default() })
    }

    /// From now on, `user_id` is declined (`Ok(false)`), as the real erasure declines an account with an
    /// application in progress.
    pub fn decline(&self, user_id: Uuid) {
        self.declined.lock().unwrap().insert(user_id);
    }

    /// Every call so far: the account and the reason, in order.
    pub fn calls(&self) -> Vec<(Uuid, String)> {
        self.calls.lock().unwrap().clone()
    }

    /// The accounts of every call so far, in order.
    pub fn erased_ids(&self) -> Vec<Uuid> {
        self.calls().into_iter().map(|(id, _)| id).collect()
    }
}

#[async_trait]
impl InactiveAccountEraser for RecordingEraser {
    async fn erase_inactive(
        &self,
        user_id: Uuid,
        reason: &str,
        warned_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        self.calls.lock().unwrap().push((user_id, reason.to_owned()));
        if self.declined.lock().unwrap().contains(&user_id) {
            return Ok(false);
        }
        if let Some(real) = &self.real {
            return real.erase_inactive(user_id, reason, warned_at).await;
        }
        let mut tx = self.uow.begin().await?;
        let Some(mut user) = tx.users().lock(user_id).await? else { return Ok(false) };
        if user.status == UserStatus::Archived {
            return Ok(false);
        }
        user.status = UserStatus::Archived;
        user.email = format!("efface-{}@compte-efface.invalid", user_id.simple());
        tx.users().update(&user).await?;
        tx.commit().await?;
        Ok(true)
    }
}
