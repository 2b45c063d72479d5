//! Account statuts (legacy `statut`, K2) and the refusal each one gives at login (R8).

use crate::vocabulary::wire_enum;

/// Declared as a macro so that the address can be spliced into the R8 messages with `concat!` while staying one
/// definition.
macro_rules! support_email {
    () => {
        "support@seeg-talentsource.com"
    };
}

/// Where users whose account is blocked, inactive or archived are told to write (R8, R37).
pub const SUPPORT_EMAIL: &str = support_email!();

wire_enum! {
    /// Where an account stands (DB CHECK `chk_users_statut`). Only `actif` accounts may sign in (R8, S4).
    pub enum UserStatus {
        /// `actif`: may sign in.
        Active => "actif",
        /// `en_attente`: an internal candidate without a company e-mail, waiting for an access request (R1, R35).
        Pending => "en_attente",
        /// `inactif`: deactivated.
        Inactive => "inactif",
        /// `bloqué`: blocked by an administrator.
        Blocked => "bloqué",
        /// `archivé`: the account was deleted; HR records are kept (I10).
        Archived => "archivé",
    }
}

impl UserStatus {
    /// Whether an account in this statut may sign in and keep using its tokens.
    pub const fn can_log_in(self) -> bool {
        matches!(self, Self::Active)
    }

    /// The 403 message (R8, kept word for word) given to a user whose password was right but whose account may
    /// not sign in; `None` for `actif`. Given only after the password is verified (S5).
    pub const fn login_refusal(self) -> Option<&'static str> {
        match self {
            Self::Active => None,
            Self::Pending => Some(
                "Votre compte est en attente de validation par notre équipe. \
                 Vous recevrez un email de confirmation une fois votre accès validé.",
            ),
            Self::Inactive => {
                Some(concat!("Votre compte a été désactivé. Veuillez contacter l'administrateur à ", support_email!()))
            }
            Self::Blocked => {
                Some(concat!("Votre compte a été bloqué. Veuillez contacter l'administrateur à ", support_email!()))
            }
            Self::Archived => {
                Some(concat!("Votre compte a été archivé. Veuillez contacter l'administrateur à ", support_email!()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuts_are_the_legacy_words_with_their_accents() {
        let words: Vec<&str> = UserStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(words, ["actif", "en_attente", "inactif", "bloqué", "archivé"]);
        for status in UserStatus::ALL {
            assert_eq!(status.as_str().parse::<UserStatus>(), Ok(status));
        }
        assert!("bloque".parse::<UserStatus>().is_err());
        assert!("active".parse::<UserStatus>().is_err());
    }

    #[test]
    fn only_actif_may_log_in() {
        for status in UserStatus::ALL {
            assert_eq!(status.can_log_in(), status == UserStatus::Active, "{status}");
            assert_eq!(status.login_refusal().is_none(), status.can_log_in(), "{status}");
        }
    }

    #[test]
    fn refusals_are_the_r8_messages_word_for_word() {
        let table = [
            (
                UserStatus::Pending,
                "Votre compte est en attente de validation par notre équipe. Vous recevrez un email de confirmation \
                 une fois votre accès validé.",
            ),
            (
                UserStatus::Inactive,
                "Votre compte a été désactivé. Veuillez contacter l'administrateur à support@seeg-talentsource.com",
            ),
            (
                UserStatus::Blocked,
                "Votre compte a été bloqué. Veuillez contacter l'administrateur à support@seeg-talentsource.com",
            ),
            (
                UserStatus::Archived,
                "Votre compte a été archivé. Veuillez contacter l'administrateur à support@seeg-talentsource.com",
            ),
        ];
        for (status, message) in table {
            assert_eq!(status.login_refusal(), Some(message), "{status}");
        }
        assert_eq!(SUPPORT_EMAIL, "support@seeg-talentsource.com");
    }

    #[test]
    fn the_pending_message_keeps_the_phrase_clients_look_for() {
        let message = UserStatus::Pending.login_refusal().unwrap();
        assert!(message.contains("en attente de validation"));
    }
}
