//! The four roles (R13, K2).

use crate::vocabulary::wire_enum;

wire_enum! {
    /// What a user is to the service (legacy `role`, DB CHECK `users_role_check`).
    pub enum Role {
        /// Everything, including user management, the audit trail and the outbox.
        Admin => "admin",
        /// Runs recruitments: offers, applications, evaluations, interviews, access requests.
        Recruiter => "recruiter",
        /// Reads what recruiters work on, changes nothing.
        Observer => "observer",
        /// Applies to offers; sees only its own data.
        Candidate => "candidate",
    }
}

impl Role {
    /// Admins, recruiters and observers: the people who work for SEEG on the service.
    pub const fn is_staff(self) -> bool {
        match self {
            Self::Admin | Self::Recruiter | Self::Observer => true,
            Self::Candidate => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_the_four_legacy_words() {
        let words: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(words, ["admin", "recruiter", "observer", "candidate"]);
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("Admin".parse::<Role>().is_err());
        assert!("superadmin".parse::<Role>().is_err());
    }

    #[test]
    fn everyone_but_candidates_is_staff() {
        for role in Role::ALL {
            assert_eq!(role.is_staff(), role != Role::Candidate, "{role}");
        }
    }
}
