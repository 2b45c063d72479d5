//! `protocol1_evaluations` and `protocol2_evaluations` (legacy §2.11, §2.12, I6) and `evaluation_changes`, the
//! history of their edits (who changed which fields, when).
//!
//! Scores are INTEGER counts of hundredths (15.5 is 1550), checked 0..=2000, under the legacy column names: the
//! domain's `Score` holds exactly that, it round-trips exactly on SQLite and PostgreSQL alike (SQLite has no exact
//! decimal type: a NUMERIC column there stores floating point), and sums and averages stay exact integers.
//! `overall_score` is always computed (I6), so it is NOT NULL. One evaluation per protocol per application: a
//! unique index on `application_id` (which also serves the foreign key).

use sea_orm_migration::prelude::*;

use super::m20261125_000001_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Applications {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Protocol1Evaluations {
    Table,
    Id,
    ApplicationId,
    EvaluatorId,
    Status,
    Completed,
    DocumentsVerified,
    CvScore,
    CvComments,
    DiplomesCertificatsScore,
    DiplomesCertificatsComments,
    LettreMotivationScore,
    LettreMotivationComments,
    DocumentaryScore,
    MetierScore,
    MetierComments,
    MetierNotes,
    ParadigmeScore,
    ParadigmeComments,
    ParadigmeNotes,
    TalentScore,
    TalentComments,
    TalentNotes,
    MtpScore,
    InterviewMetierScore,
    InterviewMetierComments,
    InterviewParadigmeScore,
    InterviewParadigmeComments,
    InterviewTalentScore,
    InterviewTalentComments,
    InterviewScore,
    InterviewDate,
    GapCompetenceScore,
    GapCompetenceComments,
    AdherenceMetier,
    AdherenceParadigme,
    AdherenceTalent,
    OverallScore,
    TotalScore,
    GeneralSummary,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Protocol2Evaluations {
    Table,
    Id,
    ApplicationId,
    EvaluatorId,
    Completed,
    InterviewCompleted,
    PhysicalVisit,
    SkillsGapAssessed,
    JobSheetCreated,
    QcmRoleCompleted,
    QcmCodirCompleted,
    QcmRoleScore,
    QcmCodirScore,
    OverallScore,
    InterviewNotes,
    VisitNotes,
    SkillsGapNotes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EvaluationChanges {
    Table,
    Id,
    Protocol,
    EvaluationId,
    ApplicationId,
    ChangedBy,
    Fields,
    ChangedAt,
}

/// A score column: hundredths, 0..=2000.
fn score(column: impl IntoIden + Clone + 'static, required: bool) -> ColumnDef {
    let mut def = ColumnDef::new(column.clone());
    def.integer().check(Expr::col(column).between(0, 2000));
    if required {
        def.not_null();
    }
    def
}

fn flag(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).boolean().not_null().default(false).to_owned()
}

fn text(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).text().to_owned()
}

/// The columns every evaluation has: id, application (cascade), evaluator (set null), timestamps.
fn evaluation_table<T: IntoIden + Copy + 'static>(
    table: T,
    (id, application_id, evaluator_id): (T, T, T),
    name: &str,
) -> TableCreateStatement {
    Table::create()
        .table(table)
        .col(ColumnDef::new(id).uuid().not_null().primary_key())
        .col(ColumnDef::new(application_id).uuid().not_null())
        .col(ColumnDef::new(evaluator_id).uuid())
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_application"))
                .from(table, application_id)
                .to(Applications::Table, Applications::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_evaluator"))
                .from(table, evaluator_id)
                .to(Users::Table, Users::Id)
                .on_delete(ForeignKeyAction::SetNull),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EvaluationChanges as C;
        use Protocol1Evaluations as P1;
        use Protocol2Evaluations as P2;
        let mut p1 = evaluation_table(P1::Table, (P1::Id, P1::ApplicationId, P1::EvaluatorId), "protocol1_evaluations");
        p1.col(ColumnDef::new(P1::Status).string_len(20).not_null().default("pending"))
            .col(flag(P1::Completed))
            .col(flag(P1::DocumentsVerified))
            .col(score(P1::CvScore, false))
            .col(text(P1::CvComments))
            .col(score(P1::DiplomesCertificatsScore, false))
            .col(text(P1::DiplomesCertificatsComments))
            .col(score(P1::LettreMotivationScore, false))
            .col(text(P1::LettreMotivationComments))
            .col(score(P1::DocumentaryScore, false))
            .col(score(P1::MetierScore, false))
            .col(text(P1::MetierComments))
            .col(text(P1::MetierNotes))
            .col(score(P1::ParadigmeScore, false))
            .col(text(P1::ParadigmeComments))
            .col(text(P1::ParadigmeNotes))
            .col(score(P1::TalentScore, false))
            .col(text(P1::TalentComments))
            .col(text(P1::TalentNotes))
            .col(score(P1::MtpScore, false))
            .col(score(P1::InterviewMetierScore, false))
            .col(text(P1::InterviewMetierComments))
            .col(score(P1::InterviewParadigmeScore, false))
            .col(text(P1::InterviewParadigmeComments))
            .col(score(P1::InterviewTalentScore, false))
            .col(text(P1::InterviewTalentComments))
            .col(score(P1::InterviewScore, false))
            .col(ColumnDef::new(P1::InterviewDate).timestamp_with_time_zone())
            .col(score(P1::GapCompetenceScore, false))
            .col(text(P1::GapCompetenceComments))
            .col(flag(P1::AdherenceMetier))
            .col(flag(P1::AdherenceParadigme))
            .col(flag(P1::AdherenceTalent))
            .col(score(P1::OverallScore, true))
            .col(score(P1::TotalScore, false))
            .col(text(P1::GeneralSummary))
            .col(ColumnDef::new(P1::CreatedAt).timestamp_with_time_zone().not_null())
            .col(ColumnDef::new(P1::UpdatedAt).timestamp_with_time_zone().not_null());
        manager.create_table(p1).await?;
        let mut p2 = evaluation_table(P2::Table, (P2::Id, P2::ApplicationId, P2::EvaluatorId), "protocol2_evaluations");
        p2.col(flag(P2::Completed))
            .col(flag(P2::InterviewCompleted))
            .col(flag(P2::PhysicalVisit))
            .col(flag(P2::SkillsGapAssessed))
            .col(flag(P2::JobSheetCreated))
            .col(flag(P2::QcmRoleCompleted))
            .col(flag(P2::QcmCodirCompleted))
            .col(score(P2::QcmRoleScore, false))
            .col(score(P2::QcmCodirScore, false))
            .col(score(P2::OverallScore, true))
            .col(text(P2::InterviewNotes))
            .col(text(P2::VisitNotes))
            .col(text(P2::SkillsGapNotes))
            .col(ColumnDef::new(P2::CreatedAt).timestamp_with_time_zone().not_null())
            .col(ColumnDef::new(P2::UpdatedAt).timestamp_with_time_zone().not_null());
        manager.create_table(p2).await?;
        let indexes = [
            Index::create()
                .name("ux_protocol1_evaluations_application")
                .table(P1::Table)
                .col(P1::ApplicationId)
                .unique()
                .to_owned(),
            Index::create().name("idx_protocol1_eval_evaluator_id").table(P1::Table).col(P1::EvaluatorId).to_owned(),
            Index::create().name("idx_protocol1_eval_status").table(P1::Table).col(P1::Status).to_owned(),
            Index::create()
                .name("ux_protocol2_evaluations_application")
                .table(P2::Table)
                .col(P2::ApplicationId)
                .unique()
                .to_owned(),
            Index::create().name("idx_protocol2_eval_evaluator_id").table(P2::Table).col(P2::EvaluatorId).to_owned(),
            Index::create().name("idx_protocol2_eval_completed").table(P2::Table).col(P2::Completed).to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::Protocol).string_len(20).not_null())
                    .col(ColumnDef::new(C::EvaluationId).uuid().not_null())
                    .col(ColumnDef::new(C::ApplicationId).uuid().not_null())
                    .col(ColumnDef::new(C::ChangedBy).uuid())
                    // A JSON array of field names.
                    .col(ColumnDef::new(C::Fields).text().not_null())
                    .col(ColumnDef::new(C::ChangedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluation_changes_application")
                            .from(C::Table, C::ApplicationId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_evaluation_changes_changed_by")
                            .from(C::Table, C::ChangedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        let indexes = [
            Index::create()
                .name("idx_evaluation_changes_evaluation")
                .table(C::Table)
                .col(C::EvaluationId)
                .col(C::ChangedAt)
                .to_owned(),
            Index::create().name("idx_evaluation_changes_application").table(C::Table).col(C::ApplicationId).to_owned(),
            Index::create().name("idx_evaluation_changes_changed_by").table(C::Table).col(C::ChangedBy).to_owned(),
        ];
        for index in indexes {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EvaluationChanges::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Protocol2Evaluations::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Protocol1Evaluations::Table).to_owned()).await
    }
}
