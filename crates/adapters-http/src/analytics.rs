//! Recruitment analytics (B5): the funnel, the time to hire and the time in each stage, computed by the store from
//! the status history. Staff only (S3: admins, recruiters, observers; candidates 403, anonymous 401).
//!
//! Each route answers JSON, or CSV for spreadsheets when the request's `Accept` names `text/csv` with at least
//! the weight of `application/json`: `text/csv; charset=utf-8`, a header row then one row per stage or group,
//! comma-separated, quoted where RFC 4180 requires it (the `csv` crate), CRLF line ends, decimals with a point,
//! an empty cell where JSON has `null`.

use actix_web::http::header::Header as _;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Datelike as _, NaiveDate, TimeDelta, Utc};
use seeg_application::analytics::{AnalyticsError, AnalyticsFilter, Durations, Funnel, TimeToHire};
use seeg_domain::applications::ApplicationStatus;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::query_uuid;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/analytics/funnel").route(web::get().to(funnel)))
        .service(route("/api/v1/analytics/time-to-hire").route(web::get().to(time_to_hire)))
        .service(route("/api/v1/analytics/stage-durations").route(web::get().to(stage_durations)));
}

impl From<AnalyticsError> for ApiError {
    fn from(error: AnalyticsError) -> Self {
        let detail = error.to_string();
        match error {
            AnalyticsError::Forbidden => Self::forbidden(detail),
            AnalyticsError::Store(e) => e.into(),
        }
    }
}

/// Query of the analytics routes: which applications the figures are about. Every value arrives as text so that
/// a bad one is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AnalyticsQuery {
    /// Only the applications to this offer.
    #[param(value_type = Option<Uuid>)]
    job_offer_id: Option<String>,
    /// Only the applications submitted (`created_at`) at or after this instant: RFC 3339
    /// (`2026-03-01T08:00:00Z`; a `+` offset sent as `%2B`), or a day `YYYY-MM-DD` (from its start, UTC).
    #[param(value_type = Option<String>, example = "2026-03-01")]
    from: Option<String>,
    /// Only the applications submitted at or before this instant: RFC 3339, or a day `YYYY-MM-DD` (up to its
    /// end, UTC). Not before `from`.
    #[param(value_type = Option<String>, example = "2026-03-31")]
    to: Option<String>,
}

/// An instant of the query: RFC 3339, or a bare day: its first instant, or its last when `end_of_day`.
fn instant(field: &str, raw: Option<&str>, end_of_day: bool, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    let read = if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        Some(at.with_timezone(&Utc))
    } else if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let start = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
        if end_of_day { start.map(|t| t + TimeDelta::days(1) - TimeDelta::microseconds(1)) } else { start }
    } else {
        None
    };
    // Years the databases store and RFC 3339 writes back (as the other date filters).
    let read = read.filter(|t| (1900..=9999).contains(&t.year()));
    if read.is_none() {
        let message = "date attendue au format RFC 3339 (2026-03-01T08:00:00Z) ou AAAA-MM-JJ, années 1900 à 9999";
        errors.push(FieldError { field: format!("query.{field}"), message: message.to_owned() });
    }
    read
}

impl AnalyticsQuery {
    fn filter(&self) -> Result<AnalyticsFilter, ApiError> {
        let mut errors = Vec::new();
        let job_offer_id = query_uuid("job_offer_id", self.job_offer_id.as_deref(), &mut errors);
        let from = instant("from", self.from.as_deref(), false, &mut errors);
        let to = instant("to", self.to.as_deref(), true, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        AnalyticsFilter::new(job_offer_id, from, to)
            .map_err(|_| ApiError::invalid("query.to", "la fin de la période (`to`) précède son début (`from`)"))
    }
}

/// Whether the caller asked for CSV: `Accept` names `text/csv` (q > 0) with at least the weight of
/// `application/json`. Anything else, a malformed header included, is JSON.
fn wants_csv(req: &HttpRequest) -> bool {
    let Ok(accept) = header::Accept::parse(req) else { return false };
    let quality =
        |essence: &str| accept.iter().filter(|item| item.item.essence_str() == essence).map(|item| item.quality).max();
    match (quality("text/csv"), quality("application/json")) {
        (Some(csv), json) => csv > header::Quality::ZERO && json.is_none_or(|json| csv >= json),
        (None, _) => false,
    }
}

/// The CSV answer: `rows` under `header`, comma-separated, RFC 4180 quoting, CRLF line ends.
fn csv_answer(header: &[&str], rows: &[Vec<String>]) -> Result<HttpResponse, ApiError> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(header).map_err(anyhow::Error::new)?;
    for row in rows {
        writer.write_record(row).map_err(anyhow::Error::new)?;
    }
    let bytes = writer.into_inner().map_err(|e| anyhow::anyhow!("CSV : {e}"))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")))
        .insert_header((header::VARY, HeaderValue::from_static("Accept")))
        .body(bytes))
}

fn json_answer<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::VARY, HeaderValue::from_static("Accept"))).json(body)
}

fn cell<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// Seconds as days, two decimals.
fn days(seconds: Option<f64>) -> Option<f64> {
    seconds.map(|s| (s / 864.0).round() / 100.0)
}

/// The period and offer the figures are about, as the query gave them.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnalyticsScope {
    /// Only the applications to this offer; `null`: every offer.
    pub job_offer_id: Option<Uuid>,
    /// Applications submitted at or after this instant; `null`: no lower bound.
    pub from: Option<DateTime<Utc>>,
    /// Applications submitted at or before this instant (a bare day's last microsecond); `null`: no upper bound.
    pub to: Option<DateTime<Utc>>,
}

impl From<&AnalyticsFilter> for AnalyticsScope {
    fn from(f: &AnalyticsFilter) -> Self {
        Self { job_offer_id: f.job_offer_id, from: f.submitted_from, to: f.submitted_to }
    }
}

/// One stage of the funnel.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelStageBody {
    /// The stage: the pipeline in order (`candidature`, `incubation`, `entretien_programme`,
    /// `simulation_programmee`, `embauche`), then the exits (`refuse`, `retiree`).
    #[schema(example = "incubation")]
    pub status: String,
    /// Applications that reached the stage: entered it or a later pipeline stage (history or current status; every
    /// application reached `candidature`). For `refuse` and `retiree`: ever refused, withdrawn.
    pub reached: u64,
    /// Applications in this status now.
    pub current: u64,
    /// `reached` over the previous pipeline stage's `reached`, in percent (two decimals); `null` for
    /// `candidature`, the exits, and when no application reached the previous stage.
    #[schema(example = 75.0)]
    pub conversion_from_previous: Option<f64>,
    /// `reached` over the applications in scope, in percent (two decimals); `null` when there are none.
    #[schema(example = 60.0)]
    pub share_of_submitted: Option<f64>,
}

/// `GET /api/v1/analytics/funnel` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelBody {
    pub scope: AnalyticsScope,
    /// Applications in scope.
    pub submitted: u64,
    /// The seven statuses, pipeline first, none left out.
    pub stages: Vec<FunnelStageBody>,
}

impl FunnelBody {
    fn new(filter: &AnalyticsFilter, funnel: &Funnel) -> Self {
        Self {
            scope: filter.into(),
            submitted: funnel.submitted,
            stages: funnel
                .stages
                .iter()
                .map(|s| FunnelStageBody {
                    status: s.status.as_str().to_owned(),
                    reached: s.reached,
                    current: s.current,
                    conversion_from_previous: s.conversion_from_previous,
                    share_of_submitted: s.share_of_submitted,
                })
                .collect(),
        }
    }
}

/// A set of durations: how many, their median and 90th percentile (`percentile_cont`: linear interpolation
/// between the two nearest ranks), in seconds (to the millisecond) and in days (two decimals); `null` when there
/// are none.
#[derive(Debug, Serialize, ToSchema)]
pub struct DurationsBody {
    /// How many durations.
    pub count: u64,
    #[schema(example = 907_200.0)]
    pub median_seconds: Option<f64>,
    #[schema(example = 1_010_880.0)]
    pub p90_seconds: Option<f64>,
    #[schema(example = 10.5)]
    pub median_days: Option<f64>,
    #[schema(example = 11.7)]
    pub p90_days: Option<f64>,
}

impl From<Durations> for DurationsBody {
    fn from(d: Durations) -> Self {
        Self {
            count: d.count,
            median_seconds: d.median_seconds,
            p90_seconds: d.p90_seconds,
            median_days: days(d.median_seconds),
            p90_days: days(d.p90_seconds),
        }
    }
}

impl DurationsBody {
    fn cells(&self) -> [String; 5] {
        [
            self.count.to_string(),
            cell(self.median_seconds),
            cell(self.p90_seconds),
            cell(self.median_days),
            cell(self.p90_days),
        ]
    }
}

const DURATION_COLUMNS: [&str; 5] = ["count", "median_seconds", "p90_seconds", "median_days", "p90_days"];

/// The time to hire on one offer's applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferTimeToHire {
    pub job_offer_id: Uuid,
    pub title: String,
    /// `null` for an offer without a department.
    pub department: Option<String>,
    /// From submission to hire, over the offer's hired applications (`count` hires).
    pub durations: DurationsBody,
}

/// The time to hire on one department's offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentTimeToHire {
    /// `null`: the offers without a department.
    pub department: Option<String>,
    pub durations: DurationsBody,
}

/// `GET /api/v1/analytics/time-to-hire` body: from submission to the first move into `embauche`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeToHireBody {
    pub scope: AnalyticsScope,
    /// Every hired application in scope.
    pub overall: DurationsBody,
    /// Offers with at least one hire, by title then id.
    pub by_offer: Vec<OfferTimeToHire>,
    /// Departments with at least one hire, the offers without one first, then by name.
    pub by_department: Vec<DepartmentTimeToHire>,
}

impl TimeToHireBody {
    fn new(filter: &AnalyticsFilter, figures: TimeToHire) -> Self {
        Self {
            scope: filter.into(),
            overall: figures.overall.into(),
            by_offer: figures
                .by_offer
                .into_iter()
                .map(|o| OfferTimeToHire {
                    job_offer_id: o.job_offer_id,
                    title: o.title,
                    department: o.department,
                    durations: o.durations.into(),
                })
                .collect(),
            by_department: figures
                .by_department
                .into_iter()
                .map(|d| DepartmentTimeToHire { department: d.department, durations: d.durations.into() })
                .collect(),
        }
    }
}

/// The time spent in one stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageDurationBody {
    /// `candidature`, `incubation`, `entretien_programme` or `simulation_programmee`.
    #[schema(example = "incubation")]
    pub status: String,
    /// From entering the stage (the submission for `candidature`) to the next status change, over the stays
    /// that are over (`count`); the stage an application is in now is not counted.
    pub durations: DurationsBody,
}

/// `GET /api/v1/analytics/stage-durations` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageDurationsBody {
    pub scope: AnalyticsScope,
    /// The four stages an application leaves by moving on, in pipeline order, none left out.
    pub stages: Vec<StageDurationBody>,
}

/// Counts per pipeline stage (how many applications reached each, how many are in it now) and the stage-to-stage
/// conversion rates, over the applications chosen by the query (staff only, B5). With `Accept: text/csv`: one
/// row per stage, columns `status,reached,current,conversion_from_previous,share_of_submitted`.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/funnel",
    operation_id = "analytics_funnel",
    tag = "Analyses",
    security(("bearer" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "L'entonnoir (JSON, ou CSV avec `Accept: text/csv`)",
         content((FunnelBody = "application/json"), (String = "text/csv"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
        (status = 422, description = "`job_offer_id` n'est pas un uuid, date illisible, `to` avant `from`",
         body = ErrorBody),
    )
)]
pub(crate) async fn funnel(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AnalyticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let funnel = state.analytics.funnel(&caller.0, &filter).await?;
    let body = FunnelBody::new(&filter, &funnel);
    if !wants_csv(&req) {
        return Ok(json_answer(&body));
    }
    let rows: Vec<Vec<String>> = body
        .stages
        .iter()
        .map(|s| {
            vec![
                s.status.clone(),
                s.reached.to_string(),
                s.current.to_string(),
                cell(s.conversion_from_previous),
                cell(s.share_of_submitted),
            ]
        })
        .collect();
    csv_answer(&["status", "reached", "current", "conversion_from_previous", "share_of_submitted"], &rows)
}

/// The median and 90th percentile of the time from submission to hire, over the hired applications chosen by the
/// query: overall, by offer and by department (staff only, B5). With `Accept: text/csv`: one row per group,
/// columns `group,job_offer_id,title,department,count,median_seconds,p90_seconds,median_days,p90_days` (`group`
/// is `overall`, `department` or `offer`).
#[utoipa::path(
    get,
    path = "/api/v1/analytics/time-to-hire",
    operation_id = "analytics_time_to_hire",
    tag = "Analyses",
    security(("bearer" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "Délais d'embauche (JSON, ou CSV avec `Accept: text/csv`)",
         content((TimeToHireBody = "application/json"), (String = "text/csv"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
        (status = 422, description = "`job_offer_id` n'est pas un uuid, date illisible, `to` avant `from`",
         body = ErrorBody),
    )
)]
pub(crate) async fn time_to_hire(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AnalyticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let figures = state.analytics.time_to_hire(&caller.0, &filter).await?;
    let body = TimeToHireBody::new(&filter, figures);
    if !wants_csv(&req) {
        return Ok(json_answer(&body));
    }
    let row = |group: &str, offer: Option<(&Uuid, &str)>, department: Option<&str>, d: &DurationsBody| {
        let mut row = vec![
            group.to_owned(),
            cell(offer.map(|o| o.0)),
            offer.map(|o| o.1.to_owned()).unwrap_or_default(),
            department.unwrap_or_default().to_owned(),
        ];
        row.extend(d.cells());
        row
    };
    let mut rows = vec![row("overall", None, None, &body.overall)];
    for d in &body.by_department {
        rows.push(row("department", None, d.department.as_deref(), &d.durations));
    }
    for o in &body.by_offer {
        rows.push(row("offer", Some((&o.job_offer_id, &o.title)), o.department.as_deref(), &o.durations));
    }
    let mut header = vec!["group", "job_offer_id", "title", "department"];
    header.extend(DURATION_COLUMNS);
    csv_answer(&header, &rows)
}

/// The median and 90th percentile of the time spent in each stage (`candidature`, `incubation`,
/// `entretien_programme`, `simulation_programmee`), from entering it to the next status change, over the
/// applications chosen by the query (staff only, B5). With `Accept: text/csv`: one row per stage, columns
/// `status,count,median_seconds,p90_seconds,median_days,p90_days`.
#[utoipa::path(
    get,
    path = "/api/v1/analytics/stage-durations",
    operation_id = "analytics_stage_durations",
    tag = "Analyses",
    security(("bearer" = [])),
    params(AnalyticsQuery),
    responses(
        (status = 200, description = "Durée passée dans chaque étape (JSON, ou CSV avec `Accept: text/csv`)",
         content((StageDurationsBody = "application/json"), (String = "text/csv"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (S3)", body = ErrorBody),
        (status = 422, description = "`job_offer_id` n'est pas un uuid, date illisible, `to` avant `from`",
         body = ErrorBody),
    )
)]
pub(crate) async fn stage_durations(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    query: web::Query<AnalyticsQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    let stages = state.analytics.stage_durations(&caller.0, &filter).await?;
    let body = StageDurationsBody {
        scope: (&filter).into(),
        stages: stages
            .into_iter()
            .map(|(status, d): (ApplicationStatus, Durations)| StageDurationBody {
                status: status.as_str().to_owned(),
                durations: d.into(),
            })
            .collect(),
    };
    if !wants_csv(&req) {
        return Ok(json_answer(&body));
    }
    let rows: Vec<Vec<String>> = body
        .stages
        .iter()
        .map(|s| {
            let mut row = vec![s.status.clone()];
            row.extend(s.durations.cells());
            row
        })
        .collect();
    let mut header = vec!["status"];
    header.extend(DURATION_COLUMNS);
    csv_answer(&header, &rows)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn csv_only_when_asked_for_at_least_as_much_as_json() {
        let csv = |accept: &str| wants_csv(&TestRequest::default().insert_header(("Accept", accept)).to_http_request());
        assert!(csv("text/csv"));
        assert!(csv("text/csv, application/json"));
        assert!(csv("application/json;q=0.5, text/csv"));
        assert!(csv("text/csv; charset=utf-8, */*;q=0.1"));
        assert!(!csv("application/json"));
        assert!(!csv("*/*"));
        assert!(!csv("text/csv;q=0.5, application/json"));
        assert!(!csv("text/csv;q=0"));
        assert!(!wants_csv(&TestRequest::default().to_http_request()), "no Accept: JSON");
    }

    #[test]
    fn a_bare_day_is_its_first_or_last_instant_and_anything_else_names_its_field() {
        let mut errors = Vec::new();
        let from = instant("from", Some("2026-03-01"), false, &mut errors).unwrap();
        let to = instant("to", Some("2026-03-01"), true, &mut errors).unwrap();
        assert_eq!(from.to_rfc3339(), "2026-03-01T00:00:00+00:00");
        assert_eq!(to.to_rfc3339(), "2026-03-01T23:59:59.999999+00:00");
        let at = instant("from", Some("2026-03-01T08:00:00+01:00"), false, &mut errors).unwrap();
        assert_eq!(at.to_rfc3339(), "2026-03-01T07:00:00+00:00");
        assert!(errors.is_empty());
        assert!(instant("to", Some("01/03/2026"), true, &mut errors).is_none());
        assert!(instant("from", Some("0001-01-01"), false, &mut errors).is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["query.to", "query.from"]);
        assert_eq!(days(Some(907_200.0)), Some(10.5));
        assert_eq!(days(None), None);
    }
}
