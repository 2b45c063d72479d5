//! In-app notifications: listed per account with filters, counted, written and marked read inside the use
//! case's transaction. `q` matches `search_folded` (title and message folded, written on insert).

use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, FromQueryResult, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use seeg_application::identity::{
    Notification, NotificationFilter, NotificationRepository, NotificationSort, NotificationSortKey, NotificationStats,
    NotificationWriter, SortOrder,
};
use seeg_application::live::{Cursor, Signal};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::notification::{Column, Entity, Model};
use crate::offers::escape_like;

fn condition(user_id: Uuid, filter: &NotificationFilter) -> Condition {
    let mut cond = Condition::all().add(Column::UserId.eq(user_id));
    if filter.unread_only {
        cond = cond.add(Column::Read.eq(false));
    }
    if let Some(q) = &filter.q {
        let pattern = format!("%{}%", escape_like(&search::fold(q)));
        cond = cond.add(Expr::col(Column::SearchFolded).like(LikeExpr::new(pattern).escape('\\')));
    }
    if let Some(kind) = &filter.kind {
        cond = cond.add(Column::Kind.eq(kind.as_str()));
    }
    if let Some(from) = filter.created_from {
        cond = cond.add(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        cond = cond.add(Column::CreatedAt.lte(to));
    }
    cond
}

/// One (type, read) group of an account's notifications.
#[derive(Debug, FromQueryResult)]
struct Group {
    kind: Option<String>,
    read: bool,
    count: i64,
}

#[async_trait]
impl NotificationRepository for Database {
    async fn list(
        &self,
        user_id: Uuid,
        filter: &NotificationFilter,
        page: Page,
        sort: NotificationSort,
    ) -> Result<PageOf<Notification>, StoreError> {
        let order = match sort.order {
            SortOrder::Asc => sea_orm::Order::Asc,
            SortOrder::Desc => sea_orm::Order::Desc,
        };
        let key = match sort.key {
            NotificationSortKey::CreatedAt => Column::CreatedAt,
            NotificationSortKey::Title => Column::Title,
        };
        let select =
            Entity::find().filter(condition(user_id, filter)).order_by(key, order.clone()).order_by(Column::Id, order);
        let found = fetch_page(&self.conn, select, page).await?;
        Ok(PageOf { items: found.items.into_iter().map(to_domain).collect(), total: found.total })
    }

    async fn get(&self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError> {
        let found = Entity::find_by_id(id).filter(Column::UserId.eq(user_id)).one(&self.conn).await;
        Ok(found.map_err(store_error)?.map(to_domain))
    }

    async fn unread_count(&self, user_id: Uuid) -> Result<u64, StoreError> {
        let unread = Entity::find().filter(Column::UserId.eq(user_id)).filter(Column::Read.eq(false));
        unread.count(&self.conn).await.map_err(store_error)
    }

    async fn stats(&self, user_id: Uuid) -> Result<NotificationStats, StoreError> {
        let groups = Entity::find()
            .select_only()
            .column_as(Column::Kind, "kind")
            .column_as(Column::Read, "read")
            .column_as(Expr::col(Column::Id).count(), "count")
            .filter(Column::UserId.eq(user_id))
            .group_by(Column::Kind)
            .group_by(Column::Read)
            .into_model::<Group>()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        let mut stats = NotificationStats { total: 0, unread: 0, by_kind: BTreeMap::new() };
        for group in groups {
            let count = u64::try_from(group.count).unwrap_or_default();
            let kind = group.kind.filter(|k| !k.is_empty()).unwrap_or_else(|| NotificationStats::UNTYPED.to_owned());
            *stats.by_kind.entry(kind).or_default() += count;
            stats.total += count;
            if !group.read {
                stats.unread += count;
            }
        }
        Ok(stats)
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
            search_folded: search::fold_fields([n.title.as_str(), n.message.as_str()]),
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

    async fn mark_read(&mut self, user_id: Uuid, id: Uuid) -> Result<Option<Notification>, StoreError> {
        let changed = Entity::update_many()
            .col_expr(Column::Read, Expr::value(true))
            .filter(Column::Id.eq(id))
            .filter(Column::UserId.eq(user_id))
            .filter(Column::Read.eq(false))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        let read = Entity::find_by_id(id).filter(Column::UserId.eq(user_id)).one(&self.tx).await;
        let read = read.map_err(store_error)?.map(to_domain);
        // Only a change is told: marking a read notification again signals nothing.
        if changed.rows_affected > 0 {
            self.signal(Signal::Read { user_id, id }).await?;
        }
        Ok(read)
    }

    async fn mark_all_read(&mut self, user_id: Uuid) -> Result<u64, StoreError> {
        let changed = Entity::update_many()
            .col_expr(Column::Read, Expr::value(true))
            .filter(Column::UserId.eq(user_id))
            .filter(Column::Read.eq(false))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        if changed.rows_affected > 0 {
            self.signal(Signal::AllRead { user_id }).await?;
        }
        Ok(changed.rows_affected)
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
