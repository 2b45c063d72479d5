//! The index of the analytics' time to hire (B5). Index only: no table, no data change.
//! - `idx_app_history_status_application` on `application_history (new_status, application_id, changed_at)`: the
//!   rows entering `embauche` (a quarter of the history at most) read from the index alone, an index-only scan on
//!   PostgreSQL and a covering index on SQLite, instead of every history row (at 100 000 rows, BENCHMARKS.md
//!   "Analytics"). The funnel and the stage durations read every history row of the applications in scope: the
//!   history's own `(application_id, changed_at)` index serves them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApplicationHistory {
    Table,
    NewStatus,
    ApplicationId,
    ChangedAt,
}

const STATUS_APPLICATION: &str = "idx_app_history_status_application";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(STATUS_APPLICATION)
                    .table(ApplicationHistory::Table)
                    .col(ApplicationHistory::NewStatus)
                    .col(ApplicationHistory::ApplicationId)
                    .col(ApplicationHistory::ChangedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(STATUS_APPLICATION).table(ApplicationHistory::Table).to_owned()).await
    }
}
