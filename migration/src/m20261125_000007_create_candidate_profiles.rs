//! `candidate_profiles` (legacy §2.3): one per candidate account, created at the first application (R24) or when
//! the candidate first saves it. `skills` is a JSON list (the legacy `varchar[]` broke on every update, D24);
//! timestamps are NOT NULL (D25).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CandidateProfiles {
    Table,
    Id,
    UserId,
    Address,
    Availability,
    BirthDate,
    CurrentDepartment,
    CurrentPosition,
    CvUrl,
    Education,
    ExpectedSalaryMin,
    ExpectedSalaryMax,
    Gender,
    LinkedinUrl,
    PortfolioUrl,
    Skills,
    YearsExperience,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CandidateProfiles as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(P::UserId).uuid().not_null())
                    .col(ColumnDef::new(P::Address).text())
                    .col(ColumnDef::new(P::Availability).text())
                    .col(ColumnDef::new(P::BirthDate).date())
                    .col(ColumnDef::new(P::CurrentDepartment).text())
                    .col(ColumnDef::new(P::CurrentPosition).text())
                    .col(ColumnDef::new(P::CvUrl).string_len(500))
                    .col(ColumnDef::new(P::Education).text())
                    .col(ColumnDef::new(P::ExpectedSalaryMin).integer())
                    .col(ColumnDef::new(P::ExpectedSalaryMax).integer())
                    .col(ColumnDef::new(P::Gender).text())
                    .col(ColumnDef::new(P::LinkedinUrl).string_len(500))
                    .col(ColumnDef::new(P::PortfolioUrl).string_len(500))
                    .col(ColumnDef::new(P::Skills).json_binary().not_null())
                    .col(ColumnDef::new(P::YearsExperience).integer())
                    .col(ColumnDef::new(P::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(P::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_candidate_profiles_user")
                            .from(P::Table, P::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_candidate_profiles_user").table(P::Table).col(P::UserId).unique().to_owned(),
            )
            .await?;
        // The recruiter dashboard groups candidates by gender and experience (legacy indexes).
        manager
            .create_index(
                Index::create()
                    .name("idx_candidate_profiles_gender_experience")
                    .table(P::Table)
                    .col(P::Gender)
                    .col(P::YearsExperience)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CandidateProfiles::Table).to_owned()).await
    }
}
