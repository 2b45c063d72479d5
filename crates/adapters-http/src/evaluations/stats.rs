//! `GET /evaluations/stats/overview`: how many evaluations each protocol has, and their average overall score.

use actix_web::{HttpResponse, web};

use super::dto::EvaluationStatsBody;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

/// Count and average overall score (a number, 0 when there are none) of each protocol's evaluations (staff).
#[utoipa::path(
    get,
    path = "/api/v1/evaluations/stats/overview",
    operation_id = "evaluation_stats",
    tag = "Évaluations",
    security(("bearer" = [])),
    responses(
        (status = 200, body = EvaluationStatsBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé au personnel (recruteurs, observateurs, administrateurs)", body = ErrorBody),
    )
)]
pub(crate) async fn overview(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let counted = state.evaluations.stats(&caller.0).await?;
    Ok(HttpResponse::Ok().json(EvaluationStatsBody::from(counted)))
}
