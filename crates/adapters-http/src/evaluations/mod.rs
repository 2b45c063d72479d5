//! Evaluations (legacy §1.8, I6, S3): the protocol 1 and protocol 2 grids of an application, created and edited
//! by recruiters and admins, read by the staff, and their statistics. The legacy paths and shapes (`dto`), scores
//! as JSON numbers (F3); who may do what is the application ring's `Evaluations`.

mod dto;
mod handlers;
pub(crate) mod stats;

use actix_web::web;
use seeg_application::evaluations::EvaluationError;

pub(crate) use handlers::{protocol1, protocol2};

use crate::error::{ApiError, ErrorCode, FieldError};
use crate::routing::route;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(route("/api/v1/evaluations/stats/overview").route(web::get().to(stats::overview)));
    protocol1::configure(cfg);
    protocol2::configure(cfg);
}

impl From<EvaluationError> for ApiError {
    fn from(error: EvaluationError) -> Self {
        match error {
            EvaluationError::NotFound | EvaluationError::ApplicationNotFound => Self::NotFound,
            EvaluationError::Forbidden => Self::forbidden(error.to_string()),
            EvaluationError::Duplicate(_) => Self::refused(ErrorCode::EvaluationExists, error.to_string()),
            EvaluationError::InvalidText(e) => {
                Self::Validation(vec![FieldError { field: format!("body.{}", e.field), message: e.to_string() }])
            }
            EvaluationError::Store(e) => e.into(),
        }
    }
}
