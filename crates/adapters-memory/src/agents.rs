//! The employees list (`seeg_agents`): an upsert by matricule that keeps each row's creation time.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::StoreError;
use seeg_application::identity::{Agent, AgentDirectory};

use crate::database::MemoryStore;

/// An agent with the timestamps the SQL table keeps beside it.
#[derive(Debug, Clone)]
pub(crate) struct StoredAgent {
    pub(crate) agent: Agent,
    pub(crate) created_at: DateTime<Utc>,
    #[allow(dead_code)] // mirrors `seeg_agents.updated_at`; no port reads it yet
    pub(crate) updated_at: DateTime<Utc>,
}

#[async_trait]
impl AgentDirectory for MemoryStore {
    async fn upsert(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<u64, StoreError> {
        let latest: BTreeMap<i32, &Agent> = agents.iter().map(|a| (a.matricule, a)).collect();
        self.write(|state| {
            for (matricule, agent) in &latest {
                let created_at = state.agents.get(matricule).map_or(at, |stored| stored.created_at);
                state.agents.insert(*matricule, StoredAgent { agent: (*agent).clone(), created_at, updated_at: at });
            }
        });
        Ok(latest.len() as u64)
    }

    async fn find(&self, matricule: i32) -> Result<Option<Agent>, StoreError> {
        Ok(self.read(|state| state.agents.get(&matricule).map(|stored| stored.agent.clone())))
    }
}
