use sea_orm::entity::prelude::*;

/// One row of `users`, column for column: the legacy table's four flags are its shape, not a design choice.
#[allow(clippy::struct_excessive_bools)]
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub phone: Option<String>,
    pub date_of_birth: Option<Date>,
    pub sexe: Option<String>,
    pub matricule: Option<i32>,
    pub hashed_password: String,
    pub email_verified: bool,
    pub last_login: Option<DateTimeUtc>,
    pub is_active: bool,
    pub is_internal_candidate: bool,
    pub adresse: Option<String>,
    pub candidate_status: Option<String>,
    pub statut: String,
    pub poste_actuel: Option<String>,
    pub annees_experience: Option<i32>,
    pub no_seeg_email: bool,
    /// `User::search_folded`, written on every insert and update (B8).
    pub search_folded: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
