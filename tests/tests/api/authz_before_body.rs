//! Authentication and the role check come before the body (S3): on every write route that takes a JSON body, a
//! caller who may not act at all gets 401/403 (404 where S3 hides another account from a candidate), never
//! the 422 of a malformed body or the 413 of an oversized one. The upload routes are proved in their own files.

use reqwest::Method;
use seeg_tests::{Backend, TestApp, on_backends};
use uuid::Uuid;

use super::permissions::Who;

/// A body larger than every JSON route's limit here (drafts take the most, about 528 KiB).
const OVERSIZED: usize = 700 * 1024;

/// One write route and the callers it refuses whatever their body says, with the status each gets.
struct Row {
    method: Method,
    path: String,
    refused: Vec<(Who, u16)>,
}

fn rows() -> Vec<Row> {
    // No resource behind it: the refusals below do not depend on one.
    let id = Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0001);
    let row = |method: Method, path: String, refused: &[(Who, u16)]| Row { method, path, refused: refused.to_vec() };
    let not_staff = [(Who::Anonymous, 401), (Who::Candidate, 403), (Who::Observer, 403)];
    let staff_only = [(Who::Anonymous, 401), (Who::Observer, 403), (Who::Recruiter, 403), (Who::Admin, 403)];
    vec![
        row(Method::POST, "/api/v1/jobs".to_owned(), &not_staff),
        row(Method::PUT, format!("/api/v1/jobs/{id}"), &not_staff),
        row(
            Method::PUT,
            format!("/api/v1/users/{id}"),
            &[(Who::Anonymous, 401), (Who::Candidate, 404), (Who::Observer, 403), (Who::Recruiter, 403)],
        ),
        row(
            Method::POST,
            "/api/v1/auth/create-user".to_owned(),
            &[(Who::Anonymous, 401), (Who::Candidate, 403), (Who::Observer, 403), (Who::Recruiter, 403)],
        ),
        row(Method::PUT, "/api/v1/users/me/profile".to_owned(), &staff_only),
        row(Method::POST, "/api/v1/applications/drafts/by-offer".to_owned(), &staff_only),
        row(Method::POST, format!("/api/v1/applications/{id}/draft"), &staff_only),
        row(Method::POST, "/api/v1/access-requests/approve".to_owned(), &not_staff),
        row(Method::POST, "/api/v1/access-requests/reject".to_owned(), &not_staff),
        row(Method::PUT, format!("/api/v1/applications/{id}"), &[(Who::Anonymous, 401), (Who::Observer, 403)]),
        // S3: an application a candidate cannot reach does not exist for it (404); its own is 403.
        row(
            Method::POST,
            format!("/api/v1/applications/{id}/history"),
            &[(Who::Anonymous, 401), (Who::Candidate, 404), (Who::Observer, 403)],
        ),
        row(Method::POST, "/api/v1/evaluations/protocol1".to_owned(), &not_staff),
        row(Method::PUT, format!("/api/v1/evaluations/protocol1/{id}"), &not_staff),
        row(Method::POST, "/api/v1/evaluations/protocol2".to_owned(), &not_staff),
        row(Method::PUT, format!("/api/v1/evaluations/protocol2/{id}"), &not_staff),
        row(Method::PUT, "/api/v1/users/me".to_owned(), &[(Who::Anonymous, 401)]),
        row(Method::POST, "/api/v1/auth/change-password".to_owned(), &[(Who::Anonymous, 401)]),
        row(Method::POST, "/api/v1/emails/send".to_owned(), &not_staff),
        row(Method::POST, "/api/v1/emails/send-interview-email".to_owned(), &not_staff),
        row(Method::PUT, "/api/v1/users/me/notification-settings".to_owned(), &[(Who::Anonymous, 401)]),
    ]
}

async fn status_of(app: &TestApp, row: &Row, token: Option<&str>, body: Vec<u8>) -> (u16, String) {
    let mut request = app
        .client
        .request(row.method.clone(), app.url(&row.path))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn a_caller_who_may_not_act_is_refused_before_its_body_is_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut tokens = Vec::new();
    for (who, email) in [
        (Who::Candidate, "candidat@example.com"),
        (Who::Observer, "observateur@seeg-gabon.com"),
        (Who::Recruiter, "recruteur@seeg-gabon.com"),
        (Who::Admin, "admin@seeg-gabon.com"),
    ] {
        let role = who.role().expect("a signed-in caller");
        tokens.push((who, app.token_for(role, email).await.token));
    }
    let token_of = |who: Who| tokens.iter().find(|(w, _)| *w == who).map(|(_, t)| t.as_str());

    let mut mismatches = Vec::new();
    for row in rows() {
        for &(who, expected) in &row.refused {
            for (kind, body) in [
                ("malformed", b"{\"oops".to_vec()),
                ("oversized", format!("\"{}\"", "x".repeat(OVERSIZED)).into_bytes()),
            ] {
                let (status, answer) = status_of(&app, &row, token_of(who), body).await;
                if status != expected {
                    mismatches.push(format!(
                        "{} {} {who:?} {kind}: {status} (want {expected}) {answer}",
                        row.method, row.path
                    ));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

on_backends!(Sqlite, Postgres => a_caller_who_may_not_act_is_refused_before_its_body_is_read);
