//! A candidate's answers to an offer's Métier / Talent / Paradigme questions (legacy R23, decision K3): one
//! answer per question in each family; a family sent without answers counts as none (the legacy service
//! counted a missing family as one answer, D22).

use crate::offers::{MtpFamily, MtpQuestions};

/// The longest answer kept.
pub const MAX_ANSWER_CHARS: usize = 5_000;

/// Answers checked against the offer's questions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MtpAnswers {
    metier: Vec<String>,
    talent: Vec<String>,
    paradigme: Vec<String>,
}

/// Why answers were refused; the message keeps the legacy phrasing clients look for (K5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MtpAnswersError {
    /// The number of answers differs from the number of questions in these families, each as (family, answers
    /// given, questions asked).
    #[error("Le nombre de réponses MTP ne correspond pas aux questions de l'offre:\n{}", lines(.0))]
    CountMismatch(Vec<(MtpFamily, usize, usize)>),
    /// An answer is empty once trimmed.
    #[error("{family} : la réponse n°{position} est vide")]
    BlankAnswer {
        /// The family it answers.
        family: MtpFamily,
        /// Its position in the family's list, from 1.
        position: usize,
    },
    /// An answer is longer than `MAX_ANSWER_CHARS`.
    #[error("{family} : la réponse n°{position} dépasse {MAX_ANSWER_CHARS} caractères")]
    AnswerTooLong {
        /// The family it answers.
        family: MtpFamily,
        /// Its position in the family's list, from 1.
        position: usize,
    },
}

fn lines(mismatches: &[(MtpFamily, usize, usize)]) -> String {
    mismatches
        .iter()
        .map(|(family, given, asked)| format!("{family}: {given} réponse(s) fournie(s) pour {asked} question(s)"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl MtpAnswers {
    /// Checks the three lists against `questions`: the counts first (every family reported at once), then each
    /// answer (trimmed, not blank, at most `MAX_ANSWER_CHARS`).
    ///
    /// One answer per question, family by family (K3):
    ///
    /// ```rust
    /// use seeg_domain::applications::{MtpAnswers, MtpAnswersError};
    /// use seeg_domain::offers::{MtpFamily, MtpQuestions};
    ///
    /// let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    /// let questions = MtpQuestions::parse(strings(&["M1 ?", "M2 ?"]), strings(&["T1 ?"]), vec![]).unwrap();
    ///
    /// let answers = MtpAnswers::parse(&questions, strings(&[" R1 ", "R2"]), strings(&["R3"]), vec![]).unwrap();
    /// assert_eq!(answers.answers(MtpFamily::Metier), ["R1", "R2"]);
    ///
    /// // A count that differs is refused, every family reported at once as (family, given, asked); a family
    /// // sent without answers counts as none.
    /// assert_eq!(
    ///     MtpAnswers::parse(&questions, strings(&["R1"]), vec![], strings(&["R4"])),
    ///     Err(MtpAnswersError::CountMismatch(vec![
    ///         (MtpFamily::Metier, 1, 2),
    ///         (MtpFamily::Talent, 0, 1),
    ///         (MtpFamily::Paradigme, 1, 0),
    ///     ]))
    /// );
    ///
    /// // The right count, but a blank answer.
    /// assert_eq!(
    ///     MtpAnswers::parse(&questions, strings(&["R1", " "]), strings(&["R3"]), vec![]),
    ///     Err(MtpAnswersError::BlankAnswer { family: MtpFamily::Metier, position: 2 })
    /// );
    /// ```
    pub fn parse(
        questions: &MtpQuestions,
        metier: Vec<String>,
        talent: Vec<String>,
        paradigme: Vec<String>,
    ) -> Result<Self, MtpAnswersError> {
        let given = [(MtpFamily::Metier, &metier), (MtpFamily::Talent, &talent), (MtpFamily::Paradigme, &paradigme)];
        let mismatches: Vec<(MtpFamily, usize, usize)> = given
            .iter()
            .map(|(family, answers)| (*family, answers.len(), questions.questions(*family).len()))
            .filter(|(_, given, asked)| given != asked)
            .collect();
        if !mismatches.is_empty() {
            return Err(MtpAnswersError::CountMismatch(mismatches));
        }
        Ok(Self {
            metier: Self::family(MtpFamily::Metier, metier)?,
            talent: Self::family(MtpFamily::Talent, talent)?,
            paradigme: Self::family(MtpFamily::Paradigme, paradigme)?,
        })
    }

    /// Answers as stored (already checked when they were submitted).
    pub fn from_stored(metier: Vec<String>, talent: Vec<String>, paradigme: Vec<String>) -> Self {
        Self { metier, talent, paradigme }
    }

    fn family(family: MtpFamily, answers: Vec<String>) -> Result<Vec<String>, MtpAnswersError> {
        answers
            .into_iter()
            .enumerate()
            .map(|(i, answer)| {
                let answer = answer.trim().to_owned();
                if answer.is_empty() {
                    Err(MtpAnswersError::BlankAnswer { family, position: i + 1 })
                } else if answer.chars().count() > MAX_ANSWER_CHARS {
                    Err(MtpAnswersError::AnswerTooLong { family, position: i + 1 })
                } else {
                    Ok(answer)
                }
            })
            .collect()
    }

    /// The answers of one family, in the order of the offer's questions.
    pub fn answers(&self, family: MtpFamily) -> &[String] {
        match family {
            MtpFamily::Metier => &self.metier,
            MtpFamily::Talent => &self.talent,
            MtpFamily::Paradigme => &self.paradigme,
        }
    }

    /// The legacy JSON key of a family's answers (`mtp_answers.reponses_metier`, …).
    pub const fn answers_key(family: MtpFamily) -> &'static str {
        match family {
            MtpFamily::Metier => "reponses_metier",
            MtpFamily::Talent => "reponses_talent",
            MtpFamily::Paradigme => "reponses_paradigme",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn questions() -> MtpQuestions {
        MtpQuestions::parse(strings(&["Q1", "Q2"]), strings(&["T1"]), Vec::new()).unwrap()
    }

    #[test]
    fn one_trimmed_answer_per_question() {
        let answers = MtpAnswers::parse(&questions(), strings(&[" A1 ", "A2"]), strings(&["B1"]), Vec::new()).unwrap();
        assert_eq!(answers.answers(MtpFamily::Metier), ["A1", "A2"]);
        assert!(answers.answers(MtpFamily::Paradigme).is_empty());
    }

    #[test]
    fn every_family_whose_count_differs_is_reported_in_the_legacy_phrasing() {
        let err = MtpAnswers::parse(&questions(), strings(&["A1"]), Vec::new(), strings(&["C1"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Le nombre de réponses MTP ne correspond pas aux questions de l'offre:\n\
             Métier: 1 réponse(s) fournie(s) pour 2 question(s)\n\
             Talent: 0 réponse(s) fournie(s) pour 1 question(s)\n\
             Paradigme: 1 réponse(s) fournie(s) pour 0 question(s)"
        );
        let none = MtpQuestions::default();
        assert!(MtpAnswers::parse(&none, Vec::new(), Vec::new(), Vec::new()).is_ok(), "no questions, no answers");
    }

    #[test]
    fn blank_or_overlong_answers_are_refused_with_their_position() {
        let err = MtpAnswers::parse(&questions(), strings(&["A1", "  "]), strings(&["B"]), Vec::new()).unwrap_err();
        assert_eq!(err, MtpAnswersError::BlankAnswer { family: MtpFamily::Metier, position: 2 });
        let long = "x".repeat(MAX_ANSWER_CHARS + 1);
        let err = MtpAnswers::parse(&questions(), strings(&["A", "B"]), vec![long], Vec::new()).unwrap_err();
        assert_eq!(err, MtpAnswersError::AnswerTooLong { family: MtpFamily::Talent, position: 1 });
    }
}
