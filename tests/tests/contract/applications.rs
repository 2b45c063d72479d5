//! The applications ports: one application per (candidate, offer), documents and history read back in order,
//! lists newest first with the true total, status updates, rollbacks.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::applications::{ApplicationDocument, ApplicationFilter, StatusChange};
use seeg_application::{IdGenerator, Page, StoreError, SystemIds};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType};
use seeg_domain::identity::User;
use seeg_domain::offers::JobOffer;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

pub(crate) async fn setup(p: &Ports, candidates: usize, offers: usize) -> (Vec<User>, Vec<JobOffer>) {
    let users: Vec<User> = (0..candidates).map(|i| user(&format!("c{i}@exemple.ga"))).collect();
    let jobs: Vec<JobOffer> = (0..offers).map(|i| offer(&format!("Offre {i}"), i64::try_from(i).unwrap())).collect();
    let mut tx = p.uow.begin().await.unwrap();
    for u in &users {
        tx.users().insert(u).await.unwrap();
    }
    for o in &jobs {
        tx.offers().insert(o).await.unwrap();
    }
    tx.commit().await.unwrap();
    (users, jobs)
}

pub(crate) fn application(candidate: Uuid, offer: Uuid, minutes: i64) -> Application {
    seeg_tests::applications::application(candidate, offer, at(minutes))
}

pub(crate) fn document(application_id: Uuid, kind: DocumentType, minutes: i64) -> ApplicationDocument {
    let sha = format!("{minutes:0>64}");
    ApplicationDocument {
        id: SystemIds.new_id(),
        application_id,
        document_type: kind,
        file_name: format!("{}.pdf", kind.as_str()),
        file_size: 12_345,
        file_type: "application/pdf".into(),
        storage_key: seeg_application::documents::document_key(&sha),
        sha256: sha,
        uploaded_at: at(minutes),
    }
}

async fn an_application_reads_back_with_its_documents_and_history(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (users, jobs) = setup(&p, 1, 1).await;
    let a = application(users[0].id, jobs[0].id, 0);
    let docs = [document(a.id, DocumentType::Diplome, 2), document(a.id, DocumentType::Cv, 1)];
    let change = StatusChange {
        id: SystemIds.new_id(),
        application_id: a.id,
        changed_by: Some(users[0].id),
        previous_status: None,
        new_status: ApplicationStatus::Candidature,
        notes: None,
        changed_at: at(0),
    };
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&a).await.unwrap();
    for d in &docs {
        tx.applications().insert_document(d).await.unwrap();
    }
    tx.applications().append_history(&change).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(p.applications.get(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(p.applications.find(users[0].id, jobs[0].id).await.unwrap(), Some(a.clone()));
    assert_eq!(p.applications.documents(a.id).await.unwrap(), [docs[1].clone(), docs[0].clone()], "upload order");
    assert_eq!(p.applications.document(a.id, docs[0].id).await.unwrap(), Some(docs[0].clone()));
    assert_eq!(p.applications.document(SystemIds.new_id(), docs[0].id).await.unwrap(), None, "not another's");
    assert_eq!(p.applications.history(a.id).await.unwrap(), [change]);
    assert_eq!(p.applications.get(SystemIds.new_id()).await.unwrap(), None);
}

async fn one_application_per_candidate_and_offer(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (users, jobs) = setup(&p, 1, 2).await;
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&application(users[0].id, jobs[0].id, 0)).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = p.uow.begin().await.unwrap();
    let twin = application(users[0].id, jobs[0].id, 1);
    assert!(matches!(tx.applications().insert(&twin).await, Err(StoreError::Conflict(_))));
    drop(tx);
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&application(users[0].id, jobs[1].id, 1)).await.unwrap();
    tx.commit().await.unwrap();
}

async fn lists_are_newest_first_filtered_with_the_true_total(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (users, jobs) = setup(&p, 3, 2).await;
    let mut all = Vec::new();
    let mut tx = p.uow.begin().await.unwrap();
    for (i, u) in users.iter().enumerate() {
        for (j, o) in jobs.iter().enumerate() {
            let a = application(u.id, o.id, i64::try_from(i * 10 + j).unwrap());
            tx.applications().insert(&a).await.unwrap();
            all.push(a);
        }
    }
    tx.commit().await.unwrap();
    let page = p.applications.list(&ApplicationFilter::default(), Page { skip: 1, limit: 2 }).await.unwrap();
    all.sort_by_key(|a| std::cmp::Reverse(a.created_at));
    assert_eq!((page.total, page.items), (6, all[1..3].to_vec()));
    let mine = ApplicationFilter { candidate_id: Some(users[1].id), ..ApplicationFilter::default() };
    let found = p.applications.list(&mine, Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!(found.total, 2);
    assert!(found.items.iter().all(|a| a.candidate_id == users[1].id));
    let one = ApplicationFilter {
        job_offer_id: Some(jobs[0].id),
        candidate_id: Some(users[2].id),
        ..ApplicationFilter::default()
    };
    assert_eq!(p.applications.list(&one, Page { skip: 0, limit: 10 }).await.unwrap().total, 1);

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().update_status(all[0].id, ApplicationStatus::Incubation, at(100)).await.unwrap());
    assert!(!tx.applications().update_status(SystemIds.new_id(), ApplicationStatus::Refuse, at(100)).await.unwrap());
    tx.commit().await.unwrap();
    let moved = ApplicationFilter { status: Some(ApplicationStatus::Incubation), ..ApplicationFilter::default() };
    let found = p.applications.list(&moved, Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!((found.total, found.items[0].id, found.items[0].updated_at), (1, all[0].id, at(100)));
}

async fn a_rolled_back_submission_leaves_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (users, jobs) = setup(&p, 1, 1).await;
    let a = application(users[0].id, jobs[0].id, 0);
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&a).await.unwrap();
    tx.applications().insert_document(&document(a.id, DocumentType::Cv, 0)).await.unwrap();
    drop(tx);
    assert_eq!(p.applications.get(a.id).await.unwrap(), None);
    assert!(p.applications.documents(a.id).await.unwrap().is_empty());
    let mut tx = p.uow.begin().await.unwrap();
    tx.applications().insert(&a).await.unwrap();
    tx.commit().await.unwrap();
}

async fn q_finds_candidates_by_name_or_email_ignoring_case_and_accents(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (mut users, jobs) = setup(&p, 0, 1).await;
    for (first, email) in [("Élodie", "elodie.mba@exemple.ga"), ("Pierre", "p100%@exemple.ga")] {
        let mut u = user(email);
        first.clone_into(&mut u.first_name);
        users.push(u);
    }
    let mut tx = p.uow.begin().await.unwrap();
    for (i, u) in users.iter().enumerate() {
        tx.users().insert(u).await.unwrap();
        tx.applications().insert(&application(u.id, jobs[0].id, i64::try_from(i).unwrap())).await.unwrap();
    }
    tx.commit().await.unwrap();
    let search = |q: &str| ApplicationFilter { q: Some(q.to_owned()), ..ApplicationFilter::default() };
    for (q, expected) in [("ELODIE", 1), ("élodie", 1), ("ndong", 2), ("exemple.ga", 2), ("100%", 1), ("10_", 0)] {
        let found = p.applications.list(&search(q), Page { skip: 0, limit: 10 }).await.unwrap();
        assert_eq!(found.total, expected, "q={q}");
    }
}

async fn deletes_and_touches_honour_the_status_condition(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (users, jobs) = setup(&p, 1, 2).await;
    let kept = application(users[0].id, jobs[0].id, 0);
    let gone = application(users[0].id, jobs[1].id, 1);
    let docs = [document(kept.id, DocumentType::Cv, 0), document(kept.id, DocumentType::Autres, 1)];
    let mut tx = p.uow.begin().await.unwrap();
    for a in [&kept, &gone] {
        tx.applications().insert(a).await.unwrap();
    }
    for d in &docs {
        tx.applications().insert_document(d).await.unwrap();
    }
    tx.applications().insert_document(&document(gone.id, DocumentType::Cv, 2)).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = p.uow.begin().await.unwrap();
    let moved = Some(ApplicationStatus::Incubation);
    assert!(!tx.applications().touch(kept.id, moved, at(50)).await.unwrap(), "status differs");
    assert!(!tx.applications().delete(kept.id, moved).await.unwrap(), "status differs");
    assert!(tx.applications().touch(kept.id, Some(ApplicationStatus::Candidature), at(50)).await.unwrap());
    assert!(!tx.applications().touch(SystemIds.new_id(), None, at(50)).await.unwrap());
    assert!(!tx.applications().delete_document(gone.id, docs[1].id).await.unwrap(), "another application's");
    assert_eq!(tx.applications().documents(kept.id).await.unwrap(), docs.to_vec(), "as committed, in order");
    assert!(tx.applications().delete_document(kept.id, docs[1].id).await.unwrap());
    assert!(!tx.applications().delete_document(kept.id, docs[1].id).await.unwrap(), "already deleted");
    let added = document(kept.id, DocumentType::Portfolio, 3);
    tx.applications().insert_document(&added).await.unwrap();
    let seen = tx.applications().documents(kept.id).await.unwrap();
    assert_eq!(seen, vec![docs[0].clone(), added.clone()], "the transaction's own writes");
    tx.applications().delete_document(kept.id, added.id).await.unwrap();
    assert!(tx.applications().delete(gone.id, Some(ApplicationStatus::Candidature)).await.unwrap());
    assert!(!tx.applications().delete(gone.id, None).await.unwrap(), "already deleted");
    assert!(tx.applications().documents(gone.id).await.unwrap().is_empty(), "deleted with its application");
    tx.commit().await.unwrap();

    assert_eq!(p.applications.get(kept.id).await.unwrap().map(|a| a.updated_at), Some(at(50)));
    assert_eq!(p.applications.documents(kept.id).await.unwrap(), vec![docs[0].clone()]);
    assert_eq!(p.applications.get(gone.id).await.unwrap(), None);
    assert!(p.applications.documents(gone.id).await.unwrap().is_empty(), "its documents went with it");
    assert!(p.applications.history(gone.id).await.unwrap().is_empty());

    // A rolled-back delete leaves everything.
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().delete(kept.id, None).await.unwrap());
    drop(tx);
    assert_eq!(p.applications.documents(kept.id).await.unwrap().len(), 1);
}

on_backends!(Memory, Sqlite, Postgres =>
    q_finds_candidates_by_name_or_email_ignoring_case_and_accents,
    deletes_and_touches_honour_the_status_condition,
    an_application_reads_back_with_its_documents_and_history,
    one_application_per_candidate_and_offer,
    lists_are_newest_first_filtered_with_the_true_total,
    a_rolled_back_submission_leaves_nothing,
);
