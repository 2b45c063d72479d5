//! The permission matrix (S3) route by route: every route served today, called by an anonymous client and by a
//! candidate, an observer, a recruiter and an admin, each with a valid request, so that an "allowed" status
//! really means allowed. Path parameters point to real resources made for the test; destructive rows get a
//! fresh target (and, when they end the caller's own sessions or account, a fresh caller) for every caller, so
//! each cell is independent of the others. All mismatches are reported at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine as _;
use reqwest::Method;
use seeg_adapters_mail::MemoryMailer;
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Role, User};
use seeg_tests::accounts::PASSWORD;
use seeg_tests::accounts::SignedIn;
use seeg_tests::offers::offer;
use seeg_tests::{Backend, TestApp, on_backends};
use serde_json::{Value, json};
use uuid::Uuid;

const NEW_PASSWORD: &str = "Nouveau#Secret2027";
const REASON: &str = "Matricule inconnu des services des ressources humaines";

/// Who calls, in the order of the table's status columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Who {
    Anonymous,
    Candidate,
    Observer,
    Recruiter,
    Admin,
}

const CALLERS: [Who; 5] = [Who::Anonymous, Who::Candidate, Who::Observer, Who::Recruiter, Who::Admin];

impl Who {
    pub(super) const fn role(self) -> Option<Role> {
        match self {
            Self::Anonymous => None,
            Self::Candidate => Some(Role::Candidate),
            Self::Observer => Some(Role::Observer),
            Self::Recruiter => Some(Role::Recruiter),
            Self::Admin => Some(Role::Admin),
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Anonymous => "anonymous",
            Self::Candidate => "candidate",
            Self::Observer => "observer",
            Self::Recruiter => "recruiter",
            Self::Admin => "admin",
        }
    }
}

/// The body a row sends, made for each caller.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// A fixed JSON body.
    Json(&'static str),
    /// An external candidate's sign-up with an e-mail never used.
    Signup,
    /// A new recruiter with an e-mail never used.
    CreateUser,
    /// The caller's own credentials (an existing candidate's for anonymous callers).
    Login,
    /// The same as an OAuth2 password form.
    TokenForm,
    /// A refresh token of a session opened for this call.
    RefreshToken,
    /// The current password and a new one.
    ChangePassword,
    /// An existing account's e-mail.
    ForgotPassword,
    /// A reset token mailed for this call to a fresh account.
    ResetPassword,
    /// A pending access request made for this call.
    Approve,
    /// A pending access request made for this call, with a reason.
    Reject,
    /// A valid application to a new open offer.
    Submission,
    /// A draft for the public offer `{job_id}`.
    Draft,
    /// An interview for another candidate's application, at a time never booked.
    Booking,
    /// An evaluation of a new application, made for this call.
    Evaluation,
}

/// Whether the row needs a caller of its own: it ends the caller's sessions or account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Shared,
    Fresh,
}

/// One route: method, path template, body, caller, and the status each caller gets, in `CALLERS` order.
///
/// Path parameters: `{other}` another candidate's id; `{target}` a candidate made for this call; `{self}` the
/// caller's own id (a candidate made for the call when anonymous); `{job_id}` a public offer; `{recruiter_job}`
/// an offer of the shared recruiter made for this call; `{others_job}` one of another recruiter; `{applied_job}`
/// one of the shared recruiter with an application; `{own_slot}` an interview of the shared candidate,
/// `{others_slot}` one of another candidate, `{fresh_slot}` one of another candidate booked for this call.
type Row = (&'static str, &'static str, Body, Caller, [u16; 5]);

#[rustfmt::skip]
const TABLE: [Row; 109] = [
    //                                                                                      anon cand  obs  rec  adm
    // Public offers, health and the API description: open to everyone.
    ("GET",    "/api/v1/public/jobs",                     Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/public/jobs/count",               Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/api/v1/public/jobs/{job_id}",            Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/health",                                 Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/monitoring/health",                      Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/openapi.json",                           Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/docs",                                   Body::None, Caller::Shared,          [301, 301, 301, 301, 301]),
    ("GET",    "/docs/",                                  Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/redoc",                                  Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/redoc/",                                 Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    ("GET",    "/redoc/redoc.standalone.js",              Body::None, Caller::Shared,          [200, 200, 200, 200, 200]),
    // The service's description: any signed-in caller; its figures: admins (legacy §1.1, §1.14).
    ("GET",    "/",                                       Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/info",                                   Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/monitoring/stats",                       Body::None, Caller::Shared,          [401, 403, 403, 403, 200]),
    // Authentication: the public routes ignore any bearer token (S4).
    ("POST",   "/api/v1/auth/signup",                     Body::Signup, Caller::Shared,        [201, 201, 201, 201, 201]),
    ("POST",   "/api/v1/auth/login",                      Body::Login, Caller::Shared,         [200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/token",                      Body::TokenForm, Caller::Shared,     [200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/refresh",                    Body::RefreshToken, Caller::Shared,  [200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/forgot-password",            Body::ForgotPassword, Caller::Shared, [200, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/reset-password",             Body::ResetPassword, Caller::Shared, [200, 200, 200, 200, 200]),
    // The public check answers `valid` and `message` only (S7); the authenticated one checks the caller's own
    // matricule and is for candidates only.
    ("POST",   "/api/v1/auth/verify-matricule",           Body::Json(r#"{"matricule": 123456}"#), Caller::Shared,
                                                                                                [200, 200, 200, 200, 200]),
    // S3 question: "admin: everything", yet an admin (who has no candidate matricule) gets 403 here.
    ("GET",    "/api/v1/auth/verify-matricule",           Body::None, Caller::Shared,          [401, 200, 403, 403, 403]),
    ("GET",    "/api/v1/auth/me",                         Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/logout",                     Body::RefreshToken, Caller::Fresh,   [401, 200, 200, 200, 200]),
    ("POST",   "/api/v1/auth/change-password",            Body::ChangePassword, Caller::Fresh, [401, 200, 200, 200, 200]),
    // Accounts: admins manage them (R6, S2, I10); a candidate sees only its own (S3).
    ("POST",   "/api/v1/auth/create-user",                Body::CreateUser, Caller::Shared,    [401, 403, 403, 403, 200]),
    ("GET",    "/api/v1/users",                           Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/users/me",                        Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("PUT",    "/api/v1/users/me",                        Body::Json(r#"{"first_name": "Nadia", "adresse": "Quartier Louis, Libreville"}"#), Caller::Shared,
                                                                                                [401, 200, 200, 200, 200]),
    // Only candidates have a candidate profile; the first PUT creates it, so the GET after it finds it.
    ("PUT",    "/api/v1/users/me/profile",                Body::Json(r#"{"skills": ["Électricité"]}"#), Caller::Shared,
                                                                                                [401, 200, 403, 403, 403]),
    ("GET",    "/api/v1/users/me/profile",                Body::None, Caller::Shared,          [401, 200, 403, 403, 403]),
    ("GET",    "/api/v1/users/{self}",                    Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/users/{other}",                   Body::None, Caller::Shared,          [401, 404, 200, 200, 200]),
    // S3: another user's account is hidden from a candidate, for writes as for reads.
    ("PUT",    "/api/v1/users/{target}",                  Body::Json(r#"{"statut": "inactif"}"#), Caller::Shared,
                                                                                                [401, 404, 403, 403, 200]),
    ("DELETE", "/api/v1/users/{target}",                  Body::None, Caller::Shared,          [401, 404, 403, 403, 200]),
    // Anyone deletes his own account, except an admin (400 `own_account_undeletable`, I10).
    ("DELETE", "/api/v1/users/{self}",                    Body::None, Caller::Fresh,           [401, 200, 200, 200, 400]),
    // Access requests: recruiters and admins decide; observers see the counters (legacy).
    ("GET",    "/api/v1/access-requests",                 Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("POST",   "/api/v1/access-requests/approve",         Body::Approve, Caller::Shared,       [401, 403, 403, 200, 200]),
    ("POST",   "/api/v1/access-requests/reject",          Body::Reject, Caller::Shared,        [401, 403, 403, 200, 200]),
    // S3: observers write nothing, not even the "viewed" flag (the legacy service let them).
    ("POST",   "/api/v1/access-requests/mark-all-viewed", Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/access-requests/unviewed-count",  Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    // Applications (S3): only candidates apply, in their own name; another candidate's application does not exist
    // for a candidate; staff read all.
    ("POST",   "/api/v1/applications",                    Body::Submission, Caller::Fresh,     [401, 201, 403, 403, 403]),
    ("GET",    "/api/v1/applications",                    Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}", Body::None, Caller::Shared,        [401, 404, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/documents", Body::None, Caller::Shared,
                                                                                                [401, 404, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/documents/{others_document}", Body::None,
                                                                          Caller::Shared,      [401, 404, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/documents/{others_document}/download", Body::None,
                                                                          Caller::Shared,      [401, 404, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/export/pdf", Body::None, Caller::Shared,
                                                                                                [401, 404, 200, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/history", Body::None, Caller::Shared,
                                                                                                [401, 404, 200, 200, 200]),
    ("POST",   "/api/v1/applications/{others_application}/history", Body::Json(r#"{"notes": "Entretien à prévoir"}"#),
                                                                          Caller::Shared,      [401, 404, 403, 201, 201]),
    // Staff move a fresh application along the pipeline (I5); observers cannot; another candidate's does not exist.
    ("PUT",    "/api/v1/applications/{fresh_application}", Body::Json(r#"{"status": "incubation"}"#),
                                                                          Caller::Shared,      [401, 404, 403, 200, 200]),
    ("GET",    "/api/v1/applications/{others_application}/complete", Body::None, Caller::Shared,
                                                                                                [401, 404, 200, 200, 200]),
    // I10: a candidate deletes or completes its own application while `candidature`; admins always; other
    // staff never. The first document is the CV: required, so even an admin only replaces it (409).
    ("DELETE", "/api/v1/applications/{fresh_application}", Body::None, Caller::Shared,    [401, 404, 403, 403, 204]),
    ("POST",   "/api/v1/applications/{others_application}/documents",
               Body::Json(r#"{"document_type": "autres", "file_name": "annexe.pdf", "file_data": "JVBERi0xLjcKMSAwIG9iaiA8PCAvVHlwZSAvQ2F0YWxvZyA+PiBlbmRvYmoKdHJhaWxlciA8PCAvUm9vdCAxIDAgUiA+PgolJUVPRgo="}"#),
                                                                          Caller::Shared,      [401, 404, 403, 403, 201]),
    ("DELETE", "/api/v1/applications/{others_application}/documents/{others_document}", Body::None,
                                                                          Caller::Shared,      [401, 404, 403, 403, 409]),
    // Statistics and the dashboards' read models are staff data (S3; the legacy service answered anyone); a
    // candidate reads its own applications there, another candidate's do not exist for it.
    ("GET",    "/api/v1/applications/stats/overview",     Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/applications/stats/advanced",     Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/optimized/applications/optimized", Body::None, Caller::Shared,         [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/optimized/dashboard/stats/optimized", Body::None, Caller::Shared,      [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/analytics/funnel",                Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/analytics/time-to-hire",          Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/analytics/stage-durations",       Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/optimized/candidates/{self}/applications/optimized", Body::None, Caller::Shared,
                                                                                                [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/optimized/candidates/{other}/applications/optimized", Body::None, Caller::Shared,
                                                                                                [401, 404, 200, 200, 200]),
    // The audit trail: admins only (S8).
    ("GET",    "/api/v1/audit",                           Body::None, Caller::Shared,          [401, 403, 403, 403, 200]),
    // E-mails (S8): recruiters and admins send, admins read the log; every account sets its own preferences (B9).
    ("POST",   "/api/v1/emails/send",                     Body::Json(r#"{"to": "dest@example.com", "subject": "Objet", "body": "Texte"}"#),
                                                          Caller::Shared,                      [401, 403, 403, 201, 201]),
    ("POST",   "/api/v1/emails/send-interview-email",     Body::Json(r#"{"to": "dest@example.com", "candidate_full_name": "Awa Mba", "job_title": "Technicien", "date": "2026-12-14", "time": "09:30"}"#),
                                                          Caller::Shared,                      [401, 403, 403, 201, 201]),
    ("GET",    "/api/v1/emails/logs",                     Body::None, Caller::Shared,          [401, 403, 403, 403, 200]),
    ("GET",    "/api/v1/users/me/notification-settings",  Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("PUT",    "/api/v1/users/me/notification-settings",  Body::Json(r#"{"email_non_essential": true}"#), Caller::Shared,
                                                                                                [401, 200, 200, 200, 200]),
    // The outbox's operations: admins only.
    ("GET",    "/api/v1/admin/outbox",                    Body::None, Caller::Shared,          [401, 403, 403, 403, 200]),
    // The webhook knows no JWT: X-Webhook-Token only, and with no secret configured (this service's default) it
    // does not exist, whoever calls (S9; tests/api/webhooks.rs covers the token).
    ("POST",   "/api/v1/webhooks/application-submitted",  Body::Json(r#"{"application_id": "8a5e2f0e-8a43-4f5e-9d55-4f1f1b9d2c11"}"#),
                                                          Caller::Shared,                      [404, 404, 404, 404, 404]),
    // Offers for signed-in users (K3b): everyone reads; recruiters and admins publish; a recruiter changes its
    // own offers only; observers and candidates write nothing (S3); an offer with applications stays (I10).
    ("GET",    "/api/v1/jobs",                            Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/jobs/?q=reseau",                  Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/jobs/{job_id}",                   Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("POST",   "/api/v1/jobs",                            Body::Json(NEW_OFFER), Caller::Shared,
                                                                                                [401, 403, 403, 201, 201]),
    ("PUT",    "/api/v1/jobs/{recruiter_job}",            Body::Json(r#"{"title": "Titre modifié"}"#), Caller::Shared,
                                                                                                [401, 403, 403, 200, 200]),
    ("PUT",    "/api/v1/jobs/{others_job}",               Body::Json(r#"{"title": "Titre modifié"}"#), Caller::Shared,
                                                                                                [401, 403, 403, 403, 200]),
    ("DELETE", "/api/v1/jobs/{recruiter_job}",            Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("DELETE", "/api/v1/jobs/{others_job}",               Body::None, Caller::Shared,          [401, 403, 403, 403, 200]),
    ("DELETE", "/api/v1/jobs/{applied_job}",              Body::None, Caller::Shared,          [401, 403, 403, 409, 409]),
    ("GET",    "/api/v1/jobs/recruiter/my-jobs",          Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/jobs/recruiter/statistics",       Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    // S3: staff read every application (observers too); candidates have no business there.
    ("GET",    "/api/v1/jobs/{job_id}/applications",      Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    // Application drafts: a candidate's own, one per offer (R27); staff do not apply, so keep none (S3).
    ("GET",    "/api/v1/applications/drafts/by-offer?job_offer_id={job_id}", Body::None, Caller::Shared,
                                                                                                [401, 200, 403, 403, 403]),
    ("POST",   "/api/v1/applications/drafts/by-offer",    Body::Draft, Caller::Shared,         [401, 201, 403, 403, 403]),
    ("DELETE", "/api/v1/applications/drafts/by-offer?job_offer_id={job_id}", Body::None, Caller::Shared,
                                                                                                [401, 204, 403, 403, 403]),
    // The same drafts named by the candidate's own application (R27); another candidate's does not exist for it.
    ("GET",    "/api/v1/applications/{own_application}/draft", Body::None, Caller::Shared,     [401, 200, 403, 403, 403]),
    ("POST",   "/api/v1/applications/{own_application}/draft", Body::Json(r#"{"form_data": {"step": 1}}"#),
                                                                          Caller::Shared,      [401, 200, 403, 403, 403]),
    ("DELETE", "/api/v1/applications/{own_application}/draft", Body::None, Caller::Shared,     [401, 204, 403, 403, 403]),
    ("GET",    "/api/v1/applications/{others_application}/draft", Body::None, Caller::Shared,  [401, 404, 403, 403, 403]),
    ("POST",   "/api/v1/applications/{others_application}/draft", Body::Json(r#"{"form_data": {"step": 1}}"#),
                                                                          Caller::Shared,      [401, 404, 403, 403, 403]),
    ("DELETE", "/api/v1/applications/{others_application}/draft", Body::None, Caller::Shared,  [401, 404, 403, 403, 403]),
    // Interview slots (I7): recruiters and admins book, move and cancel; staff read every slot, a candidate its
    // own (another's does not exist for it); the statistics are staff data.
    ("POST",   "/api/v1/interviews/slots",                Body::Booking, Caller::Shared,       [401, 403, 403, 201, 201]),
    ("GET",    "/api/v1/interviews/slots",                Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/interviews/slots/{own_slot}",     Body::None, Caller::Shared,          [401, 200, 200, 200, 200]),
    ("GET",    "/api/v1/interviews/slots/{others_slot}",  Body::None, Caller::Shared,          [401, 404, 200, 200, 200]),
    ("PUT",    "/api/v1/interviews/slots/{fresh_slot}",   Body::Json(r#"{"notes": "Jury de trois"}"#), Caller::Shared,
                                                                                                [401, 403, 403, 200, 200]),
    ("DELETE", "/api/v1/interviews/slots/{fresh_slot}",   Body::None, Caller::Shared,          [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/interviews/stats/overview",       Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
    // Evaluations (S3, I6): recruiters and admins write them, staff read them, candidates neither. Each creation
    // evaluates an application made for the call; `{protocol1}` and `{protocol2}` are evaluations of
    // `{others_application}`.
    ("POST",   "/api/v1/evaluations/protocol1",           Body::Evaluation, Caller::Shared,    [401, 403, 403, 201, 201]),
    ("GET",    "/api/v1/evaluations/protocol1/{protocol1}", Body::None, Caller::Shared,        [401, 403, 200, 200, 200]),
    ("PUT",    "/api/v1/evaluations/protocol1/{protocol1}", Body::Json(r#"{"cv_score": 14.5}"#), Caller::Shared,
                                                                                                [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/evaluations/protocol1/application/{others_application}", Body::None, Caller::Shared,
                                                                                                [401, 403, 200, 200, 200]),
    ("POST",   "/api/v1/evaluations/protocol2",           Body::Evaluation, Caller::Shared,    [401, 403, 403, 201, 201]),
    ("GET",    "/api/v1/evaluations/protocol2/{protocol2}", Body::None, Caller::Shared,        [401, 403, 200, 200, 200]),
    ("PUT",    "/api/v1/evaluations/protocol2/{protocol2}", Body::Json(r#"{"qcm_role_score": 12}"#), Caller::Shared,
                                                                                                [401, 403, 403, 200, 200]),
    ("GET",    "/api/v1/evaluations/protocol2/application/{others_application}", Body::None, Caller::Shared,
                                                                                                [401, 403, 200, 200, 200]),
    ("GET",    "/api/v1/evaluations/stats/overview",      Body::None, Caller::Shared,          [401, 403, 200, 200, 200]),
];

/// A valid offer (no deadline, so it never goes stale).
const NEW_OFFER: &str = r#"{"title": "Technicien réseau", "description": "Maintenance du réseau de distribution d'eau.",
    "location": "Libreville", "contract_type": "CDI"}"#;

/// What every row relies on: the service, its mailbox, the shared callers and the resources paths point to.
struct World {
    app: TestApp,
    mailer: MemoryMailer,
    callers: Vec<(Who, Option<SignedIn>)>,
    admin_token: String,
    other: User,
    /// A recruiter other than the shared one, owner of `{others_job}`.
    other_recruiter: User,
    job_id: Uuid,
    /// `{others_application}` and `{others_document}`: `other`'s application and one of its documents.
    others_application: String,
    others_document: String,
    /// `{own_application}`: an application of the shared candidate.
    own_application: String,
    /// `{own_slot}` and `{others_slot}`: an interview of `own_application` and one of `others_application`.
    own_slot: String,
    others_slot: String,
    /// `{protocol1}` and `{protocol2}`: the evaluations of `{others_application}`, made by the admin.
    protocol1: String,
    protocol2: String,
    next: AtomicU32,
}

/// What is sent: a JSON body, a form, or nothing.
enum Payload {
    Nothing,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

impl World {
    async fn new(backend: Backend) -> Self {
        let mailer = MemoryMailer::new();
        let app = TestApp::spawn_with_mailer(backend, Arc::new(mailer.clone())).await;
        let mut callers = Vec::new();
        for who in CALLERS {
            let account = match who.role() {
                None => None,
                Some(role) => Some(app.token_for(role, &format!("{}@seeg-gabon.com", who.name())).await),
            };
            callers.push((who, account));
        }
        let admin = callers.iter().find(|(w, _)| *w == Who::Admin).and_then(|(_, a)| a.as_ref());
        let admin_token = admin.expect("admin").token.clone();
        let other = app.insert_account(Role::Candidate, "autre.candidat@example.com").await;
        let other_recruiter = app.insert_account(Role::Recruiter, "autre.recruteur@seeg-gabon.com").await;
        let public = offer("Chef de service réseau", 0);
        app.insert_offers(std::slice::from_ref(&public)).await;
        let mut world = Self {
            app,
            mailer,
            callers,
            admin_token,
            other,
            other_recruiter,
            job_id: public.id,
            others_application: String::new(),
            others_document: String::new(),
            own_application: String::new(),
            own_slot: String::new(),
            others_slot: String::new(),
            protocol1: String::new(),
            protocol2: String::new(),
            next: AtomicU32::new(1),
        };
        let other_token = world.app.log_in(&world.other.email).await.access_token;
        let submission = world.submission().await;
        let response = world.app.client.post(world.app.url("/api/v1/applications")).bearer_auth(&other_token);
        let created: Value = response.json(&submission).send().await.unwrap().json().await.unwrap();
        created["data"]["id"].as_str().expect("other's application").clone_into(&mut world.others_application);
        let documents = format!("/api/v1/applications/{}/documents", world.others_application);
        let response = world.app.client.get(world.app.url(&documents)).bearer_auth(&other_token).send().await.unwrap();
        let listed: Value = response.json().await.unwrap();
        listed["data"][0]["id"].as_str().expect("a document").clone_into(&mut world.others_document);
        let candidate = world.callers.iter().find(|(w, _)| *w == Who::Candidate).and_then(|(_, a)| a.as_ref());
        let candidate_token = candidate.expect("candidate").token.clone();
        world.own_application = world.apply(&candidate_token).await;
        world.own_slot = world.book(&world.own_application).await;
        world.others_slot = world.book(&world.others_application).await;
        let evaluation = json!({"application_id": world.others_application});
        for (protocol, id) in [("protocol1", &mut world.protocol1), ("protocol2", &mut world.protocol2)] {
            let path = format!("/api/v1/evaluations/{protocol}");
            let created = world.app.post_as(&world.admin_token, &path, &evaluation).await;
            created.body["id"].as_str().unwrap_or_else(|| panic!("an evaluation: {}", created.body)).clone_into(id);
        }
        world
    }

    /// An interview for `application` at a time never booked, in the body of `POST /interviews/slots`.
    fn booking(&self, application: &str) -> Value {
        let day =
            chrono::NaiveDate::from_ymd_opt(2027, 1, 1).expect("a day") + chrono::Days::new(self.fresh_number().into());
        json!({"date": day.format("%Y-%m-%d").to_string(), "time": "09:00:00", "application_id": application})
    }

    /// Books, as the admin, an interview for `application`: its id.
    async fn book(&self, application: &str) -> String {
        let request = self.app.client.post(self.app.url("/api/v1/interviews/slots")).bearer_auth(&self.admin_token);
        let created: Value = request.json(&self.booking(application)).send().await.unwrap().json().await.unwrap();
        created["id"].as_str().unwrap_or_else(|| panic!("a slot: {created}")).to_owned()
    }

    /// Submits a valid application, as the holder of `token`, to a new open offer; its id.
    async fn apply(&self, token: &str) -> String {
        let request = self.app.client.post(self.app.url("/api/v1/applications")).bearer_auth(token);
        let created: Value = request.json(&self.submission().await).send().await.unwrap().json().await.unwrap();
        created["data"]["id"].as_str().unwrap_or_else(|| panic!("an application: {created}")).to_owned()
    }

    /// A new application of a new candidate, in `candidature`.
    async fn fresh_application(&self) -> String {
        let candidate = self.fresh_candidate().await;
        let token = self.app.log_in(&candidate.email).await.access_token;
        let submission = self.submission().await;
        let response = self.app.client.post(self.app.url("/api/v1/applications")).bearer_auth(&token);
        let created: Value = response.json(&submission).send().await.unwrap().json().await.unwrap();
        created["data"]["id"].as_str().expect("a fresh application").to_owned()
    }

    /// A valid submission body, to a new open offer.
    async fn submission(&self) -> Value {
        let mut open = offer("Offre ouverte", 2);
        open.application_deadline = None;
        self.app.insert_offers(std::slice::from_ref(&open)).await;
        let pdf = |name: &str| {
            let bytes =
                format!("%PDF-1.7\n% {name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        json!({
            "job_offer_id": open.id, "has_been_manager": false,
            "ref_entreprise": "SEEG", "ref_fullname": "Jean Obame", "ref_mail": "jean@exemple.ga", "ref_contact": "01",
            "mtp_answers": {"reponses_metier": ["R1", "R2"], "reponses_talent": ["T1"]},
            "documents": [
                {"document_type": "cv", "file_name": "cv.pdf", "file_data": pdf("cv")},
                {"document_type": "cover_letter", "file_name": "lettre.pdf", "file_data": pdf("lettre")},
                {"document_type": "diplome", "file_name": "diplome.pdf", "file_data": pdf("diplome")},
            ],
        })
    }

    fn fresh_email(&self, label: &str) -> String {
        format!("{label}.{}@example.com", self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn fresh_number(&self) -> u32 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// A new offer of `recruiter`, with an application by another candidate when `applied`.
    async fn fresh_offer(&self, recruiter: Uuid, applied: bool) -> Uuid {
        let mut fresh = offer("Offre de la cellule", 1);
        fresh.recruiter_id = Some(recruiter);
        self.app.insert_offers(std::slice::from_ref(&fresh)).await;
        if applied {
            self.app.seed_application(self.other.id, fresh.id, ApplicationStatus::Candidature).await;
        }
        fresh.id
    }

    /// A new `actif` candidate.
    async fn fresh_candidate(&self) -> User {
        self.app.insert_account(Role::Candidate, &self.fresh_email("cible")).await
    }

    /// The caller of one cell: the shared account of its role, or a new one for rows that consume it.
    async fn caller(&self, who: Who, kind: Caller) -> Option<SignedIn> {
        let role = who.role()?;
        if kind == Caller::Fresh {
            return Some(self.app.token_for(role, &self.fresh_email(who.name())).await);
        }
        let shared = self.callers.iter().find(|(w, _)| *w == who).and_then(|(_, a)| a.as_ref()).expect("caller");
        Some(shared.clone())
    }

    /// Signs up an internal candidate without a company e-mail and returns its pending access request's id.
    async fn pending_request(&self) -> Value {
        let email = self.fresh_email("agent");
        let body = json!({
            "email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
            "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F",
            "candidate_status": "interne", "matricule": 700_000 + self.fresh_number(), "no_seeg_email": true,
            "adresse": "Quartier Louis, Libreville",
        });
        let response = self.app.client.post(self.app.url("/api/v1/auth/signup")).json(&body).send().await.unwrap();
        assert_eq!(response.status(), 201, "pending sign-up");
        let list: Value = self
            .app
            .client
            .get(self.app.url("/api/v1/access-requests?status_filter=pending&limit=500"))
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let request = list["data"].as_array().unwrap().iter().find(|r| r["email"] == email.as_str());
        request.expect("the new access request")["id"].clone()
    }

    /// A single-use reset token mailed to a new account.
    async fn reset_token(&self) -> String {
        let user = self.fresh_candidate().await;
        let response = self
            .app
            .client
            .post(self.app.url("/api/v1/auth/forgot-password"))
            .json(&json!({"email": user.email}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "forgot-password for the setup");
        let marker = "/reset-password?token=";
        seeg_tests::eventually::eventually(&format!("a reset e-mail to {}", user.email), async || {
            let mail = self.mailer.sent().into_iter().find(|m| m.to == user.email && m.text.contains(marker))?;
            let start = mail.text.find(marker).unwrap() + marker.len();
            Some(mail.text[start..].chars().take_while(char::is_ascii_hexdigit).collect())
        })
        .await
    }

    /// The path, token and payload of one cell.
    async fn prepare(&self, template: &str, body: Body, who: Who, kind: Caller) -> (String, Option<String>, Payload) {
        let caller = self.caller(who, kind).await;
        let mut path =
            template.replace("{job_id}", &self.job_id.to_string()).replace("{other}", &self.other.id.to_string());
        path = path
            .replace("{others_application}", &self.others_application)
            .replace("{others_document}", &self.others_document)
            .replace("{own_application}", &self.own_application)
            .replace("{protocol1}", &self.protocol1)
            .replace("{protocol2}", &self.protocol2);
        path = path.replace("{own_slot}", &self.own_slot).replace("{others_slot}", &self.others_slot);
        if path.contains("{fresh_slot}") {
            path = path.replace("{fresh_slot}", &self.book(&self.others_application).await);
        }
        if path.contains("{fresh_application}") {
            path = path.replace("{fresh_application}", &self.fresh_application().await);
        }
        let shared_recruiter = || {
            let found = self.callers.iter().find(|(w, _)| *w == Who::Recruiter).and_then(|(_, a)| a.as_ref());
            found.expect("recruiter").user.id
        };
        for (placeholder, owner, applied) in [
            ("{recruiter_job}", shared_recruiter(), false),
            ("{others_job}", self.other_recruiter.id, false),
            ("{applied_job}", shared_recruiter(), true),
        ] {
            if path.contains(placeholder) {
                path = path.replace(placeholder, &self.fresh_offer(owner, applied).await.to_string());
            }
        }
        if path.contains("{target}") {
            path = path.replace("{target}", &self.fresh_candidate().await.id.to_string());
        }
        if path.contains("{self}") {
            let id = match &caller {
                Some(account) => account.user.id,
                None => self.fresh_candidate().await.id,
            };
            path = path.replace("{self}", &id.to_string());
        }
        // Whose credentials a session-opening body uses: the caller's own, else another candidate's.
        let email = caller.as_ref().map_or_else(|| self.other.email.clone(), |a| a.user.email.clone());
        let payload = match body {
            Body::None => Payload::Nothing,
            Body::Json(text) => Payload::Json(serde_json::from_str(text).expect("table JSON")),
            Body::Signup => Payload::Json(json!({
                "email": self.fresh_email("inscrit"), "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
                "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": "externe", "no_seeg_email": false,
            })),
            Body::CreateUser => Payload::Json(json!({
                "email": self.fresh_email("recrue"), "password": "Recrutement#2026", "first_name": "Nadia",
                "last_name": "Obame", "role": "recruiter", "phone": "+241 06 00 00 00", "sexe": "F",
            })),
            Body::Login => Payload::Json(json!({"email": email, "password": PASSWORD})),
            Body::TokenForm => Payload::Form(vec![("username", email), ("password", PASSWORD.to_owned())]),
            Body::RefreshToken => Payload::Json(json!({"refresh_token": self.app.log_in(&email).await.refresh_token})),
            Body::ChangePassword => Payload::Json(json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD})),
            Body::ForgotPassword => Payload::Json(json!({"email": self.other.email})),
            Body::ResetPassword => {
                Payload::Json(json!({"token": self.reset_token().await, "new_password": NEW_PASSWORD}))
            }
            Body::Approve => Payload::Json(json!({"request_id": self.pending_request().await})),
            Body::Reject => {
                Payload::Json(json!({"request_id": self.pending_request().await, "rejection_reason": REASON}))
            }
            Body::Submission => Payload::Json(self.submission().await),
            Body::Draft => Payload::Json(json!({"job_offer_id": self.job_id, "form_data": {"step": 1}})),
            Body::Booking => Payload::Json(self.booking(&self.others_application)),
            Body::Evaluation => Payload::Json(json!({"application_id": self.fresh_application().await})),
        };
        (path, caller.map(|a| a.token), payload)
    }

    async fn send(&self, method: &str, path: &str, token: Option<&str>, payload: Payload) -> (u16, String) {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.app.client.request(method, self.app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match payload {
            Payload::Nothing => request,
            Payload::Json(body) => request.json(&body),
            Payload::Form(fields) => request.form(&fields),
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, text)
    }
}

async fn every_role_against_every_route(backend: Backend) {
    let world = World::new(backend).await;
    let mut mismatches = Vec::new();
    for (method, template, body, kind, expected) in TABLE {
        for (who, want) in CALLERS.into_iter().zip(expected) {
            let (path, token, payload) = world.prepare(template, body, who, kind).await;
            let (got, text) = world.send(method, &path, token.as_deref(), payload).await;
            if got != want {
                let excerpt: String = text.chars().take(200).collect();
                mismatches
                    .push(format!("{method} {template} as {}: expected {want}, got {got} ({excerpt})", who.name()));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} (route, caller) pairs differ from the S3 table:\n{}",
        mismatches.len(),
        TABLE.len() * CALLERS.len(),
        mismatches.join("\n")
    );
}

on_backends!(Sqlite, Postgres => every_role_against_every_route);
