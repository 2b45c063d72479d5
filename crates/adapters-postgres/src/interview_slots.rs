//! Interview slots: `date` and `time` as the legacy fixed-width strings; the partial unique index
//! `ux_interview_slots_occupied` turns a second booking of an occupied time into `Conflict`.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect,
};
use seeg_application::interviews::{InterviewSlotRepository, InterviewSlotWriter, SlotFilter, SlotStats};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::interviews::{DATE_FORMAT, InterviewSlot, SlotStatus, TIME_FORMAT};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::{application, interview_slot};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

pub(crate) fn into_slot(m: interview_slot::Model) -> Result<InterviewSlot, StoreError> {
    Ok(InterviewSlot {
        id: m.id,
        application_id: m.application_id,
        candidate_name: m.candidate_name,
        job_title: m.job_title,
        date: chrono::NaiveDate::parse_from_str(&m.date, DATE_FORMAT)
            .map_err(|e| corrupt("interview_slots.date", e))?,
        time: chrono::NaiveTime::parse_from_str(&m.time, TIME_FORMAT)
            .map_err(|e| corrupt("interview_slots.time", e))?,
        status: m.status.parse().map_err(|e| corrupt("interview_slots.status", e))?,
        is_available: m.is_available,
        location: m.location,
        notes: m.notes,
        recruiter_id: m.recruiter_id,
        sequence: u32::try_from(m.sequence).map_err(|e| corrupt("interview_slots.sequence", e))?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn from_slot(s: &InterviewSlot) -> Result<interview_slot::Model, StoreError> {
    Ok(interview_slot::Model {
        id: s.id,
        application_id: s.application_id,
        candidate_name: s.candidate_name.clone(),
        job_title: s.job_title.clone(),
        date: s.date.format(DATE_FORMAT).to_string(),
        time: s.time.format(TIME_FORMAT).to_string(),
        status: s.status.as_str().to_owned(),
        is_available: s.is_available,
        location: s.location.clone(),
        notes: s.notes.clone(),
        recruiter_id: s.recruiter_id,
        sequence: i32::try_from(s.sequence).map_err(|e| StoreError::Unexpected(e.into()))?,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

/// Deletes an application's slots (the foreign key cascades; said explicitly, as `ApplicationWriter::delete`
/// does for its other rows).
pub(crate) async fn delete_for_application(
    conn: &impl ConnectionTrait,
    application_id: Uuid,
) -> Result<(), StoreError> {
    interview_slot::Entity::delete_many()
        .filter(interview_slot::Column::ApplicationId.eq(application_id))
        .exec(conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl InterviewSlotRepository for Database {
    async fn get(&self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError> {
        interview_slot::Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(into_slot).transpose()
    }

    async fn list(&self, filter: &SlotFilter, page: Page) -> Result<PageOf<InterviewSlot>, StoreError> {
        use interview_slot::Column;
        let mut select = interview_slot::Entity::find();
        if let Some(application_id) = filter.application_id {
            select = select.filter(Column::ApplicationId.eq(application_id));
        }
        if let Some(candidate_id) = filter.candidate_id {
            let applications = Query::select()
                .column(application::Column::Id)
                .from(application::Entity)
                .and_where(Expr::col(application::Column::CandidateId).eq(candidate_id))
                .to_owned();
            select = select.filter(Column::ApplicationId.in_subquery(applications));
        }
        if let Some(status) = filter.status {
            select = select.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(available) = filter.is_available {
            select = select.filter(Column::IsAvailable.eq(available));
        }
        if let Some(from) = filter.date_from {
            select = select.filter(Column::Date.gte(from.format(DATE_FORMAT).to_string()));
        }
        if let Some(to) = filter.date_to {
            select = select.filter(Column::Date.lte(to.format(DATE_FORMAT).to_string()));
        }
        let select = select.order_by_asc(Column::Date).order_by_asc(Column::Time).order_by_asc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        Ok(PageOf { total: found.total, items: found.items.into_iter().map(into_slot).collect::<Result<_, _>>()? })
    }

    async fn stats(&self) -> Result<SlotStats, StoreError> {
        use interview_slot::Column;
        let rows: Vec<(String, i64)> = interview_slot::Entity::find()
            .select_only()
            .column(Column::Status)
            .column_as(Expr::col(Column::Id).count(), "n")
            .group_by(Column::Status)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        let counts = rows
            .into_iter()
            .map(|(status, n)| {
                let status: SlotStatus = status.parse().map_err(|e| corrupt("interview_slots.status", e))?;
                Ok((status, u64::try_from(n).unwrap_or_default()))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(SlotStats::from_counts(counts))
    }
}

#[async_trait]
impl InterviewSlotWriter for SqlTransaction {
    async fn insert(&mut self, slot: &InterviewSlot) -> Result<(), StoreError> {
        from_slot(slot)?.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<InterviewSlot>, StoreError> {
        // FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers.
        interview_slot::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(into_slot)
            .transpose()
    }

    async fn lock_scheduled(&mut self, application_id: Uuid) -> Result<Vec<InterviewSlot>, StoreError> {
        use interview_slot::Column;
        interview_slot::Entity::find()
            .filter(Column::ApplicationId.eq(application_id))
            .filter(Column::Status.eq(SlotStatus::Scheduled.as_str()))
            .order_by_asc(Column::Date)
            .order_by_asc(Column::Time)
            .order_by_asc(Column::Id)
            .lock_exclusive()
            .all(&self.tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(into_slot)
            .collect()
    }

    async fn update(&mut self, slot: &InterviewSlot) -> Result<bool, StoreError> {
        match from_slot(slot)?.into_active_model().reset_all().update(&self.tx).await {
            Ok(_) => Ok(true),
            Err(DbErr::RecordNotUpdated) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }
}
