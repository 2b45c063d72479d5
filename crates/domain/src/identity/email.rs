//! E-mail addresses, stored lower-cased and so matched case-insensitively everywhere (S5).

use std::fmt;

/// The SEEG company domain: internal candidates sign up with an address in it unless they declare they have none
/// (R1, R2; legacy `AuthService.SEEG_EMAIL_DOMAIN`).
pub const COMPANY_DOMAIN: &str = "seeg-gabon.com";

/// Why an e-mail address was refused. Messages never repeat the address (it is personal data, S12).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailAddressError {
    /// Nothing left once trimmed.
    #[error("L'adresse e-mail est vide")]
    Empty,
    /// Longer than `EmailAddress::MAX_CHARS` characters.
    #[error("L'adresse e-mail dépasse {max} caractères", max = EmailAddress::MAX_CHARS)]
    TooLong,
    /// Holds white space or a control character.
    #[error("L'adresse e-mail ne doit contenir ni espace ni caractère de contrôle")]
    ForbiddenCharacter,
    /// No `@`, or more than one.
    #[error("L'adresse e-mail doit contenir exactement un « @ »")]
    AtSign,
    /// Nothing before the `@`.
    #[error("L'adresse e-mail n'a rien avant « @ »")]
    EmptyLocalPart,
    /// More than `EmailAddress::MAX_LOCAL_CHARS` characters before the `@`.
    #[error("La partie avant « @ » de l'adresse e-mail dépasse {max} caractères", max = EmailAddress::MAX_LOCAL_CHARS)]
    LocalPartTooLong,
    /// The part before the `@` holds other characters than letters, digits, dots and `EmailAddress::LOCAL_SYMBOLS`,
    /// or a dot at its start, at its end or next to another.
    #[error(
        "La partie avant « @ » de l'adresse e-mail n'est pas valide \
         (lettres, chiffres, « . » et {symbols} seulement, sans point au début, à la fin ni doublé)",
        symbols = EmailAddress::LOCAL_SYMBOLS
    )]
    InvalidLocalPart,
    /// The domain has a single label (no dot).
    #[error("Le domaine de l'adresse e-mail doit contenir un point (par exemple « exemple.com »)")]
    DomainWithoutDot,
    /// A label of the domain is empty, longer than `EmailAddress::MAX_LABEL_CHARS`, starts or ends with a hyphen, or
    /// holds other characters than letters, digits and hyphens.
    #[error(
        "Le domaine de l'adresse e-mail n'est pas valide (segments de {max} caractères au plus, faits de lettres, \
         chiffres et tirets, sans tiret au début ni à la fin)",
        max = EmailAddress::MAX_LABEL_CHARS
    )]
    InvalidDomain,
}

/// A syntactically plausible e-mail address, trimmed and lower-cased as a whole.
///
/// The check is pragmatic, not RFC 5322: one `@`, an unquoted local part (letters, digits, the RFC "atext"
/// symbols and single dots; quoted local parts are refused since they invite header injection and nobody uses
/// them), and a domain of at least two dot-separated labels. Deliverability is not checked (legacy R3 did not
/// either). Lengths are counted in characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress {
    value: String,
    /// Byte index of the `@` in `value`.
    at: usize,
}

impl EmailAddress {
    /// The whole address (RFC 5321 path limit).
    pub const MAX_CHARS: usize = 254;
    /// The part before `@`.
    pub const MAX_LOCAL_CHARS: usize = 64;
    /// One dot-separated label of the domain.
    pub const MAX_LABEL_CHARS: usize = 63;
    /// The symbols allowed in the local part besides letters, digits and dots (RFC 5322 "atext").
    pub const LOCAL_SYMBOLS: &str = "!#$%&'*+-/=?^_`{|}~";

    /// Trims and lower-cases `raw`, then checks it as the type's documentation says; the first broken rule is the
    /// error.
    pub fn parse(raw: &str) -> Result<Self, EmailAddressError> {
        let value = raw.trim().to_lowercase();
        if value.is_empty() {
            return Err(EmailAddressError::Empty);
        }
        if value.chars().count() > Self::MAX_CHARS {
            return Err(EmailAddressError::TooLong);
        }
        if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailAddressError::ForbiddenCharacter);
        }
        let (local, domain) = match value.split_once('@') {
            Some((local, domain)) if !domain.contains('@') => (local, domain),
            _ => return Err(EmailAddressError::AtSign),
        };
        Self::check_local_part(local)?;
        Self::check_domain(domain)?;
        let at = local.len();
        Ok(Self { value, at })
    }

    fn check_local_part(local: &str) -> Result<(), EmailAddressError> {
        if local.is_empty() {
            return Err(EmailAddressError::EmptyLocalPart);
        }
        if local.chars().count() > Self::MAX_LOCAL_CHARS {
            return Err(EmailAddressError::LocalPartTooLong);
        }
        let atoms_are_valid = local.split('.').all(|atom| {
            !atom.is_empty() && atom.chars().all(|c| c.is_alphanumeric() || Self::LOCAL_SYMBOLS.contains(c))
        });
        if atoms_are_valid { Ok(()) } else { Err(EmailAddressError::InvalidLocalPart) }
    }

    fn check_domain(domain: &str) -> Result<(), EmailAddressError> {
        if !domain.contains('.') {
            return Err(EmailAddressError::DomainWithoutDot);
        }
        let label_is_valid = |label: &str| {
            !label.is_empty()
                && label.chars().count() <= Self::MAX_LABEL_CHARS
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        };
        if domain.split('.').all(label_is_valid) { Ok(()) } else { Err(EmailAddressError::InvalidDomain) }
    }

    /// The address as stored and compared: trimmed and lower-cased.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The part after `@`, lower-cased.
    pub fn domain(&self) -> &str {
        self.value.get(self.at + 1..).unwrap_or_default()
    }

    /// Whether the address is in the SEEG company domain exactly (`…@seeg-gabon.com`, not a subdomain).
    pub fn is_company_address(&self) -> bool {
        self.domain() == COMPANY_DOMAIN
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap_or_else(|e| panic!("{raw:?} refused: {e}"))
    }

    #[test]
    fn trims_and_lower_cases_the_whole_address() {
        let email = ok("  Jean.Dupont@SEEG-Gabon.COM \n");
        assert_eq!(email.as_str(), "jean.dupont@seeg-gabon.com");
        assert_eq!(email.to_string(), "jean.dupont@seeg-gabon.com");
        assert_eq!(email.domain(), "seeg-gabon.com");
        assert_eq!(ok("JEAN@gmail.com"), ok("jean@GMAIL.com"));
    }

    #[test]
    fn accepts_common_addresses() {
        for raw in [
            "a@b.co",
            "prenom.nom+tag@example.org",
            "x_y-z@sub.domain.ga",
            "o'neil@example.com",
            "élodie@exemple.fr",
            "user@xn--bcher-kva.example",
            "1234@123.45.ga",
        ] {
            ok(raw);
        }
    }

    #[test]
    fn the_company_domain_is_matched_exactly_and_case_insensitively() {
        assert!(ok("agent@seeg-gabon.com").is_company_address());
        assert!(ok("Agent@SEEG-GABON.COM").is_company_address());
        assert!(!ok("agent@mail.seeg-gabon.com").is_company_address());
        assert!(!ok("agent@seeg-gabon.com.evil.io").is_company_address());
        assert!(!ok("seeg-gabon.com@gmail.com").is_company_address());
        assert!(!ok("agent@seeg.ga").is_company_address());
    }

    #[test]
    fn refuses_each_malformed_shape_with_its_reason() {
        use EmailAddressError as E;
        let cases = [
            ("", E::Empty),
            ("   ", E::Empty),
            ("jean dupont@example.com", E::ForbiddenCharacter),
            ("jean@exam\tple.com", E::ForbiddenCharacter),
            ("jean\u{7}@example.com", E::ForbiddenCharacter),
            ("jean.example.com", E::AtSign),
            ("jean@dupont@example.com", E::AtSign),
            ("@example.com", E::EmptyLocalPart),
            (".jean@example.com", E::InvalidLocalPart),
            ("jean.@example.com", E::InvalidLocalPart),
            ("jean..dupont@example.com", E::InvalidLocalPart),
            ("\"jean\"@example.com", E::InvalidLocalPart),
            ("jean<x>@example.com", E::InvalidLocalPart),
            ("jean,x@example.com", E::InvalidLocalPart),
            ("jean@", E::DomainWithoutDot),
            ("jean@localhost", E::DomainWithoutDot),
            ("jean@example.", E::InvalidDomain),
            ("jean@.example.com", E::InvalidDomain),
            ("jean@example..com", E::InvalidDomain),
            ("jean@-example.com", E::InvalidDomain),
            ("jean@example-.com", E::InvalidDomain),
            ("jean@exa_mple.com", E::InvalidDomain),
            ("jean@[127.0.0.1]", E::InvalidDomain),
        ];
        for (raw, expected) in cases {
            assert_eq!(EmailAddress::parse(raw), Err(expected), "{raw:?}");
        }
    }

    #[test]
    fn length_limits_come_from_the_constants() {
        let local = "a".repeat(EmailAddress::MAX_LOCAL_CHARS);
        ok(&format!("{local}@example.com"));
        let long_local = format!("a{local}@example.com");
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailAddressError::LocalPartTooLong));

        let label = "d".repeat(EmailAddress::MAX_LABEL_CHARS);
        ok(&format!("a@{label}.com"));
        assert_eq!(EmailAddress::parse(&format!("a@d{label}.com")), Err(EmailAddressError::InvalidDomain));

        // "a@" + three full labels + a 56-character label + ".com", with the dots: exactly MAX_CHARS.
        let at_limit = format!("a@{}.{}.{}.{}.com", label, label, label, "d".repeat(56));
        assert_eq!(at_limit.chars().count(), EmailAddress::MAX_CHARS);
        ok(&at_limit);
        let over = format!("a@{}.{}.{}.{}.com", label, label, label, "d".repeat(57));
        assert_eq!(EmailAddress::parse(&over), Err(EmailAddressError::TooLong));
    }

    #[test]
    fn messages_carry_the_limits_and_not_the_address() {
        assert_eq!(EmailAddressError::TooLong.to_string(), "L'adresse e-mail dépasse 254 caractères");
        assert_eq!(
            EmailAddressError::LocalPartTooLong.to_string(),
            "La partie avant « @ » de l'adresse e-mail dépasse 64 caractères"
        );
        assert!(EmailAddressError::InvalidDomain.to_string().contains("63 caractères"));
        assert!(EmailAddressError::InvalidLocalPart.to_string().contains("!#$%&'*+-/=?^_`{|}~"));
    }
}
