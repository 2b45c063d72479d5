//! Who the people using the service are. The identity capability grows here (users, roles, statuts).

use std::fmt;
use std::str::FromStr;

/// The two kinds of candidate (legacy `candidate_status`): SEEG employees and everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateKind {
    /// A SEEG employee (`interne`): sees every offer (R14).
    Internal,
    /// Anyone else (`externe`): sees offers open to everyone or to external candidates.
    External,
}

impl CandidateKind {
    pub const ALL: [Self; 2] = [Self::Internal, Self::External];

    /// The legacy wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "interne",
            Self::External => "externe",
        }
    }
}

impl fmt::Display for CandidateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is not one of the enumeration's wire values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("valeur inconnue « {value} » (attendu : {expected})")]
pub struct UnknownValue {
    pub value: String,
    pub expected: &'static str,
}

impl FromStr for CandidateKind {
    type Err = UnknownValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownValue { value: s.to_owned(), expected: "interne, externe" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_kind_round_trips_through_its_wire_value() {
        for kind in CandidateKind::ALL {
            assert_eq!(kind.as_str().parse::<CandidateKind>(), Ok(kind));
        }
        assert!("interne ".parse::<CandidateKind>().is_err());
        assert!("INTERNE".parse::<CandidateKind>().is_err());
    }
}
