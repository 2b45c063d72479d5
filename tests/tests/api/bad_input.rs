//! The bad-input catalogue (issue 18, scope 4; F1): every operation of the service's own OpenAPI document
//! (`/openapi.json`, so a new route is covered without editing this file), called by a role allowed to call it,
//! with real ids where its path needs one, receives malformed input of every kind — malformed and truncated JSON,
//! a wrong type in each declared field, huge strings, invalid UTF-8 in a body, a query parameter and a path
//! segment, unknown enum values, negative and huge numbers, a wrong `Content-Type`, encoded paths (`%2e%2e`,
//! `%2F`, `%00`) — and must answer each with a 4xx carrying the F1 body: JSON, a `code` of the catalogue whose
//! status is the response's, `status` equal to it, a French `detail`, the `request_id` of the response (and the
//! fields of a 422 `validation_error`). Every violation is collected, so one run shows them all.
//!
//! Requests are written on the socket as they are (a client library would normalise `%2e%2e` or refuse invalid
//! UTF-8 before sending it).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use seeg_adapters_http::ErrorCode;
use seeg_application::{IdGenerator as _, SystemIds};
use seeg_domain::identity::Role;
use seeg_domain::offers::OfferVisibility;
use seeg_tests::accounts::PASSWORD;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use uuid::Uuid;

const WEBHOOK_SECRET: &str = "un-secret-de-webhook-pour-le-catalogue";

/// The fewest cases any operation receives (an operation with neither parameter nor body gets four encoded paths).
const MIN_CASES: usize = 4;
/// The fewest body cases an operation with a JSON body receives.
const MIN_BODY_CASES: usize = 12;

/// What the service answered, read from the socket.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One request of the catalogue.
#[derive(Clone)]
struct Case {
    name: String,
    method: String,
    target: Vec<u8>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    token: Option<String>,
}

/// Sends `case` on a connection of its own, exactly as written, and reads the answer (the head only for an event
/// stream, which does not end).
async fn send(address: &str, case: &Case) -> Result<Raw, String> {
    let stream = tokio::net::TcpStream::connect(address).await.map_err(|e| format!("connect: {e}"))?;
    let (mut reader, mut writer) = stream.into_split();
    let mut request = Vec::with_capacity(case.body.len() + 512);
    request.extend_from_slice(case.method.as_bytes());
    request.push(b' ');
    request.extend_from_slice(&case.target);
    request.extend_from_slice(b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(token) = &case.token {
        request.extend_from_slice(format!("Authorization: Bearer {token}\r\n").as_bytes());
    }
    for (name, value) in &case.headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    if !case.body.is_empty() || ["POST", "PUT", "PATCH"].contains(&case.method.as_str()) {
        request.extend_from_slice(format!("Content-Length: {}\r\n", case.body.len()).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(&case.body);
    // The service may answer (413, 401, …) before it has read the whole body, then close: write on the side.
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        let _ = writer.flush().await;
        writer
    });
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let read = reader.read(&mut chunk).await.map_err(|e| format!("read: {e}"))?;
        if read == 0 {
            break;
        }
        received.extend_from_slice(&chunk[..read]);
        if answer_complete(&received) {
            break;
        }
    }
    writing.abort();
    parse(&received)
}

/// Whether `received` holds a whole answer: its head and as many bytes as its `Content-Length` says, or its last
/// chunk; an event stream's head only (it does not end). Stopping there, rather than at the end of the
/// connection, spares the wait the service grants a client to close after an answer sent before the body was
/// read (413, 401, …).
fn answer_complete(received: &[u8]) -> bool {
    let Some(end) = find(received, b"\r\n\r\n") else { return false };
    let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
    let body = &received[end + 4..];
    if head.contains("content-type: text/event-stream") {
        return true;
    }
    if let Some(length) = head.lines().find_map(|line| line.strip_prefix("content-length:")) {
        return length.trim().parse::<usize>().is_ok_and(|length| body.len() >= length);
    }
    if head.contains("transfer-encoding: chunked") {
        return body.ends_with(b"0\r\n\r\n");
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(received: &[u8]) -> Result<Raw, String> {
    let end = find(received, b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer ({} bytes: {:?})", received.len(), String::from_utf8_lossy(received)))?;
    let head = String::from_utf8_lossy(&received[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).ok_or(format!("status: {status_line}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':').map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned())))
        .collect();
    let mut body = received[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Ok(Raw { status, headers, body })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(data, b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let Ok(size) = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16) else { break };
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        let Some(chunk) = data.get(start..start + size) else { break };
        out.extend_from_slice(chunk);
        data = data.get(start + size + 2..).unwrap_or_default();
    }
    out
}

/// Words that show an English message (a framework's or serde's text) where a French one is owed.
const ENGLISH: &[&str] = &[
    "expected",
    "invalid",
    "missing",
    "unknown",
    "error",
    "while",
    "parsing",
    "deserialize",
    "deserializing",
    "failed",
    "found",
    "the",
    "line",
    "column",
    "eof",
    "payload",
    "overflow",
    "sequence",
    "variant",
    "cannot",
    "could",
    "trailing",
    "characters",
    "number",
    "must",
    "is",
    "of",
    "and",
    "at",
    "with",
    "larger",
    "allowed",
];

/// The English words of `text`, if any. Identifiers (`created_at`, `is_available`, `%%EOF`) are not words, and
/// the accepted values a message lists after "admises :" are the API's own words.
fn english_words(text: &str) -> Vec<String> {
    let prose = text.split(" admises :").next().unwrap_or(text);
    prose
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '%'))
        .map(str::to_lowercase)
        .filter(|word| ENGLISH.contains(&word.as_str()))
        .collect()
}

/// The English phrases the legacy contract keeps, which legacy clients look for (legacy-contract.md §0: the 401s).
const LEGACY_ENGLISH: [&str; 2] = ["Not authenticated", "Could not validate credentials"];

/// Whether `text` is a French message: not empty, and none of serde's or the framework's English in it.
fn french_problem(what: &str, text: Option<&str>) -> Option<String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Some(format!("{what} missing or empty"));
    };
    if LEGACY_ENGLISH.contains(&text) {
        return None;
    }
    let english = english_words(text);
    (!english.is_empty()).then(|| format!("{what} not French ({}): {text}", english.join(", ")))
}

/// Everything wrong with `raw` as the answer to bad input: a 4xx with the F1 body.
fn judge(raw: &Raw) -> Vec<String> {
    let mut problems = Vec::new();
    if !(400..500).contains(&raw.status) {
        problems.push(format!("status {} (a 4xx is owed)", raw.status));
    }
    let json_type = raw.header("content-type").is_some_and(|v| v.starts_with("application/json"));
    if !json_type {
        problems.push(format!("content-type {:?}", raw.header("content-type")));
    }
    let Ok(body @ Value::Object(_)) = serde_json::from_slice::<Value>(&raw.body) else {
        problems.push("body is not a JSON object".to_owned());
        return problems;
    };
    match body["code"].as_str() {
        None => problems.push("no code".to_owned()),
        Some(code) => match ErrorCode::ALL.iter().find(|c| c.as_str() == code) {
            None => problems.push(format!("code {code} is not in the catalogue")),
            Some(known) if known.status().as_u16() != raw.status => {
                problems.push(format!("code {code} is a {} in the catalogue", known.status().as_u16()));
            }
            Some(_) => {}
        },
    }
    if body["status"].as_u64() != Some(u64::from(raw.status)) {
        problems.push(format!("body status {} differs from {}", body["status"], raw.status));
    }
    problems.extend(french_problem("detail", body["detail"].as_str()));
    let request_id = body["request_id"].as_str().filter(|id| !id.is_empty());
    if request_id.is_none() || request_id != raw.header("x-request-id") {
        problems.push(format!("request_id {} vs header {:?}", body["request_id"], raw.header("x-request-id")));
    }
    if body["code"] == "validation_error" {
        match body["errors"].as_array().filter(|e| !e.is_empty()) {
            None => problems.push("a validation_error without errors".to_owned()),
            Some(errors) => {
                for error in errors {
                    if error["field"].as_str().is_none_or(str::is_empty) {
                        problems.push(format!("an error without field: {error}"));
                    }
                    problems.extend(french_problem("errors[].message", error["message"].as_str()));
                }
            }
        }
    }
    problems
}

/// Bad input the legacy contract answers with a 200 on purpose: `POST /auth/verify-matricule` reads "any JSON
/// object" and always answers 200 (legacy-contract.md §1.2, S7), `valid: false` for anything that is not an
/// employee's matricule. Such a case passes with that 200, or with a 4xx carrying the F1 body.
/// And `POST /auth/logout` reads a valid JSON body whatever its Content-Type (a beacon sends `text/plain`; legacy:
/// logout always answers 200): such a case passes with the logout's 200, or with a 4xx carrying the F1 body.
const LEGACY_LENIENT: [(&str, &str); 2] =
    [("POST /api/v1/auth/verify-matricule", "body.matricule: "), ("POST /api/v1/auth/logout", "body as ")];

fn judge_lenient(raw: &Raw) -> Vec<String> {
    let body: Value = serde_json::from_slice(&raw.body).unwrap_or_default();
    let unknown_matricule = body["valid"] == false && body["agent_info"].is_null();
    let logged_out = body["message"] == "Déconnexion réussie";
    if raw.status == 200 && (unknown_matricule || logged_out) {
        return Vec::new();
    }
    judge(raw)
}

/// The resources the catalogue's paths point to, and the callers.
struct World {
    app: TestApp,
    admin: Caller,
    candidate: Caller,
    /// A real value for each path parameter, by name.
    ids: BTreeMap<String, String>,
    /// The evaluation of each protocol (`{evaluation_id}` depends on the path).
    evaluations: BTreeMap<&'static str, String>,
    /// Known-valid bodies by `METHOD path`, each case changing one thing; other operations get a body made from
    /// their schema.
    bodies: BTreeMap<String, Value>,
}

#[derive(Clone)]
struct Caller {
    role: &'static str,
    email: String,
    token: String,
}

/// An id nothing has.
fn random_id() -> Uuid {
    SystemIds.new_id()
}

fn pdf_base64(label: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(seeg_tests::pdf::labelled_pdf(label))
}

impl World {
    async fn new(backend: Backend) -> Self {
        let app = TestApp::spawn_with(backend, seeg_application::outbox::HandlerRegistry::default(), |s| {
            s.webhook.secret = WEBHOOK_SECRET.to_owned().into();
        })
        .await;
        let admin_email = "admin.catalogue@seeg-gabon.com";
        let admin = app.token_for(Role::Admin, admin_email).await;
        let candidate_email = "candidat.catalogue@example.com";
        let candidate = app.token_for(Role::Candidate, candidate_email).await;
        let target = app.insert_account(Role::Candidate, "cible.catalogue@example.com").await;

        let applied = app.open_offer("Offre du catalogue", OfferVisibility::Everyone).await;
        let submitted = app.submit(&candidate.token, &applied, "catalogue").await;
        let application = submitted.id.to_string();
        let documents = app.get_as(&admin.token, &format!("/api/v1/applications/{application}/documents")).await;
        let document = documents.body["data"][0]["id"].as_str().expect("a document").to_owned();
        let slot = app
            .post_as(
                &admin.token,
                "/api/v1/interviews/slots",
                &json!({"date": "2027-01-04", "time": "09:00:00", "application_id": application}),
            )
            .await;
        let slot = slot.body["id"].as_str().unwrap_or_else(|| panic!("a slot: {}", slot.body)).to_owned();
        let mut evaluations = BTreeMap::new();
        for protocol in ["protocol1", "protocol2"] {
            let path = format!("/api/v1/evaluations/{protocol}");
            let created = app.post_as(&admin.token, &path, &json!({"application_id": application})).await;
            let id = created.body["id"].as_str().unwrap_or_else(|| panic!("an evaluation: {}", created.body));
            evaluations.insert(protocol, id.to_owned());
        }
        let notifications = app.get_as(&candidate.token, "/api/v1/notifications/").await;
        let notification = notifications.body["data"][0]["id"]
            .as_str()
            .or_else(|| notifications.body[0]["id"].as_str())
            .map_or_else(|| random_id().to_string(), str::to_owned);

        let ids: BTreeMap<String, String> = [
            ("application_id", application.clone()),
            ("document_id", document),
            ("slot_id", slot),
            ("job_id", applied.id.to_string()),
            ("user_id", target.id.to_string()),
            ("candidate_id", candidate.user.id.to_string()),
            ("notification_id", notification),
            // The outbox lists no ids: an unknown one (the route has no body, only its path is tried).
            ("event_id", random_id().to_string()),
        ]
        .into_iter()
        .map(|(name, id)| (name.to_owned(), id))
        .collect();

        let fresh = app.open_offer("Offre ouverte du catalogue", OfferVisibility::Everyone).await;
        let submission = seeg_tests::submissions::submission_body(&fresh, "catalogue");
        let bodies = [
            ("POST /api/v1/access-requests/approve", json!({"request_id": random_id()})),
            (
                "POST /api/v1/access-requests/reject",
                json!({"request_id": random_id(), "rejection_reason": "Matricule inconnu des ressources humaines"}),
            ),
            ("POST /api/v1/applications/", submission),
            ("POST /api/v1/applications/drafts/by-offer", json!({"job_offer_id": fresh.id, "form_data": {"step": 1}})),
            ("PUT /api/v1/applications/{application_id}", json!({"status": "incubation", "notes": "Profil solide"})),
            (
                "POST /api/v1/applications/{application_id}/documents",
                json!({"document_type": "autres", "file_name": "annexe.pdf", "file_data": pdf_base64("annexe")}),
            ),
            ("POST /api/v1/applications/{application_id}/draft", json!({"form_data": {"step": 1}})),
            ("POST /api/v1/applications/{application_id}/history", json!({"notes": "Entretien à prévoir"})),
            // A wrong current password: a case the service wrongly accepted would not change the admin's.
            (
                "POST /api/v1/auth/change-password",
                json!({"current_password": "PasLeBon#2026", "new_password": "Nouveau#Secret2027"}),
            ),
            (
                "POST /api/v1/auth/create-user",
                json!({"email": "recrue.catalogue@seeg-gabon.com", "password": "Recrutement#2026",
                       "first_name": "Nadia", "last_name": "Obame", "role": "recruiter", "phone": "+241 06 00 00 00",
                       "sexe": "F"}),
            ),
            ("POST /api/v1/auth/forgot-password", json!({"email": candidate_email})),
            ("POST /api/v1/auth/login", json!({"email": admin_email, "password": PASSWORD})),
            ("POST /api/v1/auth/logout", json!({"refresh_token": "jeton-inconnu"})),
            ("POST /api/v1/auth/refresh", json!({"refresh_token": "jeton-inconnu"})),
            ("POST /api/v1/auth/reset-password", json!({"token": "abcdef0123456789", "new_password": "Nouveau#Secret2027"})),
            (
                "POST /api/v1/auth/signup",
                json!({"email": "inscrit.catalogue@example.com", "password": PASSWORD, "first_name": "Awa",
                       "last_name": "Mba", "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F",
                       "candidate_status": "externe", "no_seeg_email": false, "adresse": "Quartier Louis",
                       "poste_actuel": "Technicienne", "annees_experience": 5}),
            ),
            ("POST /api/v1/auth/verify-matricule", json!({"matricule": 123_456})),
            ("POST /api/v1/emails/send", json!({"to": "dest@example.com", "subject": "Objet", "body": "Texte"})),
            (
                "POST /api/v1/emails/send-interview-email",
                json!({"to": "dest@example.com", "candidate_full_name": "Awa Mba", "job_title": "Technicien",
                       "date": "2026-12-14", "time": "09:30", "location": "Siège", "additional_notes": "Pièce d'identité",
                       "application_id": application}),
            ),
            ("POST /api/v1/evaluations/protocol1", json!({"application_id": application})),
            ("PUT /api/v1/evaluations/protocol1/{evaluation_id}", json!({"cv_score": 14.5})),
            ("POST /api/v1/evaluations/protocol2", json!({"application_id": application})),
            ("PUT /api/v1/evaluations/protocol2/{evaluation_id}", json!({"qcm_role_score": 12})),
            (
                "POST /api/v1/interviews/slots",
                json!({"date": "2027-02-01", "time": "10:00:00", "application_id": application,
                       "location": "Siège", "notes": "Jury de trois"}),
            ),
            ("PUT /api/v1/interviews/slots/{slot_id}", json!({"notes": "Jury de trois", "time": "11:00:00"})),
            ("POST /api/v1/jobs/", seeg_tests::offers::creation_body("Technicien du catalogue")),
            ("PUT /api/v1/jobs/{job_id}", json!({"title": "Titre modifié", "salary_min": 400_000})),
            ("PUT /api/v1/users/me", json!({"first_name": "Nadia", "adresse": "Quartier Louis", "annees_experience": 3})),
            ("PUT /api/v1/users/me/notification-settings", json!({"email_non_essential": true})),
            ("PUT /api/v1/users/me/profile", json!({"skills": ["Électricité"]})),
            ("PUT /api/v1/users/{user_id}", json!({"statut": "inactif", "first_name": "Awa"})),
            ("POST /api/v1/webhooks/application-submitted", json!({"application_id": application})),
        ]
        .into_iter()
        .map(|(key, body)| (key.to_owned(), body))
        .collect();

        Self {
            app,
            admin: Caller { role: "admin", email: admin_email.to_owned(), token: admin.token },
            candidate: Caller { role: "candidate", email: candidate_email.to_owned(), token: candidate.token },
            ids,
            evaluations,
            bodies,
        }
    }

    /// The real value of path parameter `name` in `path`; an unknown parameter gets a random UUID.
    fn id(&self, path: &str, name: &str) -> String {
        if name == "evaluation_id" {
            let protocol = if path.contains("protocol2") { "protocol2" } else { "protocol1" };
            return self.evaluations[protocol].clone();
        }
        self.ids.get(name).cloned().unwrap_or_else(|| random_id().to_string())
    }
}

/// One operation of the document.
struct Operation {
    method: String,
    template: String,
    path_params: Vec<String>,
    query_params: Vec<(String, Value)>,
    header_params: Vec<String>,
    /// Whether the operation takes a bearer token, and whether it may also be called without one.
    bearer: bool,
    anonymous_too: bool,
    bodies: Vec<(String, Value)>,
    /// Whether the body is required (an optional one may be empty).
    body_required: bool,
}

/// `#/components/schemas/X` resolved; `oneOf`/`anyOf` to their first non-null branch.
fn resolve(doc: &Value, schema: &Value) -> Value {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(branches) = schema[key].as_array() {
            let branch = branches.iter().find(|b| b["type"] != "null").cloned().unwrap_or(Value::Null);
            return resolve(doc, &branch);
        }
    }
    schema.clone()
}

/// The first non-null type a schema declares.
fn kind(schema: &Value) -> Option<String> {
    match &schema["type"] {
        Value::String(t) => Some(t.clone()),
        Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null").map(str::to_owned),
        _ => None,
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let mut operation = Operation {
                method: method.to_uppercase(),
                template: template.clone(),
                path_params: Vec::new(),
                query_params: Vec::new(),
                header_params: Vec::new(),
                bearer: false,
                anonymous_too: false,
                bodies: Vec::new(),
                body_required: op["requestBody"]["required"].as_bool().unwrap_or(false),
            };
            for param in op["parameters"].as_array().into_iter().flatten() {
                let name = param["name"].as_str().expect("parameter name").to_owned();
                match param["in"].as_str() {
                    Some("path") => operation.path_params.push(name),
                    Some("query") => operation.query_params.push((name, resolve(doc, &param["schema"]))),
                    Some("header") => operation.header_params.push(name),
                    _ => {}
                }
            }
            for requirement in op["security"].as_array().into_iter().flatten() {
                match requirement.as_object() {
                    Some(r) if r.is_empty() => operation.anonymous_too = true,
                    Some(_) => operation.bearer = true,
                    None => {}
                }
            }
            if let Some(content) = op["requestBody"]["content"].as_object() {
                for (media, body) in content {
                    operation.bodies.push((media.clone(), resolve(doc, &body["schema"])));
                }
            }
            found.push(operation);
        }
    }
    found
}

/// A plausible value for a schema (a body the catalogue knows no valid one for).
fn plausible(schema: &Value) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.iter().find(|v| !v.is_null())) {
        return first.clone();
    }
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    match kind(schema).as_deref() {
        Some("string") => match schema["format"].as_str() {
            Some("uuid") => json!(random_id()),
            Some("date") => json!("2026-12-14"),
            Some("date-time") => json!("2026-12-14T09:00:00Z"),
            Some("email") => json!("quelquun@example.com"),
            _ => json!("texte"),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("array") => json!([]),
        _ => json!({}),
    }
}

/// A placeholder replaced by raw text once the body is serialised (numbers JSON cannot hold, invalid UTF-8).
const RAW: &str = "\u{1}RAW\u{1}";

fn with_raw(body: &Value, raw: &[u8]) -> Vec<u8> {
    let text = serde_json::to_string(body).expect("JSON");
    let placeholder = serde_json::to_string(RAW).expect("JSON");
    let at = text.find(&placeholder).expect("placeholder");
    let mut bytes = text.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(raw);
    bytes.extend_from_slice(&text.as_bytes()[at + placeholder.len()..]);
    bytes
}

/// The bad values of one body field: a name, and the body text with the field set to it.
fn field_cases(base: &Map<String, Value>, field: &str, schema: &Value) -> Vec<(String, Vec<u8>)> {
    let declared = kind(schema).or_else(|| {
        base.get(field).map(|v| {
            match v {
                Value::String(_) => "string",
                Value::Number(n) if n.is_f64() => "number",
                Value::Number(_) => "integer",
                Value::Bool(_) => "boolean",
                Value::Array(_) => "array",
                _ => "object",
            }
            .to_owned()
        })
    });
    let set = |value: Value| {
        let mut body = base.clone();
        body.insert(field.to_owned(), value);
        Value::Object(body)
    };
    let text = |value: Value| serde_json::to_vec(&set(value)).expect("JSON");
    let raw = |raw: &[u8]| with_raw(&set(json!(RAW)), raw);
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    let mut case = |name: String, bytes: Vec<u8>| cases.push((format!("body.{field}: {name}"), bytes));
    match declared.as_deref() {
        Some("string") => {
            for (name, value) in [
                ("a number", json!(12345)),
                ("a boolean", json!(true)),
                ("an object", json!({"a": 1})),
                ("an array", json!(["a"])),
            ] {
                case(format!("{name} for a string"), text(value));
            }
            case("100 KB".to_owned(), text(json!("é".repeat(50 * 1024))));
            case("1 MB".to_owned(), text(json!("x".repeat(1024 * 1024))));
            case("invalid UTF-8".to_owned(), raw(b"\"\xFF\xFE\""));
            case("a NUL character".to_owned(), text(json!("a\u{0}b")));
            match schema["format"].as_str() {
                Some("uuid") => case("not a UUID".to_owned(), text(json!("pas-un-identifiant"))),
                Some("date" | "date-time") => case("not a date".to_owned(), text(json!("31/12/2026"))),
                Some("email") => case("not an e-mail".to_owned(), text(json!("pas une adresse"))),
                _ => {}
            }
            if schema["enum"].is_array() {
                case("an unknown enum value".to_owned(), text(json!("valeur_inconnue")));
            }
        }
        Some("integer" | "number") => {
            for (name, value) in [
                ("a word", json!("abc")),
                ("an object", json!({})),
                ("an array", json!([])),
                ("a boolean", json!(true)),
            ] {
                case(format!("{name} for a number"), text(value));
            }
            case("-1".to_owned(), text(json!(-1)));
            case("2^63".to_owned(), raw(b"9223372036854775808"));
            case("-2^63-1".to_owned(), raw(b"-9223372036854775809"));
            case("1e308".to_owned(), raw(b"1e308"));
            case("1e999".to_owned(), raw(b"1e999"));
            case("\"NaN\"".to_owned(), text(json!("NaN")));
        }
        Some("boolean") => {
            for (name, value) in
                [("a word", json!("oui")), ("a number", json!(1)), ("an object", json!({})), ("an array", json!([]))]
            {
                case(format!("{name} for a boolean"), text(value));
            }
        }
        Some("array") => {
            for (name, value) in [("an object", json!({})), ("a word", json!("texte")), ("a number", json!(42))] {
                case(format!("{name} for an array"), text(value));
            }
            case("an array of objects".to_owned(), text(json!([{"a": 1}])));
            case("an array of 100 KB strings".to_owned(), text(json!(["x".repeat(100 * 1024)])));
        }
        _ => {
            for (name, value) in [("an array", json!([])), ("a boolean", json!(true))] {
                case(format!("{name} for an object"), text(value));
            }
            case("1 MB".to_owned(), text(json!({"a": "x".repeat(1024 * 1024)})));
        }
    }
    cases
}

/// Objects whose inside is the client's, stored as given: a draft's `form_data` and `ui_state` (legacy R27).
const OPAQUE_FIELDS: [&str; 2] = ["form_data", "ui_state"];

/// Bad values one level down, by the type of the valid value: each key of an object field
/// (`mtp_answers.reponses_metier`) and of the first object of an array field (`documents[0].document_type`).
fn nested_cases(base: &Map<String, Value>) -> Vec<(String, Vec<u8>)> {
    let mut cases = Vec::new();
    for (field, value) in base.iter().filter(|(field, _)| !OPAQUE_FIELDS.contains(&field.as_str())) {
        let (inner, path) = match value {
            Value::Object(inner) => (inner, field.clone()),
            Value::Array(items) => match items.first() {
                Some(Value::Object(inner)) => (inner, format!("{field}[0]")),
                _ => continue,
            },
            _ => continue,
        };
        for (key, valid) in inner {
            // Each bad value as JSON, or as raw text where JSON cannot hold it (placed where `RAW` is).
            let bad: Vec<(&str, Value, Option<&[u8]>)> = match valid {
                Value::String(_) => vec![
                    ("a number", json!(12345), None),
                    ("an object", json!({"a": 1}), None),
                    ("100 KB", json!("x".repeat(100 * 1024)), None),
                    ("invalid UTF-8", json!(RAW), Some(b"\"\xFF\xFE\"")),
                ],
                Value::Number(_) => {
                    vec![("a word", json!("abc"), None), ("-1", json!(-1), None), ("1e999", json!(RAW), Some(b"1e999"))]
                }
                Value::Bool(_) => vec![("a word", json!("oui"), None), ("an array", json!([]), None)],
                Value::Array(_) => vec![
                    ("an object", json!({}), None),
                    ("an array of numbers", json!([12345]), None),
                    ("an array of 100 KB strings", json!(["x".repeat(100 * 1024)]), None),
                ],
                _ => vec![("an array", json!([]), None), ("a word", json!("texte"), None)],
            };
            for (name, replacement, raw) in bad {
                let mut body = base.clone();
                let target = match body.get_mut(field) {
                    Some(Value::Object(inner)) => Some(inner),
                    Some(Value::Array(items)) => items.first_mut().and_then(Value::as_object_mut),
                    _ => None,
                };
                if let Some(target) = target {
                    target.insert(key.clone(), replacement);
                }
                let body = Value::Object(body);
                let bytes = match raw {
                    Some(raw) => with_raw(&body, raw),
                    None => serde_json::to_vec(&body).expect("JSON"),
                };
                cases.push((format!("body.{path}.{key}: {name}"), bytes));
            }
        }
    }
    cases
}

fn json_header() -> (String, Vec<u8>) {
    ("Content-Type".to_owned(), b"application/json".to_vec())
}

/// The cases of one operation.
fn cases(world: &World, doc: &Value, op: &Operation, token: Option<&str>) -> Vec<Case> {
    let key = format!("{} {}", op.method, op.template);
    let real_path = || {
        let mut path = op.template.clone();
        for name in &op.path_params {
            path = path.replace(&format!("{{{name}}}"), &world.id(&op.template, name));
        }
        path
    };
    let mut extra_headers: Vec<(String, Vec<u8>)> = Vec::new();
    if op.header_params.iter().any(|h| h.eq_ignore_ascii_case("x-webhook-token")) {
        extra_headers.push(("X-Webhook-Token".to_owned(), WEBHOOK_SECRET.as_bytes().to_vec()));
    }
    let case = |name: String, target: Vec<u8>, headers: Vec<(String, Vec<u8>)>, body: Vec<u8>| {
        let mut all = extra_headers.clone();
        all.extend(headers);
        Case { name, method: op.method.clone(), target, headers: all, body, token: token.map(str::to_owned) }
    };
    let mut found = Vec::new();

    // Paths: each parameter malformed in turn (the others real); without parameters, encoded suffixes.
    let huge_segment = "a".repeat(16 * 1024);
    let bad_segments: [(&str, &str); 9] = [
        ("not an id", "pas-un-identifiant"),
        ("invalid UTF-8", "%FF%FE"),
        ("dot-dot", "%2e%2e"),
        ("encoded slashes", "..%2F..%2Fetc%2Fpasswd"),
        ("a NUL byte", "%00"),
        ("-1", "-1"),
        ("2^63", "9223372036854775808"),
        ("1e308", "1e308"),
        ("16 KB", &huge_segment),
    ];
    if op.path_params.is_empty() {
        let trimmed = op.template.trim_end_matches('/');
        let base = if trimmed.is_empty() { "" } else { trimmed };
        for (name, suffix) in
            [("%00", "/%00"), ("%FF%FE", "/%FF%FE"), ("%2e%2e", "/%2e%2e/%2e%2e"), ("%2F", "/%2F%2e%2e%2F")]
        {
            found.push(case(format!("path + {name}"), format!("{base}{suffix}").into_bytes(), Vec::new(), Vec::new()));
        }
    } else {
        for param in &op.path_params {
            for (name, value) in bad_segments {
                let mut path = op.template.replace(&format!("{{{param}}}"), value);
                for other in op.path_params.iter().filter(|p| *p != param) {
                    path = path.replace(&format!("{{{other}}}"), &world.id(&op.template, other));
                }
                found.push(case(format!("path.{param}: {name}"), path.into_bytes(), Vec::new(), Vec::new()));
            }
        }
    }

    // Query parameters, one at a time.
    // The longest value a request line carries to the service: the HTTP layer (the `http` crate's 64 KiB URI
    // limit) refuses a longer one before any route or middleware sees it, with a bodiless 400.
    let huge_query = "a".repeat(60 * 1024);
    for (param, schema) in &op.query_params {
        let mut values: Vec<(&str, String)> = vec![
            ("invalid UTF-8", "%FF%FE".to_owned()),
            ("a NUL byte", "%00".to_owned()),
            ("60 KB", huge_query.clone()),
        ];
        match kind(schema).as_deref() {
            Some("integer" | "number") => values.extend([
                ("a word", "abc".to_owned()),
                ("-1", "-1".to_owned()),
                ("2^63", "9223372036854775808".to_owned()),
                ("1e308", "1e308".to_owned()),
                ("NaN", "NaN".to_owned()),
                ("1.5", "1.5".to_owned()),
            ]),
            Some("boolean") => values.extend([("a word", "peut-etre".to_owned()), ("2", "2".to_owned())]),
            _ => {}
        }
        match schema["format"].as_str() {
            Some("uuid") => values.push(("not a UUID", "pas-un-identifiant".to_owned())),
            Some("date" | "date-time") => values.push(("not a date", "31%2F12%2F2026".to_owned())),
            _ => {}
        }
        if schema["enum"].is_array() {
            values.push(("an unknown enum value", "valeur_inconnue".to_owned()));
        }
        // The parameter twice, each value a valid one's shape: which one counts is the service's to refuse.
        values.push(("given twice", format!("1&{param}=2")));
        for (name, value) in values {
            let target = format!("{}?{param}={value}", real_path()).into_bytes();
            let mut query_case = case(format!("query.{param}: {name}"), target, Vec::new(), Vec::new());
            // A credential in the query (a stream's ticket) is only read without a bearer token.
            if op.anonymous_too {
                query_case.token = None;
            }
            found.push(query_case);
        }
    }

    // Bodies.
    let target = real_path().into_bytes();
    let mut json_base: Option<Vec<u8>> = None;
    for (media, schema) in &op.bodies {
        if media == "application/json" {
            let base = world.bodies.get(&key).cloned().unwrap_or_else(|| {
                let mut body = Map::new();
                for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                    body.insert(name.to_owned(), plausible(&resolve(doc, &schema["properties"][name])));
                }
                Value::Object(body)
            });
            let base = base.as_object().cloned().unwrap_or_default();
            let valid = serde_json::to_vec(&base).expect("JSON");
            json_base = Some(valid.clone());
            let half = valid[..valid.len() / 2].to_vec();
            for (name, bytes) in [
                ("`{`".to_owned(), b"{".to_vec()),
                ("truncated".to_owned(), half),
                ("not JSON".to_owned(), b"pas du JSON".to_vec()),
                ("an array".to_owned(), b"[]".to_vec()),
                ("a string".to_owned(), b"\"texte\"".to_vec()),
                ("a number".to_owned(), b"42".to_vec()),
                ("invalid UTF-8 outside strings".to_owned(), b"{\xFF\xFE}".to_vec()),
                ("nested 30 000 deep".to_owned(), [vec![b'['; 30_000], vec![b']'; 30_000]].concat()),
                ("empty".to_owned(), Vec::new()),
            ] {
                if bytes.is_empty() && !op.body_required {
                    continue;
                }
                found.push(case(format!("body: {name}"), target.clone(), vec![json_header()], bytes));
            }
            for (name, content_type) in [
                ("text/plain", Some(b"text/plain".to_vec())),
                ("no Content-Type", None),
                ("application/xml", Some(b"application/xml".to_vec())),
            ] {
                let headers = content_type.map(|c| vec![("Content-Type".to_owned(), c)]).unwrap_or_default();
                // The valid body with another type: a route that reads it anyway would answer a 2xx.
                found.push(case(format!("body as {name}"), target.clone(), headers, valid.clone()));
            }
            // The valid body said to be compressed: refused before it is read (a decoded body could be any size).
            let gzip = vec![json_header(), ("Content-Encoding".to_owned(), b"gzip".to_vec())];
            found.push(case("body: Content-Encoding gzip".to_owned(), target.clone(), gzip, valid.clone()));
            let mut fields: Vec<(String, Value)> = schema["properties"]
                .as_object()
                .map(|p| p.iter().map(|(name, s)| (name.clone(), s.clone())).collect())
                .unwrap_or_default();
            for name in base.keys() {
                if !fields.iter().any(|(f, _)| f == name) {
                    fields.push((name.clone(), Value::Null));
                }
            }
            for (field, field_schema) in fields {
                for (name, bytes) in field_cases(&base, &field, &field_schema) {
                    found.push(case(name, target.clone(), vec![json_header()], bytes));
                }
            }
            for (name, bytes) in nested_cases(&base) {
                found.push(case(name, target.clone(), vec![json_header()], bytes));
            }
        } else if media == "application/x-www-form-urlencoded" {
            let form = |text: &str| text.as_bytes().to_vec();
            let header = || vec![("Content-Type".to_owned(), b"application/x-www-form-urlencoded".to_vec())];
            for (name, bytes) in [
                ("invalid UTF-8", form("username=%FF%FE&password=%FF%FE")),
                ("raw invalid UTF-8", b"username=\xFF\xFE&password=\xFF".to_vec()),
                ("no value", form("username&password")),
                ("100 KB", form(&format!("username={}&password=x", "a".repeat(100 * 1024)))),
                ("NUL bytes", form("username=a%00b&password=%00")),
            ] {
                found.push(case(format!("form: {name}"), target.clone(), header(), bytes));
            }
        } else if media == "multipart/form-data" {
            for (name, content_type, bytes) in [
                ("no boundary", b"multipart/form-data".to_vec(), b"--x\r\n".to_vec()),
                ("garbage", b"multipart/form-data; boundary=frontiere".to_vec(), b"pas un formulaire".to_vec()),
                (
                    "truncated part",
                    b"multipart/form-data; boundary=frontiere".to_vec(),
                    b"--frontiere\r\nContent-Disposition: form-data; name=\"job_offer_id\"\r\n\r\nabc".to_vec(),
                ),
                (
                    "invalid UTF-8 field",
                    b"multipart/form-data; boundary=frontiere".to_vec(),
                    b"--frontiere\r\nContent-Disposition: form-data; name=\"job_offer_id\"\r\n\r\n\xFF\xFE\r\n--frontiere--\r\n"
                        .to_vec(),
                ),
            ] {
                found.push(case(format!("multipart: {name}"), target.clone(), vec![("Content-Type".to_owned(), content_type)], bytes));
            }
        }
    }
    // Header parameters the operation reads (the webhook's token is the credential, not input), each unreadable in
    // turn, with the operation's valid body if it takes one: only the header is wrong.
    let headers_body = json_base.map(|body| (vec![json_header()], body));
    if op.bodies.is_empty() || headers_body.is_some() {
        let (body_headers, body) = headers_body.unwrap_or_default();
        for header in op.header_params.iter().filter(|h| !h.eq_ignore_ascii_case("x-webhook-token")) {
            for (name, value) in [
                ("invalid UTF-8", b"\xFF\xFE".to_vec()),
                ("not readable", b"pas lisible".to_vec()),
                ("300 characters", vec![b'x'; 300]),
            ] {
                let mut headers = body_headers.clone();
                headers.push((header.clone(), value));
                found.push(case(format!("header.{header}: {name}"), target.clone(), headers, body.clone()));
            }
        }
        // A bearer token that is no token, in place of the caller's (real ids, a valid body): a 401, never the
        // route's work done.
        if op.bearer {
            for (name, value) in [
                ("not a token", b"Bearer pas-un-jeton".to_vec()),
                ("invalid UTF-8", b"Bearer \xFF\xFE".to_vec()),
                ("10 KB", [b"Bearer ".to_vec(), vec![b'a'; 10 * 1024]].concat()),
            ] {
                let mut headers = body_headers.clone();
                headers.push(("Authorization".to_owned(), value));
                let mut unauthenticated = case(format!("Authorization: {name}"), target.clone(), headers, body.clone());
                unauthenticated.token = None;
                found.push(unauthenticated);
            }
        }
    }
    found
}

async fn every_operation_answers_bad_input_with_a_4xx_and_the_f1_body(backend: Backend) {
    let mut world = World::new(backend).await;
    let address = world.app.address.trim_start_matches("http://").to_owned();
    let doc = world.app.get_json("/openapi.json").await.body;
    let operations = operations(&doc);

    // Every operation the document lists, whatever its method: the catalogue must have tried each.
    let listed: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| {
            let methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
            item.as_object().map_or(0, |item| item.keys().filter(|m| methods.contains(&m.as_str())).count())
        })
        .sum();

    let mut violations: Vec<String> = Vec::new();
    let mut covered = 0;
    let mut total_cases = 0;
    let mut slowest: Vec<(std::time::Duration, String)> = Vec::new();
    for op in &operations {
        let started = std::time::Instant::now();
        // Who calls: the admin, unless it is refused (403) and a candidate is not (candidate-only routes).
        let caller = if op.bearer {
            let mut chosen = world.admin.clone();
            for caller in [world.admin.clone(), world.candidate.clone()] {
                let answer = send(&address, &probe(&world, op, &caller.token)).await;
                if answer.as_ref().is_ok_and(|a| a.status != 403) {
                    chosen = caller;
                    break;
                }
            }
            Some(chosen)
        } else {
            None
        };
        let list = cases(&world, &doc, op, caller.as_ref().map(|c| c.token.as_str()));
        let body_cases = list.iter().filter(|c| c.name.starts_with("body")).count();
        let label = format!("{} {}", op.method, op.template);
        if op.bodies.iter().any(|(media, _)| media == "application/json") && body_cases < MIN_BODY_CASES {
            violations.push(format!("{label}: only {body_cases} body cases (at least {MIN_BODY_CASES} owed)"));
        }
        let mut answered = 0;
        // Cases that got past authentication and the role check: none would mean the catalogue proved nothing.
        let mut reached = 0;
        for case in &list {
            total_cases += 1;
            match send(&address, case).await {
                Err(error) => violations.push(format!("{label} [{}]: no answer: {error}", case.name)),
                Ok(raw) => {
                    answered += 1;
                    if ![401, 403].contains(&raw.status) {
                        reached += 1;
                    }
                    let lenient = LEGACY_LENIENT
                        .iter()
                        .any(|(op, case_prefix)| *op == label && case.name.starts_with(case_prefix));
                    let problems = if lenient { judge_lenient(&raw) } else { judge(&raw) };
                    if !problems.is_empty() {
                        let excerpt: String = String::from_utf8_lossy(&raw.body).chars().take(300).collect();
                        let status = raw.status;
                        violations.push(format!(
                            "{label} [{}]: {status}: {} | {excerpt}",
                            case.name,
                            problems.join("; ")
                        ));
                    }
                }
            }
        }
        slowest.push((started.elapsed(), label.clone()));
        if reached == 0 {
            violations.push(format!("{label}: every case was refused by authentication or the role check"));
        }
        if answered >= MIN_CASES {
            covered += 1;
        } else {
            violations.push(format!("{label}: {answered} cases answered (at least {MIN_CASES} owed)"));
        }
        // A case the service wrongly accepted may have ended a caller's session: later cases would prove nothing.
        for caller in [&mut world.admin, &mut world.candidate] {
            let me = world.app.get_as(&caller.token, "/api/v1/auth/me").await;
            if me.status != 200 {
                violations.push(format!("{label}: the {}'s session ended ({})", caller.role, me.status));
                caller.token = world.app.log_in(&caller.email).await.access_token;
            }
        }
    }
    eprintln!(
        "bad-input catalogue on {backend:?}: {covered} of {listed} operations, {total_cases} cases, {} violations",
        violations.len()
    );
    // Where the time goes (a diagnostic, never asserted).
    slowest.sort_by_key(|(elapsed, _)| std::cmp::Reverse(*elapsed));
    for (elapsed, label) in slowest.iter().take(8) {
        eprintln!("  {label}: {} ms", elapsed.as_millis());
    }
    let mut report = String::new();
    for violation in &violations {
        let _ = writeln!(report, "{violation}");
    }
    assert!(violations.is_empty(), "{} violations of F1 on bad input:\n{report}", violations.len());
    assert_eq!(covered, listed, "every operation of the document received its cases");
}

/// A request that tells whether `token`'s holder may call `op`: real ids (unknown ones for a deletion, which
/// would otherwise delete them) and a malformed body, which authorisation refuses before reading (S3).
fn probe(world: &World, op: &Operation, token: &str) -> Case {
    let mut path = op.template.clone();
    for name in &op.path_params {
        let id = if op.method == "DELETE" { random_id().to_string() } else { world.id(&op.template, name) };
        path = path.replace(&format!("{{{name}}}"), &id);
    }
    let (headers, body) =
        if op.bodies.is_empty() { (Vec::new(), Vec::new()) } else { (vec![json_header()], b"{".to_vec()) };
    Case {
        name: "probe".to_owned(),
        method: op.method.clone(),
        target: path.into_bytes(),
        headers,
        body,
        token: Some(token.to_owned()),
    }
}

on_backends!(Sqlite, Postgres => every_operation_answers_bad_input_with_a_4xx_and_the_f1_body, an_unreadable_logout_body_ends_no_session);

/// The judge itself: what F1 forbids is reported, a proper refusal is not.
#[test]
fn the_judge_reports_what_f1_forbids() {
    let answer = |status: u16, body: &Value, request_id: &str| Raw {
        status,
        headers: vec![
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Request-ID".to_owned(), request_id.to_owned()),
        ],
        body: serde_json::to_vec(body).unwrap(),
    };
    let proper = json!({"detail": "Données invalides : body", "code": "validation_error", "status": 422,
                        "request_id": "r1", "errors": [{"field": "body", "message": "corps JSON mal formé (ligne 1, colonne 1)"}]});
    assert_eq!(judge(&answer(422, &proper, "r1")), Vec::<String>::new());
    let refused = |status: u16, body: Value, request_id: &str| !judge(&answer(status, &body, request_id)).is_empty();
    assert!(refused(
        500,
        json!({"detail": "Erreur", "code": "internal_error", "status": 500, "request_id": "r1"}),
        "r1"
    ));
    assert!(refused(201, json!({"id": 1}), "r1"), "a 2xx for bad input");
    assert!(
        refused(422, json!({"detail": "Données", "code": "bad_request", "status": 422, "request_id": "r1"}), "r1"),
        "a code whose catalogue status differs"
    );
    assert!(
        refused(422, json!({"detail": "x", "code": "nope", "status": 422, "request_id": "r1"}), "r1"),
        "unknown code"
    );
    let english = json!({"detail": "Json deserialize error: EOF while parsing", "code": "bad_request", "status": 400,
                         "request_id": "r1"});
    assert!(refused(400, english, "r1"), "English detail");
    assert!(refused(422, proper.clone(), "r2"), "request_id not the header's");
    let mut without_errors = proper;
    without_errors["errors"] = json!([]);
    assert!(refused(422, without_errors, "r1"), "a validation_error without errors");
    let bodiless = Raw { status: 400, headers: Vec::new(), body: Vec::new() };
    assert!(!judge(&bodiless).is_empty(), "a bodiless 400");
    assert_eq!(english_words("valeurs admises : created_at, failed ; fin %%EOF attendue"), Vec::<String>::new());
}

/// The first defect the catalogue found, guarded by its consequence: a logout whose body cannot be read (it was
/// read as "no body") ended every session of the account. Now it is a 422 and every session goes on; without a
/// body, every session still ends; JSON sent as `text/plain` (a beacon) is read like JSON.
async fn an_unreadable_logout_body_ends_no_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.token_for(Role::Candidate, "deconnexion@example.com").await;
    let session = app.log_in(&user.user.email).await;
    let refresh = async |token: &str| app.post_json("/api/v1/auth/refresh", &json!({"refresh_token": token})).await;
    for (content_type, body) in [
        ("application/json", &b"{"[..]),
        ("application/json", br#"{"refresh_token": 42}"#),
        ("application/json", b"[]"),
        ("text/plain", b"{"),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .bearer_auth(&session.access_token)
            .header("content-type", content_type)
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert_eq!(status, 422, "{content_type} {}", String::from_utf8_lossy(body));
    }
    let renewed = refresh(&session.refresh_token).await;
    assert_eq!(renewed.status, 200, "the session went on: {}", renewed.body);
    let current = renewed.body["refresh_token"].as_str().expect("a new refresh token").to_owned();

    // JSON sent as text/plain (sendBeacon, fetch with a string body) is read: that one session ends (review M2).
    let other = app.log_in(&user.user.email).await;
    let beacon = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&other.access_token)
        .header("content-type", "text/plain;charset=UTF-8")
        .body(json!({"refresh_token": other.refresh_token}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(beacon.status(), 200);
    assert_eq!(refresh(&other.refresh_token).await.status, 401, "the beacon's session ended");
    let renewed = refresh(&current).await;
    assert_eq!(renewed.status, 200, "and only that one: {}", renewed.body);
    let current = renewed.body["refresh_token"].as_str().expect("a new refresh token").to_owned();

    let everything = app.client.post(app.url("/api/v1/auth/logout")).bearer_auth(&session.access_token).send().await;
    assert_eq!(everything.unwrap().status(), 200, "without a body every session ends");
    assert_eq!(refresh(&current).await.status, 401);
}
