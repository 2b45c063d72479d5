//! The Métier / Talent / Paradigme questions of an offer (K3, R16, R17).

use std::fmt;

/// One of the three question families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MtpFamily {
    /// Métier: the first family, up to 7 questions.
    Metier,
    /// Talent: up to 3 questions.
    Talent,
    /// Paradigme: up to 3 questions.
    Paradigme,
}

impl MtpFamily {
    /// The three families, in the order messages and the legacy JSON list them.
    pub const ALL: [Self; 3] = [Self::Metier, Self::Talent, Self::Paradigme];

    /// How many questions an offer may ask in this family (K3: 7 / 3 / 3).
    pub const fn max_questions(self) -> usize {
        match self {
            Self::Metier => MtpQuestions::MAX_METIER,
            Self::Talent => MtpQuestions::MAX_TALENT,
            Self::Paradigme => MtpQuestions::MAX_PARADIGME,
        }
    }

    /// The French label used in messages.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Metier => "Métier",
            Self::Talent => "Talent",
            Self::Paradigme => "Paradigme",
        }
    }

    /// The legacy JSON key of the family's question list (`questions_mtp.questions_metier`, …).
    pub const fn questions_key(self) -> &'static str {
        match self {
            Self::Metier => "questions_metier",
            Self::Talent => "questions_talent",
            Self::Paradigme => "questions_paradigme",
        }
    }
}

impl fmt::Display for MtpFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a set of MTP questions was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MtpQuestionsError {
    /// More questions in `family` than `MtpFamily::max_questions` allows.
    #[error("{family} : {given} question(s) fournie(s), {max} au maximum", max = family.max_questions())]
    TooManyQuestions {
        /// The family over its limit.
        family: MtpFamily,
        /// How many questions were sent.
        given: usize,
    },
    /// A question is empty once trimmed.
    #[error("{family} : la question n°{position} est vide")]
    BlankQuestion {
        /// The family it belongs to.
        family: MtpFamily,
        /// Its position in the family's list, from 1.
        position: usize,
    },
    /// A question is longer than `MtpQuestions::MAX_QUESTION_CHARS`.
    #[error("{family} : la question n°{position} dépasse {max} caractères", max = MtpQuestions::MAX_QUESTION_CHARS)]
    QuestionTooLong {
        /// The family it belongs to.
        family: MtpFamily,
        /// Its position in the family's list, from 1.
        position: usize,
    },
}

/// The questions an offer asks, within the K3 limits. A family without questions is an empty list.
///
/// The limits are per family: 7 Métier, 3 Talent, 3 Paradigme (R16). One question more in any family refuses
/// the whole set, and the legacy multi-line fields (R17) are held to the same limits:
///
/// ```rust
/// use seeg_domain::offers::{MtpFamily, MtpQuestions, MtpQuestionsError};
///
/// let n = |count: usize| (1..=count).map(|i| format!("Question {i} ?")).collect::<Vec<_>>();
///
/// // Exactly at the limits: accepted.
/// let questions = MtpQuestions::parse(n(7), n(3), n(3)).unwrap();
/// assert_eq!(questions.questions(MtpFamily::Metier).len(), 7);
/// assert_eq!(questions.total(), 13);
/// assert_eq!(MtpFamily::ALL.map(MtpFamily::max_questions), [7, 3, 3]);
///
/// // One more in any family: refused, naming the family and the count.
/// assert_eq!(
///     MtpQuestions::parse(n(8), n(3), n(3)),
///     Err(MtpQuestionsError::TooManyQuestions { family: MtpFamily::Metier, given: 8 })
/// );
/// assert_eq!(
///     MtpQuestions::parse(n(0), n(4), n(0)),
///     Err(MtpQuestionsError::TooManyQuestions { family: MtpFamily::Talent, given: 4 })
/// );
/// assert_eq!(
///     MtpQuestions::parse(n(0), n(0), n(4)),
///     Err(MtpQuestionsError::TooManyQuestions { family: MtpFamily::Paradigme, given: 4 })
/// );
///
/// // The legacy one-question-per-line strings: blank lines dropped, same limits.
/// let legacy = MtpQuestions::from_legacy_strings(Some("Q1 ?\n\nQ2 ?"), None, Some("P1 ?")).unwrap();
/// assert_eq!(legacy.questions(MtpFamily::Metier), ["Q1 ?", "Q2 ?"]);
/// assert!(legacy.questions(MtpFamily::Talent).is_empty());
/// assert!(MtpQuestions::from_legacy_strings(None, Some("T1\nT2\nT3\nT4"), None).is_err());
///
/// // Blank questions are refused too.
/// assert_eq!(
///     MtpQuestions::parse(vec!["  ".into()], vec![], vec![]),
///     Err(MtpQuestionsError::BlankQuestion { family: MtpFamily::Metier, position: 1 })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MtpQuestions {
    metier: Vec<String>,
    talent: Vec<String>,
    paradigme: Vec<String>,
}

impl MtpQuestions {
    /// Most Métier questions an offer may ask (K3, R16).
    pub const MAX_METIER: usize = 7;
    /// Most Talent questions an offer may ask (K3, R16).
    pub const MAX_TALENT: usize = 3;
    /// Most Paradigme questions an offer may ask (K3, R16).
    pub const MAX_PARADIGME: usize = 3;
    /// Longest question, in characters (after trimming).
    pub const MAX_QUESTION_CHARS: usize = 1_000;

    /// Checks the three lists: counts within K3, no blank question, none too long. Questions are trimmed.
    pub fn parse(metier: Vec<String>, talent: Vec<String>, paradigme: Vec<String>) -> Result<Self, MtpQuestionsError> {
        Ok(Self {
            metier: Self::family(MtpFamily::Metier, metier)?,
            talent: Self::family(MtpFamily::Talent, talent)?,
            paradigme: Self::family(MtpFamily::Paradigme, paradigme)?,
        })
    }

    /// Rebuilds questions read back from storage, without checking the limits again: everything written
    /// through `parse` obeys them, and a row imported from the legacy service (which did not enforce them on
    /// update, D21) must still read, or one old offer would break every list it belongs to.
    pub fn from_stored(metier: Vec<String>, talent: Vec<String>, paradigme: Vec<String>) -> Self {
        Self { metier, talent, paradigme }
    }

    /// The legacy multi-line fields (`question_metier`, …, R17): one question per line, blank lines dropped.
    /// The same limits apply (K3).
    pub fn from_legacy_strings(
        metier: Option<&str>,
        talent: Option<&str>,
        paradigme: Option<&str>,
    ) -> Result<Self, MtpQuestionsError> {
        let lines = |s: Option<&str>| -> Vec<String> {
            s.unwrap_or_default().lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
        };
        Self::parse(lines(metier), lines(talent), lines(paradigme))
    }

    /// Checks stored questions against today's limits (an update re-checks the whole offer).
    pub fn check(&self) -> Result<(), MtpQuestionsError> {
        Self::parse(self.metier.clone(), self.talent.clone(), self.paradigme.clone()).map(|_| ())
    }

    fn family(family: MtpFamily, questions: Vec<String>) -> Result<Vec<String>, MtpQuestionsError> {
        if questions.len() > family.max_questions() {
            return Err(MtpQuestionsError::TooManyQuestions { family, given: questions.len() });
        }
        questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| {
                let q = q.trim();
                if q.is_empty() {
                    Err(MtpQuestionsError::BlankQuestion { family, position: i + 1 })
                } else if q.chars().count() > Self::MAX_QUESTION_CHARS {
                    Err(MtpQuestionsError::QuestionTooLong { family, position: i + 1 })
                } else {
                    Ok(q.to_owned())
                }
            })
            .collect()
    }

    /// The questions of one family, in the order the candidate answers them (an empty slice when it has none).
    pub fn questions(&self, family: MtpFamily) -> &[String] {
        match family {
            MtpFamily::Metier => &self.metier,
            MtpFamily::Talent => &self.talent,
            MtpFamily::Paradigme => &self.paradigme,
        }
    }

    /// No question in any family (stored as NULL, as the legacy service did with `{}`).
    pub fn is_empty(&self) -> bool {
        MtpFamily::ALL.iter().all(|f| self.questions(*f).is_empty())
    }

    /// How many questions the offer asks, all families together.
    pub fn total(&self) -> usize {
        MtpFamily::ALL.iter().map(|f| self.questions(*f).len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(count: usize) -> Vec<String> {
        (1..=count).map(|i| format!("Question {i} ?")).collect()
    }

    #[test]
    fn accepts_exactly_the_k3_limits() {
        let q = MtpQuestions::parse(n(7), n(3), n(3)).unwrap();
        assert_eq!(q.total(), 13);
        assert_eq!(q.questions(MtpFamily::Talent).len(), 3);
    }

    #[test]
    fn refuses_one_more_than_the_limit_in_each_family() {
        let cases = [
            (MtpQuestions::parse(n(8), n(0), n(0)), MtpFamily::Metier, 8),
            (MtpQuestions::parse(n(0), n(4), n(0)), MtpFamily::Talent, 4),
            (MtpQuestions::parse(n(0), n(0), n(4)), MtpFamily::Paradigme, 4),
        ];
        for (result, family, given) in cases {
            assert_eq!(result, Err(MtpQuestionsError::TooManyQuestions { family, given }));
        }
    }

    #[test]
    fn the_message_carries_the_limit_from_the_constant() {
        let err = MtpQuestions::parse(n(8), vec![], vec![]).unwrap_err();
        assert_eq!(err.to_string(), "Métier : 8 question(s) fournie(s), 7 au maximum");
    }

    #[test]
    fn blank_and_overlong_questions_are_refused_with_their_position() {
        let blank = MtpQuestions::parse(vec!["A ?".into(), "   ".into()], vec![], vec![]);
        assert_eq!(blank, Err(MtpQuestionsError::BlankQuestion { family: MtpFamily::Metier, position: 2 }));
        let long = MtpQuestions::parse(vec![], vec!["x".repeat(MtpQuestions::MAX_QUESTION_CHARS + 1)], vec![]);
        assert_eq!(long, Err(MtpQuestionsError::QuestionTooLong { family: MtpFamily::Talent, position: 1 }));
    }

    #[test]
    fn legacy_strings_split_on_lines_drop_blanks_and_obey_the_same_limits() {
        let q = MtpQuestions::from_legacy_strings(Some(" Un ?\n\n  Deux ?  \r\n"), None, Some("Trois ?")).unwrap();
        assert_eq!(q.questions(MtpFamily::Metier), ["Un ?", "Deux ?"]);
        assert!(q.questions(MtpFamily::Talent).is_empty());
        assert_eq!(q.questions(MtpFamily::Paradigme), ["Trois ?"]);

        let too_many = MtpQuestions::from_legacy_strings(None, Some("a\nb\nc\nd"), None);
        assert_eq!(too_many, Err(MtpQuestionsError::TooManyQuestions { family: MtpFamily::Talent, given: 4 }));
    }

    #[test]
    fn stored_questions_read_back_even_beyond_the_limits() {
        let stored = MtpQuestions::from_stored(n(9), vec![], vec![]);
        assert_eq!(stored.questions(MtpFamily::Metier).len(), 9);
    }

    #[test]
    fn empty_questions_are_empty() {
        assert!(MtpQuestions::default().is_empty());
        assert!(MtpQuestions::from_legacy_strings(Some("\n \n"), None, None).unwrap().is_empty());
        assert!(!MtpQuestions::parse(n(1), vec![], vec![]).unwrap().is_empty());
    }
}
