//! A candidate's application drafts, one per offer (legacy §1.7 `/applications/drafts/by-offer`, R27): read,
//! saved whole, deleted; really committed (I8). Candidates only (S3); the offer must be one the caller sees (K3b).
//! `/applications/{application_id}/draft` names the same draft by the caller's own application (R27).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use seeg_application::applications::drafts::{Draft, DraftContent, DraftError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::Caller;
use crate::body::{Deferred, json_config};
use crate::envelope::Envelope;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::params::{NOT_A_UUID, parse_uuid};
use crate::routing::route;
use crate::state::ApiState;

const DRAFTS_PATH: &str = "/api/v1/applications/drafts/by-offer";
const APPLICATION_DRAFT_PATH: &str = "/api/v1/applications/{application_id}/draft";

/// A draft body: both objects at their limit, with room for the offer id and the JSON around them. Larger
/// bodies are refused before they are read (413 `payload_too_large`).
const DRAFT_BODY_LIMIT: usize = 2 * DraftContent::MAX_BYTES + 16 * 1024;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        route(DRAFTS_PATH)
            .app_data(json_config(DRAFT_BODY_LIMIT))
            .route(web::get().to(get_draft))
            .route(web::post().to(save_draft))
            .route(web::delete().to(delete_draft)),
    )
    .service(
        route(APPLICATION_DRAFT_PATH)
            .app_data(json_config(DRAFT_BODY_LIMIT))
            .route(web::get().to(get_application_draft))
            .route(web::post().to(save_application_draft))
            .route(web::delete().to(delete_application_draft)),
    );
}

/// Legacy `Draft`: the two objects are `{}` when empty, never null; timestamps RFC 3339 UTC (F2).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Draft)]
pub struct DraftBody {
    pub user_id: Uuid,
    pub job_offer_id: Uuid,
    /// The form's data, as the front end saved it.
    #[schema(value_type = Object)]
    pub form_data: Map<String, Value>,
    /// The page's state (current step, …), as the front end saved it.
    #[schema(value_type = Object)]
    pub ui_state: Map<String, Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Draft> for DraftBody {
    fn from(d: Draft) -> Self {
        Self {
            user_id: d.user_id,
            job_offer_id: d.job_offer_id,
            form_data: d.form_data.into_map(),
            ui_state: d.ui_state.into_map(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

impl From<DraftError> for ApiError {
    fn from(error: DraftError) -> Self {
        match error {
            DraftError::NotACandidate => Self::forbidden(error.to_string()),
            DraftError::OfferNotFound | DraftError::ApplicationNotFound => Self::NotFound,
            DraftError::AccountInactive => Self::invalid_token(),
            DraftError::Store(e) => e.into(),
        }
    }
}

/// Query of `GET` and `DELETE`. Text, so that a bad value is a 422 naming it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftQuery {
    /// The offer the draft is for.
    #[param(value_type = Uuid, required = true)]
    job_offer_id: Option<String>,
}

fn offer_id(place: &str, raw: Option<&Value>) -> Result<Uuid, FieldError> {
    let field = format!("{place}.job_offer_id");
    let message = match raw {
        None | Some(Value::Null) => "champ obligatoire",
        Some(Value::String(s)) => match Uuid::parse_str(s.trim()) {
            Ok(id) => return Ok(id),
            Err(_) => NOT_A_UUID,
        },
        Some(_) => NOT_A_UUID,
    };
    Err(FieldError { field, message: message.to_owned() })
}

impl DraftQuery {
    fn offer_id(&self) -> Result<Uuid, ApiError> {
        let raw = self.job_offer_id.clone().map(Value::String);
        offer_id("query", raw.as_ref()).map_err(|e| ApiError::Validation(vec![e]))
    }
}

/// The caller's draft for the offer; `data` is `null` when it has none. Candidates only (403 for staff); an
/// offer the caller cannot see answers 404, as an unknown one.
#[utoipa::path(
    get,
    path = "/api/v1/applications/drafts/by-offer",
    operation_id = "get_draft_by_offer",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(DraftQuery),
    responses(
        (status = 200, body = inline(Envelope<Option<DraftBody>>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Offre inconnue ou non visible", body = ErrorBody),
        (status = 422, description = "`job_offer_id` absent ou mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn get_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, ApiError> {
    let job_offer_id = query.offer_id()?;
    let draft = state.drafts.get(&caller.0, job_offer_id).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Brouillon récupéré avec succès", draft.map(DraftBody::from))))
}

/// The fields of the body: `job_offer_id` (required), `form_data` and `ui_state` (objects or null, each at most
/// `DraftContent::MAX_BYTES` once serialized). Others (the legacy `user_id`) are ignored: the key is the caller.
fn parse_body(body: &Map<String, Value>) -> Result<(Uuid, DraftContent, DraftContent), ApiError> {
    let mut errors = Vec::new();
    let job_offer_id = offer_id("body", body.get("job_offer_id")).map_err(|e| errors.push(e)).ok();
    let contents = parse_contents(body, &mut errors);
    match (job_offer_id, contents) {
        (Some(id), Some((form_data, ui_state))) if errors.is_empty() => Ok((id, form_data, ui_state)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// `form_data` and `ui_state`: objects or null (absent is null), each within `DraftContent::MAX_BYTES`; each
/// problem is pushed onto `errors`.
fn parse_contents(body: &Map<String, Value>, errors: &mut Vec<FieldError>) -> Option<(DraftContent, DraftContent)> {
    let mut content = |name: &str| {
        let value = body.get(name).cloned().unwrap_or(Value::Null);
        DraftContent::parse(value)
            .map_err(|e| errors.push(FieldError { field: format!("body.{name}"), message: e.to_string() }))
            .ok()
    };
    let form_data = content("form_data");
    let ui_state = content("ui_state");
    form_data.zip(ui_state)
}

/// Saves the caller's draft for the offer, whole: `form_data` and `ui_state` replace the stored ones, an absent
/// or `null` object is saved empty (legacy upsert). One draft per candidate and offer; a `draft_saved`
/// notification is written with it. Candidates only (403 for staff); an offer the caller cannot see is 404.
#[utoipa::path(
    post,
    path = "/api/v1/applications/drafts/by-offer",
    operation_id = "save_draft_by_offer",
    tag = "Candidatures",
    security(("bearer" = [])),
    request_body(content = Object, description = "`{job_offer_id, form_data?, ui_state?}` ; chaque objet fait au \
        plus 256 Kio une fois sérialisé"),
    responses(
        (status = 201, body = inline(Envelope<DraftBody>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Offre inconnue ou non visible", body = ErrorBody),
        (status = 422, description = "Champ invalide ou objet trop volumineux ; `errors` les liste", body = ErrorBody),
    )
)]
pub(crate) async fn save_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.drafts.may_save(&caller.0)?;
    let body = body.read().await?;
    let (job_offer_id, form_data, ui_state) = parse_body(&body)?;
    let draft = state.drafts.save(&caller.0, job_offer_id, form_data, ui_state).await?;
    Ok(HttpResponse::Created().json(Envelope::ok("Brouillon enregistré avec succès", DraftBody::from(draft))))
}

/// Deletes the caller's draft for the offer (204, also when there was none). The caller's own draft can be
/// deleted even once the offer is closed; otherwise an offer the caller cannot see is 404. Candidates only.
#[utoipa::path(
    delete,
    path = "/api/v1/applications/drafts/by-offer",
    operation_id = "delete_draft_by_offer",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(DraftQuery),
    responses(
        (status = 204, description = "Brouillon supprimé (ou déjà absent)"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Offre inconnue ou non visible", body = ErrorBody),
        (status = 422, description = "`job_offer_id` absent ou mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn delete_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, ApiError> {
    let job_offer_id = query.offer_id()?;
    state.drafts.delete(&caller.0, job_offer_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's draft for the offer of its own application `application_id` (the same draft as by offer, R27);
/// `data` is `null` when it has none. Candidates only (403 for staff); another's or an unknown application is 404.
#[utoipa::path(
    get,
    path = "/api/v1/applications/{application_id}/draft",
    operation_id = "get_application_draft",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses(
        (status = 200, body = inline(Envelope<Option<DraftBody>>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Candidature inconnue ou d'un autre candidat", body = ErrorBody),
        (status = 422, description = "`application_id` mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn get_application_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    let draft = state.drafts.get_for_application(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Brouillon récupéré avec succès", draft.map(DraftBody::from))))
}

/// Saves, whole, the caller's draft for the offer of its own application `application_id` (`{form_data?,
/// ui_state?}`, as by offer; a `draft_saved` notification with it). 200, as the legacy route. Candidates only
/// (403 for staff); another's or an unknown application is 404.
#[utoipa::path(
    post,
    path = "/api/v1/applications/{application_id}/draft",
    operation_id = "save_application_draft",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    request_body(content = Object, description = "`{form_data?, ui_state?}` ; chaque objet fait au plus 256 Kio une \
        fois sérialisé"),
    responses(
        (status = 200, body = inline(Envelope<DraftBody>)),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Candidature inconnue ou d'un autre candidat", body = ErrorBody),
        (status = 422, description = "Champ invalide ou objet trop volumineux ; `errors` les liste", body = ErrorBody),
    )
)]
pub(crate) async fn save_application_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.drafts.may_save(&caller.0)?;
    let body = body.read().await?;
    let id = parse_uuid("application_id", &application_id)?;
    let mut errors = Vec::new();
    let Some((form_data, ui_state)) = parse_contents(&body, &mut errors).filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let draft = state.drafts.save_for_application(&caller.0, id, form_data, ui_state).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Brouillon enregistré", DraftBody::from(draft))))
}

/// Deletes the caller's draft for the offer of its own application `application_id` (204, also when there was
/// none). Candidates only (403 for staff); another's or an unknown application is 404.
#[utoipa::path(
    delete,
    path = "/api/v1/applications/{application_id}/draft",
    operation_id = "delete_application_draft",
    tag = "Candidatures",
    security(("bearer" = [])),
    params(("application_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Brouillon supprimé (ou déjà absent)"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux candidats", body = ErrorBody),
        (status = 404, description = "Candidature inconnue ou d'un autre candidat", body = ErrorBody),
        (status = 422, description = "`application_id` mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn delete_application_draft(
    state: web::Data<ApiState>,
    caller: Caller,
    application_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("application_id", &application_id)?;
    state.drafts.delete_for_application(&caller.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(body: &Value) -> Vec<String> {
        match parse_body(body.as_object().unwrap()) {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_body_needs_an_offer_id_and_objects_or_null() {
        let id = "0192f1c4-0000-7000-8000-000000000001";
        let (parsed, form_data, ui_state) =
            parse_body(json!({"job_offer_id": id, "form_data": {"a": 1}, "user_id": "x"}).as_object().unwrap())
                .unwrap();
        assert_eq!(parsed.to_string(), id);
        assert_eq!(form_data.to_value(), json!({"a": 1}));
        assert!(ui_state.is_empty());
        assert_eq!(fields(&json!({})), ["body.job_offer_id"]);
        assert_eq!(fields(&json!({"job_offer_id": 12})), ["body.job_offer_id"]);
        assert_eq!(
            fields(&json!({"job_offer_id": "pas-un-uuid", "form_data": [1], "ui_state": "x"})),
            ["body.job_offer_id", "body.form_data", "body.ui_state"]
        );
    }
}
