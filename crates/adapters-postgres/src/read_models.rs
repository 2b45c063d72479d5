//! The dashboards' read model: counts are `GROUP BY` in SQL (never rows loaded to be counted), and a page of
//! applications gathers what surrounds it with one `WHERE … IN (…)` query per related kind, so the number of
//! statements does not grow with the page (the port's contract; the contract suite counts them).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use async_trait::async_trait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult, Order, QueryFilter, QueryOrder,
    QueryResult, QuerySelect,
};
use seeg_application::applications::read_models::{
    ApplicationBreakdown, ApplicationCountsSummary, ApplicationDetails, ApplicationReadModel, DepartmentFigures,
    DetailParts, EvaluationSummaries, GenderCounts, Protocol1Summary, Protocol2Summary, RecruitmentFigures,
};
use seeg_application::applications::{ApplicationFilter, ApplicationRepository};
use seeg_application::identity::Notification;
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use seeg_domain::evaluations::Score;
use seeg_domain::identity::Sexe;
use seeg_domain::offers::OfferStatus;
use uuid::Uuid;

use crate::database::{Database, store_error};
use crate::entities::{
    application, application_document, application_history, candidate_profile, interview_slot, job_offer, notification,
    protocol1_evaluation as p1, protocol2_evaluation as p2, user,
};

/// The most ids one `IN (…)` list carries: any page the API serves (1 000 applications, so at most 2 000
/// accounts) takes one statement, well within SQLite's 32 766 and PostgreSQL's 65 535 parameters.
const IN_LIST_MAX: usize = 10_000;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The UTC month of `applications.created_at` as `YYYY-MM`, in the connected backend's dialect. SQLite keeps
/// timestamps as RFC 3339 text, which `strftime` reads (offset included). sqlx opens every PostgreSQL session in
/// UTC, but the conversion is explicit so the month never depends on a session's `TimeZone`.
fn month_of_created_at(backend: DatabaseBackend) -> &'static str {
    match backend {
        DatabaseBackend::Sqlite => "strftime('%Y-%m', created_at)",
        _ => "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM')",
    }
}

/// The rows of `E` whose `column` is one of `ids`: one statement per `IN_LIST_MAX` ids, none for no ids.
async fn rows_in<E>(
    database: &Database,
    column: E::Column,
    ids: &BTreeSet<Uuid>,
    order: &[(E::Column, Order)],
) -> Result<Vec<E::Model>, StoreError>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(IN_LIST_MAX) {
        let mut select = E::find().filter(column.is_in(chunk.iter().copied()));
        for (column, direction) in order {
            select = select.order_by(*column, direction.clone());
        }
        rows.extend(select.all(&database.conn).await.map_err(store_error)?);
    }
    Ok(rows)
}

/// Rows read into `T` and grouped by the application `of` says they belong to, in the rows' order.
fn by_application<M, T>(
    rows: Vec<M>,
    read: impl Fn(M) -> Result<T, StoreError>,
    of: impl Fn(&T) -> Option<Uuid>,
) -> Result<HashMap<Uuid, Vec<T>>, StoreError> {
    let mut grouped: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        let item = read(row)?;
        if let Some(application) = of(&item) {
            grouped.entry(application).or_default().push(item);
        }
    }
    Ok(grouped)
}

/// The overall score stored in hundredths, read back as a `Score`.
fn overall(stored: i32) -> Result<Score, StoreError> {
    Score::from_hundredths("overall_score", i64::from(stored)).map_err(|e| corrupt("overall_score", e))
}

/// The summaries of the protocol 1 and 2 evaluations of `ids`, by application: the few columns a dashboard shows
/// (never the comments), one statement per table and per `IN_LIST_MAX` ids, none for no ids.
async fn evaluations_of(
    database: &Database,
    ids: &BTreeSet<Uuid>,
) -> Result<HashMap<Uuid, EvaluationSummaries>, StoreError> {
    let ids: Vec<Uuid> = ids.iter().copied().collect();
    let mut summaries: HashMap<Uuid, EvaluationSummaries> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_MAX) {
        use p1::Column;
        let rows: Vec<(Uuid, Uuid, String, bool, i32)> = p1::Entity::find()
            .select_only()
            .columns([Column::Id, Column::ApplicationId, Column::Status, Column::Completed, Column::OverallScore])
            .filter(Column::ApplicationId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&database.conn)
            .await
            .map_err(store_error)?;
        for (id, application_id, status, completed, score) in rows {
            let status = status.parse().map_err(|e| corrupt("protocol1_evaluations.status", e))?;
            let summary = Protocol1Summary { id, status, completed, overall_score: overall(score)? };
            summaries.entry(application_id).or_default().protocol1 = Some(summary);
        }
    }
    for chunk in ids.chunks(IN_LIST_MAX) {
        use p2::Column;
        let rows: Vec<(Uuid, Uuid, bool, i32)> = p2::Entity::find()
            .select_only()
            .columns([Column::Id, Column::ApplicationId, Column::Completed, Column::OverallScore])
            .filter(Column::ApplicationId.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(&database.conn)
            .await
            .map_err(store_error)?;
        for (id, application_id, completed, score) in rows {
            let summary = Protocol2Summary { id, completed, overall_score: overall(score)? };
            summaries.entry(application_id).or_default().protocol2 = Some(summary);
        }
    }
    Ok(summaries)
}

impl Database {
    /// `SELECT key, COUNT(*) FROM E GROUP BY key`, each key as read by `K`.
    async fn counts_by<E, K>(&self, key: Expr) -> Result<Vec<(K, u64)>, StoreError>
    where
        E: EntityTrait,
        K: sea_orm::TryGetable,
    {
        let rows: Vec<(K, i64)> = E::find()
            .select_only()
            .column_as(key.clone(), "key")
            .column_as(Expr::cust("COUNT(*)"), "n")
            .group_by(key)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(rows.into_iter().map(|(key, n)| (key, count(n))).collect())
    }

    async fn status_counts(&self) -> Result<BTreeMap<ApplicationStatus, u64>, StoreError> {
        let rows = self.counts_by::<application::Entity, String>(Expr::col(application::Column::Status)).await?;
        // Two stored words may name one status (`pending`, the column's default, is `candidature`): added up, as
        // the other figures do.
        let mut counts = BTreeMap::new();
        for (status, n) in rows {
            let status = ApplicationStatus::parse_input(&status).map_err(|e| corrupt("applications.status", e))?;
            *counts.entry(status).or_insert(0) += n;
        }
        Ok(counts)
    }

    async fn document_counts(&self) -> Result<BTreeMap<DocumentType, u64>, StoreError> {
        let key = Expr::col(application_document::Column::DocumentType);
        let rows = self.counts_by::<application_document::Entity, String>(key).await?;
        rows.into_iter()
            .map(|(kind, n)| {
                let kind = kind.parse().map_err(|e| corrupt("application_documents.document_type", e))?;
                Ok((kind, n))
            })
            .collect()
    }

    async fn all_rows(&self, query: &SelectStatement) -> Result<Vec<QueryResult>, StoreError> {
        let backend = self.conn.get_database_backend();
        self.conn.query_all_raw(backend.build(query)).await.map_err(store_error)
    }

    /// Applications counted by offer and status, one row per pair: `GROUP BY job_offer_id, status`, read from
    /// `idx_applications_job_status` alone (an index-only scan on PostgreSQL, a covering index on SQLite) and
    /// streamed in the index's order, no sort. The counts by status, by offer and by department all fold from it.
    fn counts_by_offer_and_status() -> SelectStatement {
        use application::{Column, Entity};
        Query::select()
            .column(Column::JobOfferId)
            .column(Column::Status)
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from(Entity)
            .group_by_col(Column::JobOfferId)
            .group_by_col(Column::Status)
            .to_owned()
    }

    /// `(job_offer_id, status, applications)` for every pair with applications (one statement).
    async fn offer_status_counts(&self) -> Result<Vec<(Uuid, ApplicationStatus, u64)>, StoreError> {
        self.all_rows(&Self::counts_by_offer_and_status())
            .await?
            .iter()
            .map(|row| {
                let offer: Uuid = row.try_get("", "job_offer_id").map_err(store_error)?;
                let status: String = row.try_get("", "status").map_err(store_error)?;
                let status = ApplicationStatus::parse_input(&status).map_err(|e| corrupt("applications.status", e))?;
                Ok((offer, status, count(row.try_get("", "n").map_err(store_error)?)))
            })
            .collect()
    }

    /// The offers of the scope by department, the active ones, and their applications by status, from ONE
    /// statement: each offer of the scope left-joined to its counts by status (`counts_by_offer_and_status`), at most
    /// offers × statuses rows folded here. (Joining every application to its offer and counting DISTINCT offers
    /// per department made the database sort all the applications: 11 ms on PostgreSQL at 10 000 of them.)
    async fn offers_figures(
        &self,
        recruiter_id: Option<Uuid>,
    ) -> Result<(Vec<DepartmentFigures>, u64, BTreeMap<ApplicationStatus, u64>), StoreError> {
        use job_offer::{Column, Entity};
        let counts = Alias::new("counts");
        let mut query = Query::select()
            .expr_as(Expr::col((Entity, Column::Id)), Alias::new("offer_id"))
            .expr_as(Expr::col((Entity, Column::Department)), Alias::new("department"))
            .expr_as(Expr::col((Entity, Column::Status)), Alias::new("offer_status"))
            .expr_as(Expr::col((counts.clone(), Alias::new("status"))), Alias::new("application_status"))
            .expr_as(Expr::col((counts.clone(), Alias::new("n"))), Alias::new("n"))
            .from(Entity)
            .join_subquery(
                JoinType::LeftJoin,
                Self::counts_by_offer_and_status(),
                counts.clone(),
                Expr::col((counts, Alias::new("job_offer_id"))).equals((Entity, Column::Id)),
            )
            .to_owned();
        if let Some(recruiter) = recruiter_id {
            query.and_where(Expr::col((Entity, Column::RecruiterId)).eq(recruiter));
        }
        let mut departments: BTreeMap<Option<String>, DepartmentFigures> = BTreeMap::new();
        let mut offers_seen = HashSet::new();
        let mut offers_covered = HashSet::new();
        let mut active_jobs = 0;
        let mut by_status = BTreeMap::new();
        for row in self.all_rows(&query).await? {
            let offer: Uuid = row.try_get("", "offer_id").map_err(store_error)?;
            let department: Option<String> = row.try_get("", "department").map_err(store_error)?;
            let figures = departments.entry(department.clone()).or_insert_with(|| DepartmentFigures {
                department,
                jobs: 0,
                jobs_with_applications: 0,
                applications: 0,
            });
            if offers_seen.insert(offer) {
                figures.jobs += 1;
                let status: String = row.try_get("", "offer_status").map_err(store_error)?;
                if status == OfferStatus::Active.as_str() {
                    active_jobs += 1;
                }
            }
            // NULL status and count: an offer without applications (the left join's empty side).
            let Some(status) = row.try_get::<Option<String>>("", "application_status").map_err(store_error)? else {
                continue;
            };
            let status = ApplicationStatus::parse_input(&status).map_err(|e| corrupt("applications.status", e))?;
            let n = count(row.try_get("", "n").map_err(store_error)?);
            figures.applications += n;
            if n > 0 && offers_covered.insert(offer) {
                figures.jobs_with_applications += 1;
            }
            *by_status.entry(status).or_default() += n;
        }
        // By name, the offers without a department first (`None` sorts first; in SQL PostgreSQL and SQLite would
        // put NULL at opposite ends).
        Ok((departments.into_values().collect(), active_jobs, by_status))
    }

    /// The distinct candidates who applied (to `recruiter_id`'s offers when given), by `sexe`: each account
    /// counted once through `EXISTS` (a semi-join on `uq_applications_candidate_job`), instead of joining every
    /// application to its account and counting DISTINCT candidates, which sorted them all.
    async fn candidates_by_sexe(&self, recruiter_id: Option<Uuid>) -> Result<GenderCounts, StoreError> {
        let mut applied = Query::select()
            .expr(Expr::val(1))
            .from(application::Entity)
            .and_where(
                Expr::col((application::Entity, application::Column::CandidateId))
                    .equals((user::Entity, user::Column::Id)),
            )
            .to_owned();
        if let Some(recruiter) = recruiter_id {
            let offers = Query::select()
                .column((job_offer::Entity, job_offer::Column::Id))
                .from(job_offer::Entity)
                .and_where(Expr::col((job_offer::Entity, job_offer::Column::RecruiterId)).eq(recruiter))
                .to_owned();
            applied.and_where(Expr::col((application::Entity, application::Column::JobOfferId)).in_subquery(offers));
        }
        let query = Query::select()
            .expr_as(Expr::col((user::Entity, user::Column::Sexe)), Alias::new("sexe"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
            .from(user::Entity)
            .and_where(Expr::exists(applied))
            .group_by_col((user::Entity, user::Column::Sexe))
            .to_owned();
        let mut counts = GenderCounts::default();
        for row in self.all_rows(&query).await? {
            let sexe: Option<String> = row.try_get("", "sexe").map_err(store_error)?;
            let n = count(row.try_get("", "n").map_err(store_error)?);
            match sexe.as_deref().map(str::parse::<Sexe>) {
                Some(Ok(Sexe::Male)) => counts.male += n,
                Some(Ok(Sexe::Female)) => counts.female += n,
                Some(Err(e)) => return Err(corrupt("users.sexe", e)),
                None => counts.unknown += n,
            }
        }
        Ok(counts)
    }

    async fn by_month(&self) -> Result<BTreeMap<chrono::NaiveDate, u64>, StoreError> {
        let month = Expr::cust(month_of_created_at(self.conn.get_database_backend()));
        let rows = self.counts_by::<application::Entity, String>(month).await?;
        rows.into_iter()
            .map(|(month, n)| {
                let first_day = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                    .map_err(|e| corrupt("applications.created_at", e))?;
                Ok((first_day, n))
            })
            .collect()
    }

    /// What surrounds a page of applications, one query per kind.
    async fn surroundings(
        &self,
        page: Vec<Application>,
        parts: DetailParts,
    ) -> Result<Vec<ApplicationDetails>, StoreError> {
        let application_ids: BTreeSet<Uuid> = page.iter().map(|a| a.id).collect();
        let offer_ids: BTreeSet<Uuid> = page.iter().map(|a| a.job_offer_id).collect();
        let offers = rows_in::<job_offer::Entity>(self, job_offer::Column::Id, &offer_ids, &[]).await?;
        let offers: HashMap<Uuid, seeg_domain::offers::JobOffer> =
            offers.into_iter().map(|m| crate::offers::to_domain(m).map(|o| (o.id, o))).collect::<Result<_, _>>()?;
        let candidate_ids: BTreeSet<Uuid> =
            if parts.candidates { page.iter().map(|a| a.candidate_id).collect() } else { BTreeSet::new() };
        let mut account_ids: BTreeSet<Uuid> = offers.values().filter_map(|o| o.recruiter_id).collect();
        account_ids.extend(candidate_ids.iter().copied());
        let accounts: HashMap<Uuid, seeg_domain::identity::User> =
            rows_in::<user::Entity>(self, user::Column::Id, &account_ids, &[])
                .await?
                .into_iter()
                .map(|m| crate::identity::user_to_domain(m).map(|u| (u.id, u)))
                .collect::<Result<_, _>>()?;
        let profiles: HashMap<Uuid, seeg_domain::identity::CandidateProfile> =
            rows_in::<candidate_profile::Entity>(self, candidate_profile::Column::UserId, &candidate_ids, &[])
                .await?
                .into_iter()
                .map(|m| crate::candidate_profiles::into_domain(m).map(|p| (p.user_id, p)))
                .collect::<Result<_, _>>()?;
        let none = BTreeSet::new();
        let wanted = |asked: bool| if asked { &application_ids } else { &none };
        let mut documents = {
            use application_document::Column;
            let order = [(Column::UploadedAt, Order::Asc), (Column::Id, Order::Asc)];
            let rows =
                rows_in::<application_document::Entity>(self, Column::ApplicationId, wanted(parts.documents), &order);
            by_application(rows.await?, crate::applications::into_document, |d| Some(d.application_id))?
        };
        let mut history = {
            use application_history::Column;
            let order = [(Column::ChangedAt, Order::Asc), (Column::Id, Order::Asc)];
            let rows =
                rows_in::<application_history::Entity>(self, Column::ApplicationId, wanted(parts.history), &order);
            by_application(rows.await?, crate::applications::into_change, |c| Some(c.application_id))?
        };
        let mut notifications = {
            use notification::Column;
            let order = [(Column::CreatedAt, Order::Desc), (Column::Id, Order::Desc)];
            let rows = rows_in::<notification::Entity>(
                self,
                Column::RelatedApplicationId,
                wanted(parts.notifications),
                &order,
            );
            let read = |m| Ok(crate::notifications::to_domain(m));
            by_application(rows.await?, read, |n: &Notification| n.related_application_id)?
        };
        let mut evaluations = evaluations_of(self, wanted(parts.evaluations)).await?;
        let mut interview_slots = {
            use interview_slot::Column;
            let order = [(Column::Date, Order::Asc), (Column::Time, Order::Asc), (Column::Id, Order::Asc)];
            let rows =
                rows_in::<interview_slot::Entity>(self, Column::ApplicationId, wanted(parts.interview_slots), &order);
            by_application(rows.await?, crate::interview_slots::into_slot, |s| Some(s.application_id))?
        };
        page.into_iter()
            .map(|application| {
                let offer = offers
                    .get(&application.job_offer_id)
                    .ok_or_else(|| corrupt("applications.job_offer_id", application.job_offer_id))?;
                let recruiter = offer.recruiter_id.and_then(|r| accounts.get(&r).cloned());
                let candidate = if parts.candidates { accounts.get(&application.candidate_id).cloned() } else { None };
                Ok(ApplicationDetails {
                    candidate,
                    // A candidate may have several applications on the page: the profile is shared, not taken.
                    profile: profiles.get(&application.candidate_id).cloned(),
                    offer: offer.clone(),
                    recruiter,
                    documents: documents.remove(&application.id).unwrap_or_default(),
                    history: history.remove(&application.id).unwrap_or_default(),
                    notifications: notifications.remove(&application.id).unwrap_or_default(),
                    evaluations: evaluations.remove(&application.id).unwrap_or_default(),
                    interview_slots: interview_slots.remove(&application.id).unwrap_or_default(),
                    application,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ApplicationReadModel for Database {
    async fn summary(&self) -> Result<ApplicationCountsSummary, StoreError> {
        Ok(ApplicationCountsSummary {
            by_status: self.status_counts().await?,
            documents_by_type: self.document_counts().await?,
        })
    }

    async fn breakdown(&self) -> Result<ApplicationBreakdown, StoreError> {
        // By status and by offer from one GROUP BY of the pairs (a few hundred rows at most: offers × statuses).
        let mut by_status = BTreeMap::new();
        let mut by_job_offer = BTreeMap::new();
        for (offer, status, n) in self.offer_status_counts().await? {
            *by_status.entry(status).or_default() += n;
            *by_job_offer.entry(offer).or_default() += n;
        }
        Ok(ApplicationBreakdown {
            summary: ApplicationCountsSummary { by_status, documents_by_type: self.document_counts().await? },
            by_job_offer,
            by_month: self.by_month().await?,
        })
    }

    async fn details(
        &self,
        filter: &ApplicationFilter,
        page: Page,
        parts: DetailParts,
    ) -> Result<PageOf<ApplicationDetails>, StoreError> {
        let found = ApplicationRepository::list(self, filter, page).await?;
        if found.items.is_empty() {
            return Ok(PageOf { items: Vec::new(), total: found.total });
        }
        Ok(PageOf { total: found.total, items: self.surroundings(found.items, parts).await? })
    }

    async fn recruitment(&self, recruiter_id: Option<Uuid>) -> Result<RecruitmentFigures, StoreError> {
        let (departments, active_jobs, applications_by_status) = self.offers_figures(recruiter_id).await?;
        Ok(RecruitmentFigures {
            departments,
            active_jobs,
            applications_by_status,
            candidates: self.candidates_by_sexe(recruiter_id).await?,
        })
    }
}
