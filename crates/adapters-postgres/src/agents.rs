//! The employees list (`seeg_agents`): one `INSERT … ON CONFLICT (matricule) DO UPDATE` per chunk, which both
//! PostgreSQL and SQLite (3.24+) understand, inside one transaction per call.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{EntityTrait, IntoActiveModel, TransactionTrait};
use seeg_application::StoreError;
use seeg_application::identity::{Agent, AgentDirectory};

use crate::database::{Database, store_error};
use crate::entities::seeg_agent;

/// Rows per statement: 5 bound values each keeps a statement far below SQLite's and PostgreSQL's parameter limits.
const ROWS_PER_STATEMENT: usize = 1000;

#[async_trait]
impl AgentDirectory for Database {
    async fn upsert(&self, agents: &[Agent], at: DateTime<Utc>) -> Result<u64, StoreError> {
        // PostgreSQL refuses a statement that updates one row twice: keep the last entry of each matricule.
        let latest: BTreeMap<i32, &Agent> = agents.iter().map(|a| (a.matricule, a)).collect();
        if latest.is_empty() {
            return Ok(0);
        }
        let rows: Vec<seeg_agent::ActiveModel> = latest
            .values()
            .map(|a| {
                seeg_agent::Model {
                    matricule: a.matricule,
                    nom: a.last_name.clone(),
                    prenom: a.first_name.clone(),
                    created_at: at,
                    updated_at: at,
                }
                .into_active_model()
            })
            .collect();
        let tx = self.conn.begin().await.map_err(store_error)?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            seeg_agent::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(seeg_agent::Column::Matricule)
                        .update_columns([
                            seeg_agent::Column::Nom,
                            seeg_agent::Column::Prenom,
                            seeg_agent::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(store_error)?;
        Ok(latest.len() as u64)
    }

    async fn find(&self, matricule: i32) -> Result<Option<Agent>, StoreError> {
        let found = seeg_agent::Entity::find_by_id(matricule).one(&self.conn).await.map_err(store_error)?;
        Ok(found.map(|m| Agent { matricule: m.matricule, last_name: m.nom, first_name: m.prenom }))
    }
}
