//! The dashboards' read model (`ApplicationReadModel`): the same figures and the same order on every backend
//! (evaluations summed up with their scores, interview slots by date then time, cancelled ones included), and on
//! SQL a number of statements that does not grow with the page (no N+1).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{NaiveDate, NaiveTime, TimeDelta};
use seeg_application::applications::ApplicationFilter;
use seeg_application::applications::read_models::{
    ApplicationReadModel, DepartmentFigures, DetailParts, EvaluationSummaries, GenderCounts, Protocol1Summary,
    Protocol2Summary, RecruitmentFigures,
};
use seeg_application::{IdGenerator, Page, SystemIds, UnitOfWork};
use seeg_domain::applications::ApplicationStatus::{Candidature, Embauche, Incubation, Refuse};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use seeg_domain::evaluations::{
    Evaluation, EvaluationStatus, EvaluationWeights, Protocol1Evaluation, Protocol1Fields, Protocol2Evaluation,
    Protocol2Fields, Score,
};
use seeg_domain::identity::User;
use seeg_domain::interviews::{InterviewSlot, SlotStatus};
use seeg_tests::dashboards::{Recruitment, seed};
use seeg_tests::offers::offer;
use seeg_tests::users::user;
use seeg_tests::{Backend, TestDatabase, on_backends, ports};
use uuid::Uuid;

fn ids(applications: &[&Application]) -> Vec<Uuid> {
    applications.iter().map(|a| a.id).collect()
}

async fn counts_by_status_document_type_offer_and_utc_month(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let empty = p.read_model.breakdown().await.unwrap();
    assert_eq!((empty.summary.total(), empty.by_month.len()), (0, 0), "nothing yet");
    let r = seed(p.uow.as_ref()).await;

    let summary = p.read_model.summary().await.unwrap();
    let by_status = BTreeMap::from([(Candidature, 2), (Incubation, 1), (Embauche, 1), (Refuse, 1)]);
    assert_eq!(summary.by_status, by_status);
    assert_eq!(summary.total(), 5);
    let documents = BTreeMap::from([
        (DocumentType::Cv, 3),
        (DocumentType::CoverLetter, 1),
        (DocumentType::Diplome, 1),
        (DocumentType::Portfolio, 1),
    ]);
    assert_eq!(summary.documents_by_type, documents);

    let breakdown = p.read_model.breakdown().await.unwrap();
    assert_eq!(breakdown.summary, summary);
    let [o1, _, o3, o4] = &r.offers;
    assert_eq!(breakdown.by_job_offer, BTreeMap::from([(o1.id, 2), (o3.id, 2), (o4.id, 1)]));
    let month = |m| NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
    assert_eq!(breakdown.by_month, BTreeMap::from([(month(4), 1), (month(5), 1), (month(6), 3)]), "UTC months");
}

async fn a_page_of_details_newest_first_with_everything_around_it(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let r = seed(p.uow.as_ref()).await;
    let [a1, a2, a3, a4, a5] = &r.applications;
    let [c1, c2, _] = &r.candidates;
    let all = ApplicationFilter::default();

    let first = p.read_model.details(&all, Page { skip: 0, limit: 2 }, DetailParts::ALL).await.unwrap();
    assert_eq!(first.total, 5);
    let got: Vec<Uuid> = first.items.iter().map(|d| d.application.id).collect();
    assert_eq!(got, ids(&[a5, a3]));
    let d5 = &first.items[0];
    assert_eq!((d5.offer.id, d5.recruiter.as_ref()), (r.offers[3].id, None), "o4 has no recruiter");
    assert_eq!(d5.candidate.as_ref(), Some(c2));
    assert_eq!(d5.application, *a5);
    assert_eq!(first.items[1].recruiter.as_ref(), Some(&r.recruiters[1]));

    let second = p.read_model.details(&all, Page { skip: 2, limit: 2 }, DetailParts::ALL).await.unwrap();
    let got: Vec<Uuid> = second.items.iter().map(|d| d.application.id).collect();
    assert_eq!((got, second.total), (ids(&[a2, a1]), 5));
    let (d2, d1) = (&second.items[0], &second.items[1]);
    assert_eq!(d2.documents, r.documents[3..5], "upload order");
    assert_eq!(d2.history, std::slice::from_ref(&r.change));
    assert_eq!(d2.notifications, r.notifications, "about a2 only, newest first");
    assert_eq!((d2.candidate.as_ref(), d2.profile.as_ref()), (Some(c2), None));
    assert_eq!((d1.candidate.as_ref(), d1.profile.as_ref()), (Some(c1), Some(&r.profile)));
    assert_eq!(d1.documents, r.documents[0..3]);
    assert_eq!(d1.offer, r.offers[0]);
    assert_eq!(d1.recruiter.as_ref(), Some(&r.recruiters[0]));
    assert!(d1.history.is_empty() && d1.notifications.is_empty());

    let past = p.read_model.details(&all, Page { skip: 10, limit: 2 }, DetailParts::ALL).await.unwrap();
    assert_eq!((past.items.len(), past.total), (0, 5), "past the end: the true total");

    let page = p.read_model.details(&all, Page { skip: 2, limit: 1 }, DetailParts::NONE).await.unwrap();
    let d2 = &page.items[0];
    assert_eq!((d2.application.id, d2.candidate.as_ref(), d2.profile.as_ref()), (a2.id, None, None));
    assert!(d2.documents.is_empty() && d2.history.is_empty() && d2.notifications.is_empty(), "parts not asked");
    assert_eq!(d2.recruiter.as_ref(), Some(&r.recruiters[0]), "the offer and its recruiter always");

    let c1_only = ApplicationFilter { candidate_id: Some(c1.id), ..all.clone() };
    let both = p.read_model.details(&c1_only, Page { skip: 0, limit: 10 }, DetailParts::ALL).await.unwrap();
    let profiles: Vec<_> = both.items.iter().map(|d| d.profile.as_ref()).collect();
    assert_eq!(profiles, [Some(&r.profile), Some(&r.profile)], "one candidate, two applications, one profile each");

    let cases = [
        (ApplicationFilter { status: Some(ApplicationStatus::Candidature), ..all.clone() }, ids(&[a5, a1])),
        (ApplicationFilter { job_offer_id: Some(r.offers[0].id), ..all.clone() }, ids(&[a2, a1])),
        (ApplicationFilter { candidate_id: Some(c1.id), ..all.clone() }, ids(&[a1, a4])),
        (
            ApplicationFilter { candidate_id: Some(c1.id), status: Some(ApplicationStatus::Embauche), ..all.clone() },
            ids(&[a4]),
        ),
        (ApplicationFilter { job_offer_id: Some(r.offers[1].id), ..all.clone() }, Vec::new()),
    ];
    for (filter, expected) in cases {
        let found = p.read_model.details(&filter, Page { skip: 0, limit: 100 }, DetailParts::ALL).await.unwrap();
        let got: Vec<Uuid> = found.items.iter().map(|d| d.application.id).collect();
        assert_eq!((&got, found.total), (&expected, expected.len() as u64), "{filter:?}");
    }
}

#[allow(clippy::unnecessary_wraps)] // scores are optional fields
fn points(value: f64) -> Option<Score> {
    Some(Score::parse("score", value).unwrap())
}

fn hour(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn protocol1(application: &Application, evaluator: &User, fields: Protocol1Fields) -> Protocol1Evaluation {
    let now = application.created_at + TimeDelta::days(3);
    Evaluation::new(SystemIds.new_id(), application.id, evaluator.id, fields, &EvaluationWeights::default(), now)
        .unwrap()
}

fn protocol2(application: &Application, evaluator: &User, fields: Protocol2Fields) -> Protocol2Evaluation {
    let now = application.created_at + TimeDelta::days(4);
    Evaluation::new(SystemIds.new_id(), application.id, evaluator.id, fields, &EvaluationWeights::default(), now)
        .unwrap()
}

fn slot(
    application: &Application,
    recruiter: &User,
    (date, time): (NaiveDate, NaiveTime),
    status: SlotStatus,
) -> InterviewSlot {
    let booked = application.created_at + TimeDelta::days(5);
    let mut slot = InterviewSlot {
        id: SystemIds.new_id(),
        application_id: application.id,
        candidate_name: Some("Aïcha Ndong".into()),
        job_title: Some("Chef de réseau".into()),
        date,
        time,
        status: SlotStatus::Scheduled,
        is_available: false,
        location: Some("Siège SEEG, Libreville".into()),
        notes: Some("Apporter les diplômes".into()),
        recruiter_id: Some(recruiter.id),
        sequence: 0,
        created_at: booked,
        updated_at: booked,
    };
    slot.set_status(status);
    slot
}

async fn evaluations_and_interview_slots_of_each_application_of_the_page(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let r = seed(p.uow.as_ref()).await;
    let [a1, a2, _, _, a5] = &r.applications;
    let [r1, _] = &r.recruiters;
    let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    let scored = Protocol1Fields {
        status: EvaluationStatus::InProgress,
        documentary_score: points(15.0),
        mtp_score: points(12.0),
        interview_score: points(10.0),
        ..Protocol1Fields::default()
    };
    let a2_p1 = protocol1(a2, r1, scored);
    let done = Protocol2Fields {
        completed: true,
        qcm_role_score: points(14.0),
        qcm_codir_score: points(15.0),
        ..Protocol2Fields::default()
    };
    let a2_p2 = protocol2(a2, r1, done);
    let a1_p1 = protocol1(a1, r1, Protocol1Fields { completed: true, ..Protocol1Fields::default() });
    let later = slot(a2, r1, (day(15), hour(10, 0)), SlotStatus::Scheduled);
    let cancelled = slot(a2, r1, (day(14), hour(14, 0)), SlotStatus::Cancelled);
    let first = slot(a2, r1, (day(14), hour(9, 30)), SlotStatus::Scheduled);
    let same_time_freed = slot(a1, r1, (day(14), hour(14, 0)), SlotStatus::Completed);
    let mut tx = p.uow.begin().await.unwrap();
    for evaluation in [&a2_p1, &a1_p1] {
        tx.evaluations().insert_protocol1(evaluation).await.unwrap();
    }
    tx.evaluations().insert_protocol2(&a2_p2).await.unwrap();
    for s in [&later, &cancelled, &first, &same_time_freed] {
        tx.interview_slots().insert(s).await.unwrap();
    }
    tx.commit().await.unwrap();

    let all = ApplicationFilter::default();
    let found = p.read_model.details(&all, Page { skip: 0, limit: 10 }, DetailParts::ALL).await.unwrap();
    let by_id = |id| found.items.iter().find(|d| d.application.id == id).unwrap();
    let (d1, d2, d5) = (by_id(a1.id), by_id(a2.id), by_id(a5.id));
    let expected = EvaluationSummaries {
        protocol1: Some(Protocol1Summary {
            id: a2_p1.id,
            status: EvaluationStatus::InProgress,
            completed: false,
            overall_score: Score::from_hundredths("overall_score", 1180).unwrap(),
        }),
        protocol2: Some(Protocol2Summary {
            id: a2_p2.id,
            completed: true,
            overall_score: Score::from_hundredths("overall_score", 1450).unwrap(),
        }),
    };
    assert_eq!(d2.evaluations, expected, "20% documentary, 40% MTP, 40% interview; 50/50 QCMs (I6)");
    assert_eq!(d2.interview_slots, [first, cancelled.clone(), later], "date then time, the cancelled one included");
    assert_eq!(d2.interview_slots[1].status, SlotStatus::Cancelled);
    let a1_summary = Protocol1Summary {
        id: a1_p1.id,
        status: EvaluationStatus::Pending,
        completed: true,
        overall_score: Score::ZERO,
    };
    assert_eq!(d1.evaluations, EvaluationSummaries { protocol1: Some(a1_summary), protocol2: None });
    assert_eq!(d1.interview_slots, [same_time_freed], "a cancelled slot's time is booked again");
    assert_eq!((d5.evaluations, d5.interview_slots.len()), (EvaluationSummaries::default(), 0), "none");

    let without = DetailParts { evaluations: false, interview_slots: false, ..DetailParts::ALL };
    let found = p.read_model.details(&all, Page { skip: 0, limit: 10 }, without).await.unwrap();
    assert!(
        found.items.iter().all(|d| d.evaluations == EvaluationSummaries::default() && d.interview_slots.is_empty()),
        "parts not asked"
    );
    let c2_only = ApplicationFilter { candidate_id: Some(r.candidates[1].id), ..all };
    let parts = DetailParts { interview_slots: true, ..DetailParts::NONE };
    let found = p.read_model.details(&c2_only, Page { skip: 0, limit: 10 }, parts).await.unwrap();
    let counts: Vec<(Uuid, usize)> = found.items.iter().map(|d| (d.application.id, d.interview_slots.len())).collect();
    assert_eq!(counts, [(a5.id, 0), (a2.id, 3)], "each application its own slots");
}

fn department(name: Option<&str>, jobs: u64, with_applications: u64, applications: u64) -> DepartmentFigures {
    DepartmentFigures {
        department: name.map(str::to_owned),
        jobs,
        jobs_with_applications: with_applications,
        applications,
    }
}

async fn recruitment_figures_of_one_recruiter_or_of_every_offer(backend: Backend) {
    let (p, _db) = ports(backend).await;
    assert_eq!(p.read_model.recruitment(None).await.unwrap(), RecruitmentFigures::default(), "nothing yet");
    let r = seed(p.uow.as_ref()).await;

    let own = p.read_model.recruitment(Some(r.recruiters[0].id)).await.unwrap();
    let expected = RecruitmentFigures {
        departments: vec![department(Some("Direction de l'Eau"), 2, 1, 2)],
        active_jobs: 1,
        applications_by_status: BTreeMap::from([(Candidature, 1), (Incubation, 1)]),
        candidates: GenderCounts { male: 1, female: 1, unknown: 0 },
    };
    assert_eq!(own, expected);
    assert_eq!((own.total_jobs(), own.total_applications()), (2, 2));
    assert!((own.departments[0].coverage_rate() - 50.0).abs() < f64::EPSILON);

    let every = p.read_model.recruitment(None).await.unwrap();
    let expected = RecruitmentFigures {
        departments: vec![
            department(None, 1, 1, 1),
            department(Some("Direction de l'Eau"), 2, 1, 2),
            department(Some("Finances"), 1, 1, 2),
        ],
        active_jobs: 2,
        applications_by_status: BTreeMap::from([(Candidature, 2), (Incubation, 1), (Embauche, 1), (Refuse, 1)]),
        candidates: GenderCounts { male: 1, female: 1, unknown: 1 },
    };
    assert_eq!(every, expected);

    let nobody = p.read_model.recruitment(Some(SystemIds.new_id())).await.unwrap();
    assert_eq!(nobody, RecruitmentFigures::default(), "a recruiter without offers");
}

/// The read model over a fresh handle on `db` whose statements are counted.
async fn counted(db: &TestDatabase) -> (Arc<dyn ApplicationReadModel>, Arc<AtomicUsize>) {
    let mut database = db.connect().await;
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&statements);
    database.observe_statements(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    (Arc::new(database), statements)
}

async fn statements(statements: &AtomicUsize, run: impl std::future::Future<Output = ()>) -> usize {
    let before = statements.load(Ordering::Relaxed);
    run.await;
    statements.load(Ordering::Relaxed) - before
}

/// `n` more applications, each by a new candidate to a new offer, with a document, a history row, a
/// notification, an evaluation of each protocol and an interview slot: every related kind grows with the page.
async fn grow(uow: &dyn UnitOfWork, r: &Recruitment, n: usize) {
    let mut tx = uow.begin().await.unwrap();
    for i in 0..n {
        let candidate = user(&format!("extra{i}@exemple.ga"));
        let mut job = offer(&format!("Offre supplémentaire {i}"), 10);
        job.recruiter_id = Some(r.recruiters[1].id);
        let mut application = r.applications[0].clone();
        (application.id, application.candidate_id, application.job_offer_id) =
            (SystemIds.new_id(), candidate.id, job.id);
        let mut document = r.documents[0].clone();
        (document.id, document.application_id) = (SystemIds.new_id(), application.id);
        let mut change = r.change.clone();
        (change.id, change.application_id) = (SystemIds.new_id(), application.id);
        let mut note = r.notifications[0].clone();
        (note.id, note.user_id, note.related_application_id) = (SystemIds.new_id(), candidate.id, Some(application.id));
        tx.users().insert(&candidate).await.unwrap();
        tx.offers().insert(&job).await.unwrap();
        tx.applications().insert(&application).await.unwrap();
        tx.applications().insert_document(&document).await.unwrap();
        tx.applications().append_history(&change).await.unwrap();
        tx.notifications().insert(&note).await.unwrap();
        let i = u32::try_from(i).unwrap();
        let evaluator = &r.recruiters[1];
        tx.evaluations()
            .insert_protocol1(&protocol1(&application, evaluator, Protocol1Fields::default()))
            .await
            .unwrap();
        tx.evaluations()
            .insert_protocol2(&protocol2(&application, evaluator, Protocol2Fields::default()))
            .await
            .unwrap();
        let at = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + TimeDelta::days(i.into());
        tx.interview_slots()
            .insert(&slot(&application, evaluator, (at, hour(9, 0)), SlotStatus::Scheduled))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn every_read_costs_a_fixed_number_of_statements(backend: Backend) {
    let (p, db) = ports(backend).await;
    let db = db.expect("a SQL backend");
    let r = seed(p.uow.as_ref()).await;
    let (read_model, counter) = counted(&db).await;
    let all = ApplicationFilter::default();
    let page = |limit| Page { skip: 0, limit };

    let small = statements(&counter, async {
        assert_eq!(read_model.details(&all, page(2), DetailParts::ALL).await.unwrap().items.len(), 2);
    })
    .await;
    assert_eq!(small, 10, "page, offers, accounts, profiles, documents, history, notifications, p1, p2, slots");
    grow(p.uow.as_ref(), &r, 40).await;
    let large = statements(&counter, async {
        assert_eq!(read_model.details(&all, page(45), DetailParts::ALL).await.unwrap().items.len(), 45);
    })
    .await;
    assert_eq!(large, small, "45 applications cost what 2 cost");
    let fewer = statements(&counter, async {
        read_model.details(&all, page(45), DetailParts::NONE).await.unwrap();
    })
    .await;
    assert_eq!(fewer, 3, "page, offers, accounts (the recruiters)");
    let past = statements(&counter, async {
        assert_eq!(read_model.details(&all, Page { skip: 500, limit: 10 }, DetailParts::ALL).await.unwrap().total, 45);
    })
    .await;
    assert_eq!(past, 2, "page, then the count a page past the end needs");

    let summary = statements(&counter, async {
        read_model.summary().await.unwrap();
    })
    .await;
    let breakdown = statements(&counter, async {
        assert_eq!(read_model.breakdown().await.unwrap().summary.total(), 45);
    })
    .await;
    let recruitment = statements(&counter, async {
        assert_eq!(read_model.recruitment(None).await.unwrap().total_applications(), 45);
    })
    .await;
    assert_eq!((summary, breakdown, recruitment), (2, 3, 2), "GROUP BY in SQL, whatever the number of rows");
}

on_backends!(Memory, Sqlite, Postgres =>
    counts_by_status_document_type_offer_and_utc_month,
    a_page_of_details_newest_first_with_everything_around_it,
    evaluations_and_interview_slots_of_each_application_of_the_page,
    recruitment_figures_of_one_recruiter_or_of_every_offer,
);
/// SQL only: the in-memory store runs no statements.
mod statement_counts {
    use super::every_read_costs_a_fixed_number_of_statements;
    use seeg_tests::on_backends;

    on_backends!(Sqlite, Postgres => every_read_costs_a_fixed_number_of_statements);
}
