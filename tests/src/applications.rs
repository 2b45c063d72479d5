//! Applications for tests of the offer side. No route writes them yet (the applications capability will): rows
//! go straight into the table on SQLite and PostgreSQL, into the in-memory store otherwise.

use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, Database as SeaDatabase};
use seeg_adapters_memory::SeededApplication;
use seeg_application::{Clock, IdGenerator, SystemClock, SystemIds};
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
