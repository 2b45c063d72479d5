//! The evaluation routes (legacy §1.8, I6, S3): who may call each, scores 0..20 with at most 2 decimals on create
//! and update (422 naming the field), the overall score from the default and the configured weights, one
//! evaluation per protocol per application (409, also under concurrent creations), 404 and 422 on ids, scores as
//! JSON numbers (F3), the history of edits, and the notification of a completed evaluation (R32).

use reqwest::Method;
use seeg_application::outbox::HandlerRegistry;
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::evaluations::Protocol;
use seeg_domain::identity::Role;
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, on_backends, ports_of};
use serde_json::{Value, json};
use uuid::Uuid;

const P1: &str = "/api/v1/evaluations/protocol1";
const P2: &str = "/api/v1/evaluations/protocol2";
const STATS: &str = "/api/v1/evaluations/stats/overview";

/// The staff, two candidates, and an offer of `recruiter`.
struct Desk {
    app: TestApp,
    admin: SignedIn,
    /// Owns `offer`.
    recruiter: SignedIn,
    observer: SignedIn,
    candidate: SignedIn,
    other_candidate: SignedIn,
    offer: Uuid,
}

impl Desk {
    async fn new(app: TestApp) -> Self {
        let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
        let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
        let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await;
        let candidate = app.token_for(Role::Candidate, "candidat@example.com").await;
        let other_candidate = app.token_for(Role::Candidate, "autre.candidat@example.com").await;
        let mut job = offer("Ingénieur réseaux", 0);
        job.recruiter_id = Some(recruiter.user.id);
        app.insert_offers(std::slice::from_ref(&job)).await;
        Self { app, admin, recruiter, observer, candidate, other_candidate, offer: job.id }
    }

    /// A new application to the recruiter's offer, by a new candidate (one application per candidate and offer,
    /// I4): its id.
    async fn application(&self) -> Uuid {
        let n = SystemIds.new_id().simple().to_string();
        let applicant = self.app.insert_account(Role::Candidate, &format!("c{n}@example.com")).await;
        self.app.seed_application(applicant.id, self.offer, ApplicationStatus::Candidature).await.id
    }

    async fn call(&self, method: Method, path: &str, who: Option<&SignedIn>, body: Option<&Value>) -> Answer {
        self.app.call(method, path, who.map(|s| s.token.as_str()), body).await
    }

    /// Creates an evaluation as `who`, which must succeed: its body.
    async fn created(&self, who: &SignedIn, collection: &str, body: &Value) -> Value {
        let answer = self.app.post_as(&who.token, collection, body).await;
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body
    }
}

fn id_of(body: &Value) -> String {
    body["id"].as_str().expect("an id").to_owned()
}

/// The fields of a 422, in order.
fn fields(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["code"], "validation_error");
    let errors = answer.body["errors"].as_array().expect("errors");
    errors.iter().map(|e| e["field"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn every_route_answers_each_role_as_s3_says(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let application = d.application().await;
    let p1 = id_of(&d.created(&d.admin, P1, &json!({"application_id": application})).await);
    let p2 = id_of(&d.created(&d.admin, P2, &json!({"application_id": application})).await);
    let callers: [(&str, Option<&SignedIn>); 6] = [
        ("anonymous", None),
        ("candidate", Some(&d.candidate)),
        ("other candidate", Some(&d.other_candidate)),
        ("observer", Some(&d.observer)),
        ("recruiter", Some(&d.recruiter)),
        ("admin", Some(&d.admin)),
    ];
    let write = [401, 403, 403, 403, 200, 200];
    let read = [401, 403, 403, 200, 200, 200];
    let edit = json!({"cv_comments": "Relu"});
    let visit = json!({"visit_notes": "Visite faite"});
    let rows: Vec<(Method, String, Option<&Value>, [u16; 6])> = vec![
        (Method::GET, format!("{P1}/{p1}"), None, read),
        (Method::PUT, format!("{P1}/{p1}"), Some(&edit), write),
        (Method::GET, format!("{P1}/application/{application}"), None, read),
        (Method::GET, format!("{P2}/{p2}"), None, read),
        (Method::PUT, format!("{P2}/{p2}"), Some(&visit), write),
        (Method::GET, format!("{P2}/application/{application}"), None, read),
        (Method::GET, STATS.to_owned(), None, read),
    ];
    let mut mismatches = Vec::new();
    for (method, path, body, expected) in rows {
        for ((name, who), want) in callers.iter().zip(expected) {
            let got = d.call(method.clone(), &path, *who, body).await;
            if got.status != want {
                mismatches.push(format!("{method} {path} as {name}: expected {want}, got {} {}", got.status, got.body));
            }
        }
    }
    // Creations, each on an application of its own so that the allowed ones succeed.
    for collection in [P1, P2] {
        for ((name, who), want) in callers.iter().zip([401, 403, 403, 403, 201, 201]) {
            let body = json!({"application_id": d.application().await});
            let got = d.call(Method::POST, collection, *who, Some(&body)).await;
            if got.status != want {
                mismatches
                    .push(format!("POST {collection} as {name}: expected {want}, got {} {}", got.status, got.body));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The refusals say why, with the F1 body.
    let refused = d.call(Method::GET, &format!("{P1}/{p1}"), Some(&d.candidate), None).await;
    assert_eq!(refused.body["code"], "forbidden");
    let listed = d.app.get_as(&d.observer.token, &format!("{P1}/application/{application}")).await;
    assert_eq!(listed.body.as_array().map(Vec::len), Some(1), "{}", listed.body);
}

async fn scores_outside_0_20_or_with_3_decimals_are_422_naming_the_field(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let application = d.application().await;
    let bad = [json!(-1), json!(20.001), json!(21), json!("abc"), json!("NaN"), json!("Infinity"), json!("1e1")];
    for value in &bad {
        let sent = json!({"application_id": application, "cv_score": value});
        let answer = d.app.post_as(&d.recruiter.token, P1, &sent).await;
        assert_eq!(fields(&answer), ["body.cv_score"], "{value}");
        let sent = json!({"application_id": application, "qcm_codir_score": value});
        assert_eq!(fields(&d.app.post_as(&d.recruiter.token, P2, &sent).await), ["body.qcm_codir_score"], "{value}");
    }
    // Nothing was created by the refused requests.
    let listed = d.app.get_as(&d.recruiter.token, &format!("{P1}/application/{application}")).await;
    assert_eq!(listed.body, json!([]));
    let p1 = d.created(&d.recruiter, P1, &json!({"application_id": application, "cv_score": 0, "mtp_score": 20})).await;
    assert_eq!((p1["cv_score"].as_f64(), p1["mtp_score"].as_f64()), (Some(0.0), Some(20.0)));
    let p2 = d.created(&d.recruiter, P2, &json!({"application_id": application, "qcm_role_score": "12.50"})).await;
    assert_eq!(p2["qcm_role_score"].as_f64(), Some(12.5), "a legacy decimal string is read as its number");
    // The same bounds on update, and nothing changes.
    for value in &bad {
        let answer =
            d.app.put_as(&d.recruiter.token, &format!("{P1}/{}", id_of(&p1)), &json!({"cv_score": value})).await;
        assert_eq!(fields(&answer), ["body.cv_score"], "{value}");
        let answer =
            d.app.put_as(&d.recruiter.token, &format!("{P2}/{}", id_of(&p2)), &json!({"qcm_role_score": value})).await;
        assert_eq!(fields(&answer), ["body.qcm_role_score"], "{value}");
    }
    let read = d.app.get_as(&d.observer.token, &format!("{P1}/{}", id_of(&p1))).await;
    assert_eq!(read.body["cv_score"].as_f64(), Some(0.0));
    let edited = d.app.put_as(&d.recruiter.token, &format!("{P1}/{}", id_of(&p1)), &json!({"cv_score": 20})).await;
    assert_eq!((edited.status, edited.body["cv_score"].as_f64()), (200, Some(20.0)));
    // Every bad field at once; unknown fields are ignored.
    let sent = json!({"application_id": "abc", "completed": "oui", "status": "fini", "inconnu": 1});
    assert_eq!(
        fields(&d.app.post_as(&d.recruiter.token, P1, &sent).await),
        ["body.application_id", "body.status", "body.completed"]
    );
    assert_eq!(fields(&d.app.post_as(&d.recruiter.token, P2, &json!({})).await), ["body.application_id"]);
    let long = "x".repeat(seeg_domain::evaluations::MAX_EVALUATION_TEXT_CHARS + 1);
    let answer = d.app.put_as(&d.recruiter.token, &format!("{P2}/{}", id_of(&p2)), &json!({"visit_notes": long})).await;
    assert_eq!(fields(&answer), ["body.visit_notes"]);
}

async fn overall_scores_use_the_default_weights_and_ignore_the_client_s(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let application = d.application().await;
    let stranger = SystemIds.new_id();
    let sent = json!({
        "application_id": application, "evaluator_id": stranger, "overall_score": 20,
        "documentary_score": 15, "mtp_score": 12, "interview_score": 10, "total_score": 3,
        "interview_date": "2026-12-01T09:30:00Z", "status": "in_progress",
    });
    let p1 = d.created(&d.recruiter, P1, &sent).await;
    // 0.2 × 15 + 0.4 × 12 + 0.4 × 10 = 11.8
    assert_eq!(p1["overall_score"], json!(11.8));
    assert_eq!(p1["total_score"], json!(3.0), "stored as given");
    assert_eq!(p1["evaluator_id"], json!(d.recruiter.user.id), "the caller is the evaluator");
    assert_eq!((p1["status"].as_str(), p1["completed"].as_bool()), (Some("in_progress"), Some(false)));
    assert_eq!(p1["interview_date"], "2026-12-01T09:30:00Z");
    assert_eq!(p1["cv_score"], Value::Null);
    for field in ["overall_score", "documentary_score", "mtp_score", "interview_score", "total_score"] {
        assert!(p1[field].is_number(), "{field} is a JSON number (F3): {}", p1[field]);
    }
    let p2 = d
        .created(&d.admin, P2, &json!({"application_id": application, "qcm_role_score": 14, "qcm_codir_score": 11}))
        .await;
    assert_eq!(p2["overall_score"], json!(12.5));
    let edited = d.app.put_as(&d.admin.token, &format!("{P2}/{}", id_of(&p2)), &json!({"qcm_codir_score": null})).await;
    assert_eq!((edited.status, edited.body["overall_score"].clone()), (200, json!(7.0)), "a missing part counts 0");
    let stats = d.app.get_as(&d.observer.token, STATS).await;
    assert_eq!(stats.status, 200);
    assert_eq!(
        stats.body,
        json!({"protocol1": {"total_evaluations": 1, "average_score": 11.8},
               "protocol2": {"total_evaluations": 1, "average_score": 7.0}})
    );
}

async fn configured_weights_compute_the_overall_score(backend: Backend) {
    let app = TestApp::spawn_with(backend, HandlerRegistry::default(), |settings| {
        let weights = &mut settings.evaluations;
        (weights.protocol1.documentary, weights.protocol1.mtp, weights.protocol1.interview) = (30, 40, 30);
        (weights.protocol2.qcm_role, weights.protocol2.qcm_codir) = (75, 25);
    })
    .await;
    let d = Desk::new(app).await;
    let application = d.application().await;
    let sent = json!({"application_id": application, "documentary_score": 15, "mtp_score": 12, "interview_score": 10});
    // 0.3 × 15 + 0.4 × 12 + 0.3 × 10 = 12.3
    assert_eq!(d.created(&d.recruiter, P1, &sent).await["overall_score"], json!(12.3));
    let sent = json!({"application_id": application, "qcm_role_score": 16, "qcm_codir_score": 8});
    let p2 = d.created(&d.recruiter, P2, &sent).await;
    assert_eq!(p2["overall_score"], json!(14.0));
    // 0.75 × 16 + 0.25 × 12.33 = 15.0825 -> 15.08
    let edited =
        d.app.put_as(&d.recruiter.token, &format!("{P2}/{}", id_of(&p2)), &json!({"qcm_codir_score": 12.33})).await;
    assert_eq!(edited.body["overall_score"], json!(15.08));
}

async fn one_evaluation_per_protocol_even_under_concurrent_creations(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let application = d.application().await;
    let body = json!({"application_id": application});
    d.created(&d.recruiter, P1, &body).await;
    let second = d.app.post_as(&d.admin.token, P1, &body).await;
    assert_eq!((second.status, second.body["code"].as_str()), (409, Some("evaluation_exists")));
    assert_eq!(second.body["detail"], "Une évaluation Protocol 1 existe déjà pour cette candidature");
    // The other protocol is still free.
    d.created(&d.recruiter, P2, &body).await;
    assert_eq!(
        d.app.post_as(&d.recruiter.token, P2, &body).await.body["detail"],
        "Une évaluation Protocol 2 existe déjà pour cette candidature"
    );

    for collection in [P1, P2] {
        let fresh = json!({"application_id": d.application().await});
        let (a, b) = tokio::join!(
            d.app.post_as(&d.recruiter.token, collection, &fresh),
            d.app.post_as(&d.admin.token, collection, &fresh)
        );
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{collection}: {} / {}", a.body, b.body);
        let list = d
            .app
            .get_as(
                &d.observer.token,
                &format!("{collection}/application/{}", fresh["application_id"].as_str().unwrap()),
            )
            .await;
        assert_eq!(list.body.as_array().map(Vec::len), Some(1));
    }
}

async fn unknown_ids_are_404_and_malformed_ones_422(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let application = d.application().await;
    let p2 = id_of(&d.created(&d.recruiter, P2, &json!({"application_id": application})).await);
    let unknown = SystemIds.new_id();
    let token = &d.recruiter.token;
    for path in [format!("{P1}/{unknown}"), format!("{P2}/{unknown}"), format!("{P1}/{p2}")] {
        let answer = d.app.get_as(token, &path).await;
        assert_eq!((answer.status, answer.body["code"].as_str()), (404, Some("not_found")), "GET {path}");
        assert_eq!(d.app.put_as(token, &path, &json!({"completed": true})).await.status, 404, "PUT {path}");
    }
    let answer = d.app.post_as(token, P1, &json!({"application_id": unknown})).await;
    assert_eq!((answer.status, answer.body["code"].as_str()), (404, Some("not_found")), "unknown application");
    let answer = d.app.get_as(token, &format!("{P1}/application/{unknown}")).await;
    assert_eq!((answer.status, answer.body.clone()), (200, json!([])), "no evaluation: an empty list");
    assert_eq!(fields(&d.app.get_as(token, &format!("{P1}/pas-un-uuid")).await), ["path.evaluation_id"]);
    assert_eq!(fields(&d.app.put_as(token, &format!("{P2}/42"), &json!({})).await), ["path.evaluation_id"]);
    assert_eq!(fields(&d.app.get_as(token, &format!("{P2}/application/42")).await), ["path.application_id"]);
    // The caller is checked first: a candidate learns nothing from a malformed id.
    assert_eq!(d.app.get_as(&d.candidate.token, &format!("{P1}/pas-un-uuid")).await.status, 403);
}

async fn edits_keep_their_history_and_completion_notifies_once(backend: Backend) {
    let d = Desk::new(TestApp::spawn(backend).await).await;
    let ports = ports_of(&d.app.database);
    let all = Page { skip: 0, limit: 100 };
    let application = d.application().await;
    let p1 = d.created(&d.admin, P1, &json!({"application_id": application, "cv_score": 10})).await;
    let path = format!("{P1}/{}", id_of(&p1));
    let edited = d.app.put_as(&d.admin.token, &path, &json!({"cv_score": 12.5, "cv_comments": "Relu"})).await;
    assert_eq!((edited.status, edited.body["cv_score"].clone()), (200, json!(12.5)));
    assert_eq!(edited.body["created_at"], p1["created_at"]);
    let done = d.app.put_as(&d.admin.token, &path, &json!({"completed": true, "status": "completed"})).await;
    assert_eq!((done.status, done.body["completed"].as_bool()), (200, Some(true)));
    // The same again changes nothing: no history row, no second notification.
    assert_eq!(d.app.put_as(&d.admin.token, &path, &json!({"completed": true})).await.status, 200);
    let id: Uuid = id_of(&p1).parse().unwrap();
    let history = ports.evaluations.changes(Protocol::One, id).await.unwrap();
    let changed: Vec<Vec<String>> = history.iter().map(|c| c.fields.clone()).collect();
    assert_eq!(changed, [vec!["cv_score", "cv_comments"], vec!["status", "completed"]]);
    assert!(history.iter().all(|c| c.changed_by == Some(d.admin.user.id)));

    // The offer's recruiter is told; the admin who completed it (and evaluated it) is not.
    let told = ports.notifications.list_for_user(d.recruiter.user.id, all).await.unwrap().items;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!((told[0].kind.as_str(), told[0].related_application_id), ("evaluation_completed", Some(application)));
    assert_eq!(told[0].link.as_deref(), Some(format!("/applications/{application}").as_str()));
    assert!(told[0].message.contains("Ingénieur réseaux"), "{}", told[0].message);
    assert!(ports.notifications.list_for_user(d.admin.user.id, all).await.unwrap().items.is_empty());

    // Another recruiter evaluates protocol 2; the admin completes it: both recruiters are told, once each.
    let colleague = d.app.token_for(Role::Recruiter, "collegue@seeg-gabon.com").await;
    let p2 = d.created(&colleague, P2, &json!({"application_id": application})).await;
    let done = d.app.put_as(&d.admin.token, &format!("{P2}/{}", id_of(&p2)), &json!({"completed": true})).await;
    assert_eq!(done.status, 200);
    for who in [&d.recruiter, &colleague] {
        let told = ports.notifications.list_for_user(who.user.id, all).await.unwrap().items;
        let about_p2 = told.iter().filter(|n| n.message.contains("Protocol 2")).count();
        assert_eq!(about_p2, 1, "{}: {told:?}", who.user.email);
    }
    // Created completed by the offer's own recruiter: nobody else is concerned, nobody is told.
    let before = ports.notifications.list_for_user(d.recruiter.user.id, all).await.unwrap().total;
    let other = d.application().await;
    d.created(&d.recruiter, P1, &json!({"application_id": other, "completed": true})).await;
    assert_eq!(ports.notifications.list_for_user(d.recruiter.user.id, all).await.unwrap().total, before);
}

on_backends!(Sqlite, Postgres =>
    every_route_answers_each_role_as_s3_says,
    scores_outside_0_20_or_with_3_decimals_are_422_naming_the_field,
    overall_scores_use_the_default_weights_and_ignore_the_client_s,
    configured_weights_compute_the_overall_score,
    one_evaluation_per_protocol_even_under_concurrent_creations,
    unknown_ids_are_404_and_malformed_ones_422,
    edits_keep_their_history_and_completion_notifies_once,
);
