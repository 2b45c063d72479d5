//! The backfill's listing of applications in creation order (B6): one keyset query per page,
//! `WHERE (created_at, id) > cursor ORDER BY created_at, id LIMIT n`, served by `idx_applications_created_at`
//! (read backwards), and one `COUNT(*)` for the progress bar. No transaction outlives a call.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use seeg_application::StoreError;
use seeg_application::applications::{CreatedApplications, CreatedWithin, CreationKey};
use uuid::Uuid;

use crate::database::{Database, store_error};
use crate::entities::application::{self, Column};

fn created_within(within: &CreatedWithin) -> Select<application::Entity> {
    let mut select = application::Entity::find();
    if let Some(since) = within.since {
        select = select.filter(Column::CreatedAt.gte(since));
    }
    if let Some(until) = within.until {
        select = select.filter(Column::CreatedAt.lte(until));
    }
    select
}

#[async_trait]
impl CreatedApplications for Database {
    async fn count_created(&self, within: &CreatedWithin) -> Result<u64, StoreError> {
        created_within(within).count(&self.conn).await.map_err(store_error)
    }

    async fn created_page(
        &self,
        within: &CreatedWithin,
        after: Option<CreationKey>,
        limit: u64,
    ) -> Result<Vec<CreationKey>, StoreError> {
        let mut select = created_within(within);
        if let Some(after) = after {
            // Spelled out rather than a row-value comparison: the same SQL on both backends.
            select = select.filter(
                Condition::any()
                    .add(Column::CreatedAt.gt(after.created_at))
                    .add(Condition::all().add(Column::CreatedAt.eq(after.created_at)).add(Column::Id.gt(after.id))),
            );
        }
        let rows: Vec<(DateTime<Utc>, Uuid)> = select
            .select_only()
            .column(Column::CreatedAt)
            .column(Column::Id)
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(|(created_at, id)| CreationKey { created_at, id }).collect())
    }
}
