//! The migration chain on an empty database: up, all the way down, up again, on SQLite and PostgreSQL; and every
//! foreign key has an index whose first column is the key (CONVENTIONS 13, I9).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::similar_names)] // tests fail loudly

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use seeg_migration::{Migrator, MigratorTrait, SchemaManager};
use seeg_tests::{Backend, TestDatabase, on_backends};

const TABLES: [&str; 10] = [
    "users",
    "job_offers",
    "outbox_events",
    "seeg_agents",
    "refresh_tokens",
    "access_requests",
    "notifications",
    "audit_events",
    "password_resets",
    "applications",
];

async fn tables_present(conn: &DatabaseConnection) -> Vec<&'static str> {
    let manager = SchemaManager::new(conn);
    let mut present = Vec::new();
    for table in TABLES {
        if manager.has_table(table).await.unwrap() {
            present.push(table);
        }
    }
    present
}

async fn up_down_up_on_an_empty_database(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let conn = Database::connect(&db.url).await.unwrap();
    assert!(tables_present(&conn).await.is_empty());

    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(tables_present(&conn).await, TABLES);
    assert!(Migrator::get_pending_migrations(&conn).await.unwrap().is_empty());

    Migrator::down(&conn, None).await.unwrap();
    assert!(tables_present(&conn).await.is_empty(), "every down drops what its up created");

    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(tables_present(&conn).await, TABLES);
    let manager = SchemaManager::new(&conn);
    assert!(manager.has_column("users", "search_folded").await.unwrap());
    assert!(manager.has_column("job_offers", "search_folded").await.unwrap());
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert!(!manager.has_table("applications").await.unwrap(), "the last down drops the applications");
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert!(!manager.has_column("job_offers", "search_folded").await.unwrap(), "then the offer search columns");
    assert!(!manager.has_column("job_offers", "title_folded").await.unwrap());
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert!(!manager.has_table("password_resets").await.unwrap(), "the next one drops the reset tokens");
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert!(!manager.has_column("users", "search_folded").await.unwrap(), "the next one drops the search column");
    Migrator::up(&conn, None).await.unwrap();
    conn.close().await.unwrap();
}

async fn every_foreign_key_has_an_index(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();

    let (all_keys, unindexed) = match conn.get_database_backend() {
        DbBackend::Postgres => (
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'",
            "SELECT c.conrelid::regclass::text, c.conname FROM pg_constraint c WHERE c.contype = 'f' AND NOT EXISTS \
             (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])",
        ),
        _ => (
            "SELECT m.name, f.\"from\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            "SELECT m.name, f.\"from\" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND NOT EXISTS (SELECT 1 FROM pragma_index_list(m.name) il \
             JOIN pragma_index_info(il.name) ii WHERE ii.seqno = 0 AND ii.name = f.\"from\")",
        ),
    };
    let rows = |sql: &str| {
        let conn = &conn;
        let statement = Statement::from_string(conn.get_database_backend(), sql.to_owned());
        async move {
            conn.query_all_raw(statement)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    format!("{}.{}", r.try_get_by_index::<String>(0).unwrap(), r.try_get_by_index::<String>(1).unwrap())
                })
                .collect::<Vec<_>>()
        }
    };
    assert!(!rows(all_keys).await.is_empty(), "the check must see the schema's foreign keys");
    assert_eq!(rows(unindexed).await, Vec::<String>::new(), "foreign keys without an index");
    conn.close().await.unwrap();
}

/// Offers written before the search columns existed are found by the search once migrated (B8).
async fn the_offer_search_columns_are_backfilled(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    // Back to before the search columns (the applications table, then the search migration).
    Migrator::down(&conn, Some(2)).await.unwrap();
    let now = seeg_tests::offers::base_time();
    let columns = [
        "id",
        "title",
        "description",
        "location",
        "location_folded",
        "contract_type",
        "department",
        "status",
        "offer_status",
        "created_at",
        "updated_at",
    ];
    let insert = Query::insert()
        .into_table(Alias::new("job_offers"))
        .columns(columns.map(Alias::new))
        .values_panic([
            uuid::Uuid::from_u128(7).into(),
            "Ingénieur ÉLECTRICITÉ".into(),
            "Réseaux de distribution du Grand Libreville".into(),
            "Libreville".into(),
            "libreville".into(),
            "CDI".into(),
            "Direction de l'Énergie".into(),
            "active".into(),
            "tous".into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute_raw(conn.get_database_backend().build(&insert)).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();

    let select = Query::select()
        .columns(["title_folded", "department_folded", "search_folded"].map(Alias::new))
        .from(Alias::new("job_offers"))
        .to_owned();
    let row = conn.query_one_raw(conn.get_database_backend().build(&select)).await.unwrap().unwrap();
    assert_eq!(row.try_get::<String>("", "title_folded").unwrap(), "ingenieur electricite");
    assert_eq!(
        row.try_get::<Option<String>>("", "department_folded").unwrap().as_deref(),
        Some("direction de l'energie")
    );
    let search: String = row.try_get("", "search_folded").unwrap();
    assert!(search.contains("reseaux de distribution") && search.ends_with("libreville"), "{search}");
    conn.close().await.unwrap();
}

on_backends!(Sqlite, Postgres =>
    up_down_up_on_an_empty_database,
    every_foreign_key_has_an_index,
    the_offer_search_columns_are_backfilled,
);
