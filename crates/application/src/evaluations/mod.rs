//! Evaluations (I6): protocol 1 and protocol 2 grids, their history of edits, and the persistence ports they use.

mod ports;
mod scoring;

pub use ports::{EvaluationChange, EvaluationRepository, EvaluationStats, EvaluationWriter, ProtocolStats};
pub use scoring::{EVALUATION_COMPLETED, EvaluationError, EvaluationProtocol, Evaluations};
