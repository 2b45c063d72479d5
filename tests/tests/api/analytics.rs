//! Recruitment analytics over HTTP (B5): the exact figures of a hand-built history (`seeg_tests::analytics`, whose
//! doc computes them) in JSON and in CSV (parsed back: the same numbers), the filters, staff only (S3), and every
//! bad parameter a 422 naming its field (F1), never a 500.

use reqwest::header::{ACCEPT, CONTENT_TYPE};
use seeg_domain::identity::Role;
use seeg_tests::analytics::{DAY, History, seed};
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const ROUTES: [&str; 3] =
    ["/api/v1/analytics/funnel", "/api/v1/analytics/time-to-hire", "/api/v1/analytics/stage-durations"];

async fn world(backend: Backend) -> (TestApp, History, String) {
    let app = TestApp::spawn(backend).await;
    let history = seed(&app.database).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    (app, history, admin)
}

/// `tenths` tenths of a day: seconds and days as the routes write them.
fn durations(count: u64, median: u32, p90: u32) -> Value {
    let seconds = |tenths: u32| f64::from(tenths) * DAY / 10.0;
    let days = |tenths: u32| f64::from(tenths) / 10.0;
    json!({"count": count, "median_seconds": seconds(median), "p90_seconds": seconds(p90),
        "median_days": days(median), "p90_days": days(p90)})
}

fn no_durations() -> Value {
    json!({"count": 0, "median_seconds": null, "p90_seconds": null, "median_days": null, "p90_days": null})
}

fn stage(status: &str, reached: u64, current: u64, conversion: Option<f64>, share: Option<f64>) -> Value {
    json!({"status": status, "reached": reached, "current": current, "conversion_from_previous": conversion,
        "share_of_submitted": share})
}

async fn csv_of(app: &TestApp, token: &str, path: &str) -> (String, Vec<Vec<String>>) {
    let response =
        app.client.get(app.url(path)).bearer_auth(token).header(ACCEPT, "text/csv").send().await.expect("request");
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let content_type = response.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    let text = response.text().await.unwrap();
    assert!(text.ends_with("\r\n"), "RFC 4180 line ends: {text:?}");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (content_type, rows)
}

async fn staff_read_the_exact_figures_of_a_known_history(backend: Backend) {
    let (app, h, admin) = world(backend).await;

    let Answer { status, body, .. } = app.get_as(&admin, "/api/v1/analytics/funnel").await;
    assert_eq!(status, 200, "{body}");
    let funnel = json!({
        "scope": {"job_offer_id": null, "from": null, "to": null},
        "submitted": 10,
        "stages": [
            stage("candidature", 10, 1, None, Some(100.0)),
            stage("incubation", 8, 1, Some(80.0), Some(80.0)),
            stage("entretien_programme", 6, 1, Some(75.0), Some(60.0)),
            stage("simulation_programmee", 4, 0, Some(66.67), Some(40.0)),
            stage("embauche", 4, 4, Some(100.0), Some(40.0)),
            stage("refuse", 3, 2, None, Some(30.0)),
            stage("retiree", 1, 1, None, Some(10.0)),
        ],
    });
    assert_eq!(body, funnel);

    let Answer { status, body, .. } = app.get_as(&admin, "/api/v1/analytics/time-to-hire/").await;
    assert_eq!(status, 200, "K1: with the trailing slash too: {body}");
    let [a, _, c, d] = &h.offers;
    let water = "Direction de l'Eau";
    let hires = json!({
        "scope": {"job_offer_id": null, "from": null, "to": null},
        "overall": durations(4, 105, 117),
        "by_offer": [
            {"job_offer_id": a.id, "title": "Chef de réseau", "department": water, "durations": durations(2, 110, 118)},
            {"job_offer_id": d.id, "title": "Juriste", "department": null, "durations": durations(1, 110, 110)},
            {"job_offer_id": c.id, "title": "Technicien de maintenance", "department": water,
             "durations": durations(1, 100, 100)},
        ],
        "by_department": [
            {"department": null, "durations": durations(1, 110, 110)},
            {"department": water, "durations": durations(3, 100, 116)},
        ],
    });
    assert_eq!(body, hires);

    let Answer { status, body, .. } = app.get_as(&admin, "/api/v1/analytics/stage-durations").await;
    assert_eq!(status, 200, "{body}");
    let stages = json!({
        "scope": {"job_offer_id": null, "from": null, "to": null},
        "stages": [
            {"status": "candidature", "durations": durations(9, 20, 52)},
            {"status": "incubation", "durations": durations(7, 20, 44)},
            {"status": "entretien_programme", "durations": durations(5, 20, 36)},
            {"status": "simulation_programmee", "durations": durations(4, 25, 51)},
        ],
    });
    assert_eq!(body, stages);
}

/// A CSV cell as the JSON value it stands for: empty is `null`, else a number.
fn number(cell: &str) -> Value {
    if cell.is_empty() { Value::Null } else { json!(cell.parse::<f64>().unwrap()) }
}

fn same_number(json: &Value, cell: &str) -> bool {
    match (json.as_f64(), number(cell).as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => json.is_null() && cell.is_empty(),
        _ => false,
    }
}

async fn csv_answers_carry_the_same_numbers_as_json(backend: Backend) {
    let (app, h, admin) = world(backend).await;

    let json = app.get_as(&admin, "/api/v1/analytics/funnel").await.body;
    let (content_type, rows) = csv_of(&app, &admin, "/api/v1/analytics/funnel").await;
    assert_eq!(content_type, "text/csv; charset=utf-8");
    assert_eq!(rows[0], ["status", "reached", "current", "conversion_from_previous", "share_of_submitted"]);
    assert_eq!(rows.len(), 8, "a header and seven stages");
    for (row, stage) in rows[1..].iter().zip(json["stages"].as_array().unwrap()) {
        assert_eq!(row[0], stage["status"].as_str().unwrap());
        for (i, key) in ["reached", "current", "conversion_from_previous", "share_of_submitted"].iter().enumerate() {
            assert!(same_number(&stage[key], &row[i + 1]), "{key}: {} vs {:?}", stage[key], row[i + 1]);
        }
    }

    let json = app.get_as(&admin, "/api/v1/analytics/time-to-hire").await.body;
    let (_, rows) = csv_of(&app, &admin, "/api/v1/analytics/time-to-hire").await;
    let columns = ["count", "median_seconds", "p90_seconds", "median_days", "p90_days"];
    let mut header = vec!["group", "job_offer_id", "title", "department"];
    header.extend(columns);
    assert_eq!(rows[0], header);
    let mut expected = vec![("overall", String::new(), String::new(), String::new(), &json["overall"])];
    for d in json["by_department"].as_array().unwrap() {
        let department = d["department"].as_str().unwrap_or_default().to_owned();
        expected.push(("department", String::new(), String::new(), department, &d["durations"]));
    }
    for o in json["by_offer"].as_array().unwrap() {
        let (id, title) = (o["job_offer_id"].as_str().unwrap().to_owned(), o["title"].as_str().unwrap().to_owned());
        let department = o["department"].as_str().unwrap_or_default().to_owned();
        expected.push(("offer", id, title, department, &o["durations"]));
    }
    assert_eq!(rows.len(), 1 + expected.len(), "overall, 2 departments, 3 offers");
    for (row, (group, id, title, department, figures)) in rows[1..].iter().zip(&expected) {
        assert_eq!((&row[0], &row[1], &row[2], &row[3]), (&group.to_string(), id, title, department));
        for (i, key) in columns.iter().enumerate() {
            assert!(same_number(&figures[key], &row[i + 4]), "{group} {key}: {} vs {:?}", figures[key], row[i + 4]);
        }
    }
    assert_eq!(rows[3][3], "Direction de l'Eau", "text with an apostrophe reads back whole");
    assert_eq!(rows[4][2], "Chef de réseau", "UTF-8");

    let json = app.get_as(&admin, "/api/v1/analytics/stage-durations").await.body;
    let (_, rows) = csv_of(&app, &admin, "/api/v1/analytics/stage-durations").await;
    assert_eq!(rows[0], ["status", "count", "median_seconds", "p90_seconds", "median_days", "p90_days"]);
    assert_eq!(rows.len(), 5);
    for (row, stage) in rows[1..].iter().zip(json["stages"].as_array().unwrap()) {
        assert_eq!(row[0], stage["status"].as_str().unwrap());
        for (i, key) in columns.iter().enumerate() {
            assert!(same_number(&stage["durations"][key], &row[i + 1]), "{key}");
        }
    }

    // No hire: empty cells where JSON has null. Accept ranking: CSV only when preferred to JSON.
    let b = &h.offers[1];
    let (_, rows) = csv_of(&app, &admin, &format!("/api/v1/analytics/time-to-hire?job_offer_id={}", b.id)).await;
    assert_eq!(
        rows,
        [
            header.iter().map(ToString::to_string).collect::<Vec<_>>(),
            vec![
                "overall".into(),
                String::new(),
                String::new(),
                String::new(),
                "0".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new()
            ]
        ]
    );
    let preferred_json = app
        .client
        .get(app.url("/api/v1/analytics/funnel"))
        .bearer_auth(&admin)
        .header(ACCEPT, "application/json, text/csv;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(preferred_json.headers()[CONTENT_TYPE], "application/json");
}

async fn filters_choose_the_applications_by_offer_and_submission(backend: Backend) {
    let (app, h, admin) = world(backend).await;
    let a = h.offers[0].id;

    let path = format!("/api/v1/analytics/funnel?job_offer_id={a}");
    let Answer { status, body, .. } = app.get_as(&admin, &path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], json!({"job_offer_id": a, "from": null, "to": null}));
    let reached: Vec<u64> = body["stages"].as_array().unwrap().iter().map(|s| s["reached"].as_u64().unwrap()).collect();
    assert_eq!((body["submitted"].as_u64(), reached), (Some(5), vec![5, 5, 4, 2, 2, 2, 0]));

    // `to` as a bare day includes that day (UTC); a10 (day 40, 11 April) is out.
    let body = app.get_as(&admin, "/api/v1/analytics/funnel?to=2026-03-31").await.body;
    assert_eq!(body["scope"]["to"], "2026-03-31T23:59:59.999999Z");
    let conversions: Vec<Value> =
        body["stages"].as_array().unwrap().iter().map(|s| s["conversion_from_previous"].clone()).collect();
    assert_eq!(
        conversions,
        [Value::Null, json!(77.78), json!(71.43), json!(80.0), json!(100.0), Value::Null, Value::Null]
    );

    // `from` as an instant with an offset (`+` sent as `%2B`), inclusive: day 2 at 09:00 UTC is a3's submission.
    let body = app.get_as(&admin, "/api/v1/analytics/funnel?from=2026-03-04T10:00:00%2B01:00").await.body;
    assert_eq!((body["submitted"].as_u64(), body["scope"]["from"].as_str()), (Some(8), Some("2026-03-04T09:00:00Z")));

    let body = app.get_as(&admin, "/api/v1/analytics/time-to-hire?from=2026-03-02&to=2026-03-04").await.body;
    assert_eq!(body["overall"], durations(2, 110, 118), "a1 and a2 hired; a3 refused");

    let path = format!("/api/v1/analytics/stage-durations?job_offer_id={a}");
    let body = app.get_as(&admin, &path).await.body;
    let figures: Vec<Value> = body["stages"].as_array().unwrap().iter().map(|s| s["durations"].clone()).collect();
    assert_eq!(figures, [durations(5, 20, 46), durations(4, 15, 27), durations(3, 30, 38), durations(2, 35, 55)]);

    let body = app.get_as(&admin, "/api/v1/analytics/stage-durations?from=2027-01-01").await.body;
    assert!(body["stages"].as_array().unwrap().iter().all(|s| s["durations"] == no_durations()), "{body}");
}

async fn only_staff_read_analytics(backend: Backend) {
    let (app, h, admin) = world(backend).await;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let recruiter = app.sign_in_as(&h.recruiter).await;
    let candidate = app.sign_in_as(&h.candidates[0]).await;
    for path in ROUTES {
        for token in [&admin, &observer, &recruiter] {
            let Answer { status, body, .. } = app.get_as(token, path).await;
            assert_eq!(status, 200, "{path}: {body}");
        }
        let Answer { status, body, .. } = app.get_as(&candidate, path).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "S3: {path}");
        let Answer { status, body, .. } = app.get_json(path).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("not_authenticated")), "{path}");
    }
}

fn fields(body: &Value) -> Vec<&str> {
    body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect()
}

async fn bad_parameters_are_422_naming_their_field(backend: Backend) {
    let (app, _h, admin) = world(backend).await;
    for route in ROUTES {
        for (query, expected) in [
            ("job_offer_id=pas-un-uuid", vec!["query.job_offer_id"]),
            ("from=2026-13-01", vec!["query.from"]),
            ("to=demain", vec!["query.to"]),
            ("from=2026-03-02T25:00:00Z", vec!["query.from"]),
            ("from=2026-04-01&to=2026-03-01", vec!["query.to"]),
            ("job_offer_id=1&from=x&to=y", vec!["query.job_offer_id", "query.from", "query.to"]),
        ] {
            let Answer { status, body, .. } = app.get_as(&admin, &format!("{route}?{query}")).await;
            assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")), "{route}?{query}: {body}");
            assert_eq!(fields(&body), expected, "{route}?{query}");
            assert_eq!(body["status"], 422);
            assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()) && body["request_id"].is_string());
        }
        let Answer { status, .. } = app.get_as(&admin, &format!("{route}?from=2026-03-02&to=2026-03-02")).await;
        assert_eq!(status, 200, "one day is a period");
        let Answer { status, .. } = app.get_as(&admin, &format!("{route}?job_offer_id=&from=&to=")).await;
        assert_eq!(status, 200, "blank is no filter");
    }
}

on_backends!(Sqlite, Postgres =>
    staff_read_the_exact_figures_of_a_known_history,
    csv_answers_carry_the_same_numbers_as_json,
    filters_choose_the_applications_by_offer_and_submission,
    only_staff_read_analytics,
    bad_parameters_are_422_naming_their_field,
);
