//! `OfferDesk` over each backend where only a race can take it: an application arriving between the use case's
//! count and its delete. The database's refusal (no cascade) must still answer `HasApplications`, write no audit
//! row and leave the offer in place (I10, I1).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use seeg_application::identity::{AuditFilter, RequestContext};
use seeg_application::offers::{ApplicationCounts, OfferDesk, OfferDeskError, OfferReads};
use seeg_application::{Page, StoreError, SystemClock, SystemIds};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferChanges;
use seeg_tests::users::user;
use seeg_tests::{Backend, applications, on_backends, ports};
use uuid::Uuid;

/// Counts that always lag behind: no application has arrived yet, as far as they know.
#[derive(Debug)]
struct LaggingCounts;

#[async_trait]
impl ApplicationCounts for LaggingCounts {
    async fn count_for_offer(&self, _: Uuid) -> Result<u64, StoreError> {
        Ok(0)
    }

    async fn counts_by_status_for_recruiter(&self, _: Uuid) -> Result<BTreeMap<String, u64>, StoreError> {
        Ok(BTreeMap::new())
    }
}

async fn a_delete_the_database_refuses_is_offer_has_applications(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let desk = OfferDesk::new(
        Arc::clone(&p.uow),
        OfferReads::new(Arc::clone(&p.offers)),
        Arc::new(LaggingCounts),
        Arc::new(SystemClock),
        Arc::new(SystemIds),
    );
    let mut recruiter = user("recruteur@seeg-gabon.com");
    recruiter.role = Role::Recruiter;
    recruiter.candidate_kind = None;
    let candidate = user("candidat@example.com");
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&recruiter).await.unwrap();
    tx.users().insert(&candidate).await.unwrap();
    tx.commit().await.unwrap();
    let changes = OfferChanges {
        title: Some("Technicien réseau".into()),
        description: Some("Maintenance du réseau de distribution d'eau.".into()),
        location: Some("Libreville".into()),
        contract_type: Some("CDI".into()),
        ..OfferChanges::default()
    };
    let context = RequestContext { request_id: Some("req-1".into()) };
    let offer = desk.create(&recruiter, changes, &context).await.unwrap();
    applications::seed(p.uow.as_ref(), candidate.id, offer.id, ApplicationStatus::Candidature).await;

    let refused = desk.delete(&recruiter, offer.id, &context).await;
    assert!(matches!(refused, Err(OfferDeskError::HasApplications)), "{refused:?}");
    assert_eq!(p.offers.get(offer.id).await.unwrap(), Some(offer.clone()));
    let trail = p
        .audit
        .list(
            &AuditFilter { target_id: Some(offer.id.to_string()), ..AuditFilter::default() },
            Page { skip: 0, limit: 10 },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["job_offer.created"], "the refused delete left no audit row");
}

on_backends!(Memory, Sqlite, Postgres => a_delete_the_database_refuses_is_offer_has_applications);
