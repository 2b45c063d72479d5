//! The visibility rule (R14 kept by K3b), defined once. Repositories translate the same sets into queries.

use super::{OfferStatus, OfferVisibility};
use crate::identity::CandidateKind;

/// Who is looking at offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Nobody signed in: the public routes.
    Anonymous,
    /// A signed-in candidate of the given kind.
    Candidate(CandidateKind),
    /// Admins, recruiters and observers.
    Staff,
}

impl Audience {
    /// The `offer_status` values this audience sees.
    pub const fn visibilities(self) -> &'static [OfferVisibility] {
        match self {
            // Anonymous visitors are treated like external candidates: an internal offer is never public.
            Self::Anonymous | Self::Candidate(CandidateKind::External) => {
                &[OfferVisibility::Everyone, OfferVisibility::ExternalOnly]
            }
            Self::Candidate(CandidateKind::Internal) | Self::Staff => &OfferVisibility::ALL,
        }
    }

    /// The offer statuses this audience sees: staff see every status, everyone else active offers only.
    pub const fn statuses(self) -> &'static [OfferStatus] {
        match self {
            Self::Staff => &OfferStatus::ALL,
            Self::Anonymous | Self::Candidate(_) => &[OfferStatus::Active],
        }
    }

    /// Whether this audience sees offers with this `offer_status` (R14, K3b).
    pub fn sees_visibility(self, visibility: OfferVisibility) -> bool {
        self.visibilities().contains(&visibility)
    }

    /// Whether this audience sees offers in this life status (only staff see offers that are not `active`).
    pub fn sees_status(self, status: OfferStatus) -> bool {
        self.statuses().contains(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferVisibility::{Everyone, ExternalOnly, InternalOnly};

    #[test]
    fn each_audience_sees_exactly_the_offers_r14_gives_it() {
        let table = [
            (Audience::Anonymous, [true, false, true]),
            (Audience::Candidate(CandidateKind::External), [true, false, true]),
            (Audience::Candidate(CandidateKind::Internal), [true, true, true]),
            (Audience::Staff, [true, true, true]),
        ];
        for (audience, expected) in table {
            let seen = [Everyone, InternalOnly, ExternalOnly].map(|v| audience.sees_visibility(v));
            assert_eq!(seen, expected, "{audience:?}");
        }
    }

    #[test]
    fn only_staff_see_offers_that_are_not_active() {
        for status in OfferStatus::ALL {
            assert!(Audience::Staff.sees_status(status));
            for audience in [
                Audience::Anonymous,
                Audience::Candidate(CandidateKind::Internal),
                Audience::Candidate(CandidateKind::External),
            ] {
                assert_eq!(audience.sees_status(status), status == OfferStatus::Active, "{audience:?} {status}");
            }
        }
    }
}
