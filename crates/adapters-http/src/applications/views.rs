//! The legacy detailed shapes of one application: `ApplicationAdminView` (`GET /applications/{id}` for staff)
//! and `ApplicationComplete` (`GET /applications/{id}/complete`), built from `ApplicationDetails` (four reads).

use chrono::{DateTime, NaiveDate, Utc};
use seeg_application::applications::{ApplicationDetail, DetailError};
use seeg_domain::identity::UserStatus;
use seeg_domain::offers::{JobOffer, MtpFamily};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::ApplicationBody;
use crate::error::ApiError;
use crate::offers::QuestionsMtp;

impl From<DetailError> for ApiError {
    fn from(error: DetailError) -> Self {
        match error {
            DetailError::NotFound => Self::NotFound,
            DetailError::Forbidden => Self::forbidden(error.to_string()),
            DetailError::Store(e) => e.into(),
        }
    }
}

/// Legacy `ApplicationAdminView`: the application with its candidate (and profile) and its offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationAdminView {
    #[serde(flatten)]
    pub application: ApplicationBody,
    pub candidate: AdminViewCandidate,
    pub job_offer: AdminViewOffer,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminViewCandidate {
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub sexe: Option<String>,
    pub role: String,
    pub is_active: bool,
    pub candidate_status: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Absent until the candidate has a profile (R24).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_profile: Option<AdminViewProfile>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminViewProfile {
    pub id: Uuid,
    pub years_experience: Option<i32>,
    pub current_position: Option<String>,
    pub current_department: Option<String>,
    pub availability: Option<String>,
    pub skills: Vec<String>,
    pub education: Option<String>,
    pub expected_salary_min: Option<i32>,
    pub expected_salary_max: Option<i32>,
    pub linkedin_url: Option<String>,
    pub portfolio_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminViewOffer {
    pub id: Uuid,
    pub title: String,
    pub department: Option<String>,
    pub location: String,
    pub contract_type: String,
    pub description: String,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub status: String,
}

impl From<&ApplicationDetail> for ApplicationAdminView {
    fn from(d: &ApplicationDetail) -> Self {
        let (c, o) = (&d.candidate, &d.offer);
        Self {
            application: ApplicationBody::from(&d.application),
            candidate: AdminViewCandidate {
                id: c.id,
                email: c.email.clone(),
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                phone: c.phone.clone(),
                date_of_birth: c.date_of_birth,
                sexe: c.sexe.map(|s| s.as_str().to_owned()),
                role: c.role.as_str().to_owned(),
                is_active: c.status == UserStatus::Active,
                candidate_status: c.candidate_kind.map(|k| k.as_str().to_owned()),
                created_at: c.created_at,
                candidate_profile: d.profile.as_ref().map(|p| AdminViewProfile {
                    id: p.id,
                    years_experience: p.years_experience,
                    current_position: p.current_position.clone(),
                    current_department: p.current_department.clone(),
                    availability: p.availability.clone(),
                    skills: p.skills.clone(),
                    education: p.education.clone(),
                    expected_salary_min: p.expected_salary_min,
                    expected_salary_max: p.expected_salary_max,
                    linkedin_url: p.linkedin_url.clone(),
                    portfolio_url: p.portfolio_url.clone(),
                }),
            },
            job_offer: AdminViewOffer {
                id: o.id,
                title: o.title.clone(),
                department: o.department.clone(),
                location: o.location.clone(),
                contract_type: o.contract_type.clone(),
                description: o.description.clone(),
                salary_min: o.salary_min,
                salary_max: o.salary_max,
                status: o.status.as_str().to_owned(),
            },
        }
    }
}

/// Legacy `ApplicationComplete`. `city`, `country`, `nationality` and `languages` are legacy keys the data
/// model has never held: always `null` / `[]`, as legacy sent them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationComplete {
    pub application_id: Uuid,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<DateTime<Utc>>,
    pub has_been_manager: bool,
    /// Present when the company or the name of the reference is known.
    pub reference: Option<CompleteReference>,
    pub candidate: CompleteCandidate,
    pub job_offer: CompleteOffer,
    /// `{reponses_metier, reponses_talent, reponses_paradigme}`; `null` when no answer was given.
    #[schema(value_type = Option<Object>)]
    pub mtp_answers: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteReference {
    pub entreprise: Option<String>,
    pub fullname: Option<String>,
    pub email: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteCandidate {
    pub user_id: Uuid,
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub current_job_title: Option<String>,
    pub years_of_experience: Option<i32>,
    pub education_level: Option<String>,
    pub skills: Vec<String>,
    pub languages: Vec<String>,
    pub documents: Vec<CompleteDocument>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteDocument {
    pub id: Uuid,
    pub document_type: String,
    pub file_name: String,
    /// The download route of the document.
    pub file_path: String,
    pub file_size: u64,
    pub uploaded_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompleteOffer {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub location: String,
    pub contract_type: String,
    /// `"{min} - {max} FCFA"`, `"À partir de {min} FCFA"`, `"Jusqu'à {max} FCFA"` or `null`.
    pub salary_range: Option<String>,
    pub requirements: Vec<String>,
    pub responsibilities: Vec<String>,
    pub benefits: Vec<String>,
    pub status: String,
    /// `tous`, `interne` or `externe`.
    pub offer_status: String,
    pub questions_mtp: Option<QuestionsMtp>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// `application_deadline`, else `date_limite`.
    pub deadline: Option<DateTime<Utc>>,
}

/// The legacy salary phrase.
fn salary_range(offer: &JobOffer) -> Option<String> {
    match (offer.salary_min, offer.salary_max) {
        (Some(min), Some(max)) => Some(format!("{min} - {max} FCFA")),
        (Some(min), None) => Some(format!("À partir de {min} FCFA")),
        (None, Some(max)) => Some(format!("Jusqu'à {max} FCFA")),
        (None, None) => None,
    }
}

impl From<&ApplicationDetail> for ApplicationComplete {
    fn from(d: &ApplicationDetail) -> Self {
        let (a, c, o, profile) = (&d.application, &d.candidate, &d.offer, d.profile.as_ref());
        let reference = &a.reference;
        let answered = MtpFamily::ALL.into_iter().any(|f| !a.mtp_answers.answers(f).is_empty());
        Self {
            application_id: a.id,
            status: a.status.as_str().to_owned(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            reference_contacts: a.reference_contacts.clone(),
            availability_start: a.availability_start,
            has_been_manager: a.has_been_manager,
            reference: (reference.entreprise.is_some() || reference.fullname.is_some()).then(|| CompleteReference {
                entreprise: reference.entreprise.clone(),
                fullname: reference.fullname.clone(),
                email: reference.mail.clone(),
                contact: reference.contact.clone(),
            }),
            candidate: CompleteCandidate {
                user_id: c.id,
                email: c.email.clone(),
                firstname: c.first_name.clone(),
                lastname: c.last_name.clone(),
                phone: c.phone.clone(),
                address: profile.and_then(|p| p.address.clone()).or_else(|| c.adresse.clone()),
                city: None,
                country: None,
                birth_date: profile.and_then(|p| p.birth_date).or(c.date_of_birth),
                nationality: None,
                current_job_title: profile.and_then(|p| p.current_position.clone()).or_else(|| c.poste_actuel.clone()),
                years_of_experience: profile.and_then(|p| p.years_experience).or(c.annees_experience),
                education_level: profile.and_then(|p| p.education.clone()),
                skills: profile.map(|p| p.skills.clone()).unwrap_or_default(),
                languages: Vec::new(),
                documents: d
                    .documents
                    .iter()
                    .map(|doc| CompleteDocument {
                        id: doc.id,
                        document_type: doc.document_type.as_str().to_owned(),
                        file_name: doc.file_name.clone(),
                        file_path: format!("/api/v1/applications/{}/documents/{}/download", a.id, doc.id),
                        file_size: doc.file_size,
                        uploaded_at: doc.uploaded_at,
                    })
                    .collect(),
            },
            job_offer: CompleteOffer {
                id: o.id,
                title: o.title.clone(),
                description: o.description.clone(),
                location: o.location.clone(),
                contract_type: o.contract_type.clone(),
                salary_range: salary_range(o),
                requirements: o.requirements.clone(),
                responsibilities: o.responsibilities.clone(),
                benefits: o.benefits.clone(),
                status: o.status.as_str().to_owned(),
                offer_status: o.visibility.as_str().to_owned(),
                questions_mtp: o.questions_mtp.as_ref().filter(|q| !q.is_empty()).map(Into::into),
                created_at: o.created_at,
                updated_at: o.updated_at,
                deadline: o.deadline(),
            },
            mtp_answers: answered.then(|| ApplicationBody::from(a).mtp_answers),
        }
    }
}
