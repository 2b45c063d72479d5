//! The offer read cache (P2 in docs/decisions.md) never serves an offer as it was before a committed write: two
//! servers on one database, each with its own cache and pool (another process of one deployment), every offer
//! route read on the first and warmed, every kind of write made on the second or in raw SQL, and the first read
//! again at once — no wait, no retry. On SQLite and PostgreSQL; crates/server/tests/offer_cache.rs does the same
//! with two real `seeg` processes.

use sea_orm::ConnectionTrait as _;
use seeg_application::outbox::HandlerRegistry;
use seeg_domain::identity::Role;
use seeg_tests::offers::creation_body;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const SECRET: &str = "clé-de-signature-partagée-par-les-deux-serveurs-du-cache-0123456789";

fn share(settings: &mut seeg_server::settings::Settings) {
    settings.auth.secret_key = SECRET.to_owned().into();
}

/// What a reader sees of one offer, through every offer route, on one server.
#[derive(Debug, PartialEq)]
struct Seen {
    public_titles: Vec<String>,
    public_total: Option<u64>,
    public_count: Value,
    public_detail: (u16, Value),
    candidate_titles: Vec<String>,
    staff_titles: Vec<String>,
    staff_detail: (u16, Value),
}

fn titles(body: &Value) -> Vec<String> {
    body.as_array().expect("a list").iter().map(|o| o["title"].as_str().expect("title").to_owned()).collect()
}

async fn seen(app: &TestApp, candidate: &str, admin: &str, id: &str) -> Seen {
    let public = app.get_json("/api/v1/public/jobs").await;
    let detail = app.get_json(&format!("/api/v1/public/jobs/{id}")).await;
    let staff_detail = app.get_as(admin, &format!("/api/v1/jobs/{id}")).await;
    Seen {
        public_titles: titles(&public.body),
        public_total: public.total(),
        public_count: app.get_json("/api/v1/public/jobs/count").await.body["total"].clone(),
        public_detail: (detail.status, detail.body["title"].clone()),
        candidate_titles: titles(&app.get_as(candidate, "/api/v1/jobs/").await.body),
        staff_titles: titles(&app.get_as(admin, "/api/v1/jobs/?limit=50").await.body),
        staff_detail: (staff_detail.status, staff_detail.body["status"].clone()),
    }
}

/// Reads twice (the second read is the cache's, when there is one) and checks both agree.
async fn seen_twice(app: &TestApp, candidate: &str, admin: &str, id: &str) -> Seen {
    let first = seen(app, candidate, admin, id).await;
    assert_eq!(first, seen(app, candidate, admin, id).await, "two reads in a row agree");
    first
}

/// A creation body open to everyone (the public, both kinds of candidates).
fn open_offer(title: &str) -> Value {
    let mut body = creation_body(title);
    body["offer_status"] = json!("tous");
    body
}

async fn no_server_serves_an_offer_as_it_was_before_a_write(backend: Backend) {
    let reader = TestApp::spawn_with(backend, HandlerRegistry::default(), share).await;
    let writer = reader.spawn_beside(share).await;
    let admin = reader.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let candidate = reader.token_for(Role::Candidate, "awa@example.com").await.token;

    let created = writer.post_as(&admin, "/api/v1/jobs/", &open_offer("Technicien réseau")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let before = seen_twice(&reader, &candidate, &admin, &id).await;
    assert_eq!(before.public_titles, ["Technicien réseau"]);
    assert_eq!((before.public_total, &before.public_count), (Some(1), &json!(1)));
    assert_eq!(before.public_detail, (200, json!("Technicien réseau")));

    // A change of title, made on the other server.
    let renamed = writer.put_as(&admin, &format!("/api/v1/jobs/{id}"), &json!({"title": "Technicienne réseau"})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    let after = seen_twice(&reader, &candidate, &admin, &id).await;
    assert_eq!(after.public_titles, ["Technicienne réseau"]);
    assert_eq!(after.public_detail, (200, json!("Technicienne réseau")));
    assert_eq!(
        (after.candidate_titles, after.staff_titles),
        (vec!["Technicienne réseau".to_owned()], vec!["Technicienne réseau".to_owned()])
    );

    // A new offer, then the first one closed: gone from the public list, its count and its public page.
    let second = writer.post_as(&admin, "/api/v1/jobs/", &open_offer("Comptable")).await;
    assert_eq!(second.status, 201, "{}", second.body);
    let closed = writer.put_as(&admin, &format!("/api/v1/jobs/{id}"), &json!({"status": "closed"})).await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let after = seen_twice(&reader, &candidate, &admin, &id).await;
    assert_eq!(
        (after.public_titles, after.public_total, after.public_count),
        (vec!["Comptable".to_owned()], Some(1), json!(1))
    );
    assert_eq!(after.public_detail.0, 404);
    assert_eq!(after.candidate_titles, ["Comptable"]);
    assert_eq!(after.staff_titles, ["Comptable", "Technicienne réseau"]);
    assert_eq!(after.staff_detail, (200, json!("closed")));

    // An operator's SQL, outside every use case, reaches the cache too (the version is bumped by a trigger).
    let sql = sea_orm::Database::connect(reader.database_url()).await.expect("connect");
    let operator = "UPDATE job_offers SET status = 'active', title = 'Technicien de nuit' \
                    WHERE title = 'Technicienne réseau'";
    assert_eq!(sql.execute_unprepared(operator).await.expect("operator update").rows_affected(), 1);
    sql.close().await.expect("close");
    let after = seen_twice(&reader, &candidate, &admin, &id).await;
    assert_eq!(after.public_titles, ["Comptable", "Technicien de nuit"]);
    assert_eq!(after.public_detail, (200, json!("Technicien de nuit")));

    // Deleted: unknown everywhere.
    let deleted = writer.delete_as(&admin, &format!("/api/v1/jobs/{id}")).await;
    assert!(deleted.status == 200 || deleted.status == 204, "{}", deleted.body);
    let after = seen_twice(&reader, &candidate, &admin, &id).await;
    assert_eq!(after.public_titles, ["Comptable"]);
    assert_eq!((after.public_detail.0, after.staff_detail.0), (404, 404));
    assert_eq!(after.staff_titles, ["Comptable"]);
}

on_backends!(Sqlite, Postgres =>
    no_server_serves_an_offer_as_it_was_before_a_write,
);
