use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "candidate_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub user_id: Uuid,
    pub address: Option<String>,
    pub availability: Option<String>,
    pub birth_date: Option<Date>,
    pub current_department: Option<String>,
    pub current_position: Option<String>,
    pub cv_url: Option<String>,
    pub education: Option<String>,
    pub expected_salary_min: Option<i32>,
    pub expected_salary_max: Option<i32>,
    pub gender: Option<String>,
    pub linkedin_url: Option<String>,
    pub portfolio_url: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub skills: Json,
    pub years_experience: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
