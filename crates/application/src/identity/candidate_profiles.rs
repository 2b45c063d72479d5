//! A candidate's own profile (`GET|PUT /users/me/profile`): read, and saved with the changes the candidate makes.
//! Only candidates have one (S3: a candidate reaches only its own).

use std::sync::Arc;

use seeg_domain::identity::{CandidateProfile, ProfileChanges, ProfileError, Role, User};
use tracing::instrument;

use super::CandidateProfileRepository;
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why a profile could not be read or saved.
#[derive(Debug, thiserror::Error)]
pub enum CandidateProfileError {
    /// Staff have no candidate profile.
    #[error("Seuls les candidats ont un profil candidat")]
    NotACandidate,
    /// The candidate has no profile yet (it appears at the first application or save, R24).
    #[error("Profil candidat non trouvé")]
    NotFound,
    /// A value or the whole profile breaks a rule (`ProfileError`).
    #[error(transparent)]
    Invalid(#[from] ProfileError),
    /// The account stopped being active (blocked, archived, erased) since the caller's token was checked.
    #[error("Compte inactif")]
    AccountInactive,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A candidate's own profile: read, and saved with its changes.
#[derive(Debug, Clone)]
pub struct CandidateProfiles {
    uow: Arc<dyn UnitOfWork>,
    profiles: Arc<dyn CandidateProfileRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl CandidateProfiles {
    /// Whether `caller` has a candidate profile to change at all, decided before the request is read.
    pub fn may_update_own(&self, caller: &User) -> Result<(), CandidateProfileError> {
        if caller.role == Role::Candidate { Ok(()) } else { Err(CandidateProfileError::NotACandidate) }
    }

    /// The use case on its ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        profiles: Arc<dyn CandidateProfileRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, profiles, clock, ids }
    }

    /// The profile shown beside an account (`candidate_profile`): a candidate's, if it has one; staff have none
    /// and cost no read.
    pub async fn attached_to(&self, user: &User) -> Result<Option<CandidateProfile>, StoreError> {
        if user.role != Role::Candidate {
            return Ok(None);
        }
        self.profiles.for_user(user.id).await
    }

    /// The caller's own profile; `NotFound` until it first applies or saves it (R24).
    #[instrument(name = "candidate_profiles.own", skip_all, fields(user.id = %caller.id))]
    pub async fn own(&self, caller: &User) -> Result<CandidateProfile, CandidateProfileError> {
        if caller.role != Role::Candidate {
            return Err(CandidateProfileError::NotACandidate);
        }
        self.profiles.for_user(caller.id).await?.ok_or(CandidateProfileError::NotFound)
    }

    /// Saves the caller's changes. A candidate without a profile yet gets one, seeded from its account (R24) and
    /// then changed: the legacy service answered 500 there (D20).
    #[instrument(name = "candidate_profiles.update_own", skip_all, fields(user.id = %caller.id))]
    pub async fn update_own(
        &self,
        caller: &User,
        changes: ProfileChanges,
    ) -> Result<CandidateProfile, CandidateProfileError> {
        if caller.role != Role::Candidate {
            return Err(CandidateProfileError::NotACandidate);
        }
        let now = self.clock.now();
        let stored = self.profiles.for_user(caller.id).await?;
        let is_new = stored.is_none();
        let mut profile = stored.unwrap_or_else(|| CandidateProfile::seeded_from(caller, self.ids.new_id(), now));
        let touched = profile.apply(changes, now)?;
        if is_new || !touched.is_empty() {
            let mut tx = self.uow.begin().await?;
            // Under the account's lock: a request in flight during an erasure (B7) must not write a profile back.
            if !crate::identity::still_active(tx.as_mut(), caller.id).await? {
                return Err(CandidateProfileError::AccountInactive);
            }
            tx.candidate_profiles().save(&profile).await?;
            tx.commit().await?;
            tracing::info!(profile.created = is_new, profile.changed = ?touched, "candidate profile saved");
        }
        // Read back: a concurrent first save may have created the row under another id.
        Ok(self.profiles.for_user(caller.id).await?.unwrap_or(profile))
    }
}
