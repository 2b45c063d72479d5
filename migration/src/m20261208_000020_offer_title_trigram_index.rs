//! The offer search's title index (B8, P3). A search lists the offers whose title matches first, newest first, and
//! reads only as many as the page needs; on PostgreSQL a trigram GIN index on `title_folded` finds those titles
//! without visiting the other matches (a term found in 4 % of descriptions but no title answers from the index
//! alone). Index only: no table, no data change. SQLite has no index that serves a substring: nothing there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            // pg_trgm is there since 000008.
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE INDEX idx_job_offers_title_trgm ON job_offers USING gin (title_folded gin_trgm_ops)",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS idx_job_offers_title_trgm").await?;
        }
        Ok(())
    }
}
