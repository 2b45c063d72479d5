//! `GET /emails/logs` (legacy §1.12, S8: admins only): the e-mail log, newest first.

use actix_web::{HttpResponse, web};
use chrono::{NaiveTime, TimeDelta};
use seeg_application::mail::EmailLogFilter;
use seeg_domain::mail::MailStatus;
use serde::Deserialize;
use utoipa::IntoParams;

use super::dto::{EmailLogBody, EmailLogList};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::params::{PageQuery, choice, query_date, query_uuid, text_filter};
use crate::state::ApiState;

/// The page size of `GET /emails/logs` when none is asked.
pub const LOGS_DEFAULT_LIMIT: u64 = 100;
/// The largest page of `GET /emails/logs` (legacy `limit` 1..=1000).
pub const LOGS_MAX_LIMIT: u64 = 1000;

/// Query of `GET /api/v1/emails/logs`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogsQuery {
    /// Rows to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `queued`, `sent`, `failed` or `dead`.
    #[param(schema_with = crate::fields::mail_status)]
    status_filter: Option<String>,
    /// Rows whose recipients contain this text (case ignored).
    to: Option<String>,
    /// Rows about this application.
    #[param(value_type = Option<uuid::Uuid>)]
    application_id: Option<String>,
    /// Rows queued on this day or later (`YYYY-MM-DD`, UTC).
    #[param(value_type = Option<chrono::NaiveDate>)]
    date_from: Option<String>,
    /// Rows queued on this day or earlier (`YYYY-MM-DD`, UTC).
    #[param(value_type = Option<chrono::NaiveDate>)]
    date_to: Option<String>,
}

impl LogsQuery {
    fn into_parts(self) -> Result<(EmailLogFilter, seeg_application::Page), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<LOGS_DEFAULT_LIMIT, LOGS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let statuses: Vec<(&str, MailStatus)> = MailStatus::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let status = choice("status_filter", self.status_filter.as_ref(), &statuses, &mut errors);
        let application_id = query_uuid("application_id", self.application_id.as_deref(), &mut errors);
        // Bounded and without control characters, as every text filter (PostgreSQL refuses a NUL in text).
        let recipient = text_filter("to", self.to.as_ref(), &mut errors);
        let midnight = |d: chrono::NaiveDate| d.and_time(NaiveTime::MIN).and_utc();
        let queued_from = query_date("date_from", self.date_from.as_deref(), &mut errors).map(midnight);
        let queued_before =
            query_date("date_to", self.date_to.as_deref(), &mut errors).map(|d| midnight(d) + TimeDelta::days(1));
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }

        Ok((EmailLogFilter { status, recipient, application_id, queued_from, queued_before, user_id: None }, page))
    }
}

/// The e-mail log, newest first: recipients, subject, status, attempts and the last failure's category, without
/// the bodies. `total` counts every match.
#[utoipa::path(
    get,
    path = "/api/v1/emails/logs",
    operation_id = "list_email_logs",
    tag = "E-mails",
    security(("bearer" = [])),
    params(LogsQuery),
    responses(
        (status = 200, body = EmailLogList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
        (status = 422, description = "Paramètre invalide (`status_filter` inconnu, `limit` hors 1..1000, …)", body = ErrorBody),
    )
)]
pub(crate) async fn list_logs(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<LogsQuery>,
) -> Result<HttpResponse, ApiError> {
    state.mail.may_read_logs(&caller.0)?;
    let (filter, page) = query.into_inner().into_parts()?;
    let found = state.mail.logs(&caller.0, &filter, page).await?;
    let shown = found.items.len() as u64;
    Ok(HttpResponse::Ok().json(EmailLogList {
        success: true,
        message: "Logs récupérés avec succès",
        data: found.items.into_iter().map(EmailLogBody::from).collect(),
        total: found.total,
        skip: page.skip,
        limit: page.limit,
        has_more: page.skip + shown < found.total,
    }))
}
