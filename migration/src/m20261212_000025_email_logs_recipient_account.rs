//! `email_logs.user_id`: the account a message was addressed to, when it was one (the use cases know it: a
//! password reset, a status change, an interview invitation, a hand-written message to an account's address). The
//! erasure (B7) finds a person's mail by it, including mail sent to an address the account had before an
//! administrator changed it, which the address alone no longer finds.
//!
//! Nullable: messages to no account (the support inbox, an address that is nobody's) have none. No foreign key:
//! accounts are never deleted (an erased one keeps its emptied row), and SQLite cannot add one to an existing
//! table. Indexed for the erasure's lookup. Backfilled from the account whose address (stored lower-cased) is a
//! row's only recipient when this runs and that existed when the row was written. Rows with copies, or to an
//! address no account holds now, stay without one, and the erasure finds those by the address alone, as before.
//! An address moved from one account to an older one before this runs gives that one the earlier holder's rows
//! (nothing says when an address changed); the mail queued from this migration on is found whatever happens.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailLogs {
    Table,
    UserId,
}

const USER_INDEX: &str = "idx_email_logs_user";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailLogs::Table)
                    .add_column(ColumnDef::new(EmailLogs::UserId).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name(USER_INDEX).table(EmailLogs::Table).col(EmailLogs::UserId).to_owned())
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE email_logs SET user_id = \
                 (SELECT users.id FROM users WHERE users.email = lower(email_logs.\"to\") \
                 AND users.created_at <= email_logs.created_at) \
                 WHERE user_id IS NULL",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(USER_INDEX).table(EmailLogs::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(EmailLogs::Table).drop_column(EmailLogs::UserId).to_owned()).await
    }
}
