use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_erasures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub erased_at: DateTimeUtc,
    pub erased_by: Option<Uuid>,
    pub reason: String,
    pub forced: bool,
    pub applications_closed: i32,
    pub documents_deleted: i32,
}

impl ActiveModelBehavior for ActiveModel {}
