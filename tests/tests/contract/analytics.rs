//! The analytics' read model (B5) on every backend, through the use case: the figures of the hand-built history
//! (`seeg_tests::analytics`, whose doc computes them) — counts, conversion rates, medians and 90th percentiles —
//! exactly the same on the in-memory store, SQLite (percentiles by window functions) and PostgreSQL
//! (`percentile_cont`): one definition of a percentile everywhere.

use std::sync::Arc;

use seeg_application::analytics::{AnalyticsFilter, Durations, Funnel, RecruitmentAnalytics};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Role, User};
use seeg_tests::analytics::{DAY, History, day, seed};
use seeg_tests::users::user;
use seeg_tests::{Backend, on_backends, ports};

/// `tenths` tenths of a day, in seconds (exact in binary: every figure of the history is).
fn days(tenths: u32) -> f64 {
    f64::from(tenths) * DAY / 10.0
}

fn durations(count: u64, median: u32, p90: u32) -> Durations {
    Durations { count, median_seconds: Some(days(median)), p90_seconds: Some(days(p90)) }
}

fn admin() -> User {
    User { role: Role::Admin, candidate_kind: None, ..user("admin@seeg-gabon.com") }
}

async fn world(backend: Backend) -> (RecruitmentAnalytics, History, impl Sized) {
    let (p, db) = ports(backend).await;
    let history = seed(p.uow.as_ref()).await;
    (RecruitmentAnalytics::new(Arc::clone(&p.analytics)), history, (p, db))
}

/// `(status, reached, current, conversion_from_previous, share_of_submitted)` of each stage, in order.
type Stage = (&'static str, u64, u64, Option<f64>, Option<f64>);

fn stages(funnel: &Funnel) -> Vec<Stage> {
    funnel
        .stages
        .iter()
        .map(|s| {
            let name = ApplicationStatus::ALL.iter().find(|a| **a == s.status).map(|a| a.as_str()).unwrap();
            (name, s.reached, s.current, s.conversion_from_previous, s.share_of_submitted)
        })
        .collect()
}

async fn the_funnel_counts_the_stages_reached_and_the_current_ones(backend: Backend) {
    let (analytics, h, _keep) = world(backend).await;
    let caller = admin();

    let all = analytics.funnel(&caller, &AnalyticsFilter::default()).await.unwrap();
    assert_eq!(all.submitted, 10);
    assert_eq!(
        stages(&all),
        [
            ("candidature", 10, 1, None, Some(100.0)),
            ("incubation", 8, 1, Some(80.0), Some(80.0)),
            ("entretien_programme", 6, 1, Some(75.0), Some(60.0)),
            ("simulation_programmee", 4, 0, Some(66.67), Some(40.0)),
            ("embauche", 4, 4, Some(100.0), Some(40.0)),
            ("refuse", 3, 2, None, Some(30.0)),
            ("retiree", 1, 1, None, Some(10.0)),
        ],
        "a10, refused then reopened, counts as refused and goes on; a8 has no history row"
    );

    let offer_a = AnalyticsFilter { job_offer_id: Some(h.offers[0].id), ..AnalyticsFilter::default() };
    let a = analytics.funnel(&caller, &offer_a).await.unwrap();
    assert_eq!(
        stages(&a),
        [
            ("candidature", 5, 0, None, Some(100.0)),
            ("incubation", 5, 1, Some(100.0), Some(100.0)),
            ("entretien_programme", 4, 1, Some(80.0), Some(80.0)),
            ("simulation_programmee", 2, 0, Some(50.0), Some(40.0)),
            ("embauche", 2, 2, Some(100.0), Some(40.0)),
            ("refuse", 2, 1, None, Some(40.0)),
            ("retiree", 0, 0, None, Some(0.0)),
        ]
    );

    let march = AnalyticsFilter::new(None, None, Some(day(31))).unwrap();
    let m = analytics.funnel(&caller, &march).await.unwrap();
    let reached: Vec<u64> = m.stages.iter().map(|s| s.reached).collect();
    assert_eq!((m.submitted, reached), (9, vec![9, 7, 5, 4, 4, 2, 1]), "a10 (day 40) is out");
    let conversions: Vec<Option<f64>> = m.stages.iter().map(|s| s.conversion_from_previous).collect();
    assert_eq!(conversions, [None, Some(77.78), Some(71.43), Some(80.0), Some(100.0), None, None]);

    let from_day_2 = AnalyticsFilter::new(None, Some(day(2)), None).unwrap();
    let f = analytics.funnel(&caller, &from_day_2).await.unwrap();
    let reached: Vec<u64> = f.stages.iter().map(|s| s.reached).collect();
    assert_eq!((f.submitted, reached), (8, vec![8, 6, 4, 2, 2, 3, 1]), "`from` is inclusive: a3 is in");

    let nothing = AnalyticsFilter::new(None, Some(day(100)), None).unwrap();
    let empty = analytics.funnel(&caller, &nothing).await.unwrap();
    assert_eq!(empty.submitted, 0);
    assert!(empty.stages.iter().all(|s| s.reached == 0 && s.share_of_submitted.is_none()), "{empty:?}");
    assert_eq!(empty.stages.len(), 7, "every stage, none left out");
}

async fn time_to_hire_has_medians_and_p90s_overall_by_offer_and_by_department(backend: Backend) {
    let (analytics, h, _keep) = world(backend).await;
    let caller = admin();
    let [water, _, maintenance, legal] = &h.offers;

    let t = analytics.time_to_hire(&caller, &AnalyticsFilter::default()).await.unwrap();
    assert_eq!(t.overall, durations(4, 105, 117), "[10, 10, 11, 12] days");
    let by_offer: Vec<_> = t.by_offer.iter().map(|o| (o.job_offer_id, o.title.as_str(), o.durations)).collect();
    assert_eq!(
        by_offer,
        [
            (water.id, "Chef de réseau", durations(2, 110, 118)),
            (legal.id, "Juriste", durations(1, 110, 110)),
            (maintenance.id, "Technicien de maintenance", durations(1, 100, 100)),
        ],
        "by title; a1's note after its hire does not move the hire"
    );
    assert_eq!(t.by_offer[0].department.as_deref(), Some("Direction de l'Eau"));
    assert_eq!(t.by_offer[1].department, None);
    let by_department: Vec<_> = t.by_department.iter().map(|d| (d.department.as_deref(), d.durations)).collect();
    assert_eq!(by_department, [(None, durations(1, 110, 110)), (Some("Direction de l'Eau"), durations(3, 100, 116))]);

    let offer_b = AnalyticsFilter { job_offer_id: Some(h.offers[1].id), ..AnalyticsFilter::default() };
    let none = analytics.time_to_hire(&caller, &offer_b).await.unwrap();
    assert_eq!((none.overall, none.by_offer.len(), none.by_department.len()), (Durations::default(), 0, 0));

    let early = AnalyticsFilter::new(None, None, Some(day(2))).unwrap();
    let first_days = analytics.time_to_hire(&caller, &early).await.unwrap();
    assert_eq!(first_days.overall, durations(2, 110, 118), "a1 and a2 only");
}

async fn stage_durations_time_each_stay_that_is_over(backend: Backend) {
    let (analytics, h, _keep) = world(backend).await;
    let caller = admin();

    let all = analytics.stage_durations(&caller, &AnalyticsFilter::default()).await.unwrap();
    assert_eq!(
        all,
        [
            (ApplicationStatus::Candidature, durations(9, 20, 52)),
            (ApplicationStatus::Incubation, durations(7, 20, 44)),
            (ApplicationStatus::EntretienProgramme, durations(5, 20, 36)),
            (ApplicationStatus::SimulationProgrammee, durations(4, 25, 51)),
        ],
        "a5's note does not split its candidature; a8 and a9 are still in theirs; a10's refusal is no stage"
    );

    let offer_a = AnalyticsFilter { job_offer_id: Some(h.offers[0].id), ..AnalyticsFilter::default() };
    let a = analytics.stage_durations(&caller, &offer_a).await.unwrap();
    let figures: Vec<Durations> = a.iter().map(|(_, d)| *d).collect();
    assert_eq!(figures, [durations(5, 20, 46), durations(4, 15, 27), durations(3, 30, 38), durations(2, 35, 55)]);

    let nothing = AnalyticsFilter::new(None, Some(day(100)), None).unwrap();
    let empty = analytics.stage_durations(&caller, &nothing).await.unwrap();
    assert!(empty.iter().all(|(_, d)| *d == Durations::default()) && empty.len() == 4, "{empty:?}");
}

async fn candidates_are_refused(backend: Backend) {
    let (analytics, h, _keep) = world(backend).await;
    let candidate = &h.candidates[0];
    let all = AnalyticsFilter::default();
    assert!(analytics.funnel(candidate, &all).await.is_err());
    assert!(analytics.time_to_hire(candidate, &all).await.is_err());
    assert!(analytics.stage_durations(candidate, &all).await.is_err());
    let observer = User { role: Role::Observer, candidate_kind: None, ..user("obs@seeg-gabon.com") };
    assert!(analytics.funnel(&observer, &all).await.is_ok(), "S3: observers read statistics");
}

on_backends!(Memory, Sqlite, Postgres =>
    the_funnel_counts_the_stages_reached_and_the_current_ones,
    time_to_hire_has_medians_and_p90s_overall_by_offer_and_by_department,
    stage_durations_time_each_stay_that_is_over,
    candidates_are_refused,
);
