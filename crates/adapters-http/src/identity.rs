//! Sign-up, login and the caller's identity (legacy §1.2, R1–R8; decisions S4, S5, F2, F4).

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{Either, FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::LocalBoxFuture;
use seeg_application::identity::{
    AuthenticationError, LoginError, PasswordChangeError, RefreshError, Session, SignupCommand, SignupError,
};
use seeg_domain::identity::{
    CandidateKind, EmailAddress, Matricule, Password, PersonName, Phone, Sexe, SignupRuleError, User, UserStatus,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody, ErrorCode, FieldError};
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/auth/signup").route(web::post().to(sign_up)))
        .service(route("/api/v1/auth/login").route(web::post().to(log_in)))
        .service(route("/api/v1/auth/token").route(web::post().to(token)))
        .service(route("/api/v1/auth/me").route(web::get().to(me)))
        .service(route("/api/v1/auth/refresh").route(web::post().to(refresh)))
        .service(route("/api/v1/auth/logout").route(web::post().to(log_out)))
        .service(route("/api/v1/auth/change-password").route(web::post().to(change_password)));
}

/// The caller, from `Authorization: Bearer <access token>`; the account must still be `actif` (S4).
#[derive(Debug, Clone)]
pub struct Caller(pub User);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<ApiState>>().cloned();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .map(|(_, token)| token.trim().to_owned());
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("état de l'API absent")))?;
            let token = bearer.ok_or(ApiError::NotAuthenticated)?;
            match state.accounts.authenticate(&token).await {
                Ok(user) => Ok(Caller(user)),
                Err(AuthenticationError::InvalidToken) => {
                    Err(ApiError::refused(ErrorCode::InvalidToken, "Could not validate credentials"))
                }
                Err(AuthenticationError::Store(error)) => Err(error.into()),
            }
        })
    }
}

/// An account (legacy `User`). `date_of_birth` is a calendar date (F2).
#[derive(Debug, Serialize, ToSchema)]
#[allow(clippy::struct_excessive_bools)] // the legacy wire shape
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `admin`, `recruiter`, `observer` or `candidate`.
    pub role: String,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub sexe: Option<String>,
    pub matricule: Option<i32>,
    pub email_verified: bool,
    pub is_active: bool,
    pub is_internal_candidate: bool,
    pub adresse: Option<String>,
    /// `interne` or `externe` (candidates).
    pub candidate_status: Option<String>,
    /// `actif`, `en_attente`, `inactif`, `bloqué` or `archivé`.
    pub statut: String,
    pub poste_actuel: Option<String>,
    pub annees_experience: Option<i32>,
    pub no_seeg_email: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_login: Option<DateTime<Utc>>,
}

impl From<&User> for UserBody {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            role: u.role.as_str().to_owned(),
            phone: u.phone.clone(),
            date_of_birth: u.date_of_birth,
            sexe: u.sexe.map(|s| s.as_str().to_owned()),
            matricule: u.matricule,
            email_verified: u.email_verified,
            is_active: u.status == UserStatus::Active,
            is_internal_candidate: u.is_internal_candidate(),
            adresse: u.adresse.clone(),
            candidate_status: u.candidate_kind.map(|k| k.as_str().to_owned()),
            statut: u.status.as_str().to_owned(),
            poste_actuel: u.poste_actuel.clone(),
            annees_experience: u.annees_experience,
            no_seeg_email: u.no_seeg_email,
            created_at: u.created_at,
            updated_at: u.updated_at,
            last_login: u.last_login,
        }
    }
}

/// An account with its candidate profile (legacy `UserWithProfile`); the profile appears with the first
/// application (R24), so it is `null` until then.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserWithProfile {
    #[serde(flatten)]
    pub user: UserBody,
    pub candidate_profile: Option<crate::profiles::CandidateProfileBody>,
}

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

/// `POST /api/v1/auth/signup` (legacy `CandidateSignupRequest`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    pub email: Option<String>,
    pub password: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    /// `YYYY-MM-DD`; 18 to 100 years old.
    pub date_of_birth: Option<String>,
    /// `M` or `F`.
    pub sexe: Option<String>,
    /// `interne` or `externe`.
    pub candidate_status: Option<String>,
    pub matricule: Option<i64>,
    #[serde(default)]
    pub no_seeg_email: bool,
    pub adresse: Option<String>,
    pub poste_actuel: Option<String>,
    pub annees_experience: Option<i64>,
}

/// Collects every invalid field of a request, so the client learns them all at once.
#[derive(Debug, Default)]
pub(crate) struct Fields(pub(crate) Vec<FieldError>);

impl Fields {
    pub(crate) fn required<'a>(&mut self, name: &str, value: Option<&'a String>) -> Option<&'a str> {
        let value = value.map(String::as_str).filter(|v| !v.trim().is_empty());
        if value.is_none() {
            self.push(name, "champ obligatoire");
        }
        value
    }

    pub(crate) fn check<T, E: std::fmt::Display>(&mut self, name: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.push(name, &e.to_string())).ok()
    }

    pub(crate) fn push(&mut self, name: &str, message: &str) {
        self.0.push(FieldError { field: format!("body.{name}"), message: message.to_owned() });
    }
}

impl SignupRequest {
    fn parse(self) -> Result<SignupCommand, ApiError> {
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
        let phone = match self.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => f.check("phone", Phone::parse(p)).map(Some),
            None => Some(None),
        };
        let date_of_birth = f.required("date_of_birth", self.date_of_birth.as_ref()).and_then(|v| {
            f.check(
                "date_of_birth",
                NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| "date attendue au format AAAA-MM-JJ"),
            )
        });
        let sexe = f.required("sexe", self.sexe.as_ref()).and_then(|v| f.check("sexe", v.trim().parse::<Sexe>()));
        let candidate_kind = f
            .required("candidate_status", self.candidate_status.as_ref())
            .and_then(|v| f.check("candidate_status", v.trim().parse::<CandidateKind>()));
        let matricule = f.check("matricule", Matricule::parse_optional(self.matricule));
        let annees_experience = match self.annees_experience {
            None => Some(None),
            Some(n) => f.check(
                "annees_experience",
                i32::try_from(n)
                    .ok()
                    .filter(|n| (0..=60).contains(n))
                    .map(Some)
                    .ok_or("doit être un entier entre 0 et 60"),
            ),
        };
        match (
            email,
            password,
            first_name,
            last_name,
            phone,
            date_of_birth,
            sexe,
            candidate_kind,
            matricule,
            annees_experience,
        ) {
            (
                Some(email),
                Some(password),
                Some(first_name),
                Some(last_name),
                Some(phone),
                Some(date_of_birth),
                Some(sexe),
                Some(candidate_kind),
                Some(matricule),
                Some(annees_experience),
            ) if f.0.is_empty() => Ok(SignupCommand {
                email,
                password,
                first_name,
                last_name,
                phone,
                date_of_birth,
                sexe,
                candidate_kind,
                matricule,
                no_seeg_email: self.no_seeg_email,
                adresse: self.adresse,
                poste_actuel: self.poste_actuel,
                annees_experience,
            }),
            _ => Err(ApiError::Validation(f.0)),
        }
    }
}

/// The code of a sign-up rule (R2) that refused an account.
const fn signup_rule_code(rule: SignupRuleError) -> ErrorCode {
    match rule {
        SignupRuleError::MatriculeRequired => ErrorCode::MatriculeRequired,
        SignupRuleError::CompanyEmailRequired => ErrorCode::CompanyEmailRequired,
        SignupRuleError::CompanyEmailInconsistent => ErrorCode::CompanyEmailInconsistent,
    }
}

impl From<SignupError> for ApiError {
    fn from(error: SignupError) -> Self {
        match error {
            SignupError::EmailTaken => Self::refused(ErrorCode::EmailTaken, error.to_string()),
            SignupError::MatriculeTaken => Self::refused(ErrorCode::MatriculeTaken, error.to_string()),
            SignupError::Rule(rule) => Self::refused(signup_rule_code(rule), rule.to_string()),
            SignupError::DateOfBirth(e) => Self::invalid("body.date_of_birth", e.to_string()),
            SignupError::Store(e) => e.into(),
            SignupError::Unexpected(e) => Self::Unexpected(e),
        }
    }
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

/// Creates a candidate account: `actif`, or `en_attente` with an access request for an internal candidate
/// without a company e-mail. No tokens: the candidate logs in next.
#[utoipa::path(
    post,
    path = "/api/v1/auth/signup",
    operation_id = "signup",
    tag = "Authentification",
    request_body = SignupRequest,
    responses(
        (status = 201, body = UserWithProfile),
        (status = 400, description = "E-mail ou matricule déjà utilisé, règle interne/externe (R2)", body = ErrorBody),
        (status = 422, description = "Champ invalide (mot de passe, âge, …)", body = ErrorBody),
    )
)]
pub(crate) async fn sign_up(
    state: web::Data<ApiState>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = state.accounts.sign_up(body.into_inner().parse()?).await?;
    Ok(HttpResponse::Created().json(UserWithProfile { user: (&user).into(), candidate_profile: None }))
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
    let attempt = crate::rate_limit::login_attempt(state, req, &email)?;
    let outcome = state.accounts.log_in(&email, &password, &crate::middleware::audit_context()).await;
    match &outcome {
        // A refused statut comes only after a right password (S5).
        Ok(_) | Err(LoginError::Refused { .. }) => attempt.checked(true),
        Err(LoginError::InvalidCredentials) => attempt.checked(false),
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
    body: Either<web::Json<Credentials>, web::Form<Credentials>>,
) -> Result<HttpResponse, ApiError> {
    let session = session(&state, &req, body.into_inner()).await?;
    let body = TokensWithUser {
        tokens: tokens(&state, &session),
        user: crate::profiles::with_profile(&state, &session.user).await?,
    };
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
    let session = state.accounts.refresh(body.refresh_token.trim(), &crate::middleware::audit_context()).await?;
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
    body: Option<web::Json<LogoutRequest>>,
) -> Result<HttpResponse, ApiError> {
    let request = body.map(web::Json::into_inner).unwrap_or_default();
    let token = request.refresh_token.as_deref().map(str::trim).filter(|t| !t.is_empty());
    state.accounts.log_out(&caller.0, token, &crate::middleware::audit_context()).await?;
    Ok(HttpResponse::Ok().json(LoggedOut { message: "Déconnexion réussie", user_id: caller.0.id }))
}

/// `POST /api/v1/auth/change-password`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: Option<String>,
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
    let attempt = crate::rate_limit::login_attempt(&state, &req, &caller.0.email)?;
    let outcome =
        state.accounts.change_password(&caller.0, &current, &new_password, &crate::middleware::audit_context()).await;
    match &outcome {
        Ok(()) => attempt.checked(true),
        Err(PasswordChangeError::WrongCurrentPassword) => attempt.checked(false),
        Err(PasswordChangeError::Store(_) | PasswordChangeError::Unexpected(_)) => drop(attempt),
    }
    outcome?;
    Ok(HttpResponse::Ok().json(Done { success: true, message: "Mot de passe modifié" }))
}
