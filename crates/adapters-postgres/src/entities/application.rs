//! `applications` (legacy §2.5).

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    pub status: String,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<DateTimeUtc>,
    pub has_been_manager: bool,
    pub ref_entreprise: Option<String>,
    pub ref_fullname: Option<String>,
    pub ref_mail: Option<String>,
    pub ref_contact: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub mtp_answers: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
