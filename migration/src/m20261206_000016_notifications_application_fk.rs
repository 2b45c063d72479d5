//! `notifications.related_application_id` gets the foreign key the legacy DDL gives it (legacy §2.10): to
//! `applications(id)`, `ON DELETE CASCADE`, so a notification about an application goes with it. With it come
//! what the notification list needs (legacy §1.9, R33): `search_folded` (title and message folded,
//! `seeg_domain::search::fold_fields`, what `q` matches, backfilled here and written by the SQL adapter with every
//! notification) and the index of an account's list by date. `idx_notifications_user_read` (user, read,
//! created_at) already serves the unread filter and count.
//!
//! Orphans first (I8b): a notification whose application was deleted before the key existed is deleted, as the key
//! would have deleted it then; nulling the reference instead would keep a notification whose link leads nowhere.
//! The way back keeps every remaining row (the orphans deleted stay deleted).
//!
//! PostgreSQL adds the key and the column in place. SQLite cannot add a constraint to a table: the table is
//! rebuilt in one transaction (create the new shape, copy the rows, drop the old, rename, index again); nothing
//! else references `notifications`, so no other table sees the change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, StatementBuilder};
use seeg_domain::search::fold_fields;
use uuid::Uuid;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden, Clone)]
enum Notifications {
    Table,
    Id,
    UserId,
    RelatedApplicationId,
    Title,
    Message,
    Type,
    Link,
    Read,
    CreatedAt,
    UpdatedAt,
    SearchFolded,
}

/// The table SQLite builds beside the old one, renamed once the rows are in.
const REBUILT: &str = "notifications_rebuilt";
/// The columns both shapes have, copied across a rebuild.
const COPIED: &str = "id, user_id, related_application_id, title, message, type, link, read, created_at, updated_at";
const APPLICATION_KEY: &str = "fk_notifications_application";
const BY_APPLICATION: &str = "idx_notifications_application";
const BY_USER_DATE: &str = "idx_notifications_user_created";
/// Created by `m20261125_000004`; a rebuild drops it with the old table.
const BY_USER_READ: &str = "idx_notifications_user_read";
/// Rows read per backfill query.
const BATCH: u64 = 500;

fn application_key() -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(APPLICATION_KEY)
        .from(Notifications::Table, Notifications::RelatedApplicationId)
        .to(Applications::Table, Applications::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// The table `name` in the shape before (`after` false) or after this migration.
fn shape(name: &str, after: bool) -> TableCreateStatement {
    use Notifications as N;
    let mut table = Table::create();
    table
        .table(Alias::new(name))
        .col(ColumnDef::new(N::Id).uuid().not_null().primary_key())
        .col(ColumnDef::new(N::UserId).uuid().not_null())
        .col(ColumnDef::new(N::RelatedApplicationId).uuid())
        .col(ColumnDef::new(N::Title).string_len(255).not_null())
        .col(ColumnDef::new(N::Message).text().not_null())
        .col(ColumnDef::new(N::Type).string_len(50))
        .col(ColumnDef::new(N::Link).string_len(500))
        .col(ColumnDef::new(N::Read).boolean().not_null().default(false))
        .col(ColumnDef::new(N::CreatedAt).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(N::UpdatedAt).timestamp_with_time_zone().not_null())
        .foreign_key(
            ForeignKey::create()
                .name("fk_notifications_user")
                .from(Alias::new(name), N::UserId)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    if after {
        table.col(search_column()).foreign_key(
            ForeignKey::create()
                .name(APPLICATION_KEY)
                .from(Alias::new(name), N::RelatedApplicationId)
                .to(Applications::Table, Applications::Id)
                .on_delete(ForeignKeyAction::Cascade),
        );
    }
    table
}

fn search_column() -> ColumnDef {
    ColumnDef::new(Notifications::SearchFolded).text().not_null().default("").to_owned()
}

fn index(name: &str, columns: &[Notifications]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Notifications::Table);
    for column in columns {
        index.col(column.clone());
    }
    index
}

fn by_user_read() -> IndexCreateStatement {
    use Notifications as N;
    index(BY_USER_READ, &[N::UserId, N::Read, N::CreatedAt])
}

/// SQLite: replaces `notifications` by the same rows in the shape before or after this migration.
async fn rebuild(manager: &SchemaManager<'_>, after: bool) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    manager.create_table(shape(REBUILT, after)).await?;
    conn.execute_unprepared(&format!("INSERT INTO {REBUILT} ({COPIED}) SELECT {COPIED} FROM notifications")).await?;
    manager.drop_table(Table::drop().table(Notifications::Table).to_owned()).await?;
    conn.execute_unprepared(&format!("ALTER TABLE {REBUILT} RENAME TO notifications")).await?;
    manager.create_index(by_user_read()).await
}

/// Deletes the notifications about an application that no longer exists.
async fn delete_orphans(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Notifications as N;
    let existing = Query::select().column(Applications::Id).from(Applications::Table).to_owned();
    let orphans = Query::delete()
        .from_table(N::Table)
        .and_where(Expr::col(N::RelatedApplicationId).is_not_null())
        .and_where(Expr::col(N::RelatedApplicationId).not_in_subquery(existing))
        .to_owned();
    let backend = manager.get_database_backend();
    manager.get_connection().execute_raw(StatementBuilder::build(&orphans, &backend)).await?;
    Ok(())
}

async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Notifications as N;
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select();
        select.columns([N::Id, N::Title, N::Message]).from(N::Table).order_by(N::Id, Order::Asc).limit(BATCH);
        if let Some(after) = after {
            select.and_where(Expr::col(N::Id).gt(after));
        }
        let rows = conn.query_all_raw(StatementBuilder::build(&select, &backend)).await?;
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let title: String = row.try_get("", "title")?;
            let message: String = row.try_get("", "message")?;
            let update = Query::update()
                .table(N::Table)
                .value(N::SearchFolded, fold_fields([title.as_str(), message.as_str()]))
                .and_where(Expr::col(N::Id).eq(id))
                .to_owned();
            conn.execute_raw(StatementBuilder::build(&update, &backend)).await?;
            after = Some(id);
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (PostgreSQL's default): a rebuild interrupted half-way leaves the table
    /// as it was.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        delete_orphans(manager).await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            rebuild(manager, true).await?;
        } else {
            manager.alter_table(Table::alter().table(N::Table).add_column(search_column()).to_owned()).await?;
            manager.create_foreign_key(application_key()).await?;
        }
        backfill(manager).await?;
        manager.create_index(index(BY_APPLICATION, &[N::RelatedApplicationId])).await?;
        manager.create_index(index(BY_USER_DATE, &[N::UserId, N::CreatedAt])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        for name in [BY_USER_DATE, BY_APPLICATION] {
            manager.drop_index(Index::drop().name(name).table(N::Table).to_owned()).await?;
        }
        if manager.get_database_backend() == DbBackend::Sqlite {
            return rebuild(manager, false).await;
        }
        manager.drop_foreign_key(ForeignKey::drop().name(APPLICATION_KEY).table(N::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(N::Table).drop_column(N::SearchFolded).to_owned()).await
    }
}
