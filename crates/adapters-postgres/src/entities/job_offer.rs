use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_offers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub recruiter_id: Option<Uuid>,
    pub title: String,
    pub description: String,
    pub location: String,
    pub location_folded: String,
    pub title_folded: String,
    pub department_folded: Option<String>,
    pub search_folded: String,
    pub contract_type: String,
    pub department: Option<String>,
    pub salary_min: Option<i64>,
    pub salary_max: Option<i64>,
    pub salary_note: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub requirements: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub benefits: Option<Json>,
    #[sea_orm(column_type = "JsonBinary")]
    pub responsibilities: Option<Json>,
    pub status: String,
    pub offer_status: String,
    pub application_deadline: Option<DateTimeUtc>,
    pub date_limite: Option<DateTimeUtc>,
    pub start_date: Option<DateTimeUtc>,
    pub reporting_line: Option<String>,
    pub profile: Option<String>,
    pub categorie_metier: Option<String>,
    pub job_grade: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub questions_mtp: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
