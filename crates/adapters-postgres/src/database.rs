//! The connection, migrations, the unit of work and the health probe.

use std::time::Duration;

use anyhow::Context as _;
use async_trait::async_trait;
use sea_orm::sea_query::Expr;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, PaginatorTrait, QuerySelect, QueryTrait, RuntimeErr, Select, SqlErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use seeg_application::health::Probe;
use seeg_application::identity::{
    AccessRequestWriter, AuditWriter, NotificationWriter, RefreshTokenWriter, UserWriter,
};
use seeg_application::offers::OfferWriter;
use seeg_application::outbox::OutboxAppender;
use seeg_application::{Outage, Page, PageOf, StoreError, Transaction, UnitOfWork};
use seeg_migration::{Migrator, MigratorTrait};

use crate::query_spans::QuerySpans;

/// The database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("URL de base de données non prise en charge (attendu postgres://… ou sqlite:…)")]
    UnsupportedUrl,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// One applied or pending migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub name: String,
    pub applied: bool,
}

/// A pool of connections to PostgreSQL or SQLite. Clones share the pool.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) conn: DatabaseConnection,
    /// The live notifications' subscribers in this process (B3).
    pub(crate) live: std::sync::Arc<crate::live::LiveBus>,
    /// The `db.query` spans, when `trace_statements` was called (O4).
    spans: Option<std::sync::Arc<QuerySpans>>,
    /// The exclusive locks' state (O6): in-process locks on SQLite, the bound on lock-holding connections.
    pub(crate) locks: std::sync::Arc<crate::locks::LockState>,
}

impl Database {
    /// Opens a pool. A SQLite file and its folder are created when missing; SQLite runs in WAL mode so readers
    /// never wait for the writer.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DatabaseError> {
        Self::connect_with(url, max_connections, Duration::from_secs(10)).await
    }

    /// `connect`, a request waiting at most `acquire_timeout` for a connection (or for the database to accept a
    /// new one) before it fails `Unavailable` (O7).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> Result<Self, DatabaseError> {
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(max_connections)
            .connect_timeout(Duration::from_secs(5).min(acquire_timeout))
            .acquire_timeout(acquire_timeout)
            .sqlx_logging(false);
        if url.starts_with("sqlite:") {
            if let Some(folder) = sqlite_folder(url) {
                std::fs::create_dir_all(folder).map_err(|e| DbErr::Custom(format!("dossier de la base : {e}")))?;
            }
            options.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        } else if !url.starts_with("postgres://") && !url.starts_with("postgresql://") {
            return Err(DatabaseError::UnsupportedUrl);
        }
        Ok(Self {
            conn: sea_orm::Database::connect(options).await?,
            live: std::sync::Arc::default(),
            spans: None,
            locks: std::sync::Arc::new(crate::locks::LockState::new(max_connections)),
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.conn.get_database_backend() == DatabaseBackend::Sqlite
    }

    /// Applies the pending migrations, all in ONE transaction on one connection (see `migrating`).
    pub async fn migrate_up(&self) -> Result<(), DatabaseError> {
        let tx = self.migrating().await?;
        Migrator::up(&tx, None).await?;
        Ok(tx.commit().await?)
    }

    /// Reverts the last `steps` migrations, or all of them with `None`.
    pub async fn migrate_down(&self, steps: Option<u32>) -> Result<(), DatabaseError> {
        let tx = self.migrating().await?;
        Migrator::down(&tx, steps).await?;
        Ok(tx.commit().await?)
    }

    /// Drops every table and migrates from scratch.
    pub async fn migrate_fresh(&self) -> Result<(), DatabaseError> {
        let tx = self.migrating().await?;
        Migrator::fresh(&tx).await?;
        Ok(tx.commit().await?)
    }

    /// The transaction a migration run uses. sea-orm-migration wraps each step in a transaction on PostgreSQL
    /// only; on SQLite each statement takes a pooled connection, and since a connection goes back to the pool
    /// asynchronously, a loaded machine opens new ones mid-run. A connection that created a table while another
    /// created its unique index keeps a schema without the index, and its next `INSERT … ON CONFLICT` fails to
    /// prepare (SQLite reloads a stale schema for a missing table, not for a missing index): seen under CI load.
    /// One transaction pins the whole run to one connection, and a failed run leaves nothing half-applied on
    /// either backend.
    async fn migrating(&self) -> Result<DatabaseTransaction, DatabaseError> {
        Ok(self.conn.begin().await?)
    }

    pub async fn migration_status(&self) -> Result<Vec<MigrationStatus>, DatabaseError> {
        let applied = Migrator::get_applied_migrations(&self.conn).await?;
        let applied: Vec<String> = applied.iter().map(|m| m.name().to_owned()).collect();
        Ok(Migrator::migrations()
            .iter()
            .map(|m| MigrationStatus { name: m.name().to_owned(), applied: applied.iter().any(|a| a == m.name()) })
            .collect())
    }

    /// Calls `observe` with the SQL of every statement this handle runs from now on; its clones made afterwards
    /// share the observer, other handles on the same pool do not. Tests use it to prove a use case's number of
    /// queries does not grow with the data (no N+1).
    pub fn observe_statements(&mut self, observe: impl Fn(&str) + Send + Sync + 'static) {
        let spans = self.spans.clone();
        self.conn.set_metric_callback(move |info| {
            if let Some(spans) = &spans {
                spans.record(info);
            }
            observe(&info.statement.sql);
        });
    }

    /// Makes every statement this handle runs from now on a `db.query` span, a child of the span current where it
    /// runs (O4); its clones made afterwards do the same. Call it only when traces are exported, after the tracer
    /// provider is installed: without it a statement costs no tracing at all.
    pub fn trace_statements(&mut self) {
        let system = if self.is_sqlite() { "sqlite" } else { "postgresql" };
        let spans = std::sync::Arc::new(QuerySpans::new(system));
        self.spans = Some(std::sync::Arc::clone(&spans));
        self.conn.set_metric_callback(move |info| spans.record(info));
    }

    pub async fn close(self) -> Result<(), DatabaseError> {
        self.live.stop();
        Ok(self.conn.close().await?)
    }
}

fn sqlite_folder(url: &str) -> Option<&std::path::Path> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
}

/// Maps a database error to the port's error: unique violations become `Conflict`, an outage (O7) `Unavailable`.
pub(crate) fn store_error(error: DbErr) -> StoreError {
    if let Some(SqlErr::UniqueConstraintViolation(detail)) = error.sql_err() {
        return StoreError::Conflict(detail);
    }
    match outage(&error) {
        Some(kind) => StoreError::Unavailable { kind, cause: anyhow::Error::new(error) },
        None => StoreError::Unexpected(anyhow::Error::new(error)),
    }
}

/// Whether `error` says the database cannot serve for now rather than that the statement is wrong (O7): no
/// connection to be had, the connection lost, the server shutting down or starting, or its disk full.
pub(crate) fn outage(error: &DbErr) -> Option<Outage> {
    use sea_orm::sqlx::Error as Sqlx;
    let driver = match error {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return Some(Outage::Unreachable),
        _ => return None,
    };
    match &**driver {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::Protocol(_) => Some(Outage::Unreachable),
        Sqlx::Database(e) => {
            let code = e.code().unwrap_or_default();
            if e.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_some() {
                // SQLite's primary result code is the low byte of its extended one: SQLITE_FULL (13); SQLITE_BUSY
                // (5), SQLITE_LOCKED (6) past the busy timeout and SQLITE_IOERR (10) are for now.
                return match code.parse::<i32>().map(|n| n & 0xff) {
                    Ok(13) => Some(Outage::Full),
                    Ok(5 | 6 | 10) => Some(Outage::Unreachable),
                    _ => None,
                };
            }
            // PostgreSQL's SQLSTATE: disk_full; a deadlock's victim, a serialisation failure (rolled back
            // whole); connection exceptions (08…), admin or crash shutdown, cannot connect now, too many
            // connections, out of memory, read-only transaction (a standby after a failover), I/O error.
            match &*code {
                "53100" => Some(Outage::Full),
                "40P01" | "40001" => Some(Outage::Contended),
                c if c.starts_with("08") => Some(Outage::Unreachable),
                "57P01" | "57P02" | "57P03" | "53300" | "53200" | "25006" | "58030" => Some(Outage::Unreachable),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The alias of the total in list queries.
const TOTAL: &str = "total_matches";

/// One page of an ordered `select` (one entity, filtered: no `GROUP BY` nor `DISTINCT`) and the number of all its
/// rows. One round trip in the common case: the total rides along each row as an uncorrelated scalar subquery,
/// `(SELECT COUNT(*) FROM … WHERE <the same filter>)`, which both databases evaluate once and answer from an index
/// where one covers the filter; the page itself stops after `skip + limit` rows of the ordering index. (A window
/// `COUNT(*) OVER ()` would make the database read, and sort, every matching row to hand out the first 50: 11 ms
/// on PostgreSQL, 16 ms on SQLite at 10 000 applications, against 1.5 ms and 0.1 ms.) Only a page past the end (no
/// row to carry the total) needs a second query.
pub(crate) async fn fetch_page<E>(
    conn: &DatabaseConnection,
    select: Select<E>,
    page: Page,
) -> Result<PageOf<E::Model>, StoreError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let mut counted = select.clone().into_query();
    counted.clear_selects().clear_order_by().expr(Expr::cust("COUNT(*)"));
    let total = Expr::SubQuery(None, Box::new(counted.into()));
    let paged = select.clone().column_as(total, TOTAL).offset(page.skip).limit(page.limit);
    let rows = conn.query_all_raw(paged.build(conn.get_database_backend())).await.map_err(store_error)?;
    let total = match rows.first() {
        Some(row) => u64::try_from(row.try_get::<i64>("", TOTAL).map_err(store_error)?).unwrap_or_default(),
        None if page.skip == 0 && page.limit > 0 => 0,
        None => select.count(conn).await.map_err(store_error)?,
    };
    let items =
        rows.iter().map(|row| E::Model::from_query_result(row, "").map_err(store_error)).collect::<Result<_, _>>()?;
    Ok(PageOf { items, total })
}

/// An open transaction; every port's writer is a view of it.
pub(crate) struct SqlTransaction {
    pub(crate) tx: DatabaseTransaction,
    /// SQLite: the live signals to publish once committed (PostgreSQL sends them inside the transaction).
    pub(crate) signals: Vec<seeg_application::live::Signal>,
    pub(crate) live: std::sync::Arc<crate::live::LiveBus>,
}

#[async_trait]
impl UnitOfWork for Database {
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError> {
        // SQLite: take the write lock at BEGIN, so two writers queue on the busy timeout instead of failing
        // when a read would otherwise be upgraded to a write.
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        let tx = self.conn.begin_with_options(options).await.map_err(store_error)?;
        Ok(Box::new(SqlTransaction { tx, signals: Vec::new(), live: std::sync::Arc::clone(&self.live) }))
    }
}

#[async_trait]
impl Transaction for SqlTransaction {
    fn offers(&mut self) -> &mut dyn OfferWriter {
        self
    }

    fn outbox(&mut self) -> &mut dyn OutboxAppender {
        self
    }

    fn users(&mut self) -> &mut dyn UserWriter {
        self
    }

    fn access_requests(&mut self) -> &mut dyn AccessRequestWriter {
        self
    }

    fn notifications(&mut self) -> &mut dyn NotificationWriter {
        self
    }

    fn audit(&mut self) -> &mut dyn AuditWriter {
        self
    }

    fn refresh_tokens(&mut self) -> &mut dyn RefreshTokenWriter {
        self
    }

    fn password_resets(&mut self) -> &mut dyn seeg_application::identity::PasswordResetWriter {
        self
    }

    fn candidate_profiles(&mut self) -> &mut dyn seeg_application::identity::CandidateProfileWriter {
        self
    }

    fn applications(&mut self) -> &mut dyn seeg_application::applications::ApplicationWriter {
        self
    }

    fn drafts(&mut self) -> &mut dyn seeg_application::applications::drafts::DraftWriter {
        self
    }

    fn uploads(&mut self) -> &mut dyn seeg_application::applications::UploadLedger {
        self
    }

    fn evaluations(&mut self) -> &mut dyn seeg_application::evaluations::EvaluationWriter {
        self
    }

    fn interview_slots(&mut self) -> &mut dyn seeg_application::interviews::InterviewSlotWriter {
        self
    }

    fn email_logs(&mut self) -> &mut dyn seeg_application::mail::EmailLogWriter {
        self
    }

    fn erasure(&mut self) -> &mut dyn seeg_application::privacy::ErasureWriter {
        self
    }

    fn retention_warnings(&mut self) -> &mut dyn seeg_application::privacy::RetentionWarningWriter {
        self
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let Self { tx, signals, live } = *self;
        tx.commit().await.map_err(store_error)?;
        Self::publish(&live, signals);
        Ok(())
    }
}

#[async_trait]
impl Probe for Database {
    async fn check(&self) -> anyhow::Result<()> {
        self.conn.ping().await.context("ping de la base de données")
    }
}

impl seeg_application::monitoring::ConnectionPool for Database {
    fn pool_use(&self) -> seeg_application::monitoring::PoolUse {
        let (size, idle, max) = if self.is_sqlite() {
            let pool = self.conn.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        } else {
            let pool = self.conn.get_postgres_connection_pool();
            (pool.size(), pool.num_idle(), pool.options().get_max_connections())
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        seeg_application::monitoring::PoolUse { in_use: size - idle, idle, max }
    }
}

/// Rows one housekeeping statement deletes at most (O3): a backlog (the first pass over months of handled events)
/// is deleted in many short statements, so SQLite's write lock and a PostgreSQL statement are held briefly, and other
/// writers go on between them.
pub(crate) const DELETE_BATCH: u64 = 5_000;

/// Deletes the rows of `E` that match `condition`, `DELETE_BATCH` at a time (`key IN (SELECT key … LIMIT n)`, each
/// batch its own statement), until a batch finds fewer; the rows deleted in all.
pub(crate) async fn delete_in_batches<E: sea_orm::EntityTrait>(
    conn: &DatabaseConnection,
    key: E::Column,
    condition: sea_orm::Condition,
) -> Result<u64, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let mut removed = 0;
    loop {
        let batch = sea_orm::sea_query::Query::select()
            .column(key)
            .from(E::default())
            .cond_where(condition.clone())
            .limit(DELETE_BATCH)
            .to_owned();
        let deleted =
            E::delete_many().filter(key.in_subquery(batch)).exec(conn).await.map_err(store_error)?.rows_affected;
        removed += deleted;
        if deleted < DELETE_BATCH {
            return Ok(removed);
        }
        tokio::task::yield_now().await;
    }
}
