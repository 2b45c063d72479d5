//! The read models staff dashboards and the legacy "optimized" routes need (legacy §1.7 `stats/*`, §1.10): counts
//! computed by the store, and applications with everything around them gathered in a FIXED number of queries.
//!
//! Bounded queries are this port's contract, not an adapter detail: a page of 1 000 applications costs the same
//! number of round trips as a page of 1, so the dashboards never degrade into one query per row (the legacy
//! service's N+1). Each method's doc comment states its budget; the SQL adapter's contract test counts the
//! statements.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::NaiveDate;
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use seeg_domain::evaluations::{EvaluationStatus, Protocol1Evaluation, Protocol2Evaluation, Score};
use seeg_domain::identity::{CandidateProfile, User};
use seeg_domain::interviews::InterviewSlot;
use seeg_domain::offers::JobOffer;
use uuid::Uuid;

use super::{ApplicationDocument, ApplicationFilter, StatusChange};
use crate::identity::Notification;
use crate::store::{Page, PageOf, StoreError};

/// Every application counted by status and every document by type (`/applications/stats/overview`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationCountsSummary {
    /// Statuses without applications are left out.
    pub by_status: BTreeMap<ApplicationStatus, u64>,
    /// Types without documents are left out.
    pub documents_by_type: BTreeMap<DocumentType, u64>,
}

impl ApplicationCountsSummary {
    /// Every application, whatever its status.
    pub fn total(&self) -> u64 {
        self.by_status.values().sum()
    }
}

/// The summary, and the applications counted by offer and by month (`/applications/stats/advanced`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationBreakdown {
    /// Every application by status and every document by type.
    pub summary: ApplicationCountsSummary,
    /// Offers without applications are left out.
    pub by_job_offer: BTreeMap<Uuid, u64>,
    /// The first day of each UTC month of `created_at`; months without applications are left out.
    pub by_month: BTreeMap<NaiveDate, u64>,
}

/// What `details` gathers beside each application: the offer and its recruiter always; the rest on demand, each
/// part one query for the whole page, or none when not asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // independent switches, one per related kind
pub struct DetailParts {
    /// The candidate's account and profile.
    pub candidates: bool,
    /// The application's documents, without bytes.
    pub documents: bool,
    /// The application's status history.
    pub history: bool,
    /// The notifications about the application (`notifications.related_application_id`).
    pub notifications: bool,
    /// The application's evaluation of each protocol, summed up (I6).
    pub evaluations: bool,
    /// The application's interview slots, cancelled ones included (I7).
    pub interview_slots: bool,
}

impl DetailParts {
    /// Every part.
    pub const ALL: Self = Self {
        candidates: true,
        documents: true,
        history: true,
        notifications: true,
        evaluations: true,
        interview_slots: true,
    };
    /// No part: the application, its offer and the offer's recruiter only.
    pub const NONE: Self = Self {
        candidates: false,
        documents: false,
        history: false,
        notifications: false,
        evaluations: false,
        interview_slots: false,
    };
}

/// What a dashboard shows of a protocol 1 evaluation (legacy §1.10 `protocol1{id,status,completed,overall_score}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol1Summary {
    /// The evaluation's id.
    pub id: Uuid,
    /// Where it stands.
    pub status: EvaluationStatus,
    /// Whether it is finished.
    pub completed: bool,
    /// Its overall score, computed on every write (I6).
    pub overall_score: Score,
}

impl From<&Protocol1Evaluation> for Protocol1Summary {
    fn from(e: &Protocol1Evaluation) -> Self {
        Self { id: e.id, status: e.fields.status, completed: e.fields.completed, overall_score: e.overall_score }
    }
}

/// What a dashboard shows of a protocol 2 evaluation (legacy §1.10 `protocol2{id,completed,overall_score}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol2Summary {
    /// The evaluation's id.
    pub id: Uuid,
    /// Whether it is finished.
    pub completed: bool,
    /// Its overall score, computed on every write (I6).
    pub overall_score: Score,
}

impl From<&Protocol2Evaluation> for Protocol2Summary {
    fn from(e: &Protocol2Evaluation) -> Self {
        Self { id: e.id, completed: e.fields.completed, overall_score: e.overall_score }
    }
}

/// An application's evaluations, at most one per protocol (I6); `None` where there is none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EvaluationSummaries {
    /// Its protocol 1 evaluation.
    pub protocol1: Option<Protocol1Summary>,
    /// Its protocol 2 evaluation.
    pub protocol2: Option<Protocol2Summary>,
}

/// One application with what surrounds it. A part that was not asked for is empty (`None`, `[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationDetails {
    /// The application.
    pub application: Application,
    /// Its candidate's account (when `DetailParts::candidates`).
    pub candidate: Option<User>,
    /// Its candidate's profile (when `DetailParts::candidates` and one exists).
    pub profile: Option<CandidateProfile>,
    /// The offer applied to.
    pub offer: JobOffer,
    /// The offer's recruiter, when it has one.
    pub recruiter: Option<User>,
    /// Upload order (`uploaded_at`, then `id`).
    pub documents: Vec<ApplicationDocument>,
    /// Oldest first (`changed_at`, then `id`).
    pub history: Vec<StatusChange>,
    /// Newest first (`created_at` descending, then `id` descending).
    pub notifications: Vec<Notification>,
    /// Its evaluations (when `DetailParts::evaluations`; both `None` otherwise).
    pub evaluations: EvaluationSummaries,
    /// By date, then time, then `id` (ascending), cancelled ones included with their status.
    pub interview_slots: Vec<InterviewSlot>,
}

/// One department's offers in a dashboard's scope. `None` is the offers without a department.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentFigures {
    /// The department's name; `None` for the offers without one.
    pub department: Option<String>,
    /// Offers in the department.
    pub jobs: u64,
    /// Offers of the department with at least one application.
    pub jobs_with_applications: u64,
    /// Applications to the department's offers.
    pub applications: u64,
}

impl DepartmentFigures {
    /// The share of the department's offers that received at least one application, in percent (0..=100, two
    /// decimals): how well the department's recruitment "covers" its openings. 0 for a department without offers.
    pub fn coverage_rate(&self) -> f64 {
        percent(self.jobs_with_applications, self.jobs)
    }
}

/// The distinct candidates of a dashboard's scope, by their account's `sexe`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenderCounts {
    /// Candidates whose `sexe` is `M`.
    pub male: u64,
    /// Candidates whose `sexe` is `F`.
    pub female: u64,
    /// Candidates whose account has no `sexe`.
    pub unknown: u64,
}

impl GenderCounts {
    /// Candidates whose `sexe` is known.
    pub const fn with_gender(&self) -> u64 {
        self.male + self.female
    }

    /// Every distinct candidate.
    pub const fn candidates(&self) -> u64 {
        self.male + self.female + self.unknown
    }

    /// Men among the candidates whose `sexe` is known, in percent (two decimals); 0 when none is known.
    pub fn male_percent(&self) -> f64 {
        percent(self.male, self.with_gender())
    }

    /// Women among the candidates whose `sexe` is known, in percent (two decimals); 0 when none is known.
    pub fn female_percent(&self) -> f64 {
        percent(self.female, self.with_gender())
    }
}

/// The recruitment figures of a set of offers: one recruiter's, or all of them (`/optimized/dashboard/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecruitmentFigures {
    /// By department name; the offers without a department come first (`None`).
    pub departments: Vec<DepartmentFigures>,
    /// Offers in the scope with status `active`.
    pub active_jobs: u64,
    /// Applications to the scope's offers, by status; statuses without applications are left out.
    pub applications_by_status: BTreeMap<ApplicationStatus, u64>,
    /// The distinct candidates who applied to the scope's offers, by `sexe`.
    pub candidates: GenderCounts,
}

impl RecruitmentFigures {
    /// Every offer in the scope.
    pub fn total_jobs(&self) -> u64 {
        self.departments.iter().map(|d| d.jobs).sum()
    }

    /// Every application to the scope's offers.
    pub fn total_applications(&self) -> u64 {
        self.applications_by_status.values().sum()
    }

    /// Applications in `status`.
    pub fn in_status(&self, status: ApplicationStatus) -> u64 {
        self.applications_by_status.get(&status).copied().unwrap_or_default()
    }
}

/// `part` of `whole` in percent, rounded to two decimals; 0 when `whole` is 0.
fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    let hundredths = (part.saturating_mul(10_000) + whole / 2) / whole;
    f64::from(u32::try_from(hundredths).unwrap_or(u32::MAX)) / 100.0
}

/// Reads applications for dashboards, each method in a fixed number of queries whatever the data's size.
///
/// Contract:
/// - `summary` counts every application by status and every document by type (2 queries).
/// - `breakdown` adds the counts by offer and by UTC month of `created_at` (3 queries).
/// - `details` is the page of applications matching `filter`, in the order of `ApplicationRepository::list`
///   (newest first, then `id` descending, F5) with its true `total`, each with its offer and the offer's
///   recruiter, and the `parts` asked for (at most 11 queries: the page, a count only when the page is past the
///   end, offers, accounts, profiles, documents, history, notifications, each evaluation protocol's table,
///   interview slots; a part not asked for costs nothing, an empty page nothing more).
/// - `recruitment` counts the offers of `recruiter_id` (every offer with `None`), by department, the
///   applications to them by status and their distinct candidates by `sexe` (2 queries).
#[async_trait]
pub trait ApplicationReadModel: Send + Sync + std::fmt::Debug {
    /// Every application by status, every document by type (2 queries).
    async fn summary(&self) -> Result<ApplicationCountsSummary, StoreError>;
    /// The summary with counts by offer and by month (3 queries).
    async fn breakdown(&self) -> Result<ApplicationBreakdown, StoreError>;
    /// One page of applications with their offer, recruiter and the `parts` asked for (at most 11 queries).
    async fn details(
        &self,
        filter: &ApplicationFilter,
        page: Page,
        parts: DetailParts,
    ) -> Result<PageOf<ApplicationDetails>, StoreError>;
    /// The figures of `recruiter_id`'s offers, or of every offer with `None` (2 queries).
    async fn recruitment(&self, recruiter_id: Option<Uuid>) -> Result<RecruitmentFigures, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_to_two_decimals_and_nothing_is_zero() {
        assert!((percent(1, 3) - 33.33).abs() < f64::EPSILON);
        assert!((percent(2, 3) - 66.67).abs() < f64::EPSILON);
        assert!((percent(3, 3) - 100.0).abs() < f64::EPSILON);
        assert!(percent(0, 0).abs() < f64::EPSILON);
        let department = DepartmentFigures { department: None, jobs: 4, jobs_with_applications: 1, applications: 7 };
        assert!((department.coverage_rate() - 25.0).abs() < f64::EPSILON);
        let gender = GenderCounts { male: 1, female: 3, unknown: 5 };
        assert_eq!((gender.with_gender(), gender.candidates()), (4, 9));
        assert!((gender.male_percent() - 25.0).abs() < f64::EPSILON);
        assert!((gender.female_percent() - 75.0).abs() < f64::EPSILON);
    }
}
