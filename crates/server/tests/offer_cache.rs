//! Issue 16 "Done when": the offer read cache (P2 in docs/decisions.md) never serves a stale offer after a write,
//! across processes. Two real `seeg serve` processes on one database (PostgreSQL: two servers of one deployment;
//! SQLite: two processes on one file); the first reads the public list, the public offer and the count twice (so
//! the second read is its cache's), the second process changes the offer, and the first's very next read shows
//! the change — no wait, no retry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;

use secrecy::SecretString;
use seeg_application::outbox::HandlerRegistry;
use seeg_application::{IdGenerator as _, SystemIds};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::binary::{Serving, free_port, in_folders};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_seeg");

async fn serve(dir: &Path, url: &str, key: &str, name: &str) -> Serving {
    let port = free_port();
    let mut command = seeg_tests::binary::serve(BIN, dir, port, url);
    in_folders(&mut command, dir)
        .env("APP__AUTH__SECRET_KEY", key)
        .env("APP__LAKE__KIND", "local")
        .env("APP__LAKE__PATH", dir.join("lake"));
    Serving::start(command, port, dir.join(format!("{name}.log"))).await
}

/// The public list's titles, the public offer's title (or its status when not 200) and the public count, read
/// twice in a row from `server`, both reads agreeing.
async fn public_view(server: &Serving, id: &str) -> (Vec<String>, Value, Value) {
    let read = async || {
        let list: Value =
            reqwest::get(format!("{}/api/v1/public/jobs", server.base)).await.unwrap().json().await.unwrap();
        let titles = list.as_array().unwrap().iter().map(|o| o["title"].as_str().unwrap().to_owned()).collect();
        let one = reqwest::get(format!("{}/api/v1/public/jobs/{id}", server.base)).await.unwrap();
        let one = if one.status() == 200 {
            one.json::<Value>().await.unwrap()["title"].clone()
        } else {
            json!(one.status().as_u16())
        };
        let count: Value =
            reqwest::get(format!("{}/api/v1/public/jobs/count", server.base)).await.unwrap().json().await.unwrap();
        (titles, one, count["total"].clone())
    };
    let first = read().await;
    assert_eq!(first, read().await, "two reads in a row agree");
    first
}

async fn a_write_in_one_process_is_read_at_once_in_another(backend: Backend) {
    let key = format!("{}{}", SystemIds.new_id().simple(), SystemIds.new_id().simple());
    let signing = key.clone();
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), move |s| {
        s.auth.secret_key = SecretString::from(signing);
    })
    .await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let offer = app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let db = app.stop().await;
    let id = offer.id.to_string();

    let dir = tempfile::tempdir().unwrap();
    let reader = serve(dir.path(), &db.url, &key, "reader").await;
    let writer = serve(dir.path(), &db.url, &key, "writer").await;
    assert_eq!(
        public_view(&reader, &id).await,
        (vec!["Technicien réseau".to_owned()], json!("Technicien réseau"), json!(1))
    );

    let client = reqwest::Client::new();
    let put =
        |body: Value| client.put(format!("{}/api/v1/jobs/{id}", writer.base)).bearer_auth(&admin).json(&body).send();
    let renamed = put(json!({"title": "Technicienne réseau"})).await.unwrap();
    assert_eq!(renamed.status(), 200, "{}", writer.output());
    assert_eq!(
        public_view(&reader, &id).await,
        (vec!["Technicienne réseau".to_owned()], json!("Technicienne réseau"), json!(1))
    );

    let closed = put(json!({"status": "closed"})).await.unwrap();
    assert_eq!(closed.status(), 200, "{}", writer.output());
    assert_eq!(public_view(&reader, &id).await, (Vec::<String>::new(), json!(404), json!(0)));
    drop((reader, writer));
    drop(db);
}

on_backends!(Sqlite, Postgres =>
    a_write_in_one_process_is_read_at_once_in_another,
);
