//! The API description: OpenAPI, Swagger UI and ReDoc served from vendored assets, and a snapshot of the
//! contract so that any change to it shows in review (CONVENTIONS 12). `UPDATE_SNAPSHOTS=1` rewrites it.

use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp};

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/openapi.json");

#[tokio::test]
async fn openapi_matches_the_reviewed_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let Answer { status, body: served, .. } = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(SNAPSHOT, &pretty).unwrap();
    }
    let reviewed = std::fs::read_to_string(SNAPSHOT).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert_eq!(pretty, reviewed, "the API contract changed: review it, then UPDATE_SNAPSHOTS=1");
}

#[tokio::test]
async fn every_operation_has_an_id_a_tag_and_documents_its_errors() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app.get_json("/openapi.json").await.body;
    let paths = doc["paths"].as_object().unwrap();
    for path in ["/api/v1/public/jobs", "/api/v1/public/jobs/count", "/api/v1/public/jobs/{job_id}", "/health"] {
        assert!(paths.contains_key(path), "{path} undocumented");
    }
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert!(operation["operationId"].is_string(), "{method} {path}: operationId");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path}: tag");
        }
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    let description = doc["info"]["description"].as_str().unwrap();
    assert!(description.contains("`route_not_found`"), "the error-code catalogue is published");
}

/// The links between operations (an offer created, then read, changed, deleted; an application submitted, then
/// moved; …), which clients and the schema fuzzing's stateful phase follow, name operations that exist and fill one of
/// their path parameters (issue 18).
#[tokio::test]
async fn every_link_names_an_operation_and_one_of_its_path_parameters() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let doc = app.get_json("/openapi.json").await.body;
    let mut operations = std::collections::HashMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for operation in item.as_object().unwrap().values() {
            operations.insert(operation["operationId"].as_str().unwrap().to_owned(), path.clone());
        }
    }
    let mut links = 0;
    for item in doc["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for response in operation["responses"].as_object().unwrap().values() {
                for link in response["links"].as_object().into_iter().flat_map(|l| l.values()) {
                    let target = link["operationId"].as_str().unwrap();
                    let path = operations.get(target).unwrap_or_else(|| panic!("link to unknown {target}"));
                    for parameter in link["parameters"].as_object().unwrap().keys() {
                        assert!(path.contains(&format!("{{{parameter}}}")), "{target} ({path}) has no {parameter}");
                    }
                    links += 1;
                }
            }
        }
    }
    assert!(links >= 19, "the links are declared ({links})");
}

#[tokio::test]
async fn swagger_ui_and_redoc_are_served_without_any_cdn() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status(), 301);
    assert_eq!(redirect.headers()["location"], "/docs/");

    let swagger = app.get("/docs/").await;
    assert_eq!(swagger.status(), 200);
    let html = swagger.text().await.unwrap();
    assert!(html.contains("swagger"), "Swagger UI page");
    for asset in ["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js"] {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    let initializer = app.get("/docs/swagger-initializer.js").await.text().await.unwrap();
    assert!(initializer.contains("/openapi.json"));

    let redoc = app.get("/redoc").await;
    assert_eq!(redoc.status(), 200);
    let html = redoc.text().await.unwrap();
    assert!(html.contains("spec-url=\"/openapi.json\""));
    assert!(!html.contains("https://"), "no external asset");
    let js = app.get("/redoc/redoc.standalone.js").await;
    assert_eq!(js.status(), 200);
    assert!(js.bytes().await.unwrap().len() > 500_000);
}
