//! Reset tokens (S4): stored hashed; the unique index on the hash decides conflicts, and consuming is one
//! conditional UPDATE so that two concurrent resets cannot both use a token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use seeg_application::StoreError;
use seeg_application::identity::{PasswordResetRecord, PasswordResetRepository, PasswordResetWriter};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::password_reset;

#[async_trait]
impl PasswordResetRepository for Database {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<PasswordResetRecord>, StoreError> {
        let found = password_reset::Entity::find()
            .filter(password_reset::Column::TokenHash.eq(token_hash))
            .one(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(found.map(|m| PasswordResetRecord {
            id: m.id,
            user_id: m.user_id,
            token_hash: m.token_hash,
            expires_at: m.expires_at,
            used_at: m.used_at,
        }))
    }

    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let expired = sea_orm::Condition::all().add(password_reset::Column::ExpiresAt.lt(expired_before));
        crate::database::delete_in_batches::<password_reset::Entity>(&self.conn, password_reset::Column::Id, expired)
            .await
    }
}

#[async_trait]
impl PasswordResetWriter for SqlTransaction {
    async fn insert(&mut self, reset: &PasswordResetRecord) -> Result<(), StoreError> {
        let r = reset.clone();
        let model = password_reset::Model {
            id: r.id,
            user_id: r.user_id,
            token_hash: r.token_hash,
            expires_at: r.expires_at,
            used_at: r.used_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(at))
            .filter(password_reset::Column::Id.eq(id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn spend_unused_for_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, Expr::value(at))
            .filter(password_reset::Column::UserId.eq(user_id))
            .filter(password_reset::Column::UsedAt.is_null())
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }
}
