use sea_orm::entity::prelude::*;

/// `date` is `YYYY-MM-DD`, `time` `HH:MM:SS` (m20261205_000015).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interview_slots")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub candidate_name: Option<String>,
    pub job_title: Option<String>,
    pub date: String,
    pub time: String,
    pub status: String,
    pub is_available: bool,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub recruiter_id: Option<Uuid>,
    pub sequence: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
