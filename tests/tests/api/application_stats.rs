//! Application statistics (legacy §1.7 `stats/*`) and the recruiter dashboards (§1.10 `/optimized/*`): exact
//! figures over a recruitment counted by hand (`seeg_tests::dashboards`), staff only (S3), a candidate its own
//! applications only, pagination with the true total (F5), filters, and 422 for bad parameters (F1); the
//! evaluations and interview slots made through their routes, read back in both dashboards, a candidate never
//! seeing a score (S3).

use seeg_application::{Clock, SystemClock};
use seeg_domain::identity::Role;
use seeg_tests::dashboards::{Recruitment, seed};
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

async fn world(backend: Backend) -> (TestApp, Recruitment) {
    let app = TestApp::spawn(backend).await;
    let recruitment = seed(&app.database).await;
    (app, recruitment)
}

fn ids(items: &Value) -> Vec<String> {
    items.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

fn expected_ids(r: &Recruitment, which: &[usize]) -> Vec<String> {
    which.iter().map(|i| r.applications[*i].id.to_string()).collect()
}

async fn staff_read_exact_statistics_and_candidates_are_refused(backend: Backend) {
    let (app, r) = world(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let candidate = app.sign_in_as(&r.candidates[0]).await;

    let Answer { status, body, .. } = app.get_as(&admin, "/api/v1/applications/stats/overview").await;
    assert_eq!(status, 200, "{body}");
    let statuses = json!({"candidature": 2, "incubation": 1, "entretien_programme": 0, "simulation_programmee": 0,
        "embauche": 1, "refuse": 1, "retiree": 0});
    let documents = json!({"cv": 3, "cover_letter": 1, "diplome": 1, "certificats": 0, "lettre_recommandation": 0,
        "portfolio": 1, "autres": 0});
    let overview = json!({"success": true, "message": "Statistiques récupérées avec succès", "data": {
        "total_applications": 5, "status_breakdown": statuses, "document_types": documents}});
    assert_eq!(body, overview);
    let slashed = app.get_as(&observer, "/api/v1/applications/stats/overview/").await.body;
    assert_eq!(slashed, overview, "K1: with and without the trailing slash");

    let Answer { status, body, .. } = app.get_as(&observer, "/api/v1/applications/stats/advanced").await;
    assert_eq!(status, 200, "{body}");
    let [o1, _, o3, o4] = &r.offers;
    let mut by_offer = serde_json::Map::new();
    for (offer, n) in [(o1, 2), (o3, 2), (o4, 1)] {
        by_offer.insert(offer.id.to_string(), json!(n));
    }
    let advanced = json!({"success": true, "data": {"total_applications": 5, "status_breakdown": statuses,
        "by_job_offer": by_offer, "by_month": {"2026-04-01": 1, "2026-05-01": 1, "2026-06-01": 3},
        "documents_by_type": documents}});
    assert_eq!(body, advanced, "months are UTC: 31 May 23:30 is May, 1 June 00:30 is June");

    for path in ["/api/v1/applications/stats/overview", "/api/v1/applications/stats/advanced"] {
        let Answer { status, body, .. } = app.get_as(&candidate, path).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "S3: {path}");
        let Answer { status, body, .. } = app.get_json(path).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("not_authenticated")), "{path}");
    }
}

async fn optimized_applications_page_newest_first_with_everything_around_them(backend: Backend) {
    let (app, r) = world(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let path = "/api/v1/optimized/applications/optimized";

    let Answer { status, body: first, .. } = app.get_as(&admin, &format!("{path}?limit=2")).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(ids(&first["applications"]), expected_ids(&r, &[4, 2]), "newest first");
    let page = |b: &Value| (b["total_count"].clone(), b["skip"].clone(), b["limit"].clone(), b["has_more"].clone());
    assert_eq!(page(&first), (json!(5), json!(0), json!(2), json!(true)));
    let last = app.get_as(&admin, &format!("{path}?skip=4&limit=2")).await.body;
    assert_eq!(ids(&last["applications"]), expected_ids(&r, &[3]));
    assert_eq!(page(&last), (json!(5), json!(4), json!(2), json!(false)));
    let beyond = app.get_as(&admin, &format!("{path}?skip=10")).await.body;
    assert_eq!(
        (beyond["applications"].clone(), page(&beyond)),
        (json!([]), (json!(5), json!(10), json!(100), json!(false)))
    );

    let all = app.get_as(&admin, path).await.body;
    assert_eq!(ids(&all["applications"]), expected_ids(&r, &[4, 2, 1, 0, 3]));
    let a2 = &all["applications"][2];
    let [r1, _] = &r.recruiters;
    let [c1, c2, _] = &r.candidates;
    assert_eq!(
        (a2["status"].as_str(), a2["job_offer_id"].as_str()),
        (Some("incubation"), Some(&*r.offers[0].id.to_string()))
    );
    assert_eq!(a2["mtp_answers"]["reponses_metier"], json!(["R1"]), "the legacy application fields");
    assert_eq!(
        a2["candidate"],
        json!({"id": c2.id, "first_name": "Aïcha", "last_name": "Ndong", "email": "c2@exemple.ga",
            "phone": "+24177000000", "date_of_birth": "1990-05-17", "profile": null})
    );
    let offer = &a2["job_offer"];
    assert_eq!(
        (offer["title"].as_str(), offer["department"].as_str()),
        (Some("Chef de réseau"), Some("Direction de l'Eau"))
    );
    assert_eq!(
        offer["recruiter"],
        json!({"id": r1.id, "first_name": "Aïcha", "last_name": "Ndong", "email": "r1@seeg-gabon.com"})
    );
    let types: Vec<&str> =
        a2["documents"].as_array().unwrap().iter().map(|d| d["document_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["cv", "portfolio"], "upload order");
    assert_eq!(a2["evaluations"], json!({"protocol1": null, "protocol2": null}), "none yet");
    assert_eq!(a2["interview_slots"], json!([]), "none yet");
    let history = &a2["history"];
    assert_eq!(
        (history[0]["previous_status"].as_str(), history[0]["new_status"].as_str()),
        (Some("candidature"), Some("incubation"))
    );
    assert_eq!(history[0]["notes"], "Profil solide");
    let titles: Vec<&str> =
        a2["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Candidature en incubation", "Candidature reçue"], "about this application, newest first");
    assert_eq!(a2["notifications"][0]["id"], json!(r.notifications[0].id.to_string()), "F3: uuid strings");
    assert_eq!(a2["notifications"][0]["type"], "application_status_changed");
    let a1 = &all["applications"][3];
    assert_eq!(
        (a1["candidate"]["id"].clone(), a1["candidate"]["profile"]["gender"].as_str()),
        (json!(c1.id), Some("Homme"))
    );
    assert_eq!(a1["candidate"]["profile"]["linkedin_url"], "https://linkedin.com/in/c1");
    assert_eq!(all["applications"][4]["candidate"]["profile"]["gender"], "Homme", "c1's other application too");
    assert_eq!(all["applications"][0]["job_offer"]["recruiter"], Value::Null, "o4 has no recruiter");

    let filtered = [
        ("status_filter=candidature", vec![4, 0]),
        ("status_filter=pending", vec![4, 0]),
        (&*format!("job_offer_id={}", r.offers[0].id), vec![1, 0]),
        (&*format!("candidate_id={}", c1.id), vec![0, 3]),
        (&*format!("candidate_id={}&status_filter=embauche", c1.id), vec![3]),
        (&*format!("job_offer_id={}", r.offers[1].id), vec![]),
    ];
    for (query, which) in filtered {
        let Answer { status, body, .. } = app.get_as(&admin, &format!("{path}?{query}")).await;
        assert_eq!(status, 200, "{query}: {body}");
        assert_eq!(ids(&body["applications"]), expected_ids(&r, &which), "{query}");
        assert_eq!(body["total_count"], json!(which.len()), "{query}");
    }
    let bare = app.get_as(&admin, &format!("{path}?include_documents=false&include_evaluations=false")).await.body;
    assert!(bare["applications"].as_array().unwrap().iter().all(|a| a["documents"] == json!([])), "{bare}");
    assert_eq!(bare["applications"][2]["history"].as_array().map(Vec::len), Some(1), "the rest stays");
}

async fn optimized_applications_refuse_bad_parameters_and_candidates(backend: Backend) {
    let (app, r) = world(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let candidate = app.sign_in_as(&r.candidates[0]).await;
    let path = "/api/v1/optimized/applications/optimized";
    for token in [&recruiter, &observer] {
        let Answer { status, body, .. } = app.get_as(token, &format!("{path}?limit=1000")).await;
        assert_eq!((status, body["total_count"].as_u64()), (200, Some(5)), "S3: staff read every application");
    }
    let Answer { status, body, .. } = app.get_as(&candidate, path).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "S3: staff data");
    for (query, field) in [
        ("limit=0", "query.limit"),
        ("limit=1001", "query.limit"),
        ("skip=-1", "query.skip"),
        ("limit=beaucoup", "query.limit"),
        ("status_filter=accepted", "query.status_filter"),
        ("job_offer_id=12", "query.job_offer_id"),
        ("candidate_id=x", "query.candidate_id"),
        ("include_documents=peut-etre", "query.include_documents"),
        ("include_evaluations=2", "query.include_evaluations"),
    ] {
        let Answer { status, body, .. } = app.get_as(&observer, &format!("{path}?{query}")).await;
        assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")), "{query}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
}

async fn dashboard_figures_per_recruiter_or_for_every_offer_at_the_real_time(backend: Backend) {
    let (app, r) = world(backend).await;
    let [r1, r2] = &r.recruiters;
    let own = app.sign_in_as(r1).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let newcomer = app.token_for(Role::Recruiter, "nouveau@seeg-gabon.com").await.token;
    let candidate = app.sign_in_as(&r.candidates[1]).await;
    let path = "/api/v1/optimized/dashboard/stats/optimized";
    let breakdown = |candidature: u64, incubation: u64, embauche: u64, refuse: u64| {
        json!({"candidature": candidature, "incubation": incubation, "entretien_programme": 0,
            "simulation_programmee": 0, "embauche": embauche, "refuse": refuse, "retiree": 0})
    };
    let water =
        json!({"department": "Direction de l'Eau", "job_count": 2, "application_count": 2, "coverage_rate": 50.0});
    let r1_stats = json!({"total_jobs": 2, "active_jobs": 1, "total_applications": 2, "unique_candidates": 2,
        "status_breakdown": breakdown(1, 1, 0, 0), "interviews_scheduled": 1, "hired": 0, "rejected": 0,
        "department_stats": [water],
        "gender_distribution": {"male_percent": 50.0, "female_percent": 50.0, "total_with_gender": 2}});

    let before = SystemClock.now();
    let Answer { status, body, .. } = app.get_as(&own, path).await;
    let after = SystemClock.now();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stats"], r1_stats, "a recruiter's own offers by default");
    let generated: chrono::DateTime<chrono::Utc> = body["generated_at"].as_str().unwrap().parse().unwrap();
    assert!(before <= generated && generated <= after, "the clock's time, not a constant: {generated}");
    let as_observer = app.get_as(&observer, &format!("{path}?recruiter_id={}", r1.id)).await.body;
    assert_eq!(as_observer["stats"], r1_stats);

    let every = app.get_as(&admin, path).await.body;
    let all_stats = json!({"total_jobs": 4, "active_jobs": 2, "total_applications": 5, "unique_candidates": 3,
        "status_breakdown": breakdown(2, 1, 1, 1), "interviews_scheduled": 1, "hired": 1, "rejected": 1,
        "department_stats": [
            {"department": null, "job_count": 1, "application_count": 1, "coverage_rate": 100.0},
            water,
            {"department": "Finances", "job_count": 1, "application_count": 2, "coverage_rate": 100.0},
        ],
        "gender_distribution": {"male_percent": 50.0, "female_percent": 50.0, "total_with_gender": 2}});
    assert_eq!(every["stats"], all_stats, "admins without recruiter_id: every offer");
    let observed = app.get_as(&observer, path).await.body;
    assert_eq!(observed["stats"], all_stats, "observers too");

    let other = app.get_as(&own, &format!("{path}?recruiter_id={}", r2.id)).await.body;
    assert_eq!(
        (other["stats"]["total_jobs"].as_u64(), other["stats"]["hired"].as_u64(), other["stats"]["rejected"].as_u64()),
        (Some(1), Some(1), Some(1)),
        "as in the legacy service, a recruiter may read another's figures (S3: recruiters read all applications)"
    );
    let empty = app.get_as(&newcomer, path).await.body;
    let zero = json!({"total_jobs": 0, "active_jobs": 0, "total_applications": 0, "unique_candidates": 0,
        "status_breakdown": breakdown(0, 0, 0, 0), "interviews_scheduled": 0, "hired": 0, "rejected": 0,
        "department_stats": [], "gender_distribution": {"male_percent": 0.0, "female_percent": 0.0, "total_with_gender": 0}});
    assert_eq!(empty["stats"], zero, "a recruiter without offers");

    let Answer { status, body, .. } = app.get_as(&candidate, path).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")));
    let Answer { status, body, .. } = app.get_as(&admin, &format!("{path}?recruiter_id=moi")).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("query.recruiter_id")));
}

async fn a_candidate_reads_its_own_applications_and_no_one_else_s(backend: Backend) {
    let (app, r) = world(backend).await;
    let [c1, c2, _] = &r.candidates;
    let [r1, r2] = &r.recruiters;
    let own = app.sign_in_as(c1).await;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let path = |id: &dyn std::fmt::Display| format!("/api/v1/optimized/candidates/{id}/applications/optimized");

    let Answer { status, body, .. } = app.get_as(&own, &path(&c1.id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["candidate_id"].clone(), body["total_count"].clone()), (json!(c1.id), json!(2)));
    assert_eq!(ids(&body["applications"]), expected_ids(&r, &[0, 3]), "newest first");
    let a1 = &body["applications"][0];
    let o1 = &r.offers[0];
    assert_eq!(
        a1["job_offer"],
        json!({"id": o1.id, "title": "Chef de réseau", "location": "Libreville", "contract_type": "CDI",
            "department": "Direction de l'Eau", "date_limite": null,
            "recruiter": {"first_name": r1.first_name, "last_name": r1.last_name, "email": "r1@seeg-gabon.com"}})
    );
    assert_eq!((a1["status"].as_str(), a1["interview_slots"].clone()), (Some("candidature"), json!([])));
    assert_eq!(a1["evaluations"], json!({"protocol1_completed": false, "protocol2_completed": false}));
    let types: Vec<&str> =
        a1["documents"].as_array().unwrap().iter().map(|d| d["document_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["cv", "cover_letter", "diplome"]);
    assert_eq!(body["applications"][1]["job_offer"]["recruiter"]["email"], json!(r2.email));

    let Answer { status, body, .. } = app.get_as(&own, &path(&c2.id)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_found")),
        "S3: another candidate's ids cannot be probed"
    );

    let Answer { status, body, .. } = app.get_as(&observer, &path(&c2.id)).await;
    assert_eq!((status, ids(&body["applications"])), (200, expected_ids(&r, &[4, 1])));
    assert_eq!(body["applications"][0]["job_offer"]["recruiter"], Value::Null, "o4 has no recruiter");
    let Answer { status, body, .. } = app.get_as(&admin, &path(&uuid::Uuid::nil())).await;
    assert_eq!((status, body["applications"].clone(), body["total_count"].clone()), (200, json!([]), json!(0)));
    let Answer { status, body, .. } = app.get_as(&admin, &path(&"pas-un-uuid")).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("validation_error")));
    let status = app.get_json(&path(&c1.id)).await.status;
    assert_eq!(status, 401);
}

async fn both_dashboards_show_evaluations_and_slots_and_a_candidate_never_a_score(backend: Backend) {
    let (app, r) = world(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let [_, a2, _, _, a5] = &r.applications;
    let c2 = &r.candidates[1];
    let candidate = app.sign_in_as(c2).await;
    let created = |answer: Answer| {
        assert_eq!(answer.status, 201, "{}", answer.body);
        answer.body
    };
    let p1 = json!({"application_id": a2.id, "status": "in_progress", "documentary_score": 15, "mtp_score": 12,
        "interview_score": 10});
    let p1 = created(app.post_as(&admin, "/api/v1/evaluations/protocol1", &p1).await);
    let p2 = json!({"application_id": a2.id, "completed": true, "qcm_role_score": 14, "qcm_codir_score": 15});
    let p2 = created(app.post_as(&admin, "/api/v1/evaluations/protocol2", &p2).await);
    let book = |date: &str, time: &str| {
        json!({"date": date, "time": time, "application_id": a2.id, "candidate_name": "Aïcha Ndong",
            "job_title": "Chef de réseau", "location": "Siège SEEG, Libreville", "notes": "Apporter les diplômes"})
    };
    let later = created(app.post_as(&admin, "/api/v1/interviews/slots", &book("2026-12-15", "10:00:00")).await);
    let cancelled = created(app.post_as(&admin, "/api/v1/interviews/slots", &book("2026-12-14", "14:00:00")).await);
    let first = created(app.post_as(&admin, "/api/v1/interviews/slots", &book("2026-12-14", "09:30:00")).await);
    let slot_path = |s: &Value| format!("/api/v1/interviews/slots/{}", s["id"].as_str().unwrap());
    assert_eq!(app.delete_as(&admin, &slot_path(&cancelled)).await.status, 200);
    let mut slots = Vec::new();
    for s in [&first, &cancelled, &later] {
        let Answer { status, body, .. } = app.get_as(&admin, &slot_path(s)).await;
        assert_eq!(status, 200, "{body}");
        slots.push(body);
    }
    let slots = Value::Array(slots);
    assert_eq!((slots[1]["status"].as_str(), slots[1]["is_available"].as_bool()), (Some("cancelled"), Some(true)));

    let path = "/api/v1/optimized/applications/optimized";
    let Answer { status, body, .. } = app.get_as(&observer, path).await;
    assert_eq!(status, 200, "{body}");
    let shown = &body["applications"][2];
    assert_eq!(shown["id"], json!(a2.id));
    let evaluations = json!({
        "protocol1": {"id": p1["id"], "status": "in_progress", "completed": false, "overall_score": 11.8},
        "protocol2": {"id": p2["id"], "completed": true, "overall_score": 14.5},
    });
    assert_eq!(shown["evaluations"], evaluations, "I6 weights; scores are JSON numbers (F3)");
    assert!(holds_a_score(&body), "staff see the scores the candidate's view must not hold");
    assert_eq!(shown["interview_slots"], slots, "as /interviews/slots shows them, date then time, cancelled too");
    assert_eq!(body["applications"][0]["evaluations"], json!({"protocol1": null, "protocol2": null}), "a5: none");
    assert_eq!(body["applications"][0]["interview_slots"], json!([]));
    let bare = app.get_as(&observer, &format!("{path}?include_evaluations=false")).await.body;
    assert_eq!(bare["applications"][2]["evaluations"], json!({"protocol1": null, "protocol2": null}));
    assert_eq!(bare["applications"][2]["interview_slots"], slots, "the slots stay");

    let own = format!("/api/v1/optimized/candidates/{}/applications/optimized", c2.id);
    for token in [&candidate, &observer] {
        let Answer { status, body, .. } = app.get_as(token, &own).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(ids(&body["applications"]), [a5.id.to_string(), a2.id.to_string()]);
        let shown = &body["applications"][1];
        assert_eq!(shown["evaluations"], json!({"protocol1_completed": false, "protocol2_completed": true}));
        assert_eq!(shown["interview_slots"], slots);
        assert_eq!(
            body["applications"][0]["evaluations"],
            json!({"protocol1_completed": false, "protocol2_completed": false})
        );
        assert_eq!(body["applications"][0]["interview_slots"], json!([]));
        assert!(!holds_a_score(&body), "S3: no score: {body}");
    }
}

/// A legacy row stored as `pending` (the column's default) counts as `candidature` in both statistics routes, added
/// to the rows stored as `candidature`, not in place of them.
async fn both_spellings_of_candidature_are_added_up_everywhere(backend: Backend) {
    use sea_orm::ConnectionTrait as _;
    let (app, _) = world(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let sql = sea_orm::Database::connect(app.database_url()).await.unwrap();
    let legacy = sql.execute_unprepared("UPDATE applications SET status = 'pending' WHERE status = 'embauche'").await;
    assert_eq!(legacy.unwrap().rows_affected(), 1);
    sql.close().await.unwrap();
    for path in ["/api/v1/applications/stats/overview", "/api/v1/applications/stats/advanced"] {
        let body = app.get_as(&admin, path).await.body;
        let statuses = &body["data"]["status_breakdown"];
        assert_eq!((&statuses["candidature"], &statuses["embauche"]), (&json!(3), &json!(0)), "{path}: {body}");
    }
}

on_backends!(Sqlite, Postgres =>
    both_spellings_of_candidature_are_added_up_everywhere,
    staff_read_exact_statistics_and_candidates_are_refused,
    optimized_applications_page_newest_first_with_everything_around_them,
    optimized_applications_refuse_bad_parameters_and_candidates,
    dashboard_figures_per_recruiter_or_for_every_offer_at_the_real_time,
    a_candidate_reads_its_own_applications_and_no_one_else_s,
    both_dashboards_show_evaluations_and_slots_and_a_candidate_never_a_score,
);

/// Whether `value` names a score anywhere (a key containing `score`) or carries one of the scores given (11.8,
/// 14.5) as a number: timestamps and ids are text, so `11.8` inside them is no score.
fn holds_a_score(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields.iter().any(|(key, v)| key.contains("score") || holds_a_score(v)),
        Value::Array(items) => items.iter().any(holds_a_score),
        Value::Number(n) => n.as_f64().is_some_and(|n| (n - 11.8).abs() < 1e-9 || (n - 14.5).abs() < 1e-9),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}
