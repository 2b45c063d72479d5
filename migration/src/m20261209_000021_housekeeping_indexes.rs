//! Indexes of housekeeping's deletes (`Housekeeping`, `[housekeeping]`). Indexes only: no table, no data change.
//! - `idx_outbox_events_done` on `outbox_events (processed_at) WHERE state = 'done'`: the handled events past the
//!   retention, found without reading the pending and dead ones (partial: the relay's writes to pending events
//!   never touch it).
//! - `idx_refresh_tokens_expires` on `refresh_tokens (expires_at)` and `idx_password_resets_expires` on
//!   `password_resets (expires_at)`: the expired tokens, found without reading every session.
//!
//! `idempotency_keys (created_at)` has its index since 000010.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    ExpiresAt,
}

const OUTBOX_DONE: &str = "idx_outbox_events_done";
const REFRESH_EXPIRES: &str = "idx_refresh_tokens_expires";
const RESETS_EXPIRES: &str = "idx_password_resets_expires";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index: the same statement on PostgreSQL and SQLite.
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {OUTBOX_DONE} ON outbox_events (processed_at) WHERE state = 'done'"
            ))
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(REFRESH_EXPIRES)
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(RESETS_EXPIRES)
                    .table(PasswordResets::Table)
                    .col(PasswordResets::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(RESETS_EXPIRES).table(PasswordResets::Table).to_owned()).await?;
        manager.drop_index(Index::drop().name(REFRESH_EXPIRES).table(RefreshTokens::Table).to_owned()).await?;
        manager.get_connection().execute_unprepared(&format!("DROP INDEX IF EXISTS {OUTBOX_DONE}")).await?;
        Ok(())
    }
}
