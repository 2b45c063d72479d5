//! Text as searches compare it (B8): French users type `electricite` for `Électricité` and `LIBREVILLE` for
//! `Libreville`. Folding is done here, once, and stored beside the text, so every backend compares the same
//! folded strings (SQLite's `lower()` knows only ASCII; PostgreSQL's depends on the database's locale).

use unicode_normalization::UnicodeNormalization as _;
use unicode_normalization::char::is_combining_mark;

/// Lower-cased, accents and other combining marks removed, `œ`/`æ` spelt out, white space collapsed.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        match c {
            'œ' => folded.push_str("oe"),
            'æ' => folded.push_str("ae"),
            c if c.is_whitespace() => {
                if !folded.is_empty() && !folded.ends_with(' ') {
                    folded.push(' ');
                }
            }
            c => folded.push(c),
        }
    }
    folded.truncate(folded.trim_end().len());
    folded
}

/// Separates the fields of a folded search text (ASCII unit separator): no search text contains it (text filters
/// refuse control characters), so a term never matches across two fields.
pub const FIELD_SEPARATOR: &str = "\u{1f}";

/// The fields, each folded, joined with [`FIELD_SEPARATOR`]: what a stored search column holds.
pub fn fold_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    fields.into_iter().map(fold).collect::<Vec<_>>().join(FIELD_SEPARATOR)
}

#[cfg(test)]
mod tests {
    use super::{fold, fold_fields};

    #[test]
    fn fields_fold_apart() {
        assert_eq!(fold_fields(["Été", "À Libreville"]), "ete\u{1f}a libreville");
        assert!(!fold_fields(["Été", "Libreville"]).contains("ete libreville"), "no match across two fields");
    }

    #[test]
    fn case_accents_and_ligatures_fold_away() {
        assert_eq!(fold("Électricité"), "electricite");
        assert_eq!(fold("NDJOLÉ"), "ndjole");
        assert_eq!(fold("Cœur de métier"), "coeur de metier");
        assert_eq!(fold("  Port-Gentil \t Nord "), "port-gentil nord");
        assert_eq!(fold("Çà et là"), "ca et la");
    }

    #[test]
    fn folding_is_idempotent() {
        for text in ["Électricité", "Port-Gentil", "%_\\", ""] {
            assert_eq!(fold(&fold(text)), fold(text));
        }
    }
}
