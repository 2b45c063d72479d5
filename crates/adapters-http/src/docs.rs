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
use crate::users::{access_requests, accounts, profiles};
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
    modifiers(&BearerAuth)
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
