//! `/monitoring/stats`'s figures: accounts counted by role and offers by status (`UserRepository::count_by_role`,
//! `OfferRepository::count_by_status`) on every backend, and `ServiceStats` giving them, with every value of each
//! vocabulary, to admins only.

use std::collections::BTreeMap;
use std::sync::Arc;

use seeg_adapters_memory::ManualClock;
use seeg_application::service_stats::{ServiceStats, ServiceStatsError};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_domain::offers::{OfferStatus, OfferVisibility};
use seeg_tests::offers::{base_time, offer, with};
use seeg_tests::users::user;
use seeg_tests::{Backend, insert_offers, on_backends, ports};

async fn accounts_are_counted_by_role_and_offers_by_status(backend: Backend) {
    let (p, _db) = ports(backend).await;
    assert_eq!(p.users.count_by_role().await.unwrap(), BTreeMap::new(), "nothing yet");
    assert_eq!(p.offers.count_by_status().await.unwrap(), BTreeMap::new());

    let roles = [Role::Candidate, Role::Candidate, Role::Candidate, Role::Recruiter, Role::Admin];
    let mut tx = p.uow.begin().await.unwrap();
    for (i, role) in roles.into_iter().enumerate() {
        tx.users()
            .insert(&seeg_domain::identity::User { role, ..user(&format!("compte{i}@exemple.ga")) })
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let offers = [
        with(offer("A", 0), OfferStatus::Active, OfferVisibility::Everyone),
        with(offer("B", 1), OfferStatus::Active, OfferVisibility::InternalOnly),
        with(offer("C", 2), OfferStatus::Closed, OfferVisibility::Everyone),
        with(offer("D", 3), OfferStatus::Draft, OfferVisibility::ExternalOnly),
    ];
    insert_offers(p.uow.as_ref(), &offers).await;

    assert_eq!(
        p.users.count_by_role().await.unwrap(),
        BTreeMap::from([(Role::Candidate, 3), (Role::Recruiter, 1), (Role::Admin, 1)]),
        "roles without accounts left out"
    );
    assert_eq!(
        p.offers.count_by_status().await.unwrap(),
        BTreeMap::from([(OfferStatus::Active, 2), (OfferStatus::Closed, 1), (OfferStatus::Draft, 1)])
    );

    let stats = ServiceStats::new(
        Arc::clone(&p.users),
        Arc::clone(&p.offers),
        Arc::clone(&p.read_model),
        Arc::clone(&p.outbox),
        Arc::new(ManualClock::new(base_time())),
    );
    let admin = seeg_domain::identity::User { role: Role::Admin, ..user("admin@exemple.ga") };
    let figures = stats.figures(&admin).await.unwrap();
    assert_eq!(figures.at, base_time());
    assert_eq!(figures.users_by_role.len(), Role::ALL.len(), "every role, 0 included");
    assert_eq!(figures.users_by_role[&Role::Observer], 0);
    assert_eq!(figures.offers_by_status[&OfferStatus::Archived], 0);
    assert_eq!(figures.applications_by_status.len(), ApplicationStatus::ALL.len());
    assert_eq!(figures.applications_by_status.values().sum::<u64>(), 0);
    assert_eq!(figures.outbox.pending, 0);
    for role in [Role::Recruiter, Role::Observer, Role::Candidate] {
        let caller = seeg_domain::identity::User { role, ..user("autre@exemple.ga") };
        assert!(matches!(stats.figures(&caller).await, Err(ServiceStatsError::Forbidden)), "{role}");
    }
}

on_backends!(Memory, Sqlite, Postgres => accounts_are_counted_by_role_and_offers_by_status);
