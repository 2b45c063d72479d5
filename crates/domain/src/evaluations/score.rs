//! A score out of 20 (I6): the one number type of every evaluation field, kept in hundredths so that it is exact.

use std::fmt;

/// A score between 0 and 20 with at most two decimals (I6), held as an integer count of hundredths: 15.5 is 1550.
/// Exact on every backend and in every sum, which floating point is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score(u16);

/// Why a number is not a score; names the field, as the 422 body does (F1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("« {field} » : la note doit être un nombre entre 0 et {max} avec au plus 2 décimales", max = Score::MAX_POINTS)]
pub struct ScoreError {
    /// The field that carried the value (`cv_score`, `qcm_role_score`, …).
    pub field: &'static str,
}

impl Score {
    /// The highest score, in points.
    pub const MAX_POINTS: u16 = 20;
    /// The highest score, in hundredths.
    pub const MAX_HUNDREDTHS: u16 = Self::MAX_POINTS * 100;
    /// Zero: what a missing score counts for in an overall score.
    pub const ZERO: Self = Self(0);

    /// Parses the number a client sent for `field`: finite, 0..=20, at most two decimals (so 12.345 is refused
    /// rather than silently rounded).
    pub fn parse(field: &'static str, value: f64) -> Result<Self, ScoreError> {
        let error = ScoreError { field };
        if !value.is_finite() || !(0.0..=f64::from(Self::MAX_POINTS)).contains(&value) {
            return Err(error);
        }
        let scaled = value * 100.0;
        let hundredths = scaled.round();
        // A decimal such as 12.34 is not exact in binary: allow the representation error, nothing more.
        if (scaled - hundredths).abs() > 1e-6 {
            return Err(error);
        }
        // In range: checked above, so 0..=2000 fits.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        Ok(Self(hundredths as u16))
    }

    /// A score from its count of hundredths (storage), refused above 2000.
    pub fn from_hundredths(field: &'static str, hundredths: i64) -> Result<Self, ScoreError> {
        u16::try_from(hundredths).ok().filter(|h| *h <= Self::MAX_HUNDREDTHS).map(Self).ok_or(ScoreError { field })
    }

    /// The count of hundredths (1550 for 15.5).
    pub const fn hundredths(self) -> u16 {
        self.0
    }

    /// The value in points, for JSON numbers (F3): exact to the two decimals it has.
    pub fn points(self) -> f64 {
        f64::from(self.0) / 100.0
    }

    /// The average of `count` scores adding up to `sum_hundredths`, rounded to the hundredth (half away from
    /// zero); zero when there are none (legacy statistics answer 0).
    pub fn average(sum_hundredths: u64, count: u64) -> Self {
        if count == 0 {
            return Self::ZERO;
        }
        let rounded = (sum_hundredths * 2 + count) / (count * 2);
        Self(u16::try_from(rounded).unwrap_or(Self::MAX_HUNDREDTHS).min(Self::MAX_HUNDREDTHS))
    }

    /// Weighted sum of scores (missing ones count as 0) with percentages adding up to 100, rounded to the
    /// hundredth (half away from zero), in integers so that 20 % of 15.55 is exactly 3.11.
    pub(crate) fn weighted(parts: &[(Option<Self>, u8)]) -> Self {
        let total: u32 =
            parts.iter().map(|(score, weight)| u32::from(score.unwrap_or_default().0) * u32::from(*weight)).sum();
        // Weights add up to 100, so total / 100 is at most 2000.
        let rounded = (total + 50) / 100;
        Self(u16::try_from(rounded).unwrap_or(Self::MAX_HUNDREDTHS).min(Self::MAX_HUNDREDTHS))
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_between_0_and_20_with_two_decimals_parse_exactly() {
        for (value, hundredths) in [(0.0, 0), (20.0, 2000), (12.34, 1234), (15.5, 1550), (0.01, 1), (19.99, 1999)] {
            let score = Score::parse("cv_score", value).unwrap();
            assert_eq!(score.hundredths(), hundredths, "{value}");
            assert!((score.points() - value).abs() < f64::EPSILON, "{value}");
        }
        assert_eq!(Score::parse("s", 7.1).unwrap().to_string(), "7.10");
    }

    #[test]
    fn nan_infinities_negatives_above_20_and_three_decimals_are_refused_naming_the_field() {
        for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.01, -1.0, 20.01, 21.0, 12.345, 0.001] {
            let error = Score::parse("mtp_score", value).unwrap_err();
            assert_eq!(error.field, "mtp_score", "{value}");
            assert_eq!(
                error.to_string(),
                "« mtp_score » : la note doit être un nombre entre 0 et 20 avec au plus 2 décimales"
            );
        }
    }

    #[test]
    fn stored_hundredths_are_checked() {
        assert_eq!(Score::from_hundredths("s", 2000).unwrap().hundredths(), 2000);
        assert!(Score::from_hundredths("s", 2001).is_err());
        assert!(Score::from_hundredths("s", -1).is_err());
    }

    #[test]
    fn averages_round_to_the_hundredth() {
        assert_eq!(Score::average(0, 0), Score::ZERO);
        assert_eq!(Score::average(1000 + 1501, 2).hundredths(), 1251, "12.505 rounds up");
        assert_eq!(Score::average(1000 + 1000 + 1001, 3).hundredths(), 1000, "10.0033 rounds down");
    }
}
