//! Which of the three sign-up paths a candidate takes, and the rules that need no database (R1, R2).

use super::{COMPANY_DOMAIN, CandidateKind, EmailAddress, Matricule, UserStatus};

/// The three sign-up paths of R1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignupKind {
    /// Not a SEEG employee: any e-mail, matricule optional, active at once.
    External,
    /// A SEEG employee signing up with a `@seeg-gabon.com` address: active at once.
    InternalWithCompanyEmail,
    /// A SEEG employee without a company address: waits for an access request to be approved (R35).
    InternalWithoutCompanyEmail,
}

/// What a valid sign-up leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignupOutcome {
    kind: SignupKind,
}

impl SignupOutcome {
    /// The sign-up path taken.
    pub const fn kind(self) -> SignupKind {
        self.kind
    }

    /// The statut the new account gets.
    pub const fn status(self) -> UserStatus {
        match self.kind {
            SignupKind::External | SignupKind::InternalWithCompanyEmail => UserStatus::Active,
            SignupKind::InternalWithoutCompanyEmail => UserStatus::Pending,
        }
    }

    /// Whether an access request (`internal_no_seeg_email`, R35) must be created with the account.
    pub const fn needs_access_request(self) -> bool {
        matches!(self.kind, SignupKind::InternalWithoutCompanyEmail)
    }
}

/// A sign-up refused by R2 (legacy 400, messages kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignupRuleError {
    /// An internal candidate gave no matricule (R2 step 2).
    #[error("Le matricule est obligatoire pour les candidats internes")]
    MatriculeRequired,
    /// An internal candidate gave an address outside `COMPANY_DOMAIN` without declaring it has none.
    #[error(
        "Les candidats internes doivent utiliser un email professionnel @{domain}. Si vous n'avez pas d'email \
         professionnel SEEG, veuillez cocher la case 'Je n'ai pas d'email SEEG'.",
        domain = COMPANY_DOMAIN
    )]
    CompanyEmailRequired,
    /// An internal candidate declared it has no company address but gave one.
    #[error(
        "Incohérence détectée : vous avez coché 'Je n'ai pas d'email SEEG' mais votre email est @{domain}. \
         Veuillez décocher cette case ou utiliser un autre email.",
        domain = COMPANY_DOMAIN
    )]
    CompanyEmailInconsistent,
}

impl SignupKind {
    /// Applies R2 steps 2, 5 and 6, in that order. `matricule` is `None` when absent or 0
    /// (`Matricule::parse_optional`).
    ///
    /// The steps that need the database go around this call: e-mail already used (step 1) and matricule
    /// already used (step 4) run before it. Step 4 only concerns a present matricule and step 2 an absent one,
    /// so checking both uniqueness rules first gives the same first error as the legacy order.
    pub fn decide(
        kind: CandidateKind,
        email: &EmailAddress,
        no_seeg_email: bool,
        matricule: Option<Matricule>,
    ) -> Result<SignupOutcome, SignupRuleError> {
        let kind = match kind {
            // The legacy service ignores `no_seeg_email` for external candidates; so do we.
            CandidateKind::External => Self::External,
            CandidateKind::Internal => {
                if matricule.is_none() {
                    return Err(SignupRuleError::MatriculeRequired);
                }
                match (no_seeg_email, email.is_company_address()) {
                    (false, true) => Self::InternalWithCompanyEmail,
                    (false, false) => return Err(SignupRuleError::CompanyEmailRequired),
                    (true, false) => Self::InternalWithoutCompanyEmail,
                    (true, true) => return Err(SignupRuleError::CompanyEmailInconsistent),
                }
            }
        };
        Ok(SignupOutcome { kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap()
    }

    fn matricule() -> Matricule {
        Matricule::parse_i64(123_456).unwrap()
    }

    #[test]
    fn the_three_r1_paths() {
        let company = email("agent@seeg-gabon.com");
        let personal = email("agent@gmail.com");
        let cases = [
            (CandidateKind::External, &personal, false, None, SignupKind::External, UserStatus::Active, false),
            (
                CandidateKind::External,
                &personal,
                false,
                Some(matricule()),
                SignupKind::External,
                UserStatus::Active,
                false,
            ),
            (
                CandidateKind::Internal,
                &company,
                false,
                Some(matricule()),
                SignupKind::InternalWithCompanyEmail,
                UserStatus::Active,
                false,
            ),
            (
                CandidateKind::Internal,
                &personal,
                true,
                Some(matricule()),
                SignupKind::InternalWithoutCompanyEmail,
                UserStatus::Pending,
                true,
            ),
        ];
        for (kind, email, no_seeg_email, matricule, expected, status, access_request) in cases {
            let outcome = SignupKind::decide(kind, email, no_seeg_email, matricule).unwrap();
            assert_eq!(outcome.kind(), expected);
            assert_eq!(outcome.status(), status, "{expected:?}");
            assert_eq!(outcome.needs_access_request(), access_request, "{expected:?}");
        }
    }

    #[test]
    fn external_candidates_may_use_any_address_and_any_flag() {
        for address in ["agent@seeg-gabon.com", "agent@gmail.com"] {
            for no_seeg_email in [false, true] {
                let outcome =
                    SignupKind::decide(CandidateKind::External, &email(address), no_seeg_email, None).unwrap();
                assert_eq!(outcome.kind(), SignupKind::External);
                assert_eq!(outcome.status(), UserStatus::Active);
                assert!(!outcome.needs_access_request());
            }
        }
    }

    #[test]
    fn internal_refusals_follow_the_r2_order() {
        let company = email("Agent@SEEG-Gabon.com");
        let personal = email("agent@gmail.com");
        let cases = [
            // The missing matricule comes first, whatever the address.
            (&personal, false, None, SignupRuleError::MatriculeRequired),
            (&company, true, None, SignupRuleError::MatriculeRequired),
            (&personal, false, Some(matricule()), SignupRuleError::CompanyEmailRequired),
            (&company, true, Some(matricule()), SignupRuleError::CompanyEmailInconsistent),
        ];
        for (email, no_seeg_email, matricule, expected) in cases {
            assert_eq!(SignupKind::decide(CandidateKind::Internal, email, no_seeg_email, matricule), Err(expected));
        }
    }

    #[test]
    fn messages_keep_the_legacy_phrases_and_codes_are_stable() {
        assert_eq!(
            SignupRuleError::MatriculeRequired.to_string(),
            "Le matricule est obligatoire pour les candidats internes"
        );
        assert!(
            SignupRuleError::CompanyEmailRequired
                .to_string()
                .starts_with("Les candidats internes doivent utiliser un email professionnel @seeg-gabon.com")
        );
        assert!(SignupRuleError::CompanyEmailInconsistent.to_string().starts_with("Incohérence détectée"));
    }
}
