use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_changes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub protocol: String,
    pub evaluation_id: Uuid,
    pub application_id: Uuid,
    pub changed_by: Option<Uuid>,
    /// A JSON array of field names.
    pub fields: String,
    pub changed_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
