use sea_orm::entity::prelude::*;

/// One row per warned account (m20261211_000024).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "retention_warnings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub warned_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
