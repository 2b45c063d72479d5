//! E-mail rules: where a logged message stands, which messages a recipient may turn off, and the limits of a
//! message staff write by hand (`/emails/send`, S8).

use crate::vocabulary::wire_enum;

wire_enum! {
    /// Where a logged e-mail stands (`email_logs.status`; `category` carries the same word for legacy readers).
    pub enum MailStatus {
        /// Written with its outbox event; not tried yet.
        Queued => "queued",
        /// The transport accepted it.
        Sent => "sent",
        /// The last attempt failed; the outbox tries again later.
        Failed => "failed",
        /// The outbox gave up (dead letter); an operator's replay sends it again.
        Dead => "dead",
    }
}

/// Whether a recipient may turn a message off (`email_non_essential`, docs/decisions.md B9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailClass {
    /// Always sent: security (password reset and change), account and access decisions, interview
    /// invitations, changes and cancellations, and what staff send by hand.
    Essential,
    /// Sent unless the recipient turned them off: application confirmations and status changes.
    NonEssential,
}

/// The longest subject of a hand-written message (legacy `subject` 1..255).
pub const SUBJECT_MAX_CHARS: usize = 255;
/// The longest text or HTML body of a hand-written message.
pub const BODY_MAX_CHARS: usize = 50_000;
/// The most recipients of one hand-written message, `to`, `cc` and `bcc` together.
pub const MAX_RECIPIENTS: usize = 50;

/// Whether `text` holds a line break or another control character that would let it write a mail header
/// (header injection through a subject or an address).
pub fn has_header_break(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_their_wire_words() {
        assert_eq!(MailStatus::ALL.map(MailStatus::as_str), ["queued", "sent", "failed", "dead"]);
        assert!("suppressed".parse::<MailStatus>().is_err());
    }

    #[test]
    fn line_breaks_and_controls_are_header_breaks() {
        assert!(has_header_break("Objet\r\nBcc: x@y.z"));
        assert!(has_header_break("a\nb"));
        assert!(has_header_break("nul\0"));
        assert!(!has_header_break("Entretien – été 2026 🎯"));
    }
}
