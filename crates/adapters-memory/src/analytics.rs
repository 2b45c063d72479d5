//! The analytics' read model over the in-memory state (B5): the same definitions as the SQL adapter (the contract
//! suite compares them), computed from the rows under one read lock, percentiles by `percentile_cont`.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::analytics::{
    AnalyticsFilter, AnalyticsReadModel, DepartmentDurations, Durations, FunnelCounts, OfferDurations, PIPELINE,
    TIMED_STAGES, TimeToHire,
};
use seeg_application::applications::StatusChange;
use seeg_domain::applications::{Application, ApplicationStatus};
use uuid::Uuid;

use crate::database::{MemoryStore, State};

/// The scope's applications, each with its status changes oldest first (`changed_at`, then id); notes (rows
/// that keep the status) and the submission's own row are left out.
fn scoped<'a>(state: &'a State, filter: &AnalyticsFilter) -> Vec<(&'a Application, Vec<&'a StatusChange>)> {
    let mut moves: HashMap<Uuid, Vec<&StatusChange>> = HashMap::new();
    for change in state.application_history.values() {
        if change.previous_status.is_some_and(|p| p != change.new_status) {
            moves.entry(change.application_id).or_default().push(change);
        }
    }
    state
        .applications
        .values()
        .filter(|a| filter.admits(a.job_offer_id, a.created_at))
        .map(|a| {
            let mut changes = moves.remove(&a.id).unwrap_or_default();
            changes.sort_by(|x, y| x.changed_at.cmp(&y.changed_at).then(x.id.cmp(&y.id)));
            (a, changes)
        })
        .collect()
}

fn rank(status: ApplicationStatus) -> usize {
    PIPELINE.iter().position(|s| *s == status).unwrap_or(0)
}

fn funnel(state: &State, filter: &AnalyticsFilter) -> FunnelCounts {
    let mut counts = FunnelCounts::default();
    for status in ApplicationStatus::ALL {
        counts.reached.insert(status, 0);
        counts.current.insert(status, 0);
    }
    // Every history row counts here, the submission's and the notes' included: they name a status it was in.
    let mut entered: HashMap<Uuid, Vec<ApplicationStatus>> = HashMap::new();
    for change in state.application_history.values() {
        entered.entry(change.application_id).or_default().push(change.new_status);
    }
    for application in state.applications.values().filter(|a| filter.admits(a.job_offer_id, a.created_at)) {
        let statuses = entered.get(&application.id).map(Vec::as_slice).unwrap_or_default();
        let all = || statuses.iter().copied().chain([application.status]);
        let furthest = all().map(rank).max().unwrap_or(0);
        for stage in &PIPELINE[..=furthest] {
            *counts.reached.entry(*stage).or_default() += 1;
        }
        for exit in [ApplicationStatus::Refuse, ApplicationStatus::Retiree] {
            if all().any(|s| s == exit) {
                *counts.reached.entry(exit).or_default() += 1;
            }
        }
        *counts.current.entry(application.status).or_default() += 1;
    }
    counts
}

fn seconds(from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) -> i64 {
    to.timestamp() - from.timestamp()
}

fn time_to_hire(state: &State, filter: &AnalyticsFilter) -> TimeToHire {
    let mut hired_at: HashMap<Uuid, chrono::DateTime<chrono::Utc>> = HashMap::new();
    for change in state.application_history.values().filter(|c| c.new_status == ApplicationStatus::Embauche) {
        let at = hired_at.entry(change.application_id).or_insert(change.changed_at);
        *at = (*at).min(change.changed_at);
    }
    let mut overall = Vec::new();
    let mut by_offer: BTreeMap<Uuid, Vec<i64>> = BTreeMap::new();
    let mut by_department: BTreeMap<Option<String>, Vec<i64>> = BTreeMap::new();
    for application in state.applications.values().filter(|a| filter.admits(a.job_offer_id, a.created_at)) {
        let (Some(hired), Some(offer)) = (hired_at.get(&application.id), state.offers.get(&application.job_offer_id))
        else {
            continue;
        };
        let duration = seconds(application.created_at, *hired);
        overall.push(duration);
        by_offer.entry(offer.id).or_default().push(duration);
        by_department.entry(offer.department.clone()).or_default().push(duration);
    }
    TimeToHire {
        overall: Durations::of(overall),
        by_offer: by_offer
            .into_iter()
            .filter_map(|(id, durations)| {
                let offer = state.offers.get(&id)?;
                Some(OfferDurations {
                    job_offer_id: id,
                    title: offer.title.clone(),
                    department: offer.department.clone(),
                    durations: Durations::of(durations),
                })
            })
            .collect(),
        by_department: by_department
            .into_iter()
            .map(|(department, durations)| DepartmentDurations { department, durations: Durations::of(durations) })
            .collect(),
    }
}

fn stage_durations(state: &State, filter: &AnalyticsFilter) -> BTreeMap<ApplicationStatus, Durations> {
    let mut spans: BTreeMap<ApplicationStatus, Vec<i64>> = BTreeMap::new();
    for (application, changes) in scoped(state, filter) {
        let mut current = (ApplicationStatus::Candidature, application.created_at);
        for change in changes {
            spans.entry(current.0).or_default().push(seconds(current.1, change.changed_at));
            current = (change.new_status, change.changed_at);
        }
    }
    spans
        .into_iter()
        .filter(|(status, _)| TIMED_STAGES.contains(status))
        .map(|(status, seconds)| (status, Durations::of(seconds)))
        .collect()
}

#[async_trait]
impl AnalyticsReadModel for MemoryStore {
    async fn funnel(&self, filter: &AnalyticsFilter) -> Result<FunnelCounts, StoreError> {
        Ok(self.read(|state| funnel(state, filter)))
    }

    async fn time_to_hire(&self, filter: &AnalyticsFilter) -> Result<TimeToHire, StoreError> {
        Ok(self.read(|state| time_to_hire(state, filter)))
    }

    async fn stage_durations(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<BTreeMap<ApplicationStatus, Durations>, StoreError> {
        Ok(self.read(|state| stage_durations(state, filter)))
    }
}
