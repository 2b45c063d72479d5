//! The audit trail (B2), read by administrators: who did what to which record, when, from which request. Field
//! names only, never personal values.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::Page;
use seeg_application::identity::{AuditEvent, AuditFilter, AuditTrailError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::envelope::TOTAL_COUNT_HEADER;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::{PageQuery, query_uuid, text_filter};
use crate::routing::route;
use crate::state::ApiState;

/// The page size when none is asked for.
pub const AUDIT_DEFAULT_LIMIT: u64 = 100;
/// The largest page served; a larger `limit` is a 422 rather than a silently shorter page.
pub const AUDIT_MAX_LIMIT: u64 = 500;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/audit").route(web::get().to(list_audit_events)));
}

/// One line of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventBody {
    pub id: Uuid,
    /// The account that acted; `null` for an anonymous action (a failed login).
    pub actor_id: Option<Uuid>,
    /// `auth.login.succeeded`, `auth.login.failed`, `user.updated`, …
    #[schema(example = "user.updated")]
    pub action: String,
    #[schema(example = "user")]
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// The `X-Request-ID` of the request that caused the action.
    pub request_id: Option<String>,
    /// Names of the fields the action changed (never their values).
    pub changed_fields: Vec<String>,
    pub occurred_at: DateTime<Utc>,
}

impl From<AuditEvent> for AuditEventBody {
    fn from(e: AuditEvent) -> Self {
        Self {
            id: e.id,
            actor_id: e.actor_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            request_id: e.request_id,
            changed_fields: e.changed_fields,
            occurred_at: e.occurred_at,
        }
    }
}

/// A page of the audit trail in the legacy envelope, with the true total (F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub success: bool,
    #[schema(example = "2 événement(s) d'audit")]
    pub message: String,
    pub data: Vec<AuditEventBody>,
    /// Every matching event, not the page size.
    pub total: u64,
    pub skip: u64,
    pub limit: u64,
}

/// Query of `GET /api/v1/audit`. Every value arrives as text so a bad one names its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Only the actions of this account.
    #[param(value_type = Option<Uuid>)]
    actor_id: Option<String>,
    /// Exact action, e.g. `auth.login.failed`.
    action: Option<String>,
    /// Exact target type, e.g. `user`.
    target_type: Option<String>,
    /// Exact target id.
    target_id: Option<String>,
    /// Events at or after this instant (RFC 3339, inclusive).
    #[param(value_type = Option<DateTime<Utc>>)]
    from: Option<String>,
    /// Events before this instant (RFC 3339, exclusive).
    #[param(value_type = Option<DateTime<Utc>>)]
    to: Option<String>,
    /// Events to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1 to 500, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

fn invalid(field: &str, message: impl Into<String>) -> FieldError {
    FieldError { field: format!("query.{field}"), message: message.into() }
}

fn instant(field: &str, raw: Option<&String>, errors: &mut Vec<FieldError>) -> Option<DateTime<Utc>> {
    let raw = raw.map(|r| r.trim()).filter(|r| !r.is_empty())?;
    let parsed = DateTime::parse_from_rfc3339(raw).ok().map(|at| at.with_timezone(&Utc));
    if parsed.is_none() {
        errors.push(invalid(field, "doit être une date et heure RFC 3339 (ex. 2026-01-31T08:00:00Z)"));
    }
    parsed
}

impl AuditQuery {
    fn into_filter_and_page(self) -> Result<(AuditFilter, Page), ApiError> {
        let mut errors = Vec::new();
        let actor_id = query_uuid("actor_id", self.actor_id.as_deref(), &mut errors);
        let action = text_filter("action", self.action.as_ref(), &mut errors);
        let target_type = text_filter("target_type", self.target_type.as_ref(), &mut errors);
        let target_id = text_filter("target_id", self.target_id.as_ref(), &mut errors);
        let from = instant("from", self.from.as_ref(), &mut errors);
        let to = instant("to", self.to.as_ref(), &mut errors);
        let page = PageQuery::<AUDIT_DEFAULT_LIMIT, AUDIT_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let filter = AuditFilter { actor_id, action, target_type, target_id, from, to };
        Ok((filter, page))
    }
}

impl From<AuditTrailError> for ApiError {
    fn from(error: AuditTrailError) -> Self {
        match error {
            AuditTrailError::Forbidden => Self::forbidden(error.to_string()),
            AuditTrailError::Store(e) => e.into(),
        }
    }
}

/// Lists the audit trail, newest first, filtered (every criterion must hold) and paged; the true total is in
/// `total` and in `X-Total-Count`. Administrators only (S3).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit_events",
    tag = "Audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "Une page du journal d'audit", body = AuditPage,
         headers(("X-Total-Count" = u64, description = "Nombre total d'événements correspondants"))),
        (status = 401, description = "Non authentifié", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs (`forbidden`)", body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_audit_events(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_filter_and_page()?;
    let found = state.audit.list(&caller.0, &filter, page).await?;
    let data: Vec<AuditEventBody> = found.items.into_iter().map(AuditEventBody::from).collect();
    let body = AuditPage {
        success: true,
        message: format!("{} événement(s) d'audit", data.len()),
        data,
        total: found.total,
        skip: page.skip,
        limit: page.limit,
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(query: AuditQuery) -> Vec<String> {
        match query.into_filter_and_page() {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_first_hundred_unfiltered() {
        let (filter, page) = AuditQuery::default().into_filter_and_page().unwrap();
        assert_eq!(filter, AuditFilter::default());
        assert_eq!(page, Page { skip: 0, limit: AUDIT_DEFAULT_LIMIT });
    }

    #[test]
    fn every_bad_value_names_its_field() {
        let query = AuditQuery {
            actor_id: Some("pas-un-uuid".into()),
            action: Some("a\0b".into()),
            target_type: Some("x".repeat(1000)),
            target_id: Some("\u{7}".into()),
            from: Some("hier".into()),
            to: Some("2026-13-01T00:00:00Z".into()),
            skip: Some("-1".into()),
            limit: Some("0".into()),
        };
        assert_eq!(
            fields_of(query),
            [
                "query.actor_id",
                "query.action",
                "query.target_type",
                "query.target_id",
                "query.from",
                "query.to",
                "query.skip",
                "query.limit"
            ]
        );
        assert_eq!(fields_of(AuditQuery { limit: Some("501".into()), ..AuditQuery::default() }), ["query.limit"]);
        assert_eq!(fields_of(AuditQuery { limit: Some("dix".into()), ..AuditQuery::default() }), ["query.limit"]);
    }

    #[test]
    fn good_values_become_the_filter() {
        let actor = Uuid::from_u128(7);
        let query = AuditQuery {
            actor_id: Some(format!(" {actor} ")),
            action: Some("user.updated".into()),
            target_type: Some("user".into()),
            target_id: Some("abc".into()),
            from: Some("2026-01-31T09:00:00+01:00".into()),
            to: Some("2026-02-01T00:00:00Z".into()),
            skip: Some("10".into()),
            limit: Some("500".into()),
        };
        let (filter, page) = query.into_filter_and_page().unwrap();
        assert_eq!(filter.actor_id, Some(actor));
        assert_eq!(filter.action.as_deref(), Some("user.updated"));
        assert_eq!(filter.from.map(|f| f.to_rfc3339()), Some("2026-01-31T08:00:00+00:00".to_owned()));
        assert_eq!(filter.to.map(|t| t.to_rfc3339()), Some("2026-02-01T00:00:00+00:00".to_owned()));
        assert_eq!(page, Page { skip: 10, limit: AUDIT_MAX_LIMIT });
    }
}
