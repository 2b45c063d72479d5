//! In-app notifications: listed per account, newest first, written inside the use case's transaction.

use async_trait::async_trait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use seeg_application::identity::{Notification, NotificationRepository, NotificationWriter};
use seeg_application::live::{Cursor, Signal};
use seeg_application::{Page, PageOf, StoreError};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::notification::{Column, Entity, Model};

#[async_trait]
impl NotificationRepository for Database {
    async fn list_for_user(&self, user_id: Uuid, page: Page) -> Result<PageOf<Notification>, StoreError> {
        let select = Entity::find()
            .filter(Column::UserId.eq(user_id))
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        Ok(PageOf { items: found.items.into_iter().map(to_domain).collect(), total: found.total })
    }
}

#[async_trait]
impl NotificationWriter for SqlTransaction {
    async fn insert(&mut self, notification: &Notification) -> Result<(), StoreError> {
        let n = notification.clone();
        let model = Model {
            id: n.id,
            user_id: n.user_id,
            related_application_id: n.related_application_id,
            title: n.title,
            message: n.message,
            kind: Some(n.kind),
            link: n.link,
            read: n.read,
            created_at: n.created_at,
            updated_at: n.created_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        self.signal(Signal::New(Box::new(notification.clone()))).await
    }
}

/// The account's notifications strictly after `cursor` (by `created_at`, then `id`), oldest first.
pub(crate) async fn since(
    conn: &DatabaseConnection,
    user_id: Uuid,
    cursor: Option<Cursor>,
    limit: u64,
) -> Result<Vec<Notification>, StoreError> {
    let mut select = Entity::find().filter(Column::UserId.eq(user_id));
    if let Some(Cursor { created_at, id }) = cursor {
        select = select.filter(
            Condition::any()
                .add(Column::CreatedAt.gt(created_at))
                .add(Condition::all().add(Column::CreatedAt.eq(created_at)).add(Column::Id.gt(id))),
        );
    }
    let rows = select
        .order_by_asc(Column::CreatedAt)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(conn)
        .await
        .map_err(store_error)?;
    Ok(rows.into_iter().map(to_domain).collect())
}

/// The cursor of the account's newest notification.
pub(crate) async fn latest(conn: &DatabaseConnection, user_id: Uuid) -> Result<Option<Cursor>, StoreError> {
    let newest = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .one(conn)
        .await
        .map_err(store_error)?;
    Ok(newest.map(|m| Cursor { created_at: m.created_at, id: m.id }))
}

/// How many of the account's notifications are unread.
pub(crate) async fn unread_count(conn: &DatabaseConnection, user_id: Uuid) -> Result<u64, StoreError> {
    let count = Entity::find()
        .filter(Column::UserId.eq(user_id))
        .filter(Column::Read.eq(false))
        .count(conn)
        .await
        .map_err(store_error)?;
    Ok(count)
}

pub(crate) fn to_domain(m: Model) -> Notification {
    Notification {
        id: m.id,
        user_id: m.user_id,
        related_application_id: m.related_application_id,
        title: m.title,
        message: m.message,
        // Nullable in the legacy schema; a notification imported without a type still reads.
        kind: m.kind.unwrap_or_default(),
        link: m.link,
        read: m.read,
        created_at: m.created_at,
    }
}
