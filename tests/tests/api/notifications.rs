//! Notifications over HTTP (legacy §1.9, §1.15, R33, I8, S3): every role reads and marks its own notifications
//! only (another's id is 404 as an unknown one, anonymous callers 401); the legacy shapes field by field; the
//! list's filters, sort, order and pages, bad values a 422 naming the field in French; marking one or all read
//! persists, also under concurrent requests; the counts; path ids read strictly; a status change notifies the
//! candidate through the real flow.

use chrono::{DateTime, TimeDelta, Utc};
use futures_util::future::join_all;
use reqwest::Method;
use seeg_application::identity::{Notification, NotificationRepository};
use seeg_application::{IdGenerator, SystemIds, UnitOfWork};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const NOTIFICATIONS: &str = "/api/v1/notifications/";
const READ_ALL: &str = "/api/v1/notifications/read-all";
const UNREAD: &str = "/api/v1/notifications/stats/unread-count";
const OVERVIEW: &str = "/api/v1/notifications/stats/overview";

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn note(user: Uuid, title: &str, message: &str, kind: &str, minutes: i64) -> Notification {
    Notification {
        id: SystemIds.new_id(),
        user_id: user,
        related_application_id: None,
        title: title.to_owned(),
        message: message.to_owned(),
        kind: kind.to_owned(),
        link: None,
        read: false,
        created_at: at(minutes),
    }
}

async fn insert(app: &TestApp, notes: &[Notification]) {
    let uow: &dyn UnitOfWork = &app.database;
    let mut tx = uow.begin().await.unwrap();
    for n in notes {
        tx.notifications().insert(n).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn one(id: Uuid) -> String {
    format!("/api/v1/notifications/{id}")
}

fn read(id: Uuid) -> String {
    format!("/api/v1/notifications/{id}/read")
}

async fn put(app: &TestApp, token: Option<&str>, path: &str) -> Answer {
    app.call(Method::PUT, path, token, None).await
}

/// The ids of a list body, in order.
fn listed(body: &Value) -> Vec<Uuid> {
    body["notifications"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().parse().unwrap()).collect()
}

fn assert_not_found(answer: &Answer, what: &str) {
    assert_eq!(answer.status, 404, "{what}: {}", answer.body);
    assert_eq!(answer.body["code"], "not_found", "{what}");
}

/// Every role, signed in, and a notification of each (one unread, one read).
struct World {
    app: TestApp,
    accounts: Vec<SignedIn>,
}

impl World {
    async fn new(backend: Backend) -> Self {
        let app = TestApp::spawn(backend).await;
        let mut accounts = Vec::new();
        for (role, email) in [
            (Role::Admin, "admin@seeg-gabon.com"),
            (Role::Recruiter, "rh@seeg-gabon.com"),
            (Role::Observer, "obs@seeg-gabon.com"),
            (Role::Candidate, "awa@example.com"),
            (Role::Candidate, "jean@example.com"),
        ] {
            accounts.push(app.token_for(role, email).await);
        }
        Self { app, accounts }
    }
}

async fn every_role_reads_and_marks_its_own_notifications_only(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let mut owned = Vec::new();
    for (i, account) in accounts.iter().enumerate() {
        let unread = note(account.user.id, &format!("Pour {i}"), "À lire", "system", 1);
        let done = Notification { read: true, ..note(account.user.id, "Déjà lue", "Vue", "registration", 0) };
        insert(&app, &[unread.clone(), done.clone()]).await;
        owned.push((unread, done));
    }
    for (i, account) in accounts.iter().enumerate() {
        let token = account.token.as_str();
        let (unread, done) = &owned[i];
        let (others, _) = &owned[(i + 1) % owned.len()];
        let who = format!("{:?} {}", account.user.role, account.user.email);

        let list = app.get_as(token, NOTIFICATIONS).await;
        assert_eq!(list.status, 200, "{who}: {}", list.body);
        assert_eq!(listed(&list.body), [unread.id, done.id], "{who}: its own, newest first");
        assert_eq!(list.body["total"], 2, "{who}");
        let without_slash = app.get_as(token, NOTIFICATIONS.trim_end_matches('/')).await;
        assert_eq!(without_slash.body["total"], 2, "{who}: with and without the slash (K1)");

        assert_eq!(app.get_as(token, &one(unread.id)).await.body["id"], unread.id.to_string(), "{who}");
        assert_not_found(&app.get_as(token, &one(others.id)).await, &format!("{who} reads another's"));
        assert_not_found(&app.get_as(token, &one(SystemIds.new_id())).await, &format!("{who} reads an unknown"));
        assert_not_found(&put(&app, Some(token), &read(others.id)).await, &format!("{who} marks another's"));
        assert_eq!(app.get_as(token, UNREAD).await.body, json!({"count": 1}), "{who}");

        let marked = put(&app, Some(token), &read(unread.id)).await;
        assert_eq!((marked.status, &marked.body["read"]), (200, &json!(true)), "{who}: {}", marked.body);
        assert_eq!(app.get_as(token, UNREAD).await.body, json!({"count": 0}), "{who}");
        assert_eq!(app.get_as(token, &one(unread.id)).await.body["read"], true, "{who}: persisted");

        let overview = app.get_as(token, OVERVIEW).await;
        assert_eq!(overview.status, 200, "{who}");
        assert_eq!(overview.body["total_notifications"], 2, "{who}");

        insert(&app, &[note(account.user.id, "Encore", "Une autre", "system", 2)]).await;
        let all = put(&app, Some(token), READ_ALL).await;
        assert_eq!((all.status, &all.body), (204, &Value::Null), "{who}");
        assert_eq!(app.get_as(token, UNREAD).await.body, json!({"count": 0}), "{who}: read-all persisted");
        assert_eq!(app.get_as(token, &one(done.id)).await.body["read"], true, "{who}");
        if let Some((next, _)) = owned.get(i + 1) {
            let untouched = NotificationRepository::get(&app.database, next.user_id, next.id).await.unwrap();
            assert_eq!(untouched.map(|n| n.read), Some(false), "{who}: the next account's stays unread");
        }
    }

    let id = owned[0].0.id;
    for (method, path) in [
        (Method::GET, NOTIFICATIONS.to_owned()),
        (Method::GET, one(id)),
        (Method::PUT, read(id)),
        (Method::PUT, READ_ALL.to_owned()),
        (Method::GET, UNREAD.to_owned()),
        (Method::GET, OVERVIEW.to_owned()),
    ] {
        let anonymous = app.call(method.clone(), &path, None, None).await;
        assert_eq!(anonymous.status, 401, "{method} {path}");
        assert_eq!(anonymous.body["code"], "not_authenticated", "{method} {path}");
        let forged = app.call(method.clone(), &path, Some("pas-un-jeton"), None).await;
        assert_eq!(forged.status, 401, "{method} {path} with a bad token");
    }
}

async fn a_status_change_notifies_the_candidate_in_the_legacy_shape(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let (recruiter, candidate) = (&accounts[1], &accounts[3]);
    let job = app.open_offer("Ingénieur réseaux", OfferVisibility::Everyone).await;
    let application = app.seed_application(candidate.user.id, job.id, ApplicationStatus::Candidature).await;
    let path = format!("/api/v1/applications/{}", application.id);
    let moved = app.put_as(&recruiter.token, &path, &json!({"status": "incubation"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    let list = app.get_as(&candidate.token, &format!("{NOTIFICATIONS}?type=application_status_changed")).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let body = list.body.as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["notifications", "page", "per_page", "total", "total_pages"]);
    assert_eq!((&list.body["total"], &list.body["page"]), (&json!(1), &json!(1)));
    assert_eq!((&list.body["per_page"], &list.body["total_pages"]), (&json!(100), &json!(1)));
    assert_eq!(list.total(), Some(1));

    let n = &list.body["notifications"][0];
    let mut fields: Vec<&str> = n.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["created_at", "id", "link", "message", "read", "related_application_id", "title", "type", "user_id"]
    );
    let id: Uuid = n["id"].as_str().expect("the id is a string (F3)").parse().expect("a UUID");
    assert_eq!(n["type"], "application_status_changed");
    assert_eq!(n["user_id"], candidate.user.id.to_string());
    assert_eq!(n["related_application_id"], application.id.to_string());
    assert_eq!(n["read"], false);
    assert!(n["title"].as_str().is_some_and(|t| !t.is_empty()) && n["message"].as_str().is_some());
    assert!(n["link"].is_string() || n["link"].is_null());
    let created = n["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z'), "RFC 3339 UTC (F2): {created}");
    DateTime::parse_from_rfc3339(created).expect("RFC 3339");

    let single = app.get_as(&candidate.token, &one(id)).await;
    assert_eq!(&single.body, n, "the same notification, whole");
    let marked = put(&app, Some(&candidate.token), &read(id)).await;
    let mut expected = n.clone();
    expected["read"] = json!(true);
    assert_eq!(marked.body, expected, "only `read` changes");
    assert_eq!(put(&app, Some(&candidate.token), &read(id)).await.body, expected, "idempotent");
    assert_not_found(&app.get_as(&recruiter.token, &one(id)).await, "staff do not read a candidate's");
}

async fn the_counts_on_a_hand_built_set(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let (me, other) = (&accounts[3], &accounts[4]);
    let mut notes = vec![
        note(me.user.id, "A", "a", "application_submitted", 0),
        note(me.user.id, "B", "b", "application_status_changed", 1),
        note(me.user.id, "C", "c", "application_status_changed", 2),
        note(me.user.id, "D", "d", "interview_scheduled", 3),
        note(me.user.id, "E", "e", "", 4),
    ];
    notes[0].read = true;
    notes[2].read = true;
    insert(&app, &notes).await;
    insert(&app, &[note(other.user.id, "Z", "z", "system", 0)]).await;

    let overview = app.get_as(&me.token, OVERVIEW).await;
    assert_eq!(
        overview.body,
        json!({
            "total_notifications": 5,
            "unread_count": 3,
            "read_count": 2,
            "notifications_by_type": {
                "application_submitted": 1,
                "application_status_changed": 2,
                "interview_scheduled": 1,
                "autre": 1,
            },
        })
    );
    assert_eq!(app.get_as(&me.token, UNREAD).await.body, json!({"count": 3}));
    let untyped = app.get_as(&me.token, &one(notes[4].id)).await;
    assert_eq!(untyped.body["type"], Value::Null, "a notification without a type reads `type: null`");

    let nobody = app.get_as(&accounts[0].token, OVERVIEW).await;
    assert_eq!(
        nobody.body,
        json!({"total_notifications": 0, "unread_count": 0, "read_count": 0, "notifications_by_type": {}})
    );
    let empty = app.get_as(&accounts[0].token, NOTIFICATIONS).await;
    assert_eq!(empty.body, json!({"notifications": [], "total": 0, "page": 1, "per_page": 100, "total_pages": 0}));
}

async fn filters_sort_order_and_pages(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let me = &accounts[3];
    let mut notes = vec![
        note(me.user.id, "Bravo", "Remise de 100% sur l'été", "system", 0),
        note(me.user.id, "Alpha", "Code 50_a", "system", 60 * 24),
        note(me.user.id, "Delta", "Électricité à Libreville", "interview_scheduled", 60 * 24 + 1),
        note(me.user.id, "Charlie", "Rien de spécial", "registration", 60 * 48),
        note(me.user.id, "Echo", "Taux de 50 a", "system", 60 * 48),
    ];
    notes[3].read = true;
    insert(&app, &notes).await;
    let ids = |indexes: &[usize]| indexes.iter().map(|&i| notes[i].id).collect::<Vec<_>>();
    let list = |query: String| {
        let app = &app;
        let token = me.token.clone();
        async move {
            let answer = app.get_as(&token, &format!("{NOTIFICATIONS}?{query}")).await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.body);
            answer.body
        }
    };
    let [t1, t2] = if notes[3].id < notes[4].id { [3, 4] } else { [4, 3] };

    assert_eq!(listed(&list(String::new()).await), ids(&[t2, t1, 2, 1, 0]), "newest first, ties by id");
    assert_eq!(listed(&list("order=asc".into()).await), ids(&[0, 1, 2, t1, t2]));
    assert_eq!(listed(&list("sort=title&order=asc".into()).await), ids(&[1, 0, 3, 2, 4]));
    assert_eq!(listed(&list("sort=title".into()).await), ids(&[4, 2, 3, 0, 1]), "desc by default");
    assert_eq!(listed(&list("unread_only=true".into()).await), ids(&[4, 2, 1, 0]));
    assert_eq!(listed(&list("unread_only=false".into()).await).len(), 5);
    assert_eq!(listed(&list("type=system".into()).await), ids(&[4, 1, 0]));
    assert_eq!(listed(&list("q=ELECTRICITE".into()).await), ids(&[2]), "case and accents ignored");
    assert_eq!(listed(&list("q=100%25".into()).await), ids(&[0]), "% literal");
    assert_eq!(listed(&list("q=50_".into()).await), ids(&[1]), "_ literal");
    assert_eq!(listed(&list("q=l'%C3%A9t%C3%A9".into()).await), ids(&[0]), "' literal");
    assert!(listed(&list("q=%27%20OR%201%3D1%20--".into()).await).is_empty());
    assert_eq!(listed(&list("q=alpha".into()).await), ids(&[1]), "in the title");
    let day = |d: i64| (base_time() + TimeDelta::days(d)).format("%Y-%m-%d").to_string();
    assert_eq!(listed(&list(format!("date_from={}", day(1))).await), ids(&[t2, t1, 2, 1]), "from a day's start");
    assert_eq!(listed(&list(format!("date_to={}", day(1))).await), ids(&[2, 1, 0]), "to a day's end");
    let instant = (at(60 * 24 + 1)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert_eq!(listed(&list(format!("date_to={instant}")).await), ids(&[2, 1, 0]), "an instant, inclusive");
    let offset = (at(60 * 24 + 1)).with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap()).to_rfc3339();
    let offset = offset.replace('+', "%2B");
    assert_eq!(listed(&list(format!("date_from={offset}")).await), ids(&[t2, t1, 2]), "an offset");
    let combined = format!("unread_only=true&type=system&q=50&date_from={}&sort=title&order=asc", day(1));
    assert_eq!(listed(&list(combined).await), ids(&[1, 4]));

    let page = list("skip=2&limit=2".into()).await;
    assert_eq!(listed(&page), ids(&[2, 1]));
    assert_eq!(
        (&page["total"], &page["page"], &page["per_page"], &page["total_pages"]),
        (&json!(5), &json!(2), &json!(2), &json!(3))
    );
    let past = list(format!("skip={}&limit=1000", i64::MAX)).await;
    assert_eq!((listed(&past).len(), &past["total"]), (0, &json!(5)), "far past the end: empty, true total");
    let last = list("skip=4&limit=1000".into()).await;
    assert_eq!((listed(&last), &last["total_pages"]), (ids(&[0]), &json!(1)));
}

async fn bad_query_values_are_422_naming_the_field(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let token = &accounts[3].token;
    let long = "a".repeat(201);
    let cases: Vec<(String, &str, &str)> = vec![
        ("limit=0".into(), "query.limit", "doit être supérieur ou égal à 1"),
        ("limit=1001".into(), "query.limit", "doit être inférieur ou égal à 1000"),
        ("skip=-1".into(), "query.skip", "doit être supérieur ou égal à 0"),
        ("skip=99999999999999999999".into(), "query.skip", "doit être un nombre entier"),
        ("limit=dix".into(), "query.limit", "doit être un nombre entier"),
        ("unread_only=peut-etre".into(), "query.unread_only", "valeurs admises : true, false, 1, 0"),
        ("sort=priority".into(), "query.sort", "valeurs admises : created_at, title"),
        ("order=up".into(), "query.order", "valeurs admises : asc, desc"),
        ("date_from=hier".into(), "query.date_from", "date attendue"),
        ("date_to=2026-13-01".into(), "query.date_to", "date attendue"),
        (format!("q={long}"), "query.q", "doit faire au plus 200 caractères"),
        ("q=a%00b".into(), "query.q", "ne doit pas contenir de caractère de contrôle"),
        (format!("type={}", "t".repeat(51)), "query.type", "doit faire au plus 50 caractères"),
    ];
    for (query, field, message) in cases {
        let answer = app.get_as(token, &format!("{NOTIFICATIONS}?{query}")).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(answer.body["code"], "validation_error", "{query}");
        assert_eq!(answer.body["errors"][0]["field"], field, "{query}: {}", answer.body);
        let said = answer.body["errors"][0]["message"].as_str().unwrap();
        assert!(said.starts_with(message), "{query}: « {said} »");
    }
    let huge = app.get_as(token, &format!("{NOTIFICATIONS}?q={}", "x".repeat(10_000))).await;
    assert_eq!((huge.status, &huge.body["errors"][0]["field"]), (422, &json!("query.q")), "a huge q");

    let all = app.get_as(token, &format!("{NOTIFICATIONS}?limit=0&skip=-1&sort=x&date_from=y")).await;
    let fields: Vec<&str> =
        all.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["query.skip", "query.limit", "query.date_from", "query.sort"], "every bad value at once");
}

async fn path_ids_are_read_strictly(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let me = &accounts[3];
    let mine = note(me.user.id, "À moi", "Message", "system", 0);
    insert(&app, std::slice::from_ref(&mine)).await;

    for raw in ["42", "pas-un-uuid", "%2e%2e%2f%2e%2e", "%27%20OR%201%3D1", "stats"] {
        let answer = app.get_as(&me.token, &format!("/api/v1/notifications/{raw}")).await;
        assert_eq!(answer.status, 422, "{raw}: {}", answer.body);
        assert_eq!(answer.body["errors"][0]["field"], "path.notification_id", "{raw}");
        assert_eq!(answer.body["errors"][0]["message"], "doit être un identifiant UUID", "{raw}");
        let marked = put(&app, Some(&me.token), &format!("/api/v1/notifications/{raw}/read")).await;
        assert_eq!(marked.status, 422, "PUT {raw}");
    }
    // A path of dot segments is resolved by the client before it is sent: no notification route answers it.
    let dots = app.get_as(&me.token, "/api/v1/notifications/%2e%2e").await;
    assert_eq!(dots.status, 404, "{}", dots.body);
    assert_eq!(dots.body["code"], "route_not_found");

    // The same id however a UUID is spelt (the one reading of path ids of every route).
    let upper = mine.id.to_string().to_uppercase();
    for spelt in [upper.clone(), format!("%7B{}%7D", mine.id), mine.id.simple().to_string()] {
        let answer = app.get_as(&me.token, &format!("/api/v1/notifications/{spelt}")).await;
        assert_eq!((answer.status, &answer.body["id"]), (200, &json!(mine.id.to_string())), "{spelt}");
    }
    assert_not_found(&app.get_as(&accounts[4].token, &format!("/api/v1/notifications/{upper}")).await, "another's");

    // Fixed paths are not ids, and answer their own methods only.
    assert_eq!(app.get_as(&me.token, READ_ALL).await.status, 405);
    assert_eq!(put(&app, Some(&me.token), &format!("{READ_ALL}/")).await.status, 204);
    assert_eq!(app.post_as(&me.token, NOTIFICATIONS, &json!({})).await.status, 405);
    assert_eq!(put(&app, Some(&me.token), UNREAD).await.status, 405);
    assert_eq!(app.get_as(&me.token, &format!("{UNREAD}/")).await.body, json!({"count": 0}));
}

async fn concurrent_reads_and_read_all_persist(backend: Backend) {
    let World { app, accounts } = World::new(backend).await;
    let (me, other) = (&accounts[3], &accounts[4]);
    let notes: Vec<Notification> =
        (0..12).map(|i| note(me.user.id, &format!("N{i}"), "Message", "system", i)).collect();
    let theirs = note(other.user.id, "Pas à moi", "Message", "system", 0);
    insert(&app, &notes).await;
    insert(&app, std::slice::from_ref(&theirs)).await;

    let reads = notes.iter().map(|n| {
        let (app, path) = (&app, read(n.id));
        async move { put(app, Some(&me.token), &path).await }
    });
    let alls = (0..3).map(|_| put(&app, Some(&me.token), READ_ALL));
    let (reads, alls) = tokio::join!(join_all(reads), join_all(alls));
    assert!(
        reads.iter().all(|a| a.status == 200 && a.body["read"] == true),
        "every read answers the read notification"
    );
    assert!(alls.iter().all(|a| a.status == 204));

    assert_eq!(app.get_as(&me.token, UNREAD).await.body, json!({"count": 0}));
    let list = app.get_as(&me.token, &format!("{NOTIFICATIONS}?unread_only=true")).await;
    assert_eq!(list.body["total"], 0);
    assert_eq!(app.get_as(&other.token, UNREAD).await.body, json!({"count": 1}), "another's untouched");
}

on_backends!(Sqlite, Postgres =>
    every_role_reads_and_marks_its_own_notifications_only,
    a_status_change_notifies_the_candidate_in_the_legacy_shape,
    the_counts_on_a_hand_built_set,
    filters_sort_order_and_pages,
    bad_query_values_are_422_naming_the_field,
    path_ids_are_read_strictly,
    concurrent_reads_and_read_all_persist,
);
