//! `application_documents` (legacy §2.6, bytes moved to the DocumentStore: a row keeps the content address, the
//! size and the sha256) and `application_history` (legacy §2.8, written on every status change, I5).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApplicationDocuments {
    Table,
    Id,
    ApplicationId,
    DocumentType,
    FileName,
    FileSize,
    FileType,
    StorageKey,
    Sha256,
    UploadedAt,
}

#[derive(DeriveIden)]
enum ApplicationHistory {
    Table,
    Id,
    ApplicationId,
    ChangedBy,
    PreviousStatus,
    NewStatus,
    Notes,
    ChangedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ApplicationDocuments as D;
        use ApplicationHistory as H;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(ColumnDef::new(D::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(D::ApplicationId).uuid().not_null())
                    .col(ColumnDef::new(D::DocumentType).string_len(30).not_null())
                    .col(ColumnDef::new(D::FileName).string_len(255).not_null())
                    .col(ColumnDef::new(D::FileSize).big_integer().not_null())
                    .col(ColumnDef::new(D::FileType).string_len(100).not_null())
                    .col(ColumnDef::new(D::StorageKey).string_len(200).not_null())
                    .col(ColumnDef::new(D::Sha256).string_len(64).not_null())
                    .col(ColumnDef::new(D::UploadedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_documents_application")
                            .from(D::Table, D::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_docs_application_id")
                    .table(D::Table)
                    .col(D::ApplicationId)
                    .col(D::DocumentType)
                    .to_owned(),
            )
            .await?;
        // The orphan sweep asks whether any row still names a stored object.
        manager
            .create_index(
                Index::create().name("idx_app_docs_storage_key").table(D::Table).col(D::StorageKey).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(H::Table)
                    .col(ColumnDef::new(H::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(H::ApplicationId).uuid().not_null())
                    .col(ColumnDef::new(H::ChangedBy).uuid())
                    .col(ColumnDef::new(H::PreviousStatus).string_len(30))
                    .col(ColumnDef::new(H::NewStatus).string_len(30).not_null())
                    .col(ColumnDef::new(H::Notes).text())
                    .col(ColumnDef::new(H::ChangedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_history_application")
                            .from(H::Table, H::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_application_history_changed_by")
                            .from(H::Table, H::ChangedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_history_application_id")
                    .table(H::Table)
                    .col(H::ApplicationId)
                    .col(H::ChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_app_history_changed_by").table(H::Table).col(H::ChangedBy).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApplicationHistory::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ApplicationDocuments::Table).to_owned()).await
    }
}
