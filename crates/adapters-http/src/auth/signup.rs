//! Sign-up (legacy §1.2, R1–R3): a candidate account, `actif`, or `en_attente` with an access request for an
//! internal candidate without a company e-mail.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use seeg_application::identity::{SignupCommand, SignupError};
use seeg_domain::identity::{
    CandidateKind, EmailAddress, Matricule, Password, PersonName, Phone, Sexe, SignupRuleError,
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::account::UserWithProfile;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::params::Fields;
use crate::routing::route;
use crate::state::ApiState;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/auth/signup").route(web::post().to(sign_up)));
}

/// `POST /api/v1/auth/signup` (legacy `CandidateSignupRequest`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignupRequest {
    #[schema(value_type = String, required = true, example = "awa.mba@example.com")]
    pub email: Option<String>,
    /// Policy R5: 12 characters or more (at most 72 bytes), upper and lower case, a digit and a special character.
    #[schema(value_type = String, required = true, min_length = 12, max_length = 72)]
    pub password: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    pub first_name: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1)]
    pub last_name: Option<String>,
    #[schema(schema_with = crate::fields::optional_phone)]
    pub phone: Option<String>,
    /// `YYYY-MM-DD`; 18 to 100 years old.
    #[schema(schema_with = crate::fields::date, required = true)]
    pub date_of_birth: Option<String>,
    /// `M` or `F`.
    #[schema(schema_with = crate::fields::sexe, required = true)]
    pub sexe: Option<String>,
    /// `interne` or `externe`.
    #[schema(schema_with = crate::fields::candidate_kind, required = true)]
    pub candidate_status: Option<String>,
    pub matricule: Option<i64>,
    #[serde(default)]
    pub no_seeg_email: bool,
    pub adresse: Option<String>,
    pub poste_actuel: Option<String>,
    #[schema(minimum = 0, maximum = 60)]
    pub annees_experience: Option<i64>,
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
