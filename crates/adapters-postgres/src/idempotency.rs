//! Idempotency keys (I4): claimed with one `INSERT … ON CONFLICT DO NOTHING` on the primary key, so of
//! concurrent claims exactly one inserts; an expired record is deleted first, in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use seeg_application::StoreError;
use seeg_application::idempotency::{Claim, IdempotencyRecord, IdempotencyStore, StoredResponse};
use uuid::Uuid;

use crate::database::{Database, store_error};
use crate::entities::idempotency_key::{self, Column, Entity};

#[async_trait]
impl IdempotencyStore for Database {
    async fn claim(
        &self,
        scope: Uuid,
        key: &str,
        at: DateTime<Utc>,
        not_before: DateTime<Utc>,
        abandoned_before: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let tx = self.conn.begin_with_options(options).await.map_err(store_error)?;
        Entity::delete_many()
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .filter(
                Condition::any().add(Column::CreatedAt.lt(not_before)).add(
                    Condition::all().add(Column::CompletedAt.is_null()).add(Column::CreatedAt.lt(abandoned_before)),
                ),
            )
            .exec(&tx)
            .await
            .map_err(store_error)?;
        let claim = idempotency_key::Model {
            scope,
            key: key.to_owned(),
            request_hash: None,
            status: None,
            content_type: None,
            body: None,
            created_at: at,
            completed_at: None,
        };
        let inserted = Entity::insert(claim.into_active_model())
            .on_conflict(OnConflict::columns([Column::Scope, Column::Key]).do_nothing().to_owned())
            .exec_without_returning(&tx)
            .await
            .map_err(store_error)?;
        let outcome = if inserted == 1 {
            Claim::Claimed
        } else {
            let found = Entity::find_by_id((scope, key.to_owned())).one(&tx).await.map_err(store_error)?;
            let found = found.ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("clé d'idempotence disparue")))?;
            Claim::Existing(into_record(found)?)
        };
        tx.commit().await.map_err(store_error)?;
        Ok(outcome)
    }

    async fn complete(
        &self,
        scope: Uuid,
        key: &str,
        response: &StoredResponse,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        Entity::update_many()
            .col_expr(Column::RequestHash, Expr::value(response.request_hash.clone()))
            .col_expr(Column::Status, Expr::value(i32::from(response.status)))
            .col_expr(Column::ContentType, Expr::value(response.content_type.clone()))
            .col_expr(Column::Body, Expr::value(response.body.clone()))
            .col_expr(Column::CompletedAt, Expr::value(at))
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .exec(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn release(&self, scope: Uuid, key: &str) -> Result<(), StoreError> {
        Entity::delete_many()
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .exec(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn remove_created_before(&self, created_before: DateTime<Utc>) -> Result<u64, StoreError> {
        // `idx_idempotency_keys_created` finds them.
        let old = sea_orm::Condition::all().add(Column::CreatedAt.lt(created_before));
        crate::database::delete_in_batches::<Entity>(&self.conn, Column::Key, old).await
    }
}

fn into_record(m: idempotency_key::Model) -> Result<IdempotencyRecord, StoreError> {
    let response = match (m.request_hash, m.status) {
        (Some(request_hash), Some(status)) => Some(StoredResponse {
            request_hash,
            status: u16::try_from(status)
                .map_err(|_| StoreError::Unexpected(anyhow::anyhow!("statut HTTP stocké invalide : {status}")))?,
            content_type: m.content_type,
            body: m.body.unwrap_or_default(),
        }),
        _ => None,
    };
    Ok(IdempotencyRecord { scope: m.scope, key: m.key, response, created_at: m.created_at })
}
