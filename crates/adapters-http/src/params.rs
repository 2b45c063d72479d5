//! What request parameters share, whatever route reads them: one wording per meaning.

use uuid::Uuid;

use crate::error::FieldError;

/// The one message for a value that should be a UUID and is not, in a path, a query or a body.
pub(crate) const NOT_A_UUID: &str = "doit être un identifiant UUID";

/// `raw` (trimmed) as a UUID, or the field error naming `field` (`path.application_id`, `query.candidate_id`, …).
pub(crate) fn uuid_field(field: &str, raw: &str) -> Result<Uuid, FieldError> {
    Uuid::parse_str(raw.trim()).map_err(|_| FieldError { field: field.to_owned(), message: NOT_A_UUID.to_owned() })
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
    }
}
