//! What request parameters share, whatever route reads them: one wording per meaning. Path ids, pages of lists
//! (`PageQuery`), query filters and choices, optional body fields.
//!
//! Values arrive as text and are read here, so that a bad one is a 422 naming its field (`path.job_id`,
//! `query.limit`, `body.phone`), never a framework error.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveDateTime, Utc};
use seeg_application::Page;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{RefOr, Required, Schema};
use uuid::Uuid;

use crate::error::{ApiError, FieldError};

/// The token of an `Authorization: Bearer …` header, the scheme in any case (RFC 7235); `None` without one. The
/// one reading of the header, for the caller, the rate limits and idempotency alike.
pub(crate) fn bearer_token(headers: &actix_web::http::header::HeaderMap) -> Option<&str> {
    headers
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, token)| scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
        .map(|(_, token)| token.trim())
}

/// The one message for a value that should be a UUID and is not, in a path, a query or a body.
pub(crate) const NOT_A_UUID: &str = "doit être un identifiant UUID";

/// `raw` (trimmed) as a UUID, or the field error naming `field` (`path.application_id`, `query.candidate_id`, …).
pub(crate) fn uuid_field(field: &str, raw: &str) -> Result<Uuid, FieldError> {
    Uuid::parse_str(raw.trim()).map_err(|_| FieldError { field: field.to_owned(), message: NOT_A_UUID.to_owned() })
}

/// The id a path segment names (`{job_id}`, `{application_id}`, …), or the 422 naming `path.{field}`.
pub(crate) fn parse_uuid(field: &str, raw: &str) -> Result<Uuid, ApiError> {
    uuid_field(&format!("path.{field}"), raw).map_err(|error| ApiError::Validation(vec![error]))
}

/// An optional id in the query: blank is none; anything else must be a UUID (the error names `query.{field}`).
pub(crate) fn query_uuid(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Uuid> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    uuid_field(&format!("query.{field}"), raw).map_err(|error| errors.push(error)).ok()
}

/// An optional day in the query: blank is none; anything else must be a strict `YYYY-MM-DD` (the error names
/// `query.{field}`).
pub(crate) fn query_date(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    seeg_domain::interviews::parse_date(raw)
        .map_err(|_| {
            let message = "date attendue au format AAAA-MM-JJ".to_owned();
            errors.push(FieldError { field: format!("query.{field}"), message });
        })
        .ok()
}

/// The page of a list: `skip` and `limit` as the query carries them, text so that a bad value names its field.
/// The bounds are the list's: `limit` is `DEFAULT` when absent, at least 1, and at most `MAX` (above it, a 422
/// naming `query.limit`; only the legacy public listing serves `MAX` instead, see [`Self::read_capped`]).
///
/// A route whose whole query is a page takes `web::Query<PageQuery<…>>`, documented with its bounds; a list with
/// filters keeps `skip` and `limit` in its own query (each documents them in its own words) and reads them with
/// [`Self::read`].
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery<const DEFAULT: u64 = 100, const MAX: u64 = 1000> {
    skip: Option<String>,
    limit: Option<String>,
}

impl<const DEFAULT: u64, const MAX: u64> PageQuery<DEFAULT, MAX> {
    /// The page asked, or the 422 naming each bad value.
    pub(crate) fn page(&self) -> Result<Page, ApiError> {
        let mut errors = Vec::new();
        let page = Self::read(self.skip.as_deref(), self.limit.as_deref(), &mut errors);
        if errors.is_empty() { Ok(page) } else { Err(ApiError::Validation(errors)) }
    }

    /// The page `skip` and `limit` ask for within the bounds; each bad value is added to `errors` (`skip` first)
    /// and its default used.
    pub(crate) fn read(skip: Option<&str>, limit: Option<&str>, errors: &mut Vec<FieldError>) -> Page {
        let skip = parse_number("skip", skip, 0, 0, errors);
        let mut limit = parse_number("limit", limit, 1, DEFAULT, errors);
        if limit > MAX {
            errors.push(FieldError {
                field: "query.limit".to_owned(),
                message: format!("doit être inférieur ou égal à {MAX}"),
            });
            limit = DEFAULT;
        }
        Page { skip, limit }
    }

    /// `read`, as the legacy public listing read it: a `limit` above `MAX` is served as `MAX`, without an error.
    pub(crate) fn read_capped(skip: Option<&str>, limit: Option<&str>, errors: &mut Vec<FieldError>) -> Page {
        let skip = parse_number("skip", skip, 0, 0, errors);
        let limit = parse_number("limit", limit, 1, DEFAULT, errors).min(MAX);
        Page { skip, limit }
    }
}

impl<const DEFAULT: u64, const MAX: u64> IntoParams for PageQuery<DEFAULT, MAX> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let number = |name: &str, description: String| {
            let schema: RefOr<Schema> = <u64 as utoipa::PartialSchema>::schema();
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(schema))
                .build()
        };
        vec![
            number("skip", "Items to skip (≥ 0, default 0).".to_owned()),
            number("limit", format!("Page size (1..={MAX}, default {DEFAULT}).")),
        ]
    }
}

/// A whole number of the query, at least `min`; `default` when absent or blank (and, with an error, when bad).
fn parse_number(field: &str, raw: Option<&str>, min: u64, default: u64, errors: &mut Vec<FieldError>) -> u64 {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return default };
    match raw.parse::<i64>() {
        Ok(n) if n >= 0 && n.unsigned_abs() >= min => n.unsigned_abs(),
        Ok(_) => {
            errors.push(FieldError {
                field: format!("query.{field}"),
                message: format!("doit être supérieur ou égal à {min}"),
            });
            default
        }
        Err(_) => {
            errors
                .push(FieldError {
                    field: format!("query.{field}"), message: "doit être un nombre entier".to_owned()
                });
            default
        }
    }
}

/// The longest text filter accepted: longer than any stored value, so longer input can only be a mistake.
pub(crate) const MAX_FILTER_CHARS: usize = 200;

/// A text filter: blank is no filter; control characters (which PostgreSQL refuses in text, e.g. NUL) and
/// overlong values are a 422 naming the field rather than a database error.
pub(crate) fn text_filter(field: &str, value: Option<&String>, errors: &mut Vec<FieldError>) -> Option<String> {
    text_filter_within(field, value, MAX_FILTER_CHARS, errors)
}

/// `text_filter`, at most `max_chars` long.
pub(crate) fn text_filter_within(
    field: &str,
    value: Option<&String>,
    max_chars: usize,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let value = value.map(|v| v.trim()).filter(|v| !v.is_empty())?;
    let message = if value.chars().any(char::is_control) {
        "ne doit pas contenir de caractère de contrôle".to_owned()
    } else if value.chars().count() > max_chars {
        format!("doit faire au plus {max_chars} caractères")
    } else {
        return Some(value.to_owned());
    };
    errors.push(FieldError { field: format!("query.{field}"), message });
    None
}

/// An enumerated query value: blank is the default; an unknown word is a 422 listing the accepted ones (F1).
pub(crate) fn choice<T: Copy>(
    field: &str,
    raw: Option<&String>,
    allowed: &[(&str, T)],
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let raw = raw.map(|r| r.trim()).filter(|r| !r.is_empty())?;
    if let Some((_, value)) = allowed.iter().find(|(word, _)| *word == raw) {
        return Some(*value);
    }
    let words: Vec<&str> = allowed.iter().map(|(word, _)| *word).collect();
    errors.push(FieldError {
        field: format!("query.{field}"),
        message: format!("valeurs admises : {}", words.join(", ")),
    });
    None
}

/// Reads one optional field of a JSON object body: absent -> `None`; `null` -> `Some(None)`; otherwise parsed.
#[allow(clippy::option_option)] // absent, null and a value are three different requests
pub(crate) fn optional<T>(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
    parse: impl FnOnce(&Value) -> Result<T, String>,
) -> Option<Option<T>> {
    match body.get(name)? {
        Value::Null => Some(None),
        value => match parse(value) {
            Ok(v) => Some(Some(v)),
            Err(message) => {
                errors.push(FieldError { field: format!("body.{name}"), message });
                None
            }
        },
    }
}

/// A body value that must be a string.
pub(crate) fn text(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| "doit être une chaîne".to_owned())
}

/// A date-time of a body: RFC 3339, or a naive date-time or date taken as UTC, as the legacy service read them.
/// Only years 1900 to 9999 are read: a date the databases store and RFC 3339 writes back (chrono would also read
/// signed and wider years, which PostgreSQL refuses and no client parses).
pub(crate) fn timestamp(value: &Value) -> Result<DateTime<Utc>, String> {
    let raw = text(value)?.trim();
    let read = if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        Some(t.with_timezone(&Utc))
    } else if let Ok(t) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f") {
        // The legacy service took naive date-times (and dates) as UTC.
        Some(t.and_utc())
    } else {
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
    };
    read.filter(|t| (1900..=9999).contains(&t.year())).ok_or_else(|| {
        "date attendue au format RFC 3339 (2026-12-31T23:59:59Z) ou AAAA-MM-JJ, années 1900 à 9999".to_owned()
    })
}

/// What serde's English message about a value says, in French, and the field it names when it names one
/// (`missing field `email``): serde's wording never reaches a client (F1: `detail` and `errors` are French).
/// `message` is without serde_json's position suffix (`at line 1 column 5`).
pub(crate) fn serde_message(message: &str) -> (Option<String>, String) {
    let quoted = message.split('`').nth(1).map(str::to_owned);
    let (named, text) = if message.starts_with("missing field") {
        (quoted, "champ obligatoire".to_owned())
    } else if message.starts_with("unknown field") {
        (quoted, "champ inconnu".to_owned())
    } else if message.starts_with("duplicate field") {
        (quoted, "champ en double".to_owned())
    } else if message.starts_with("unknown variant") {
        (None, "valeur inconnue".to_owned())
    } else if message.starts_with("invalid type") {
        (None, "valeur d'un type inattendu".to_owned())
    } else if message.starts_with("invalid length") {
        (None, "nombre d'éléments inattendu".to_owned())
    } else if message.contains("out of range") || message.contains("too large") || message.contains("too small") {
        (None, "nombre hors des limites acceptées".to_owned())
    } else {
        (None, "valeur illisible".to_owned())
    };
    (named.filter(|n| !n.is_empty()), text)
}

/// A query the framework could not read into its route's parameters: a 422 in French, naming the parameter when
/// serde says which.
pub(crate) fn query_error(error: &actix_web::error::QueryPayloadError) -> ApiError {
    let english = match error {
        actix_web::error::QueryPayloadError::Deserialize(error) => error.to_string(),
        _ => String::new(),
    };
    let (name, message) = serde_message(&english);
    ApiError::invalid(name.map_or_else(|| "query".to_owned(), |n| format!("query.{n}")), message)
}

/// A path the framework could not read into its route's parameters: a 422 in French.
pub(crate) fn path_error(error: &actix_web::error::PathError) -> ApiError {
    let english = match error {
        actix_web::error::PathError::Deserialize(error) => error.to_string(),
        _ => String::new(),
    };
    let (name, message) = serde_message(&english);
    ApiError::invalid(name.map_or_else(|| "path".to_owned(), |n| format!("path.{n}")), message)
}

/// The first parameter of `query` (a raw query string) whose name or value, once percent-decoded, is not UTF-8
/// or holds a NUL character, with what is wrong with it. The framework decodes invalid UTF-8 lossily (U+FFFD), so
/// a route would search for or compare text the client never sent, and no parameter accepts a NUL (PostgreSQL
/// cannot store it, and routes that ignore a legacy parameter would let it pass): such a query is refused whole
/// (`guard_query`).
pub(crate) fn unreadable_parameter(query: &str) -> Option<(String, &'static str)> {
    query.split('&').find_map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (percent_decoded(name), percent_decoded(value));
        let problem = if std::str::from_utf8(&name).is_err() || std::str::from_utf8(&value).is_err() {
            "doit être du texte UTF-8 valide"
        } else if name.contains(&0) || value.contains(&0) {
            "ne doit pas contenir de caractère de contrôle"
        } else {
            return None;
        };
        Some((String::from_utf8_lossy(&name).replace('\0', ""), problem))
    })
}

/// `raw` with its `%XX` escapes and `+` (a space in a query) decoded; a `%` not followed by two hex digits stays.
fn percent_decoded(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = |i: usize| bytes.get(i).and_then(|b| char::from(*b).to_digit(16));
        match (bytes[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(u8::try_from(high * 16 + low).unwrap_or_default());
                at += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                at += 1;
            }
            (byte, _, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    decoded
}

/// Middleware: a query whose decoded text is not UTF-8 or holds a NUL is a 422 naming the parameter, before any
/// route reads it (see `unreadable_parameter`).
pub(crate) async fn guard_query(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    if let Some((name, problem)) = unreadable_parameter(req.query_string()) {
        let refusal = ApiError::invalid(format!("query.{name}"), problem);
        let response = actix_web::ResponseError::error_response(&refusal);
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req).await.map(actix_web::dev::ServiceResponse::map_into_left_body)
}

/// Collects every invalid field of a request body, so the client learns them all at once.
#[derive(Debug, Default)]
pub(crate) struct Fields(pub(crate) Vec<FieldError>);

impl Fields {
    pub(crate) fn required<'a>(&mut self, name: &str, value: Option<&'a String>) -> Option<&'a str> {
        let value = value.map(String::as_str).filter(|v| !v.trim().is_empty());
        if value.is_none() {
            self.push(name, "champ obligatoire");
        }
        value
    }

    pub(crate) fn check<T, E: std::fmt::Display>(&mut self, name: &str, result: Result<T, E>) -> Option<T> {
        result.map_err(|e| self.push(name, &e.to_string())).ok()
    }

    pub(crate) fn push(&mut self, name: &str, message: &str) {
        self.0.push(FieldError { field: format!("body.{name}"), message: message.to_owned() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uuid_is_read_trimmed_and_anything_else_names_its_field() {
        let id = Uuid::nil();
        assert_eq!(uuid_field("path.id", &format!(" {id} ")), Ok(id));
        let error = uuid_field("query.candidate_id", "42").unwrap_err();
        assert_eq!((error.field.as_str(), error.message.as_str()), ("query.candidate_id", NOT_A_UUID));
        let Err(ApiError::Validation(errors)) = parse_uuid("job_id", "x") else { panic!("expected a 422") };
        assert_eq!(errors[0].field, "path.job_id");
        let mut errors = Vec::new();
        assert_eq!(query_uuid("candidate_id", Some("  "), &mut errors), None);
        assert_eq!(query_uuid("candidate_id", Some(&id.to_string()), &mut errors), Some(id));
        assert_eq!(query_uuid("candidate_id", Some("42"), &mut errors), None);
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["query.candidate_id"]);
    }

    #[test]
    fn serde_s_english_is_said_in_french_with_the_field_it_names() {
        assert_eq!(serde_message("missing field `email`"), (Some("email".to_owned()), "champ obligatoire".to_owned()));
        assert_eq!(serde_message("invalid type: integer `12`, expected a string").1, "valeur d'un type inattendu");
        assert_eq!(serde_message("unknown variant `x`, expected one of `a`, `b`").0, None);
        assert_eq!(serde_message("provided string was not `true` or `false`").1, "valeur illisible");
    }

    #[test]
    fn a_query_whose_decoded_text_is_not_utf8_or_holds_a_nul_names_its_parameter() {
        let named = |query: &str| unreadable_parameter(query).map(|(name, _)| name);
        assert_eq!(named("skip=1&q=%FF%FE"), Some("q".to_owned()));
        assert_eq!(named("a%FF=1"), Some("a\u{fffd}".to_owned()));
        assert_eq!(
            unreadable_parameter("order=a%00b"),
            Some(("order".to_owned(), "ne doit pas contenir de caractère de contrôle"))
        );
        assert_eq!(named("q=%C3%A9t%C3%A9+chaud&x=%&y=%2"), None);
        assert_eq!(named(""), None);
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_page_is_bounded_by_its_list() {
        let mut errors = Vec::new();
        assert_eq!(PageQuery::<100, 500>::read(None, None, &mut errors), Page { skip: 0, limit: 100 });
        assert_eq!(PageQuery::<100, 500>::read(Some(" 5 "), Some("500"), &mut errors), Page { skip: 5, limit: 500 });
        assert!(errors.is_empty());
        assert_eq!(PageQuery::<100, 500>::read(Some("-1"), Some("501"), &mut errors), Page { skip: 0, limit: 100 });
        assert_eq!(fields(&errors), ["query.skip", "query.limit"]);
        assert_eq!(errors[1].message, "doit être inférieur ou égal à 500");
        errors.clear();
        assert_eq!(PageQuery::<100, 100>::read_capped(None, Some("1000"), &mut errors), Page { skip: 0, limit: 100 });
        assert!(errors.is_empty(), "the legacy public listing serves its maximum");
        PageQuery::<100, 100>::read_capped(Some("x"), Some("0"), &mut errors);
        assert_eq!(fields(&errors), ["query.skip", "query.limit"]);
        let query = PageQuery::<100, 1000> { skip: None, limit: Some("1001".to_owned()) };
        assert!(matches!(query.page(), Err(ApiError::Validation(_))));
    }

    #[test]
    fn a_page_query_documents_its_bounds() {
        let params = <PageQuery<20, 50> as IntoParams>::into_params(|| None);
        let described: Vec<(&str, Option<&str>)> =
            params.iter().map(|p| (p.name.as_str(), p.description.as_deref())).collect();
        assert_eq!(
            described,
            [("skip", Some("Items to skip (≥ 0, default 0).")), ("limit", Some("Page size (1..=50, default 20)."))]
        );
    }
}

/// Property tests of the page bounds (F5): whatever `skip` and `limit` a client sends, the page asked of a
/// store is within the list's bounds, and a bad value is named once, with its default used instead.
#[cfg(test)]
mod page_properties {
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    use super::*;

    /// What a client may put in `skip` or `limit`: numbers of any size and sign (spaced, signed), words, blanks.
    fn raw_number() -> impl Strategy<Value = Option<String>> {
        let text = prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            (0..2_000i64).prop_map(|n| n.to_string()),
            any::<u64>().prop_map(|n| format!("{n}0")),
            "[ \t]{0,2}[+-]?[0-9]{1,4}[ \t]{0,2}",
            "[ 0-9a-z.,_+-]{0,6}",
            any::<String>(),
        ];
        proptest::option::of(text)
    }

    /// The number `raw` says if it is one of at least `min` (trimmed, as an `i64`), `Err` when it is given and is
    /// not; `None` when absent or blank.
    fn expected(raw: Option<&str>, min: i64) -> Result<Option<u64>, ()> {
        match raw.map(str::trim).filter(|r| !r.is_empty()) {
            None => Ok(None),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n >= min => Ok(Some(n.unsigned_abs())),
                _ => Err(()),
            },
        }
    }

    /// Checks `PageQuery::<DEFAULT, MAX>` on one query.
    fn bounded<const DEFAULT: u64, const MAX: u64>(
        skip: Option<&str>,
        limit: Option<&str>,
    ) -> Result<(), TestCaseError> {
        let mut errors = Vec::new();
        let page = PageQuery::<DEFAULT, MAX>::read(skip, limit, &mut errors);
        prop_assert!((1..=MAX).contains(&page.limit), "limit {} outside 1..={}", page.limit, MAX);
        prop_assert!(i64::try_from(page.skip).is_ok(), "skip fits a SQL bigint");
        let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let skip_expected = expected(skip, 0);
        let limit_expected = expected(limit, 1).and_then(|n| if n.is_some_and(|n| n > MAX) { Err(()) } else { Ok(n) });
        let mut wanted = Vec::new();
        if let Ok(n) = skip_expected {
            prop_assert_eq!(page.skip, n.unwrap_or(0));
        } else {
            prop_assert_eq!(page.skip, 0, "a bad skip is replaced by its default");
            wanted.push("query.skip");
        }
        if let Ok(n) = limit_expected {
            prop_assert_eq!(page.limit, n.unwrap_or(DEFAULT));
        } else {
            prop_assert_eq!(page.limit, DEFAULT, "a bad limit is replaced by its default");
            wanted.push("query.limit");
        }
        prop_assert_eq!(named, wanted, "each bad value named once, skip first");

        let mut errors = Vec::new();
        let capped = PageQuery::<DEFAULT, MAX>::read_capped(skip, limit, &mut errors);
        prop_assert!((1..=MAX).contains(&capped.limit));
        prop_assert_eq!(capped.skip, page.skip);
        let served = expected(limit, 1).map_or(DEFAULT, |n| n.map_or(DEFAULT, |n| n.min(MAX)));
        prop_assert_eq!(capped.limit, served, "the legacy listing serves a limit past its maximum as the maximum");
        prop_assert!(errors.iter().all(|e| e.field != "query.limit" || expected(limit, 1).is_err()));
        Ok(())
    }

    proptest! {
        #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

        #[test]
        fn a_page_is_always_within_its_list_bounds(skip in raw_number(), limit in raw_number()) {
            bounded::<100, 1000>(skip.as_deref(), limit.as_deref())?;
            bounded::<20, 50>(skip.as_deref(), limit.as_deref())?;
            bounded::<100, 100>(skip.as_deref(), limit.as_deref())?;
        }

        #[test]
        fn every_page_within_the_bounds_is_served_as_asked(skip in 0..=i64::MAX, limit in 1..=1000u64) {
            let mut errors = Vec::new();
            let page = PageQuery::<100, 1000>::read(Some(&skip.to_string()), Some(&limit.to_string()), &mut errors);
            prop_assert_eq!(page, Page { skip: skip.unsigned_abs(), limit });
            prop_assert!(errors.is_empty());
            let over = PageQuery::<100, 1000>::read(None, Some(&(limit + 1000).to_string()), &mut errors);
            prop_assert_eq!(over.limit, 100);
            prop_assert_eq!(errors.len(), 1);
            prop_assert_eq!(errors[0].message.as_str(), "doit être inférieur ou égal à 1000");
        }
    }
}
