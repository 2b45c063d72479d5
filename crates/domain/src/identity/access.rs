//! Access requests (R35): internal candidates without a company e-mail wait for a recruiter's decision.

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Where an access request stands (K2).
    pub enum AccessRequestStatus {
        /// Waiting for a recruiter's decision; the account stays `en_attente`.
        Pending => "pending",
        /// Approved: the account became `actif`.
        Approved => "approved",
        /// Rejected with a reason: the account became `bloqué`.
        Rejected => "rejected",
    }
}

/// The only request type (K2).
pub const INTERNAL_NO_SEEG_EMAIL: &str = "internal_no_seeg_email";

/// Why a rejection reason was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RejectionReasonError {
    /// Fewer than `RejectionReason::MIN_CHARS` characters once trimmed.
    #[error("La raison du refus doit contenir au moins {min} caractères", min = RejectionReason::MIN_CHARS)]
    TooShort,
}

/// Why an access request was refused, trimmed (R35: at least 20 characters), told to the candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectionReason(String);

impl RejectionReason {
    /// Fewest characters in a reason, after trimming (R35).
    pub const MIN_CHARS: usize = 20;

    /// Trims `raw` and refuses a reason shorter than `MIN_CHARS`.
    pub fn parse(raw: &str) -> Result<Self, RejectionReasonError> {
        let reason = raw.trim();
        if reason.chars().count() < Self::MIN_CHARS {
            return Err(RejectionReasonError::TooShort);
        }
        Ok(Self(reason.to_owned()))
    }

    /// The reason, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_needs_twenty_characters() {
        assert_eq!(RejectionReason::parse("   trop court   "), Err(RejectionReasonError::TooShort));
        assert_eq!(RejectionReason::parse(&format!("  {}  ", "é".repeat(19))), Err(RejectionReasonError::TooShort));
        let reason = RejectionReason::parse(&format!("  {}  ", "é".repeat(20))).unwrap();
        assert_eq!(reason.as_str(), "é".repeat(20));
    }
}
