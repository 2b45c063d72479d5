//! Sessions (legacy §1.2, R7–R8; decisions S4, S5, F4): login (JSON, form, and the OAuth2 `token` flow), the
//! caller's account, refresh with rotation, logout.

use actix_web::error::EitherExtractError;
use actix_web::{Either, HttpMessage as _, HttpRequest, HttpResponse, web};
use seeg_application::identity::{LoginError, RefreshError, Session};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::account::{UserBody, UserWithProfile, with_profile};
use super::caller::Caller;
use crate::body::{Deferred, declares_body};
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::rate_limit::login_attempt;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/auth/login").route(web::post().to(log_in)))
        .service(route("/api/v1/auth/token").route(web::post().to(token)))
        .service(route("/api/v1/auth/me").route(web::get().to(me)))
        .service(route("/api/v1/auth/refresh").route(web::post().to(refresh)))
        .service(
            route("/api/v1/auth/logout")
                // JSON whatever the Content-Type: `navigator.sendBeacon` and `fetch` with a string body send
                // `text/plain`, and a logout must not fail on that (legacy: logout always answers 200).
                .app_data(crate::body::json_config(LOGOUT_LIMIT).content_type_required(false))
                .route(web::post().to(log_out)),
        );
}

/// The largest logout body: a refresh token and some room.
const LOGOUT_LIMIT: usize = 4 * 1024;

/// Legacy `Tokens`; `expires_in` is the real access-token lifetime in seconds (F4).
#[derive(Debug, Serialize, ToSchema)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
    #[schema(example = "bearer")]
    pub token_type: &'static str,
    pub expires_in: u64,
}

/// Legacy `TokensWithUser`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokensWithUser {
    #[serde(flatten)]
    pub tokens: Tokens,
    pub user: UserWithProfile,
}

impl From<LoginError> for ApiError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::InvalidCredentials => Self::refused(ErrorCode::InvalidCredentials, error.to_string()),
            LoginError::Refused { message, .. } => Self::refused(ErrorCode::AccountNotActive, message.to_owned()),
            LoginError::Store(e) => e.into(),
            LoginError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// Credentials, from JSON (`email` or `username`) or a form (`username` or `email`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    pub email: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Credentials {
    fn into_pair(self) -> Result<(String, String), ApiError> {
        let email = self.email.or(self.username).map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        // Checked as given: spaces are part of a password (sign-up keeps them too).
        let password = self.password.filter(|p| !p.is_empty());
        match (email, password) {
            (Some(email), Some(password)) => Ok((email, password)),
            _ => Err(ApiError::Validation(vec![FieldError {
                field: "body".to_owned(),
                message: "email/username et password requis".to_owned(),
            }])),
        }
    }
}

async fn session(state: &ApiState, req: &HttpRequest, credentials: Credentials) -> Result<Session, ApiError> {
    let (email, password) = credentials.into_pair()?;
    let attempt = login_attempt(state, req, &email).await?;
    let outcome = state.accounts.log_in(&email, &password, &audit_context()).await;
    match &outcome {
        // A refused statut comes only after a right password (S5).
        Ok(_) | Err(LoginError::Refused { .. }) => attempt.checked(true).await,
        Err(LoginError::InvalidCredentials) => attempt.checked(false).await,
        Err(LoginError::Store(_) | LoginError::Unexpected(_)) => drop(attempt),
    }
    Ok(outcome?)
}

fn tokens(state: &ApiState, session: &Session) -> Tokens {
    Tokens {
        access_token: session.access.token.clone(),
        refresh_token: session.refresh.token.clone(),
        token_type: "bearer",
        expires_in: state.accounts.tokens().access_lifetime_secs(),
    }
}

/// The credentials of a login body, JSON or a form. A body neither can read is a 422 naming `body` (F1), with the
/// reason of the reader its content type asks for: actix's `Either` would answer a bare 400 (the schema fuzzing found
/// it, issue 18).
fn credentials(
    req: &HttpRequest,
    body: Result<
        Either<web::Json<Credentials>, web::Form<Credentials>>,
        EitherExtractError<actix_web::Error, actix_web::Error>,
    >,
) -> Result<Credentials, ApiError> {
    match body {
        Ok(body) => Ok(body.into_inner()),
        Err(EitherExtractError::Bytes(error)) => Err(crate::body::api_error(&error)),
        Err(EitherExtractError::Extract(json, form)) => {
            let is_form = req.content_type().eq_ignore_ascii_case("application/x-www-form-urlencoded");
            Err(if is_form {
                ApiError::invalid("body", format!("formulaire invalide : {form}"))
            } else {
                crate::body::api_error(&json)
            })
        }
    }
}

/// Signs in. Any `Authorization` header is ignored (S4). Unknown e-mail and wrong password give the same 401;
/// the statut's 403 comes only after a correct password (S5).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    operation_id = "login",
    tag = "Authentification",
    request_body(content = Credentials, content_type = "application/json"),
    responses(
        (status = 200, body = TokensWithUser),
        (status = 401, description = "E-mail ou mot de passe incorrect", body = ErrorBody),
        (status = 403, description = "Compte en attente, bloqué, inactif ou archivé", body = ErrorBody),
        (status = 422, description = "Identifiants absents", body = ErrorBody),
    )
)]
pub(crate) async fn log_in(
    req: HttpRequest,
    state: web::Data<ApiState>,
    body: Result<
        Either<web::Json<Credentials>, web::Form<Credentials>>,
        EitherExtractError<actix_web::Error, actix_web::Error>,
    >,
) -> Result<HttpResponse, ApiError> {
    let session = session(&state, &req, credentials(&req, body)?).await?;
    let body = TokensWithUser { tokens: tokens(&state, &session), user: with_profile(&state, &session.user).await? };
    Ok(HttpResponse::Ok().json(body))
}

/// OAuth2 password flow for Swagger's "Authorize" button: form `username` + `password`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/token",
    operation_id = "token",
    tag = "Authentification",
    request_body(content = Credentials, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody))
)]
pub(crate) async fn token(
    req: HttpRequest,
    state: web::Data<ApiState>,
    form: web::Form<Credentials>,
) -> Result<HttpResponse, ApiError> {
    let session = session(&state, &req, form.into_inner()).await?;
    Ok(HttpResponse::Ok().json(tokens(&state, &session)))
}

/// The caller's account.
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    operation_id = "me",
    tag = "Authentification",
    security(("bearer" = [])),
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody))
)]
pub(crate) async fn me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(UserBody::from(&caller.0))
}

/// `POST /api/v1/auth/refresh`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

impl From<RefreshError> for ApiError {
    fn from(error: RefreshError) -> Self {
        match error {
            RefreshError::Invalid => Self::refused(ErrorCode::InvalidRefreshToken, error.to_string()),
            RefreshError::Store(e) => e.into(),
            RefreshError::Unexpected(e) => Self::Unexpected(e),
        }
    }
}

/// Exchanges a refresh token for a new pair; the old one is spent (rotation). Replaying a spent token revokes
/// its whole family (S4).
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    operation_id = "refresh",
    tag = "Authentification",
    request_body = RefreshRequest,
    responses((status = 200, body = Tokens), (status = 401, body = ErrorBody))
)]
pub(crate) async fn refresh(
    state: web::Data<ApiState>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let session = state.accounts.refresh(body.refresh_token.trim(), &audit_context()).await?;
    Ok(HttpResponse::Ok().json(tokens(&state, &session)))
}

/// `POST /api/v1/auth/logout`: optional body.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct LogoutRequest {
    /// The session to end; without it every session of the account ends.
    pub refresh_token: Option<String>,
}

/// The answer of `POST /api/v1/auth/logout`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedOut {
    #[schema(example = "Déconnexion réussie")]
    pub message: &'static str,
    pub user_id: Uuid,
}

/// Ends the session of the given refresh token (its family), or every session of the caller (S4).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    operation_id = "logout",
    tag = "Authentification",
    security(("bearer" = [])),
    request_body(content = Option<LogoutRequest>),
    responses((status = 200, body = LoggedOut), (status = 401, body = ErrorBody))
)]
pub(crate) async fn log_out(
    state: web::Data<ApiState>,
    caller: Caller,
    req: HttpRequest,
    body: Deferred<Option<LogoutRequest>>,
) -> Result<HttpResponse, ApiError> {
    // No body ends every session; a body that is there must be readable JSON: a malformed one is a 422, never
    // read as "no body" (which would end every session of the account).
    let request = if declares_body(&req) { body.read().await?.unwrap_or_default() } else { LogoutRequest::default() };
    let token = request.refresh_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    state.accounts.log_out(&caller.0, token, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(LoggedOut { message: "Déconnexion réussie", user_id: caller.0.id }))
}
