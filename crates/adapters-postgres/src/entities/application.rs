//! The columns of `applications` the offer side reads (counts); the applications capability adds the rest.

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
}

impl ActiveModelBehavior for ActiveModel {}
