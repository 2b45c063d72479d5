//! Applications for tests: counting rows for the offer side (`insert`, `seed`: straight into the table on SQLite
//! and PostgreSQL, into the in-memory store otherwise), and complete applications written through the ports
//! (`application`, `committed`).

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database as SeaDatabase};
use seeg_adapters_memory::SeededApplication;
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};
use seeg_domain::applications::{Application, ApplicationStatus, MtpAnswers, Reference};
use uuid::Uuid;

use crate::{Ports, TestDatabase};

/// Inserts an application row into the database at `url`. The candidate and the offer must exist.
pub async fn insert(url: &str, candidate_id: Uuid, job_offer_id: Uuid, status: &str) {
    let conn = SeaDatabase::connect(url).await.expect("connect");
    let now = SystemClock.now();
    let columns = ["id", "candidate_id", "job_offer_id", "status", "has_been_manager", "created_at", "updated_at"];
    let insert = Query::insert()
        .into_table(Alias::new("applications"))
        .columns(columns.map(Alias::new))
        .values_panic([
            SystemIds.new_id().into(),
            candidate_id.into(),
            job_offer_id.into(),
            status.into(),
            false.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    conn.execute_raw(conn.get_database_backend().build(&insert)).await.expect("insert application");
    conn.close().await.expect("close");
}

/// Seeds an application on whichever backend `ports` run on (`db` is the SQL database, if any).
pub async fn seed(ports: &Ports, db: Option<&TestDatabase>, candidate_id: Uuid, job_offer_id: Uuid, status: &str) {
    match (&ports.memory, db) {
        (Some(store), _) => store
            .seed_application(SeededApplication {
                id: SystemIds.new_id(),
                candidate_id,
                job_offer_id,
                status: status.to_owned(),
                created_at: SystemClock.now(),
            })
            .expect("seed application"),
        (None, Some(db)) => insert(&db.url, candidate_id, job_offer_id, status).await,
        (None, None) => panic!("no backend to seed"),
    }
}

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
