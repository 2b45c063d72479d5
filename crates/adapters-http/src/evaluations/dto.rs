//! The legacy evaluation shapes (§1.15 `P1Eval`, `P2Eval`, legacy §2.11, §2.12): what a create or update body
//! carries, read field by field so that a bad value is a 422 naming it (`body.cv_score`), and what a response
//! holds, scores as JSON numbers (F3).

use chrono::{DateTime, Utc};
use seeg_application::evaluations::{EvaluationProtocol, EvaluationStats, ProtocolStats};
use seeg_domain::evaluations::{
    Evaluation, EvaluationStatus, Protocol1Fields, Protocol1Patch, Protocol2Fields, Protocol2Patch, Score, ScoreError,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::FieldError;
use crate::params::{text, timestamp};

/// One field's value as a body carries it; `null` is accepted by the nullable fields only.
trait BodyValue: Sized {
    fn read(field: &'static str, value: &Value) -> Result<Self, String>;
}

impl BodyValue for bool {
    fn read(_: &'static str, value: &Value) -> Result<Self, String> {
        value.as_bool().ok_or_else(|| "doit être un booléen (true ou false)".to_owned())
    }
}

impl BodyValue for EvaluationStatus {
    fn read(_: &'static str, value: &Value) -> Result<Self, String> {
        if value.is_null() {
            return Err("ne peut pas être null".to_owned());
        }
        text(value)?.trim().parse().map_err(|e: seeg_domain::vocabulary::UnknownValue| e.to_string())
    }
}

/// A score: a JSON number (F3), or the decimal string the legacy service sent (`"15.50"`); 0..=20 with at most
/// two decimals (I6), on create as on update.
impl BodyValue for Option<Score> {
    fn read(field: &'static str, value: &Value) -> Result<Self, String> {
        let number = match value {
            Value::Null => return Ok(None),
            Value::Number(n) => n.as_f64(),
            Value::String(s) => decimal(s.trim()),
            _ => None,
        };
        let number = number.ok_or_else(|| ScoreError { field }.to_string())?;
        Score::parse(field, number).map(Some).map_err(|e| e.to_string())
    }
}

/// A plain decimal (`12`, `12.5`, `-1`): no exponent, no `NaN` or `inf`, which `f64::from_str` would take.
fn decimal(raw: &str) -> Option<f64> {
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    (plain(whole) && plain(fraction)).then(|| raw.parse().ok()).flatten()
}

impl BodyValue for Option<String> {
    fn read(_: &'static str, value: &Value) -> Result<Self, String> {
        if value.is_null() { Ok(None) } else { text(value).map(|t| Some(t.to_owned())) }
    }
}

impl BodyValue for Option<DateTime<Utc>> {
    fn read(_: &'static str, value: &Value) -> Result<Self, String> {
        if value.is_null() { Ok(None) } else { timestamp(value).map(Some) }
    }
}

/// `field` of `body`: absent -> `None`; a bad value adds its error (`body.{field}`).
fn read<T: BodyValue>(body: &Map<String, Value>, field: &'static str, errors: &mut Vec<FieldError>) -> Option<T> {
    let value = body.get(field)?;
    T::read(field, value).map_err(|message| errors.push(FieldError { field: format!("body.{field}"), message })).ok()
}

/// A field as a response carries it.
trait Wire<T> {
    fn wire(&self) -> T;
}

impl Wire<bool> for bool {
    fn wire(&self) -> bool {
        *self
    }
}

impl Wire<String> for EvaluationStatus {
    fn wire(&self) -> String {
        self.as_str().to_owned()
    }
}

impl Wire<Option<f64>> for Option<Score> {
    fn wire(&self) -> Option<f64> {
        self.map(Score::points)
    }
}

impl Wire<Option<String>> for Option<String> {
    fn wire(&self) -> Option<String> {
        self.clone()
    }
}

impl Wire<Option<DateTime<Utc>>> for Option<DateTime<Utc>> {
    fn wire(&self) -> Option<DateTime<Utc>> {
        *self
    }
}

/// What the routes need of a protocol beyond the use cases: its body read from JSON, its response shape.
pub(crate) trait WireProtocol: EvaluationProtocol {
    /// The response body of one evaluation.
    type Body: Serialize + for<'a> From<&'a Evaluation<Self>>;

    /// The fields `body` sets (unknown fields are ignored, as the legacy service did: `evaluator_id` is the
    /// caller, `overall_score` is computed); every bad value is in `errors`.
    fn patch(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Self::Patch;
}

/// Declares a protocol's response body (its fields, then the computed score and the record's ids and times) and
/// how a request body sets its fields, from one list of the fields with their wire types.
macro_rules! wire_protocol {
    ($(#[$meta:meta])* $body:ident for $fields:ty, $patch:ident { $($field:ident : $ty:ty),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $body {
            $(pub $field: $ty,)+
            /// Computed from the weighted parts (I6), out of 20.
            #[schema(example = 11.8)]
            pub overall_score: f64,
            pub id: Uuid,
            pub application_id: Uuid,
            /// Who created it; `null` once that account is gone.
            pub evaluator_id: Option<Uuid>,
            pub created_at: DateTime<Utc>,
            pub updated_at: DateTime<Utc>,
        }

        impl From<&Evaluation<$fields>> for $body {
            fn from(e: &Evaluation<$fields>) -> Self {
                Self {
                    $($field: <_ as Wire<$ty>>::wire(&e.fields.$field),)+
                    overall_score: e.overall_score.points(),
                    id: e.id,
                    application_id: e.application_id,
                    evaluator_id: e.evaluator_id,
                    created_at: e.created_at,
                    updated_at: e.updated_at,
                }
            }
        }

        impl WireProtocol for $fields {
            type Body = $body;

            fn patch(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> $patch {
                $patch { $($field: read(body, stringify!($field), errors),)+ }
            }
        }
    };
}

wire_protocol! {
    /// A protocol 1 evaluation (legacy `P1Eval`, R29): scores out of 20 as numbers, `null` when not given.
    Protocol1Body for Protocol1Fields, Protocol1Patch {
        status: String,
        completed: bool,
        documents_verified: bool,
        cv_score: Option<f64>,
        cv_comments: Option<String>,
        diplomes_certificats_score: Option<f64>,
        diplomes_certificats_comments: Option<String>,
        lettre_motivation_score: Option<f64>,
        lettre_motivation_comments: Option<String>,
        documentary_score: Option<f64>,
        metier_score: Option<f64>,
        metier_comments: Option<String>,
        metier_notes: Option<String>,
        paradigme_score: Option<f64>,
        paradigme_comments: Option<String>,
        paradigme_notes: Option<String>,
        talent_score: Option<f64>,
        talent_comments: Option<String>,
        talent_notes: Option<String>,
        mtp_score: Option<f64>,
        interview_metier_score: Option<f64>,
        interview_metier_comments: Option<String>,
        interview_paradigme_score: Option<f64>,
        interview_paradigme_comments: Option<String>,
        interview_talent_score: Option<f64>,
        interview_talent_comments: Option<String>,
        interview_score: Option<f64>,
        interview_date: Option<DateTime<Utc>>,
        gap_competence_score: Option<f64>,
        gap_competence_comments: Option<String>,
        adherence_metier: bool,
        adherence_paradigme: bool,
        adherence_talent: bool,
        total_score: Option<f64>,
        general_summary: Option<String>,
    }
}

wire_protocol! {
    /// A protocol 2 evaluation (legacy `P2Eval`, R30): the QCM scores out of 20 as numbers, `null` when not given.
    Protocol2Body for Protocol2Fields, Protocol2Patch {
        completed: bool,
        interview_completed: bool,
        physical_visit: bool,
        skills_gap_assessed: bool,
        job_sheet_created: bool,
        qcm_role_completed: bool,
        qcm_codir_completed: bool,
        qcm_role_score: Option<f64>,
        qcm_codir_score: Option<f64>,
        interview_notes: Option<String>,
        visit_notes: Option<String>,
        skills_gap_notes: Option<String>,
    }
}

/// One protocol's evaluations, counted (legacy `/evaluations/stats/overview`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProtocolStatsBody {
    pub total_evaluations: u64,
    /// The average overall score, rounded to the hundredth; 0 when there are none.
    #[schema(example = 12.5)]
    pub average_score: f64,
}

/// Both protocols' statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationStatsBody {
    pub protocol1: ProtocolStatsBody,
    pub protocol2: ProtocolStatsBody,
}

impl From<ProtocolStats> for ProtocolStatsBody {
    fn from(stats: ProtocolStats) -> Self {
        Self { total_evaluations: stats.total, average_score: stats.average_overall.points() }
    }
}

impl From<EvaluationStats> for EvaluationStatsBody {
    fn from(stats: EvaluationStats) -> Self {
        Self { protocol1: stats.protocol1.into(), protocol2: stats.protocol2.into() }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn body(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else { panic!("an object") };
        map
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn scores_are_numbers_or_decimal_strings_within_0_and_20() {
        let mut errors = Vec::new();
        let patch = Protocol1Fields::patch(
            &body(json!({"cv_score": 0, "mtp_score": 20, "interview_score": "15.50", "total_score": null})),
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(patch.cv_score, Some(Some(Score::ZERO)));
        assert_eq!(patch.mtp_score.flatten().map(Score::hundredths), Some(2000));
        assert_eq!(patch.interview_score.flatten().map(Score::hundredths), Some(1550));
        assert_eq!(patch.total_score, Some(None));
        assert_eq!(patch.documentary_score, None, "absent: unchanged");
        for bad in
            [json!(-1), json!(20.001), json!(21), json!("abc"), json!("NaN"), json!("inf"), json!("1e1"), json!(true)]
        {
            let mut errors = Vec::new();
            Protocol2Fields::patch(&body(json!({"qcm_role_score": bad})), &mut errors);
            assert_eq!(fields(&errors), ["body.qcm_role_score"], "{bad}");
            assert!(errors[0].message.contains("entre 0 et 20"), "{}", errors[0].message);
        }
    }

    #[test]
    fn every_bad_field_is_named_and_unknown_ones_are_ignored() {
        let mut errors = Vec::new();
        let sent = json!({
            "status": "fini", "completed": "oui", "cv_comments": 3, "interview_date": "demain",
            "evaluator_id": "x", "overall_score": 20, "inconnu": 1,
        });
        Protocol1Fields::patch(&body(sent), &mut errors);
        assert_eq!(fields(&errors), ["body.status", "body.completed", "body.cv_comments", "body.interview_date"]);
        let mut errors = Vec::new();
        let patch = Protocol1Fields::patch(
            &body(json!({"status": "in_progress", "interview_date": "2026-12-01"})),
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(patch.status, Some(EvaluationStatus::InProgress));
        assert!(patch.interview_date.flatten().is_some());
    }
}

/// The body of an evaluation's create (`create`: `application_id` required) or update, as documented, drawn from the
/// protocol's response body `B` so that the two list the same fields: each optional (absent fields stay), `null`
/// clearing the nullable ones; scores 0 to 20 with two decimals at most (I6), as numbers (F3) or the decimal text
/// the legacy service sent; dates as RFC 3339 or `YYYY-MM-DD`; `status` one of its words. The computed fields (`id`,
/// `overall_score`, `evaluator_id`, the times) and any unknown field are ignored.
fn request_schema<B: ToSchema>(create: bool) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use serde_json::json;
    let mut schema = serde_json::to_value(B::schema()).unwrap_or_default();
    if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        for computed in ["id", "application_id", "evaluator_id", "overall_score", "created_at", "updated_at"] {
            properties.remove(computed);
        }
        for (name, property) in properties.iter_mut() {
            let kind = property.get("type").cloned().unwrap_or_default();
            if kind == json!("number") || kind == json!(["number", "null"]) {
                *property = json!({"anyOf": [
                    {"type": "number", "minimum": 0, "maximum": 20},
                    {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"},
                    {"type": "null"},
                ]});
            } else if property.get("format") == Some(&json!("date-time")) {
                *property = json!({"type": ["string", "null"], "example": "2026-12-14T09:30:00Z"});
            } else if name == "status" {
                let words: Vec<&str> = EvaluationStatus::ALL.iter().map(|s| s.as_str()).collect();
                *property = json!({"type": "string", "enum": words});
            }
        }
        if create {
            properties.insert("application_id".to_owned(), json!({"type": "string", "format": "uuid"}));
        }
    }
    if let Some(object) = schema.as_object_mut() {
        if create {
            object.insert("required".to_owned(), json!(["application_id"]));
        } else {
            object.remove("required");
        }
    }
    serde_json::from_value(schema).unwrap_or_else(|_| utoipa::openapi::ObjectBuilder::new().into())
}

/// A documented request body of the evaluations (`request_schema`), named after its protocol's response body.
macro_rules! evaluation_request {
    ($($name:ident = $body:ty, $create:literal;)+) => {
        $(
            #[doc = concat!("The body of `", stringify!($name), "` (see `request_schema`).")]
            #[derive(Debug)]
            pub(crate) struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    request_schema::<$body>($create)
                }
            }

            impl ToSchema for $name {}
        )+
    };
}

evaluation_request! {
    Protocol1Create = Protocol1Body, true;
    Protocol1Update = Protocol1Body, false;
    Protocol2Create = Protocol2Body, true;
    Protocol2Update = Protocol2Body, false;
}
