//! `upload_reservations`: the per-user quota of pending uploads (S11). One row per request that stored
//! documents no application names yet: its maximum while it runs, what it stored once refused; deleted in the
//! transaction that attaches its documents. Rows older than the sweep's grace period no longer count and are
//! deleted at the user's next reservation. Deleting the account deletes its rows.

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum UploadReservations {
    Table,
    Id,
    UserId,
    Bytes,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UploadReservations::Table)
                    .col(ColumnDef::new(UploadReservations::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(UploadReservations::UserId).uuid().not_null())
                    .col(ColumnDef::new(UploadReservations::Bytes).big_integer().not_null())
                    .col(ColumnDef::new(UploadReservations::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_upload_reservations_user")
                            .from(UploadReservations::Table, UploadReservations::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_upload_reservations_user_created")
                    .table(UploadReservations::Table)
                    .col(UploadReservations::UserId)
                    .col(UploadReservations::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UploadReservations::Table).to_owned()).await
    }
}
