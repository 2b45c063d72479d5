//! The password policy (R5) for sign-up, user creation, reset and change.

use std::fmt;

/// One rule of the password policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PasswordRule {
    /// At least `Password::MIN_CHARS` characters.
    MinLength,
    /// At most `Password::MAX_BYTES` bytes in UTF-8: bcrypt reads no further, so a longer password is refused
    /// rather than silently cut (the legacy service hashed the first 72 bytes).
    MaxBytes,
    /// At least one upper-case letter.
    Uppercase,
    /// At least one lower-case letter.
    Lowercase,
    /// At least one digit `0`–`9`.
    Digit,
    /// At least one character of `Password::SPECIAL_CHARS`.
    Special,
}

impl PasswordRule {
    /// Every rule, in the order messages name them.
    pub const ALL: [Self; 6] =
        [Self::MinLength, Self::MaxBytes, Self::Uppercase, Self::Lowercase, Self::Digit, Self::Special];

    /// Whether `password` obeys this rule.
    pub fn is_met_by(self, password: &str) -> bool {
        match self {
            Self::MinLength => password.chars().count() >= Password::MIN_CHARS,
            Self::MaxBytes => password.len() <= Password::MAX_BYTES,
            Self::Uppercase => password.chars().any(char::is_uppercase),
            Self::Lowercase => password.chars().any(char::is_lowercase),
            Self::Digit => password.chars().any(|c| c.is_ascii_digit()),
            Self::Special => password.chars().any(|c| Password::SPECIAL_CHARS.contains(c)),
        }
    }
}

/// What the password must do, phrased to follow "Le mot de passe doit …".
impl fmt::Display for PasswordRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MinLength => write!(f, "compter au moins {} caractères", Password::MIN_CHARS),
            Self::MaxBytes => write!(f, "tenir en {} octets au plus (UTF-8)", Password::MAX_BYTES),
            Self::Uppercase => f.write_str("contenir au moins une lettre majuscule"),
            Self::Lowercase => f.write_str("contenir au moins une lettre minuscule"),
            Self::Digit => f.write_str("contenir au moins un chiffre"),
            Self::Special => write!(f, "contenir au moins un caractère spécial parmi {}", Password::SPECIAL_CHARS),
        }
    }
}

/// A password refused by the policy, with every rule it breaks (so the user can fix them all at once).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PasswordPolicyError {
    unmet: Vec<PasswordRule>,
}

impl PasswordPolicyError {
    /// The broken rules, in `PasswordRule::ALL` order; never empty.
    pub fn unmet(&self) -> &[PasswordRule] {
        &self.unmet
    }
}

/// One sentence: "Le mot de passe doit a, b et c."
impl fmt::Display for PasswordPolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Le mot de passe doit ")?;
        let last = self.unmet.len().saturating_sub(1);
        for (i, rule) in self.unmet.iter().enumerate() {
            if i > 0 {
                f.write_str(if i == last { " et " } else { ", " })?;
            }
            write!(f, "{rule}")?;
        }
        f.write_str(".")
    }
}

/// A clear-text password that obeys the policy, on its way to the hasher.
///
/// It is taken exactly as typed (not trimmed). It has no `Display`, and its `Debug` hides it, so it cannot end
/// up in a log or a message by accident.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Fewest characters (Unicode scalar values, not bytes).
    pub const MIN_CHARS: usize = 12;
    /// bcrypt's input limit.
    pub const MAX_BYTES: usize = 72;
    /// The special characters of R5, of which one at least is required.
    pub const SPECIAL_CHARS: &str = r#"!@#$%^&*(),.?":{}|<>_-+=[]\;'`~"#;

    /// Checks every rule of `PasswordRule::ALL`; the error lists all the rules broken, not only the first.
    pub fn parse(password: String) -> Result<Self, PasswordPolicyError> {
        let unmet: Vec<PasswordRule> = PasswordRule::ALL.into_iter().filter(|r| !r.is_met_by(&password)).collect();
        if unmet.is_empty() { Ok(Self(password)) } else { Err(PasswordPolicyError { unmet }) }
    }

    /// The clear text, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PasswordRule::{Digit, Lowercase, MaxBytes, MinLength, Special, Uppercase};

    fn unmet(password: &str) -> Vec<PasswordRule> {
        match Password::parse(password.to_owned()) {
            Ok(_) => vec![],
            Err(e) => e.unmet().to_vec(),
        }
    }

    #[test]
    fn a_password_meeting_every_rule_is_kept_as_typed() {
        let password = Password::parse(" SecurePass@2025! ".to_owned()).unwrap();
        assert_eq!(password.expose(), " SecurePass@2025! ");
    }

    #[test]
    fn each_rule_is_reported_alone_when_it_is_the_only_one_broken() {
        let cases = [
            ("Court@2025a", MinLength),
            ("securepass@2025!", Uppercase),
            ("SECUREPASS@2025!", Lowercase),
            ("SecurePass@Deux!", Digit),
            ("SecurePass2025xx", Special),
        ];
        for (password, rule) in cases {
            assert_eq!(unmet(password), [rule], "{password:?}");
        }
    }

    #[test]
    fn every_broken_rule_is_listed_in_order() {
        assert_eq!(unmet(""), [MinLength, Uppercase, Lowercase, Digit, Special]);
        assert_eq!(unmet("abc"), [MinLength, Uppercase, Digit, Special]);
    }

    #[test]
    fn the_length_limits_come_from_the_constants() {
        let at_min = format!("Aa1!{}", "x".repeat(Password::MIN_CHARS - 4));
        assert_eq!(unmet(&at_min), []);
        assert_eq!(unmet(&at_min[..at_min.len() - 1]), [MinLength]);

        let at_max = format!("Aa1!{}", "x".repeat(Password::MAX_BYTES - 4));
        assert_eq!(unmet(&at_max), []);
        assert_eq!(unmet(&format!("{at_max}x")), [MaxBytes]);
    }

    #[test]
    fn length_counts_characters_and_the_cap_counts_bytes() {
        // 12 characters, 24 bytes: long enough.
        assert_eq!(unmet("Éé1!éééééééé"), []);
        // 36 characters of 2 bytes each = 72 bytes plus "A1!" = 75 bytes: refused, not truncated.
        let accented = format!("A1!{}", "é".repeat(36));
        assert_eq!(accented.chars().count(), 39);
        assert_eq!(unmet(&accented), [MaxBytes]);
    }

    #[test]
    fn every_r5_special_character_counts() {
        for special in Password::SPECIAL_CHARS.chars() {
            assert_eq!(unmet(&format!("SecurePass2025{special}")), [], "{special:?}");
        }
        assert_eq!(Password::SPECIAL_CHARS.chars().count(), 31);
        assert_eq!(unmet("SecurePass2025€"), [Special]);
        assert_eq!(unmet("SecurePass2025 "), [Special]);
    }

    #[test]
    fn the_message_is_one_sentence_naming_every_broken_rule() {
        let special = Password::parse("SecurePass2025xx".to_owned()).unwrap_err();
        assert_eq!(
            special.to_string(),
            r#"Le mot de passe doit contenir au moins un caractère spécial parmi !@#$%^&*(),.?":{}|<>_-+=[]\;'`~."#
        );
        let upper = Password::parse("securepass2025!!".to_owned()).unwrap_err();
        assert_eq!(upper.to_string(), "Le mot de passe doit contenir au moins une lettre majuscule.");
        let many = Password::parse("abc".to_owned()).unwrap_err();
        assert_eq!(
            many.to_string(),
            "Le mot de passe doit compter au moins 12 caractères, contenir au moins une lettre majuscule, \
             contenir au moins un chiffre et contenir au moins un caractère spécial parmi \
             !@#$%^&*(),.?\":{}|<>_-+=[]\\;'`~."
        );
        let long = Password::parse(format!("Aa1!{}", "x".repeat(80))).unwrap_err();
        assert_eq!(long.to_string(), "Le mot de passe doit tenir en 72 octets au plus (UTF-8).");
    }

    #[test]
    fn debug_hides_the_secret() {
        let password = Password::parse("SecurePass@2025!".to_owned()).unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert!(!format!("{:?}", Some(&password)).contains("Secure"));
    }
}
