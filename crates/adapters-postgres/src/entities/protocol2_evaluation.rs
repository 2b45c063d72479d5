use sea_orm::entity::prelude::*;

/// Scores are hundredths (m20261205_000014).
#[allow(clippy::struct_excessive_bools)] // the legacy columns (legacy §2.11, §2.12)
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "protocol2_evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub evaluator_id: Option<Uuid>,
    pub completed: bool,
    pub interview_completed: bool,
    pub physical_visit: bool,
    pub skills_gap_assessed: bool,
    pub job_sheet_created: bool,
    pub qcm_role_completed: bool,
    pub qcm_codir_completed: bool,
    pub qcm_role_score: Option<i32>,
    pub qcm_codir_score: Option<i32>,
    pub overall_score: i32,
    pub interview_notes: Option<String>,
    pub visit_notes: Option<String>,
    pub skills_gap_notes: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
