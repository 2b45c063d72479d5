//! Accounts (legacy §1.4): the caller's own (`/users/me`; decision S2: only self-service fields change), and,
//! for staff, the list, one account, an administrator's changes, deletion (I10).

use actix_web::{HttpResponse, web};
use seeg_application::Page;
use seeg_application::identity::{DirectoryError, ManagementError, SortOrder, UserFilter, UserSort, UserSortKey};
use seeg_domain::identity::{
    AdminChanges, CandidateKind, DateOfBirth, EmailAddress, MAX_YEARS_OF_EXPERIENCE, Matricule, NOT_SELF_EDITABLE,
    PersonName, Phone, Role, SelfServiceChanges, Sexe, UserStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, UserBody, UserWithProfile, with_profile};
use crate::body::Deferred;
use crate::envelope::{Envelope, TOTAL_COUNT_HEADER, page_number};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::params::{PageQuery, choice, optional, parse_uuid, text, text_filter};
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    // `/users/me` before `/users/{user_id}`, so that `me` is never read as an id.
    cfg.service(route("/api/v1/users").route(web::get().to(list_users)))
        .service(route("/api/v1/users/me").route(web::get().to(get_me)).route(web::put().to(update_me)))
        .service(
            route("/api/v1/users/{user_id}")
                .route(web::get().to(get_user))
                .route(web::put().to(update_user))
                .route(web::delete().to(delete_user)),
        );
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
pub(crate) async fn get_me(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let data = with_profile(&state, &caller.0).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur récupéré avec succès", data)))
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
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    let body = body.read().await?;
    let refused: Vec<&str> = NOT_SELF_EDITABLE.iter().copied().filter(|k| body.contains_key(*k)).collect();
    if !refused.is_empty() {
        return Err(ApiError::refused(
            ErrorCode::FieldNotSelfEditable,
            format!("Champ(s) modifiable(s) uniquement par un administrateur : {}", refused.join(", ")),
        ));
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
    let data = with_profile(&state, &user).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur mis à jour avec succès", data)))
}

/// The fields `PUT /users/{id}` accepts.
const ADMIN_FIELDS: [&str; 5] = ["role", "statut", "email", "matricule", "candidate_status"];

impl From<ManagementError> for ApiError {
    fn from(error: ManagementError) -> Self {
        match error {
            ManagementError::Forbidden => Self::forbidden(error.to_string()),
            ManagementError::NotFound => Self::NotFound,
            ManagementError::OwnAccess => Self::refused(ErrorCode::OwnAccessUnchangeable, error.to_string()),
            ManagementError::OwnDeletion => Self::refused(ErrorCode::OwnAccountUndeletable, error.to_string()),
            ManagementError::EmailTaken => Self::refused(ErrorCode::EmailTaken, error.to_string()),
            ManagementError::MatriculeTaken => Self::refused(ErrorCode::MatriculeTaken, error.to_string()),
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
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.users.may_update(&caller.0)?;
    let body = body.read().await?;
    let target = parse_uuid("user_id", &user_id)?;
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
    let context = audit_context();
    let user = state.users.update(&caller.0, target, changes, &context).await?;
    let data = with_profile(&state, &user).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur mis à jour avec succès", data)))
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> Self {
        match error {
            DirectoryError::Forbidden => Self::forbidden(error.to_string()),
            DirectoryError::NotFound => Self::NotFound,
            DirectoryError::Store(e) => e.into(),
        }
    }
}

/// The largest page of `GET /users/` (legacy `limit` 1..=1000).
pub const USERS_MAX_LIMIT: u64 = 1000;
/// The page size of `GET /users/` when none is asked.
pub const USERS_DEFAULT_LIMIT: u64 = 100;

/// Query of `GET /api/v1/users/`. Everything arrives as text so a bad value is a 422 naming its field.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Accounts to skip (≥ 0, default 0).
    #[param(value_type = Option<u64>)]
    skip: Option<String>,
    /// Page size (1..=1000, default 100).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// Part of the first name, last name or e-mail; case and accents are ignored.
    q: Option<String>,
    /// `admin`, `recruiter`, `observer` or `candidate`.
    #[param(schema_with = crate::fields::role)]
    role: Option<String>,
    /// `actif`, `en_attente`, `inactif`, `bloqué` or `archivé`.
    #[param(schema_with = crate::fields::user_status)]
    statut: Option<String>,
    /// `first_name`, `last_name`, `email` or `created_at` (default).
    #[param(schema_with = crate::fields::user_sort)]
    sort: Option<String>,
    /// `asc` or `desc` (default).
    #[param(schema_with = crate::fields::sort_order)]
    order: Option<String>,
}

impl UsersQuery {
    fn into_parts(self) -> Result<(UserFilter, Page, UserSort), ApiError> {
        let mut errors = Vec::new();
        let page = PageQuery::<USERS_DEFAULT_LIMIT, USERS_MAX_LIMIT>::read(
            self.skip.as_deref(),
            self.limit.as_deref(),
            &mut errors,
        );
        let q = text_filter("q", self.q.as_ref(), &mut errors);
        let roles: Vec<(&str, Role)> = Role::ALL.iter().map(|r| (r.as_str(), *r)).collect();
        let role = choice("role", self.role.as_ref(), &roles, &mut errors);
        let statuses: Vec<(&str, UserStatus)> = UserStatus::ALL.iter().map(|s| (s.as_str(), *s)).collect();
        let status = choice("statut", self.statut.as_ref(), &statuses, &mut errors);
        let defaults = UserSort::default();
        let key = choice(
            "sort",
            self.sort.as_ref(),
            &[
                ("first_name", UserSortKey::FirstName),
                ("last_name", UserSortKey::LastName),
                ("email", UserSortKey::Email),
                ("created_at", UserSortKey::CreatedAt),
            ],
            &mut errors,
        )
        .unwrap_or(defaults.key);
        let order =
            choice("order", self.order.as_ref(), &[("asc", SortOrder::Asc), ("desc", SortOrder::Desc)], &mut errors)
                .unwrap_or(defaults.order);
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok((UserFilter { q, role, status }, page, UserSort { key, order }))
    }
}

/// `GET /users/` (legacy shape, with the true total, F5).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub success: bool,
    #[schema(example = "2 utilisateur(s) récupéré(s)")]
    pub message: String,
    pub data: Vec<UserBody>,
    /// Every matching account, not the page size.
    pub total: u64,
    /// `skip / limit + 1`.
    pub page: u64,
    pub per_page: u64,
}

/// Lists accounts for admins and recruiters (S3): search `q` over names and e-mail (case and accents ignored),
/// filters by role and statut, sorted then by id. `total` (and `X-Total-Count`) is the number of all matches.
#[utoipa::path(
    get,
    path = "/api/v1/users/",
    operation_id = "list_users",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(UsersQuery),
    responses(
        (status = 200, body = UserList,
         headers(("X-Total-Count" = u64, description = "Nombre total de comptes correspondants"))),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs et recruteurs", body = ErrorBody),
        (status = 422, description = "Paramètre invalide", body = ErrorBody),
    )
)]
pub(crate) async fn list_users(
    state: web::Data<ApiState>,
    caller: Caller,
    query: web::Query<UsersQuery>,
) -> Result<HttpResponse, ApiError> {
    let (filter, page, sort) = query.into_inner().into_parts()?;
    let found = state.directory.list(&caller.0, &filter, page, sort).await?;
    let body = UserList {
        success: true,
        message: format!("{} utilisateur(s) récupéré(s)", found.items.len()),
        data: found.items.iter().map(UserBody::from).collect(),
        total: found.total,
        page: page_number(page),
        per_page: page.limit,
    };
    Ok(HttpResponse::Ok().insert_header((TOTAL_COUNT_HEADER, found.total.to_string())).json(body))
}

/// One account: one's own, or any for staff (observers included, read-only). Another account answers 404 to a
/// candidate, as an unknown id does, so ids cannot be probed (S3).
#[utoipa::path(
    get,
    path = "/api/v1/users/{user_id}",
    operation_id = "get_user",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "Identifiant du compte")),
    responses(
        (status = 200, body = inline(Envelope<UserWithProfile>)),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Compte inconnu ou non visible", body = ErrorBody),
        (status = 422, description = "Identifiant mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn get_user(
    state: web::Data<ApiState>,
    caller: Caller,
    user_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uuid("user_id", &user_id)?;
    let user = state.directory.get(&caller.0, id).await?;
    let data = with_profile(&state, &user).await?;
    Ok(HttpResponse::Ok().json(Envelope::ok("Utilisateur récupéré avec succès", data)))
}

/// Deletes an account (I10): the account holder himself, or an administrator (not his own account: 400).
/// Deleting deactivates: the account becomes `archivé`, every session is revoked, HR records stay; it can no
/// longer sign in and its access tokens stop working. Another account answers 404 to a candidate (S3).
#[utoipa::path(
    delete,
    path = "/api/v1/users/{user_id}",
    operation_id = "delete_user",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(("user_id" = uuid::Uuid, Path, description = "Identifiant du compte")),
    responses(
        (status = 200, body = inline(Envelope<Option<Object>>)),
        (status = 400, description = "Un administrateur ne supprime pas son propre compte", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Ni le titulaire du compte, ni un administrateur", body = ErrorBody),
        (status = 404, description = "Compte inconnu ou non visible", body = ErrorBody),
        (status = 422, description = "Identifiant mal formé", body = ErrorBody),
    )
)]
pub(crate) async fn delete_user(
    state: web::Data<ApiState>,
    caller: Caller,
    user_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let target = parse_uuid("user_id", &user_id)?;
    let context = audit_context();
    state.users.delete(&caller.0, target, &context).await?;
    Ok(HttpResponse::Ok().json(Envelope::<Option<Value>>::ok("Utilisateur supprimé avec succès", None)))
}
