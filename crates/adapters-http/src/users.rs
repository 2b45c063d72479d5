//! The caller's own account (legacy §1.4 `/users/me`), with decision S2: only self-service fields change.

use actix_web::{HttpResponse, web};
use seeg_application::identity::{ManagementError, RequestContext};
use seeg_domain::identity::{
    AdminChanges, CandidateKind, DateOfBirth, EmailAddress, MAX_YEARS_OF_EXPERIENCE, Matricule, NOT_SELF_EDITABLE,
    PersonName, Phone, Role, SelfServiceChanges, Sexe, UserStatus,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody, FieldError};
use crate::identity::{Caller, UserWithProfile};
use crate::middleware::current_request_id;
use crate::offers::parse_uuid;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/users/me").route(web::get().to(get_me)).route(web::put().to(update_me)))
        .service(route("/api/v1/users/{user_id}").route(web::put().to(update_user)));
}

/// The legacy envelope `{success, message, data, errors}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    pub success: bool,
    pub message: &'static str,
    pub data: T,
    #[schema(value_type = Option<Object>)]
    pub errors: Option<Value>,
}

impl<T> Envelope<T> {
    fn ok(message: &'static str, data: T) -> Self {
        Self { success: true, message, data, errors: None }
    }
}

/// The caller's account with its candidate profile.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    operation_id = "get_me",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    responses((status = 200, body = inline(Envelope<UserWithProfile>)), (status = 401, body = ErrorBody))
)]
pub(crate) async fn get_me(caller: Caller) -> HttpResponse {
    let data = UserWithProfile { user: (&caller.0).into(), candidate_profile: None };
    HttpResponse::Ok().json(Envelope::ok("Utilisateur récupéré avec succès", data))
}

/// Reads one optional field: absent -> `None`; `null` -> `Some(None)`; otherwise parsed.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
fn optional<T>(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<Option<T>> {
    match body.get(name)? {
        Value::Null => Some(None),
        value => match parse(value) {
            Ok(v) => Some(Some(v)),
            Err(message) => {
                errors.push(FieldError { field: format!("body.{name}"), message });
                None
            }
        },
    }
}

fn text(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| "doit être une chaîne".to_owned())
}

/// Changes the caller's own account: names, phone, date of birth, sexe, address, current position, years of
/// experience. A body naming `role`, `statut`, `email`, `matricule`, `candidate_status`, `no_seeg_email` or
/// `is_internal_candidate` is refused whole with 403, even with the current value (S2).
#[utoipa::path(
    put,
    path = "/api/v1/users/me",
    operation_id = "update_me",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    request_body(content = Object, description = "Champs modifiables par l'utilisateur"),
    responses(
        (status = 200, body = inline(Envelope<UserWithProfile>)),
        (status = 403, description = "Champ réservé aux administrateurs (`field_not_self_editable`)", body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn update_me(
    state: web::Data<ApiState>,
    caller: Caller,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let refused: Vec<&str> = NOT_SELF_EDITABLE.iter().copied().filter(|k| body.contains_key(*k)).collect();
    if !refused.is_empty() {
        return Err(ApiError::Forbidden {
            code: "field_not_self_editable",
            detail: format!("Champ(s) modifiable(s) uniquement par un administrateur : {}", refused.join(", ")),
        });
    }
    let mut errors = Vec::new();
    let today = state.clock.now().date_naive();
    let name = |v: &Value| PersonName::parse(text(v)?).map_err(|e| e.to_string());
    let first_name = optional(&body, "first_name", &mut errors, name);
    let last_name = optional(&body, "last_name", &mut errors, name);
    for (field, value) in [("first_name", &first_name), ("last_name", &last_name)] {
        if matches!(value, Some(None)) {
            errors.push(FieldError { field: format!("body.{field}"), message: "ne peut pas être vide".to_owned() });
        }
    }
    let changes = SelfServiceChanges {
        first_name: first_name.flatten(),
        last_name: last_name.flatten(),
        phone: optional(&body, "phone", &mut errors, |v| Phone::parse(text(v)?).map_err(|e| e.to_string())),
        date_of_birth: optional(&body, "date_of_birth", &mut errors, |v| {
            let date = chrono::NaiveDate::parse_from_str(text(v)?, "%Y-%m-%d")
                .map_err(|_| "date attendue au format AAAA-MM-JJ".to_owned())?;
            DateOfBirth::parse(date, today).map_err(|e| e.to_string())
        }),
        sexe: optional(&body, "sexe", &mut errors, |v| text(v)?.parse::<Sexe>().map_err(|e| e.to_string())),
        adresse: optional(&body, "adresse", &mut errors, |v| text(v).map(str::to_owned)),
        poste_actuel: optional(&body, "poste_actuel", &mut errors, |v| text(v).map(str::to_owned)),
        annees_experience: optional(&body, "annees_experience", &mut errors, |v| {
            v.as_i64()
                .and_then(|n| i32::try_from(n).ok())
                .filter(|n| (0..=MAX_YEARS_OF_EXPERIENCE).contains(n))
                .ok_or_else(|| format!("doit être un entier entre 0 et {MAX_YEARS_OF_EXPERIENCE}"))
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let user = state.accounts.update_self(caller.0.id, changes).await?;
    let data = UserWithProfile { user: (&user).into(), candidate_profile: None };
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur mis à jour avec succès", data)))
}

/// The fields `PUT /users/{id}` accepts.
const ADMIN_FIELDS: [&str; 5] = ["role", "statut", "email", "matricule", "candidate_status"];

impl From<ManagementError> for ApiError {
    fn from(error: ManagementError) -> Self {
        match error {
            ManagementError::Forbidden => Self::Forbidden { code: "forbidden", detail: error.to_string() },
            ManagementError::NotFound => Self::NotFound("utilisateur introuvable"),
            ManagementError::OwnAccess => {
                Self::BadRequest { code: "own_access_unchangeable", detail: error.to_string() }
            }
            ManagementError::EmailTaken => Self::BadRequest { code: "email_taken", detail: error.to_string() },
            ManagementError::MatriculeTaken => Self::BadRequest { code: "matricule_taken", detail: error.to_string() },
            ManagementError::Store(e) => e.into(),
        }
    }
}

/// An administrator changes an account's role, statut, e-mail, matricule or candidate kind (S2). A change of
/// role or statut ends the account's sessions at once; a blocked account's access tokens stop working on the
/// next request (S4). Audited with the names of the changed fields (B2).
#[utoipa::path(
    put,
    path = "/api/v1/users/{user_id}",
    operation_id = "update_user",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "Identifiant du compte")),
    request_body(content = Object, description = "role, statut, email, matricule, candidate_status"),
    responses(
        (status = 200, body = inline(Envelope<UserWithProfile>)),
        (status = 400, description = "E-mail ou matricule déjà pris ; propre rôle ou statut", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub(crate) async fn update_user(
    state: web::Data<ApiState>,
    caller: Caller,
    user_id: web::Path<String>,
    body: web::Json<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let target = parse_uuid("user_id", &user_id)?;
    let body = body.into_inner();
    let mut errors: Vec<FieldError> = body
        .keys()
        .filter(|k| !ADMIN_FIELDS.contains(&k.as_str()))
        .map(|k| FieldError { field: format!("body.{k}"), message: "champ inconnu ou non modifiable ici".to_owned() })
        .collect();
    let changes = AdminChanges {
        role: optional(&body, "role", &mut errors, |v| text(v)?.trim().parse::<Role>().map_err(|e| e.to_string()))
            .flatten(),
        status: optional(&body, "statut", &mut errors, |v| {
            text(v)?.trim().parse::<UserStatus>().map_err(|e| e.to_string())
        })
        .flatten(),
        email: optional(&body, "email", &mut errors, |v| EmailAddress::parse(text(v)?).map_err(|e| e.to_string()))
            .flatten(),
        matricule: optional(&body, "matricule", &mut errors, |v| {
            v.as_i64()
                .ok_or_else(|| "doit être un entier".to_owned())
                .and_then(|n| Matricule::parse_i64(n).map_err(|e| e.to_string()))
        }),
        candidate_kind: optional(&body, "candidate_status", &mut errors, |v| {
            text(v)?.trim().parse::<CandidateKind>().map_err(|e| e.to_string())
        }),
    };
    for (name, value) in [("role", body.get("role")), ("statut", body.get("statut")), ("email", body.get("email"))] {
        if value.is_some_and(Value::is_null) {
            errors.push(FieldError { field: format!("body.{name}"), message: "ne peut pas être vide".to_owned() });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let context = RequestContext { request_id: Some(current_request_id()) };
    let user = state.users.update(&caller.0, target, changes, &context).await?;
    let data = UserWithProfile { user: (&user).into(), candidate_profile: None };
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur mis à jour avec succès", data)))
}
