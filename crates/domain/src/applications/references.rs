//! References and management experience asked of candidates (legacy R19, decision K3d): internal candidates say
//! whether they have been managers; external candidates name a professional reference.

use crate::identity::CandidateKind;

/// Longest `ref_entreprise`, `ref_fullname` and `ref_mail`, in characters (the legacy `varchar(255)` columns).
pub const MAX_REFERENCE_TEXT: usize = 255;
/// Longest `ref_contact`, in characters (the legacy `varchar(50)` column).
pub const MAX_REFERENCE_CONTACT: usize = 50;
/// Longest `reference_contacts`, in characters: free text (a legacy `text` column), as long as an MTP answer.
pub const MAX_REFERENCE_CONTACTS: usize = 5_000;

/// A reference as sent: each field possibly a legacy JSON-array string (`'["A","B"]'`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferenceInput {
    /// Legacy `ref_entreprise`: the reference's company.
    pub entreprise: Option<String>,
    /// Legacy `ref_fullname`: the reference's full name.
    pub fullname: Option<String>,
    /// Legacy `ref_mail`: the reference's e-mail address.
    pub mail: Option<String>,
    /// Legacy `ref_contact`: the reference's phone or other contact.
    pub contact: Option<String>,
}

/// The reference kept: each field joined and trimmed; `None` when nothing was given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reference {
    /// The reference's company (at most `MAX_REFERENCE_TEXT`).
    pub entreprise: Option<String>,
    /// The reference's full name (at most `MAX_REFERENCE_TEXT`).
    pub fullname: Option<String>,
    /// The reference's e-mail address (at most `MAX_REFERENCE_TEXT`).
    pub mail: Option<String>,
    /// The reference's phone or other contact (at most `MAX_REFERENCE_CONTACT`).
    pub contact: Option<String>,
}

/// Why the references were refused; `field` is the legacy body field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    /// An internal candidate did not say whether it has been a manager (`has_been_manager`).
    #[error("obligatoire pour un candidat interne")]
    ManagerAnswerRequired,
    /// An external candidate left out one of the four reference fields.
    #[error("obligatoire pour un candidat externe")]
    Required {
        /// The legacy body field (`ref_entreprise`, …).
        field: &'static str,
    },
    /// A value is longer than its legacy column.
    #[error("{max} caractères au plus")]
    TooLong {
        /// The legacy body field.
        field: &'static str,
        /// Most characters allowed.
        max: usize,
    },
}

impl ReferenceError {
    /// The legacy body field the error is about, for the F1 `errors` list.
    pub const fn field(&self) -> &'static str {
        match self {
            Self::ManagerAnswerRequired => "has_been_manager",
            Self::Required { field } | Self::TooLong { field, .. } => field,
        }
    }
}

/// Legacy `reference_contacts` as kept: trimmed, `None` when blank; longer than `MAX_REFERENCE_CONTACTS`, refused
/// (the column is unbounded text: without a bound, one request could store megabytes).
pub fn reference_contacts(value: Option<&str>) -> Result<Option<String>, ReferenceError> {
    let Some(text) = value.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if text.chars().count() > MAX_REFERENCE_CONTACTS {
        return Err(ReferenceError::TooLong { field: "reference_contacts", max: MAX_REFERENCE_CONTACTS });
    }
    Ok(Some(text.to_owned()))
}

/// K3d: `'["A","B"]'` is stored `"A, B"`; `"[]"` and `""` are nothing; anything else is kept trimmed.
pub fn join_legacy_list(raw: &str) -> Option<String> {
    let text = raw.trim();
    let joined = match parse_string_list(text) {
        Some(items) => items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).collect::<Vec<_>>().join(", "),
        None => text.to_owned(),
    };
    Some(joined).filter(|j| !j.is_empty())
}

/// A JSON array of strings, read without a JSON library (the domain has none): `["a", "b\"c"]`.
fn parse_string_list(text: &str) -> Option<Vec<String>> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?.trim();
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None if items.is_empty() => return Some(items),
            Some('"') => {}
            _ => return None,
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => match chars.next()? {
                    'n' => item.push('\n'),
                    't' => item.push('\t'),
                    'u' => {
                        let hex: String = (0..4).map(|_| chars.next()).collect::<Option<String>>()?;
                        item.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    other => item.push(other),
                },
                c => item.push(c),
            }
        }
        items.push(item);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(items),
            Some(',') => {}
            Some(_) => return None,
        }
    }
}

/// Applies R19: an internal candidate must answer `has_been_manager`; an external one must give the four
/// reference fields. Values are joined (K3d) and bounded by the legacy column sizes.
pub fn check_references(
    kind: CandidateKind,
    has_been_manager: Option<bool>,
    input: &ReferenceInput,
) -> Result<(bool, Reference), ReferenceError> {
    let field = |name: &'static str, value: &Option<String>, max: usize| -> Result<Option<String>, ReferenceError> {
        let joined = value.as_deref().and_then(join_legacy_list);
        if joined.as_ref().is_some_and(|j| j.chars().count() > max) {
            return Err(ReferenceError::TooLong { field: name, max });
        }
        Ok(joined)
    };
    let reference = Reference {
        entreprise: field("ref_entreprise", &input.entreprise, MAX_REFERENCE_TEXT)?,
        fullname: field("ref_fullname", &input.fullname, MAX_REFERENCE_TEXT)?,
        mail: field("ref_mail", &input.mail, MAX_REFERENCE_TEXT)?,
        contact: field("ref_contact", &input.contact, MAX_REFERENCE_CONTACT)?,
    };
    match kind {
        CandidateKind::Internal => {
            let answered = has_been_manager.ok_or(ReferenceError::ManagerAnswerRequired)?;
            Ok((answered, reference))
        }
        CandidateKind::External => {
            for (name, value) in [
                ("ref_entreprise", &reference.entreprise),
                ("ref_fullname", &reference.fullname),
                ("ref_mail", &reference.mail),
                ("ref_contact", &reference.contact),
            ] {
                if value.is_none() {
                    return Err(ReferenceError::Required { field: name });
                }
            }
            Ok((has_been_manager.unwrap_or(false), reference))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> ReferenceInput {
        ReferenceInput {
            entreprise: Some(r#"["SEEG", "Total"]"#.into()),
            fullname: Some("Jean Obame".into()),
            mail: Some(r#"["jean@exemple.ga"]"#.into()),
            contact: Some("+241 01 02 03 04".into()),
        }
    }

    #[test]
    fn reference_contacts_are_trimmed_and_bounded() {
        assert_eq!(reference_contacts(Some("  M. Obame  ")), Ok(Some("M. Obame".to_owned())));
        assert_eq!(reference_contacts(Some("   ")), Ok(None));
        assert_eq!(reference_contacts(Some(&"é".repeat(MAX_REFERENCE_CONTACTS))).map(|t| t.is_some()), Ok(true));
        let error = reference_contacts(Some(&"x".repeat(MAX_REFERENCE_CONTACTS + 1))).unwrap_err();
        assert_eq!(error.field(), "reference_contacts");
    }

    #[test]
    fn legacy_lists_are_joined_and_empty_ones_are_nothing() {
        assert_eq!(join_legacy_list(r#"["A","B"]"#).as_deref(), Some("A, B"));
        assert_eq!(join_legacy_list(r#" [ "A \"x\"" , " ", "\u00e9t\u00e9" ] "#).as_deref(), Some("A \"x\", été"));
        assert_eq!(join_legacy_list("[]"), None);
        assert_eq!(join_legacy_list("  "), None);
        assert_eq!(join_legacy_list("[pas du json"), Some("[pas du json".into()), "not a list: kept as text");
        assert_eq!(join_legacy_list("SEEG"), Some("SEEG".into()));
    }

    #[test]
    fn external_candidates_give_all_four_reference_fields() {
        let (manager, reference) = check_references(CandidateKind::External, None, &full()).unwrap();
        assert!(!manager);
        assert_eq!(reference.entreprise.as_deref(), Some("SEEG, Total"));
        assert_eq!(reference.mail.as_deref(), Some("jean@exemple.ga"));
        let missing = ReferenceInput { mail: Some("[]".into()), ..full() };
        let err = check_references(CandidateKind::External, Some(true), &missing).unwrap_err();
        assert_eq!(err.field(), "ref_mail");
    }

    #[test]
    fn internal_candidates_say_whether_they_managed_and_references_are_optional() {
        let err = check_references(CandidateKind::Internal, None, &ReferenceInput::default()).unwrap_err();
        assert_eq!(
            (err.field(), err.to_string().as_str()),
            ("has_been_manager", "obligatoire pour un candidat interne")
        );
        let (manager, reference) =
            check_references(CandidateKind::Internal, Some(true), &ReferenceInput::default()).unwrap();
        assert!(manager);
        assert_eq!(reference, Reference::default());
        let long = ReferenceInput { contact: Some("1".repeat(MAX_REFERENCE_CONTACT + 1)), ..full() };
        assert_eq!(
            check_references(CandidateKind::Internal, Some(false), &long).unwrap_err(),
            ReferenceError::TooLong { field: "ref_contact", max: MAX_REFERENCE_CONTACT }
        );
    }
}
