//! `idempotency_keys` (decision I4): the first successful response to a POST carrying an `Idempotency-Key`,
//! per caller, replayed for 24 hours.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Scope,
    Key,
    RequestHash,
    Status,
    ContentType,
    Body,
    CreatedAt,
    CompletedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use IdempotencyKeys as K;
        manager
            .create_table(
                Table::create()
                    .table(K::Table)
                    .col(ColumnDef::new(K::Scope).uuid().not_null())
                    .col(ColumnDef::new(K::Key).string_len(255).not_null())
                    .col(ColumnDef::new(K::RequestHash).string_len(64))
                    .col(ColumnDef::new(K::Status).integer())
                    .col(ColumnDef::new(K::ContentType).string_len(255))
                    .col(ColumnDef::new(K::Body).binary())
                    .col(ColumnDef::new(K::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(K::CompletedAt).timestamp_with_time_zone())
                    .primary_key(Index::create().name("pk_idempotency_keys").col(K::Scope).col(K::Key))
                    .to_owned(),
            )
            .await?;
        // Expired keys are found by age.
        manager
            .create_index(
                Index::create().name("idx_idempotency_keys_created").table(K::Table).col(K::CreatedAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned()).await
    }
}
