use sea_orm::entity::prelude::*;

/// `category` mirrors `status` for legacy readers (m20261206_000017).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_logs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub application_id: Option<Uuid>,
    /// The account addressed (m20261212_000025).
    pub user_id: Option<Uuid>,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub category: String,
    pub provider_message_id: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Json", nullable)]
    pub email_metadata: Option<Json>,
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
