//! The dashboards' read model over the in-memory state: the same figures and the same order as the SQL adapter
//! (the contract suite compares them), counted from the rows under one read lock.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{Datelike, NaiveDate};
use seeg_application::applications::read_models::{
    ApplicationBreakdown, ApplicationCountsSummary, ApplicationDetails, ApplicationReadModel, DepartmentFigures,
    DetailParts, EvaluationSummaries, GenderCounts, RecruitmentFigures,
};
use seeg_application::applications::{ApplicationFilter, ApplicationRepository};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::applications::Application;
use seeg_domain::identity::Sexe;
use seeg_domain::offers::OfferStatus;
use uuid::Uuid;

use crate::database::{MemoryStore, State};

fn summary(state: &State) -> ApplicationCountsSummary {
    let mut counts = ApplicationCountsSummary::default();
    for application in state.applications.values() {
        *counts.by_status.entry(application.status).or_default() += 1;
    }
    for document in state.application_documents.values() {
        *counts.documents_by_type.entry(document.document_type).or_default() += 1;
    }
    counts
}

fn details(state: &State, application: Application, parts: DetailParts) -> Result<ApplicationDetails, StoreError> {
    let offer = state.offers.get(&application.job_offer_id).cloned().ok_or_else(|| {
        StoreError::Unexpected(anyhow::anyhow!("offre {} de la candidature introuvable", application.job_offer_id))
    })?;
    let recruiter = offer.recruiter_id.and_then(|r| state.users.get(&r).cloned());
    let mut documents = Vec::new();
    if parts.documents {
        documents.extend(state.application_documents.values().filter(|d| d.application_id == application.id).cloned());
        documents.sort_by(|a, b| a.uploaded_at.cmp(&b.uploaded_at).then(a.id.cmp(&b.id)));
    }
    let mut history = Vec::new();
    if parts.history {
        history.extend(state.application_history.values().filter(|c| c.application_id == application.id).cloned());
        history.sort_by(|a, b| a.changed_at.cmp(&b.changed_at).then(a.id.cmp(&b.id)));
    }
    let mut notifications = Vec::new();
    if parts.notifications {
        notifications
            .extend(state.notifications.values().filter(|n| n.related_application_id == Some(application.id)).cloned());
        notifications.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    }
    let evaluations = if parts.evaluations {
        EvaluationSummaries {
            protocol1: state.evaluations.protocol1_of(application.id).map(Into::into),
            protocol2: state.evaluations.protocol2_of(application.id).map(Into::into),
        }
    } else {
        EvaluationSummaries::default()
    };
    let mut interview_slots = Vec::new();
    if parts.interview_slots {
        interview_slots.extend(state.interview_slots.values().filter(|s| s.application_id == application.id).cloned());
        interview_slots.sort_by(|a, b| a.date.cmp(&b.date).then(a.time.cmp(&b.time)).then(a.id.cmp(&b.id)));
    }
    let (candidate, profile) = if parts.candidates {
        let profile = state.candidate_profiles.get(&application.candidate_id).cloned();
        (state.users.get(&application.candidate_id).cloned(), profile)
    } else {
        (None, None)
    };
    Ok(ApplicationDetails {
        application,
        candidate,
        profile,
        offer,
        recruiter,
        documents,
        history,
        notifications,
        evaluations,
        interview_slots,
    })
}

fn recruitment(state: &State, recruiter_id: Option<Uuid>) -> RecruitmentFigures {
    let in_scope = |offer_id: &Uuid| {
        state.offers.get(offer_id).is_some_and(|o| recruiter_id.is_none_or(|r| o.recruiter_id == Some(r)))
    };
    let mut figures = RecruitmentFigures::default();
    let mut departments: BTreeMap<Option<String>, DepartmentFigures> = BTreeMap::new();
    for offer in state.offers.values().filter(|o| in_scope(&o.id)) {
        let applications = state.applications.values().filter(|a| a.job_offer_id == offer.id).count() as u64;
        let department = departments.entry(offer.department.clone()).or_insert_with(|| DepartmentFigures {
            department: offer.department.clone(),
            jobs: 0,
            jobs_with_applications: 0,
            applications: 0,
        });
        department.jobs += 1;
        department.jobs_with_applications += u64::from(applications > 0);
        department.applications += applications;
        figures.active_jobs += u64::from(offer.status == OfferStatus::Active);
    }
    figures.departments = departments.into_values().collect();
    let mut candidates = BTreeSet::new();
    for application in state.applications.values().filter(|a| in_scope(&a.job_offer_id)) {
        *figures.applications_by_status.entry(application.status).or_default() += 1;
        candidates.insert(application.candidate_id);
    }
    let mut gender = GenderCounts::default();
    for candidate in candidates {
        match state.users.get(&candidate).and_then(|u| u.sexe) {
            Some(Sexe::Male) => gender.male += 1,
            Some(Sexe::Female) => gender.female += 1,
            None => gender.unknown += 1,
        }
    }
    figures.candidates = gender;
    figures
}

#[async_trait]
impl ApplicationReadModel for MemoryStore {
    async fn summary(&self) -> Result<ApplicationCountsSummary, StoreError> {
        Ok(self.read(summary))
    }

    async fn breakdown(&self) -> Result<ApplicationBreakdown, StoreError> {
        self.read(|state| {
            let mut breakdown = ApplicationBreakdown { summary: summary(state), ..ApplicationBreakdown::default() };
            for application in state.applications.values() {
                *breakdown.by_job_offer.entry(application.job_offer_id).or_default() += 1;
                let at = application.created_at;
                let month = NaiveDate::from_ymd_opt(at.year(), at.month(), 1)
                    .ok_or_else(|| StoreError::Unexpected(anyhow::anyhow!("mois de {at} invalide")))?;
                *breakdown.by_month.entry(month).or_default() += 1;
            }
            Ok(breakdown)
        })
    }

    async fn details(
        &self,
        filter: &ApplicationFilter,
        page: Page,
        parts: DetailParts,
    ) -> Result<PageOf<ApplicationDetails>, StoreError> {
        let found = ApplicationRepository::list(self, filter, page).await?;
        let items = self
            .read(|state| found.items.into_iter().map(|a| details(state, a, parts)).collect::<Result<Vec<_>, _>>())?;
        Ok(PageOf { items, total: found.total })
    }

    async fn recruitment(&self, recruiter_id: Option<Uuid>) -> Result<RecruitmentFigures, StoreError> {
        Ok(self.read(|state| recruitment(state, recruiter_id)))
    }
}
