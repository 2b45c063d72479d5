//! The outbox on the database: appends inside a use case's transaction, claims with `FOR UPDATE SKIP LOCKED`
//! on PostgreSQL (several relays cooperate) and as one atomic `UPDATE … RETURNING` on SQLite (writes are
//! serialised there, so the same statement is safe without row locks).

use std::collections::BTreeMap;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DbBackend, EntityTrait, FromQueryResult, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Statement, sea_query::ExprTrait,
};
use seeg_application::StoreError;
use seeg_application::outbox::{
    FailureOutcome, KindCount, OutboxAppender, OutboxEvent, OutboxStats, OutboxStore, RetryScope,
};
use seeg_domain::outbox::OutboxState;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::outbox_event::{Column, Entity, Model};

const PENDING: &str = OutboxState::Pending.as_str();
const DONE: &str = OutboxState::Done.as_str();
const DEAD: &str = OutboxState::Dead.as_str();
/// The predicate of the partial index `idx_outbox_events_done`.
const DONE_LITERAL: &str = "state = 'done'";

const CLAIM_POSTGRES: &str = "WITH due AS MATERIALIZED (
    SELECT id FROM outbox_events
    WHERE state = $1 AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
    ORDER BY next_attempt_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox_events AS o SET locked_by = $4, locked_until = $5 FROM due WHERE o.id = due.id
RETURNING o.*";

#[async_trait]
impl OutboxAppender for SqlTransaction {
    async fn append(&mut self, event: &OutboxEvent) -> Result<(), StoreError> {
        let model = Model {
            id: event.id,
            kind: event.kind.clone(),
            payload: event.payload.clone(),
            state: event.state.as_str().to_owned(),
            attempts: i32::try_from(event.attempts).unwrap_or(i32::MAX),
            last_error: event.last_error.clone(),
            next_attempt_at: event.next_attempt_at,
            locked_by: None,
            locked_until: None,
            created_at: event.created_at,
            processed_at: event.processed_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }
}

fn to_domain(m: Model) -> Result<OutboxEvent, StoreError> {
    Ok(OutboxEvent {
        id: m.id,
        kind: m.kind,
        payload: m.payload,
        state: m.state.parse().map_err(|e| anyhow!("outbox_events.state: {e}"))?,
        attempts: u32::try_from(m.attempts).unwrap_or_default(),
        last_error: m.last_error,
        next_attempt_at: m.next_attempt_at,
        created_at: m.created_at,
        processed_at: m.processed_at,
    })
}

/// Rows still leased by `worker` and not yet finished.
fn held_by(id: Uuid, worker: &str) -> Condition {
    Condition::all().add(Column::Id.eq(id)).add(Column::State.eq(PENDING)).add(Column::LockedBy.eq(worker))
}

#[derive(Debug, FromQueryResult)]
struct KindRow {
    kind: String,
    state: String,
    n: i64,
}

#[async_trait]
impl OutboxStore for Database {
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        worker: &str,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let claimed = if self.is_sqlite() {
            // SQLite serialises writers, so one UPDATE over a LIMITed subquery is atomic as it stands.
            let due = Query::select()
                .column(Column::Id)
                .from(Entity)
                .and_where(Column::State.eq(PENDING))
                .and_where(Column::NextAttemptAt.lte(now))
                .and_where(Column::LockedUntil.is_null().or(Column::LockedUntil.lt(now)))
                .order_by(Column::NextAttemptAt, sea_orm::Order::Asc)
                .order_by(Column::Id, sea_orm::Order::Asc)
                .limit(u64::from(limit))
                .to_owned();
            Entity::update_many()
                .col_expr(Column::LockedBy, Expr::value(worker))
                .col_expr(Column::LockedUntil, Expr::value(lease_until))
                .filter(Column::Id.in_subquery(due))
                .exec_with_returning(&self.conn)
                .await
        } else {
            // PostgreSQL: the MATERIALIZED CTE runs the locking select exactly once, so concurrent relays skip
            // each other's rows and the LIMIT holds (an `IN (subquery)` may be re-evaluated and overshoot).
            let values = [PENDING.into(), now.into(), i64::from(limit).into(), worker.into(), lease_until.into()];
            Entity::find()
                .from_raw_sql(Statement::from_sql_and_values(DbBackend::Postgres, CLAIM_POSTGRES, values))
                .all(&self.conn)
                .await
        }
        .map_err(store_error)?;
        let mut events = claimed.into_iter().map(to_domain).collect::<Result<Vec<_>, _>>()?;
        events.sort_by(|a, b| a.next_attempt_at.cmp(&b.next_attempt_at).then(a.id.cmp(&b.id)));
        Ok(events)
    }

    async fn mark_done(&self, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = Entity::update_many()
            .col_expr(Column::State, Expr::value(DONE))
            .col_expr(Column::ProcessedAt, Expr::value(now))
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(held_by(id, worker))
            .exec(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        worker: &str,
        attempts: u32,
        error: &str,
        outcome: FailureOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut update = Entity::update_many()
            .col_expr(Column::Attempts, Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)))
            .col_expr(Column::LastError, Expr::value(error))
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None));
        update = match outcome {
            FailureOutcome::RetryAt(at) => update.col_expr(Column::NextAttemptAt, Expr::value(at)),
            FailureOutcome::Dead => {
                update.col_expr(Column::State, Expr::value(DEAD)).col_expr(Column::ProcessedAt, Expr::value(now))
            }
        };
        let result = update.filter(held_by(id, worker)).exec(&self.conn).await.map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn release(&self, ids: &[Uuid], worker: &str) -> Result<u64, StoreError> {
        let result = Entity::update_many()
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(Column::Id.is_in(ids.iter().copied()))
            .filter(Column::State.eq(PENDING))
            .filter(Column::LockedBy.eq(worker))
            .exec(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }

    async fn get(&self, id: Uuid) -> Result<Option<OutboxEvent>, StoreError> {
        Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(to_domain).transpose()
    }

    async fn stats(&self) -> Result<OutboxStats, StoreError> {
        let rows = Entity::find()
            .select_only()
            .column(Column::Kind)
            .column(Column::State)
            .column_as(Column::Id.count(), "n")
            .group_by(Column::Kind)
            .group_by(Column::State)
            .order_by_asc(Column::Kind)
            .into_model::<KindRow>()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        let mut stats = OutboxStats::default();
        let mut kinds: BTreeMap<String, KindCount> = BTreeMap::new();
        for row in rows {
            let n = u64::try_from(row.n).unwrap_or_default();
            let parsed: OutboxState = row.state.parse().map_err(|e| anyhow!("outbox_events.state: {e}"))?;
            let entry =
                kinds.entry(row.kind.clone()).or_insert_with(|| KindCount { kind: row.kind, pending: 0, dead: 0 });
            match parsed {
                OutboxState::Pending => {
                    stats.pending += n;
                    entry.pending += n;
                }
                OutboxState::Dead => {
                    stats.dead += n;
                    entry.dead += n;
                }
                OutboxState::Done => stats.done += n,
            }
        }
        stats.by_kind = kinds.into_values().filter(|k| k.pending + k.dead > 0).collect();
        stats.failing = Entity::find()
            .filter(Column::State.eq(PENDING))
            .filter(Column::Attempts.gt(0))
            .count(&self.conn)
            .await
            .map_err(store_error)?;
        stats.oldest_pending_at = Entity::find()
            .filter(Column::State.eq(PENDING))
            .order_by_asc(Column::CreatedAt)
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(|m| m.created_at);
        Ok(stats)
    }

    async fn retry(&self, scope: RetryScope, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let update = Entity::update_many().col_expr(Column::NextAttemptAt, Expr::value(now));
        let update = match scope {
            RetryScope::Failing => update.filter(Column::State.eq(PENDING)).filter(Column::Attempts.gt(0)),
            RetryScope::Dead => update
                .col_expr(Column::State, Expr::value(PENDING))
                .col_expr(Column::Attempts, Expr::value(0))
                .col_expr(Column::ProcessedAt, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(Column::State.eq(DEAD)),
            RetryScope::Event(id) => update
                .col_expr(Column::State, Expr::value(PENDING))
                .col_expr(Column::Attempts, Expr::value(0))
                .col_expr(Column::ProcessedAt, Expr::value(Option::<DateTime<Utc>>::None))
                .filter(Column::Id.eq(id))
                .filter(Column::State.is_in([PENDING, DEAD])),
        };
        Ok(update.exec(&self.conn).await.map_err(store_error)?.rows_affected)
    }

    async fn prune_done(&self, processed_before: DateTime<Utc>) -> Result<u64, StoreError> {
        // `state = 'done'` as a literal, not a bound value: a generic plan can then use the partial index
        // `idx_outbox_events_done` (migration 000021).
        let handled_long_ago =
            sea_orm::Condition::all().add(Expr::cust(DONE_LITERAL)).add(Column::ProcessedAt.lt(processed_before));
        crate::database::delete_in_batches::<Entity>(&self.conn, Column::Id, handled_long_ago).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_partial_index_predicate_names_the_done_state() {
        assert_eq!(super::DONE_LITERAL, format!("state = '{}'", super::DONE));
    }
}
