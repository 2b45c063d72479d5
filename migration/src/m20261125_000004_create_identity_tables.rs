//! The identity capability's tables: `seeg_agents` (employee reference list, loaded by `seeg agents import`),
//! `refresh_tokens` (stored hashed, by family, for rotation and reuse detection, S4), `access_requests`
//! (legacy §2.13, R35), `notifications` (legacy §2.10, uuid ids, F3) and `audit_events` (B2, append-only).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SeegAgents {
    Table,
    Matricule,
    Nom,
    Prenom,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    UserId,
    FamilyId,
    TokenHash,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AccessRequests {
    Table,
    Id,
    UserId,
    Email,
    FirstName,
    LastName,
    Phone,
    Matricule,
    RequestType,
    Status,
    RejectionReason,
    Viewed,
    CreatedAt,
    ReviewedAt,
    ReviewedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    RelatedApplicationId,
    Title,
    Message,
    Type,
    Link,
    Read,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    ActorId,
    Action,
    TargetType,
    TargetId,
    RequestId,
    Changes,
    OccurredAt,
}

fn index(name: &str, table: impl IntoIden, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(Alias::new(*column));
    }
    index
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SeegAgents::Table)
                    .col(ColumnDef::new(SeegAgents::Matricule).integer().not_null().primary_key())
                    .col(ColumnDef::new(SeegAgents::Nom).string_len(100))
                    .col(ColumnDef::new(SeegAgents::Prenom).string_len(100))
                    .col(ColumnDef::new(SeegAgents::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SeegAgents::UpdatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(ColumnDef::new(RefreshTokens::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(RefreshTokens::UserId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                    .col(ColumnDef::new(RefreshTokens::TokenHash).string_len(64).not_null())
                    .col(ColumnDef::new(RefreshTokens::IssuedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RefreshTokens::ExpiresAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RefreshTokens::UsedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(RefreshTokens::RevokedAt).timestamp_with_time_zone())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refresh_tokens_user")
                            .from(RefreshTokens::Table, RefreshTokens::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_refresh_tokens_user", RefreshTokens::Table, &["user_id"])).await?;
        manager.create_index(index("idx_refresh_tokens_family", RefreshTokens::Table, &["family_id"])).await?;
        manager
            .create_index(index("ux_refresh_tokens_hash", RefreshTokens::Table, &["token_hash"]).unique().to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessRequests::Table)
                    .col(ColumnDef::new(AccessRequests::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AccessRequests::UserId).uuid().not_null())
                    .col(ColumnDef::new(AccessRequests::Email).string_len(254).not_null())
                    .col(ColumnDef::new(AccessRequests::FirstName).string_len(100))
                    .col(ColumnDef::new(AccessRequests::LastName).string_len(100))
                    .col(ColumnDef::new(AccessRequests::Phone).string_len(20))
                    .col(ColumnDef::new(AccessRequests::Matricule).string_len(20))
                    .col(
                        ColumnDef::new(AccessRequests::RequestType)
                            .string_len(40)
                            .not_null()
                            .default("internal_no_seeg_email"),
                    )
                    .col(
                        ColumnDef::new(AccessRequests::Status)
                            .string_len(10)
                            .not_null()
                            .default("pending")
                            .check(Expr::col(AccessRequests::Status).is_in(["pending", "approved", "rejected"])),
                    )
                    .col(ColumnDef::new(AccessRequests::RejectionReason).text())
                    .col(ColumnDef::new(AccessRequests::Viewed).boolean().not_null().default(false))
                    .col(ColumnDef::new(AccessRequests::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(AccessRequests::ReviewedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(AccessRequests::ReviewedBy).uuid())
                    .col(ColumnDef::new(AccessRequests::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_requests_user")
                            .from(AccessRequests::Table, AccessRequests::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_access_requests_reviewer")
                            .from(AccessRequests::Table, AccessRequests::ReviewedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_access_requests_user", AccessRequests::Table, &["user_id"])).await?;
        manager.create_index(index("idx_access_requests_reviewer", AccessRequests::Table, &["reviewed_by"])).await?;
        manager
            .create_index(index("idx_access_requests_status_viewed", AccessRequests::Table, &["status", "viewed"]))
            .await?;
        manager.create_index(index("idx_access_requests_created", AccessRequests::Table, &["created_at"])).await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(ColumnDef::new(Notifications::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Notifications::UserId).uuid().not_null())
                    // The applications table arrives with its capability; the foreign key with it.
                    .col(ColumnDef::new(Notifications::RelatedApplicationId).uuid())
                    .col(ColumnDef::new(Notifications::Title).string_len(255).not_null())
                    .col(ColumnDef::new(Notifications::Message).text().not_null())
                    .col(ColumnDef::new(Notifications::Type).string_len(50))
                    .col(ColumnDef::new(Notifications::Link).string_len(500))
                    .col(ColumnDef::new(Notifications::Read).boolean().not_null().default(false))
                    .col(ColumnDef::new(Notifications::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Notifications::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notifications_user")
                            .from(Notifications::Table, Notifications::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_notifications_user_read",
                Notifications::Table,
                &["user_id", "read", "created_at"],
            ))
            .await?;

        // Append-only and without foreign keys: the trail outlives what it describes.
        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(ColumnDef::new(AuditEvents::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AuditEvents::ActorId).uuid())
                    .col(ColumnDef::new(AuditEvents::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditEvents::TargetType).string_len(40))
                    .col(ColumnDef::new(AuditEvents::TargetId).string_len(64))
                    .col(ColumnDef::new(AuditEvents::RequestId).string_len(64))
                    .col(ColumnDef::new(AuditEvents::Changes).json_binary())
                    .col(ColumnDef::new(AuditEvents::OccurredAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_audit_events_occurred", AuditEvents::Table, &["occurred_at", "id"])).await?;
        manager.create_index(index("idx_audit_events_actor", AuditEvents::Table, &["actor_id", "occurred_at"])).await?;
        manager
            .create_index(index("idx_audit_events_target", AuditEvents::Table, &["target_type", "target_id"]))
            .await?;
        manager.create_index(index("idx_audit_events_action", AuditEvents::Table, &["action", "occurred_at"])).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["audit_events", "notifications", "access_requests", "refresh_tokens", "seeg_agents"] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
