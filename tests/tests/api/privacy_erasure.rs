//! `POST /api/v1/users/{user_id}/erase` (B7): once an administrator erased a candidate, none of the candidate's
//! personal values is found anywhere the service keeps data: any row of any table (e-mail log and outbox
//! included), the document store's folder, the data lake's folder; the account can no longer sign in; the other
//! candidates' data is untouched. Only an administrator erases, never their own account, and an erasure is
//! refused while an application is in progress unless forced. Erasing twice, or twice at once, erases once.

use std::path::Path;

use sea_orm::{ConnectionTrait as _, DbBackend, Statement};
use seeg_application::outbox::OutboxStore;
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::eventually::eventually;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

const EMAIL: &str = "zephyrine.ondo-mba@example.com";
/// The address an administrator gives the account after mail went to `EMAIL`.
const NEW_EMAIL: &str = "z.ondo.nouvelle@example.com";
/// What the search for the candidate looks for, lower-cased: e-mails (earlier and current), names (accented and
/// folded), phone, address.
const NEEDLES: [&str; 7] =
    ["zephyrine.ondo-mba", "z.ondo.nouvelle", "zéphyrine", "zephyrine", "ondo-mba", "77 12 34 56", "quartier akébé"];

/// Every event handled: nothing pending, nothing dead.
async fn drained(app: &TestApp) {
    let outbox: &dyn OutboxStore = &app.database;
    eventually("the outbox drained", async || {
        let stats = outbox.stats().await.unwrap();
        (stats.pending == 0 && stats.dead == 0).then_some(())
    })
    .await;
}

/// Every value of every row of every table, as text, one line per row, prefixed with its table.
async fn every_row(app: &TestApp) -> Vec<String> {
    let conn = sea_orm::Database::connect(app.database_url()).await.unwrap();
    let backend = conn.get_database_backend();
    let query = |sql: String| {
        let conn = &conn;
        async move { conn.query_all_raw(Statement::from_string(backend, sql)).await.unwrap() }
    };
    let tables: Vec<String> = match backend {
        DbBackend::Postgres => query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'".into()).await,
        _ => query("SELECT name AS tablename FROM sqlite_master WHERE type = 'table'".into()).await,
    }
    .iter()
    .map(|row| row.try_get::<String>("", "tablename").unwrap())
    .collect();
    let mut lines = Vec::new();
    for table in tables {
        let columns: Vec<(String, String)> = match backend {
            DbBackend::Postgres => {
                query(format!(
                    "SELECT column_name AS name, data_type AS kind FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = '{table}'"
                ))
                .await
            }
            _ => query(format!("SELECT name, type AS kind FROM pragma_table_info('{table}')")).await,
        }
        .iter()
        .map(|row| (row.try_get::<String>("", "name").unwrap(), row.try_get::<String>("", "kind").unwrap()))
        .collect();
        // Bytes (an idempotent answer kept) are read as text too.
        let select: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, (name, kind))| match (backend, kind.as_str()) {
                (DbBackend::Postgres, "bytea") => format!("encode(\"{name}\", 'escape') AS c{i}"),
                (DbBackend::Postgres, _) => format!("CAST(\"{name}\" AS TEXT) AS c{i}"),
                // SQLite keeps ids as bytes: every value is read as bytes, and shown as (lossy) text.
                _ => format!("CAST(\"{name}\" AS BLOB) AS c{i}"),
            })
            .collect();
        for row in query(format!("SELECT {} FROM \"{table}\"", select.join(", "))).await {
            let value = |i: usize| -> String {
                let column = format!("c{i}");
                match backend {
                    DbBackend::Postgres => row.try_get::<Option<String>>("", &column).unwrap().unwrap_or_default(),
                    _ => String::from_utf8_lossy(
                        &row.try_get::<Option<Vec<u8>>>("", &column).unwrap().unwrap_or_default(),
                    )
                    .into_owned(),
                }
            };
            let values: Vec<String> = (0..columns.len()).map(value).collect();
            lines.push(format!("{table}: {}", values.join(" | ")));
        }
    }
    conn.close().await.unwrap();
    lines
}

/// Every file under `root`: its path and its bytes.
fn every_file(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files
}

/// Every file under `root` as one text: each path, then its bytes (lossy).
fn all_text(root: &Path) -> String {
    every_file(root).iter().fold(String::new(), |mut text, (path, bytes)| {
        text.push_str(path);
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(bytes));
        text
    })
}

/// The needles found in `text` (lower-cased first).
fn found(text: &str) -> Vec<&'static str> {
    let text = text.to_lowercase();
    NEEDLES.into_iter().filter(|needle| text.contains(needle)).collect()
}

async fn erase(app: &TestApp, token: &str, user: uuid::Uuid, body: &Value) -> Answer {
    app.post_as(token, &format!("/api/v1/users/{user}/erase"), body).await
}

async fn after_an_erasure_no_personal_value_is_left_anywhere(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn_with_folders(backend, dir.path()).await;
    let offer = app.open_offer("Ingénieur Électricité", OfferVisibility::Everyone).await;
    let candidate = app
        .insert_account_with(Role::Candidate, EMAIL, |u| {
            "Zéphyrine".clone_into(&mut u.first_name);
            "Ondo-Mba".clone_into(&mut u.last_name);
            u.phone = Some("+241 77 12 34 56".to_owned());
            u.adresse = Some("Quartier Akébé, Libreville".to_owned());
            u.poste_actuel = Some("Technicienne de Zéphyrine Ondo-Mba".to_owned());
        })
        .await;
    let token = app.log_in(EMAIL).await.access_token;
    let other = app.token_for(Role::Candidate, "autre.personne@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;

    // The candidate's data everywhere the service puts it: profile, draft, application (answers, references,
    // documents whose text names them), notes, an interview slot, evaluations, e-mails, a password reset.
    let profile = json!({"address": "Quartier Akébé", "linkedin_url": "https://linkedin.com/in/zephyrine-ondo-mba",
        "skills": ["Zéphyrine Ondo-Mba"], "education": "Master"});
    assert_eq!(app.put_as(&token, "/api/v1/users/me/profile", &profile).await.status, 200);
    let mut body = seeg_tests::submissions::submission_body(&offer, "Zéphyrine Ondo-Mba");
    body["ref_fullname"] = json!("Référente de Zéphyrine Ondo-Mba");
    body["mtp_answers"]["reponses_talent"] = json!(["Je suis Zéphyrine Ondo-Mba"]);
    let submitted = seeg_tests::submissions::Submitted::from_answer(&app.post_submission(&token, &body).await);
    let kept = app.submit(&other.token, &offer, "autre").await;
    let draft_offer = app.open_offer("Comptable", OfferVisibility::Everyone).await;
    let draft = json!({"job_offer_id": draft_offer.id, "form_data": {"note": "Brouillon de Zéphyrine Ondo-Mba"}});
    let saved = app.post_as(&token, "/api/v1/applications/drafts/by-offer", &draft).await;
    assert_eq!(saved.status, 201, "{}", saved.body);
    let id = submitted.id;
    let moved = app
        .put_as(
            &recruiter,
            &format!("/api/v1/applications/{id}"),
            &json!({"status": "incubation",
            "notes": "Bon échange avec Zéphyrine Ondo-Mba"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let slot = json!({"date": "2027-01-11", "time": "09:30:00", "application_id": id,
        "candidate_name": "Zéphyrine Ondo-Mba", "job_title": "Ingénieur", "notes": "Appeler au +241 77 12 34 56"});
    // Booked with an idempotency key: the answer kept for a retry names the candidate.
    let booked = app
        .client
        .post(app.url("/api/v1/interviews/slots"))
        .bearer_auth(&recruiter)
        .header("Idempotency-Key", "reservation-entretien-1")
        .json(&slot)
        .send()
        .await
        .unwrap();
    assert_eq!(booked.status(), 201);
    let evaluation = json!({"application_id": id, "status": "in_progress", "documentary_score": 15,
        "general_summary": "Zéphyrine Ondo-Mba convainc", "cv_comments": "CV de Zéphyrine"});
    let evaluated = app.post_as(&recruiter, "/api/v1/evaluations/protocol1", &evaluation).await;
    assert_eq!(evaluated.status, 201, "{}", evaluated.body);
    let mail = json!({"to": EMAIL, "subject": "Entretien de Zéphyrine Ondo-Mba", "body": "Bonjour Zéphyrine"});
    assert_eq!(app.post_as(&recruiter, "/api/v1/emails/send", &mail).await.status, 201);
    assert_eq!(app.post_json("/api/v1/auth/forgot-password", &json!({"email": EMAIL})).await.status, 200);
    // Then an administrator changes the account's address: the mail above went to an address it no longer has.
    let changed = app.put_as(&admin, &format!("/api/v1/users/{}", candidate.id), &json!({"email": NEW_EMAIL})).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    // An application exported to the lake, then deleted by the candidate: its lake objects go with the erasure.
    let withdrawn_offer = app.open_offer("Électricien", OfferVisibility::Everyone).await;
    let withdrawn = app.submit(&token, &withdrawn_offer, "Zéphyrine Ondo-Mba").await;
    drained(&app).await;
    let deleted = app.delete_as(&token, &format!("/api/v1/applications/{}", withdrawn.id)).await;
    assert!(deleted.status < 300, "{}", deleted.body);
    drained(&app).await;
    let lake = seeg_adapters_blob::LakeStorage::local(&dir.path().join("raw")).unwrap();
    assert!(lake.keys("").await.unwrap().iter().any(|k| k.contains(&withdrawn.id.to_string())), "exported before");
    // The search finds the candidate before: it looks in the right places.
    let before = every_row(&app).await.join("\n");
    for needle in NEEDLES {
        assert!(before.to_lowercase().contains(needle), "{needle} stored before the erasure");
    }
    let lake_before = all_text(&dir.path().join("raw"));
    assert!(!found(&lake_before).is_empty(), "the lake holds the candidate before");
    let blobs_before = all_text(&dir.path().join("blobs"));
    assert!(!found(&blobs_before).is_empty(), "the stored documents name the candidate before");

    // The documents were stored days ago (younger ones are left to the sweep: another submission of the same
    // bytes may be storing them right now).
    let two_days_ago: std::time::SystemTime =
        (seeg_application::Clock::now(&seeg_application::SystemClock) - chrono::TimeDelta::days(2)).into();
    for (path, _) in every_file(&dir.path().join("blobs")) {
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(two_days_ago).unwrap();
    }

    // In progress: refused unless forced, and nothing changes.
    let refused = erase(&app, &admin, candidate.id, &json!({"reason": "Demande du candidat"})).await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (409, Some("applications_in_progress")),
        "{}",
        refused.body
    );
    assert_eq!(app.attempt_login(NEW_EMAIL, PASSWORD).await.status, 200, "a refused erasure changes nothing");

    let erased =
        erase(&app, &admin, candidate.id, &json!({"reason": "Demande du candidat (courrier)", "force": true})).await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.body["user_id"], candidate.id.to_string());
    assert_eq!(erased.body["forced"], true);
    assert_eq!(erased.body["applications_closed"], 1);
    assert_eq!(erased.body["documents_deleted"], 3);
    assert_eq!(erased.header("cache-control"), Some("no-store"));
    let again = erase(&app, &admin, candidate.id, &json!({"reason": "Une seconde fois"})).await;
    assert_eq!((again.status, &again.body), (200, &erased.body), "idempotent: the first erasure answers");
    drained(&app).await;

    // Nowhere: not in a row of any table, a stored object or a lake object (their names included).
    let rows = every_row(&app).await;
    let leaks: Vec<&String> = rows.iter().filter(|row| !found(row).is_empty()).collect();
    assert!(leaks.is_empty(), "personal values left in rows: {leaks:#?}");
    for folder in ["blobs", "raw"] {
        for (path, bytes) in every_file(&dir.path().join(folder)) {
            let text = format!("{path}\n{}", String::from_utf8_lossy(&bytes));
            assert!(found(&text).is_empty(), "{:?} left in {path}", found(&text));
        }
    }
    // The account cannot sign in, its token is refused, and it shows as erased.
    for address in [EMAIL, NEW_EMAIL] {
        assert_eq!(app.attempt_login(address, PASSWORD).await.status, 401);
    }
    assert_eq!(app.get_as(&token, "/api/v1/users/me").await.status, 401);
    let shown = app.get_as(&admin, &format!("/api/v1/users/{}", candidate.id)).await;
    assert_eq!(shown.status, 200, "{}", shown.body);
    let shown = shown.body.get("data").unwrap_or(&shown.body);
    assert_eq!((shown["first_name"].as_str(), shown["last_name"].as_str()), (Some("Compte"), Some("effacé")));
    assert_eq!(shown["statut"], "archivé");
    // The application stays, closed, for the statistics.
    let application = app.get_as(&admin, &format!("/api/v1/applications/{id}")).await;
    assert_eq!(application.status, 200, "{}", application.body);
    let application = application.body.get("data").unwrap_or(&application.body);
    assert_eq!(application["status"], "retiree");
    // The lake still has the candidate's dimension and fact, without personal fields, and no PDF of theirs; the
    // deleted application's objects are gone.
    let keys = lake.keys("").await.unwrap();
    assert!(!keys.iter().any(|k| k.contains(&withdrawn.id.to_string())), "{keys:?}");
    let fact = keys.iter().find(|k| k.starts_with("facts/") && k.ends_with(&format!("/{id}.json"))).expect("the fact");
    let fact: Value = serde_json::from_slice(&lake.get(fact).await.unwrap().unwrap().bytes).unwrap();
    assert_eq!((fact["status"].as_str(), fact["documents_count"].as_u64()), (Some("retiree"), Some(0)), "{fact}");
    assert!(!keys.iter().any(|k| k.starts_with("documents/") && k.contains(&id.to_string())), "{keys:?}");
    // Nobody else's data went: the other candidate's application, documents and lake objects are whole.
    let kept_keys = keys.iter().filter(|k| k.contains(&kept.id.to_string())).count();
    assert_eq!(kept_keys, 4, "the other's fact and three PDFs: {keys:?}");
    let documents = app.get_as(&other.token, &format!("/api/v1/applications/{}/documents", kept.id)).await;
    assert_eq!(documents.status, 200, "{}", documents.body);
    let documents = documents.body.get("data").unwrap_or(&documents.body).as_array().cloned().unwrap_or_default();
    assert_eq!(documents.len(), 3, "{documents:?}");
    assert_eq!(app.attempt_login("autre.personne@example.com", PASSWORD).await.status, 200);
}

async fn only_an_administrator_erases_and_never_their_own_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let awa = app.token_for(Role::Candidate, "awa@example.com").await;
    let ali = app.token_for(Role::Candidate, "ali@example.com").await;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await;
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let reason = json!({"reason": "Demande du candidat"});
    for (token, who) in [
        (&awa.token, "itself"),
        (&ali.token, "another candidate"),
        (&recruiter.token, "a recruiter"),
        (&observer.token, "an observer"),
    ] {
        let answer = erase(&app, token, awa.user.id, &reason).await;
        assert_eq!((answer.status, answer.body["code"].as_str()), (403, Some("forbidden")), "{who}: {}", answer.body);
    }
    // Refused before the body is read: a non-administrator's malformed body is still a 403.
    assert_eq!(
        app.post_as(&recruiter.token, &format!("/api/v1/users/{}/erase", awa.user.id), &json!([])).await.status,
        403
    );
    let own = erase(&app, &admin.token, admin.user.id, &reason).await;
    assert_eq!((own.status, own.body["code"].as_str()), (400, Some("own_account_unerasable")), "{}", own.body);
    let unknown = erase(&app, &admin.token, uuid::Uuid::nil(), &reason).await;
    assert_eq!(unknown.status, 404);
    for (body, what) in [
        (json!({"reason": "  abc "}), "a reason too short"),
        (json!({"reason": "x".repeat(1_001)}), "a reason too long"),
        (json!({"reason": "Demande\u{0}"}), "a control character"),
        (json!({}), "no reason"),
        (json!({"reason": "Demande du candidat", "forcer": true}), "an unknown field"),
        (json!({"reason": "Demande du candidat", "force": "oui"}), "force not a boolean"),
    ] {
        let answer = erase(&app, &admin.token, awa.user.id, &body).await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (422, Some("validation_error")),
            "{what}: {}",
            answer.body
        );
    }
    let path = app.post_as(&admin.token, "/api/v1/users/pas-un-uuid/erase", &reason).await;
    assert_eq!(path.status, 422);
    let anonymous = app.post_json(&format!("/api/v1/users/{}/erase", awa.user.id), &reason).await;
    assert_eq!(anonymous.status, 401);
    // Nothing above erased anything.
    assert_eq!(app.attempt_login("awa@example.com", PASSWORD).await.status, 200);
    // A staff account is not erased (it is deactivated); another administrator's neither.
    for user in [recruiter.user.id, observer.user.id] {
        let answer = erase(&app, &admin.token, user, &reason).await;
        assert_eq!(
            (answer.status, answer.body["code"].as_str()),
            (409, Some("account_not_candidate")),
            "{}",
            answer.body
        );
    }
    assert_eq!(app.attempt_login("rh@seeg-gabon.com", PASSWORD).await.status, 200);
    // A candidate without an application in progress is erased without force.
    let answer = erase(&app, &admin.token, awa.user.id, &reason).await;
    assert_eq!((answer.status, answer.body["forced"].as_bool()), (200, Some(false)), "{}", answer.body);
}

/// Two erasures of one account at once: both answer the same erasure, which happened once (one audit line, one
/// `privacy.erased` event).
async fn two_erasures_at_once_erase_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let awa = app.token_for(Role::Candidate, "awa@example.com").await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await;
    let second = app.token_for(Role::Admin, "admin2@seeg-gabon.com").await;
    let (first, again) = (json!({"reason": "Demande du candidat"}), json!({"reason": "Demande reçue deux fois"}));
    let (a, b) =
        tokio::join!(erase(&app, &admin.token, awa.user.id, &first), erase(&app, &second.token, awa.user.id, &again),);
    assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.body, b.body);
    assert_eq!(a.body, b.body, "both answer the one erasure");
    let conn = sea_orm::Database::connect(app.database_url()).await.unwrap();
    let backend = conn.get_database_backend();
    let count = |sql: &str| {
        let statement = Statement::from_string(backend, sql.to_owned());
        let conn = &conn;
        async move { conn.query_one_raw(statement).await.unwrap().unwrap().try_get::<i64>("", "n").unwrap() }
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM outbox_events WHERE kind = 'privacy.erased'").await, 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'user.erased'").await, 1);
    assert_eq!(count("SELECT COUNT(*) AS n FROM account_erasures").await, 1);
}

/// Requests already past their token check when an erasure commits write nothing back: each candidate's own
/// update, profile save, draft save and submission race its (forced) erasure, and afterwards no row holds what
/// they sent.
async fn requests_in_flight_during_an_erasure_write_nothing_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let offer = app.open_offer("Comptable", OfferVisibility::Everyone).await;
    let mut candidates = Vec::new();
    for i in 0..8 {
        candidates.push(app.token_for(Role::Candidate, &format!("course{i}@example.com")).await);
    }
    let races = candidates.iter().map(|c| {
        let (app, admin, offer) = (&app, &admin, &offer);
        async move {
            let me = json!({"first_name": "Zéphyrine", "last_name": "Ondo-Mba"});
            let profile = json!({"address": "Quartier Akébé", "skills": ["Zéphyrine"]});
            let draft = json!({"job_offer_id": offer.id, "form_data": {"nom": "Zéphyrine Ondo-Mba"}});
            let mut submission = seeg_tests::submissions::submission_body(offer, "candidature");
            submission["ref_fullname"] = json!("Référente de Zéphyrine Ondo-Mba");
            // Forced: the submission may land first, and its application is then in progress.
            let reason = json!({"reason": "Demande du candidat", "force": true});
            let (erased, _, _, _, submitted) = tokio::join!(
                erase(app, admin, c.user.id, &reason),
                app.put_as(&c.token, "/api/v1/users/me", &me),
                app.put_as(&c.token, "/api/v1/users/me/profile", &profile),
                app.post_as(&c.token, "/api/v1/applications/drafts/by-offer", &draft),
                app.post_submission(&c.token, &submission),
            );
            assert_eq!(erased.status, 200, "{}", erased.body);
            assert!([201, 401].contains(&submitted.status), "landed first or refused: {}", submitted.body);
        }
    });
    futures_util::future::join_all(races).await;
    let rows = every_row(&app).await;
    let leaks: Vec<&String> = rows.iter().filter(|row| !found(row).is_empty()).collect();
    assert!(leaks.is_empty(), "written back after the erasure: {leaks:#?}");
}

on_backends!(Sqlite, Postgres =>
    requests_in_flight_during_an_erasure_write_nothing_back,
    after_an_erasure_no_personal_value_is_left_anywhere,
    only_an_administrator_erases_and_never_their_own_account,
    two_erasures_at_once_erase_once,
);
