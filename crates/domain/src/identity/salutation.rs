//! How e-mails address a person (R38).

use super::{PersonName, Sexe};

/// "Monsieur Jean Dupont", "Madame Marie Dupont", or "Jean Dupont" when the sex is unknown.
pub fn salutation(sexe: Option<Sexe>, first: &PersonName, last: &PersonName) -> String {
    match sexe {
        Some(Sexe::Male) => format!("Monsieur {first} {last}"),
        Some(Sexe::Female) => format!("Madame {first} {last}"),
        None => format!("{first} {last}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_follows_the_sex_and_is_left_out_when_unknown() {
        let first = PersonName::parse("Jean").unwrap();
        let last = PersonName::parse("Dupont").unwrap();
        assert_eq!(salutation(Some(Sexe::Male), &first, &last), "Monsieur Jean Dupont");
        assert_eq!(salutation(Some(Sexe::Female), &first, &last), "Madame Jean Dupont");
        assert_eq!(salutation(None, &first, &last), "Jean Dupont");
    }
}
