//! The analytics' read model (B5): every figure in ONE statement per route, computed by the database from
//! `applications`, `application_history` and `job_offers` (never rows loaded to be counted or sorted here).
//!
//! Percentiles: PostgreSQL's `percentile_cont` (an ordered-set aggregate). SQLite has none, so the same
//! definition is written with window functions: each group's durations numbered in order (`ROW_NUMBER`) and
//! counted (`COUNT(*) OVER`), the two rows around position `p × (n − 1)` picked and interpolated, exactly as
//! PostgreSQL does (`first + (p × (n − 1) − floor) × (second − first)`, in double precision). Only the figures
//! leave the database, on both backends; the contract suite checks both against the same hand-computed values.
//!
//! Durations are whole seconds: each timestamp truncated to its second (`floor(EXTRACT(EPOCH …))` on
//! PostgreSQL, `strftime('%s', …)` over SQLite's RFC 3339 text), then subtracted.

use std::collections::BTreeMap;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseBackend, QueryResult, Statement, Value};
use seeg_application::StoreError;
use seeg_application::analytics::{
    AnalyticsFilter, AnalyticsReadModel, DepartmentDurations, Durations, FunnelCounts, MEDIAN, OfferDurations, P90,
    TimeToHire,
};
use seeg_domain::applications::ApplicationStatus;
use uuid::Uuid;

use crate::database::{Database, store_error};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The `WHERE` condition choosing the applications (`a`) of `filter`, its values appended to `values`
/// (placeholders `$n`, rewritten for SQLite by `statement`).
fn scope(filter: &AnalyticsFilter, values: &mut Vec<Value>) -> String {
    let mut conditions = vec!["1 = 1".to_owned()];
    if let Some(offer) = filter.job_offer_id {
        values.push(offer.into());
        conditions.push(format!("a.job_offer_id = ${}", values.len()));
    }
    if let Some(from) = filter.submitted_from {
        values.push(from.into());
        conditions.push(format!("a.created_at >= ${}", values.len()));
    }
    if let Some(to) = filter.submitted_to {
        values.push(to.into());
        conditions.push(format!("a.created_at <= ${}", values.len()));
    }
    conditions.join(" AND ")
}

/// `sql` with `values`, its `$n` placeholders written `?n` on SQLite (the SQL here has no other `$`).
pub(crate) fn statement(backend: DatabaseBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DatabaseBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// `timestamp` as whole seconds since 1970 (truncated), in the backend's dialect.
fn epoch(backend: DatabaseBackend, timestamp: &str) -> String {
    match backend {
        DatabaseBackend::Sqlite => format!("CAST(strftime('%s', {timestamp}) AS INTEGER)"),
        _ => format!("CAST(floor(EXTRACT(EPOCH FROM {timestamp})) AS BIGINT)"),
    }
}

/// The rank of a stored status in the pipeline (`candidature` and its legacy word `pending` 0, … `embauche` 4;
/// the exits 0: they are counted apart).
fn pipeline_rank(column: &str) -> String {
    format!(
        "CASE {column} WHEN 'incubation' THEN 1 WHEN 'entretien_programme' THEN 2 \
         WHEN 'simulation_programmee' THEN 3 WHEN 'embauche' THEN 4 ELSE 0 END"
    )
}

/// The end of a statement whose CTEs end with `samples(<groups>, seconds)`: per group, how many durations,
/// their median and 90th percentile (`percentile_cont` on PostgreSQL, its window-function equivalent on SQLite).
fn percentiles(backend: DatabaseBackend, groups: &str) -> String {
    match backend {
        DatabaseBackend::Sqlite => {
            let pick = |p: f64| {
                let position = format!("({p:?} * (n - 1))");
                let low = format!("CAST({position} AS INTEGER)");
                let first = format!("MAX(CASE WHEN i = {low} THEN seconds END)");
                let second = format!("COALESCE(MAX(CASE WHEN i = {low} + 1 THEN seconds END), {first})");
                format!("{first} + (MAX({position}) - MAX({low})) * ({second} - {first})")
            };
            format!(
                ", ranked AS (SELECT {groups}, seconds, \
                 ROW_NUMBER() OVER (PARTITION BY {groups} ORDER BY seconds) - 1 AS i, \
                 COUNT(*) OVER (PARTITION BY {groups}) AS n FROM samples) \
                 SELECT {groups}, MAX(n) AS n, {median} AS median, {p90} AS p90 FROM ranked GROUP BY {groups}",
                median = pick(MEDIAN),
                p90 = pick(P90),
            )
        }
        _ => format!(
            " SELECT {groups}, COUNT(*) AS n, \
             percentile_cont({MEDIAN:?}) WITHIN GROUP (ORDER BY seconds) AS median, \
             percentile_cont({P90:?}) WITHIN GROUP (ORDER BY seconds) AS p90 \
             FROM samples GROUP BY {groups}"
        ),
    }
}

fn durations(row: &QueryResult) -> Result<Durations, StoreError> {
    let n: i64 = row.try_get("", "n").map_err(store_error)?;
    let median: Option<f64> = row.try_get("", "median").map_err(store_error)?;
    let p90: Option<f64> = row.try_get("", "p90").map_err(store_error)?;
    Ok(Durations { count: count(n), median_seconds: median, p90_seconds: p90 })
}

impl Database {
    async fn analytics_rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>, StoreError> {
        let backend = self.conn.get_database_backend();
        self.conn.query_all_raw(statement(backend, sql, values)).await.map_err(store_error)
    }
}

#[async_trait]
impl AnalyticsReadModel for Database {
    async fn funnel(&self, filter: &AnalyticsFilter) -> Result<FunnelCounts, StoreError> {
        let mut values = Vec::new();
        let scope = scope(filter, &mut values);
        let entered = pipeline_rank("h.new_status");
        let current = pipeline_rank("status");
        let at_least = |rank: u8| format!("COALESCE(SUM(CASE WHEN stage >= {rank} THEN 1 ELSE 0 END), 0)");
        let now_in = |words: &str| format!("COALESCE(SUM(CASE WHEN status IN ({words}) THEN 1 ELSE 0 END), 0)");
        // One row per application of the scope (its furthest stage entered, whether it was ever refused or
        // withdrawn), folded into one row of counts.
        let sql = format!(
            "WITH per_application AS ( \
                SELECT a.status AS status, MAX({entered}) AS entered, \
                       MAX(CASE WHEN h.new_status = 'refuse' THEN 1 ELSE 0 END) AS refused, \
                       MAX(CASE WHEN h.new_status = 'retiree' THEN 1 ELSE 0 END) AS withdrawn \
                FROM applications a LEFT JOIN application_history h ON h.application_id = a.id \
                WHERE {scope} GROUP BY a.id, a.status \
             ), staged AS ( \
                SELECT status, refused, withdrawn, \
                       CASE WHEN entered > {current} THEN entered ELSE {current} END AS stage \
                FROM per_application \
             ) \
             SELECT COUNT(*) AS submitted, {r1} AS incubation, {r2} AS entretien_programme, \
                    {r3} AS simulation_programmee, {r4} AS embauche, \
                    COALESCE(SUM(CASE WHEN refused = 1 OR status = 'refuse' THEN 1 ELSE 0 END), 0) AS refuse, \
                    COALESCE(SUM(CASE WHEN withdrawn = 1 OR status = 'retiree' THEN 1 ELSE 0 END), 0) AS retiree, \
                    {c0} AS now_candidature, {c1} AS now_incubation, {c2} AS now_entretien_programme, \
                    {c3} AS now_simulation_programmee, {c4} AS now_embauche, {c5} AS now_refuse, \
                    {c6} AS now_retiree \
             FROM staged",
            r1 = at_least(1),
            r2 = at_least(2),
            r3 = at_least(3),
            r4 = at_least(4),
            c0 = now_in("'candidature', 'pending'"),
            c1 = now_in("'incubation'"),
            c2 = now_in("'entretien_programme'"),
            c3 = now_in("'simulation_programmee'"),
            c4 = now_in("'embauche'"),
            c5 = now_in("'refuse'"),
            c6 = now_in("'retiree'"),
        );
        let rows = self.analytics_rows(&sql, values).await?;
        let row = rows.first().ok_or_else(|| corrupt("entonnoir", "aucune ligne"))?;
        let read = |column: &str| -> Result<u64, StoreError> {
            let n: i64 = row.try_get("", column).map_err(store_error)?;
            Ok(count(n))
        };
        let mut counts = FunnelCounts::default();
        counts.reached.insert(ApplicationStatus::Candidature, read("submitted")?);
        for status in ApplicationStatus::ALL {
            if status != ApplicationStatus::Candidature {
                counts.reached.insert(status, read(status.as_str())?);
            }
            counts.current.insert(status, read(&format!("now_{}", status.as_str()))?);
        }
        Ok(counts)
    }

    async fn time_to_hire(&self, filter: &AnalyticsFilter) -> Result<TimeToHire, StoreError> {
        let backend = self.conn.get_database_backend();
        let mut values = Vec::new();
        let scope = scope(filter, &mut values);
        // The hire is the first row entering `embauche` (a later note on a hired application repeats the status).
        // Each hire is counted three times: by offer (kind 2), by department (1) and overall (0); the offer branch
        // comes first so that PostgreSQL types the NULLs of the others from it.
        let sql = format!(
            "WITH hires AS ( \
                SELECT a.job_offer_id AS job_offer_id, o.title AS title, o.department AS department, \
                       {hired} - {submitted} AS seconds \
                FROM applications a \
                JOIN application_history h ON h.application_id = a.id AND h.new_status = 'embauche' \
                JOIN job_offers o ON o.id = a.job_offer_id \
                WHERE {scope} \
                GROUP BY a.id, a.job_offer_id, o.title, o.department, a.created_at \
             ), samples AS ( \
                SELECT 2 AS kind, job_offer_id, title, department, seconds FROM hires \
                UNION ALL SELECT 1, NULL, NULL, department, seconds FROM hires \
                UNION ALL SELECT 0, NULL, NULL, NULL, seconds FROM hires \
             ){tail}",
            hired = epoch(backend, "MIN(h.changed_at)"),
            submitted = epoch(backend, "a.created_at"),
            tail = percentiles(backend, "kind, job_offer_id, title, department"),
        );
        let mut figures = TimeToHire::default();
        for row in self.analytics_rows(&sql, values).await? {
            let kind: i32 = row.try_get("", "kind").map_err(store_error)?;
            let department: Option<String> = row.try_get("", "department").map_err(store_error)?;
            let durations = durations(&row)?;
            match kind {
                0 => figures.overall = durations,
                1 => figures.by_department.push(DepartmentDurations { department, durations }),
                _ => {
                    let job_offer_id: Option<Uuid> = row.try_get("", "job_offer_id").map_err(store_error)?;
                    let title: Option<String> = row.try_get("", "title").map_err(store_error)?;
                    let job_offer_id = job_offer_id.ok_or_else(|| corrupt("délai d'embauche", "offre absente"))?;
                    let title = title.unwrap_or_default();
                    figures.by_offer.push(OfferDurations { job_offer_id, title, department, durations });
                }
            }
        }
        Ok(figures)
    }

    async fn stage_durations(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<BTreeMap<ApplicationStatus, Durations>, StoreError> {
        let backend = self.conn.get_database_backend();
        let mut values = Vec::new();
        let scope = scope(filter, &mut values);
        // Every move of the scope's applications: the submission (entering `candidature` at `created_at`), then
        // each history row that changes the status (not the notes, nor the submission's own row); a stage lasts
        // until the application's next move. The stage it is in now has no next move: left out.
        let sql = format!(
            "WITH scoped AS ( \
                SELECT a.id AS id, a.created_at AS created_at FROM applications a WHERE {scope} \
             ), moves AS ( \
                SELECT s.id AS application_id, 'candidature' AS status, s.created_at AS at, 0 AS seq, s.id AS tie \
                FROM scoped s \
                UNION ALL \
                SELECT h.application_id, CASE WHEN h.new_status = 'pending' THEN 'candidature' ELSE h.new_status END, \
                       h.changed_at, 1, h.id \
                FROM application_history h JOIN scoped s ON s.id = h.application_id \
                WHERE h.previous_status IS NOT NULL AND h.previous_status <> h.new_status \
             ), spans AS ( \
                SELECT status, {left} - {entered} AS seconds FROM moves \
                WINDOW w AS (PARTITION BY application_id ORDER BY at, seq, tie) \
             ), samples AS ( \
                SELECT status, seconds FROM spans WHERE seconds IS NOT NULL \
                AND status IN ('candidature', 'incubation', 'entretien_programme', 'simulation_programmee') \
             ){tail}",
            left = epoch(backend, "LEAD(at) OVER w"),
            entered = epoch(backend, "at"),
            tail = percentiles(backend, "status"),
        );
        let mut stages = BTreeMap::new();
        for row in self.analytics_rows(&sql, values).await? {
            let status: String = row.try_get("", "status").map_err(store_error)?;
            let status = ApplicationStatus::parse_input(&status).map_err(|e| corrupt("application_history", e))?;
            stages.insert(status, durations(&row)?);
        }
        Ok(stages)
    }
}
