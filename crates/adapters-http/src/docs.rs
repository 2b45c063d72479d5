//! The API contract, reviewed (CONVENTIONS 12): OpenAPI at `/openapi.json`, Swagger UI at `/docs`, ReDoc at
//! `/redoc`. Every asset is vendored: nothing is downloaded at build or run time.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ErrorBody, FieldError};
use crate::{
    access_requests, application_edits, application_stats, application_views, applications, audit, drafts, health,
    identity, jobs, matricules, offers, optimized, outbox, passwords, profiles, user_creation, users, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "SEEG — API de recrutement",
        description = "Backend de recrutement de la SEEG (Société d'Énergie et d'Eau du Gabon)."
    ),
    paths(
        offers::list_public_jobs,
        applications::submit,
        applications::list_applications,
        applications::get_application,
        applications::update_application,
        applications::get_history,
        applications::export_pdf,
        applications::add_history_note,
        applications::list_documents,
        applications::download_document,
        applications::get_document,
        application_edits::delete_application,
        application_edits::delete_document,
        application_edits::add_document,
        application_views::get_complete,
        application_stats::overview,
        application_stats::advanced,
        optimized::applications,
        optimized::dashboard,
        optimized::candidate_applications,
        offers::count_public_jobs,
        offers::get_public_job,
        jobs::list_jobs,
        jobs::create_job,
        jobs::get_job,
        jobs::update_job,
        jobs::delete_job,
        jobs::my_jobs,
        jobs::recruiter_statistics,
        jobs::job_applications,
        health::health,
        health::readiness,
        identity::sign_up,
        identity::log_in,
        identity::token,
        identity::me,
        identity::refresh,
        identity::log_out,
        identity::change_password,
        passwords::forgot_password,
        passwords::reset_password,
        matricules::verify_matricule,
        matricules::verify_my_matricule,
        users::get_me,
        users::update_me,
        users::update_user,
        users::list_users,
        users::get_user,
        users::delete_user,
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
    ),
    components(schemas(ErrorBody, FieldError)),
    tags(
        (name = "Public", description = "Offres visibles sans authentification"),
        (name = "Offres d'emploi", description = "Offres pour les utilisateurs connectés : lecture selon la visibilité, \
         publication et gestion par les recruteurs, recherche"),
        (name = "Service", description = "Santé et disponibilité du service"),
        (name = "Authentification", description = "Inscription, connexion, jetons"),
        (name = "Utilisateurs", description = "Comptes"),
        (name = "Candidatures", description = "Candidatures et brouillons de candidature"),
        (name = "Demandes d'accès", description = "Comptes internes sans e-mail SEEG en attente de validation"),
        (name = "Candidatures", description = "Dépôt et suivi des candidatures, documents"),
        (name = "Tableaux de bord", description = "Lectures agrégées pour les tableaux de bord du personnel \
         (routes « optimized » historiques), en un nombre fixe de requêtes"),
        (name = "Audit", description = "Journal d'audit des actions du personnel et des connexions"),
        (name = "Administration", description = "Exploitation : file des effets de bord (outbox), relances"),
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

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", openapi()))
        .route("/docs", web::get().to(docs_redirect))
        .route("/redoc", web::get().to(redoc))
        .route("/redoc/", web::get().to(redoc))
        .route("/redoc/redoc.standalone.js", web::get().to(redoc_js));
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
