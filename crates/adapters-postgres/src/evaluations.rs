//! Evaluations of both protocols (scores as hundredths) and the history of their edits.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use seeg_application::StoreError;
use seeg_application::evaluations::{
    EvaluationChange, EvaluationRepository, EvaluationStats, EvaluationWriter, ProtocolStats,
};
use seeg_domain::evaluations::{
    Evaluation, Protocol, Protocol1Evaluation, Protocol1Fields, Protocol2Evaluation, Protocol2Fields, Score,
};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::{evaluation_change, protocol1_evaluation as p1, protocol2_evaluation as p2};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

fn score(field: &'static str, stored: Option<i32>) -> Result<Option<Score>, StoreError> {
    stored.map(|h| Score::from_hundredths(field, i64::from(h)).map_err(|e| corrupt(field, e))).transpose()
}

/// The columns both protocols' tables share.
struct Stored {
    id: Uuid,
    application_id: Uuid,
    evaluator_id: Option<Uuid>,
}

impl Stored {
    fn with<F>(
        self,
        fields: F,
        overall: i32,
        (created_at, updated_at): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Evaluation<F>, StoreError> {
        Ok(Evaluation {
            id: self.id,
            application_id: self.application_id,
            evaluator_id: self.evaluator_id,
            fields,
            overall_score: Score::from_hundredths("overall_score", i64::from(overall))
                .map_err(|e| corrupt("overall_score", e))?,
            created_at,
            updated_at,
        })
    }
}

fn stored(score: Option<Score>) -> Option<i32> {
    score.map(|s| i32::from(s.hundredths()))
}

fn into_protocol1(m: p1::Model) -> Result<Protocol1Evaluation, StoreError> {
    let fields = Protocol1Fields {
        status: m.status.parse().map_err(|e| corrupt("protocol1_evaluations.status", e))?,
        completed: m.completed,
        documents_verified: m.documents_verified,
        cv_score: score("cv_score", m.cv_score)?,
        cv_comments: m.cv_comments,
        diplomes_certificats_score: score("diplomes_certificats_score", m.diplomes_certificats_score)?,
        diplomes_certificats_comments: m.diplomes_certificats_comments,
        lettre_motivation_score: score("lettre_motivation_score", m.lettre_motivation_score)?,
        lettre_motivation_comments: m.lettre_motivation_comments,
        documentary_score: score("documentary_score", m.documentary_score)?,
        metier_score: score("metier_score", m.metier_score)?,
        metier_comments: m.metier_comments,
        metier_notes: m.metier_notes,
        paradigme_score: score("paradigme_score", m.paradigme_score)?,
        paradigme_comments: m.paradigme_comments,
        paradigme_notes: m.paradigme_notes,
        talent_score: score("talent_score", m.talent_score)?,
        talent_comments: m.talent_comments,
        talent_notes: m.talent_notes,
        mtp_score: score("mtp_score", m.mtp_score)?,
        interview_metier_score: score("interview_metier_score", m.interview_metier_score)?,
        interview_metier_comments: m.interview_metier_comments,
        interview_paradigme_score: score("interview_paradigme_score", m.interview_paradigme_score)?,
        interview_paradigme_comments: m.interview_paradigme_comments,
        interview_talent_score: score("interview_talent_score", m.interview_talent_score)?,
        interview_talent_comments: m.interview_talent_comments,
        interview_score: score("interview_score", m.interview_score)?,
        interview_date: m.interview_date,
        gap_competence_score: score("gap_competence_score", m.gap_competence_score)?,
        gap_competence_comments: m.gap_competence_comments,
        adherence_metier: m.adherence_metier,
        adherence_paradigme: m.adherence_paradigme,
        adherence_talent: m.adherence_talent,
        total_score: score("total_score", m.total_score)?,
        general_summary: m.general_summary,
    };
    let stored = Stored { id: m.id, application_id: m.application_id, evaluator_id: m.evaluator_id };
    stored.with(fields, m.overall_score, (m.created_at, m.updated_at))
}

fn from_protocol1(e: &Protocol1Evaluation) -> p1::Model {
    let f = e.fields.clone();
    p1::Model {
        id: e.id,
        application_id: e.application_id,
        evaluator_id: e.evaluator_id,
        status: f.status.as_str().to_owned(),
        completed: f.completed,
        documents_verified: f.documents_verified,
        cv_score: stored(f.cv_score),
        cv_comments: f.cv_comments,
        diplomes_certificats_score: stored(f.diplomes_certificats_score),
        diplomes_certificats_comments: f.diplomes_certificats_comments,
        lettre_motivation_score: stored(f.lettre_motivation_score),
        lettre_motivation_comments: f.lettre_motivation_comments,
        documentary_score: stored(f.documentary_score),
        metier_score: stored(f.metier_score),
        metier_comments: f.metier_comments,
        metier_notes: f.metier_notes,
        paradigme_score: stored(f.paradigme_score),
        paradigme_comments: f.paradigme_comments,
        paradigme_notes: f.paradigme_notes,
        talent_score: stored(f.talent_score),
        talent_comments: f.talent_comments,
        talent_notes: f.talent_notes,
        mtp_score: stored(f.mtp_score),
        interview_metier_score: stored(f.interview_metier_score),
        interview_metier_comments: f.interview_metier_comments,
        interview_paradigme_score: stored(f.interview_paradigme_score),
        interview_paradigme_comments: f.interview_paradigme_comments,
        interview_talent_score: stored(f.interview_talent_score),
        interview_talent_comments: f.interview_talent_comments,
        interview_score: stored(f.interview_score),
        interview_date: f.interview_date,
        gap_competence_score: stored(f.gap_competence_score),
        gap_competence_comments: f.gap_competence_comments,
        adherence_metier: f.adherence_metier,
        adherence_paradigme: f.adherence_paradigme,
        adherence_talent: f.adherence_talent,
        overall_score: i32::from(e.overall_score.hundredths()),
        total_score: stored(f.total_score),
        general_summary: f.general_summary,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

fn into_protocol2(m: p2::Model) -> Result<Protocol2Evaluation, StoreError> {
    let fields = Protocol2Fields {
        completed: m.completed,
        interview_completed: m.interview_completed,
        physical_visit: m.physical_visit,
        skills_gap_assessed: m.skills_gap_assessed,
        job_sheet_created: m.job_sheet_created,
        qcm_role_completed: m.qcm_role_completed,
        qcm_codir_completed: m.qcm_codir_completed,
        qcm_role_score: score("qcm_role_score", m.qcm_role_score)?,
        qcm_codir_score: score("qcm_codir_score", m.qcm_codir_score)?,
        interview_notes: m.interview_notes,
        visit_notes: m.visit_notes,
        skills_gap_notes: m.skills_gap_notes,
    };
    let stored = Stored { id: m.id, application_id: m.application_id, evaluator_id: m.evaluator_id };
    stored.with(fields, m.overall_score, (m.created_at, m.updated_at))
}

fn from_protocol2(e: &Protocol2Evaluation) -> p2::Model {
    let f = e.fields.clone();
    p2::Model {
        id: e.id,
        application_id: e.application_id,
        evaluator_id: e.evaluator_id,
        completed: f.completed,
        interview_completed: f.interview_completed,
        physical_visit: f.physical_visit,
        skills_gap_assessed: f.skills_gap_assessed,
        job_sheet_created: f.job_sheet_created,
        qcm_role_completed: f.qcm_role_completed,
        qcm_codir_completed: f.qcm_codir_completed,
        qcm_role_score: stored(f.qcm_role_score),
        qcm_codir_score: stored(f.qcm_codir_score),
        overall_score: i32::from(e.overall_score.hundredths()),
        interview_notes: f.interview_notes,
        visit_notes: f.visit_notes,
        skills_gap_notes: f.skills_gap_notes,
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

fn into_change(m: &evaluation_change::Model) -> Result<EvaluationChange, StoreError> {
    Ok(EvaluationChange {
        id: m.id,
        protocol: m.protocol.parse().map_err(|e| corrupt("evaluation_changes.protocol", e))?,
        evaluation_id: m.evaluation_id,
        application_id: m.application_id,
        changed_by: m.changed_by,
        fields: serde_json::from_str(&m.fields).map_err(|e| corrupt("evaluation_changes.fields", e))?,
        changed_at: m.changed_at,
    })
}

/// An update that found no row is `false`, not an error.
fn updated<T>(result: Result<T, DbErr>) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(DbErr::RecordNotUpdated) => Ok(false),
        Err(e) => Err(store_error(e)),
    }
}

/// Count and sum of the overall scores of one table.
async fn protocol_stats<E, C>(conn: &impl ConnectionTrait, overall: C) -> Result<ProtocolStats, StoreError>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    let (total, sum): (i64, Option<i64>) = E::find()
        .select_only()
        .column_as(Expr::col(overall).count(), "total")
        .column_as(Expr::col(overall).sum(), "sum")
        .into_tuple()
        .one(conn)
        .await
        .map_err(store_error)?
        .unwrap_or_default();
    let total = u64::try_from(total).unwrap_or_default();
    let sum = u64::try_from(sum.unwrap_or_default()).unwrap_or_default();
    Ok(ProtocolStats { total, average_overall: Score::average(sum, total) })
}

/// Deletes an application's evaluations and their history (the foreign keys cascade; said explicitly, as
/// `ApplicationWriter::delete` does for its other rows).
pub(crate) async fn delete_for_application(
    conn: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<(), StoreError> {
    evaluation_change::Entity::delete_many()
        .filter(evaluation_change::Column::ApplicationId.eq(application_id))
        .exec(conn)
        .await
        .map_err(store_error)?;
    p1::Entity::delete_many()
        .filter(p1::Column::ApplicationId.eq(application_id))
        .exec(conn)
        .await
        .map_err(store_error)?;
    p2::Entity::delete_many()
        .filter(p2::Column::ApplicationId.eq(application_id))
        .exec(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl EvaluationRepository for Database {
    async fn protocol1(&self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        p1::Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(into_protocol1).transpose()
    }

    async fn protocol2(&self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        p2::Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(into_protocol2).transpose()
    }

    async fn protocol1_of(&self, application_id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        p1::Entity::find()
            .filter(p1::Column::ApplicationId.eq(application_id))
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(into_protocol1)
            .transpose()
    }

    async fn protocol2_of(&self, application_id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        p2::Entity::find()
            .filter(p2::Column::ApplicationId.eq(application_id))
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(into_protocol2)
            .transpose()
    }

    async fn changes(&self, protocol: Protocol, evaluation_id: Uuid) -> Result<Vec<EvaluationChange>, StoreError> {
        use evaluation_change::Column;
        evaluation_change::Entity::find()
            .filter(Column::EvaluationId.eq(evaluation_id))
            .filter(Column::Protocol.eq(protocol.as_str()))
            .order_by_asc(Column::ChangedAt)
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(store_error)?
            .iter()
            .map(into_change)
            .collect()
    }

    async fn stats(&self) -> Result<EvaluationStats, StoreError> {
        Ok(EvaluationStats {
            protocol1: protocol_stats::<p1::Entity, _>(&self.conn, p1::Column::OverallScore).await?,
            protocol2: protocol_stats::<p2::Entity, _>(&self.conn, p2::Column::OverallScore).await?,
        })
    }
}

#[async_trait]
impl EvaluationWriter for SqlTransaction {
    async fn insert_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<(), StoreError> {
        from_protocol1(evaluation).into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn insert_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<(), StoreError> {
        from_protocol2(evaluation).into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn lock_protocol1(&mut self, id: Uuid) -> Result<Option<Protocol1Evaluation>, StoreError> {
        // FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
        p1::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(into_protocol1)
            .transpose()
    }

    async fn lock_protocol2(&mut self, id: Uuid) -> Result<Option<Protocol2Evaluation>, StoreError> {
        p2::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(into_protocol2)
            .transpose()
    }

    async fn update_protocol1(&mut self, evaluation: &Protocol1Evaluation) -> Result<bool, StoreError> {
        updated(from_protocol1(evaluation).into_active_model().reset_all().update(&self.tx).await)
    }

    async fn update_protocol2(&mut self, evaluation: &Protocol2Evaluation) -> Result<bool, StoreError> {
        updated(from_protocol2(evaluation).into_active_model().reset_all().update(&self.tx).await)
    }

    async fn append_change(&mut self, change: &EvaluationChange) -> Result<(), StoreError> {
        let model = evaluation_change::Model {
            id: change.id,
            protocol: change.protocol.as_str().to_owned(),
            evaluation_id: change.evaluation_id,
            application_id: change.application_id,
            changed_by: change.changed_by,
            fields: serde_json::to_string(&change.fields).map_err(|e| StoreError::Unexpected(e.into()))?,
            changed_at: change.changed_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }
}
