//! Passwords: the caller changes theirs (legacy §1.2 change-password, policy R5), or a forgotten one is reset by
//! a link sent by e-mail (forgot-password / reset-password, R12; decisions S4, S6).

use actix_web::{HttpRequest, HttpResponse, web};
use seeg_application::identity::{PasswordChangeError, PasswordResetError};
use seeg_domain::identity::{EmailAddress, Password};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::caller::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::params::Fields;
use crate::rate_limit::{login_attempt, reset_request};
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/auth/change-password").route(web::post().to(change_password)))
        .service(route("/api/v1/auth/forgot-password").route(web::post().to(forgot_password)))
        .service(route("/api/v1/auth/reset-password").route(web::post().to(reset_password)));
}

/// `POST /api/v1/auth/forgot-password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ForgotPasswordRequest {
    #[schema(value_type = String, required = true, example = "awa.mba@example.com")]
    pub email: Option<String>,
}

/// `POST /api/v1/auth/reset-password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetPasswordRequest {
    /// The token of the link `…/reset-password?token=…`.
    #[schema(value_type = String, required = true)]
    pub token: Option<String>,
    /// Policy R5: 12 characters or more (at most 72 bytes), upper and lower case, a digit and a special character.
    #[schema(value_type = String, required = true, min_length = 12, max_length = 72)]
    pub new_password: Option<String>,
}

/// `{success, message}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordDone {
    pub success: bool,
    pub message: &'static str,
}

fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError { field: format!("body.{field}"), message: message.into() }])
}

impl From<PasswordResetError> for ApiError {
    fn from(error: PasswordResetError) -> Self {
        match error {
            PasswordResetError::InvalidToken => Self::refused(ErrorCode::InvalidResetToken, error.to_string()),
            PasswordResetError::WeakPassword(e) => invalid("new_password", e.to_string()),
            PasswordResetError::Store(e) => e.into(),
            PasswordResetError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// Sends a reset link when the address belongs to an active account; the answer is the same either way.
#[utoipa::path(
    post,
    path = "/api/v1/auth/forgot-password",
    operation_id = "forgot_password",
    tag = "Authentification",
    request_body = ForgotPasswordRequest,
    responses(
        (status = 200, description = "Toujours la même réponse, que l'adresse existe ou non", body = PasswordDone),
        (status = 422, description = "Adresse e-mail mal formée", body = ErrorBody),
        (status = 429, description = "Trop de demandes", body = ErrorBody),
    )
)]
pub(crate) async fn forgot_password(
    state: web::Data<ApiState>,
    body: web::Json<ForgotPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.into_inner().email.unwrap_or_default();
    if raw.trim().is_empty() {
        return Err(invalid("email", "champ obligatoire"));
    }
    let email = EmailAddress::parse(&raw).map_err(|e| invalid("email", e.to_string()))?;
    if reset_request(state.get_ref(), email.as_str()).await {
        state.password_resets.forgot(&email).await?;
    }
    Ok(HttpResponse::Ok().json(PasswordDone { success: true, message: "Email envoyé si l'adresse existe" }))
}

/// Sets a new password with the token of a reset link: single use, one hour; every session of the account ends.
#[utoipa::path(
    post,
    path = "/api/v1/auth/reset-password",
    operation_id = "reset_password",
    tag = "Authentification",
    request_body = ResetPasswordRequest,
    responses(
        (status = 200, body = PasswordDone),
        (status = 400, description = "Token de réinitialisation invalide ou expiré", body = ErrorBody),
        (status = 422, description = "Nouveau mot de passe trop faible", body = ErrorBody),
        (status = 429, description = "Trop de demandes", body = ErrorBody),
    )
)]
pub(crate) async fn reset_password(
    state: web::Data<ApiState>,
    body: web::Json<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let token = body.token.unwrap_or_default();
    if token.trim().is_empty() {
        return Err(PasswordResetError::InvalidToken.into());
    }
    let context = audit_context();
    state.password_resets.reset(&token, body.new_password.unwrap_or_default(), &context).await?;
    Ok(HttpResponse::Ok().json(PasswordDone { success: true, message: "Mot de passe réinitialisé" }))
}

/// `POST /api/v1/auth/change-password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[schema(value_type = String, required = true, min_length = 1)]
    pub current_password: Option<String>,
    /// Policy R5: 12 characters or more (at most 72 bytes), upper and lower case, a digit and a special character.
    #[schema(value_type = String, required = true, min_length = 12, max_length = 72)]
    pub new_password: Option<String>,
}

/// `{success, message}` answers of the password routes.
#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub success: bool,
    pub message: &'static str,
}

impl From<PasswordChangeError> for ApiError {
    fn from(error: PasswordChangeError) -> Self {
        match error {
            PasswordChangeError::WrongCurrentPassword => {
                Self::refused(ErrorCode::WrongCurrentPassword, error.to_string())
            }
            PasswordChangeError::Store(e) => e.into(),
            PasswordChangeError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// Changes the caller's password (policy R5); every refresh token of the account is revoked (S4).
#[utoipa::path(
    post,
    path = "/api/v1/auth/change-password",
    operation_id = "change_password",
    tag = "Authentification",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 200, body = Done),
        (status = 401, description = "Mot de passe actuel incorrect, ou jeton invalide", body = ErrorBody),
        (status = 422, description = "Nouveau mot de passe trop faible", body = ErrorBody),
    )
)]
pub(crate) async fn change_password(
    req: HttpRequest,
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.read().await?;
    let mut f = Fields::default();
    let current = f.required("current_password", body.current_password.as_ref()).map(str::to_owned);
    let new_password = f
        .required("new_password", body.new_password.as_ref())
        .and_then(|v| f.check("new_password", Password::parse(v.to_owned())));
    let (Some(current), Some(new_password)) = (current, new_password) else {
        return Err(ApiError::Validation(f.0));
    };
    // The current password is a password guess like a login's: the same account count and delays (S6).
    let attempt = login_attempt(state.get_ref(), &req, &caller.0.email).await?;
    let outcome = state.accounts.change_password(&caller.0, &current, &new_password, &audit_context()).await;
    match &outcome {
        Ok(()) => attempt.checked(true).await,
        Err(PasswordChangeError::WrongCurrentPassword) => attempt.checked(false).await,
        Err(PasswordChangeError::Store(_) | PasswordChangeError::Unexpected(_)) => drop(attempt),
    }
    outcome?;
    Ok(HttpResponse::Ok().json(Done { success: true, message: "Mot de passe modifié" }))
}
