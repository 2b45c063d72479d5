//! The weights of the overall score (I6): percentages per part, validated, with the documented defaults.

use super::Score;

/// Weights that are not percentages adding up to 100.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pondérations invalides : chaque poids est entre 0 et 100 et leur somme vaut 100 (reçu {received:?})")]
pub struct WeightsError {
    /// The weights as given.
    pub received: Vec<u16>,
}

fn checked<const N: usize>(weights: [u16; N]) -> Result<[u8; N], WeightsError> {
    let error = || WeightsError { received: weights.to_vec() };
    if weights.iter().any(|w| *w > 100) || weights.iter().sum::<u16>() != 100 {
        return Err(error());
    }
    let mut percentages = [0_u8; N];
    for (percentage, weight) in percentages.iter_mut().zip(weights) {
        *percentage = u8::try_from(weight).map_err(|_| error())?;
    }
    Ok(percentages)
}

/// Protocol 1's overall score: documentary, MTP and interview parts, in percent (I6: 20/40/40 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol1Weights {
    documentary: u8,
    mtp: u8,
    interview: u8,
}

impl Protocol1Weights {
    /// Percentages of the documentary, MTP and interview scores; each 0..=100, adding up to 100.
    pub fn new(documentary: u16, mtp: u16, interview: u16) -> Result<Self, WeightsError> {
        let [documentary, mtp, interview] = checked([documentary, mtp, interview])?;
        Ok(Self { documentary, mtp, interview })
    }

    /// The overall score of these parts; a missing part counts as 0.
    pub fn overall(self, documentary: Option<Score>, mtp: Option<Score>, interview: Option<Score>) -> Score {
        Score::weighted(&[(documentary, self.documentary), (mtp, self.mtp), (interview, self.interview)])
    }

    /// The documentary, MTP and interview percentages.
    pub const fn percentages(self) -> [u8; 3] {
        [self.documentary, self.mtp, self.interview]
    }
}

/// I6: 20 % documentary, 40 % MTP, 40 % interview.
impl Default for Protocol1Weights {
    fn default() -> Self {
        Self { documentary: 20, mtp: 40, interview: 40 }
    }
}

/// Protocol 2's overall score: the role QCM and the CODIR QCM, in percent (I6: 50/50 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Protocol2Weights {
    qcm_role: u8,
    qcm_codir: u8,
}

impl Protocol2Weights {
    /// Percentages of the role and CODIR QCM scores; each 0..=100, adding up to 100.
    pub fn new(qcm_role: u16, qcm_codir: u16) -> Result<Self, WeightsError> {
        let [qcm_role, qcm_codir] = checked([qcm_role, qcm_codir])?;
        Ok(Self { qcm_role, qcm_codir })
    }

    /// The overall score of these parts; a missing part counts as 0.
    pub fn overall(self, qcm_role: Option<Score>, qcm_codir: Option<Score>) -> Score {
        Score::weighted(&[(qcm_role, self.qcm_role), (qcm_codir, self.qcm_codir)])
    }

    /// The role and CODIR percentages.
    pub const fn percentages(self) -> [u8; 2] {
        [self.qcm_role, self.qcm_codir]
    }
}

/// I6: 50 % role QCM, 50 % CODIR QCM.
impl Default for Protocol2Weights {
    fn default() -> Self {
        Self { qcm_role: 50, qcm_codir: 50 }
    }
}

/// The weights of both protocols, as the configuration gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvaluationWeights {
    /// Protocol 1 (documentary, MTP, interview).
    pub protocol1: Protocol1Weights,
    /// Protocol 2 (role QCM, CODIR QCM).
    pub protocol2: Protocol2Weights,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // scores are optional fields
    fn s(value: f64) -> Option<Score> {
        Some(Score::parse("s", value).unwrap())
    }

    #[test]
    fn protocol1_defaults_to_20_40_40_with_missing_parts_as_zero() {
        let w = Protocol1Weights::default();
        assert_eq!(w.percentages(), [20, 40, 40]);
        // 0.2 × 15 + 0.4 × 12 + 0.4 × 10 = 3 + 4.8 + 4 = 11.8
        assert_eq!(w.overall(s(15.0), s(12.0), s(10.0)).hundredths(), 1180);
        assert_eq!(w.overall(None, s(10.0), None).hundredths(), 400);
        assert_eq!(w.overall(None, None, None), Score::ZERO);
        assert_eq!(w.overall(s(20.0), s(20.0), s(20.0)).hundredths(), 2000);
        // 0.2 × 15.55 + 0.4 × 13.33 + 0.4 × 7.77 = 3.11 + 5.332 + 3.108 = 11.55
        assert_eq!(w.overall(s(15.55), s(13.33), s(7.77)).hundredths(), 1155);
    }

    #[test]
    fn protocol1_custom_weights_apply_and_round_half_up() {
        let w = Protocol1Weights::new(30, 40, 30).unwrap();
        // 0.3 × 12.35 + 0.4 × 0 + 0.3 × 0 = 3.705 -> 3.71
        assert_eq!(w.overall(s(12.35), None, None).hundredths(), 371);
        let all_interview = Protocol1Weights::new(0, 0, 100).unwrap();
        assert_eq!(all_interview.overall(s(5.0), s(6.0), s(7.25)).hundredths(), 725);
    }

    #[test]
    fn protocol2_defaults_to_half_and_half() {
        let w = Protocol2Weights::default();
        assert_eq!(w.overall(s(14.0), s(11.0)).hundredths(), 1250);
        // 0.5 × 12.33 + 0.5 × 0 = 6.165 -> 6.17
        assert_eq!(w.overall(s(12.33), None).hundredths(), 617);
        let custom = Protocol2Weights::new(75, 25).unwrap();
        assert_eq!(custom.overall(s(16.0), s(8.0)).hundredths(), 1400);
    }

    #[test]
    fn weights_must_be_percentages_adding_up_to_100() {
        assert!(Protocol1Weights::new(20, 40, 41).is_err());
        assert!(Protocol1Weights::new(101, 0, 0).is_err());
        assert!(Protocol1Weights::new(0, 0, 0).is_err());
        assert!(Protocol2Weights::new(50, 49).is_err());
        assert!(Protocol2Weights::new(100, 0).is_ok());
        assert_eq!(Protocol2Weights::new(60, 50).unwrap_err().received, [60, 50]);
    }
}
