//! The four routes of each protocol (`/evaluations/protocol1/…`, `/evaluations/protocol2/…`): create, read,
//! edit, and the application's evaluation as a list of 0 or 1. The caller is checked before the body is read
//! (S3); every score is 0..20 with at most 2 decimals, on create as on update (I6).

use actix_web::HttpResponse;
use serde_json::{Map, Value};

use super::dto::{Protocol1Body, Protocol2Body, WireProtocol};
use crate::auth::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, FieldError};
use crate::params::{parse_uuid, text, uuid_field};
use crate::request_id::audit_context;
use crate::state::ApiState;

/// Creates the application's evaluation of protocol `F`, the caller its evaluator (201).
async fn create<F: WireProtocol>(
    state: &ApiState,
    caller: &Caller,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.evaluations.may_evaluate(&caller.0)?;
    let body = body.read().await?;
    let mut errors = Vec::new();
    let application_id = match body.get("application_id").filter(|v| !v.is_null()) {
        None => Err(FieldError { field: "body.application_id".to_owned(), message: "champ obligatoire".to_owned() }),
        Some(value) => text(value)
            .map_err(|message| FieldError { field: "body.application_id".to_owned(), message })
            .and_then(|raw| uuid_field("body.application_id", raw)),
    }
    .map_err(|error| errors.push(error));
    let patch = F::patch(&body, &mut errors);
    let Ok(application_id) = application_id else { return Err(ApiError::Validation(errors)) };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut fields = F::default();
    fields.apply(patch);
    let evaluation = state.evaluations.create(&caller.0, application_id, fields, &audit_context()).await?;
    Ok(HttpResponse::Created().json(F::Body::from(&evaluation)))
}

/// Edits evaluation `raw_id` of protocol `F`: only the fields sent change; the overall score is recomputed.
async fn update<F: WireProtocol>(
    state: &ApiState,
    caller: &Caller,
    raw_id: &str,
    body: Deferred<Map<String, Value>>,
) -> Result<HttpResponse, ApiError> {
    state.evaluations.may_evaluate(&caller.0)?;
    let id = parse_uuid("evaluation_id", raw_id)?;
    let body = body.read().await?;
    let mut errors = Vec::new();
    let patch = F::patch(&body, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let evaluation = state.evaluations.update::<F>(&caller.0, id, patch, &audit_context()).await?;
    Ok(HttpResponse::Ok().json(F::Body::from(&evaluation)))
}

/// Evaluation `raw_id` of protocol `F`.
async fn get<F: WireProtocol>(state: &ApiState, caller: &Caller, raw_id: &str) -> Result<HttpResponse, ApiError> {
    state.evaluations.may_read(&caller.0)?;
    let id = parse_uuid("evaluation_id", raw_id)?;
    let evaluation = state.evaluations.get::<F>(&caller.0, id).await?;
    Ok(HttpResponse::Ok().json(F::Body::from(&evaluation)))
}

/// The application's evaluation of protocol `F`, as the legacy list of 0 or 1.
async fn by_application<F: WireProtocol>(
    state: &ApiState,
    caller: &Caller,
    raw_id: &str,
) -> Result<HttpResponse, ApiError> {
    state.evaluations.may_read(&caller.0)?;
    let application_id = parse_uuid("application_id", raw_id)?;
    let found = state.evaluations.by_application::<F>(&caller.0, application_id).await?;
    let body: Vec<F::Body> = found.iter().map(F::Body::from).collect();
    Ok(HttpResponse::Ok().json(body))
}

/// One protocol's module: its route table and its four documented handlers, over the generic ones above.
macro_rules! protocol_routes {
    (
        $module:ident, $fields:ty, $body:ty, requests($create_body:ty, $update_body:ty),
        paths($collection:literal, $item:literal, $of_application:literal),
        operations($create_op:literal, $get_op:literal, $update_op:literal, $list_op:literal),
        create_doc = $create_doc:literal,
        update_doc = $update_doc:literal $(,)?
    ) => {
        pub(crate) mod $module {
            use actix_web::{HttpResponse, web};
            use serde_json::{Map, Value};

            use crate::auth::Caller;
            use crate::body::Deferred;
            use crate::error::{ApiError, ErrorBody};
            use crate::routing::route;
            use crate::state::ApiState;

            pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
                cfg.service(route($collection).route(web::post().to(create)))
                    .service(route($of_application).route(web::get().to(by_application)))
                    .service(route($item).route(web::get().to(get)).route(web::put().to(update)));
            }

            #[doc = $create_doc]
            #[utoipa::path(
                        post,
                        path = $collection,
                        operation_id = $create_op,
                        tag = "Évaluations",
                        security(("bearer" = [])),
                        request_body(content = $create_body, description = $create_doc),
                        responses(
                            (status = 201, body = $body),
                            (status = 401, body = ErrorBody),
                            (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
                            (status = 404, description = "Candidature inconnue", body = ErrorBody),
                            (status = 409, description = "La candidature a déjà une évaluation de ce protocole \
                     (`evaluation_exists`)", body = ErrorBody),
                            (status = 422, description = "Champ invalide (note hors de 0..20 ou à plus de 2 décimales, \
                     `application_id` absent ou mal formé, …) ; `errors` les liste", body = ErrorBody),
                        )
                    )]
            pub(crate) async fn create(
                state: web::Data<ApiState>,
                caller: Caller,
                body: Deferred<Map<String, Value>>,
            ) -> Result<HttpResponse, ApiError> {
                super::create::<$fields>(&state, &caller, body).await
            }

            /// One evaluation of this protocol, by id (staff: recruiters, observers, admins).
            #[utoipa::path(
                        get,
                        path = $item,
                        operation_id = $get_op,
                        tag = "Évaluations",
                        security(("bearer" = [])),
                        params(("evaluation_id" = Uuid, Path, description = "Identifiant de l'évaluation")),
                        responses(
                            (status = 200, body = $body),
                            (status = 401, body = ErrorBody),
                            (status = 403, description = "Réservé au personnel", body = ErrorBody),
                            (status = 404, description = "Évaluation inconnue", body = ErrorBody),
                            (status = 422, description = "Identifiant mal formé", body = ErrorBody),
                        )
                    )]
            pub(crate) async fn get(
                state: web::Data<ApiState>,
                caller: Caller,
                evaluation_id: web::Path<String>,
            ) -> Result<HttpResponse, ApiError> {
                super::get::<$fields>(&state, &caller, &evaluation_id).await
            }

            #[doc = $update_doc]
            #[utoipa::path(
                        put,
                        path = $item,
                        operation_id = $update_op,
                        tag = "Évaluations",
                        security(("bearer" = [])),
                        params(("evaluation_id" = Uuid, Path, description = "Identifiant de l'évaluation")),
                        request_body(content = $update_body, description = $update_doc),
                        responses(
                            (status = 200, body = $body),
                            (status = 401, body = ErrorBody),
                            (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
                            (status = 404, description = "Évaluation inconnue", body = ErrorBody),
                            (status = 422, description = "Identifiant mal formé ou champ invalide ; rien n'est modifié",
                             body = ErrorBody),
                        )
                    )]
            pub(crate) async fn update(
                state: web::Data<ApiState>,
                caller: Caller,
                evaluation_id: web::Path<String>,
                body: Deferred<Map<String, Value>>,
            ) -> Result<HttpResponse, ApiError> {
                super::update::<$fields>(&state, &caller, &evaluation_id, body).await
            }

            /// The application's evaluation of this protocol, as a list of 0 or 1 (staff); none: an empty list.
            #[utoipa::path(
                        get,
                        path = $of_application,
                        operation_id = $list_op,
                        tag = "Évaluations",
                        security(("bearer" = [])),
                        params(("application_id" = Uuid, Path, description = "Identifiant de la candidature")),
                        responses(
                            (status = 200, body = [$body]),
                            (status = 401, body = ErrorBody),
                            (status = 403, description = "Réservé au personnel", body = ErrorBody),
                            (status = 422, description = "Identifiant mal formé", body = ErrorBody),
                        )
                    )]
            pub(crate) async fn by_application(
                state: web::Data<ApiState>,
                caller: Caller,
                application_id: web::Path<String>,
            ) -> Result<HttpResponse, ApiError> {
                super::by_application::<$fields>(&state, &caller, &application_id).await
            }
        }
    };
}

protocol_routes! {
    protocol1, seeg_domain::evaluations::Protocol1Fields, super::Protocol1Body,
    requests(crate::evaluations::dto::Protocol1Create, crate::evaluations::dto::Protocol1Update),
    paths(
        "/api/v1/evaluations/protocol1",
        "/api/v1/evaluations/protocol1/{evaluation_id}",
        "/api/v1/evaluations/protocol1/application/{application_id}"
    ),
    operations(
        "create_protocol1_evaluation",
        "get_protocol1_evaluation",
        "update_protocol1_evaluation",
        "application_protocol1_evaluations"
    ),
    create_doc = "Creates an application's protocol 1 evaluation (R29; recruiters and admins, the caller is the \
        evaluator): `application_id` and the legacy `P1Create` fields, every score 0..20 with at most 2 decimals. \
        `evaluator_id` and `overall_score` are ignored: the overall score is 20 % documentary + 40 % MTP + 40 % \
        interview by default (I6, configurable). Audited; `completed: true` notifies the offer's recruiter.",
    update_doc = "Changes a protocol 1 evaluation (legacy `P1Update`; recruiters and admins): only the fields sent \
        change, scores within the same bounds as on creation; the overall score is recomputed. The history keeps \
        the names of the changed fields; `completed` turning true notifies the offer's recruiter and the evaluator.",
}

protocol_routes! {
    protocol2, seeg_domain::evaluations::Protocol2Fields, super::Protocol2Body,
    requests(crate::evaluations::dto::Protocol2Create, crate::evaluations::dto::Protocol2Update),
    paths(
        "/api/v1/evaluations/protocol2",
        "/api/v1/evaluations/protocol2/{evaluation_id}",
        "/api/v1/evaluations/protocol2/application/{application_id}"
    ),
    operations(
        "create_protocol2_evaluation",
        "get_protocol2_evaluation",
        "update_protocol2_evaluation",
        "application_protocol2_evaluations"
    ),
    create_doc = "Creates an application's protocol 2 evaluation (R30; recruiters and admins, the caller is the \
        evaluator): `application_id` and the legacy `P2Create` fields, QCM scores 0..20 with at most 2 decimals. \
        `evaluator_id` and `overall_score` are ignored: the overall score is 50 % role QCM + 50 % CODIR QCM by \
        default (I6, configurable). Audited; `completed: true` notifies the offer's recruiter.",
    update_doc = "Changes a protocol 2 evaluation (legacy `P2Update`; recruiters and admins): only the fields sent \
        change, scores within the same bounds as on creation; the overall score is recomputed. The history keeps \
        the names of the changed fields; `completed` turning true notifies the offer's recruiter and the evaluator.",
}
