//! `email_logs` (legacy §2.14, I8) and `user_mail_preferences` (B9).
//!
//! A log row's `id` IS the message id, which is also the id of the `mail.send` outbox event that sends it: one
//! id follows a message from the use case to the transport, and the primary key keeps it unique. The legacy
//! columns stay, with these meanings: `"to"` every recipient joined with `, `; `category` the send status
//! (legacy readers find `sent`/`failed` there; it also reads `queued` and `dead`), always equal to `status`,
//! the column new code reads; `email_metadata` `{"body_plain", "kind"}`; `sent_at` is null until the transport
//! takes the message. Added: `attempts` and `last_error` (a short failure category, never an address or a
//! server's text, S12).

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
enum EmailLogs {
    Table,
    Id,
    ApplicationId,
    To,
    Subject,
    Html,
    Category,
    ProviderMessageId,
    SentAt,
    EmailMetadata,
    Status,
    Attempts,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserMailPreferences {
    Table,
    UserId,
    EmailNonEssential,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EmailLogs as L;
        use UserMailPreferences as P;
        manager
            .create_table(
                Table::create()
                    .table(L::Table)
                    .col(ColumnDef::new(L::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(L::ApplicationId).uuid())
                    .col(ColumnDef::new(L::To).text().not_null())
                    .col(ColumnDef::new(L::Subject).string_len(500).not_null())
                    .col(ColumnDef::new(L::Html).text().not_null())
                    .col(ColumnDef::new(L::Category).string_len(50).not_null())
                    .col(ColumnDef::new(L::ProviderMessageId).string_len(255))
                    .col(ColumnDef::new(L::SentAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(L::EmailMetadata).json())
                    .col(ColumnDef::new(L::Status).string_len(20).not_null())
                    .col(ColumnDef::new(L::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(L::LastError).string_len(100))
                    .col(ColumnDef::new(L::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(L::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_email_logs_application")
                            .from(L::Table, L::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The admin list: newest first, all of them or one status; and the rows of one application.
        let indexes = [
            Index::create().name("idx_email_logs_created_at").table(L::Table).col(L::CreatedAt).col(L::Id).to_owned(),
            Index::create().name("idx_email_logs_status").table(L::Table).col(L::Status).col(L::CreatedAt).to_owned(),
            Index::create().name("idx_email_logs_application").table(L::Table).col(L::ApplicationId).to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(ColumnDef::new(P::UserId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(P::EmailNonEssential).boolean().not_null().default(true))
                    .col(ColumnDef::new(P::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_user_mail_preferences_user")
                            .from(P::Table, P::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UserMailPreferences::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EmailLogs::Table).to_owned()).await
    }
}
