//! `users`: every account (candidates and staff), legacy columns (legacy §2.1) and CHECKs on the enumerations.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Email,
    FirstName,
    LastName,
    Role,
    Phone,
    DateOfBirth,
    Sexe,
    Matricule,
    HashedPassword,
    EmailVerified,
    LastLogin,
    IsActive,
    IsInternalCandidate,
    Adresse,
    CandidateStatus,
    Statut,
    PosteActuel,
    AnneesExperience,
    NoSeegEmail,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Users::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Users::FirstName).string_len(100).not_null())
                    .col(ColumnDef::new(Users::LastName).string_len(100).not_null())
                    .col(
                        ColumnDef::new(Users::Role)
                            .string_len(20)
                            .not_null()
                            .default("candidate")
                            .check(Expr::col(Users::Role).is_in(["candidate", "recruiter", "admin", "observer"])),
                    )
                    .col(ColumnDef::new(Users::Phone).string_len(20))
                    .col(ColumnDef::new(Users::DateOfBirth).date())
                    .col(ColumnDef::new(Users::Sexe).string_len(1).check(Expr::col(Users::Sexe).is_in(["M", "F"])))
                    .col(ColumnDef::new(Users::Matricule).integer())
                    .col(ColumnDef::new(Users::HashedPassword).string().not_null())
                    .col(ColumnDef::new(Users::EmailVerified).boolean().not_null().default(false))
                    .col(ColumnDef::new(Users::LastLogin).timestamp_with_time_zone())
                    .col(ColumnDef::new(Users::IsActive).boolean().not_null().default(true))
                    .col(ColumnDef::new(Users::IsInternalCandidate).boolean().not_null().default(false))
                    .col(ColumnDef::new(Users::Adresse).text())
                    .col(
                        ColumnDef::new(Users::CandidateStatus)
                            .string_len(10)
                            .check(Expr::col(Users::CandidateStatus).is_in(["interne", "externe"])),
                    )
                    .col(
                        ColumnDef::new(Users::Statut).string_len(20).not_null().default("actif").check(
                            Expr::col(Users::Statut).is_in(["actif", "en_attente", "inactif", "bloqué", "archivé"]),
                        ),
                    )
                    .col(ColumnDef::new(Users::PosteActuel).text())
                    .col(ColumnDef::new(Users::AnneesExperience).integer())
                    .col(ColumnDef::new(Users::NoSeegEmail).boolean().not_null().default(false))
                    .col(ColumnDef::new(Users::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Users::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_users_email").table(Users::Table).col(Users::Email).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_matricule")
                    .table(Users::Table)
                    .col(Users::Matricule)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_role_statut")
                    .table(Users::Table)
                    .col(Users::Role)
                    .col(Users::Statut)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_users_created_at").table(Users::Table).col(Users::CreatedAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Users::Table).to_owned()).await
    }
}
