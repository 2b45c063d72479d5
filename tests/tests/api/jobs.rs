//! `/api/v1/jobs` (legacy §1.5): visibility for each kind of caller (K3b), the recruiter side with its rules
//! (R15–R18, K3, I10), audit rows (B2), search (B8), pages (F5), `is_open`.

use chrono::TimeDelta;
use seeg_application::{Clock, SystemClock};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Role, User};
use seeg_domain::offers::{JobOffer, OfferStatus, OfferVisibility};
use seeg_tests::accounts::SignedIn;
use seeg_tests::http::Answer;
use seeg_tests::offers::{creation_body as new_offer, offer, with};
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

async fn post(app: &TestApp, token: &str, body: &Value) -> Answer {
    app.post_as(token, "/api/v1/jobs/", body).await
}

async fn put(app: &TestApp, id: &str, token: &str, body: &Value) -> Answer {
    app.put_as(token, &format!("/api/v1/jobs/{id}"), body).await
}

async fn delete(app: &TestApp, id: &str, token: &str) -> Answer {
    app.delete_as(token, &format!("/api/v1/jobs/{id}")).await
}

fn titles(body: &Value) -> Vec<&str> {
    body.as_array().expect("a list").iter().map(|o| o["title"].as_str().expect("title")).collect()
}

fn error_fields(body: &Value) -> Vec<&str> {
    body["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap()).collect()
}

fn questions(prefix: &str, count: usize) -> Vec<String> {
    (1..=count).map(|i| format!("{prefix} {i} ?")).collect()
}

/// Offers of every visibility and status that matters, newest first: titles say what they are.
fn catalogue() -> Vec<JobOffer> {
    vec![
        offer("Active tous", 6),
        with(offer("Active externe", 5), OfferStatus::Active, OfferVisibility::ExternalOnly),
        with(offer("Active interne", 4), OfferStatus::Active, OfferVisibility::InternalOnly),
        with(offer("Brouillon tous", 3), OfferStatus::Draft, OfferVisibility::Everyone),
        with(offer("Fermée interne", 2), OfferStatus::Closed, OfferVisibility::InternalOnly),
    ]
}

async fn each_kind_of_caller_lists_and_reads_what_k3b_lets_it_see(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let offers = catalogue();
    app.insert_offers(&offers).await;
    let external = app.token_for(Role::Candidate, "externe@example.com").await.token;
    let internal = app.internal_candidate_token("agent@seeg-gabon.com", 123_456).await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;

    let everything = ["Active tous", "Active externe", "Active interne", "Brouillon tous", "Fermée interne"];
    let cases: [(&str, &str, &[&str]); 4] = [
        ("external candidate", &external, &["Active tous", "Active externe"]),
        ("internal candidate", &internal, &["Active tous", "Active externe", "Active interne"]),
        ("observer", &observer, &everything),
        ("recruiter", &recruiter, &everything),
    ];
    for (who, token, visible) in cases {
        for path in ["/api/v1/jobs/", "/api/v1/jobs"] {
            let answer = app.get_as(token, path).await;
            assert_eq!(answer.status, 200, "{who} {path}");
            assert_eq!(titles(&answer.body), visible, "{who} {path}");
            assert_eq!(answer.total(), Some(visible.len() as u64), "{who}");
        }
        for o in &offers {
            let answer = app.get_as(token, &format!("/api/v1/jobs/{}", o.id)).await;
            let expected = if visible.contains(&o.title.as_str()) { 200 } else { 404 };
            assert_eq!(answer.status, expected, "{who} reading {}", o.title);
            if expected == 404 {
                assert_eq!(answer.body["code"], "not_found");
            }
        }
        // A candidate's status filter is ignored (active offers only); staff narrow with it.
        let drafts = app.get_as(token, "/api/v1/jobs/?status_filter=draft").await;
        let expected: &[&str] = if who.ends_with("candidate") { visible } else { &["Brouillon tous"] };
        assert_eq!(titles(&drafts.body), expected, "{who} with status_filter=draft");
    }
    let unknown = app.get_as(&recruiter, "/api/v1/jobs/?status_filter=publiée").await;
    assert_eq!((unknown.status, error_fields(&unknown.body)), (422, vec!["query.status_filter"]));
}

async fn staff_list_the_full_job_shape_and_candidates_the_public_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: recruiter_user, token: recruiter } =
        app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
    let candidate = app.token_for(Role::Candidate, "externe@example.com").await.token;
    let created = post(&app, &recruiter, &new_offer("Ingénieur réseaux")).await;
    assert_eq!(created.status, 201, "{}", created.body);

    let keys = |item: &Value| {
        let mut keys: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
        keys.sort_unstable();
        keys
    };
    let public_keys = [
        "id",
        "title",
        "description",
        "location",
        "contract_type",
        "department",
        "salary_min",
        "salary_max",
        "salary_note",
        "requirements",
        "benefits",
        "responsibilities",
        "offer_status",
        "application_deadline",
        "date_limite",
        "start_date",
        "profile",
        "categorie_metier",
        "job_grade",
        "created_at",
        "is_open",
    ];
    let mut expected: Vec<String> = public_keys.iter().map(|k| (*k).to_owned()).collect();
    expected.sort_unstable();
    let listed = app.get_as(&candidate, "/api/v1/jobs/").await;
    assert_eq!(keys(&listed.body[0]), expected, "a candidate lists JobPublic + is_open");

    for extra in ["status", "questions_mtp", "recruiter_id", "reporting_line", "updated_at"] {
        expected.push(extra.to_owned());
    }
    expected.sort_unstable();
    let listed = app.get_as(&recruiter, "/api/v1/jobs/").await;
    assert_eq!(keys(&listed.body[0]), expected, "staff list the legacy Job + is_open");
    assert_eq!(listed.body[0], created.body);
    assert_eq!(created.body["recruiter_id"], recruiter_user.id.to_string());
    let read = app.get_as(&candidate, &format!("/api/v1/jobs/{}", created.body["id"].as_str().unwrap())).await;
    assert_eq!(keys(&read.body), expected, "GET by id answers the legacy Job to everyone");
}

async fn a_recruiter_publishes_an_offer_audited_without_its_values(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: recruiter_user, token: recruiter } =
        app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;

    let created = post(&app, &recruiter, &new_offer("Ingénieur réseaux")).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body = &created.body;
    assert_eq!(body["contract_type"], "CDD", "the contract type is stored canonically");
    assert_eq!((body["status"].as_str(), body["offer_status"].as_str()), (Some("active"), Some("externe")));
    assert_eq!(body["recruiter_id"], recruiter_user.id.to_string());
    assert_eq!(body["benefits"], Value::Null, "an empty list is null, as in the legacy service");
    assert_eq!(body["questions_mtp"]["questions_paradigme"], json!([]));
    assert_eq!(body["is_open"], true);
    let id = body["id"].as_str().unwrap();
    let read = app.get_as(&recruiter, &format!("/api/v1/jobs/{id}")).await;
    assert_eq!(read.body, created.body);

    let trail = app.get_as(&admin, &format!("/api/v1/audit?target_type=job_offer&target_id={id}")).await;
    let events = trail.body["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", trail.body);
    assert_eq!(events[0]["action"], "job_offer.created");
    assert_eq!(events[0]["actor_id"], recruiter_user.id.to_string());
    let fields = events[0]["changed_fields"].as_array().unwrap();
    assert!(fields.contains(&json!("title")) && fields.contains(&json!("questions_mtp")), "{fields:?}");
    assert!(!trail.body.to_string().contains("Ingénieur"), "names of fields only, never values");
}

async fn a_creation_breaking_rules_names_every_field_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let mut body = new_offer("Abc");
    body["description"] = json!("Trop courte");
    body["salary_min"] = json!(900_001);
    body["contract_type"] = json!("Temps partiel");
    body["application_deadline"] = json!("2020-01-01T00:00:00Z");
    body["offer_status"] = json!("public");
    let refused = post(&app, &recruiter, &body).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["code"], "validation_error");
    // Types first (the domain rules run on a well-typed request).
    assert_eq!(error_fields(&refused.body), ["body.offer_status"]);

    body["offer_status"] = json!("tous");
    let refused = post(&app, &recruiter, &body).await;
    assert_eq!(refused.status, 422);
    assert_eq!(
        error_fields(&refused.body),
        ["body.title", "body.description", "body.contract_type", "body.salary_min", "body.application_deadline"]
    );
    let missing = post(&app, &recruiter, &json!({"title": "Un titre valable"})).await;
    assert_eq!(error_fields(&missing.body), ["body.description", "body.location", "body.contract_type"]);
    let mut negative = new_offer("Salaire négatif");
    negative["salary_max"] = json!(-5);
    let refused = post(&app, &recruiter, &negative).await;
    assert_eq!((refused.status, error_fields(&refused.body)), (422, vec!["body.salary_max"]));

    let listed = app.get_as(&recruiter, "/api/v1/jobs/").await;
    assert_eq!(listed.total(), Some(0), "nothing was stored");
}

async fn mtp_limits_hold_on_create_and_update_and_through_the_legacy_strings(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;

    let mut body = new_offer("Limites exactes");
    body["questions_mtp"] = json!({
        "questions_metier": questions("M", 7), "questions_talent": questions("T", 3),
        "questions_paradigme": questions("P", 3),
    });
    let created = post(&app, &recruiter, &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();

    for (family, count, field) in [
        ("questions_metier", 8, "body.questions_mtp.questions_metier"),
        ("questions_talent", 4, "body.questions_mtp.questions_talent"),
        ("questions_paradigme", 4, "body.questions_mtp.questions_paradigme"),
    ] {
        let mut over = new_offer("Une de trop");
        over["questions_mtp"] = json!({ family: questions("Q", count) });
        let refused = post(&app, &recruiter, &over).await;
        assert_eq!((refused.status, error_fields(&refused.body)), (422, vec![field]), "create {family}");
        let refused = put(&app, &id, &recruiter, &json!({"questions_mtp": { family: questions("Q", count) }})).await;
        assert_eq!((refused.status, error_fields(&refused.body)), (422, vec![field]), "update {family}");
    }
    let mut legacy = new_offer("Format historique");
    legacy.as_object_mut().unwrap().remove("questions_mtp");
    legacy["question_paradigme"] = json!("Un ?\nDeux ?\n\nTrois ?\nQuatre ?");
    let refused = post(&app, &recruiter, &legacy).await;
    assert_eq!((refused.status, error_fields(&refused.body)), (422, vec!["body.question_paradigme"]));
    let refused = put(&app, &id, &recruiter, &json!({"question_metier": questions("M", 8).join("\n")})).await;
    assert_eq!((refused.status, error_fields(&refused.body)), (422, vec!["body.question_metier"]));
    let unchanged = app.get_as(&recruiter, &format!("/api/v1/jobs/{id}")).await;
    assert_eq!(unchanged.body, created.body, "refused updates change nothing");

    legacy["question_paradigme"] = json!("  Un ?\r\n\nDeux ?  ");
    legacy["question_metier"] = json!("Métier ?");
    let converted = post(&app, &recruiter, &legacy).await;
    assert_eq!(converted.status, 201, "{}", converted.body);
    assert_eq!(
        converted.body["questions_mtp"],
        json!({"questions_metier": ["Métier ?"], "questions_talent": [], "questions_paradigme": ["Un ?", "Deux ?"]})
    );
    assert!(converted.body.get("question_metier").is_none(), "the legacy fields are never returned");
    // R17: the legacy strings replace the whole questions object.
    let replaced = put(&app, &id, &recruiter, &json!({"question_talent": "Seule ?"})).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(
        replaced.body["questions_mtp"],
        json!({"questions_metier": [], "questions_talent": ["Seule ?"], "questions_paradigme": []})
    );
}

async fn invalid_updates_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let created = post(&app, &recruiter, &new_offer("Avant toute modification")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    let refusals = [
        (json!({"salary_min": 900_001}), "body.salary_min"),
        (json!({"salary_max": 1}), "body.salary_min"),
        (json!({"title": "Abc"}), "body.title"),
        (json!({"title": null}), "body.title"),
        (json!({"contract_type": "Intérim"}), "body.contract_type"),
        (json!({"status": "publiée"}), "body.status"),
        (json!({"location": "L"}), "body.location"),
        (json!({"date_limite": "2020-01-01"}), "body.date_limite"),
        (json!({"salary_max": "beaucoup"}), "body.salary_max"),
        (json!({"requirements": "Bac+3"}), "body.requirements"),
        (json!({"department": "x".repeat(101)}), "body.department"),
        (json!({"title": "Titre valable", "salary_min": -1}), "body.salary_min"),
    ];
    for (change, field) in refusals {
        let refused = put(&app, &id, &recruiter, &change).await;
        assert_eq!(refused.status, 422, "{change}: {}", refused.body);
        assert!(error_fields(&refused.body).contains(&field), "{change}: {}", refused.body);
    }
    let read = app.get_as(&recruiter, &format!("/api/v1/jobs/{id}")).await;
    assert_eq!(read.body, created.body, "nothing changed");
    let trail = app.get_as(&admin, &format!("/api/v1/audit?action=job_offer.updated&target_id={id}")).await;
    assert_eq!(trail.total(), Some(0), "no update was audited");

    let changed = put(&app, &id, &recruiter, &json!({"title": "Après modification", "contract_type": "stage"})).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(
        (changed.body["title"].as_str(), changed.body["contract_type"].as_str()),
        (Some("Après modification"), Some("Stage"))
    );
    assert_ne!(changed.body["updated_at"], created.body["updated_at"]);
    assert_eq!(changed.body["created_at"], created.body["created_at"]);
    let trail = app.get_as(&admin, &format!("/api/v1/audit?action=job_offer.updated&target_id={id}")).await;
    assert_eq!(trail.body["data"][0]["changed_fields"], json!(["title", "contract_type"]));
}

async fn only_the_owner_recruiter_or_an_admin_changes_an_offer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let owner = app.token_for(Role::Recruiter, "proprietaire@seeg-gabon.com").await.token;
    let other = app.token_for(Role::Recruiter, "autre@seeg-gabon.com").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let created = post(&app, &owner, &new_offer("Offre du propriétaire")).await;
    let id = created.body["id"].as_str().unwrap().to_owned();

    for (who, token) in [("other recruiter", &other), ("observer", &observer), ("candidate", &candidate)] {
        let refused = put(&app, &id, token, &json!({"title": "Détournée"})).await;
        assert_eq!((refused.status, refused.body["code"].as_str()), (403, Some("forbidden")), "{who} PUT");
        let refused = delete(&app, &id, token).await;
        assert_eq!(refused.status, 403, "{who} DELETE");
    }
    let unknown = put(&app, "00000000-0000-4000-8000-000000000000", &owner, &json!({"title": "Personne"})).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(put(&app, &id, &admin, &json!({"title": "Changée par l'admin"})).await.status, 200);
    assert_eq!(put(&app, &id, &owner, &json!({"title": "Changée par son recruteur"})).await.status, 200);
    let read = app.get_as(&owner, &format!("/api/v1/jobs/{id}")).await;
    assert_eq!(read.body["title"], "Changée par son recruteur");
    assert_eq!(delete(&app, &id, &owner).await.status, 200);
    assert_eq!(app.get_as(&owner, &format!("/api/v1/jobs/{id}")).await.status, 404);
}

async fn an_offer_with_applications_cannot_be_deleted(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.user;
    let applied = post(&app, &recruiter, &new_offer("Avec une candidature")).await;
    let applied_id = applied.body["id"].as_str().unwrap().to_owned();
    app.seed_application(candidate.id, applied_id.parse().unwrap(), ApplicationStatus::Candidature).await;

    for token in [&recruiter, &admin] {
        let refused = delete(&app, &applied_id, token).await;
        assert_eq!(refused.status, 409, "{}", refused.body);
        assert_eq!(refused.body["code"], "offer_has_applications");
        assert!(refused.body["detail"].as_str().unwrap().contains("candidatures"));
    }
    assert_eq!(app.get_as(&recruiter, &format!("/api/v1/jobs/{applied_id}")).await.body, applied.body);

    let free = post(&app, &recruiter, &new_offer("Sans candidature")).await;
    let free_id = free.body["id"].as_str().unwrap();
    let deleted = delete(&app, free_id, &recruiter).await;
    assert_eq!((deleted.status, deleted.body["message"].as_str()), (200, Some("Offre d'emploi supprimée avec succès")));
    assert_eq!(app.get_as(&recruiter, &format!("/api/v1/jobs/{free_id}")).await.status, 404);
    assert_eq!(delete(&app, free_id, &recruiter).await.status, 404);
    let trail = app.get_as(&admin, "/api/v1/audit?action=job_offer.deleted").await;
    assert_eq!(trail.total(), Some(1), "one delete happened: {}", trail.body);
    assert_eq!(trail.body["data"][0]["target_id"], free_id);
}

async fn search_ignores_accents_and_case_and_ranks_title_matches_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let mut in_description = offer("Comptable", 3);
    in_description.description = "Suivi des factures d'électricité des abonnés.".into();
    let in_title = offer("Technicien Électricité", 1);
    let mut in_department = offer("Chef d'agence", 2);
    in_department.department = Some("Direction de l'ÉLECTRICITÉ".into());
    let hidden = with(offer("Électricien interne", 4), OfferStatus::Active, OfferVisibility::InternalOnly);
    let mut unrelated = offer("Juriste", 5);
    unrelated.location = "Port-Gentil".into();
    app.insert_offers(&[in_description, in_title, in_department, hidden, unrelated]).await;

    let expected = ["Technicien Électricité", "Comptable", "Chef d'agence"];
    for q in ["électricité", "electricite", "ELECTRICITE", "Électricité"] {
        let found = app.get_as(&candidate, &format!("/api/v1/jobs/?q={}", urlencode(q))).await;
        assert_eq!(titles(&found.body), expected, "q={q}");
        assert_eq!(found.total(), Some(3));
    }
    let staff = app.get_as(&recruiter, "/api/v1/jobs/?q=electric").await;
    assert_eq!(titles(&staff.body), ["Électricien interne", "Technicien Électricité", "Comptable", "Chef d'agence"]);
    let narrowed = app.get_as(&candidate, "/api/v1/jobs/?q=electricite&department=electricite").await;
    assert_eq!(titles(&narrowed.body), ["Chef d'agence"]);
    let by_location = app.get_as(&candidate, "/api/v1/jobs/?location=PORT-gentil&contract_type=cdi").await;
    assert_eq!(titles(&by_location.body), ["Juriste"]);
    let paged = app.get_as(&candidate, "/api/v1/jobs/?q=electricite&skip=1&limit=1").await;
    assert_eq!((titles(&paged.body), paged.total()), (vec!["Comptable"], Some(3)));
    assert_eq!(app.get_as(&candidate, "/api/v1/jobs/?q=%25").await.total(), Some(0), "% is literal");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

async fn pages_report_the_true_total_on_both_lists(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: recruiter_user, token: recruiter } =
        app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
    let other = app.token_for(Role::Recruiter, "autre@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let mut offers: Vec<JobOffer> = (0..7).map(|i| offer(&format!("Offre {i}"), i)).collect();
    for o in offers.iter_mut().take(5) {
        o.recruiter_id = Some(recruiter_user.id);
    }
    offers[0].status = OfferStatus::Draft;
    app.insert_offers(&offers).await;

    let page = app.get_as(&candidate, "/api/v1/jobs/?skip=3&limit=2").await;
    assert_eq!((titles(&page.body), page.total()), (vec!["Offre 3", "Offre 2"], Some(6)));
    let beyond = app.get_as(&candidate, "/api/v1/jobs/?skip=50").await;
    assert_eq!((beyond.body.as_array().unwrap().len(), beyond.total()), (0, Some(6)));
    for bad in ["limit=0", "limit=1001", "skip=-1", "limit=abc"] {
        assert_eq!(app.get_as(&candidate, &format!("/api/v1/jobs/?{bad}")).await.status, 422, "{bad}");
        assert_eq!(app.get_as(&recruiter, &format!("/api/v1/jobs/recruiter/my-jobs?{bad}")).await.status, 422);
    }

    let mine = app.get_as(&recruiter, "/api/v1/jobs/recruiter/my-jobs?skip=3&limit=3").await;
    assert_eq!(mine.status, 200);
    assert_eq!((titles(&mine.body), mine.total()), (vec!["Offre 1", "Offre 0"], Some(5)), "every status, mine only");
    assert_eq!(mine.body[1]["status"], "draft");
    let theirs = app.get_as(&other, "/api/v1/jobs/recruiter/my-jobs/").await;
    assert_eq!((theirs.body.clone(), theirs.total()), (json!([]), Some(0)));
}

async fn statistics_count_the_recruiter_s_offers_and_their_applications(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let SignedIn { user: recruiter_user, token: recruiter } =
        app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await;
    let other_user = app.token_for(Role::Recruiter, "autre@seeg-gabon.com").await.user;
    let owned = |title: &str, by: &User, status: OfferStatus| {
        let mut o = with(offer(title, 0), status, OfferVisibility::Everyone);
        o.recruiter_id = Some(by.id);
        o
    };
    let offers = [
        owned("A", &recruiter_user, OfferStatus::Active),
        owned("B", &recruiter_user, OfferStatus::Active),
        owned("C", &recruiter_user, OfferStatus::Closed),
        owned("D", &other_user, OfferStatus::Active),
    ];
    app.insert_offers(&offers).await;
    let mut candidates = Vec::new();
    for i in 0..3 {
        candidates.push(app.token_for(Role::Candidate, &format!("c{i}@example.com")).await.user);
    }
    for (candidate, offer, status) in [
        (0, 0, ApplicationStatus::Candidature),
        (1, 0, ApplicationStatus::Candidature),
        (2, 1, ApplicationStatus::Incubation),
        (0, 2, ApplicationStatus::Refuse),
        (1, 3, ApplicationStatus::Candidature),
    ] {
        app.seed_application(candidates[candidate].id, offers[offer].id, status).await;
    }

    let answer = app.get_as(&recruiter, "/api/v1/jobs/recruiter/statistics").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.body,
        json!({
            "recruiter_id": recruiter_user.id.to_string(),
            "total_offers": 3,
            "offers_by_status": {"active": 2, "archived": 0, "closed": 1, "draft": 0},
            "total_applications": 4,
            "applications_by_status": {"candidature": 2, "incubation": 1, "refuse": 1},
            "message": "Statistiques du recruteur",
        })
    );
}

async fn the_applications_route_is_wired_and_checks_permissions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let recruiter = app.token_for(Role::Recruiter, "recruteur@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "observateur@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let public = offer("Offre publique", 0);
    app.insert_offers(std::slice::from_ref(&public)).await;
    let path = format!("/api/v1/jobs/{}/applications", public.id);

    for token in [&recruiter, &observer] {
        let answer = app.get_as(token, &format!("{path}?skip=20&limit=10")).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body,
            json!({"success": true, "message": "0 candidature(s) récupérée(s)", "data": [], "total": 0, "page": 3, "per_page": 10})
        );
    }
    assert_eq!(app.get_as(&candidate, &path).await.status, 403);
    let unknown = app.get_as(&recruiter, "/api/v1/jobs/00000000-0000-4000-8000-000000000000/applications").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(app.get_as(&recruiter, "/api/v1/jobs/pas-un-uuid/applications").await.status, 422);

    // Once a candidate applies, the offer lists the application (newest first, true total).
    let mut open = offer("Offre ouverte", 1);
    open.application_deadline = None;
    open.questions_mtp = None;
    app.insert_offers(std::slice::from_ref(&open)).await;
    let pdf = |name: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!(
            "%PDF-1.7\n% {name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
        ))
    };
    let submission = json!({
        "job_offer_id": open.id, "ref_entreprise": "SEEG", "ref_fullname": "Jean Obame",
        "ref_mail": "jean@exemple.ga", "ref_contact": "01",
        "documents": [
            {"document_type": "cv", "file_name": "cv.pdf", "file_data": pdf("cv")},
            {"document_type": "cover_letter", "file_name": "lettre.pdf", "file_data": pdf("lettre")},
            {"document_type": "diplome", "file_name": "diplome.pdf", "file_data": pdf("diplome")},
        ],
    });
    let response = app.client.post(app.url("/api/v1/applications/")).bearer_auth(&candidate).json(&submission);
    assert_eq!(response.send().await.unwrap().status(), 201);
    let listed = app.get_as(&observer, &format!("/api/v1/jobs/{}/applications", open.id)).await;
    assert_eq!((listed.status, listed.body["total"].as_u64()), (200, Some(1)));
    assert_eq!(listed.body["data"][0]["job_offer_id"], open.id.to_string());
    assert_eq!(listed.body["data"][0]["status"], "candidature");
}

async fn offers_past_their_deadline_are_flagged_closed_when_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let candidate = app.token_for(Role::Candidate, "candidat@example.com").await.token;
    let now = SystemClock.now();
    let mut open = offer("Encore ouverte", 2);
    open.application_deadline = Some(now + TimeDelta::days(2));
    let mut past = offer("Échue", 1);
    past.application_deadline = Some(now - TimeDelta::minutes(1));
    let mut legacy = offer("Date limite échue", 0);
    legacy.application_deadline = None;
    legacy.date_limite = Some(now - TimeDelta::days(1));
    app.insert_offers(&[open.clone(), past.clone(), legacy]).await;

    let listed = app.get_as(&candidate, "/api/v1/jobs/").await;
    let flags: Vec<(&str, bool)> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["title"].as_str().unwrap(), o["is_open"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("Encore ouverte", true), ("Échue", false), ("Date limite échue", false)]);
    let read = app.get_as(&candidate, &format!("/api/v1/jobs/{}", past.id)).await;
    assert_eq!((read.body["is_open"].as_bool(), read.body["status"].as_str()), (Some(false), Some("active")));
}

on_backends!(Sqlite, Postgres =>
    each_kind_of_caller_lists_and_reads_what_k3b_lets_it_see,
    staff_list_the_full_job_shape_and_candidates_the_public_one,
    a_recruiter_publishes_an_offer_audited_without_its_values,
    a_creation_breaking_rules_names_every_field_and_stores_nothing,
    mtp_limits_hold_on_create_and_update_and_through_the_legacy_strings,
    invalid_updates_are_refused_and_nothing_is_stored,
    only_the_owner_recruiter_or_an_admin_changes_an_offer,
    an_offer_with_applications_cannot_be_deleted,
    search_ignores_accents_and_case_and_ranks_title_matches_first,
    pages_report_the_true_total_on_both_lists,
    statistics_count_the_recruiter_s_offers_and_their_applications,
    the_applications_route_is_wired_and_checks_permissions,
    offers_past_their_deadline_are_flagged_closed_when_read,
);
