//! Evaluations (I6, R29, R30): one per protocol per application, scores out of 20, the overall score computed
//! here from configurable weights, never taken from the client.

mod protocols;
mod score;
mod weights;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::vocabulary::wire_enum;

pub use protocols::{Protocol1Fields, Protocol1Patch, Protocol2Fields, Protocol2Patch};
pub use score::{Score, ScoreError};
pub use weights::{EvaluationWeights, Protocol1Weights, Protocol2Weights, WeightsError};

/// The longest comment or note an evaluation keeps, in characters.
pub const MAX_EVALUATION_TEXT_CHARS: usize = 10_000;

wire_enum! {
    /// Which evaluation grid: protocol 1 (external candidates, R29) or protocol 2 (internal candidates, R30).
    pub enum Protocol {
        /// Documents, written MTP answers, interview.
        One => "protocol1",
        /// Interview, visit, skills gap and two QCMs.
        Two => "protocol2",
    }
}

wire_enum! {
    /// Where a protocol 1 evaluation stands (R29's documented values; anything else is refused, F1).
    pub enum EvaluationStatus {
        /// Not started (the default).
        Pending => "pending",
        /// Under way.
        InProgress => "in_progress",
        /// Finished.
        Completed => "completed",
        /// Turned down.
        Rejected => "rejected",
    }
}

/// R29: a new evaluation is `pending`.
impl Default for EvaluationStatus {
    fn default() -> Self {
        Self::Pending
    }
}

/// A comment or note longer than `MAX_EVALUATION_TEXT_CHARS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {field} » : {MAX_EVALUATION_TEXT_CHARS} caractères au plus")]
pub struct TextTooLong {
    /// The field that is too long.
    pub field: &'static str,
}

/// What both protocols' fields offer the evaluation that holds them.
pub trait ProtocolFields: Clone + std::fmt::Debug + PartialEq + Default + Send + Sync + 'static {
    /// The partial update of these fields.
    type Patch: Clone + std::fmt::Debug + Default + Send + Sync;
    /// The protocol these fields belong to.
    const PROTOCOL: Protocol;

    /// Applies `patch`; the names of the fields whose value changed, in declaration order.
    fn apply(&mut self, patch: Self::Patch) -> Vec<&'static str>;
    /// The overall score these fields give with `weights` (I6), missing parts as 0.
    fn overall(&self, weights: &EvaluationWeights) -> Score;
    /// Whether the evaluation is marked finished.
    fn completed(&self) -> bool;
    /// The free-text fields that are set, by name.
    fn texts(&self) -> Vec<(&'static str, &str)>;
    /// Clears every free-text field (the erasure of the candidate's data, B7); the scores stay.
    fn clear_texts(&mut self);
}

/// One evaluation of an application under one protocol (legacy §2.11, §2.12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation<F> {
    /// Its id.
    pub id: Uuid,
    /// The application evaluated; one evaluation per protocol each (I6).
    pub application_id: Uuid,
    /// Who created it (the caller, R29); `None` once that account is gone.
    pub evaluator_id: Option<Uuid>,
    /// The protocol's fields.
    pub fields: F,
    /// Computed from `fields` and the weights on every write (I6).
    pub overall_score: Score,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A protocol 1 evaluation.
pub type Protocol1Evaluation = Evaluation<Protocol1Fields>;
/// A protocol 2 evaluation.
pub type Protocol2Evaluation = Evaluation<Protocol2Fields>;

fn check_texts<F: ProtocolFields>(fields: &F) -> Result<(), TextTooLong> {
    match fields.texts().into_iter().find(|(_, text)| text.chars().count() > MAX_EVALUATION_TEXT_CHARS) {
        Some((field, _)) => Err(TextTooLong { field }),
        None => Ok(()),
    }
}

impl<F: ProtocolFields> Evaluation<F> {
    /// A new evaluation by `evaluator`, its overall score computed with `weights`.
    pub fn new(
        id: Uuid,
        application_id: Uuid,
        evaluator: Uuid,
        fields: F,
        weights: &EvaluationWeights,
        now: DateTime<Utc>,
    ) -> Result<Self, TextTooLong> {
        check_texts(&fields)?;
        let overall_score = fields.overall(weights);
        Ok(Self {
            id,
            application_id,
            evaluator_id: Some(evaluator),
            fields,
            overall_score,
            created_at: now,
            updated_at: now,
        })
    }

    /// Applies `patch` and recomputes the overall score; the names of the changed fields (with `overall_score`
    /// when it moved). Nothing changed: nothing is touched, `updated_at` included.
    pub fn edit(
        &mut self,
        patch: F::Patch,
        weights: &EvaluationWeights,
        now: DateTime<Utc>,
    ) -> Result<Vec<&'static str>, TextTooLong> {
        let mut fields = self.fields.clone();
        let mut changed = fields.apply(patch);
        check_texts(&fields)?;
        let overall = fields.overall(weights);
        if overall != self.overall_score {
            changed.push("overall_score");
        }
        if !changed.is_empty() {
            (self.fields, self.overall_score, self.updated_at) = (fields, overall, now);
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[allow(clippy::unnecessary_wraps)] // scores are optional fields
    fn s(value: f64) -> Option<Score> {
        Some(Score::parse("s", value).unwrap())
    }

    fn ids() -> (Uuid, Uuid, Uuid) {
        (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3))
    }

    #[test]
    fn clearing_the_texts_keeps_the_scores() {
        let mut first = Protocol1Fields {
            documentary_score: s(15.0),
            cv_comments: Some("Bon CV".into()),
            talent_notes: Some("Rigoureuse".into()),
            general_summary: Some("À retenir".into()),
            ..Protocol1Fields::default()
        };
        first.clear_texts();
        assert!(first.texts().is_empty());
        assert_eq!(first.documentary_score, s(15.0));
        let mut second = Protocol2Fields {
            qcm_role_score: s(14.0),
            interview_notes: Some("Entretien".into()),
            visit_notes: Some("Visite".into()),
            skills_gap_notes: Some("Écarts".into()),
            ..Protocol2Fields::default()
        };
        second.clear_texts();
        assert!(second.texts().is_empty());
        assert_eq!(second.qcm_role_score, s(14.0));
    }

    #[test]
    fn a_new_evaluation_computes_its_overall_score() {
        let (id, application, evaluator) = ids();
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap();
        let fields = Protocol1Fields {
            documentary_score: s(15.0),
            mtp_score: s(12.0),
            interview_score: s(10.0),
            total_score: s(3.0),
            ..Protocol1Fields::default()
        };
        let e = Evaluation::new(id, application, evaluator, fields, &EvaluationWeights::default(), now).unwrap();
        assert_eq!(e.overall_score.hundredths(), 1180);
        assert_eq!(e.evaluator_id, Some(evaluator));
        assert_eq!(e.fields.status, EvaluationStatus::Pending);
    }

    #[test]
    fn an_edit_names_the_changed_fields_and_recomputes() {
        let (id, application, evaluator) = ids();
        let t0 = Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap();
        let t1 = t0 + chrono::TimeDelta::hours(1);
        let weights = EvaluationWeights::default();
        let mut e = Evaluation::new(id, application, evaluator, Protocol2Fields::default(), &weights, t0).unwrap();
        let patch = Protocol2Patch {
            qcm_role_score: Some(s(14.0)),
            completed: Some(true),
            visit_notes: Some(None),
            ..Protocol2Patch::default()
        };
        assert_eq!(e.edit(patch, &weights, t1).unwrap(), ["completed", "qcm_role_score", "overall_score"]);
        assert_eq!((e.overall_score.hundredths(), e.updated_at), (700, t1));
        let same = Protocol2Patch { completed: Some(true), ..Protocol2Patch::default() };
        assert!(e.edit(same, &weights, t1 + chrono::TimeDelta::hours(1)).unwrap().is_empty());
        assert_eq!(e.updated_at, t1, "an edit that changes nothing touches nothing");
    }

    #[test]
    fn long_texts_are_refused_naming_the_field() {
        let (id, application, evaluator) = ids();
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 10, 0, 0).unwrap();
        let fields = Protocol1Fields {
            general_summary: Some("x".repeat(MAX_EVALUATION_TEXT_CHARS + 1)),
            ..Protocol1Fields::default()
        };
        let error = Evaluation::new(id, application, evaluator, fields, &EvaluationWeights::default(), now);
        assert_eq!(error.unwrap_err().field, "general_summary");
    }

    #[test]
    fn protocols_and_statuses_are_wire_words() {
        assert_eq!(Protocol::One.as_str(), "protocol1");
        assert_eq!("in_progress".parse::<EvaluationStatus>(), Ok(EvaluationStatus::InProgress));
        assert!("done".parse::<EvaluationStatus>().is_err());
    }
}
