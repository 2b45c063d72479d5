//! `offer_catalogue_version`: one row whose `version` grows with every write to `job_offers`, in the writing
//! transaction, whatever wrote it (the use cases, a migration, an operator's SQL), by a trigger. The offer reads
//! cache their answers under the version they read first (P2 in docs/decisions.md): an answer cached under an older
//! version is never served, in this process or any other sharing the database.
//!
//! PostgreSQL bumps once per statement (`FOR EACH STATEMENT`, truncation included); SQLite, which has no statement
//! triggers, once per row. Either way the row is locked by the first offer write of a transaction until it commits,
//! so offer writes take turns; they are rare (staff publishing offers) and each touches one offer.

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

const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION seeg_offer_catalogue_bump() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       UPDATE offer_catalogue_version SET version = version + 1 WHERE id = 1;
       RETURN NULL;
     END $$",
    "CREATE TRIGGER trg_job_offers_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON job_offers
     FOR EACH STATEMENT EXECUTE FUNCTION seeg_offer_catalogue_bump()",
    "CREATE TRIGGER trg_job_offers_catalogue_version_truncate AFTER TRUNCATE ON job_offers
     FOR EACH STATEMENT EXECUTE FUNCTION seeg_offer_catalogue_bump()",
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
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(OfferCatalogueVersion::Table)
                    .columns([OfferCatalogueVersion::Id, OfferCatalogueVersion::Version])
                    .values_panic([1.into(), 0.into()])
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
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
                         BEGIN UPDATE offer_catalogue_version SET version = version + 1 WHERE id = 1; END"
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
