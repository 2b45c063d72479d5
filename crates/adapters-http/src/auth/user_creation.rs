//! `POST /api/v1/auth/create-user` (legacy §1.2, R6): an administrator creates an account, `actif` at once.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use seeg_application::identity::{CreateUserCommand, ProvisioningError};
use seeg_domain::identity::{CandidateKind, DateOfBirth, EmailAddress, Password, PersonName, Phone, Role, Sexe};
use serde::Deserialize;
use utoipa::ToSchema;

use super::account::UserBody;
use super::caller::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::Fields;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/auth/create-user").route(web::post().to(create_user)));
}

/// `POST /api/v1/auth/create-user` (legacy `CreateUserRequest`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateUserRequest {
    #[schema(value_type = String, required = true, example = "nadia.obame@seeg-gabon.com")]
    pub email: Option<String>,
    /// Policy R5: 12 characters or more (at most 72 bytes), upper and lower case, a digit and a special character.
    #[schema(value_type = String, required = true, min_length = 12, max_length = 72)]
    pub password: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    pub first_name: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    pub last_name: Option<String>,
    /// `admin`, `recruiter`, `observer` or `candidate`.
    #[schema(schema_with = crate::fields::role, required = true)]
    pub role: Option<String>,
    #[schema(schema_with = crate::fields::optional_phone)]
    pub phone: Option<String>,
    /// `YYYY-MM-DD`.
    #[schema(schema_with = crate::fields::optional_date)]
    pub date_of_birth: Option<String>,
    /// `M` or `F`.
    #[schema(schema_with = crate::fields::optional_sexe)]
    pub sexe: Option<String>,
    /// `interne` or `externe`; candidates only (default `externe`).
    #[schema(schema_with = crate::fields::optional_candidate_kind)]
    pub candidate_status: Option<String>,
}

fn present(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl CreateUserRequest {
    fn parse(self, today: NaiveDate) -> Result<CreateUserCommand, ApiError> {
        let mut f = Fields::default();
        let email = f.required("email", self.email.as_ref()).and_then(|v| f.check("email", EmailAddress::parse(v)));
        let password = f
            .required("password", self.password.as_ref())
            .and_then(|v| f.check("password", Password::parse(v.to_owned())));
        let first_name = f
            .required("first_name", self.first_name.as_ref())
            .and_then(|v| f.check("first_name", PersonName::parse(v)));
        let last_name =
            f.required("last_name", self.last_name.as_ref()).and_then(|v| f.check("last_name", PersonName::parse(v)));
        let role = f.required("role", self.role.as_ref()).and_then(|v| f.check("role", v.trim().parse::<Role>()));
        let phone = present(self.phone.as_ref()).and_then(|p| f.check("phone", Phone::parse(p)));
        let date_of_birth = present(self.date_of_birth.as_ref()).and_then(|v| {
            let date = f.check(
                "date_of_birth",
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| "date attendue au format AAAA-MM-JJ"),
            )?;
            f.check("date_of_birth", DateOfBirth::parse(date, today))
        });
        let sexe = present(self.sexe.as_ref()).and_then(|v| f.check("sexe", v.parse::<Sexe>()));
        let candidate_kind = present(self.candidate_status.as_ref())
            .and_then(|v| f.check("candidate_status", v.parse::<CandidateKind>()));
        if candidate_kind.is_some() && role.is_some_and(|r| r != Role::Candidate) {
            f.push("candidate_status", "réservé aux comptes candidats");
        }
        match (email, password, first_name, last_name, role) {
            (Some(email), Some(password), Some(first_name), Some(last_name), Some(role)) if f.0.is_empty() => {
                Ok(CreateUserCommand {
                    email,
                    password,
                    first_name,
                    last_name,
                    role,
                    phone,
                    date_of_birth,
                    sexe,
                    candidate_kind,
                })
            }
            _ => Err(ApiError::Validation(f.0)),
        }
    }
}

impl From<ProvisioningError> for ApiError {
    fn from(error: ProvisioningError) -> Self {
        match error {
            ProvisioningError::Forbidden => Self::forbidden(error.to_string()),
            ProvisioningError::EmailTaken => Self::refused(ErrorCode::EmailTaken, error.to_string()),
            ProvisioningError::Store(e) => e.into(),
            ProvisioningError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// An administrator creates an account of any role, `actif` at once (R6). Answers 200 with the account, as the
/// legacy service did. Audited (`user.created`, the administrator as actor).
#[utoipa::path(
    post,
    path = "/api/v1/auth/create-user",
    operation_id = "create_user",
    tag = "Authentification",
    security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses(
        (status = 200, body = UserBody),
        (status = 400, description = "E-mail déjà utilisé (`email_taken`)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs", body = ErrorBody),
        (status = 422, description = "Champ invalide (mot de passe R5, rôle, …)", body = ErrorBody),
    )
)]
pub(crate) async fn create_user(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    // Refused before the body is read, so that non-admins learn nothing about the rules.
    state.provisioning.admit(&caller.0)?;
    let command = body.read().await?.parse(state.clock.now().date_naive())?;
    let context = audit_context();
    let user = state.provisioning.create(&caller.0, command, &context).await?;
    Ok(HttpResponse::Ok().json(UserBody::from(&user)))
}
