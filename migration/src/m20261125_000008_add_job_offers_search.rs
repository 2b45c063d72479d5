//! Offer search (B8): folded copies of the searched text, written by the SQL adapter with every offer
//! (`seeg_domain::search::fold`, the same function on every backend) and backfilled here for existing rows.
//!
//! - `title_folded`: ranks title matches first;
//! - `department_folded`: the `department` filter;
//! - `search_folded`: title, description, department and location (`JobOffer::search_folded`), what `q` matches.
//!
//! On PostgreSQL a trigram GIN index (`pg_trgm`, shipped with PostgreSQL and trusted since 13, so the database
//! owner may create it) serves `search_folded LIKE '%term%'`. SQLite scans: no index of its serves a
//! substring, and the embedded default holds few offers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, StatementBuilder};
use seeg_domain::offers::search_folded;
use seeg_domain::search::fold;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum JobOffers {
    Table,
    Id,
    Title,
    Description,
    Department,
    Location,
    TitleFolded,
    DepartmentFolded,
    SearchFolded,
}

/// Rows read per backfill query.
const BATCH: u64 = 500;

async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let mut after: Option<Uuid> = None;
    loop {
        let mut select = Query::select();
        select
            .columns([
                JobOffers::Id,
                JobOffers::Title,
                JobOffers::Description,
                JobOffers::Department,
                JobOffers::Location,
            ])
            .from(JobOffers::Table)
            .order_by(JobOffers::Id, Order::Asc)
            .limit(BATCH);
        if let Some(after) = after {
            select.and_where(Expr::col(JobOffers::Id).gt(after));
        }
        let rows = conn.query_all_raw(StatementBuilder::build(&select, &backend)).await?;
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let title: String = row.try_get("", "title")?;
            let description: String = row.try_get("", "description")?;
            let department: Option<String> = row.try_get("", "department")?;
            let location: String = row.try_get("", "location")?;
            let update = Query::update()
                .table(JobOffers::Table)
                .values([
                    (JobOffers::TitleFolded, fold(&title).into()),
                    (JobOffers::DepartmentFolded, department.as_deref().map(fold).into()),
                    (
                        JobOffers::SearchFolded,
                        search_folded(&title, &description, department.as_deref(), &location).into(),
                    ),
                ])
                .and_where(Expr::col(JobOffers::Id).eq(id))
                .to_owned();
            conn.execute_raw(StatementBuilder::build(&update, &backend)).await?;
            after = Some(id);
        }
        if (rows.len() as u64) < BATCH {
            return Ok(());
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            ColumnDef::new(JobOffers::TitleFolded).text().not_null().default("").to_owned(),
            ColumnDef::new(JobOffers::DepartmentFolded).text().null().to_owned(),
            ColumnDef::new(JobOffers::SearchFolded).text().not_null().default("").to_owned(),
        ] {
            manager.alter_table(Table::alter().table(JobOffers::Table).add_column(column).to_owned()).await?;
        }
        backfill(manager).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let conn = manager.get_connection();
            conn.execute_unprepared("CREATE EXTENSION IF NOT EXISTS pg_trgm").await?;
            conn.execute_unprepared(
                "CREATE INDEX idx_job_offers_search_trgm ON job_offers USING gin (search_folded gin_trgm_ops)",
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            // The extension stays: other databases objects may use it, and it holds no data.
            manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS idx_job_offers_search_trgm").await?;
        }
        for column in [JobOffers::SearchFolded, JobOffers::DepartmentFolded, JobOffers::TitleFolded] {
            manager.alter_table(Table::alter().table(JobOffers::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}
