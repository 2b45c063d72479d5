//! French formatting of the dossier's values, and the clean-up every text goes through before it is set.

use chrono::{DateTime, NaiveDate, Utc};
use unicode_normalization::UnicodeNormalization;

/// What a missing value prints as.
pub const MISSING: &str = "Non renseigné";

/// Composed characters (an `e` followed by a combining accent becomes `é`, which the font draws as one
/// glyph), Windows and old Mac line ends turned into `\n`, tabs into spaces, other control characters
/// dropped.
pub fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .nfc()
        .filter_map(|c| match c {
            '\r' | '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// `clean`, on one line.
pub fn one_line(text: &str) -> String {
    clean(text).replace('\n', " ")
}

/// The value, or `MISSING` when absent or blank.
pub fn or_missing(value: Option<&str>) -> String {
    value.map(one_line).filter(|v| !v.is_empty()).unwrap_or_else(|| MISSING.to_owned())
}

/// `25/11/2026`.
pub fn date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// `25/11/2026 à 10:50 UTC`.
pub fn date_time(at: DateTime<Utc>) -> String {
    at.format("%d/%m/%Y à %H:%M UTC").to_string()
}

/// `14,5` (at most two decimals, decimal comma).
pub fn number(value: f64) -> String {
    let fixed = format!("{value:.2}");
    let trimmed = if fixed.contains('.') { fixed.trim_end_matches('0').trim_end_matches('.') } else { &fixed };
    trimmed.replace('.', ",")
}

/// `14,5 / 20`, or "Non noté".
pub fn score(value: Option<f64>) -> String {
    value.map_or_else(|| "Non noté".to_owned(), |v| format!("{} / 20", number(v)))
}

/// `12 345` (thin groups of three, as French writes them).
pub fn integer(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    grouped
}

/// `245,3 Ko (251 187 octets)`.
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    // Document sizes are bounded (S11: 10 MiB each), far inside f64's exact integers.
    #[allow(clippy::cast_precision_loss)]
    let scaled = |unit: u64| bytes as f64 / unit as f64;
    let short = if bytes < KIB {
        return format!("{} octets", integer(bytes));
    } else if bytes < KIB * KIB {
        format!("{} Ko", number((scaled(KIB) * 10.0).round() / 10.0))
    } else {
        format!("{} Mo", number((scaled(KIB * KIB) * 10.0).round() / 10.0))
    };
    format!("{short} ({} octets)", integer(bytes))
}

/// `Oui`, `Non`, or `MISSING`.
pub fn yes_no(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "Oui",
        Some(false) => "Non",
        None => MISSING,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_composed_and_rid_of_control_characters() {
        assert_eq!(clean("  E\u{301}lectricite\u{301}\r\nligne\rdeux\tfin\u{7}  "), "Électricité\nligne\ndeux fin");
        assert_eq!(one_line("a\nb"), "a b");
        assert_eq!(or_missing(Some("   ")), MISSING);
        assert_eq!(or_missing(None), MISSING);
        assert_eq!(or_missing(Some(" Libreville ")), "Libreville");
    }

    #[test]
    fn numbers_dates_and_sizes_read_the_french_way() {
        assert_eq!(number(14.5), "14,5");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(13.456), "13,46");
        assert_eq!(score(Some(9.75)), "9,75 / 20");
        assert_eq!(score(None), "Non noté");
        assert_eq!(integer(251_187), "251\u{a0}187");
        assert_eq!(integer(999), "999");
        assert_eq!(size(512), "512 octets");
        assert_eq!(size(251_187), "245,3 Ko (251\u{a0}187 octets)");
        assert_eq!(size(3 * 1024 * 1024), "3 Mo (3\u{a0}145\u{a0}728 octets)");
        let at = DateTime::from_timestamp(1_764_067_800, 0).unwrap();
        assert_eq!(date_time(at), "25/11/2025 à 10:50 UTC");
        assert_eq!(date(at.date_naive()), "25/11/2025");
        assert_eq!(yes_no(Some(true)), "Oui");
    }
}
