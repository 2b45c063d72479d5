//! Application drafts: one per (user, offer), the primary key, saved with one `INSERT … ON CONFLICT (user_id,
//! job_offer_id) DO UPDATE`, so concurrent first saves leave one row and the first `created_at`.

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use seeg_application::StoreError;
use seeg_application::applications::drafts::{Draft, DraftContent, DraftRepository, DraftWriter};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::application_draft::{Column, Entity, Model};

#[async_trait]
impl DraftRepository for Database {
    async fn get(&self, user_id: Uuid, job_offer_id: Uuid) -> Result<Option<Draft>, StoreError> {
        let found = Entity::find_by_id((user_id, job_offer_id)).one(&self.conn).await.map_err(store_error)?;
        found.map(into_domain).transpose()
    }
}

#[async_trait]
impl DraftWriter for SqlTransaction {
    async fn save(&mut self, draft: &Draft) -> Result<(), StoreError> {
        let model = Model {
            user_id: draft.user_id,
            job_offer_id: draft.job_offer_id,
            form_data: draft.form_data.to_value(),
            ui_state: draft.ui_state.to_value(),
            created_at: draft.created_at,
            updated_at: draft.updated_at,
        };
        Entity::insert(model.into_active_model())
            .on_conflict(
                OnConflict::columns([Column::UserId, Column::JobOfferId])
                    .update_columns([Column::FormData, Column::UiState, Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete(&mut self, user_id: Uuid, job_offer_id: Uuid) -> Result<bool, StoreError> {
        let deleted = Entity::delete_many()
            .filter(Column::UserId.eq(user_id))
            .filter(Column::JobOfferId.eq(job_offer_id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(deleted.rows_affected > 0)
    }
}

fn into_domain(m: Model) -> Result<Draft, StoreError> {
    Ok(Draft {
        user_id: m.user_id,
        job_offer_id: m.job_offer_id,
        form_data: DraftContent::from_stored(m.form_data)?,
        ui_state: DraftContent::from_stored(m.ui_state)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
