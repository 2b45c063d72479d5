//! The account as the routes show it (legacy `User`, `UserWithProfile`, `CandidateProfile`): after a login, on
//! `/users/*`, after an account is created; with the refusals of the candidate-profile use case.

use chrono::{DateTime, NaiveDate, Utc};
use seeg_application::identity::CandidateProfileError;
use seeg_domain::identity::{CandidateProfile, ProfileError, User, UserStatus};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, FieldError};
use crate::state::ApiState;

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
    pub candidate_profile: Option<CandidateProfileBody>,
}

/// Legacy `CandidateProfile`; `skills` is always a list, `birth_date` a calendar date (F2).
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateProfileBody {
    pub id: Uuid,
    pub user_id: Uuid,
    pub address: Option<String>,
    pub availability: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub current_department: Option<String>,
    pub current_position: Option<String>,
    pub cv_url: Option<String>,
    pub education: Option<String>,
    pub expected_salary_min: Option<i32>,
    pub expected_salary_max: Option<i32>,
    pub gender: Option<String>,
    pub linkedin_url: Option<String>,
    pub portfolio_url: Option<String>,
    pub skills: Vec<String>,
    pub years_experience: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CandidateProfile> for CandidateProfileBody {
    fn from(p: CandidateProfile) -> Self {
        Self {
            id: p.id,
            user_id: p.user_id,
            address: p.address,
            availability: p.availability,
            birth_date: p.birth_date,
            current_department: p.current_department,
            current_position: p.current_position,
            cv_url: p.cv_url,
            education: p.education,
            expected_salary_min: p.expected_salary_min,
            expected_salary_max: p.expected_salary_max,
            gender: p.gender,
            linkedin_url: p.linkedin_url,
            portfolio_url: p.portfolio_url,
            skills: p.skills,
            years_experience: p.years_experience,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

impl From<CandidateProfileError> for ApiError {
    fn from(error: CandidateProfileError) -> Self {
        match error {
            CandidateProfileError::NotACandidate => Self::forbidden(error.to_string()),
            CandidateProfileError::NotFound => Self::NotFound,
            CandidateProfileError::AccountInactive => Self::invalid_token(),
            CandidateProfileError::Invalid(e) => Self::Validation(vec![FieldError {
                field: match e {
                    ProfileError::SalaryRange => "body.expected_salary_min".to_owned(),
                    _ => "body".to_owned(),
                },
                message: e.to_string(),
            }]),
            CandidateProfileError::Store(e) => e.into(),
        }
    }
}

/// An account with its candidate profile, read for the response (staff accounts cost no read).
pub(crate) async fn with_profile(state: &ApiState, user: &User) -> Result<UserWithProfile, ApiError> {
    let profile = state.profiles.attached_to(user).await?;
    Ok(UserWithProfile { user: user.into(), candidate_profile: profile.map(CandidateProfileBody::from) })
}
