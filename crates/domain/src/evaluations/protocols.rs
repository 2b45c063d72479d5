//! The two protocols' fields (legacy §2.11, §2.12, R29, R30), each with its partial update.

use chrono::{DateTime, Utc};

use super::{EvaluationStatus, EvaluationWeights, Protocol, ProtocolFields, Score};

/// Declares a protocol's fields and its patch (every field optional: `Some` sets it, `None` keeps it), with the
/// patch's application, which names the fields it changed (the history of edits).
macro_rules! protocol_fields {
    (
        $(#[$meta:meta])* $name:ident;
        $(#[$patch_meta:meta])* $patch:ident;
        { $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty ),+
        }

        $(#[$patch_meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $patch {
            $( $(#[$field_meta])* pub $field: Option<$ty> ),+
        }

        impl $name {
            /// Every field's name, in declaration order.
            pub const FIELD_NAMES: &'static [&'static str] = &[$(stringify!($field)),+];

            fn apply_patch(&mut self, patch: $patch) -> Vec<&'static str> {
                let mut changed = Vec::new();
                $(
                    if let Some(value) = patch.$field {
                        if self.$field != value {
                            self.$field = value;
                            changed.push(stringify!($field));
                        }
                    }
                )+
                changed
            }
        }
    };
}

protocol_fields! {
    /// Protocol 1 (R29, external candidates): documents, written MTP answers, interview. Scores are out of 20;
    /// the aggregates (`documentary_score`, `mtp_score`, `interview_score`) are given by the evaluator and feed the
    /// overall score, the detailed ones are stored as given.
    Protocol1Fields;
    /// A partial update of protocol 1: `Some` sets the field (`Some(None)` clears a nullable one).
    Protocol1Patch;
    {
        /// Where the evaluation stands.
        status: EvaluationStatus,
        /// Whether the evaluation is finished (turning true notifies the people concerned, R32).
        completed: bool,
        /// Whether the documents were checked.
        documents_verified: bool,
        /// CV.
        cv_score: Option<Score>,
        /// On the CV.
        cv_comments: Option<String>,
        /// Diplomas and certificates.
        diplomes_certificats_score: Option<Score>,
        /// On the diplomas and certificates.
        diplomes_certificats_comments: Option<String>,
        /// Cover letter.
        lettre_motivation_score: Option<Score>,
        /// On the cover letter.
        lettre_motivation_comments: Option<String>,
        /// The documentary part of the overall score.
        documentary_score: Option<Score>,
        /// Métier answers.
        metier_score: Option<Score>,
        /// On the métier answers.
        metier_comments: Option<String>,
        /// Notes on the métier answers.
        metier_notes: Option<String>,
        /// Paradigme answers.
        paradigme_score: Option<Score>,
        /// On the paradigme answers.
        paradigme_comments: Option<String>,
        /// Notes on the paradigme answers.
        paradigme_notes: Option<String>,
        /// Talent answers.
        talent_score: Option<Score>,
        /// On the talent answers.
        talent_comments: Option<String>,
        /// Notes on the talent answers.
        talent_notes: Option<String>,
        /// The MTP part of the overall score.
        mtp_score: Option<Score>,
        /// Métier, at the interview.
        interview_metier_score: Option<Score>,
        /// On métier, at the interview.
        interview_metier_comments: Option<String>,
        /// Paradigme, at the interview.
        interview_paradigme_score: Option<Score>,
        /// On paradigme, at the interview.
        interview_paradigme_comments: Option<String>,
        /// Talent, at the interview.
        interview_talent_score: Option<Score>,
        /// On talent, at the interview.
        interview_talent_comments: Option<String>,
        /// The interview part of the overall score.
        interview_score: Option<Score>,
        /// When the interview took place.
        interview_date: Option<DateTime<Utc>>,
        /// Skills gap.
        gap_competence_score: Option<Score>,
        /// On the skills gap.
        gap_competence_comments: Option<String>,
        /// Adherence to the métier.
        adherence_metier: bool,
        /// Adherence to the paradigme.
        adherence_paradigme: bool,
        /// Adherence to the talent.
        adherence_talent: bool,
        /// A total the evaluator keeps; stored as given, never computed (R29).
        total_score: Option<Score>,
        /// The evaluator's summary.
        general_summary: Option<String>,
    }
}

protocol_fields! {
    /// Protocol 2 (R30, internal candidates): the steps taken and the two QCM scores out of 20.
    Protocol2Fields;
    /// A partial update of protocol 2: `Some` sets the field (`Some(None)` clears a nullable one).
    Protocol2Patch;
    {
        /// Whether the evaluation is finished (turning true notifies the people concerned, R32).
        completed: bool,
        /// Whether the interview took place.
        interview_completed: bool,
        /// Whether the site visit took place.
        physical_visit: bool,
        /// Whether the skills gap was assessed.
        skills_gap_assessed: bool,
        /// Whether the job sheet was written.
        job_sheet_created: bool,
        /// Whether the role QCM was taken.
        qcm_role_completed: bool,
        /// Whether the CODIR QCM was taken.
        qcm_codir_completed: bool,
        /// Role QCM.
        qcm_role_score: Option<Score>,
        /// CODIR QCM.
        qcm_codir_score: Option<Score>,
        /// Notes on the interview.
        interview_notes: Option<String>,
        /// Notes on the visit.
        visit_notes: Option<String>,
        /// Notes on the skills gap.
        skills_gap_notes: Option<String>,
    }
}

impl ProtocolFields for Protocol1Fields {
    type Patch = Protocol1Patch;
    const PROTOCOL: Protocol = Protocol::One;

    fn apply(&mut self, patch: Protocol1Patch) -> Vec<&'static str> {
        self.apply_patch(patch)
    }

    fn overall(&self, weights: &EvaluationWeights) -> Score {
        weights.protocol1.overall(self.documentary_score, self.mtp_score, self.interview_score)
    }

    fn completed(&self) -> bool {
        self.completed
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        let fields = [
            ("cv_comments", &self.cv_comments),
            ("diplomes_certificats_comments", &self.diplomes_certificats_comments),
            ("lettre_motivation_comments", &self.lettre_motivation_comments),
            ("metier_comments", &self.metier_comments),
            ("metier_notes", &self.metier_notes),
            ("paradigme_comments", &self.paradigme_comments),
            ("paradigme_notes", &self.paradigme_notes),
            ("talent_comments", &self.talent_comments),
            ("talent_notes", &self.talent_notes),
            ("interview_metier_comments", &self.interview_metier_comments),
            ("interview_paradigme_comments", &self.interview_paradigme_comments),
            ("interview_talent_comments", &self.interview_talent_comments),
            ("gap_competence_comments", &self.gap_competence_comments),
            ("general_summary", &self.general_summary),
        ];
        fields.into_iter().filter_map(|(name, text)| text.as_deref().map(|t| (name, t))).collect()
    }

    fn clear_texts(&mut self) {
        for text in [
            &mut self.cv_comments,
            &mut self.diplomes_certificats_comments,
            &mut self.lettre_motivation_comments,
            &mut self.metier_comments,
            &mut self.metier_notes,
            &mut self.paradigme_comments,
            &mut self.paradigme_notes,
            &mut self.talent_comments,
            &mut self.talent_notes,
            &mut self.interview_metier_comments,
            &mut self.interview_paradigme_comments,
            &mut self.interview_talent_comments,
            &mut self.gap_competence_comments,
            &mut self.general_summary,
        ] {
            *text = None;
        }
    }
}

impl ProtocolFields for Protocol2Fields {
    type Patch = Protocol2Patch;
    const PROTOCOL: Protocol = Protocol::Two;

    fn apply(&mut self, patch: Protocol2Patch) -> Vec<&'static str> {
        self.apply_patch(patch)
    }

    fn overall(&self, weights: &EvaluationWeights) -> Score {
        weights.protocol2.overall(self.qcm_role_score, self.qcm_codir_score)
    }

    fn completed(&self) -> bool {
        self.completed
    }

    fn texts(&self) -> Vec<(&'static str, &str)> {
        let fields = [
            ("interview_notes", &self.interview_notes),
            ("visit_notes", &self.visit_notes),
            ("skills_gap_notes", &self.skills_gap_notes),
        ];
        fields.into_iter().filter_map(|(name, text)| text.as_deref().map(|t| (name, t))).collect()
    }

    fn clear_texts(&mut self) {
        for text in [&mut self.interview_notes, &mut self.visit_notes, &mut self.skills_gap_notes] {
            *text = None;
        }
    }
}
