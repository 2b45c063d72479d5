use sea_orm::entity::prelude::*;

/// Scores are hundredths (m20261205_000014).
#[allow(clippy::struct_excessive_bools)] // the legacy columns (legacy §2.11, §2.12)
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "protocol1_evaluations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub evaluator_id: Option<Uuid>,
    pub status: String,
    pub completed: bool,
    pub documents_verified: bool,
    pub cv_score: Option<i32>,
    pub cv_comments: Option<String>,
    pub diplomes_certificats_score: Option<i32>,
    pub diplomes_certificats_comments: Option<String>,
    pub lettre_motivation_score: Option<i32>,
    pub lettre_motivation_comments: Option<String>,
    pub documentary_score: Option<i32>,
    pub metier_score: Option<i32>,
    pub metier_comments: Option<String>,
    pub metier_notes: Option<String>,
    pub paradigme_score: Option<i32>,
    pub paradigme_comments: Option<String>,
    pub paradigme_notes: Option<String>,
    pub talent_score: Option<i32>,
    pub talent_comments: Option<String>,
    pub talent_notes: Option<String>,
    pub mtp_score: Option<i32>,
    pub interview_metier_score: Option<i32>,
    pub interview_metier_comments: Option<String>,
    pub interview_paradigme_score: Option<i32>,
    pub interview_paradigme_comments: Option<String>,
    pub interview_talent_score: Option<i32>,
    pub interview_talent_comments: Option<String>,
    pub interview_score: Option<i32>,
    pub interview_date: Option<DateTimeUtc>,
    pub gap_competence_score: Option<i32>,
    pub gap_competence_comments: Option<String>,
    pub adherence_metier: bool,
    pub adherence_paradigme: bool,
    pub adherence_talent: bool,
    pub overall_score: i32,
    pub total_score: Option<i32>,
    pub general_summary: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
