//! `AccessRequestRepository` and `AccessRequestWriter`: get, list with filters, order and true total (F5), the
//! global counters, a review written only while pending, mark-all-viewed, and closing an account's pending
//! requests when its statut changes.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::identity::{AccessRequest, AccessRequestCounts, AccessRequestFilter};
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_domain::identity::{AccessRequestStatus, INTERNAL_NO_SEEG_EMAIL, User};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

const ALL: Page = Page { skip: 0, limit: 100 };

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn request(user_id: Uuid, status: AccessRequestStatus, viewed: bool, minutes: i64) -> AccessRequest {
    AccessRequest {
        id: SystemIds.new_id(),
        user_id,
        email: "agent@example.com".to_owned(),
        first_name: "Aïcha".to_owned(),
        last_name: "Ndong".to_owned(),
        phone: Some("+24177000000".to_owned()),
        matricule: Some("123456".to_owned()),
        request_type: INTERNAL_NO_SEEG_EMAIL.to_owned(),
        status,
        rejection_reason: None,
        viewed,
        created_at: at(minutes),
        reviewed_at: None,
        reviewed_by: None,
        updated_at: at(minutes),
    }
}

/// Four requests of four accounts: two pending (one viewed), one approved, one rejected.
async fn seed(ports: &Ports) -> Vec<AccessRequest> {
    let mut tx = ports.uow.begin().await.unwrap();
    let mut requests = Vec::new();
    let shapes = [
        (AccessRequestStatus::Pending, false, 1),
        (AccessRequestStatus::Pending, true, 2),
        (AccessRequestStatus::Approved, true, 3),
        (AccessRequestStatus::Rejected, false, 4),
    ];
    for (i, (status, viewed, minutes)) in shapes.into_iter().enumerate() {
        let account = user(&format!("agent{i}@example.com"));
        tx.users().insert(&account).await.unwrap();
        let r = request(account.id, status, viewed, minutes);
        tx.access_requests().insert(&r).await.unwrap();
        requests.push(r);
    }
    tx.commit().await.unwrap();
    requests
}

fn ids(found: &[AccessRequest]) -> Vec<Uuid> {
    found.iter().map(|r| r.id).collect()
}

async fn get_list_filters_and_counts(backend: Backend) {
    let (ports, _db) = ports(backend).await;
    let seeded = seed(&ports).await;
    assert_eq!(ports.access_requests.get(seeded[0].id).await.unwrap().as_ref(), Some(&seeded[0]));
    assert_eq!(ports.access_requests.get(SystemIds.new_id()).await.unwrap(), None);

    let all = ports.access_requests.list(&AccessRequestFilter::default(), ALL).await.unwrap();
    assert_eq!(ids(&all.items), [seeded[3].id, seeded[2].id, seeded[1].id, seeded[0].id], "newest first");
    assert_eq!(all.total, 4);

    let pending = AccessRequestFilter { status: Some(AccessRequestStatus::Pending), viewed: None };
    let found = ports.access_requests.list(&pending, ALL).await.unwrap();
    assert_eq!(ids(&found.items), [seeded[1].id, seeded[0].id]);
    let unviewed = AccessRequestFilter { status: None, viewed: Some(false) };
    let found = ports.access_requests.list(&unviewed, ALL).await.unwrap();
    assert_eq!(ids(&found.items), [seeded[3].id, seeded[0].id]);
    let both = AccessRequestFilter { status: Some(AccessRequestStatus::Pending), viewed: Some(false) };
    assert_eq!(ids(&ports.access_requests.list(&both, ALL).await.unwrap().items), [seeded[0].id]);

    let page = ports.access_requests.list(&AccessRequestFilter::default(), Page { skip: 1, limit: 2 }).await.unwrap();
    assert_eq!(ids(&page.items), [seeded[2].id, seeded[1].id]);
    assert_eq!(page.total, 4, "the true total, not the page size");

    assert_eq!(ports.access_requests.counts().await.unwrap(), AccessRequestCounts { pending: 2, unviewed: 1 });
}

async fn a_review_is_written_only_while_pending(backend: Backend) {
    let (ports, _db) = ports(backend).await;
    let seeded = seed(&ports).await;
    let reviewer = user("reviewer@example.com");
    let mut tx = ports.uow.begin().await.unwrap();
    tx.users().insert(&reviewer).await.unwrap();
    tx.commit().await.unwrap();

    let mut rejected = seeded[0].clone();
    rejected.status = AccessRequestStatus::Rejected;
    rejected.rejection_reason = Some("Matricule inconnu des services RH".to_owned());
    rejected.reviewed_at = Some(at(10));
    rejected.reviewed_by = Some(reviewer.id);
    rejected.updated_at = at(10);
    let mut tx = ports.uow.begin().await.unwrap();
    assert!(tx.access_requests().record_review(&rejected).await.unwrap());
    let mut approved = rejected.clone();
    approved.status = AccessRequestStatus::Approved;
    assert!(!tx.access_requests().record_review(&approved).await.unwrap(), "seen as processed in the same tx");
    tx.commit().await.unwrap();
    assert_eq!(ports.access_requests.get(rejected.id).await.unwrap(), Some(rejected.clone()));

    let mut tx = ports.uow.begin().await.unwrap();
    assert!(!tx.access_requests().record_review(&approved).await.unwrap(), "already processed");
    let mut unknown = approved.clone();
    unknown.id = SystemIds.new_id();
    assert!(!tx.access_requests().record_review(&unknown).await.unwrap(), "unknown id");
    tx.commit().await.unwrap();
    assert_eq!(ports.access_requests.get(rejected.id).await.unwrap(), Some(rejected));

    // Dropped without commit: nothing changes.
    let mut tx = ports.uow.begin().await.unwrap();
    let mut other = seeded[1].clone();
    other.status = AccessRequestStatus::Approved;
    assert!(tx.access_requests().record_review(&other).await.unwrap());
    drop(tx);
    assert_eq!(ports.access_requests.get(other.id).await.unwrap().unwrap().status, AccessRequestStatus::Pending);
}

async fn mark_all_viewed_touches_pending_unviewed_only(backend: Backend) {
    let (ports, _db) = ports(backend).await;
    let seeded = seed(&ports).await;
    let mut tx = ports.uow.begin().await.unwrap();
    assert_eq!(tx.access_requests().mark_all_viewed(at(20)).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let marked = ports.access_requests.get(seeded[0].id).await.unwrap().unwrap();
    assert!(marked.viewed);
    assert_eq!(marked.updated_at, at(20));
    let rejected = ports.access_requests.get(seeded[3].id).await.unwrap().unwrap();
    assert!(!rejected.viewed, "only pending requests");
    assert_eq!(rejected.updated_at, at(4));
    assert_eq!(ports.access_requests.counts().await.unwrap(), AccessRequestCounts { pending: 2, unviewed: 0 });

    let mut tx = ports.uow.begin().await.unwrap();
    assert_eq!(tx.access_requests().mark_all_viewed(at(30)).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

/// Commits `accounts`, then `requests` (of those accounts), in one transaction.
async fn commit_accounts_and_requests(ports: &Ports, accounts: &[&User], requests: &[AccessRequest]) {
    let mut tx = ports.uow.begin().await.unwrap();
    for account in accounts {
        tx.users().insert(account).await.unwrap();
    }
    for r in requests {
        tx.access_requests().insert(r).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// `r` as `close_pending_for_user` leaves it: decided as `status` by `by` at `at`, with no reason.
fn closed(r: &AccessRequest, status: AccessRequestStatus, by: Uuid, minutes: i64) -> AccessRequest {
    AccessRequest {
        status,
        rejection_reason: None,
        reviewed_at: Some(at(minutes)),
        reviewed_by: Some(by),
        updated_at: at(minutes),
        ..r.clone()
    }
}

async fn closing_decides_every_pending_request_of_that_account_only(backend: Backend) {
    let (ports, _db) = ports(backend).await;
    let (account, other, reviewer, earlier) =
        (user("ferme@example.com"), user("autre@example.com"), user("admin@example.com"), user("rh@example.com"));
    let pending = request(account.id, AccessRequestStatus::Pending, false, 1);
    // Pending requests carry no reason; one with a stale reason shows the closure writes none.
    let mut viewed = request(account.id, AccessRequestStatus::Pending, true, 2);
    viewed.rejection_reason = Some("Motif resté d'une saisie".to_owned());
    let mut approved = request(account.id, AccessRequestStatus::Approved, true, 3);
    approved.reviewed_at = Some(at(4));
    approved.reviewed_by = Some(earlier.id);
    approved.updated_at = at(4);
    let mut rejected = request(account.id, AccessRequestStatus::Rejected, false, 5);
    rejected.rejection_reason = Some("Matricule inconnu".to_owned());
    rejected.reviewed_at = Some(at(6));
    rejected.reviewed_by = Some(earlier.id);
    rejected.updated_at = at(6);
    let theirs = request(other.id, AccessRequestStatus::Pending, false, 7);
    let all = [pending.clone(), viewed.clone(), approved.clone(), rejected.clone(), theirs.clone()];
    commit_accounts_and_requests(&ports, &[&account, &other, &reviewer, &earlier], &all).await;

    let mut tx = ports.uow.begin().await.unwrap();
    let closing =
        tx.access_requests().close_pending_for_user(account.id, AccessRequestStatus::Rejected, reviewer.id, at(30));
    assert_eq!(closing.await.unwrap(), 2, "both pending requests");
    let again =
        tx.access_requests().close_pending_for_user(account.id, AccessRequestStatus::Approved, reviewer.id, at(31));
    assert_eq!(again.await.unwrap(), 0, "seen as decided in the same transaction");
    let unknown = tx.access_requests().close_pending_for_user(
        SystemIds.new_id(),
        AccessRequestStatus::Rejected,
        reviewer.id,
        at(31),
    );
    assert_eq!(unknown.await.unwrap(), 0, "unknown account");
    assert_eq!(ports.access_requests.get(pending.id).await.unwrap(), Some(pending.clone()), "not before commit");
    tx.commit().await.unwrap();

    for r in [&pending, &viewed] {
        let expected = closed(r, AccessRequestStatus::Rejected, reviewer.id, 30);
        assert_eq!(ports.access_requests.get(r.id).await.unwrap(), Some(expected), "status, reviewer and time only");
    }
    for r in [approved, rejected, theirs] {
        assert_eq!(ports.access_requests.get(r.id).await.unwrap(), Some(r), "decided earlier or another account's");
    }
    assert_eq!(ports.access_requests.find_pending_for_user(account.id).await.unwrap(), None);
    assert_eq!(ports.access_requests.counts().await.unwrap(), AccessRequestCounts { pending: 1, unviewed: 1 });

    let mut tx = ports.uow.begin().await.unwrap();
    let after =
        tx.access_requests().close_pending_for_user(account.id, AccessRequestStatus::Approved, reviewer.id, at(40));
    assert_eq!(after.await.unwrap(), 0, "nothing left to decide");
    tx.commit().await.unwrap();
    let expected = closed(&pending, AccessRequestStatus::Rejected, reviewer.id, 30);
    assert_eq!(ports.access_requests.get(pending.id).await.unwrap(), Some(expected), "a decision stands");
}

async fn a_rolled_back_closing_leaves_the_requests_pending(backend: Backend) {
    let (ports, _db) = ports(backend).await;
    let (account, reviewer) = (user("attente@example.com"), user("admin@example.com"));
    let requests = [
        request(account.id, AccessRequestStatus::Pending, false, 1),
        request(account.id, AccessRequestStatus::Pending, true, 2),
    ];
    commit_accounts_and_requests(&ports, &[&account, &reviewer], &requests).await;

    let mut tx = ports.uow.begin().await.unwrap();
    let closing =
        tx.access_requests().close_pending_for_user(account.id, AccessRequestStatus::Approved, reviewer.id, at(30));
    assert_eq!(closing.await.unwrap(), 2);
    drop(tx);
    for r in &requests {
        assert_eq!(ports.access_requests.get(r.id).await.unwrap().as_ref(), Some(r), "rolled back");
    }
    assert_eq!(ports.access_requests.find_pending_for_user(account.id).await.unwrap(), Some(requests[1].clone()));

    let mut tx = ports.uow.begin().await.unwrap();
    let closing =
        tx.access_requests().close_pending_for_user(account.id, AccessRequestStatus::Approved, reviewer.id, at(35));
    assert_eq!(closing.await.unwrap(), 2, "still pending after the rollback");
    tx.commit().await.unwrap();
    for r in &requests {
        let expected = closed(r, AccessRequestStatus::Approved, reviewer.id, 35);
        assert_eq!(ports.access_requests.get(r.id).await.unwrap(), Some(expected));
    }
}

on_backends!(Memory, Sqlite, Postgres =>
    get_list_filters_and_counts,
    a_review_is_written_only_while_pending,
    mark_all_viewed_touches_pending_unviewed_only,
    closing_decides_every_pending_request_of_that_account_only,
    a_rolled_back_closing_leaves_the_requests_pending,
);
