//! `application_drafts` (legacy §2.7, R27): one draft per (candidate, offer), the primary key itself. The legacy
//! DDL also had an `id` without default that the model never wrote, so inserts failed on a migrated database
//! (D25): there is no surrogate id here. `form_data` and `ui_state` are JSON objects (`{}` when cleared);
//! timestamps are NOT NULL. Deleting the account or the offer deletes its drafts (legacy cascades kept).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobOffers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApplicationDrafts {
    Table,
    UserId,
    JobOfferId,
    FormData,
    UiState,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ApplicationDrafts as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(ColumnDef::new(D::UserId).uuid().not_null())
                    .col(ColumnDef::new(D::JobOfferId).uuid().not_null())
                    .col(ColumnDef::new(D::FormData).json_binary().not_null())
                    .col(ColumnDef::new(D::UiState).json_binary().not_null())
                    .col(ColumnDef::new(D::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(D::UpdatedAt).timestamp_with_time_zone().not_null())
                    // Its first column also serves the user foreign key.
                    .primary_key(Index::create().name("pk_application_drafts").col(D::UserId).col(D::JobOfferId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_drafts_user")
                            .from(D::Table, D::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_drafts_job_offer")
                            .from(D::Table, D::JobOfferId)
                            .to(JobOffers::Table, JobOffers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The offer foreign key: its cascade looks drafts up by offer.
        manager
            .create_index(
                Index::create().name("idx_application_drafts_job_offer").table(D::Table).col(D::JobOfferId).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApplicationDrafts::Table).to_owned()).await
    }
}
