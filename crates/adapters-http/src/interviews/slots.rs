//! Booking, reading, moving and cancelling interview slots (legacy §1.11, R31, I7). Staff who schedule (recruiters,
//! admins) write, checked before the body is read (S3); staff read every slot, a candidate only those of its own
//! applications (another's is 404).

use actix_web::{HttpResponse, web};
use seeg_application::interviews::SlotFilter;
use seeg_domain::interviews::SlotStatus;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;

use super::dto::{SlotBody, SlotCancelled, SlotCreate, SlotList, SlotUpdate, new_slot, slot_patch};
use crate::auth::Caller;
use crate::body::Deferred;
use crate::envelope::{TOTAL_COUNT_HEADER, page_number};
use crate::error::{ApiError, ErrorBody};
use crate::params::{PageQuery, choice, parse_uuid, query_date, query_uuid, text_filter};
use crate::request_id::audit_context;
use crate::state::ApiState;

/// The page size of `GET /interviews/slots` when none is asked (legacy).
pub const SLOTS_DEFAULT_LIMIT: u64 = 50;
/// The largest page of `GET /interviews/slots` (legacy `limit` 1..=1000).
pub const SLOTS_MAX_LIMIT: u64 = 1000;

/// Books an interview for an open application (R31, I7): the (date, time) must be free, also among concurrent
/// bookings (exactly one wins, the others get 409). Notifies and e-mails the candidate (outbox); audited.
#[utoipa::path(
    post,
    path = "/api/v1/interviews/slots",
    operation_id = "create_interview_slot",
    tag = "Entretiens",
    security(("bearer" = [])),
    request_body = SlotCreate,
    responses(
        (status = 201, body = SlotBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, description = "Candidature inconnue", body = ErrorBody),
        (status = 409, description = "`slot_occupied` : créneau déjà pris ; `application_closed` : candidature \
         refusée, retirée ou embauche", body = ErrorBody),
        (status = 422, description = "Date (AAAA-MM-JJ), heure (HH:MM:SS) ou autre champ invalide", body = ErrorBody),
    )
)]
pub(crate) async fn create_slot(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.interviews.may_schedule(&caller.0)?;
    let body = body.read().await?;
    let new = new_slot(&body)?;
    let slot = state.interviews.create(&caller.0, new, &audit_context()).await?;
    Ok(HttpResponse::Created().json(SlotBody::from(&slot)))
}

/// Query of `GET /api/v1/interviews/slots`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotsQuery {
    /// Slots to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 50).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Slots of this application.
    #[param(value_type = Option<uuid::Uuid>)]
    application_id: Option<String>,
    /// `scheduled`, `completed` or `cancelled`.
    #[param(schema_with = crate::fields::slot_status)]
    status: Option<String>,
    /// `true`: free (cancelled) slots; `false`: taken ones.
    #[param(value_type = Option<bool>)]
    is_available: Option<String>,
    /// Slots on this day or later (`YYYY-MM-DD`).
    #[param(value_type = Option<chrono::NaiveDate>)]
    date_from: Option<String>,
    /// Slots on this day or earlier (`YYYY-MM-DD`).
    #[param(value_type = Option<chrono::NaiveDate>)]
    date_to: Option<String>,
    /// Accepted and ignored (legacy): slots are always sorted by date, then time.
    order: Option<String>,
}

impl SlotsQuery {
    fn into_parts(self) -> Result<(SlotFilter, seeg_application::Page), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<SLOTS_DEFAULT_LIMIT, SLOTS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let application_id = query_uuid("application_id", self.application_id.as_deref(), &mut errors);
        let statuses: Vec<(&str, SlotStatus)> = SlotStatus::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let status = choice("status", self.status.as_ref(), &statuses, &mut errors);
        let booleans = [("true", true), ("false", false), ("1", true), ("0", false)];
        let is_available = choice("is_available", self.is_available.as_ref(), &booleans, &mut errors);
        let date_from = query_date("date_from", self.date_from.as_deref(), &mut errors);
        let date_to = query_date("date_to", self.date_to.as_deref(), &mut errors);
        // Ignored, yet bounded like any text of the query: a megabyte there is no legacy client's.
        let _ = text_filter("order", self.order.as_ref(), &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        let filter = SlotFilter { application_id, candidate_id: None, status, is_available, date_from, date_to };
        Ok((filter, page))
    }
}

/// Lists slots by date, then time: every slot for staff, the slots of its own applications for a candidate.
/// `total` (and `X-Total-Count`) counts every match.
#[utoipa::path(
    get,
    path = "/api/v1/interviews/slots",
    operation_id = "list_interview_slots",
    tag = "Entretiens",
    security(("bearer" = [])),
    params(SlotsQuery),
    responses(
        (status = 200, body = SlotList,
         headers(("X-Total-Count" = u64, description = "Nombre total de créneaux correspondants"))),
        (status = 401, body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_slots(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<SlotsQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page) = query.into_inner().into_parts()?;
    let found = state.interviews.list(&caller.0, filter, page).await?;
    let body = SlotList {
        data: found.items.iter().map(SlotBody::from).collect(),
        total: found.total,
        page: page_number(page),
        per_page: page.limit,
        total_pages: found.total.div_ceil(page.limit),
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

/// One slot: any for staff; a candidate's own application's only (another's is 404, S3).
#[utoipa::path(
    get,
    path = "/api/v1/interviews/slots/{slot_id}",
    operation_id = "get_interview_slot",
    tag = "Entretiens",
    security(("bearer" = [])),
    params(("slot_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = SlotBody),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`slot_id` n'est pas un UUID", body = ErrorBody),
    )
)]
pub(crate) async fn get_slot(
    state: web::Data<ApiState>,
    caller: Caller,
    slot_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("slot_id", &slot_id)?;
    let slot = state.interviews.get(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(SlotBody::from(&slot)))
}

/// Changes a slot (partial): moving it needs the new (date, time) free (409 otherwise) and its application open;
/// `status: "cancelled"` cancels it. The candidate is notified and e-mailed of a move (day, time or place) or a
/// cancellation (outbox); audited.
#[utoipa::path(
    put,
    path = "/api/v1/interviews/slots/{slot_id}",
    operation_id = "update_interview_slot",
    tag = "Entretiens",
    security(("bearer" = [])),
    params(("slot_id" = uuid::Uuid, Path)),
    request_body = SlotUpdate,
    responses(
        (status = 200, body = SlotBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`slot_occupied` : créneau déjà pris ; `application_closed` : candidature \
         close", body = ErrorBody),
        (status = 422, description = "Champ invalide", body = ErrorBody),
    )
)]
pub(crate) async fn update_slot(
    state: web::Data<ApiState>,
    caller: Caller,
    slot_id: web::Path<String>,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.interviews.may_schedule(&caller.0)?;
    let body = body.read().await?;
    let id = parse_uuid("slot_id", &slot_id)?;
    let patch = slot_patch(&body)?;
    let slot = state.interviews.update(&caller.0, id, patch, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(SlotBody::from(&slot)))
}

/// Cancels a slot (soft, I7): it reads back `cancelled` and `is_available`, and its time can be booked again.
/// The candidate is notified and e-mailed (outbox); audited.
#[utoipa::path(
    delete,
    path = "/api/v1/interviews/slots/{slot_id}",
    operation_id = "cancel_interview_slot",
    tag = "Entretiens",
    security(("bearer" = [])),
    params(("slot_id" = uuid::Uuid, Path)),
    responses(
        (status = 200, body = SlotCancelled),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "`slot_id` n'est pas un UUID", body = ErrorBody),
    )
)]
pub(crate) async fn cancel_slot(
    state: web::Data<ApiState>,
    caller: Caller,
    slot_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state.interviews.may_schedule(&caller.0)?;
    let id = parse_uuid("slot_id", &slot_id)?;
    let slot = state.interviews.cancel(&caller.0, id, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(SlotCancelled { message: "Entretien annulé avec succès", slot_id: slot.id }))
}
