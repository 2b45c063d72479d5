//! The retention job's accounts and warnings (B7): one statement per batch on `users`, `applications` and
//! `retention_warnings`, the same text on PostgreSQL and SQLite (placeholders rewritten by `statement`).
//!
//! An account's last activity is the latest of `users.created_at`, `users.last_login` and its applications'
//! `updated_at`; "inactive before T" is written as each of them before T (`NOT EXISTS` over the applications, by
//! the `(candidate_id, job_offer_id)` index), so no row is loaded to be compared here. The rows read are keyed
//! by id (`id > after ORDER BY id LIMIT n`, the primary key), bounded whatever the number of accounts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, IntoActiveModel, QueryResult, Value};
use seeg_application::StoreError;
use seeg_application::privacy::{RetentionCandidate, RetentionRepository, RetentionWarningWriter};
use seeg_domain::identity::{Role, UserStatus};
use uuid::Uuid;

use crate::analytics::statement;
use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::retention_warning;

/// Subject accounts ($1 the role, $2 the archived statut) inactive before $3.
const INACTIVE: &str = "u.role = $1 AND u.statut <> $2 \
     AND u.created_at < $3 AND (u.last_login IS NULL OR u.last_login < $3) \
     AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id AND a.updated_at >= $3)";

/// Never warned, or active at or after the warning.
const UNWARNED: &str = "(w.warned_at IS NULL OR u.created_at >= w.warned_at OR u.last_login >= w.warned_at \
     OR EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id AND a.updated_at >= w.warned_at))";

/// Warned before $4, and every activity before the warning.
const WARNED_LONG_AGO: &str = "w.warned_at < $4 AND u.created_at < w.warned_at \
     AND (u.last_login IS NULL OR u.last_login < w.warned_at) \
     AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = u.id AND a.updated_at >= w.warned_at)";

impl Database {
    async fn retention_accounts(
        &self,
        condition: &str,
        mut values: Vec<Value>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        let keyset = match after {
            Some(after) => {
                values.push(after.into());
                format!("u.id > ${}", values.len())
            }
            None => "1 = 1".to_owned(),
        };
        let sql = format!(
            "SELECT u.id AS user_id, u.created_at AS created_at, u.last_login AS last_login, \
             w.warned_at AS warned_at, \
             (SELECT MAX(a.updated_at) FROM applications a WHERE a.candidate_id = u.id) AS last_application \
             FROM users u LEFT JOIN retention_warnings w ON w.user_id = u.id \
             WHERE {INACTIVE} AND {condition} AND {keyset} ORDER BY u.id LIMIT {limit}"
        );
        let backend = self.conn.get_database_backend();
        let rows = self.conn.query_all_raw(statement(backend, &sql, values)).await.map_err(store_error)?;
        rows.iter().map(candidate).collect()
    }
}

fn candidate(row: &QueryResult) -> Result<RetentionCandidate, StoreError> {
    let created_at: DateTime<Utc> = row.try_get("", "created_at").map_err(store_error)?;
    let last_login: Option<DateTime<Utc>> = row.try_get("", "last_login").map_err(store_error)?;
    let last_application: Option<DateTime<Utc>> = row.try_get("", "last_application").map_err(store_error)?;
    let last_activity = [Some(created_at), last_login, last_application].into_iter().flatten().max();
    Ok(RetentionCandidate {
        user_id: row.try_get("", "user_id").map_err(store_error)?,
        last_activity: last_activity.unwrap_or(created_at),
        warned_at: row.try_get("", "warned_at").map_err(store_error)?,
    })
}

fn subject_values(inactive_before: DateTime<Utc>) -> Vec<Value> {
    vec![Role::Candidate.as_str().into(), UserStatus::Archived.as_str().into(), inactive_before.into()]
}

#[async_trait]
impl RetentionRepository for Database {
    async fn to_warn(
        &self,
        inactive_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        self.retention_accounts(UNWARNED, subject_values(inactive_before), after, limit).await
    }

    async fn due_for_erasure(
        &self,
        inactive_before: DateTime<Utc>,
        warned_before: DateTime<Utc>,
        after: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<RetentionCandidate>, StoreError> {
        let mut values = subject_values(inactive_before);
        values.push(warned_before.into());
        self.retention_accounts(WARNED_LONG_AGO, values, after, limit).await
    }
}

#[async_trait]
impl RetentionWarningWriter for SqlTransaction {
    async fn record_warning(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        use retention_warning::Column;
        let row = retention_warning::Model { user_id, warned_at: at };
        retention_warning::Entity::insert(row.into_active_model())
            .on_conflict(OnConflict::column(Column::UserId).update_column(Column::WarnedAt).to_owned())
            .exec_without_returning(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn warned_at(&mut self, user_id: Uuid) -> Result<Option<DateTime<Utc>>, StoreError> {
        let row = retention_warning::Entity::find_by_id(user_id).one(&self.tx).await.map_err(store_error)?;
        Ok(row.map(|r| r.warned_at))
    }
}
