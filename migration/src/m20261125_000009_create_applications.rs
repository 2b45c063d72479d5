//! `applications` (legacy §2.5), created with the offer side so that offers can count their applications and
//! refuse deletion while they have some (I10); the applications capability fills it.
//!
//! Kept: the legacy columns and the one-application-per-candidate-and-offer rule (I4). Changed: no cascade from
//! `job_offers` (deleting an offer with applications is refused, by the use case and, as a backstop, by this
//! foreign key), none from `users` either (accounts are archived, never deleted, I10). `NO ACTION` rather than
//! `RESTRICT`: both refuse at the end of the statement, but SQLite reports `NO ACTION` with the foreign-key error
//! code (787) that the adapter maps to a conflict, `RESTRICT` with a generic one. The legacy DDL leftovers
//! (`mtp_metier_q1`, …) are not carried over.

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
enum Applications {
    Table,
    Id,
    CandidateId,
    JobOfferId,
    Status,
    ReferenceContacts,
    AvailabilityStart,
    HasBeenManager,
    RefEntreprise,
    RefFullname,
    RefMail,
    RefContact,
    MtpAnswers,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Applications::Table)
                    .col(ColumnDef::new(Applications::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Applications::CandidateId).uuid().not_null())
                    .col(ColumnDef::new(Applications::JobOfferId).uuid().not_null())
                    .col(ColumnDef::new(Applications::Status).string_len(30).not_null().default("pending"))
                    .col(ColumnDef::new(Applications::ReferenceContacts).text())
                    .col(ColumnDef::new(Applications::AvailabilityStart).timestamp_with_time_zone())
                    .col(ColumnDef::new(Applications::HasBeenManager).boolean().not_null().default(false))
                    .col(ColumnDef::new(Applications::RefEntreprise).string_len(255))
                    .col(ColumnDef::new(Applications::RefFullname).string_len(255))
                    .col(ColumnDef::new(Applications::RefMail).string_len(255))
                    .col(ColumnDef::new(Applications::RefContact).string_len(50))
                    .col(ColumnDef::new(Applications::MtpAnswers).json_binary())
                    .col(ColumnDef::new(Applications::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Applications::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_candidate")
                            .from(Applications::Table, Applications::CandidateId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_applications_job_offer")
                            .from(Applications::Table, Applications::JobOfferId)
                            .to(JobOffers::Table, JobOffers::Id)
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .to_owned(),
            )
            .await?;
        // One application per candidate and offer (I4). Its first column also serves "a candidate's
        // applications" and the candidate foreign key, so no separate index on `candidate_id` is needed.
        manager
            .create_index(
                Index::create()
                    .name("uq_applications_candidate_job")
                    .table(Applications::Table)
                    .col(Applications::CandidateId)
                    .col(Applications::JobOfferId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // An offer's applications by status (lists, counts, the offer foreign key).
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_job_status")
                    .table(Applications::Table)
                    .col(Applications::JobOfferId)
                    .col(Applications::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_created_at")
                    .table(Applications::Table)
                    .col((Applications::CreatedAt, IndexOrder::Desc))
                    .col((Applications::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Applications::Table).to_owned()).await
    }
}
