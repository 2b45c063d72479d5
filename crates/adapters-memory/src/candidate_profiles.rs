//! Candidate profiles: one per account; a save over a stored profile keeps its id and creation time.

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::identity::{CandidateProfileRepository, CandidateProfileWriter};
use seeg_domain::identity::CandidateProfile;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction};

#[async_trait]
impl CandidateProfileRepository for MemoryStore {
    async fn for_user(&self, user_id: Uuid) -> Result<Option<CandidateProfile>, StoreError> {
        Ok(self.read(|state| state.candidate_profiles.get(&user_id).cloned()))
    }
}

#[async_trait]
impl CandidateProfileWriter for MemoryTransaction {
    async fn save(&mut self, profile: &CandidateProfile) -> Result<(), StoreError> {
        self.record(Change::SaveCandidateProfile(Box::new(profile.clone())))
    }
}
