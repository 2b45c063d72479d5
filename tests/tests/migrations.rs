//! The migration chain on an empty database: up, all the way down, up again, on SQLite and PostgreSQL; and every
//! foreign key has an index whose first column is the key (CONVENTIONS 13, I9).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::similar_names)] // tests fail loudly

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use seeg_migration::{Migrator, MigratorTrait, SchemaManager};
use seeg_tests::{Backend, TestDatabase, on_backends};

const TABLES: [&str; 24] = [
    "users",
    "job_offers",
    "outbox_events",
    "seeg_agents",
    "refresh_tokens",
    "access_requests",
    "notifications",
    "audit_events",
    "password_resets",
    "candidate_profiles",
    "idempotency_keys",
    "applications",
    "application_documents",
    "application_history",
    "application_drafts",
    "protocol1_evaluations",
    "protocol2_evaluations",
    "evaluation_changes",
    "interview_slots",
    "email_logs",
    "user_mail_preferences",
    "offer_catalogue_version",
    "account_erasures",
    "retention_warnings",
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
    // Newest first, one step at a time: each down undoes its own up, and only it.
    let manager = SchemaManager::new(&conn);
    // (table, column): the step drops the column, or the whole table when no column is named.
    let undone_by = |name: &str| -> Option<(&'static str, Option<&'static str>)> {
        match name {
            "m20261206_000016_notifications_application_fk" => Some(("notifications", Some("search_folded"))),
            "m20261211_000023_create_account_erasures" => Some(("account_erasures", None)),
            "m20261211_000024_create_retention_warnings" => Some(("retention_warnings", None)),
            "m20261212_000025_email_logs_recipient_account" => Some(("email_logs", Some("user_id"))),
            "m20261206_000017_create_email_logs" => Some(("email_logs", None)),
            "m20261207_000018_offer_catalogue_version" => Some(("offer_catalogue_version", None)),
            "m20261205_000015_create_interview_slots" => Some(("interview_slots", None)),
            "m20261205_000014_create_evaluations" => Some(("protocol1_evaluations", None)),
            "m20261125_000012_create_application_drafts" => Some(("application_drafts", None)),
            "m20261125_000011_create_application_documents_and_history" => Some(("application_history", None)),
            "m20261125_000010_create_idempotency_keys" => Some(("idempotency_keys", None)),
            "m20261125_000009_create_applications" => Some(("applications", None)),
            "m20261125_000008_add_job_offers_search" => Some(("job_offers", Some("search_folded"))),
            "m20261125_000007_create_candidate_profiles" => Some(("candidate_profiles", None)),
            "m20261125_000006_create_password_resets" => Some(("password_resets", None)),
            "m20261125_000005_add_users_search_folded" => Some(("users", Some("search_folded"))),
            _ => None,
        }
    };
    let mut checked = 0;
    loop {
        let applied = Migrator::get_applied_migrations(&conn).await.unwrap();
        let Some(last) = applied.last().map(|m| m.name().to_owned()) else { break };
        Migrator::down(&conn, Some(1)).await.unwrap();
        assert_eq!(Migrator::get_applied_migrations(&conn).await.unwrap().len(), applied.len() - 1, "{last}");
        match undone_by(&last) {
            Some((table, None)) => assert!(!manager.has_table(table).await.unwrap(), "{last} drops {table}"),
            Some((table, Some(column))) => {
                assert!(manager.has_table(table).await.unwrap(), "{last} keeps {table}");
                assert!(!manager.has_column(table, column).await.unwrap(), "{last} drops {table}.{column}");
            }
            None => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 16, "every checked step was met");
    assert!(tables_present(&conn).await.is_empty());
    Migrator::up(&conn, None).await.unwrap();
    conn.close().await.unwrap();
}

/// Undoes the migration `name` and every one applied after it, counted from what is applied, so that a migration
/// added later does not shift the step a test goes back to.
async fn down_to_before(conn: &DatabaseConnection, name: &str) {
    let applied = Migrator::get_applied_migrations(conn).await.unwrap();
    let own = applied.iter().position(|m| m.name() == name).unwrap();
    Migrator::down(conn, Some(u32::try_from(applied.len() - own).unwrap())).await.unwrap();
}

/// After start-up migrations, every pooled connection prepares `INSERT … ON CONFLICT` against the new unique
/// indexes: concurrent writers get different connections, so each one of the pool is exercised.
async fn every_pooled_connection_sees_the_migrated_schema(backend: Backend) {
    use seeg_domain::identity::CandidateProfile;
    let db = TestDatabase::create(backend).await;
    let database = seeg_adapters_postgres::Database::connect(&db.url, 5).await.unwrap();
    database.migrate_up().await.unwrap();
    let ports = seeg_tests::ports_of(&database);
    let saves = (0..20).map(|i| {
        let ports = &ports;
        async move {
            let account = seeg_tests::users::user(&format!("pool{i}@exemple.ga"));
            let profile = CandidateProfile::seeded_from(&account, account.id, account.created_at);
            let mut tx = ports.uow.begin().await.unwrap();
            tx.users().insert(&account).await.unwrap();
            tx.candidate_profiles().save(&profile).await.unwrap();
            tx.commit().await.unwrap();
        }
    });
    futures_util::future::join_all(saves).await;
    database.close().await.unwrap();
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
    // Back to before the search columns: undo every step from the newest down to the search migration.
    while let Some(last) = Migrator::get_applied_migrations(&conn).await.unwrap().last().map(|m| m.name().to_owned()) {
        Migrator::down(&conn, Some(1)).await.unwrap();
        if last == "m20261125_000008_add_job_offers_search" {
            break;
        }
    }
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

/// Notifications written before their application key existed: the ones about a deleted application are deleted,
/// the others kept and found by `q`; once migrated, deleting an application deletes its notifications; the way
/// back keeps every row.
async fn notifications_get_their_application_key(backend: Backend) {
    use seeg_application::identity::{Notification, NotificationFilter, NotificationSort};
    use seeg_application::{IdGenerator, Page, SystemIds, UnitOfWork};
    use seeg_domain::applications::ApplicationStatus;

    let db = TestDatabase::create(backend).await;
    let database = db.connect().await;
    let conn = Database::connect(&db.url).await.unwrap();
    let ports = seeg_tests::ports_of(&database);
    let candidate = seeg_tests::users::user("notifie@exemple.ga");
    let mut tx = ports.uow.begin().await.unwrap();
    tx.users().insert(&candidate).await.unwrap();
    tx.commit().await.unwrap();
    let offer = seeg_tests::offers::offer("Technicien", 0);
    seeg_tests::insert_offers(&*ports.uow, std::slice::from_ref(&offer)).await;
    let uow: &dyn UnitOfWork = &database;
    let kept = seeg_tests::applications::seed(uow, candidate.id, offer.id, ApplicationStatus::Candidature).await;

    // Back to before 000016 (every later step goes too).
    down_to_before(&conn, "m20261206_000016_notifications_application_fk").await;
    let now = seeg_tests::offers::base_time();
    let mut ids = Vec::new();
    for (title, about) in
        [("Dossier reçu", Some(kept.id)), ("Dossier supprimé", Some(SystemIds.new_id())), ("Libre", None)]
    {
        let id = SystemIds.new_id();
        ids.push(id);
        let columns =
            ["id", "user_id", "related_application_id", "title", "message", "type", "read", "created_at", "updated_at"];
        let insert = Query::insert()
            .into_table(Alias::new("notifications"))
            .columns(columns.map(Alias::new))
            .values_panic([
                id.into(),
                candidate.id.into(),
                about.into(),
                title.into(),
                "Votre candidature ÉVOLUE".into(),
                "system".into(),
                false.into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        conn.execute_raw(conn.get_database_backend().build(&insert)).await.unwrap();
    }
    Migrator::up(&conn, None).await.unwrap();

    let all = Page { skip: 0, limit: 10 };
    let listed = |filter: NotificationFilter| {
        let ports = &ports;
        let user = candidate.id;
        async move {
            let found = ports.notifications.list(user, &filter, all, NotificationSort::default()).await.unwrap();
            let mut found: Vec<_> = found.items.iter().map(|n: &Notification| n.id).collect();
            found.sort();
            found
        }
    };
    let mut expected = vec![ids[0], ids[2]];
    expected.sort();
    assert_eq!(listed(NotificationFilter::default()).await, expected, "the orphan is deleted, the rest kept");
    let q = NotificationFilter { q: Some("evolue".into()), ..NotificationFilter::default() };
    assert_eq!(listed(q).await, expected, "search_folded is backfilled");

    let mut tx = ports.uow.begin().await.unwrap();
    assert!(tx.applications().delete(kept.id, None).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(listed(NotificationFilter::default()).await, [ids[2]], "gone with its application");

    Migrator::down(&conn, Some(2)).await.unwrap();
    let count =
        Query::select().expr(sea_orm::sea_query::Expr::cust("COUNT(*)")).from(Alias::new("notifications")).to_owned();
    let row = conn.query_one_raw(conn.get_database_backend().build(&count)).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 1, "the way back keeps the rows");
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(listed(NotificationFilter::default()).await, [ids[2]]);
    conn.close().await.unwrap();
    database.close().await.unwrap();
}

/// E-mail log rows written before they named their account learn it from the account whose address is their only
/// recipient (ignoring case) and that existed when they were written; rows with copies, to nobody's address, or
/// older than the account, stay without; the way back keeps the rows.
async fn email_logs_learn_the_account_they_were_addressed_to(backend: Backend) {
    use seeg_application::{IdGenerator, SystemIds};

    let db = TestDatabase::create(backend).await;
    let database = db.connect().await;
    let conn = Database::connect(&db.url).await.unwrap();
    let ports = seeg_tests::ports_of(&database);
    let account = seeg_tests::users::user("destinataire@exemple.ga");
    let mut tx = ports.uow.begin().await.unwrap();
    tx.users().insert(&account).await.unwrap();
    tx.commit().await.unwrap();

    down_to_before(&conn, "m20261212_000025_email_logs_recipient_account").await;
    let before = account.created_at - chrono::TimeDelta::days(1);
    let rows = [
        ("Destinataire@Exemple.ga", account.created_at, Some(account.id)),
        ("destinataire@exemple.ga", before, None),
        ("destinataire@exemple.ga, copie@seeg-gabon.com", account.created_at, None),
        ("personne@exemple.ga", account.created_at, None),
    ]
    .map(|(to, at, expected)| (SystemIds.new_id(), to, at, expected));
    for (id, to, at, _) in rows {
        let columns = ["id", "to", "subject", "html", "category", "status", "attempts", "created_at", "updated_at"];
        let insert = Query::insert()
            .into_table(Alias::new("email_logs"))
            .columns(columns.map(Alias::new))
            .values_panic([
                id.into(),
                to.into(),
                "Bonjour".into(),
                "<p>Bonjour</p>".into(),
                "sent".into(),
                "sent".into(),
                1.into(),
                at.into(),
                at.into(),
            ])
            .to_owned();
        conn.execute_raw(conn.get_database_backend().build(&insert)).await.unwrap();
    }
    Migrator::up(&conn, None).await.unwrap();
    for (id, to, _, expected) in rows {
        let log = ports.email_logs.get(id).await.unwrap().expect("kept");
        assert_eq!(log.user_id, expected, "{to}");
    }

    down_to_before(&conn, "m20261212_000025_email_logs_recipient_account").await;
    let count =
        Query::select().expr(sea_orm::sea_query::Expr::cust("COUNT(*)")).from(Alias::new("email_logs")).to_owned();
    let row = conn.query_one_raw(conn.get_database_backend().build(&count)).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 4, "the way back keeps the rows");
    Migrator::up(&conn, None).await.unwrap();
    conn.close().await.unwrap();
    database.close().await.unwrap();
}

/// The catalogue version (P2) starts at the clock and never goes back, even across `down` and `up` again.
async fn the_catalogue_version_never_goes_back(backend: Backend) {
    use seeg_application::{Clock as _, SystemClock};
    let db = TestDatabase::create(backend).await;
    let database = seeg_adapters_postgres::Database::connect(&db.url, 2).await.unwrap();
    database.migrate_up().await.unwrap();
    let ports = seeg_tests::ports_of(&database);
    let start = ports.offers.version().await.unwrap();
    let micros = SystemClock.now().timestamp_micros();
    assert!((micros - 60_000_000..=micros).contains(&start), "the clock at migration: {start} against {micros}");
    seeg_tests::insert_offers(ports.uow.as_ref(), &[seeg_tests::offers::offer("Une offre", 0)]).await;
    let written = ports.offers.version().await.unwrap();
    assert!(written > start);

    // Back to before 000018 (every later step goes too), then up again: the table is made anew.
    let conn = Database::connect(&db.url).await.unwrap();
    down_to_before(&conn, "m20261207_000018_offer_catalogue_version").await;
    assert!(!SchemaManager::new(&conn).has_table("offer_catalogue_version").await.unwrap());
    Migrator::up(&conn, None).await.unwrap();
    conn.close().await.unwrap();
    assert!(ports.offers.version().await.unwrap() > written, "a new table starts past every earlier version");
    database.close().await.unwrap();
}

/// PostgreSQL: a transaction writing offers in several statements and another writing one of the same offers queue
/// on the version row (taken before any offer row) instead of deadlocking.
async fn offer_writers_queue_instead_of_deadlocking(backend: Backend) {
    use sea_orm::TransactionTrait as _;
    let db = TestDatabase::create(backend).await;
    let database = seeg_adapters_postgres::Database::connect(&db.url, 2).await.unwrap();
    database.migrate_up().await.unwrap();
    let ports = seeg_tests::ports_of(&database);
    let (first, second) = (seeg_tests::offers::offer("Première", 0), seeg_tests::offers::offer("Seconde", 1));
    seeg_tests::insert_offers(ports.uow.as_ref(), &[first.clone(), second.clone()]).await;
    let rename = |id: uuid::Uuid, title: &str| {
        Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE job_offers SET title = $1 WHERE id = $2",
            [title.into(), id.into()],
        )
    };
    let one = Database::connect(&db.url).await.unwrap();
    let other = Database::connect(&db.url).await.unwrap();
    let tx = one.begin().await.unwrap();
    tx.execute_raw(rename(first.id, "Première, revue")).await.unwrap();
    // The other writer's single statement waits on the version row the first transaction holds.
    let waiting = tokio::spawn(async move { other.execute_raw(rename(second.id, "Seconde, par l'autre")).await });
    let watch = Database::connect(&db.url).await.unwrap();
    seeg_tests::eventually::eventually("the second writer waits on a lock", async || {
        let waits = Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        let row = watch.query_one_raw(waits).await.unwrap().unwrap();
        (row.try_get_by_index::<i64>(0).unwrap() == 1).then_some(())
    })
    .await;
    tx.execute_raw(rename(second.id, "Seconde, revue")).await.unwrap();
    tx.commit().await.unwrap();
    waiting.await.unwrap().expect("the second writer went through after the first, no deadlock");
    let stored = ports.offers.get(second.id).await.unwrap().unwrap();
    assert_eq!(stored.title, "Seconde, par l'autre");
    watch.close().await.unwrap();
    database.close().await.unwrap();
}

/// Housekeeping's indexes (000021) exist after the chain, go with their step's down, and come back with its up.
async fn the_housekeeping_indexes_come_and_go_with_their_step(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    let manager = SchemaManager::new(&conn);
    let indexes = [
        ("outbox_events", "idx_outbox_events_done"),
        ("refresh_tokens", "idx_refresh_tokens_expires"),
        ("password_resets", "idx_password_resets_expires"),
    ];
    for (table, index) in indexes {
        assert!(manager.has_index(table, index).await.unwrap(), "{index}");
    }
    down_to_before(&conn, "m20261209_000021_housekeeping_indexes").await;
    for (table, index) in indexes {
        assert!(manager.has_table(table).await.unwrap(), "{table} stays");
        assert!(!manager.has_index(table, index).await.unwrap(), "{index} dropped");
    }
    Migrator::up(&conn, None).await.unwrap();
    for (table, index) in indexes {
        assert!(manager.has_index(table, index).await.unwrap(), "{index} again");
    }
    conn.close().await.unwrap();
}

/// The analytics' index (000022) exists after the chain, goes with its step's down, and comes back with its up.
async fn the_analytics_index_comes_and_goes_with_its_step(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let conn = Database::connect(&db.url).await.unwrap();
    Migrator::up(&conn, None).await.unwrap();
    let manager = SchemaManager::new(&conn);
    let (table, index) = ("application_history", "idx_app_history_status_application");
    assert!(manager.has_index(table, index).await.unwrap(), "{index}");
    down_to_before(&conn, "m20261210_000022_analytics_history_index").await;
    assert!(manager.has_table(table).await.unwrap(), "{table} stays");
    assert!(!manager.has_index(table, index).await.unwrap(), "{index} dropped");
    Migrator::up(&conn, None).await.unwrap();
    assert!(manager.has_index(table, index).await.unwrap(), "{index} again");
    conn.close().await.unwrap();
}

/// Row locks and deadlocks are PostgreSQL's concern: SQLite has one writer at a time.
mod locks {
    use super::*;
    on_backends!(Postgres => offer_writers_queue_instead_of_deadlocking);
}

on_backends!(Sqlite, Postgres =>
    the_catalogue_version_never_goes_back,
    notifications_get_their_application_key,
    email_logs_learn_the_account_they_were_addressed_to,
    up_down_up_on_an_empty_database,
    every_foreign_key_has_an_index,
    every_pooled_connection_sees_the_migrated_schema,
    the_offer_search_columns_are_backfilled,
    the_housekeeping_indexes_come_and_go_with_their_step,
    the_analytics_index_comes_and_goes_with_its_step,
);
