use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub related_application_id: Option<Uuid>,
    pub title: String,
    pub message: String,
    /// The legacy column is `type`.
    #[sea_orm(column_name = "type")]
    pub kind: Option<String>,
    pub link: Option<String>,
    pub read: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Title and message folded (`seeg_domain::search::fold_fields`), what `q` matches; written on insert.
    pub search_folded: String,
}

impl ActiveModelBehavior for ActiveModel {}
