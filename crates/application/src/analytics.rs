//! Recruitment analytics from the status history (B5): the funnel of an offer (or of all of them), the time to
//! hire, and the time applications spend in each stage. Staff data (S3): admins, recruiters and observers.
//!
//! The figures are computed by the store (`AnalyticsReadModel`: `GROUP BY` and percentiles in SQL), never from
//! rows loaded here; this module decides who may read them, fills the stages without applications, derives the
//! conversion rates and rounds. The definitions (docs/decisions.md, B5):
//!
//! - An application's **submission** is its `created_at`; the filters `submitted_from` / `submitted_to` (both
//!   inclusive) and `job_offer_id` choose the applications, and every figure is about those applications only.
//! - An application **reached** a stage of the pipeline (`candidature` → `incubation` → `entretien_programme` →
//!   `simulation_programmee` → `embauche`, I5) when its history shows it entered that stage or a later one, or it
//!   is in one now: the state machine allows no skipping, so a hired application passed every stage, even one
//!   whose history predates the history table. `refuse` and `retiree` are reached when the history or the current
//!   status says so; an application refused then reopened by an admin counts as refused AND goes on in the
//!   pipeline. A history row whose status does not change (a recruiter's note) is not a move.
//! - **Time to hire**: from submission to the first history row entering `embauche`, over hired applications.
//! - **Time in a stage**: from entering it (the submission for `candidature`) to the next status change; the
//!   stage an application is in now is not counted (not over yet). Only the open stages are timed: `embauche`
//!   and `retiree` are never left, and the time spent refused before a reopening is not a pipeline stage.
//! - Durations are whole seconds between the two timestamps, each truncated to its second; the **median** and
//!   **p90** are `percentile_cont` (linear interpolation between the two nearest ranks, [`percentile_cont`]), then
//!   rounded to the millisecond.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use tracing::instrument;
use uuid::Uuid;

use crate::store::StoreError;

/// The pipeline's stages, in order (I5): an application reaching one reached every earlier one.
pub const PIPELINE: [ApplicationStatus; 5] = [
    ApplicationStatus::Candidature,
    ApplicationStatus::Incubation,
    ApplicationStatus::EntretienProgramme,
    ApplicationStatus::SimulationProgrammee,
    ApplicationStatus::Embauche,
];

/// The ways out of the pipeline before hiring.
pub const EXITS: [ApplicationStatus; 2] = [ApplicationStatus::Refuse, ApplicationStatus::Retiree];

/// The stages whose duration is measured: those an application leaves by moving on.
pub const TIMED_STAGES: [ApplicationStatus; 4] = [
    ApplicationStatus::Candidature,
    ApplicationStatus::Incubation,
    ApplicationStatus::EntretienProgramme,
    ApplicationStatus::SimulationProgrammee,
];

/// The median's fraction.
pub const MEDIAN: f64 = 0.5;
/// The 90th percentile's fraction.
pub const P90: f64 = 0.9;

/// Which applications the figures are about; `None` is no criterion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AnalyticsFilter {
    /// Only the applications to this offer.
    pub job_offer_id: Option<Uuid>,
    /// Only the applications submitted (`created_at`) at or after this instant.
    pub submitted_from: Option<DateTime<Utc>>,
    /// Only the applications submitted at or before this instant.
    pub submitted_to: Option<DateTime<Utc>>,
}

/// A period that ends before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("la fin de la période précède son début")]
pub struct InvalidPeriod;

impl AnalyticsFilter {
    /// The filter, refused when `submitted_to` is before `submitted_from`.
    pub fn new(
        job_offer_id: Option<Uuid>,
        submitted_from: Option<DateTime<Utc>>,
        submitted_to: Option<DateTime<Utc>>,
    ) -> Result<Self, InvalidPeriod> {
        if let (Some(from), Some(to)) = (submitted_from, submitted_to)
            && to < from
        {
            return Err(InvalidPeriod);
        }
        Ok(Self { job_offer_id, submitted_from, submitted_to })
    }

    /// Whether an application to `job_offer_id` submitted at `submitted_at` is in scope.
    pub fn admits(&self, job_offer_id: Uuid, submitted_at: DateTime<Utc>) -> bool {
        self.job_offer_id.is_none_or(|id| id == job_offer_id)
            && self.submitted_from.is_none_or(|from| submitted_at >= from)
            && self.submitted_to.is_none_or(|to| submitted_at <= to)
    }
}

/// How many applications of the scope reached each stage, and how many are in each status now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunnelCounts {
    /// By stage (pipeline and exits); `Candidature` counts every application. Stages none reached may be absent.
    pub reached: BTreeMap<ApplicationStatus, u64>,
    /// By current status; statuses without applications may be absent.
    pub current: BTreeMap<ApplicationStatus, u64>,
}

/// A set of durations in seconds: how many, their median and 90th percentile (`None` when there are none).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Durations {
    /// How many durations.
    pub count: u64,
    /// Their median (`percentile_cont(0.5)`), in seconds.
    pub median_seconds: Option<f64>,
    /// Their 90th percentile (`percentile_cont(0.9)`), in seconds.
    pub p90_seconds: Option<f64>,
}

impl Durations {
    /// The same figures rounded to the millisecond: what the store computes in floating point may differ in the
    /// last bits from one database to the other, never by a millisecond.
    #[must_use]
    pub fn rounded(self) -> Self {
        let ms = |s: f64| (s * 1000.0).round() / 1000.0;
        Self { count: self.count, median_seconds: self.median_seconds.map(ms), p90_seconds: self.p90_seconds.map(ms) }
    }

    /// The durations of `seconds` (any order), by [`percentile_cont`]: how the in-memory store computes them.
    pub fn of(mut seconds: Vec<i64>) -> Self {
        seconds.sort_unstable();
        #[allow(clippy::cast_precision_loss)] // durations in seconds are far below 2^53
        let sorted: Vec<f64> = seconds.iter().map(|s| *s as f64).collect();
        Self {
            count: u64::try_from(sorted.len()).unwrap_or(u64::MAX),
            median_seconds: percentile_cont(&sorted, MEDIAN),
            p90_seconds: percentile_cont(&sorted, P90),
        }
    }
}

/// The time to hire on one offer's applications.
#[derive(Debug, Clone, PartialEq)]
pub struct OfferDurations {
    /// The offer.
    pub job_offer_id: Uuid,
    /// Its title.
    pub title: String,
    /// Its department; `None` when it has none.
    pub department: Option<String>,
    /// From submission to hire.
    pub durations: Durations,
}

/// The time to hire on one department's offers.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentDurations {
    /// The department; `None` for the offers without one.
    pub department: Option<String>,
    /// From submission to hire.
    pub durations: Durations,
}

/// From submission to hire, over the hired applications of the scope: overall, by offer and by department.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TimeToHire {
    /// Every hired application of the scope.
    pub overall: Durations,
    /// One entry per offer with a hire, by title then id.
    pub by_offer: Vec<OfferDurations>,
    /// One entry per department with a hire, the offers without one first, then by name.
    pub by_department: Vec<DepartmentDurations>,
}

/// One stage of the funnel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FunnelStage {
    /// The stage.
    pub status: ApplicationStatus,
    /// Applications of the scope that reached it.
    pub reached: u64,
    /// Applications of the scope in it now.
    pub current: u64,
    /// `reached` over the previous pipeline stage's `reached`, in percent (two decimals); `None` for
    /// `candidature`, for the exits, and when no application reached the previous stage.
    pub conversion_from_previous: Option<f64>,
    /// `reached` over the applications of the scope, in percent (two decimals); `None` when there are none.
    pub share_of_submitted: Option<f64>,
}

/// The funnel: the pipeline's stages in order, then the exits (`refuse`, `retiree`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Funnel {
    /// Applications of the scope.
    pub submitted: u64,
    /// Every stage, none left out.
    pub stages: Vec<FunnelStage>,
}

/// Reads the analytics' figures, each method in one statement on SQL stores (contract: the module's definitions).
#[async_trait]
pub trait AnalyticsReadModel: Send + Sync + std::fmt::Debug {
    /// Applications of the scope by stage reached and by current status.
    async fn funnel(&self, filter: &AnalyticsFilter) -> Result<FunnelCounts, StoreError>;
    /// From submission to hire over the hired applications of the scope (any order of offers and departments).
    async fn time_to_hire(&self, filter: &AnalyticsFilter) -> Result<TimeToHire, StoreError>;
    /// The time spent in each of the `TIMED_STAGES` by the applications of the scope (stages without a left
    /// stage may be absent).
    async fn stage_durations(
        &self,
        filter: &AnalyticsFilter,
    ) -> Result<BTreeMap<ApplicationStatus, Durations>, StoreError>;
}

/// The `fraction` percentile (0 to 1) of `sorted` (ascending) by linear interpolation between the two nearest
/// ranks, as PostgreSQL's `percentile_cont`: at position `fraction × (n − 1)`, the value at its floor plus the
/// fractional part times the step to the next value. `None` for no values.
///
/// ```rust
/// use seeg_application::analytics::percentile_cont;
///
/// assert_eq!(percentile_cont(&[10.0, 10.0, 11.0, 12.0], 0.5), Some(10.5));
/// assert_eq!(percentile_cont(&[1.0, 2.0, 2.0, 3.0, 4.0], 0.9), Some(3.6));
/// assert_eq!(percentile_cont(&[7.0], 0.9), Some(7.0));
/// assert_eq!(percentile_cont(&[], 0.5), None);
/// ```
pub fn percentile_cont(sorted: &[f64], fraction: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    #[allow(clippy::cast_precision_loss)] // a few million durations at most
    let position = fraction * last as f64;
    let floor = position.floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 ≤ floor ≤ last
    let low = (floor as usize).min(last);
    let high = if position > floor { (low + 1).min(last) } else { low };
    let (first, second) = (sorted[low], sorted[high]);
    Some(first + (position - floor) * (second - first))
}

/// `part` of `whole` in percent, rounded to two decimals; `None` when `whole` is 0.
fn rate(part: u64, whole: u64) -> Option<f64> {
    if whole == 0 {
        return None;
    }
    let hundredths = (u128::from(part) * 10_000 + u128::from(whole) / 2) / u128::from(whole);
    Some(f64::from(u32::try_from(hundredths).unwrap_or(u32::MAX)) / 100.0)
}

/// Why analytics could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// Candidates reading staff data (S3).
    #[error("Accès réservé au personnel (administrateurs, recruteurs, observateurs)")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The analytics (B5), over the read-model port: staff only.
#[derive(Debug, Clone)]
pub struct RecruitmentAnalytics {
    read_model: Arc<dyn AnalyticsReadModel>,
}

fn require(caller: &User) -> Result<(), AnalyticsError> {
    match decide(caller.role, Action::ReadStatistics, Ownership::Any) {
        Decision::Allow => Ok(()),
        Decision::Forbid | Decision::Hide => Err(AnalyticsError::Forbidden),
    }
}

impl RecruitmentAnalytics {
    /// The analytics, read from `read_model`.
    pub fn new(read_model: Arc<dyn AnalyticsReadModel>) -> Self {
        Self { read_model }
    }

    /// Every stage with how many applications reached it and are in it now, and the conversion rates.
    #[instrument(name = "analytics.funnel", skip_all, fields(actor.id = %caller.id))]
    pub async fn funnel(&self, caller: &User, filter: &AnalyticsFilter) -> Result<Funnel, AnalyticsError> {
        require(caller)?;
        let counts = self.read_model.funnel(filter).await?;
        let reached = |s: ApplicationStatus| counts.reached.get(&s).copied().unwrap_or_default();
        let submitted = reached(ApplicationStatus::Candidature);
        let mut stages = Vec::with_capacity(PIPELINE.len() + EXITS.len());
        let mut previous: Option<u64> = None;
        for status in PIPELINE {
            let n = reached(status);
            stages.push(FunnelStage {
                status,
                reached: n,
                current: counts.current.get(&status).copied().unwrap_or_default(),
                conversion_from_previous: previous.and_then(|p| rate(n, p)),
                share_of_submitted: rate(n, submitted),
            });
            previous = Some(n);
        }
        for status in EXITS {
            let n = reached(status);
            stages.push(FunnelStage {
                status,
                reached: n,
                current: counts.current.get(&status).copied().unwrap_or_default(),
                conversion_from_previous: None,
                share_of_submitted: rate(n, submitted),
            });
        }
        Ok(Funnel { submitted, stages })
    }

    /// From submission to hire: overall, by offer (by title, then id) and by department (none first, then by
    /// name).
    #[instrument(name = "analytics.time_to_hire", skip_all, fields(actor.id = %caller.id))]
    pub async fn time_to_hire(&self, caller: &User, filter: &AnalyticsFilter) -> Result<TimeToHire, AnalyticsError> {
        require(caller)?;
        let mut figures = self.read_model.time_to_hire(filter).await?;
        figures.overall = figures.overall.rounded();
        for offer in &mut figures.by_offer {
            offer.durations = offer.durations.rounded();
        }
        for department in &mut figures.by_department {
            department.durations = department.durations.rounded();
        }
        figures.by_offer.sort_by(|a, b| a.title.cmp(&b.title).then(a.job_offer_id.cmp(&b.job_offer_id)));
        figures.by_department.sort_by(|a, b| a.department.cmp(&b.department));
        Ok(figures)
    }

    /// The time spent in each of the `TIMED_STAGES`, in pipeline order, every stage present.
    #[instrument(name = "analytics.stage_durations", skip_all, fields(actor.id = %caller.id))]
    pub async fn stage_durations(
        &self,
        caller: &User,
        filter: &AnalyticsFilter,
    ) -> Result<Vec<(ApplicationStatus, Durations)>, AnalyticsError> {
        require(caller)?;
        let by_stage = self.read_model.stage_durations(filter).await?;
        Ok(TIMED_STAGES.iter().map(|s| (*s, by_stage.get(s).copied().unwrap_or_default().rounded())).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_the_nearest_ranks() {
        let days = [1.0, 2.0, 3.0, 6.0];
        assert_eq!(percentile_cont(&days, MEDIAN), Some(2.5));
        let p90 = percentile_cont(&days, P90).unwrap();
        assert!((p90 - 5.1).abs() < 1e-9, "{p90}");
        assert_eq!(percentile_cont(&[1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0], MEDIAN), Some(2.0));
        assert_eq!(percentile_cont(&days, 0.0), Some(1.0));
        assert_eq!(percentile_cont(&days, 1.0), Some(6.0));
    }

    #[test]
    fn durations_of_seconds_are_sorted_first_and_rounded_to_the_millisecond() {
        let d = Durations::of(vec![300, 100, 200]);
        assert_eq!((d.count, d.median_seconds), (3, Some(200.0)));
        assert_eq!(d.p90_seconds.map(|s| (s * 1000.0).round()), Some(280_000.0));
        let r = Durations { count: 1, median_seconds: Some(1.000_400_1), p90_seconds: Some(2.999_9) }.rounded();
        assert_eq!((r.median_seconds, r.p90_seconds), (Some(1.0), Some(3.0)));
        assert_eq!(Durations::of(Vec::new()), Durations::default());
    }

    #[test]
    fn rates_are_percent_with_two_decimals_and_none_over_nothing() {
        assert_eq!(rate(4, 6), Some(66.67));
        assert_eq!(rate(0, 3), Some(0.0));
        assert_eq!(rate(1, 0), None);
    }

    #[test]
    fn a_period_may_not_end_before_it_starts() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let (from, to) = (at("2026-03-02T00:00:00Z"), at("2026-03-01T00:00:00Z"));
        assert_eq!(AnalyticsFilter::new(None, Some(from), Some(to)), Err(InvalidPeriod));
        assert!(AnalyticsFilter::new(None, Some(from), Some(from)).is_ok(), "one instant is a period");
        let filter = AnalyticsFilter::new(None, Some(to), Some(from)).unwrap();
        assert!(filter.admits(Uuid::nil(), from) && !filter.admits(Uuid::nil(), from + chrono::TimeDelta::seconds(1)));
    }
}
