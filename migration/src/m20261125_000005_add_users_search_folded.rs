//! `users.search_folded`: first name, last name and e-mail folded (lower-cased, accents removed,
//! `seeg_domain::search::fold`) so the user search `q` (B8) compares the same text on PostgreSQL and SQLite.
//!
//! Nullable and not backfilled here: folding is Rust code (SQLite's `lower()` knows only ASCII and neither
//! backend removes accents without an extension), so the SQL adapter writes the column on every insert and
//! update. An account written before this migration has no value and is not found by `q` until its next write;
//! the chain ships with the users table itself, so no such account exists in practice. No index: the search is a
//! `LIKE '%…%'`, which a B-tree cannot serve.

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchFolded {
    SearchFolded,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(SearchFolded::SearchFolded).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(SearchFolded::SearchFolded).to_owned()).await
    }
}
