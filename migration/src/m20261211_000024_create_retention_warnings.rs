//! `retention_warnings` (B7): when the retention job warned an inactive candidate that its account will be erased.
//! One row per account (the key is the account), replaced when the account is warned again after new activity;
//! it goes with the account (`ON DELETE CASCADE`). The key is also the foreign key's index (I9).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RetentionWarnings {
    Table,
    UserId,
    WarnedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RetentionWarnings as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(ColumnDef::new(W::UserId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(W::WarnedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_retention_warnings_user")
                            .from(W::Table, W::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RetentionWarnings::Table).to_owned()).await
    }
}
