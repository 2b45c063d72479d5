//! `interview_slots` (legacy §2.9, R31, I7) with `recruiter_id` and `sequence` (the ICS invitation's SEQUENCE,
//! B4). `date` (`YYYY-MM-DD`) and `time` (`HH:MM:SS`) stay the legacy fixed-width strings: they sort and compare
//! as the day and time do, on SQLite and PostgreSQL alike. An occupied (date, time) is unique: a partial unique
//! index over the slots that are not cancelled, so the database decides between concurrent bookings and a
//! cancelled slot frees its time (I7).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum InterviewSlots {
    Table,
    Id,
    ApplicationId,
    CandidateName,
    JobTitle,
    Date,
    Time,
    Status,
    IsAvailable,
    Location,
    Notes,
    RecruiterId,
    Sequence,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use InterviewSlots as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::ApplicationId).uuid().not_null())
                    .col(ColumnDef::new(S::CandidateName).string_len(255))
                    .col(ColumnDef::new(S::JobTitle).string_len(255))
                    .col(ColumnDef::new(S::Date).string_len(10).not_null())
                    .col(ColumnDef::new(S::Time).string_len(8).not_null())
                    .col(ColumnDef::new(S::Status).string_len(20).not_null().default("scheduled"))
                    .col(ColumnDef::new(S::IsAvailable).boolean().not_null().default(false))
                    .col(ColumnDef::new(S::Location).string_len(255))
                    .col(ColumnDef::new(S::Notes).text())
                    .col(ColumnDef::new(S::RecruiterId).uuid())
                    .col(ColumnDef::new(S::Sequence).integer().not_null().default(0))
                    .col(ColumnDef::new(S::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(S::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interview_slots_application")
                            .from(S::Table, S::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    // Accounts are deactivated, not deleted (I10); were one deleted, its bookings stay.
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_interview_slots_recruiter")
                            .from(S::Table, S::RecruiterId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name("ux_interview_slots_occupied")
                .table(S::Table)
                .col(S::Date)
                .col(S::Time)
                .unique()
                .and_where(Expr::col(S::Status).ne("cancelled"))
                .to_owned(),
            Index::create().name("idx_interview_slots_date_time").table(S::Table).col(S::Date).col(S::Time).to_owned(),
            Index::create().name("idx_interview_slots_application_id").table(S::Table).col(S::ApplicationId).to_owned(),
            Index::create().name("idx_interview_slots_status").table(S::Table).col(S::Status).to_owned(),
            Index::create().name("idx_interview_slots_recruiter_id").table(S::Table).col(S::RecruiterId).to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InterviewSlots::Table).to_owned()).await
    }
}
