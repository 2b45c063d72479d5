//! Indexes of the staff reads (issue 16; docs/query-plans.md). Indexes only: no table, no data change.
//! - `idx_applications_status_created` on `applications (status, created_at DESC, id DESC)`: the staff list
//!   filtered by status (`status_filter`) reads its page in order from it and counts its total from it alone; the
//!   statistics' `GROUP BY status` streams it on SQLite without a temp B-tree.
//! - `idx_users_sexe` on `users (sexe, id)`: the recruitment dashboard counts the candidates who applied by `sexe`
//!   (`EXISTS` over their applications) from this narrow index instead of the accounts' rows, already grouped.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Status,
    CreatedAt,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Sexe,
    Id,
}

const STATUS_CREATED: &str = "idx_applications_status_created";
const USERS_SEXE: &str = "idx_users_sexe";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(STATUS_CREATED)
                    .table(Applications::Table)
                    .col(Applications::Status)
                    .col((Applications::CreatedAt, IndexOrder::Desc))
                    .col((Applications::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name(USERS_SEXE).table(Users::Table).col(Users::Sexe).col(Users::Id).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(USERS_SEXE).table(Users::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(STATUS_CREATED).table(Applications::Table).to_owned()).await
    }
}
