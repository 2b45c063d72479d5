//! `GET /monitoring/metrics` (O1 in docs/decisions.md; the legacy route always answered 500, D15): the Prometheus text
//! exposition, for an admin's token or the scraper's (`monitoring.scrape_token`). What happens is counted where it
//! happens, through the `metrics` facade (requests here in the middleware, logins, e-mails and outbox runs in the
//! use cases); what is a state (the outbox, the applications by status, the database pool, the process) is read
//! when the metrics are scraped. Labels are bounded: a route's template, never its path; a status code; an event
//! kind; never an id or an address.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use seeg_application::monitoring::{MetricsReader, Monitoring, MonitoringError, MonitoringSnapshot};

use crate::error::{ApiError, ErrorBody};
use crate::routing::route;
use crate::state::ApiState;

/// How long the states read at scrape time may take; past it the counters are served without them.
const SNAPSHOT_TIMEOUT: Duration = Duration::from_secs(3);

/// The outbox kinds a scrape has shown: a kind that no longer has pending or dead events is shown at 0, not left
/// at its last value (the kinds are the handlers', a handful).
static OUTBOX_KINDS_SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/monitoring/metrics").route(web::get().to(scrape)));
}

/// Counts one request served (the middleware calls it for every response).
pub(crate) fn record_request(method: &actix_web::http::Method, route: Option<String>, status: u16, elapsed: Duration) {
    let method: &'static str = match method.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let route = route.unwrap_or_else(|| "unmatched".to_owned());
    metrics::counter!("seeg_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.to_string())
        .increment(1);
    metrics::histogram!("seeg_http_request_duration_seconds", "method" => method, "route" => route)
        .record(elapsed.as_secs_f64());
}

/// The metrics, in the Prometheus text format (version 0.0.4).
#[utoipa::path(
    get,
    path = "/monitoring/metrics",
    operation_id = "monitoring_metrics",
    tag = "Service",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Exposition Prometheus (text/plain; version=0.0.4)", content_type = "text/plain", body = String),
        (status = 401, description = "Ni jeton d'administrateur ni jeton de collecte", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
    )
)]
pub(crate) async fn scrape(state: web::Data<ApiState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let endpoint = &state.metrics;
    let bearer = crate::params::bearer_token(req.headers()).ok_or(ApiError::NotAuthenticated)?;
    let user = if endpoint.scrape_token.as_ref().is_some_and(|t| t.accepts(bearer.as_bytes())) {
        None
    } else {
        Some(crate::auth::signed_in(&state, bearer).await?)
    };
    let reader = user.as_ref().map_or(MetricsReader::Scraper, MetricsReader::Account);
    Monitoring::allows(reader)?;
    // The counters are this process's own: they are served even when the database cannot give the states (down,
    // or its pool exhausted: exactly when operators need the rest), with `seeg_monitoring_snapshot_ok` 0.
    match tokio::time::timeout(SNAPSHOT_TIMEOUT, endpoint.monitoring.snapshot(reader)).await {
        Ok(Ok(snapshot)) => {
            record_snapshot(&snapshot, state.clock.now());
            metrics::gauge!("seeg_monitoring_snapshot_ok").set(1.0);
        }
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "métriques : états non lus");
            metrics::gauge!("seeg_monitoring_snapshot_ok").set(0.0);
        }
        Err(_) => {
            tracing::warn!("métriques : états non lus à temps");
            metrics::gauge!("seeg_monitoring_snapshot_ok").set(0.0);
        }
    }
    record_process();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8"))
        .body(endpoint.exporter.render()))
}

impl From<MonitoringError> for ApiError {
    fn from(error: MonitoringError) -> Self {
        let detail = error.to_string();
        match error {
            MonitoringError::Forbidden => Self::forbidden(detail),
            MonitoringError::Store(e) => e.into(),
        }
    }
}

/// The states read at scrape time, as gauges.
#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn record_snapshot(snapshot: &MonitoringSnapshot, now: chrono::DateTime<chrono::Utc>) {
    let outbox = &snapshot.outbox;
    metrics::gauge!("seeg_outbox_pending").set(outbox.pending as f64);
    metrics::gauge!("seeg_outbox_failing").set(outbox.failing as f64);
    metrics::gauge!("seeg_outbox_dead").set(outbox.dead as f64);
    let oldest = outbox.oldest_pending_at.map_or(0.0, |at| (now - at).num_milliseconds().max(0) as f64 / 1000.0);
    metrics::gauge!("seeg_outbox_oldest_pending_age_seconds").set(oldest);
    let mut seen = OUTBOX_KINDS_SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    for kind in seen.iter().filter(|k| !outbox.by_kind.iter().any(|c| &c.kind == *k)) {
        metrics::gauge!("seeg_outbox_pending_by_kind", "kind" => kind.clone()).set(0.0);
        metrics::gauge!("seeg_outbox_dead_by_kind", "kind" => kind.clone()).set(0.0);
    }
    for kind in &outbox.by_kind {
        metrics::gauge!("seeg_outbox_pending_by_kind", "kind" => kind.kind.clone()).set(kind.pending as f64);
        metrics::gauge!("seeg_outbox_dead_by_kind", "kind" => kind.kind.clone()).set(kind.dead as f64);
        seen.insert(kind.kind.clone());
    }
    drop(seen);
    for (status, count) in &snapshot.applications_by_status {
        metrics::gauge!("seeg_applications", "status" => status.as_str()).set(*count as f64);
    }
    let pool = snapshot.pool;
    metrics::gauge!("seeg_db_pool_connections", "state" => "in_use").set(f64::from(pool.in_use));
    metrics::gauge!("seeg_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    metrics::gauge!("seeg_db_pool_max_connections").set(f64::from(pool.max));
}

/// The process's resident memory, CPU time and open files, from `/proc/self` (Linux); nothing elsewhere.
#[allow(clippy::cast_precision_loss)]
fn record_process() {
    if let Ok(status) = std::fs::read_to_string("/proc/self/status")
        && let Some(kib) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
    {
        metrics::gauge!("process_resident_memory_bytes").set((kib * 1024) as f64);
    }
    // Fields 14 and 15 of `stat` (after the command name, which may hold spaces): user and system time in ticks.
    if let Ok(stat) = std::fs::read_to_string("/proc/self/stat")
        && let Some((_, fields)) = stat.rsplit_once(") ")
    {
        let ticks: u64 = fields.split(' ').skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum();
        let per_second = rustix::param::clock_ticks_per_second().max(1);
        metrics::gauge!("seeg_process_cpu_seconds").set(ticks as f64 / per_second as f64);
    }
    if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
        // Less the descriptor reading the folder.
        metrics::gauge!("process_open_fds").set(entries.count().saturating_sub(1) as f64);
    }
}

#[cfg(test)]
mod tests {
    use metrics_exporter_prometheus::PrometheusBuilder;
    use seeg_application::monitoring::PoolUse;
    use seeg_application::outbox::{KindCount, OutboxStats};

    use super::*;

    fn snapshot(by_kind: Vec<KindCount>) -> MonitoringSnapshot {
        let outbox = OutboxStats {
            pending: by_kind.iter().map(|k| k.pending).sum(),
            failing: 0,
            dead: by_kind.iter().map(|k| k.dead).sum(),
            done: 0,
            oldest_pending_at: None,
            by_kind,
        };
        MonitoringSnapshot {
            outbox,
            applications_by_status: std::collections::BTreeMap::new(),
            pool: PoolUse::default(),
        }
    }

    #[test]
    fn a_kind_without_pending_or_dead_events_is_shown_at_zero_not_at_its_last_value() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let now = chrono::DateTime::UNIX_EPOCH;
        let kind = |pending, dead| KindCount { kind: "test.kind".into(), pending, dead };
        metrics::with_local_recorder(&recorder, || record_snapshot(&snapshot(vec![kind(3, 2)]), now));
        let shown = handle.render();
        assert!(shown.contains("seeg_outbox_pending_by_kind{kind=\"test.kind\"} 3"), "{shown}");
        assert!(shown.contains("seeg_outbox_dead_by_kind{kind=\"test.kind\"} 2"), "{shown}");
        // Everything handled and the dead letters replayed: the kind is no longer in the store's answer.
        metrics::with_local_recorder(&recorder, || record_snapshot(&snapshot(Vec::new()), now));
        let shown = handle.render();
        assert!(shown.contains("seeg_outbox_pending_by_kind{kind=\"test.kind\"} 0"), "{shown}");
        assert!(shown.contains("seeg_outbox_dead_by_kind{kind=\"test.kind\"} 0"), "{shown}");
    }
}
