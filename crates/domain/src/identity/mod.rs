//! Who the people using the service are: candidates and staff, their roles and statuts, the values that describe
//! them (e-mail, password, names, matricule, birth date), the sign-up rules (R1, R2) and the permission matrix (S3).

mod access;
mod birth;
pub mod candidate;
mod email;
mod names;
mod password;
mod permissions;
mod profile;
mod role;
mod salutation;
mod signup;
mod status;
mod user;

pub use access::{AccessRequestStatus, INTERNAL_NO_SEEG_EMAIL, RejectionReason, RejectionReasonError};
pub use birth::{DateOfBirth, DateOfBirthError};
pub use candidate::{CandidateProfile, ProfileChanges, ProfileError};
pub use email::{COMPANY_DOMAIN, EmailAddress, EmailAddressError};
pub use names::{Matricule, MatriculeError, PersonName, PersonNameError, Phone, PhoneError, Sexe};
pub use password::{Password, PasswordPolicyError, PasswordRule};
pub use permissions::{Action, Decision, Ownership, decide, may_attempt};
pub use profile::{AdminChanges, MAX_YEARS_OF_EXPERIENCE, NOT_SELF_EDITABLE, SelfServiceChanges};
pub use role::Role;
pub use salutation::salutation;
pub use signup::{SignupKind, SignupOutcome, SignupRuleError};
pub use status::{SUPPORT_EMAIL, UserStatus};
pub use user::User;

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
