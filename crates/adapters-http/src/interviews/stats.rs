//! `GET /interviews/stats/overview` (legacy §1.11): every slot counted by status, for staff who read slots.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::ApiState;

/// Legacy `/interviews/stats/overview` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotStatsBody {
    /// The interviews that hold their time (scheduled and completed), as the legacy total counted occupied slots
    /// only; cancelled ones are in `cancelled_interviews`.
    pub total_interviews: u64,
    pub scheduled_interviews: u64,
    pub completed_interviews: u64,
    pub cancelled_interviews: u64,
    /// Every status (`scheduled`, `completed`, `cancelled`) with its count, 0 included.
    #[schema(example = json!({"scheduled": 4, "completed": 2, "cancelled": 1}))]
    pub interviews_by_status: BTreeMap<String, u64>,
}

/// Every slot counted by status (staff; a candidate is refused, S3).
#[utoipa::path(
    get,
    path = "/api/v1/interviews/stats/overview",
    operation_id = "interview_stats_overview",
    tag = "Entretiens",
    security(("bearer" = [])),
    responses(
        (status = 200, body = SlotStatsBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Candidats", body = ErrorBody),
    )
)]
pub(crate) async fn overview(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let counts = state.interviews.stats(&caller.0).await?;
    Ok(HttpResponse::Ok().json(SlotStatsBody {
        total_interviews: counts.scheduled + counts.completed,
        scheduled_interviews: counts.scheduled,
        completed_interviews: counts.completed,
        cancelled_interviews: counts.cancelled,
        interviews_by_status: counts.by_status.iter().map(|(s, n)| (s.as_str().to_owned(), *n)).collect(),
    }))
}
