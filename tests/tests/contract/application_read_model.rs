//! The dashboards' read model (`ApplicationReadModel`): the same figures and the same order on every backend,
//! and on SQL a number of statements that does not grow with the page (no N+1).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use seeg_application::applications::ApplicationFilter;
use seeg_application::applications::read_models::{
    ApplicationReadModel, DepartmentFigures, DetailParts, GenderCounts, RecruitmentFigures,
};
use seeg_application::{IdGenerator, Page, SystemIds, UnitOfWork};
use seeg_domain::applications::ApplicationStatus::{Candidature, Embauche, Incubation, Refuse};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
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

    let bare = DetailParts { candidates: false, documents: false, history: false, notifications: false };
    let page = p.read_model.details(&all, Page { skip: 2, limit: 1 }, bare).await.unwrap();
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

/// `n` more applications, each by a new candidate to a new offer, with a document, a history row and a
/// notification: every related kind grows with the page.
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
    assert_eq!(small, 7, "page, offers, accounts, profiles, documents, history, notifications");
    grow(p.uow.as_ref(), &r, 40).await;
    let large = statements(&counter, async {
        assert_eq!(read_model.details(&all, page(45), DetailParts::ALL).await.unwrap().items.len(), 45);
    })
    .await;
    assert_eq!(large, small, "45 applications cost what 2 cost");
    let bare = DetailParts { candidates: false, documents: false, history: false, notifications: false };
    let fewer = statements(&counter, async {
        read_model.details(&all, page(45), bare).await.unwrap();
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
    assert_eq!((summary, breakdown, recruitment), (2, 4, 3), "GROUP BY in SQL, whatever the number of rows");
}

on_backends!(Memory, Sqlite, Postgres =>
    counts_by_status_document_type_offer_and_utc_month,
    a_page_of_details_newest_first_with_everything_around_it,
    recruitment_figures_of_one_recruiter_or_of_every_offer,
);
/// SQL only: the in-memory store runs no statements.
mod statement_counts {
    use super::every_read_costs_a_fixed_number_of_statements;
    use seeg_tests::on_backends;

    on_backends!(Sqlite, Postgres => every_read_costs_a_fixed_number_of_statements);
}
