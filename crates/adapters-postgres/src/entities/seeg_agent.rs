use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "seeg_agents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub matricule: i32,
    pub nom: Option<String>,
    pub prenom: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
