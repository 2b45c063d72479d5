//! Evaluations through their use cases on every backend: every field round-trips, one evaluation per protocol
//! per application (also under concurrent creations), edits recompute the overall score and write their history,
//! completion notifies the offer's recruiter once (R32), statistics count and average, S3 refuses candidates.

use std::sync::Arc;

use chrono::TimeDelta;
use futures_util::future::join_all;
use seeg_adapters_memory::ManualClock;
use seeg_application::evaluations::{EVALUATION_COMPLETED, EvaluationError, EvaluationStats, Evaluations};
use seeg_application::identity::{AuditFilter, RequestContext};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::applications::Application;
use seeg_domain::evaluations::{
    EvaluationStatus, EvaluationWeights, Protocol, Protocol1Fields, Protocol1Patch, Protocol1Weights, Protocol2Fields,
    Protocol2Patch, Score,
};
use seeg_domain::identity::{Role, User};
use seeg_domain::offers::JobOffer;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};

use crate::applications::{application, setup};

#[allow(clippy::unnecessary_wraps)] // scores are optional fields
fn s(value: f64) -> Option<Score> {
    Some(Score::parse("test", value).unwrap())
}

pub(crate) struct World {
    /// Owns every offer of the world.
    pub recruiter: User,
    pub admin: User,
    pub observer: User,
    pub candidate: User,
    pub applications: Vec<Application>,
    pub clock: Arc<ManualClock>,
}

/// A recruiter, an admin, an observer, a candidate with `count` applications (one offer of the recruiter each).
pub(crate) async fn world(p: &Ports, count: usize) -> World {
    let (users, _) = setup(p, 1, 0).await;
    let staff = |email: &str, role: Role| {
        let mut member = user(email);
        member.role = role;
        member
    };
    let recruiter = staff("recruteur@seeg-gabon.com", Role::Recruiter);
    let admin = staff("admin@seeg-gabon.com", Role::Admin);
    let observer = staff("observateur@seeg-gabon.com", Role::Observer);
    let minutes = |i: usize| i64::try_from(i).unwrap();
    let jobs: Vec<JobOffer> = (0..count)
        .map(|i| JobOffer { recruiter_id: Some(recruiter.id), ..offer(&format!("Offre {i}"), minutes(i)) })
        .collect();
    let applications: Vec<Application> =
        jobs.iter().enumerate().map(|(i, o)| application(users[0].id, o.id, minutes(i))).collect();
    let mut tx = p.uow.begin().await.unwrap();
    for member in [&recruiter, &admin, &observer] {
        tx.users().insert(member).await.unwrap();
    }
    for o in &jobs {
        tx.offers().insert(o).await.unwrap();
    }
    for a in &applications {
        tx.applications().insert(a).await.unwrap();
    }
    tx.commit().await.unwrap();
    let clock = Arc::new(ManualClock::new(base_time() + TimeDelta::hours(1)));
    World { recruiter, admin, observer, candidate: users[0].clone(), applications, clock }
}

fn evaluations(p: &Ports, w: &World, weights: EvaluationWeights) -> Evaluations {
    Evaluations::new(
        p.uow.clone(),
        p.evaluations.clone(),
        p.applications.clone(),
        p.offers.clone(),
        w.clock.clone(),
        Arc::new(SystemIds),
        weights,
    )
}

fn ctx() -> RequestContext {
    RequestContext { request_id: Some("req-eval".into()) }
}

/// Every protocol 1 field set.
fn full_protocol1() -> Protocol1Fields {
    Protocol1Fields {
        status: EvaluationStatus::InProgress,
        completed: false,
        documents_verified: true,
        cv_score: s(12.34),
        cv_comments: Some("CV clair".into()),
        diplomes_certificats_score: s(20.0),
        diplomes_certificats_comments: Some("Diplômes vérifiés".into()),
        lettre_motivation_score: s(0.01),
        lettre_motivation_comments: Some("Lettre générique".into()),
        documentary_score: s(15.55),
        metier_score: s(14.0),
        metier_comments: Some("Bonne maîtrise".into()),
        metier_notes: Some("Réseaux HTA".into()),
        paradigme_score: s(11.5),
        paradigme_comments: Some("Aligné".into()),
        paradigme_notes: Some("Valeurs SEEG".into()),
        talent_score: s(9.75),
        talent_comments: Some("À développer".into()),
        talent_notes: Some("Leadership".into()),
        mtp_score: s(13.33),
        interview_metier_score: s(16.0),
        interview_metier_comments: Some("Précis".into()),
        interview_paradigme_score: s(15.0),
        interview_paradigme_comments: Some("Convaincant".into()),
        interview_talent_score: s(12.0),
        interview_talent_comments: Some("Réservé".into()),
        interview_score: s(7.77),
        interview_date: Some(base_time() + TimeDelta::days(3)),
        gap_competence_score: s(5.5),
        gap_competence_comments: Some("Formation SCADA".into()),
        adherence_metier: true,
        adherence_paradigme: false,
        adherence_talent: true,
        total_score: s(19.99),
        general_summary: Some("Profil solide, à revoir en entretien.".into()),
    }
}

fn full_protocol2() -> Protocol2Fields {
    Protocol2Fields {
        completed: false,
        interview_completed: true,
        physical_visit: true,
        skills_gap_assessed: false,
        job_sheet_created: true,
        qcm_role_completed: true,
        qcm_codir_completed: false,
        qcm_role_score: s(12.33),
        qcm_codir_score: None,
        interview_notes: Some("Entretien interne".into()),
        visit_notes: Some("Centrale d'Owendo".into()),
        skills_gap_notes: None,
    }
}

async fn every_field_of_both_protocols_round_trips(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    let a = w.applications[0].id;

    let one = e.create(&w.recruiter, a, full_protocol1(), &ctx()).await.unwrap();
    assert_eq!(one.evaluator_id, Some(w.recruiter.id), "the caller evaluates");
    // 0.2 × 15.55 + 0.4 × 13.33 + 0.4 × 7.77 = 3.11 + 5.332 + 3.108 = 11.55
    assert_eq!(one.overall_score, s(11.55).unwrap());
    assert_eq!(p.evaluations.protocol1(one.id).await.unwrap(), Some(one.clone()));
    assert_eq!(p.evaluations.protocol1_of(a).await.unwrap(), Some(one.clone()));
    assert_eq!(e.get::<Protocol1Fields>(&w.observer, one.id).await.unwrap(), one);
    assert_eq!(e.by_application::<Protocol1Fields>(&w.observer, a).await.unwrap(), std::slice::from_ref(&one));

    let two = e.create(&w.recruiter, a, full_protocol2(), &ctx()).await.unwrap();
    // 0.5 × 12.33 + 0.5 × 0 = 6.165 -> 6.17
    assert_eq!(two.overall_score, s(6.17).unwrap());
    assert_eq!(p.evaluations.protocol2(two.id).await.unwrap(), Some(two.clone()));
    assert_eq!(p.evaluations.protocol2_of(a).await.unwrap(), Some(two.clone()));
    assert_eq!(p.evaluations.protocol2(one.id).await.unwrap(), None, "protocols are separate tables");
    assert_eq!(p.evaluations.protocol1_of(w.applications[0].candidate_id).await.unwrap(), None);
}

async fn a_second_evaluation_of_a_protocol_is_a_duplicate(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    let a = w.applications[0].id;
    e.create(&w.recruiter, a, Protocol1Fields::default(), &ctx()).await.unwrap();
    let again = e.create(&w.recruiter, a, Protocol1Fields::default(), &ctx()).await;
    assert!(matches!(again, Err(EvaluationError::Duplicate(Protocol::One))), "{again:?}");
    assert_eq!(again.unwrap_err().to_string(), "Une évaluation Protocol 1 existe déjà pour cette candidature");
    e.create(&w.recruiter, a, Protocol2Fields::default(), &ctx()).await.unwrap();
    let unknown = e.create(&w.recruiter, SystemIds.new_id(), Protocol2Fields::default(), &ctx()).await;
    assert!(matches!(unknown, Err(EvaluationError::ApplicationNotFound)), "{unknown:?}");
}

async fn concurrent_creations_give_one_evaluation(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    let a = w.applications[0].id;
    let attempts = (0..10).map(|_| {
        let (e, recruiter) = (e.clone(), w.recruiter.clone());
        tokio::spawn(async move { e.create(&recruiter, a, Protocol2Fields::default(), &ctx()).await })
    });
    let results: Vec<_> = join_all(attempts).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().filter_map(|r| r.as_ref().err()).all(|e| matches!(e, EvaluationError::Duplicate(Protocol::Two)))
    );
    assert_eq!(p.evaluations.stats().await.unwrap().protocol2.total, 1);
}

async fn an_update_recomputes_writes_history_and_notifies_completion_once(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let weights =
        EvaluationWeights { protocol1: Protocol1Weights::new(30, 40, 30).unwrap(), ..EvaluationWeights::default() };
    let e = evaluations(&p, &w, weights);
    let a = w.applications[0].id;
    let created = e.create(&w.recruiter, a, Protocol1Fields::default(), &ctx()).await.unwrap();
    assert_eq!(created.overall_score, Score::ZERO);

    w.clock.advance(TimeDelta::minutes(5));
    let patch = Protocol1Patch {
        documentary_score: Some(s(12.35)),
        cv_comments: Some(Some("Relu".into())),
        ..Protocol1Patch::default()
    };
    let edited = e.update::<Protocol1Fields>(&w.recruiter, created.id, patch, &ctx()).await.unwrap();
    // 0.3 × 12.35 = 3.705 -> 3.71 (custom weights)
    assert_eq!(edited.overall_score, s(3.71).unwrap());
    assert_eq!(edited.updated_at, base_time() + TimeDelta::minutes(65));
    assert_eq!(edited.created_at, created.created_at);
    assert_eq!(p.evaluations.protocol1(created.id).await.unwrap(), Some(edited.clone()));

    w.clock.advance(TimeDelta::minutes(5));
    let complete = Protocol1Patch {
        completed: Some(true),
        status: Some(EvaluationStatus::Completed),
        ..Protocol1Patch::default()
    };
    e.update::<Protocol1Fields>(&w.observer, created.id, complete.clone(), &ctx()).await.unwrap_err();
    let done = e.update::<Protocol1Fields>(&w.admin, created.id, complete.clone(), &ctx()).await.unwrap();
    assert!(done.fields.completed);
    // The same patch again changes nothing: no history row, no second notification.
    w.clock.advance(TimeDelta::minutes(5));
    let same = e.update::<Protocol1Fields>(&w.admin, created.id, complete, &ctx()).await.unwrap();
    assert_eq!(same, done);

    let history = e.history::<Protocol1Fields>(&w.observer, created.id).await.unwrap();
    let fields: Vec<Vec<String>> = history.iter().map(|c| c.fields.clone()).collect();
    assert_eq!(fields, [vec!["cv_comments", "documentary_score", "overall_score"], vec!["status", "completed"]]);
    let changed_by: Vec<_> = history.iter().map(|c| c.changed_by).collect();
    assert_eq!(changed_by, [Some(w.recruiter.id), Some(w.admin.id)]);
    assert!(history.iter().all(|c| c.evaluation_id == created.id));
    assert_eq!(history[0].changed_at, base_time() + TimeDelta::minutes(65));
    assert_eq!(history[1].changed_at, base_time() + TimeDelta::minutes(70));
    assert!(p.evaluations.changes(Protocol::Two, created.id).await.unwrap().is_empty());

    // The offer's recruiter (also the evaluator) is told once; the admin who completed it is not.
    let all = seeg_application::Page { skip: 0, limit: 100 };
    let told = p.notifications.list_for_user(w.recruiter.id, all).await.unwrap().items;
    assert_eq!(told.len(), 1, "notified once: {told:?}");
    assert_eq!(told[0].kind, EVALUATION_COMPLETED);
    assert_eq!(told[0].related_application_id, Some(a));
    assert_eq!(told[0].link.as_deref(), Some(format!("/applications/{a}").as_str()));
    assert!(told[0].message.contains("Protocol 1") && told[0].message.contains("3.71/20"), "{}", told[0].message);
    assert_eq!(told[0].created_at, base_time() + TimeDelta::minutes(70));
    assert!(p.notifications.list_for_user(w.admin.id, all).await.unwrap().items.is_empty());
    // No outbox event is left for a relay that has no handler for it.
    let events =
        p.outbox.claim_due(base_time() + TimeDelta::days(1), base_time() + TimeDelta::days(2), "t", 100).await.unwrap();
    assert!(events.iter().all(|e| !e.kind.starts_with("evaluation")), "{events:?}");

    let audit = p.audit.list(&AuditFilter::default(), seeg_application::Page { skip: 0, limit: 100 }).await.unwrap();
    let actions: Vec<&str> = audit.items.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "evaluation.created").count(), 1);
    assert_eq!(actions.iter().filter(|a| **a == "evaluation.updated").count(), 2);

    let unknown = e.update::<Protocol2Fields>(&w.recruiter, created.id, Protocol2Patch::default(), &ctx()).await;
    assert!(matches!(unknown, Err(EvaluationError::NotFound)), "{unknown:?}");
}

async fn stats_count_and_average_each_protocol(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 3).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    assert_eq!(e.stats(&w.observer).await.unwrap(), EvaluationStats::default(), "zero when there are none");
    // Overall scores 11.80, 4.00, 0.00 (protocol 1) and 12.50 (protocol 2).
    let parts = [(s(15.0), s(12.0), s(10.0)), (None, s(10.0), None), (None, None, None)];
    for (a, (documentary_score, mtp_score, interview_score)) in w.applications.iter().zip(parts) {
        let fields = Protocol1Fields { documentary_score, mtp_score, interview_score, ..Protocol1Fields::default() };
        e.create(&w.recruiter, a.id, fields, &ctx()).await.unwrap();
    }
    let fields = Protocol2Fields { qcm_role_score: s(14.0), qcm_codir_score: s(11.0), ..Protocol2Fields::default() };
    e.create(&w.recruiter, w.applications[0].id, fields, &ctx()).await.unwrap();
    let stats = e.stats(&w.observer).await.unwrap();
    assert_eq!(stats.protocol1.total, 3);
    // (11.80 + 4.00 + 0.00) / 3 = 5.2666… -> 5.27
    assert_eq!(stats.protocol1.average_overall, s(5.27).unwrap());
    assert_eq!((stats.protocol2.total, stats.protocol2.average_overall), (1, s(12.5).unwrap()));
}

async fn candidates_and_observers_are_refused_as_s3_says(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    let a = w.applications[0].id;
    let made = e.create(&w.recruiter, a, Protocol1Fields::default(), &ctx()).await.unwrap();
    for caller in [&w.candidate, &w.observer] {
        let refused = e.create(caller, a, Protocol2Fields::default(), &ctx()).await;
        assert!(matches!(refused, Err(EvaluationError::Forbidden)), "{:?}: {refused:?}", caller.role);
    }
    // A candidate reads no evaluation, not even of its own application: staff data.
    assert!(matches!(e.get::<Protocol1Fields>(&w.candidate, made.id).await, Err(EvaluationError::Forbidden)));
    assert!(matches!(e.by_application::<Protocol1Fields>(&w.candidate, a).await, Err(EvaluationError::Forbidden)));
    assert!(matches!(e.stats(&w.candidate).await, Err(EvaluationError::Forbidden)));
    assert!(e.may_read(&w.observer).is_ok() && e.may_evaluate(&w.observer).is_err());
}

async fn deleting_the_application_deletes_its_evaluations(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = world(&p, 1).await;
    let e = evaluations(&p, &w, EvaluationWeights::default());
    let a = w.applications[0].id;
    let one = e.create(&w.recruiter, a, Protocol1Fields::default(), &ctx()).await.unwrap();
    let patch = Protocol1Patch { cv_score: Some(s(10.0)), ..Protocol1Patch::default() };
    e.update::<Protocol1Fields>(&w.recruiter, one.id, patch, &ctx()).await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().delete(a, None).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(p.evaluations.protocol1(one.id).await.unwrap(), None);
    assert!(p.evaluations.changes(Protocol::One, one.id).await.unwrap().is_empty());
    assert_eq!(p.evaluations.stats().await.unwrap().protocol1.total, 0);
}

on_backends!(Memory, Sqlite, Postgres =>
    every_field_of_both_protocols_round_trips,
    a_second_evaluation_of_a_protocol_is_a_duplicate,
    concurrent_creations_give_one_evaluation,
    an_update_recomputes_writes_history_and_notifies_completion_once,
    stats_count_and_average_each_protocol,
    candidates_and_observers_are_refused_as_s3_says,
    deleting_the_application_deletes_its_evaluations,
);
