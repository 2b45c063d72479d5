//! The values that describe a person: names, phone, SEEG matricule, sex (R3, R2, R4).

use std::fmt;

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Legacy `sexe` (DB CHECK `chk_users_sexe`); also decides the salutation (R38).
    pub enum Sexe {
        /// `M`: addressed "Monsieur".
        Male => "M",
        /// `F`: addressed "Madame".
        Female => "F",
    }
}

/// Why a first or last name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    /// Nothing left once trimmed.
    #[error("Le nom est vide")]
    Empty,
    /// Longer than `PersonName::MAX_CHARS` characters.
    #[error("Le nom dépasse {max} caractères", max = PersonName::MAX_CHARS)]
    TooLong,
    /// Holds a control character (a line break, a tab, …).
    #[error("Le nom contient un caractère de contrôle")]
    ControlCharacter,
}

/// A first name or a last name, trimmed (R3: 1..=100 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Longest name, in characters after trimming.
    pub const MAX_CHARS: usize = 100;

    /// Trims `raw`; refuses it blank, too long, or with a control character.
    pub fn parse(raw: &str) -> Result<Self, PersonNameError> {
        let name = raw.trim();
        if name.is_empty() {
            Err(PersonNameError::Empty)
        } else if name.chars().count() > Self::MAX_CHARS {
            Err(PersonNameError::TooLong)
        } else if name.chars().any(char::is_control) {
            Err(PersonNameError::ControlCharacter)
        } else {
            Ok(Self(name.to_owned()))
        }
    }

    /// The name, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing left once trimmed.
    #[error("Le numéro de téléphone est vide")]
    Empty,
    /// Longer than `Phone::MAX_CHARS` characters.
    #[error("Le numéro de téléphone dépasse {max} caractères", max = Phone::MAX_CHARS)]
    TooLong,
    /// Holds something other than digits, spaces and `Phone::SYMBOLS`.
    #[error(
        "Le numéro de téléphone ne peut contenir que des chiffres, des espaces et les signes {symbols}",
        symbols = Phone::SYMBOLS
    )]
    ForbiddenCharacter,
    /// Holds no digit at all.
    #[error("Le numéro de téléphone ne contient aucun chiffre")]
    NoDigit,
}

/// A phone number as typed, trimmed (R3: at most 20 characters). Not normalised: Gabonese numbers are written
/// in many ways and the legacy data keeps them as typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Longest number, in characters after trimming (R3).
    pub const MAX_CHARS: usize = 20;
    /// The characters allowed besides digits and spaces.
    pub const SYMBOLS: &str = "+-.()";

    /// Trims `raw`; refuses it blank, too long, with other characters than digits, spaces and `SYMBOLS`, or with
    /// no digit.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let phone = raw.trim();
        if phone.is_empty() {
            Err(PhoneError::Empty)
        } else if phone.chars().count() > Self::MAX_CHARS {
            Err(PhoneError::TooLong)
        } else if !phone.chars().all(|c| c.is_ascii_digit() || c == ' ' || Self::SYMBOLS.contains(c)) {
            Err(PhoneError::ForbiddenCharacter)
        } else if !phone.chars().any(|c| c.is_ascii_digit()) {
            Err(PhoneError::NoDigit)
        } else {
            Ok(Self(phone.to_owned()))
        }
    }

    /// The number as typed, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a matricule was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatriculeError {
    /// Zero or negative (0 is the legacy "no matricule").
    #[error("Le matricule doit être un nombre entier positif")]
    NotPositive,
    /// Above `Matricule::MAX`.
    #[error("Le matricule ne peut pas dépasser {max}", max = Matricule::MAX)]
    TooLarge,
}

/// A SEEG employee number (legacy `users.matricule` and `seeg_agents.matricule`, both `integer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Matricule(i32);

impl Matricule {
    /// The largest value the `integer` columns hold.
    pub const MAX: i32 = i32::MAX;

    /// A matricule must be positive: 0 is how the legacy clients say "none" (R2), so it is never a matricule.
    pub fn parse_i64(value: i64) -> Result<Self, MatriculeError> {
        if value <= 0 {
            Err(MatriculeError::NotPositive)
        } else {
            i32::try_from(value).map(Self).map_err(|_| MatriculeError::TooLarge)
        }
    }

    /// The legacy optional field: absent or 0 means no matricule (R2, R4), anything else must parse.
    pub fn parse_optional(value: Option<i64>) -> Result<Option<Self>, MatriculeError> {
        match value {
            None | Some(0) => Ok(None),
            Some(value) => Self::parse_i64(value).map(Some),
        }
    }

    /// The number, as the `integer` columns store it.
    pub const fn value(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Matricule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sexe_is_m_or_f() {
        assert_eq!(Sexe::ALL.map(Sexe::as_str), ["M", "F"]);
        assert_eq!("F".parse::<Sexe>(), Ok(Sexe::Female));
        assert!("m".parse::<Sexe>().is_err());
        assert!("H".parse::<Sexe>().is_err());
    }

    #[test]
    fn names_are_trimmed_and_kept_otherwise_as_typed() {
        let name = PersonName::parse("  Marie-Ève d'Estaing ").unwrap();
        assert_eq!(name.as_str(), "Marie-Ève d'Estaing");
        assert_eq!(name.to_string(), "Marie-Ève d'Estaing");
    }

    #[test]
    fn names_obey_their_limits() {
        assert_eq!(PersonName::parse(" \t "), Err(PersonNameError::Empty));
        let longest = "é".repeat(PersonName::MAX_CHARS);
        assert_eq!(PersonName::parse(&longest).unwrap().as_str(), longest);
        assert_eq!(PersonName::parse(&format!("{longest}e")), Err(PersonNameError::TooLong));
        assert_eq!(PersonName::parse("Jean\u{0}Dupont"), Err(PersonNameError::ControlCharacter));
        assert_eq!(PersonName::parse("Jean\nDupont"), Err(PersonNameError::ControlCharacter));
        assert_eq!(PersonNameError::TooLong.to_string(), "Le nom dépasse 100 caractères");
    }

    #[test]
    fn phones_accept_the_usual_ways_of_writing_them() {
        for raw in ["+241 06 22 33 44", "(+241) 062-233-44", "06.22.33.44", "062233445566778899"] {
            assert_eq!(Phone::parse(raw).unwrap().as_str(), raw);
        }
        assert_eq!(Phone::parse("  0622 ").unwrap().as_str(), "0622");
    }

    #[test]
    fn phones_obey_their_limits() {
        let longest = "1".repeat(Phone::MAX_CHARS);
        assert!(Phone::parse(&longest).is_ok());
        assert_eq!(Phone::parse(&format!("{longest}1")), Err(PhoneError::TooLong));
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("06 22 x3"), Err(PhoneError::ForbiddenCharacter));
        assert_eq!(Phone::parse("06\t22"), Err(PhoneError::ForbiddenCharacter));
        assert_eq!(Phone::parse("+ ( ) -"), Err(PhoneError::NoDigit));
        assert_eq!(PhoneError::TooLong.to_string(), "Le numéro de téléphone dépasse 20 caractères");
        assert_eq!(
            PhoneError::ForbiddenCharacter.to_string(),
            "Le numéro de téléphone ne peut contenir que des chiffres, des espaces et les signes +-.()"
        );
    }

    #[test]
    fn matricules_are_positive_and_fit_an_integer_column() {
        assert_eq!(Matricule::parse_i64(1).unwrap().value(), 1);
        assert_eq!(Matricule::parse_i64(123_456).unwrap().to_string(), "123456");
        assert_eq!(Matricule::parse_i64(i64::from(i32::MAX)).unwrap().value(), Matricule::MAX);
        assert_eq!(Matricule::parse_i64(0), Err(MatriculeError::NotPositive));
        assert_eq!(Matricule::parse_i64(-5), Err(MatriculeError::NotPositive));
        assert_eq!(Matricule::parse_i64(i64::from(i32::MAX) + 1), Err(MatriculeError::TooLarge));
        assert_eq!(MatriculeError::TooLarge.to_string(), "Le matricule ne peut pas dépasser 2147483647");
    }

    #[test]
    fn an_absent_or_zero_matricule_is_no_matricule() {
        assert_eq!(Matricule::parse_optional(None), Ok(None));
        assert_eq!(Matricule::parse_optional(Some(0)), Ok(None));
        assert_eq!(Matricule::parse_optional(Some(42)).unwrap().map(Matricule::value), Some(42));
        assert_eq!(Matricule::parse_optional(Some(-1)), Err(MatriculeError::NotPositive));
    }
}
