//! Applications, their documents (metadata; bytes are in the DocumentStore) and their history.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait as _, QueryFilter, QueryOrder,
    QuerySelect as _,
};
use seeg_application::applications::{
    ApplicationDocument, ApplicationFilter, ApplicationRepository, ApplicationWriter, StatusChange,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::applications::{Application, ApplicationStatus, MtpAnswers, Reference};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::{application, application_document, application_history, user};
use crate::offers::escape_like;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

fn status(word: &str) -> Result<ApplicationStatus, StoreError> {
    ApplicationStatus::parse_input(word).map_err(|e| corrupt("applications.status", e))
}

fn answers_to_json(answers: &MtpAnswers) -> serde_json::Value {
    use seeg_domain::offers::MtpFamily;
    let mut object = serde_json::Map::new();
    for family in MtpFamily::ALL {
        object.insert(MtpAnswers::answers_key(family).to_owned(), serde_json::json!(answers.answers(family)));
    }
    serde_json::Value::Object(object)
}

fn answers_from_json(value: Option<serde_json::Value>) -> Result<MtpAnswers, StoreError> {
    use seeg_domain::offers::MtpFamily;
    let Some(value) = value else { return Ok(MtpAnswers::default()) };
    let family = |f: MtpFamily| -> Result<Vec<String>, StoreError> {
        match value.get(MtpAnswers::answers_key(f)) {
            None | Some(serde_json::Value::Null) => Ok(Vec::new()),
            Some(list) => serde_json::from_value(list.clone()).map_err(|e| corrupt("applications.mtp_answers", e)),
        }
    };
    Ok(MtpAnswers::from_stored(family(MtpFamily::Metier)?, family(MtpFamily::Talent)?, family(MtpFamily::Paradigme)?))
}

pub(crate) fn into_application(m: application::Model) -> Result<Application, StoreError> {
    Ok(Application {
        id: m.id,
        candidate_id: m.candidate_id,
        job_offer_id: m.job_offer_id,
        status: status(&m.status)?,
        reference_contacts: m.reference_contacts,
        availability_start: m.availability_start,
        has_been_manager: m.has_been_manager,
        reference: Reference {
            entreprise: m.ref_entreprise,
            fullname: m.ref_fullname,
            mail: m.ref_mail,
            contact: m.ref_contact,
        },
        mtp_answers: answers_from_json(m.mtp_answers)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn into_document(m: application_document::Model) -> Result<ApplicationDocument, StoreError> {
    Ok(ApplicationDocument {
        id: m.id,
        application_id: m.application_id,
        document_type: m.document_type.parse().map_err(|e| corrupt("application_documents.document_type", e))?,
        file_name: m.file_name,
        file_size: u64::try_from(m.file_size).map_err(|e| corrupt("application_documents.file_size", e))?,
        file_type: m.file_type,
        storage_key: m.storage_key,
        sha256: m.sha256,
        uploaded_at: m.uploaded_at,
    })
}

pub(crate) fn into_change(m: application_history::Model) -> Result<StatusChange, StoreError> {
    Ok(StatusChange {
        id: m.id,
        application_id: m.application_id,
        changed_by: m.changed_by,
        previous_status: m.previous_status.as_deref().map(status).transpose()?,
        new_status: status(&m.new_status)?,
        notes: m.notes,
        changed_at: m.changed_at,
    })
}

#[async_trait]
impl ApplicationRepository for Database {
    async fn get(&self, id: Uuid) -> Result<Option<Application>, StoreError> {
        application::Entity::find_by_id(id)
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(into_application)
            .transpose()
    }

    async fn find(&self, candidate_id: Uuid, job_offer_id: Uuid) -> Result<Option<Application>, StoreError> {
        application::Entity::find()
            .filter(application::Column::CandidateId.eq(candidate_id))
            .filter(application::Column::JobOfferId.eq(job_offer_id))
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(into_application)
            .transpose()
    }

    async fn list(&self, filter: &ApplicationFilter, page: Page) -> Result<PageOf<Application>, StoreError> {
        use application::Column;
        let mut select = application::Entity::find();
        if let Some(candidate) = filter.candidate_id {
            select = select.filter(Column::CandidateId.eq(candidate));
        }
        if let Some(offer) = filter.job_offer_id {
            select = select.filter(Column::JobOfferId.eq(offer));
        }
        if let Some(status) = filter.status {
            select = select.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(q) = filter.q.as_deref() {
            let pattern = format!("%{}%", escape_like(&search::fold(q)));
            let candidates = Query::select()
                .column(user::Column::Id)
                .from(user::Entity)
                .and_where(Expr::col(user::Column::SearchFolded).like(LikeExpr::new(pattern).escape('\\')))
                .to_owned();
            select = select.filter(Column::CandidateId.in_subquery(candidates));
        }
        let select = select.order_by_desc(Column::CreatedAt).order_by_desc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        Ok(PageOf {
            total: found.total,
            items: found.items.into_iter().map(into_application).collect::<Result<_, _>>()?,
        })
    }

    async fn documents(&self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        use application_document::Column;
        application_document::Entity::find()
            .filter(Column::ApplicationId.eq(application_id))
            .order_by_asc(Column::UploadedAt)
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(into_document)
            .collect()
    }

    async fn document(
        &self,
        application_id: Uuid,
        document_id: Uuid,
    ) -> Result<Option<ApplicationDocument>, StoreError> {
        application_document::Entity::find_by_id(document_id)
            .filter(application_document::Column::ApplicationId.eq(application_id))
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(into_document)
            .transpose()
    }

    async fn history(&self, application_id: Uuid) -> Result<Vec<StatusChange>, StoreError> {
        use application_history::Column;
        application_history::Entity::find()
            .filter(Column::ApplicationId.eq(application_id))
            .order_by_asc(Column::ChangedAt)
            .order_by_asc(Column::Id)
            .all(&self.conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(into_change)
            .collect()
    }
}

#[async_trait]
impl ApplicationWriter for SqlTransaction {
    async fn insert(&mut self, a: &Application) -> Result<(), StoreError> {
        let model = application::Model {
            id: a.id,
            candidate_id: a.candidate_id,
            job_offer_id: a.job_offer_id,
            status: a.status.as_str().to_owned(),
            reference_contacts: a.reference_contacts.clone(),
            availability_start: a.availability_start,
            has_been_manager: a.has_been_manager,
            ref_entreprise: a.reference.entreprise.clone(),
            ref_fullname: a.reference.fullname.clone(),
            ref_mail: a.reference.mail.clone(),
            ref_contact: a.reference.contact.clone(),
            mtp_answers: Some(answers_to_json(&a.mtp_answers)),
            created_at: a.created_at,
            updated_at: a.updated_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn insert_document(&mut self, d: &ApplicationDocument) -> Result<(), StoreError> {
        let model = application_document::Model {
            id: d.id,
            application_id: d.application_id,
            document_type: d.document_type.as_str().to_owned(),
            file_name: d.file_name.clone(),
            file_size: i64::try_from(d.file_size).map_err(|e| StoreError::Unexpected(e.into()))?,
            file_type: d.file_type.clone(),
            storage_key: d.storage_key.clone(),
            sha256: d.sha256.clone(),
            uploaded_at: d.uploaded_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn append_history(&mut self, c: &StatusChange) -> Result<(), StoreError> {
        let model = application_history::Model {
            id: c.id,
            application_id: c.application_id,
            changed_by: c.changed_by,
            previous_status: c.previous_status.map(|s| s.as_str().to_owned()),
            new_status: c.new_status.as_str().to_owned(),
            notes: c.notes.clone(),
            changed_at: c.changed_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn update_status(
        &mut self,
        id: Uuid,
        status: ApplicationStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = application::Entity::update_many()
            .col_expr(application::Column::Status, Expr::value(status.as_str()))
            .col_expr(application::Column::UpdatedAt, Expr::value(at))
            .filter(application::Column::Id.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn touch(
        &mut self,
        id: Uuid,
        only_in: Option<ApplicationStatus>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut update = application::Entity::update_many()
            .col_expr(application::Column::UpdatedAt, Expr::value(at))
            .filter(application::Column::Id.eq(id));
        if let Some(status) = only_in {
            update = update.filter(application::Column::Status.eq(status.as_str()));
        }
        let result = update.exec(&self.tx).await.map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<ApplicationStatus>, StoreError> {
        // FOR UPDATE on PostgreSQL (it conflicts with the key-share lock of a foreign-key insert); sea-orm leaves it
        // out on SQLite, whose BEGIN IMMEDIATE already serialises writers.
        let row = application::Entity::find_by_id(id).lock_exclusive().one(&self.tx).await.map_err(store_error)?;
        row.map(|row| status(&row.status)).transpose()
    }

    async fn staff_work(&mut self, id: Uuid) -> Result<bool, StoreError> {
        use crate::entities::{interview_slot, protocol1_evaluation, protocol2_evaluation};
        let evaluated = protocol1_evaluation::Entity::find()
            .filter(protocol1_evaluation::Column::ApplicationId.eq(id))
            .count(&self.tx)
            .await
            .map_err(store_error)?
            + protocol2_evaluation::Entity::find()
                .filter(protocol2_evaluation::Column::ApplicationId.eq(id))
                .count(&self.tx)
                .await
                .map_err(store_error)?;
        let booked = interview_slot::Entity::find()
            .filter(interview_slot::Column::ApplicationId.eq(id))
            .filter(interview_slot::Column::Status.ne(seeg_domain::interviews::SlotStatus::Cancelled.as_str()))
            .count(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(evaluated + booked > 0)
    }

    async fn delete(&mut self, id: Uuid, only_in: Option<ApplicationStatus>) -> Result<bool, StoreError> {
        // The row first, under its status condition: it decides (and a concurrent status change waits for us).
        let mut delete = application::Entity::delete_many().filter(application::Column::Id.eq(id));
        if let Some(status) = only_in {
            delete = delete.filter(application::Column::Status.eq(status.as_str()));
        }
        if delete.exec(&self.tx).await.map_err(store_error)?.rows_affected != 1 {
            return Ok(false);
        }
        // The foreign keys cascade; said explicitly so that a connection without enforcement leaves no orphan.
        application_document::Entity::delete_many()
            .filter(application_document::Column::ApplicationId.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        application_history::Entity::delete_many()
            .filter(application_history::Column::ApplicationId.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        crate::evaluations::delete_for_application(&self.tx, id).await?;
        crate::interview_slots::delete_for_application(&self.tx, id).await?;
        Ok(true)
    }

    async fn delete_document(&mut self, application_id: Uuid, document_id: Uuid) -> Result<bool, StoreError> {
        let result = application_document::Entity::delete_many()
            .filter(application_document::Column::Id.eq(document_id))
            .filter(application_document::Column::ApplicationId.eq(application_id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn documents(&mut self, application_id: Uuid) -> Result<Vec<ApplicationDocument>, StoreError> {
        use application_document::Column;
        application_document::Entity::find()
            .filter(Column::ApplicationId.eq(application_id))
            .order_by_asc(Column::UploadedAt)
            .order_by_asc(Column::Id)
            .all(&self.tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(into_document)
            .collect()
    }
}
