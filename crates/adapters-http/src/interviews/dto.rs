//! The legacy shapes of a slot (`Slot`, the list envelope, the cancellation's answer) and the reading of the
//! request bodies: every value arrives as JSON and is parsed by the domain (`parse_date`, `parse_time`), so that
//! a bad one is a 422 naming its field (R31).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use seeg_application::interviews::{NewSlot, SlotPatch};
use seeg_domain::interviews::{DATE_FORMAT, InterviewSlot, SlotStatus, TIME_FORMAT, parse_date, parse_time};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};
use crate::params::{optional, text, uuid_field};

/// Legacy `Slot`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotBody {
    pub id: Uuid,
    /// `YYYY-MM-DD` (F2).
    #[schema(example = "2026-12-14")]
    pub date: String,
    /// `HH:MM:SS`.
    #[schema(example = "09:30:00")]
    pub time: String,
    pub application_id: Uuid,
    pub candidate_name: Option<String>,
    pub job_title: Option<String>,
    /// `scheduled`, `completed` or `cancelled`.
    pub status: String,
    /// `true` once cancelled: the time is free again (I7).
    pub is_available: bool,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&InterviewSlot> for SlotBody {
    fn from(s: &InterviewSlot) -> Self {
        Self {
            id: s.id,
            date: s.date.format(DATE_FORMAT).to_string(),
            time: s.time.format(TIME_FORMAT).to_string(),
            application_id: s.application_id,
            candidate_name: s.candidate_name.clone(),
            job_title: s.job_title.clone(),
            status: s.status.as_str().to_owned(),
            is_available: s.is_available,
            location: s.location.clone(),
            notes: s.notes.clone(),
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// `GET /interviews/slots` (legacy envelope, with the true total, F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotList {
    pub data: Vec<SlotBody>,
    /// Every matching slot, not the page size.
    pub total: u64,
    /// `skip / limit + 1`.
    pub page: u64,
    pub per_page: u64,
    /// `ceil(total / per_page)`.
    pub total_pages: u64,
}

/// `DELETE /interviews/slots/{slot_id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotCancelled {
    #[schema(example = "Entretien annulé avec succès")]
    pub message: &'static str,
    pub slot_id: Uuid,
}

/// The body of `POST /interviews/slots` (legacy `SlotCreate`), as documented; the handler reads it field by field.
/// The labels are trimmed, then hold at most 255 characters (`notes` 5 000).
#[allow(dead_code)] // describes the body in OpenAPI only
#[derive(ToSchema)]
pub struct SlotCreate {
    /// `YYYY-MM-DD`, a real day from 1900.
    #[schema(example = "2026-12-14", format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    date: String,
    /// `HH:MM:SS`, a real time of day.
    #[schema(example = "09:30:00", pattern = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$")]
    time: String,
    application_id: Uuid,
    candidate_name: Option<String>,
    job_title: Option<String>,
    /// `scheduled` only (the default).
    #[schema(schema_with = crate::fields::scheduled)]
    status: Option<String>,
    location: Option<String>,
    notes: Option<String>,
}

/// The body of `PUT /interviews/slots/{slot_id}` (legacy `SlotUpdate`): every field optional; `null` clears
/// `candidate_name`, `job_title`, `location` or `notes`.
#[allow(dead_code)] // describes the body in OpenAPI only
#[derive(ToSchema)]
pub struct SlotUpdate {
    /// `YYYY-MM-DD`: moves the slot.
    #[schema(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", nullable = false)]
    date: Option<String>,
    /// `HH:MM:SS`: moves the slot.
    #[schema(pattern = r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$", nullable = false)]
    time: Option<String>,
    /// The slot's own application only: a slot does not change applications.
    #[schema(nullable = false)]
    application_id: Option<Uuid>,
    candidate_name: Option<String>,
    job_title: Option<String>,
    /// `scheduled`, `completed` or `cancelled` (cancels, as `DELETE`).
    #[schema(schema_with = crate::fields::slot_status, required = false)]
    status: Option<String>,
    location: Option<String>,
    notes: Option<String>,
}

/// A body field that may not be `null`.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
fn not_null<T>(name: &str, value: Option<Option<T>>, errors: &mut Vec<FieldError>) -> Option<T> {
    match value {
        Some(None) => {
            errors.push(FieldError { field: format!("body.{name}"), message: "ne peut pas être vide".to_owned() });
            None
        }
        Some(Some(value)) => Some(value),
        None => None,
    }
}

/// A required body field: absent or `null` is an error.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
fn required<T>(name: &str, value: Option<Option<T>>, errors: &mut Vec<FieldError>, present: bool) -> Option<T> {
    if !present {
        errors.push(FieldError { field: format!("body.{name}"), message: "champ obligatoire".to_owned() });
    }
    not_null(name, value, errors)
}

/// The fields every slot body reads the same way: absent (`None`), `null` (`Some(None)`) or a value.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
struct Read {
    date: Option<Option<NaiveDate>>,
    time: Option<Option<NaiveTime>>,
    application_id: Option<Option<Uuid>>,
    status: Option<Option<SlotStatus>>,
    labels: [Option<Option<String>>; 4],
}

fn read(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Read {
    // Other fields are ignored, as the legacy service did: a client may send back a slot it read (`id`,
    // `is_available`, `created_at`, …).
    let label = |name: &str, errors: &mut Vec<FieldError>| {
        optional(body, name, errors, |v| text(v).map(|t| Some(t.trim().to_owned()).filter(|t| !t.is_empty())))
            .map(Option::flatten)
    };
    Read {
        date: optional(body, "date", errors, |v| parse_date(text(v)?).map_err(|e| e.to_string())),
        time: optional(body, "time", errors, |v| parse_time(text(v)?).map_err(|e| e.to_string())),
        application_id: optional(body, "application_id", errors, |v| {
            uuid_field("body.application_id", text(v)?).map_err(|e| e.message)
        }),
        status: optional(body, "status", errors, |v| text(v)?.trim().parse::<SlotStatus>().map_err(|e| e.to_string())),
        labels: [
            label("candidate_name", errors),
            label("job_title", errors),
            label("location", errors),
            label("notes", errors),
        ],
    }
}

/// A booking from a `SlotCreate` body: `date`, `time` and `application_id` required; `status`, if sent, is
/// `scheduled` (a slot is booked scheduled).
pub(crate) fn new_slot(body: &Map<String, Value>) -> Result<NewSlot, ApiError> {
    let mut errors = Vec::new();
    let Read { date, time, application_id, status, labels } = read(body, &mut errors);
    let date = required("date", date, &mut errors, body.contains_key("date"));
    let time = required("time", time, &mut errors, body.contains_key("time"));
    let application_id = required("application_id", application_id, &mut errors, body.contains_key("application_id"));
    if status.flatten().is_some_and(|s| s != SlotStatus::Scheduled) {
        errors.push(FieldError {
            field: "body.status".to_owned(),
            message: "un entretien se programme au statut « scheduled »".to_owned(),
        });
    }
    let [candidate_name, job_title, location, notes] = labels.map(Option::flatten);
    match (date, time, application_id) {
        (Some(date), Some(time), Some(application_id)) if errors.is_empty() => {
            Ok(NewSlot { application_id, date, time, candidate_name, job_title, location, notes })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// A change from a `SlotUpdate` body: absent fields stay; `date`, `time`, `status` and `application_id` may not
/// be `null`.
pub(crate) fn slot_patch(body: &Map<String, Value>) -> Result<SlotPatch, ApiError> {
    let mut errors = Vec::new();
    let Read { date, time, application_id, status, labels } = read(body, &mut errors);
    let [candidate_name, job_title, location, notes] = labels;
    let patch = SlotPatch {
        application_id: not_null("application_id", application_id, &mut errors),
        date: not_null("date", date, &mut errors),
        time: not_null("time", time, &mut errors),
        candidate_name,
        job_title,
        location,
        notes,
        status: not_null("status", status, &mut errors),
    };
    if errors.is_empty() { Ok(patch) } else { Err(ApiError::Validation(errors)) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("an object") };
        map
    }

    fn fields(error: ApiError) -> Vec<String> {
        let ApiError::Validation(errors) = error else { panic!("expected a 422: {error:?}") };
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_booking_needs_a_real_date_time_and_application() {
        let id = Uuid::nil();
        let new = new_slot(&object(json!({
            "date": "2026-12-14", "time": "09:30:00", "application_id": id.to_string(),
            "candidate_name": " Awa Mba ", "job_title": "", "status": "scheduled", "location": null,
        })))
        .unwrap();
        assert_eq!(new.date, NaiveDate::from_ymd_opt(2026, 12, 14).unwrap());
        assert_eq!((new.candidate_name.as_deref(), new.job_title, new.location), (Some("Awa Mba"), None, None));
        let bad = new_slot(&object(json!({"date": "14/12/2026", "time": "9h30", "status": "done", "x": 1})));
        assert_eq!(
            fields(bad.unwrap_err()),
            ["body.date", "body.time", "body.status", "body.application_id"],
            "an unknown field (`x`) is ignored"
        );
        let closed = new_slot(&object(json!({"date": "2026-12-14", "time": "09:30:00",
            "application_id": id.to_string(), "status": "cancelled"})));
        assert_eq!(fields(closed.unwrap_err()), ["body.status"]);
        let nulls = new_slot(&object(json!({"date": null, "time": "09:30:00", "application_id": "42"})));
        assert_eq!(fields(nulls.unwrap_err()), ["body.application_id", "body.date"]);
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_clears_what_is_null() {
        let patch = slot_patch(&object(json!({"time": "10:00:00", "notes": null}))).unwrap();
        assert_eq!(patch.time, NaiveTime::from_hms_opt(10, 0, 0));
        assert_eq!((patch.date, patch.notes, patch.location), (None, Some(None), None));
        let bad = slot_patch(&object(json!({"date": null, "status": "fini", "time": "24:00:00"})));
        assert_eq!(fields(bad.unwrap_err()), ["body.time", "body.status", "body.date"]);
    }
}
