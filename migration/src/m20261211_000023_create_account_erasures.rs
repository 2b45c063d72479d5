//! `account_erasures`: one row per account whose personal data were erased (B7): when, by which administrator
//! (none for the retention job), why, whether applications in progress were closed to allow it, and how many
//! documents went. Its presence is what makes a second erasure answer the first one. Kept as long as the account's
//! row (the row itself stays, emptied of its personal values).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountErasures {
    Table,
    UserId,
    ErasedAt,
    ErasedBy,
    Reason,
    Forced,
    ApplicationsClosed,
    DocumentsDeleted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountErasures::Table)
                    .col(ColumnDef::new(AccountErasures::UserId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AccountErasures::ErasedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AccountErasures::ErasedBy).uuid().null())
                    .col(ColumnDef::new(AccountErasures::Reason).text().not_null())
                    .col(ColumnDef::new(AccountErasures::Forced).boolean().not_null())
                    .col(ColumnDef::new(AccountErasures::ApplicationsClosed).integer().not_null())
                    .col(ColumnDef::new(AccountErasures::DocumentsDeleted).integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_account_erasures_user")
                            .from(AccountErasures::Table, AccountErasures::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AccountErasures::Table).to_owned()).await
    }
}
