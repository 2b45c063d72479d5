//! The offer repository: reads on the pool, writes inside a transaction.

use anyhow::{Context as _, anyhow};
use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder,
};
use seeg_application::offers::{OfferFilter, OfferRepository, OfferWriter};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::offers::{JobOffer, MtpFamily, MtpQuestions};
use seeg_domain::search;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::job_offer::{Column, Entity, Model};

fn condition(filter: &OfferFilter) -> Condition {
    let statuses = filter.audience.statuses().iter().map(|s| s.as_str());
    let visibilities = filter.audience.visibilities().iter().map(|v| v.as_str());
    let mut cond = Condition::all().add(Column::Status.is_in(statuses)).add(Column::OfferStatus.is_in(visibilities));
    if let Some(location) = &filter.location {
        let pattern = format!("%{}%", escape_like(&search::fold(location)));
        cond = cond.add(Expr::col(Column::LocationFolded).like(LikeExpr::new(pattern).escape('\\')));
    }
    if let Some(contract_type) = &filter.contract_type {
        cond = cond.add(Column::ContractType.eq(contract_type.as_str()));
    }
    cond
}

/// User text inside a LIKE pattern matches literally.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[async_trait]
impl OfferRepository for Database {
    async fn list(&self, filter: &OfferFilter, page: Page) -> Result<PageOf<JobOffer>, StoreError> {
        let select =
            Entity::find().filter(condition(filter)).order_by_desc(Column::CreatedAt).order_by_desc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        let items = found.items.into_iter().map(to_domain).collect::<Result<_, _>>()?;
        Ok(PageOf { items, total: found.total })
    }

    async fn count(&self, filter: &OfferFilter) -> Result<u64, StoreError> {
        Entity::find().filter(condition(filter)).count(&self.conn).await.map_err(store_error)
    }

    async fn get(&self, id: Uuid) -> Result<Option<JobOffer>, StoreError> {
        Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(to_domain).transpose()
    }
}

#[async_trait]
impl OfferWriter for SqlTransaction {
    async fn insert(&mut self, offer: &JobOffer) -> Result<(), StoreError> {
        from_domain(offer).into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }
}

fn list_to_json(items: &[String]) -> Option<Value> {
    // An empty list is stored as NULL, as the legacy service did (R15).
    (!items.is_empty()).then(|| json!(items))
}

fn list_from_json(value: Option<Value>, column: &str) -> Result<Vec<String>, StoreError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v)
            .with_context(|| format!("job_offers.{column} n'est pas une liste de textes"))
            .map_err(StoreError::from),
    }
}

fn mtp_to_json(questions: Option<&MtpQuestions>) -> Option<Value> {
    let questions = questions.filter(|q| !q.is_empty())?;
    let object =
        MtpFamily::ALL.iter().map(|f| (f.questions_key().to_owned(), json!(questions.questions(*f)))).collect();
    Some(Value::Object(object))
}

fn mtp_from_json(value: Option<Value>) -> Result<Option<MtpQuestions>, StoreError> {
    let Some(Value::Object(mut object)) = value else { return Ok(None) };
    let mut family = |f: MtpFamily| list_from_json(object.remove(f.questions_key()), "questions_mtp");
    let (metier, talent, paradigme) =
        (family(MtpFamily::Metier)?, family(MtpFamily::Talent)?, family(MtpFamily::Paradigme)?);
    Ok(Some(MtpQuestions::from_stored(metier, talent, paradigme)))
}

fn to_domain(m: Model) -> Result<JobOffer, StoreError> {
    let status = m.status.parse().map_err(|e| anyhow!("job_offers.status: {e}"))?;
    let visibility = m.offer_status.parse().map_err(|e| anyhow!("job_offers.offer_status: {e}"))?;
    Ok(JobOffer {
        id: m.id,
        recruiter_id: m.recruiter_id,
        title: m.title,
        description: m.description,
        location: m.location,
        contract_type: m.contract_type,
        department: m.department,
        salary_min: m.salary_min,
        salary_max: m.salary_max,
        salary_note: m.salary_note,
        requirements: list_from_json(m.requirements, "requirements")?,
        benefits: list_from_json(m.benefits, "benefits")?,
        responsibilities: list_from_json(m.responsibilities, "responsibilities")?,
        status,
        visibility,
        application_deadline: m.application_deadline,
        date_limite: m.date_limite,
        start_date: m.start_date,
        reporting_line: m.reporting_line,
        profile: m.profile,
        categorie_metier: m.categorie_metier,
        job_grade: m.job_grade,
        questions_mtp: mtp_from_json(m.questions_mtp)?,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn from_domain(o: &JobOffer) -> Model {
    Model {
        id: o.id,
        recruiter_id: o.recruiter_id,
        title: o.title.clone(),
        description: o.description.clone(),
        location: o.location.clone(),
        location_folded: search::fold(&o.location),
        contract_type: o.contract_type.clone(),
        department: o.department.clone(),
        salary_min: o.salary_min,
        salary_max: o.salary_max,
        salary_note: o.salary_note.clone(),
        requirements: list_to_json(&o.requirements),
        benefits: list_to_json(&o.benefits),
        responsibilities: list_to_json(&o.responsibilities),
        status: o.status.as_str().to_owned(),
        offer_status: o.visibility.as_str().to_owned(),
        application_deadline: o.application_deadline,
        date_limite: o.date_limite,
        start_date: o.start_date,
        reporting_line: o.reporting_line.clone(),
        profile: o.profile.clone(),
        categorie_metier: o.categorie_metier.clone(),
        job_grade: o.job_grade.clone(),
        questions_mtp: mtp_to_json(o.questions_mtp.as_ref()),
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}
