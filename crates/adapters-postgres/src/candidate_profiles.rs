//! Candidate profiles: one per account, saved with one `INSERT … ON CONFLICT (user_id) DO UPDATE`, so two
//! concurrent first saves leave one row. `skills` is a JSON list.

use async_trait::async_trait;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter};
use seeg_application::StoreError;
use seeg_application::identity::{CandidateProfileRepository, CandidateProfileWriter};
use seeg_domain::identity::CandidateProfile;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::candidate_profile::{self, Column};

#[async_trait]
impl CandidateProfileRepository for Database {
    async fn for_user(&self, user_id: Uuid) -> Result<Option<CandidateProfile>, StoreError> {
        let found = candidate_profile::Entity::find()
            .filter(Column::UserId.eq(user_id))
            .one(&self.conn)
            .await
            .map_err(store_error)?;
        found.map(into_domain).transpose()
    }
}

#[async_trait]
impl CandidateProfileWriter for SqlTransaction {
    async fn save(&mut self, profile: &CandidateProfile) -> Result<(), StoreError> {
        let p = profile.clone();
        let model = candidate_profile::Model {
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
            skills: serde_json::Value::from(p.skills),
            years_experience: p.years_experience,
            created_at: p.created_at,
            updated_at: p.updated_at,
        };
        let everything_but_identity = [
            Column::Address,
            Column::Availability,
            Column::BirthDate,
            Column::CurrentDepartment,
            Column::CurrentPosition,
            Column::CvUrl,
            Column::Education,
            Column::ExpectedSalaryMin,
            Column::ExpectedSalaryMax,
            Column::Gender,
            Column::LinkedinUrl,
            Column::PortfolioUrl,
            Column::Skills,
            Column::YearsExperience,
            Column::UpdatedAt,
        ];
        candidate_profile::Entity::insert(model.into_active_model())
            .on_conflict(OnConflict::column(Column::UserId).update_columns(everything_but_identity).to_owned())
            .exec_without_returning(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

pub(crate) fn into_domain(m: candidate_profile::Model) -> Result<CandidateProfile, StoreError> {
    let skills: Vec<String> = serde_json::from_value(m.skills)
        .map_err(|e| StoreError::Unexpected(anyhow::anyhow!("candidate_profiles.skills illisible : {e}")))?;
    Ok(CandidateProfile {
        id: m.id,
        user_id: m.user_id,
        address: m.address,
        availability: m.availability,
        birth_date: m.birth_date,
        current_department: m.current_department,
        current_position: m.current_position,
        cv_url: m.cv_url,
        education: m.education,
        expected_salary_min: m.expected_salary_min,
        expected_salary_max: m.expected_salary_max,
        gender: m.gender,
        linkedin_url: m.linkedin_url,
        portfolio_url: m.portfolio_url,
        skills,
        years_experience: m.years_experience,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
