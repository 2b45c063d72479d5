//! `outbox_events`: side effects written in the transaction that causes them, run by the relay (I2).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    Kind,
    Payload,
    State,
    Attempts,
    LastError,
    NextAttemptAt,
    LockedBy,
    LockedUntil,
    CreatedAt,
    ProcessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutboxEvents::Table)
                    .col(ColumnDef::new(OutboxEvents::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(OutboxEvents::Kind).string_len(100).not_null())
                    .col(ColumnDef::new(OutboxEvents::Payload).json_binary().not_null())
                    .col(
                        ColumnDef::new(OutboxEvents::State)
                            .string_len(10)
                            .not_null()
                            .default("pending")
                            .check(Expr::col(OutboxEvents::State).is_in(["pending", "done", "dead"])),
                    )
                    .col(ColumnDef::new(OutboxEvents::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(OutboxEvents::LastError).text())
                    .col(ColumnDef::new(OutboxEvents::NextAttemptAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OutboxEvents::LockedBy).string_len(200))
                    .col(ColumnDef::new(OutboxEvents::LockedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(OutboxEvents::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(OutboxEvents::ProcessedAt).timestamp_with_time_zone())
                    .to_owned(),
            )
            .await?;
        // The relay's claim reads pending rows by due time.
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_events_due")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::State)
                    .col(OutboxEvents::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_events_kind_state")
                    .table(OutboxEvents::Table)
                    .col(OutboxEvents::Kind)
                    .col(OutboxEvents::State)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OutboxEvents::Table).to_owned()).await
    }
}
