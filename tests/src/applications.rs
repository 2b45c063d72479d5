//! Applications for tests, written through the ports as a submission writes them (`Transaction::applications`),
//! so the same helpers serve every backend: one whole application (`application`), one stored at a given status
//! (`seed`), many committed at once with their candidates and offers (`committed`).

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds, UnitOfWork};
use seeg_domain::applications::{Application, ApplicationStatus, MtpAnswers, Reference};
use uuid::Uuid;

use crate::{Ports, TestApp};

/// A complete application of `candidate` to `offer`, created and last updated at `created_at`.
pub fn application(candidate: Uuid, offer: Uuid, created_at: DateTime<Utc>) -> Application {
    Application {
        id: SystemIds.new_id(),
        candidate_id: candidate,
        job_offer_id: offer,
        status: ApplicationStatus::Candidature,
        reference_contacts: Some("M. Obame".into()),
        availability_start: Some(crate::offers::base_time() + TimeDelta::days(1)),
        has_been_manager: true,
        reference: Reference { entreprise: Some("SEEG, Total".into()), ..Reference::default() },
        mtp_answers: MtpAnswers::from_stored(vec!["R1".into(), "R2".into()], vec!["T".into()], Vec::new()),
        created_at,
        updated_at: created_at,
    }
}

/// Commits an application of `candidate_id` (an account) to `job_offer_id` (an offer) at `status`, created now:
/// the stored application.
pub async fn seed(
    uow: &dyn UnitOfWork,
    candidate_id: Uuid,
    job_offer_id: Uuid,
    status: ApplicationStatus,
) -> Application {
    let seeded = Application { status, ..application(candidate_id, job_offer_id, SystemClock.now()) };
    let mut tx = uow.begin().await.expect("begin");
    tx.applications().insert(&seeded).await.expect("insert application");
    tx.commit().await.expect("commit");
    seeded
}

impl TestApp {
    /// [`seed`] on this service's database.
    pub async fn seed_application(
        &self,
        candidate_id: Uuid,
        job_offer_id: Uuid,
        status: ApplicationStatus,
    ) -> Application {
        seed(&self.database, candidate_id, job_offer_id, status).await
    }
}

/// Commits, in one transaction, one application per instant of `created` (in that order), each by a candidate of
/// its own, to one of three offers. Quick enough for a thousand.
pub async fn committed(ports: &Ports, created: &[DateTime<Utc>]) -> Vec<Application> {
    let offers: Vec<_> = (0..3).map(|i| crate::offers::offer(&format!("Offre {i}"), i)).collect();
    let mut tx = ports.uow.begin().await.expect("begin");
    for offer in &offers {
        tx.offers().insert(offer).await.expect("insert offer");
    }
    let mut applications = Vec::with_capacity(created.len());
    for (i, at) in created.iter().enumerate() {
        let candidate = crate::users::user(&format!("candidat{i}@exemple.ga"));
        tx.users().insert(&candidate).await.expect("insert candidate");
        let a = application(candidate.id, offers[i % offers.len()].id, *at);
        tx.applications().insert(&a).await.expect("insert application");
        applications.push(a);
    }
    tx.commit().await.expect("commit");
    applications
}
