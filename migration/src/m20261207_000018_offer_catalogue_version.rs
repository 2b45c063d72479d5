//! `offer_catalogue_version`: one row whose `version` grows with every write to `job_offers`, in the writing
//! transaction, whatever wrote it (the use cases, a migration, an operator's SQL), by a trigger. The offer reads
//! cache their answers under the version they read first (P2 in docs/decisions.md): an answer cached under an older
//! version is never served, in this process or any other sharing the database.
//!
//! The version never goes back, even across a `migrate down`/`up` or a restored backup as far as the clock goes:
//! it starts at the current time in microseconds since 1970 and each bump takes the larger of one more and the
//! current time (a process that still reads a smaller version than it saw clears its cache, `OfferReads`).
//!
//! PostgreSQL bumps once per statement (`FOR EACH STATEMENT`, truncation included), *before* the statement touches
//! any offer: a transaction locks the version row before any offer row, so two transactions writing offers queue on
//! that row rather than deadlock on offer rows taken in different orders. The trigger fires in replica sessions too
//! (`ENABLE ALWAYS`), names its table with the trigger's schema, and fails the write if the row is missing rather
//! than leave caches unaware. SQLite, which has no statement triggers, bumps once per row; its single writer
//! cannot deadlock. Offer writes take turns on the row; they are rare (staff publishing offers).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OfferCatalogueVersion {
    Table,
    Id,
    Version,
}

/// Microseconds since 1970, now.
const POSTGRES_NOW_MICROS: &str = "(extract(epoch FROM clock_timestamp()) * 1000000)::bigint";
const SQLITE_NOW_MICROS: &str = "CAST((julianday('now') - 2440587.5) * 86400000000.0 AS INTEGER)";

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION seeg_offer_catalogue_bump() RETURNS trigger LANGUAGE plpgsql AS $$
     DECLARE bumped integer;
     BEGIN
       EXECUTE format(
         'UPDATE %I.offer_catalogue_version
          SET version = GREATEST(version + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
          WHERE id = 1', TG_TABLE_SCHEMA);
       GET DIAGNOSTICS bumped = ROW_COUNT;
       IF bumped <> 1 THEN
         RAISE EXCEPTION 'offer_catalogue_version has no row: offer reads could not see this write';
       END IF;
       RETURN NULL;
     END $$",
    "CREATE TRIGGER trg_job_offers_catalogue_version BEFORE INSERT OR UPDATE OR DELETE ON job_offers
     FOR EACH STATEMENT EXECUTE FUNCTION seeg_offer_catalogue_bump()",
    "CREATE TRIGGER trg_job_offers_catalogue_version_truncate BEFORE TRUNCATE ON job_offers
     FOR EACH STATEMENT EXECUTE FUNCTION seeg_offer_catalogue_bump()",
    "ALTER TABLE job_offers ENABLE ALWAYS TRIGGER trg_job_offers_catalogue_version",
    "ALTER TABLE job_offers ENABLE ALWAYS TRIGGER trg_job_offers_catalogue_version_truncate",
];

const POSTGRES_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS trg_job_offers_catalogue_version_truncate ON job_offers",
    "DROP TRIGGER IF EXISTS trg_job_offers_catalogue_version ON job_offers",
    "DROP FUNCTION IF EXISTS seeg_offer_catalogue_bump()",
];

const SQLITE_EVENTS: [&str; 3] = ["insert", "update", "delete"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OfferCatalogueVersion::Table)
                    .col(ColumnDef::new(OfferCatalogueVersion::Id).small_integer().not_null().primary_key())
                    .col(ColumnDef::new(OfferCatalogueVersion::Version).big_integer().not_null())
                    .check(Expr::col(OfferCatalogueVersion::Id).eq(1))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        let now = if postgres { POSTGRES_NOW_MICROS } else { SQLITE_NOW_MICROS };
        conn.execute_unprepared(&format!("INSERT INTO offer_catalogue_version (id, version) VALUES (1, {now})"))
            .await?;
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for statement in POSTGRES_UP {
                    conn.execute_unprepared(statement).await?;
                }
            }
            _ => {
                for event in SQLITE_EVENTS {
                    conn.execute_unprepared(&format!(
                        "CREATE TRIGGER trg_job_offers_catalogue_version_{event} AFTER {event} ON job_offers
                         BEGIN
                           SELECT RAISE(ABORT, 'offer_catalogue_version has no row')
                           WHERE NOT EXISTS (SELECT 1 FROM offer_catalogue_version WHERE id = 1);
                           UPDATE offer_catalogue_version SET version = MAX(version + 1, {SQLITE_NOW_MICROS}) WHERE id = 1;
                         END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                for statement in POSTGRES_DOWN {
                    conn.execute_unprepared(statement).await?;
                }
            }
            _ => {
                for event in SQLITE_EVENTS {
                    conn.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS trg_job_offers_catalogue_version_{event}"
                    ))
                    .await?;
                }
            }
        }
        manager.drop_table(Table::drop().table(OfferCatalogueVersion::Table).to_owned()).await
    }
}
