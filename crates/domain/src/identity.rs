//! Who the people using the service are. The identity capability grows here (users, roles, statuts).

use crate::vocabulary::wire_enum;

wire_enum! {
    /// The two kinds of candidate (legacy `candidate_status`): SEEG employees and everyone else.
    pub enum CandidateKind {
        /// A SEEG employee (`interne`): sees every offer (R14).
        Internal => "interne",
        /// Anyone else (`externe`): sees offers open to everyone or to external candidates.
        External => "externe",
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
