//! `job_offers` (legacy §2.4) with the enumerations checked and the indexes the public listing uses.

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobOffers {
    Table,
    Id,
    RecruiterId,
    Title,
    Description,
    Location,
    LocationFolded,
    ContractType,
    Department,
    SalaryMin,
    SalaryMax,
    SalaryNote,
    Requirements,
    Benefits,
    Responsibilities,
    Status,
    OfferStatus,
    ApplicationDeadline,
    DateLimite,
    StartDate,
    ReportingLine,
    Profile,
    CategorieMetier,
    JobGrade,
    QuestionsMtp,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobOffers::Table)
                    .col(ColumnDef::new(JobOffers::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(JobOffers::RecruiterId).uuid())
                    .col(ColumnDef::new(JobOffers::Title).string_len(200).not_null())
                    .col(ColumnDef::new(JobOffers::Description).text().not_null())
                    .col(ColumnDef::new(JobOffers::Location).string_len(100).not_null())
                    // `location` folded for search (seeg_domain::search::fold), written with it.
                    .col(ColumnDef::new(JobOffers::LocationFolded).text().not_null())
                    .col(ColumnDef::new(JobOffers::ContractType).string_len(50).not_null())
                    .col(ColumnDef::new(JobOffers::Department).string_len(100))
                    .col(ColumnDef::new(JobOffers::SalaryMin).big_integer())
                    .col(ColumnDef::new(JobOffers::SalaryMax).big_integer())
                    .col(ColumnDef::new(JobOffers::SalaryNote).string())
                    .col(ColumnDef::new(JobOffers::Requirements).json_binary())
                    .col(ColumnDef::new(JobOffers::Benefits).json_binary())
                    .col(ColumnDef::new(JobOffers::Responsibilities).json_binary())
                    .col(
                        ColumnDef::new(JobOffers::Status)
                            .string_len(20)
                            .not_null()
                            .default("active")
                            .check(Expr::col(JobOffers::Status).is_in(["draft", "active", "closed", "archived"])),
                    )
                    .col(
                        ColumnDef::new(JobOffers::OfferStatus)
                            .string_len(10)
                            .not_null()
                            .default("tous")
                            .check(Expr::col(JobOffers::OfferStatus).is_in(["tous", "interne", "externe"])),
                    )
                    .col(ColumnDef::new(JobOffers::ApplicationDeadline).timestamp_with_time_zone())
                    .col(ColumnDef::new(JobOffers::DateLimite).timestamp_with_time_zone())
                    .col(ColumnDef::new(JobOffers::StartDate).timestamp_with_time_zone())
                    .col(ColumnDef::new(JobOffers::ReportingLine).string())
                    .col(ColumnDef::new(JobOffers::Profile).text())
                    .col(ColumnDef::new(JobOffers::CategorieMetier).string())
                    .col(ColumnDef::new(JobOffers::JobGrade).string())
                    .col(ColumnDef::new(JobOffers::QuestionsMtp).json_binary())
                    .col(ColumnDef::new(JobOffers::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(JobOffers::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_offers_recruiter")
                            .from(JobOffers::Table, JobOffers::RecruiterId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_offers_recruiter_status")
                    .table(JobOffers::Table)
                    .col(JobOffers::RecruiterId)
                    .col(JobOffers::Status)
                    .to_owned(),
            )
            .await?;
        // Lists filter on status and visibility and read newest first: one index serves the whole query.
        manager
            .create_index(
                Index::create()
                    .name("idx_job_offers_listing")
                    .table(JobOffers::Table)
                    .col(JobOffers::Status)
                    .col(JobOffers::OfferStatus)
                    .col((JobOffers::CreatedAt, IndexOrder::Desc))
                    .col((JobOffers::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_offers_created_at")
                    .table(JobOffers::Table)
                    .col((JobOffers::CreatedAt, IndexOrder::Desc))
                    .col((JobOffers::Id, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(JobOffers::Table).to_owned()).await
    }
}
