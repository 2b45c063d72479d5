//! `/api/v1/emails/*` (legacy §1.12, S8) and the e-mail preferences (B9): staff messages and convocations are
//! queued through the outbox and become `sent` in the admin log once the relay ran; every field is checked
//! (422 naming it, 413 for an oversized body), header injection and recipient floods are refused, user text is
//! escaped, an `Idempotency-Key` replays the first answer, and an account that turned non-essential e-mails off
//! gets only the essential ones.

use std::sync::Arc;

use reqwest::Method;
use seeg_adapters_mail::MemoryMailer;
use seeg_application::Page;
use seeg_application::mail::{EmailLogFilter, EmailLogRepository, MailMessage};
use seeg_domain::identity::{Role, Sexe};
use seeg_domain::offers::OfferVisibility;
use seeg_tests::eventually::eventually;
use seeg_tests::http::Answer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};

struct World {
    app: TestApp,
    mailer: MemoryMailer,
    admin: String,
    recruiter: String,
    observer: String,
    candidate: String,
}

async fn world(backend: Backend) -> World {
    let mailer = MemoryMailer::new();
    let app = TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await;
    let admin = app.token_for(Role::Admin, "admin@seeg-gabon.com").await.token;
    let recruiter = app.token_for(Role::Recruiter, "rh@seeg-gabon.com").await.token;
    let observer = app.token_for(Role::Observer, "obs@seeg-gabon.com").await.token;
    let candidate = app.token_for(Role::Candidate, "awa@example.com").await.token;
    World { app, mailer, admin, recruiter, observer, candidate }
}

fn message(to: &str) -> Value {
    json!({ "to": to, "subject": "Réunion d'équipe – été 🎯", "body": "Bonjour,\n\nÀ demain.\nL'équipe" })
}

fn convocation(to: &str) -> Value {
    json!({
        "to": to,
        "candidate_full_name": "Jean Obiang",
        "job_title": "Technicien réseau",
        "date": "2026-12-14",
        "time": "09:30",
    })
}

/// The message the relay delivered with this id.
async fn delivered(mailer: &MemoryMailer, id: &str) -> MailMessage {
    eventually(&format!("message {id} delivered"), async || mailer.sent().into_iter().find(|m| m.id.to_string() == id))
        .await
}

/// The admin log, once the row of `id` reads `status`.
async fn logged(w: &World, query: &str, id: &str, status: &str) -> Value {
    eventually(&format!("log row {id} {status}"), async || {
        let answer = w.app.get_as(&w.admin, &format!("/api/v1/emails/logs{query}")).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let row = answer.body["data"].as_array().unwrap().iter().find(|r| r["id"] == id).cloned()?;
        (row["status"] == status).then_some(row)
    })
    .await
}

async fn log_count(w: &World) -> u64 {
    let all = w.app.database.list(&EmailLogFilter::default(), Page { skip: 0, limit: 1000 }).await.unwrap();
    all.total
}

fn id_of(answer: &Answer) -> String {
    answer.body["message_id"].as_str().unwrap_or_else(|| panic!("message_id in {}", answer.body)).to_owned()
}

fn field_of(answer: &Answer) -> Vec<String> {
    answer.body["errors"]
        .as_array()
        .map_or_else(Vec::new, |errors| errors.iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect())
}

async fn every_role_on_every_route(backend: Backend) {
    let w = world(backend).await;
    let routes: [(Method, &str, Option<Value>, [u16; 5]); 5] = [
        (Method::POST, "/api/v1/emails/send", Some(message("dest@example.com")), [401, 403, 403, 201, 201]),
        (
            Method::POST,
            "/api/v1/emails/send-interview-email",
            Some(convocation("dest@example.com")),
            [401, 403, 403, 201, 201],
        ),
        (Method::GET, "/api/v1/emails/logs", None, [401, 403, 403, 403, 200]),
        (Method::GET, "/api/v1/users/me/notification-settings", None, [401, 200, 200, 200, 200]),
        (
            Method::PUT,
            "/api/v1/users/me/notification-settings",
            Some(json!({"email_non_essential": true})),
            [401, 200, 200, 200, 200],
        ),
    ];
    let callers = [None, Some(&w.candidate), Some(&w.observer), Some(&w.recruiter), Some(&w.admin)];
    let mut mismatches = Vec::new();
    for (method, path, body, expected) in &routes {
        for (caller, status) in callers.iter().zip(expected) {
            let answer = w.app.call(method.clone(), path, caller.map(String::as_str), body.as_ref()).await;
            if answer.status != *status {
                mismatches.push(format!("{method} {path} as {caller:?}: {} {}", answer.status, answer.body));
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
    assert_eq!(log_count(&w).await, 4, "two sends each by the recruiter and the admin, nothing for the refused");
}

async fn a_message_is_queued_then_sent_and_shows_in_the_log(backend: Backend) {
    let w = world(backend).await;
    let mut body = message("Dest@Example.com");
    body["cc"] = json!(["copie@example.com"]);
    body["bcc"] = json!(["cache@example.com"]);
    body["html_body"] =
        json!("<p onclick=\"x()\">Cliquez <a href=\"https://evil.example\">ici</a></p><script>x()</script>");
    let answer = w.app.post_as(&w.recruiter, "/api/v1/emails/send", &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        (answer.body["success"].as_bool(), answer.body["message"].as_str()),
        (Some(true), Some("Email envoyé avec succès"))
    );
    let id = id_of(&answer);

    let sent = delivered(&w.mailer, &id).await;
    assert_eq!((sent.to.as_str(), sent.subject.as_str()), ("dest@example.com", "Réunion d'équipe – été 🎯"));
    assert_eq!(
        (sent.cc.clone(), sent.bcc.clone()),
        (vec!["copie@example.com".to_owned()], vec!["cache@example.com".to_owned()])
    );
    assert_eq!(sent.text, "Bonjour,\n\nÀ demain.\nL'équipe\n");
    assert!(!sent.html.contains("<script>") && !sent.html.contains("<a href"), "caller HTML is text: {}", sent.html);
    assert!(sent.html.contains("&lt;script&gt;x()&lt;/script&gt;"), "{}", sent.html);

    let row = logged(&w, "?status_filter=sent", &id, "sent").await;
    assert_eq!(row["recipient_email"], "dest@example.com, copie@example.com, cache@example.com");
    assert_eq!((row["subject"].as_str(), row["category"].as_str()), (Some("Réunion d'équipe – été 🎯"), Some("sent")));
    assert_eq!((row["attempts"].as_u64(), row["error_message"].clone()), (Some(1), Value::Null));
    assert_eq!(row["kind"], "manual");
    assert!(row["sent_at"].is_string() && row["provider_message_id"].is_null(), "{row}");
    let page = w.app.get_as(&w.admin, "/api/v1/emails/logs?status_filter=queued").await;
    assert_eq!((page.body["total"].as_u64(), page.body["has_more"].as_bool()), (Some(0), Some(false)));
    let page = w.app.get_as(&w.admin, "/api/v1/emails/logs?to=COPIE@&limit=1").await;
    assert_eq!((page.body["total"].as_u64(), page.body["limit"].as_u64()), (Some(1), Some(1)), "{}", page.body);
    assert_eq!(page.body["message"], "Logs récupérés avec succès");

    // The audit row names the message, never an address (S12).
    let audit = w.app.get_as(&w.admin, "/api/v1/audit?action=email.sent").await;
    let events = audit.body["data"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{}", audit.body);
    assert_eq!((events[0]["target_type"].as_str(), events[0]["target_id"].as_str()), (Some("email"), Some(&*id)));
    assert!(!audit.body.to_string().contains("example.com"), "{}", audit.body);
}

async fn the_log_query_is_checked(backend: Backend) {
    let w = world(backend).await;
    for (query, field) in [
        ("status_filter=suppressed", "query.status_filter"),
        ("limit=0", "query.limit"),
        ("limit=1001", "query.limit"),
        ("skip=-1", "query.skip"),
        ("application_id=nope", "query.application_id"),
        ("date_from=14/12/2026", "query.date_from"),
    ] {
        let answer = w.app.get_as(&w.admin, &format!("/api/v1/emails/logs?{query}")).await;
        assert_eq!((answer.status, field_of(&answer)), (422, vec![field.to_owned()]), "{query}: {}", answer.body);
    }
    for status in ["queued", "sent", "failed", "dead"] {
        let answer = w.app.get_as(&w.admin, &format!("/api/v1/emails/logs?status_filter={status}&limit=1000")).await;
        assert_eq!(answer.status, 200, "{status}");
    }
    let answer = w.app.get_as(&w.admin, "/api/v1/emails/logs?date_from=2026-01-01&date_to=2026-01-01").await;
    assert_eq!((answer.status, answer.body["total"].as_u64()), (200, Some(0)));
}

async fn every_field_is_checked_and_nothing_is_queued(backend: Backend) {
    let w = world(backend).await;
    let with = |key: &str, value: Value| {
        let mut body = message("dest@example.com");
        body[key] = value;
        body
    };
    let many = |n: usize| Value::Array((0..n).map(|i| json!(format!("d{i}@example.com"))).collect());
    let cases: Vec<(&str, Value, &str)> = vec![
        ("invalid to", with("to", json!("pas-une-adresse")), "body.to"),
        ("header injection in to", with("to", json!("a@example.com\r\nBcc: b@example.com")), "body.to"),
        ("header injection in cc", with("cc", json!(["a@example.com\nBcc: b@example.com"])), "body.cc"),
        ("invalid bcc", with("bcc", json!(["@example.com"])), "body.bcc"),
        ("empty subject", with("subject", json!("  ")), "body.subject"),
        ("long subject", with("subject", json!("x".repeat(256))), "body.subject"),
        ("header injection in subject", with("subject", json!("Objet\r\nBcc: victime@example.com")), "body.subject"),
        ("empty body", with("body", json!("")), "body.body"),
        ("long body", with("body", json!("x".repeat(50_001))), "body.body"),
        ("51 recipients", with("cc", many(50)), "body.recipients"),
    ];
    for (what, body, field) in cases {
        let answer = w.app.post_as(&w.admin, "/api/v1/emails/send", &body).await;
        assert_eq!((answer.status, field_of(&answer)), (422, vec![field.to_owned()]), "{what}: {}", answer.body);
        assert_eq!(answer.body["code"], "validation_error");
    }
    let fifty = w.app.post_as(&w.admin, "/api/v1/emails/send", &with("cc", many(49))).await;
    assert_eq!(fifty.status, 201, "50 recipients in all are accepted: {}", fifty.body);

    let missing = w.app.post_as(&w.admin, "/api/v1/emails/send", &json!({"subject": "s", "body": "b"})).await;
    assert_eq!(missing.status, 422, "{}", missing.body);
    // 10 000 recipients, or a body of 100 000 characters: over the 64 KiB limit, refused before decoding.
    for (what, body) in
        [("10 000 recipients", with("bcc", many(10_000))), ("huge body", with("body", json!("x".repeat(100_000))))]
    {
        let answer = w.app.post_as(&w.admin, "/api/v1/emails/send", &body).await;
        assert_eq!((answer.status, answer.body["code"].as_str()), (413, Some("payload_too_large")), "{what}");
    }
    let malformed = w
        .app
        .client
        .post(w.app.url("/api/v1/emails/send"))
        .bearer_auth(&w.admin)
        .header("content-type", "application/json")
        .body(r#"{"to": "a@example.com", "subject": "#)
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 422);
    assert_eq!(log_count(&w).await, 1, "only the valid one was queued");
}

async fn a_convocation_is_rendered_in_french_with_user_text_escaped(backend: Backend) {
    let w = world(backend).await;
    let known = w.app.insert_account_with(Role::Candidate, "jean@example.com", |u| {
        u.sexe = Some(Sexe::Male);
        "Jean".clone_into(&mut u.first_name);
        "Obiang".clone_into(&mut u.last_name);
    });
    known.await;
    let job = w.app.open_offer("Technicien réseau", OfferVisibility::Everyone).await;
    let candidate = w.app.insert_account(Role::Candidate, "awa.mba@example.com").await;
    let application =
        w.app.seed_application(candidate.id, job.id, seeg_domain::applications::ApplicationStatus::Candidature).await;

    let mut body = convocation("jean@example.com");
    body["time"] = json!("09:30:45");
    body["job_title"] = json!("Technicien <b>réseau</b>");
    body["additional_notes"] = json!("<script>alert('x')</script> Apportez vos diplômes.");
    body["application_id"] = json!(application.id);
    let answer = w.app.post_as(&w.recruiter, "/api/v1/emails/send-interview-email", &body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["message"], "Email d'entretien envoyé avec succès");
    let id = id_of(&answer);
    let sent = delivered(&w.mailer, &id).await;
    assert_eq!(sent.subject, "Convocation à l'entretien - Technicien <b>réseau</b>");
    assert!(sent.text.contains("Bonjour Monsieur Jean Obiang,"), "R38 for a known account: {}", sent.text);
    assert!(sent.text.contains("lundi 14/12/2026 à 09:30"), "{}", sent.text);
    assert!(sent.text.contains("Salle de réunion du siège de la SEEG, Libreville"), "default place: {}", sent.text);
    assert!(!sent.html.contains("<script>") && !sent.html.contains("<b>"), "{}", sent.html);
    assert!(sent.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), "{}", sent.html);
    let query = format!("?application_id={}", application.id);
    let row = logged(&w, &query, &id, "sent").await;
    assert_eq!(
        (row["application_id"].as_str(), row["kind"].as_str()),
        (Some(&*application.id.to_string()), Some("interview_convocation"))
    );

    // An unknown address: the name the caller gave; a place of its own.
    let mut other = convocation("inconnu@example.com");
    other["candidate_full_name"] = json!("<img src=x onerror=alert(1)> Awa");
    other["location"] = json!("Agence de Port-Gentil");
    let id = id_of(&w.app.post_as(&w.admin, "/api/v1/emails/send-interview-email", &other).await);
    let sent = delivered(&w.mailer, &id).await;
    assert!(
        sent.text.contains("Bonjour <img src=x onerror=alert(1)> Awa,") && sent.text.contains("Agence de Port-Gentil")
    );
    assert!(sent.html.contains("Bonjour &lt;img src=x onerror=alert(1)&gt; Awa,"), "{}", sent.html);

    for (key, value, field) in [
        ("date", json!("14/12/2026"), "body.date"),
        ("date", json!("2026-02-30"), "body.date"),
        ("time", json!("9h30"), "body.time"),
        ("time", json!("25:00"), "body.time"),
        ("to", json!("x\r\n@example.com"), "body.to"),
        ("job_title", json!("Poste\r\nBcc: x@example.com"), "body.job_title"),
        ("candidate_full_name", json!(""), "body.candidate_full_name"),
        ("application_id", json!("pas-un-uuid"), "body.application_id"),
    ] {
        let mut body = convocation("dest@example.com");
        body[key] = value;
        let answer = w.app.post_as(&w.admin, "/api/v1/emails/send-interview-email", &body).await;
        assert_eq!((answer.status, field_of(&answer)), (422, vec![field.to_owned()]), "{key}: {}", answer.body);
    }
    let mut unknown = convocation("dest@example.com");
    unknown["application_id"] = json!("8a5e2f0e-8a43-4f5e-9d55-4f1f1b9d2c11");
    let answer = w.app.post_as(&w.admin, "/api/v1/emails/send-interview-email", &unknown).await;
    assert_eq!(answer.status, 404, "{}", answer.body);
    assert_eq!(log_count(&w).await, 2);
}

async fn an_idempotency_key_replays_the_first_send(backend: Backend) {
    let w = world(backend).await;
    let send = || {
        w.app
            .client
            .post(w.app.url("/api/v1/emails/send"))
            .bearer_auth(&w.admin)
            .header("Idempotency-Key", "envoi-unique")
            .json(&message("dest@example.com"))
            .send()
    };
    let answers = futures_util::future::join_all((0..5).map(|_| send())).await;
    let mut ids = Vec::new();
    for response in answers {
        let answer = Answer::read(response.unwrap()).await;
        match answer.status {
            201 => ids.push(id_of(&answer)),
            409 => assert_eq!(answer.body["code"], "idempotency_key_in_progress"),
            other => panic!("unexpected {other}: {}", answer.body),
        }
    }
    let replay = Answer::read(send().await.unwrap()).await;
    assert_eq!(replay.status, 201);
    ids.push(id_of(&replay));
    ids.dedup();
    assert_eq!(ids.len(), 1, "one message id for every answer: {ids:?}");
    assert_eq!(replay.header("idempotency-replayed"), Some("true"));
    assert_eq!(log_count(&w).await, 1, "queued once");
    delivered(&w.mailer, &ids[0]).await;
    assert_eq!(w.mailer.sent().len(), 1);
}

async fn an_account_that_turns_non_essential_mail_off_gets_only_the_essential(backend: Backend) {
    let w = world(backend).await;
    let settings = "/api/v1/users/me/notification-settings";
    let read = w.app.get_as(&w.candidate, settings).await;
    assert_eq!((read.status, read.body.clone()), (200, json!({"email_non_essential": true})), "on by default");
    for bad in [json!({"email_non_essential": "non"}), json!({}), json!({"email_non_essential": false, "sms": true})] {
        let answer = w.app.put_as(&w.candidate, settings, &bad).await;
        assert_eq!(answer.status, 422, "{bad}: {}", answer.body);
    }
    let off = w.app.put_as(&w.candidate, settings, &json!({"email_non_essential": false})).await;
    assert_eq!((off.status, off.body.clone()), (200, json!({"email_non_essential": false})));
    assert_eq!(w.app.get_as(&w.candidate, settings).await.body, json!({"email_non_essential": false}));
    assert_eq!(w.app.get_as(&w.observer, settings).await.body, json!({"email_non_essential": true}), "own only");

    // Non-essential: the submission's confirmation and the status change are not queued.
    let job = w.app.open_offer("Chef d'usine d'eau", OfferVisibility::Everyone).await;
    let application = w.app.submit(&w.candidate, &job, "awa").await;
    let moved = w
        .app
        .put_as(&w.recruiter, &format!("/api/v1/applications/{}", application.id), &json!({"status": "incubation"}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(log_count(&w).await, 0, "nothing queued for the candidate");
    // Essential: an interview convocation still goes out.
    let id = id_of(
        &w.app.post_as(&w.recruiter, "/api/v1/emails/send-interview-email", &convocation("awa@example.com")).await,
    );
    delivered(&w.mailer, &id).await;
    assert_eq!(w.mailer.sent().len(), 1, "the convocation alone");
    assert_eq!(log_count(&w).await, 1);

    // On again: the next status change is mailed.
    w.app.put_as(&w.candidate, settings, &json!({"email_non_essential": true})).await;
    let moved = w
        .app
        .put_as(&w.recruiter, &format!("/api/v1/applications/{}", application.id), &json!({"status": "refuse"}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    eventually("the status change is mailed", async || {
        w.mailer.sent().into_iter().find(|m| m.subject == "Votre candidature - Chef d'usine d'eau")
    })
    .await;
}

on_backends!(Sqlite, Postgres =>
    every_role_on_every_route,
    a_message_is_queued_then_sent_and_shows_in_the_log,
    the_log_query_is_checked,
    every_field_is_checked_and_nothing_is_queued,
    a_convocation_is_rendered_in_french_with_user_text_escaped,
    an_idempotency_key_replays_the_first_send,
    an_account_that_turns_non_essential_mail_off_gets_only_the_essential,
);
