//! The API contract, reviewed (CONVENTIONS 12): OpenAPI at `/openapi.json`, Swagger UI at `/docs`, ReDoc at
//! `/redoc`. Every asset is vendored: nothing is downloaded at build or run time.

use actix_web::http::header;
use actix_web::{HttpResponse, guard, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::admin::{audit, outbox};
use crate::analytics;
use crate::applications::{documents, drafts, edit, read, submit};
use crate::auth::{matricules, passwords, session, signup, user_creation};
use crate::dashboards::{applications as dashboard_applications, candidate, recruitment, stats};
use crate::emails::{logs as email_logs, preferences as email_preferences, send as email_send};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::evaluations::{protocol1, protocol2, stats as evaluation_stats};
use crate::interviews::{slots, stats as interview_stats};
use crate::live::{sse, ticket, ws};
use crate::notifications::{inbox, stats as notification_stats};
use crate::offers::{public, recruiter};
use crate::rendered::{RenderedOnce, json};
use crate::users::{access_requests, accounts, erasure, export, profiles};
use crate::{about, health, monitoring, scrape, webhooks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SEEG — API de recrutement",
        description = "Backend de recrutement de la SEEG (Société d'Énergie et d'Eau du Gabon)."
    ),
    paths(
        public::list_public_jobs,
        submit::submit,
        read::list_applications,
        read::get_application,
        edit::update_application,
        read::get_history,
        read::export_pdf,
        edit::add_history_note,
        documents::list_documents,
        documents::download_document,
        documents::get_document,
        edit::delete_application,
        documents::delete_document,
        documents::add_document,
        read::get_complete,
        stats::overview,
        stats::advanced,
        dashboard_applications::applications,
        recruitment::dashboard,
        candidate::candidate_applications,
        analytics::funnel,
        analytics::time_to_hire,
        analytics::stage_durations,
        public::count_public_jobs,
        public::get_public_job,
        recruiter::list_jobs,
        recruiter::create_job,
        recruiter::get_job,
        recruiter::update_job,
        recruiter::delete_job,
        recruiter::my_jobs,
        recruiter::recruiter_statistics,
        read::job_applications,
        health::health,
        health::readiness,
        scrape::scrape,
        about::root,
        about::info,
        monitoring::service_stats,
        signup::sign_up,
        session::log_in,
        session::token,
        session::me,
        session::refresh,
        session::log_out,
        passwords::change_password,
        passwords::forgot_password,
        passwords::reset_password,
        matricules::verify_matricule,
        matricules::verify_my_matricule,
        accounts::get_me,
        accounts::update_me,
        accounts::update_user,
        accounts::list_users,
        accounts::get_user,
        export::export_me,
        export::export_user,
        erasure::erase_user,
        accounts::delete_user,
        profiles::get_own_profile,
        profiles::update_own_profile,
        drafts::get_draft,
        drafts::save_draft,
        drafts::delete_draft,
        drafts::get_application_draft,
        drafts::save_application_draft,
        drafts::delete_application_draft,
        user_creation::create_user,
        access_requests::list_access_requests,
        access_requests::approve_access_request,
        access_requests::reject_access_request,
        access_requests::mark_all_viewed,
        access_requests::unviewed_count,
        audit::list_audit_events,
        outbox::outbox_status,
        outbox::retry_event,
        webhooks::application_submitted,
        slots::create_slot,
        slots::list_slots,
        slots::get_slot,
        slots::update_slot,
        slots::cancel_slot,
        interview_stats::overview,
        protocol1::create,
        protocol1::get,
        protocol1::update,
        protocol1::by_application,
        protocol2::create,
        protocol2::get,
        protocol2::update,
        protocol2::by_application,
        evaluation_stats::overview,
        sse::stream,
        ticket::issue,
        ws::connect,
        inbox::list_notifications,
        inbox::get_notification,
        inbox::mark_read,
        inbox::mark_all_read,
        notification_stats::unread_count,
        notification_stats::overview,
        email_send::send_email,
        email_send::send_interview_email,
        email_logs::list_logs,
        email_preferences::get_settings,
        email_preferences::put_settings,
    ),
    components(schemas(ErrorBody, FieldError)),
    tags(
        (name = "Public", description = "Offres visibles sans authentification"),
        (name = "Offres d'emploi", description = "Offres pour les utilisateurs connectés : lecture selon la visibilité, \
         publication et gestion par les recruteurs, recherche"),
        (name = "Service", description = "Santé et disponibilité du service, informations sur la version, \
         statistiques d'exploitation"),
        (name = "Authentification", description = "Inscription, connexion, jetons"),
        (name = "Utilisateurs", description = "Comptes"),
        (name = "Candidatures", description = "Candidatures et brouillons de candidature"),
        (name = "Demandes d'accès", description = "Comptes internes sans e-mail SEEG en attente de validation"),
        (name = "Candidatures", description = "Dépôt et suivi des candidatures, documents"),
        (name = "Tableaux de bord", description = "Lectures agrégées pour les tableaux de bord du personnel \
         (routes « optimized » historiques), en un nombre fixe de requêtes"),
        (name = "Analyses", description = "Analyses du recrutement tirées de l'historique des statuts (B5) : \
         entonnoir par étape et taux de conversion, délais d'embauche, durée passée dans chaque étape ; médianes et \
         90e centiles ; JSON ou CSV (`Accept: text/csv`)"),
        (name = "Audit", description = "Journal d'audit des actions du personnel et des connexions"),
        (name = "Administration", description = "Exploitation : file des effets de bord (outbox), relances"),
        (name = "Entretiens", description = "Créneaux d'entretien : programmation, déplacement, annulation, \
         statistiques"),
        (name = "Évaluations", description = "Grilles d'évaluation des candidatures (protocoles 1 et 2), notes sur \
         20 et note globale pondérée calculée par le service"),
        (name = "Notifications", description = "Notifications du compte connecté : liste filtrée, lecture, \
         marquage comme lues, compteurs, chacun ne voyant que les siennes ; en temps réel par SSE \
         (`/notifications/stream`) ou par le WebSocket historique (`/notifications/ws`)"),
        (name = "E-mails", description = "Envoi d'e-mails par le personnel (mis en file, jamais envoyés pendant la \
         requête) et journal des envois"),
        (name = "Webhooks", description = "Appels de systèmes de confiance, authentifiés par `X-Webhook-Token` \
         (export vers l'entrepôt de données)"),
    ),
    modifiers(&BearerAuth, &SharedAnswers, &Links)
)]
struct ApiDoc;

/// `Authorization: Bearer` for Swagger's "Authorize" button.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
    }
}

/// What every route answers whatever its own rules, declared here once for all of them rather than on each route
/// (the schema fuzzing, `.ci/schemathesis.sh`, checks that each answer is declared):
/// - 401 `not_authenticated` / `invalid_token` for every route that takes a bearer token (the `Caller` extractor
///   refuses a missing, expired or forged one before the route runs);
/// - 422 `validation_error` for every route that reads a path, query or header value or a body (each value is read
///   as text and a bad one is named in `errors`, `params`; a body that is not JSON, or has the wrong content type,
///   is a 422 too, `body::json_config`);
/// - 413 `payload_too_large` for every route that reads a body (each has a limit, refused before decoding).
///
/// It also declares what `params` does with every optional query value: a blank one (empty or spaces) is the same
/// as none, so each optional query parameter's schema also accepts blank text.
struct SharedAnswers;

/// The shared answers: (status, component name, description).
const SHARED_ANSWERS: [(&str, &str, &str); 3] = [
    ("401", "NotAuthenticated", "Jeton absent, invalide ou expiré (`not_authenticated`, `invalid_token`)"),
    (
        "422",
        "InvalidRequest",
        "Paramètre ou corps invalide (`validation_error`) ; `errors` nomme chaque valeur refusée",
    ),
    ("413", "PayloadTooLarge", "Corps trop volumineux pour cette route (`payload_too_large`)"),
];

impl utoipa::Modify for SharedAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        use utoipa::openapi::{Ref, RefOr, Required};

        for (path, item) in &mut openapi.paths.paths {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let token = operation.security.as_ref().is_some_and(|requirements| !requirements.is_empty());
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                let reads_values = path.contains('{') || !parameters.is_empty();
                for parameter in parameters.iter_mut() {
                    if let RefOr::T(parameter) = parameter
                        && parameter.parameter_in == ParameterIn::Query
                        && parameter.required != Required::True
                    {
                        parameter.schema = parameter.schema.take().map(blank_or);
                    }
                }
                if parameters.is_empty() {
                    operation.parameters = None;
                }
                let body = operation.request_body.is_some();
                let responses = &mut operation.responses.responses;
                for (status, name, _) in SHARED_ANSWERS {
                    let applies = match status {
                        "401" => token,
                        "422" => reads_values || body,
                        _ => body,
                    };
                    if applies {
                        responses.entry(status.to_owned()).or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
                    }
                }
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        for (_, name, description) in SHARED_ANSWERS {
            let error = utoipa::openapi::ContentBuilder::new()
                .schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))))
                .build();
            let response =
                utoipa::openapi::ResponseBuilder::new().description(description).content("application/json", error);
            components.responses.insert(name.to_owned(), RefOr::T(response.build()));
        }
    }
}

/// OpenAPI links between the operations that create a resource and those that use its id: a client (and the
/// schema fuzzing's stateful phase, `.ci/schemathesis.sh`) follows them, e.g. an offer created, then read, its
/// applications listed, changed, deleted; an application submitted, then read, moved along the pipeline (I5),
/// annotated; a slot booked, then moved or cancelled.
struct Links;

/// (operation, status of its answer, where the new id is in that answer, parameter it fills, operations it feeds).
const LINKS: [(&str, &str, &str, &str, &[&str]); 6] = [
    (
        "create_job",
        "201",
        "/id",
        "job_id",
        &["get_job", "get_public_job", "job_applications", "update_job", "delete_job"],
    ),
    (
        "submit_application",
        "201",
        "/data/id",
        "application_id",
        &["get_application", "list_application_documents", "update_application", "add_application_history_note"],
    ),
    (
        "create_interview_slot",
        "201",
        "/id",
        "slot_id",
        &["get_interview_slot", "update_interview_slot", "cancel_interview_slot"],
    ),
    (
        "create_protocol1_evaluation",
        "201",
        "/id",
        "evaluation_id",
        &["get_protocol1_evaluation", "update_protocol1_evaluation"],
    ),
    (
        "create_protocol2_evaluation",
        "201",
        "/id",
        "evaluation_id",
        &["get_protocol2_evaluation", "update_protocol2_evaluation"],
    ),
    ("create_user", "200", "/id", "user_id", &["get_user", "update_user", "delete_user"]),
];

impl utoipa::Modify for Links {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::link::LinkBuilder;

        for item in openapi.paths.paths.values_mut() {
            let operations = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let Some((_, status, pointer, parameter, targets)) =
                    LINKS.iter().find(|link| operation.operation_id.as_deref() == Some(link.0))
                else {
                    continue;
                };
                if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(*status) {
                    for target in *targets {
                        let link = LinkBuilder::new()
                            .operation_id(*target)
                            .parameter(*parameter, format!("$response.body#{pointer}"))
                            .build();
                        response.links.insert((*target).to_owned(), RefOr::T(link));
                    }
                }
            }
        }
    }
}

/// `schema`, or blank text (a query value `params` reads as absent). A plain text schema already accepts it.
fn blank_or(
    schema: utoipa::openapi::RefOr<utoipa::openapi::Schema>,
) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    if serde_json::to_value(&schema).ok() == Some(serde_json::json!({"type": "string"})) {
        return schema;
    }
    let blank = ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^\s*$"));
    AnyOfBuilder::new().item(schema).item(blank).into()
}

/// The OpenAPI document, with the error-code catalogue appended to the description.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    env!("CARGO_PKG_VERSION").clone_into(&mut doc.info.version);
    let mut description = doc.info.description.take().unwrap_or_default();
    description.push_str(
        "\n\n## Erreurs\n\nToute réponse d'erreur a le corps `{\"detail\", \"code\", \"status\", \"request_id\"}` \
         (plus `errors` pour les 422). Codes :\n\n",
    );
    description.push_str(&crate::error_codes::catalogue_table());
    doc.info.description = Some(description);
    doc
}

const REDOC_JS: &[u8] = include_bytes!("../assets/redoc/redoc.standalone.js");

const REDOC_HTML: &str = r#"<!DOCTYPE html>
<html lang="fr">
  <head>
    <meta charset="utf-8">
    <title>SEEG — API de recrutement (ReDoc)</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
  </head>
  <body>
    <redoc spec-url="/openapi.json"></redoc>
    <script src="/redoc/redoc.standalone.js"></script>
  </body>
</html>
"#;

/// `document`: where `/openapi.json` is kept once written, shared by every worker thread. The document's tree takes
/// some 4 MiB of heap and its JSON a few hundred KiB: a tree built by each worker at start-up and kept to be
/// serialised again on every request would be most of an idle server's heap, for a route most processes never serve.
pub(crate) fn configure(cfg: &mut web::ServiceConfig, document: RenderedOnce) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").config(Config::new(["/openapi.json"])))
        .service(web::resource("/openapi.json").guard(guard::Get()).app_data(web::Data::new(document)).to(openapi_json))
        .route("/docs", web::get().to(docs_redirect))
        .route("/redoc", web::get().to(redoc))
        .route("/redoc/", web::get().to(redoc))
        .route("/redoc/redoc.standalone.js", web::get().to(redoc_js));
}

async fn openapi_json(document: web::Data<RenderedOnce>) -> Result<HttpResponse, ApiError> {
    Ok(json(document.body(|| serde_json::to_vec(&openapi()))?))
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::MovedPermanently().insert_header((header::LOCATION, "/docs/")).finish()
}

async fn redoc() -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(REDOC_HTML)
}

async fn redoc_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(REDOC_JS)
}
