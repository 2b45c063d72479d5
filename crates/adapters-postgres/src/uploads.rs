//! The ledger of pending uploads (`UploadLedger`): one row per request that stored documents no application
//! names yet. Read and written inside the reserving transaction, after the user's row is locked.

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect};
use seeg_application::StoreError;
use seeg_application::applications::{PendingBytes, UploadLedger, UploadReservation};
use uuid::Uuid;

use crate::database::{SqlTransaction, store_error};
use crate::entities::upload_reservation::{self, Column, Entity};

fn stored_bytes(bytes: u64) -> Result<i64, StoreError> {
    i64::try_from(bytes).map_err(|_| StoreError::Unexpected(anyhow!("upload_reservations.bytes: {bytes} octets")))
}

#[async_trait]
impl UploadLedger for SqlTransaction {
    async fn insert(&mut self, reservation: &UploadReservation) -> Result<(), StoreError> {
        let model = upload_reservation::Model {
            id: reservation.id,
            user_id: reservation.user_id,
            bytes: stored_bytes(reservation.bytes)?,
            created_at: reservation.created_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn pending(&mut self, user_id: Uuid, since: DateTime<Utc>) -> Result<PendingBytes, StoreError> {
        let mine = || Entity::find().filter(Column::UserId.eq(user_id)).filter(Column::CreatedAt.gte(since));
        // SUM(bigint) is NUMERIC on PostgreSQL: cast back for one decoding on both backends.
        let total: Option<i64> = mine()
            .select_only()
            .column_as(Expr::cust("CAST(COALESCE(SUM(bytes), 0) AS BIGINT)"), "total")
            .into_tuple()
            .one(&self.tx)
            .await
            .map_err(store_error)?;
        let oldest = mine().order_by_asc(Column::CreatedAt).one(&self.tx).await.map_err(store_error)?;
        Ok(PendingBytes {
            bytes: u64::try_from(total.unwrap_or_default()).unwrap_or_default(),
            oldest: oldest.map(|row| row.created_at),
        })
    }

    async fn settle(&mut self, id: Uuid, bytes: u64) -> Result<bool, StoreError> {
        let result = Entity::update_many()
            .col_expr(Column::Bytes, Expr::value(stored_bytes(bytes)?))
            .filter(Column::Id.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn release(&mut self, id: Uuid) -> Result<bool, StoreError> {
        let result = Entity::delete_by_id(id).exec(&self.tx).await.map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn forget_before(&mut self, user_id: Uuid, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = Entity::delete_many()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::CreatedAt.lt(before))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }
}
