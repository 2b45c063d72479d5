use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_history")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Uuid,
    pub changed_by: Option<Uuid>,
    pub previous_status: Option<String>,
    pub new_status: String,
    pub notes: Option<String>,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
