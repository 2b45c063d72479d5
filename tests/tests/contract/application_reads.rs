//! `ApplicationReads` over each backend: the read policy lives in the use case (S3), so whatever a caller asks
//! for, staff read every application and a candidate only its own; another candidate's is `NotFound`.

use std::sync::Arc;

use chrono::TimeDelta;
use seeg_adapters_blob::BlobStorage;
use seeg_application::applications::{
    ApplicationDetails, ApplicationFilter, ApplicationReads, ApplicationView, DetailError,
};
use seeg_application::offers::{OfferDesk, OfferDeskError, OfferReads};
use seeg_application::{Page, SystemClock, SystemIds};
use seeg_domain::applications::{Application, DocumentType};
use seeg_domain::identity::{Role, User};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, applications, on_backends, ports};
use uuid::Uuid;

const PAGE: Page = Page { skip: 0, limit: 100 };

fn reads(p: &Ports) -> ApplicationReads {
    let details = ApplicationDetails::new(
        Arc::clone(&p.applications),
        Arc::clone(&p.users),
        Arc::clone(&p.candidate_profiles),
        Arc::clone(&p.offers),
    );
    let desk = OfferDesk::new(
        Arc::clone(&p.uow),
        OfferReads::new(Arc::clone(&p.offers)),
        Arc::clone(&p.application_counts),
        Arc::new(SystemClock),
        Arc::new(SystemIds),
    );
    ApplicationReads::new(details, Arc::clone(&p.applications), Arc::new(BlobStorage::memory()), desk)
}

/// The candidate who filed `application`, as a caller.
fn candidate_of(application: &Application) -> User {
    User { id: application.candidate_id, ..user("candidat@exemple.ga") }
}

fn staff(role: Role) -> User {
    User { role, candidate_kind: None, ..user("personnel@seeg-gabon.com") }
}

/// Two applications by two candidates, to two offers.
async fn two(p: &Ports) -> (Application, Application) {
    let filed = applications::committed(p, &[base_time(), base_time() + TimeDelta::minutes(1)]).await;
    (filed[0].clone(), filed[1].clone())
}

fn ids(applications: &[Application]) -> Vec<Uuid> {
    applications.iter().map(|a| a.id).collect()
}

async fn a_candidate_lists_only_its_own_whatever_the_filter_names(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let reads = reads(&p);
    let (mine, theirs) = two(&p).await;
    let me = candidate_of(&mine);

    let asking_for_theirs =
        ApplicationFilter { candidate_id: Some(theirs.candidate_id), q: Some("Ndong".into()), ..Default::default() };
    let listed = reads.list(&me, asking_for_theirs, PAGE).await.unwrap();
    assert_eq!((ids(&listed.items), listed.total), (vec![mine.id], 1));

    for role in [Role::Admin, Role::Recruiter, Role::Observer] {
        let all = reads.list(&staff(role), ApplicationFilter::default(), PAGE).await.unwrap();
        assert_eq!((ids(&all.items), all.total), (vec![theirs.id, mine.id], 2), "{role:?}: newest first");
        let one = ApplicationFilter { candidate_id: Some(theirs.candidate_id), ..Default::default() };
        let filtered = reads.list(&staff(role), one, PAGE).await.unwrap();
        assert_eq!(ids(&filtered.items), vec![theirs.id], "{role:?}: staff filters as asked");
    }
}

async fn another_candidates_application_and_documents_do_not_exist(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let reads = reads(&p);
    let (mine, theirs) = two(&p).await;
    let me = candidate_of(&mine);

    assert!(matches!(reads.view(&me, theirs.id).await, Err(DetailError::NotFound)));
    assert!(matches!(reads.detail(&me, theirs.id).await, Err(DetailError::NotFound)));
    assert!(matches!(reads.documents(&me, theirs.id, None).await, Err(DetailError::NotFound)));
    assert!(matches!(reads.document(&me, theirs.id, Uuid::nil()).await, Err(DetailError::NotFound)));
    assert!(matches!(reads.view(&me, Uuid::nil()).await, Err(DetailError::NotFound)), "unknown reads the same");

    match reads.view(&me, mine.id).await.unwrap() {
        ApplicationView::Own(application) => assert_eq!(*application, mine),
        ApplicationView::Staff(_) => panic!("a candidate sees its application alone"),
    }
    assert!(reads.documents(&me, mine.id, Some(DocumentType::Cv)).await.unwrap().is_empty());
    match reads.view(&staff(Role::Observer), theirs.id).await.unwrap() {
        ApplicationView::Staff(detail) => {
            assert_eq!((detail.application.id, detail.candidate.id), (theirs.id, theirs.candidate_id));
        }
        ApplicationView::Own(_) => panic!("staff see the application with its surroundings"),
    }
}

async fn only_staff_read_the_applications_to_an_offer(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let reads = reads(&p);
    let (mine, _) = two(&p).await;
    let me = candidate_of(&mine);

    assert!(matches!(reads.of_offer(&me, mine.job_offer_id, PAGE).await, Err(OfferDeskError::Forbidden)));
    let recruiter = staff(Role::Recruiter);
    assert!(matches!(reads.of_offer(&recruiter, Uuid::nil(), PAGE).await, Err(OfferDeskError::NotFound)));
    let listed = reads.of_offer(&recruiter, mine.job_offer_id, PAGE).await.unwrap();
    assert_eq!((ids(&listed.items), listed.total), (vec![mine.id], 1));
}

on_backends!(Memory, Sqlite, Postgres =>
    a_candidate_lists_only_its_own_whatever_the_filter_names,
    another_candidates_application_and_documents_do_not_exist,
    only_staff_read_the_applications_to_an_offer,
);
