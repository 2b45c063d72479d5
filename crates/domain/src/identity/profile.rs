//! What an account holder may change on their own account (S2), and what only an administrator may.

use chrono::{DateTime, Utc};

use super::{CandidateKind, DateOfBirth, EmailAddress, Matricule, PersonName, Phone, Role, Sexe, User, UserStatus};

/// Fields `PUT /users/me` refuses, even with the current value (S2): a body naming any of them changes nothing.
pub const NOT_SELF_EDITABLE: [&str; 7] =
    ["role", "statut", "email", "matricule", "candidate_status", "no_seeg_email", "is_internal_candidate"];

/// The most years of experience accepted.
pub const MAX_YEARS_OF_EXPERIENCE: i32 = 60;

/// Self-service changes: `None` leaves a field alone; `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default)]
#[allow(clippy::option_option)] // "leave alone" and "clear" are different requests
pub struct SelfServiceChanges {
    /// A new first name.
    pub first_name: Option<PersonName>,
    /// A new last name.
    pub last_name: Option<PersonName>,
    /// A new phone number, or none.
    pub phone: Option<Option<Phone>>,
    /// A new birth date (18 to 100 years old), or none.
    pub date_of_birth: Option<Option<DateOfBirth>>,
    /// A new `sexe`, or none.
    pub sexe: Option<Option<Sexe>>,
    /// A new postal address, or none; trimmed, blank is none.
    pub adresse: Option<Option<String>>,
    /// A new current job, or none; trimmed, blank is none.
    pub poste_actuel: Option<Option<String>>,
    /// New years of experience (0 to `MAX_YEARS_OF_EXPERIENCE`), or none.
    pub annees_experience: Option<Option<i32>>,
}

impl User {
    /// Applies the changes; returns the names of the fields whose value changed (for the audit trail), and
    /// touches `updated_at` only when one did.
    pub fn apply_self_service(&mut self, changes: SelfServiceChanges, at: DateTime<Utc>) -> Vec<&'static str> {
        let mut touched = Vec::new();
        let mut set = |name: &'static str, differs: bool| {
            if differs {
                touched.push(name);
            }
            differs
        };
        if let Some(v) = changes.first_name.map(|n| n.as_str().to_owned())
            && set("first_name", v != self.first_name)
        {
            self.first_name = v;
        }
        if let Some(v) = changes.last_name.map(|n| n.as_str().to_owned())
            && set("last_name", v != self.last_name)
        {
            self.last_name = v;
        }
        if let Some(v) = changes.phone.map(|p| p.map(|p| p.as_str().to_owned()))
            && set("phone", v != self.phone)
        {
            self.phone = v;
        }
        if let Some(v) = changes.date_of_birth.map(|d| d.map(DateOfBirth::date))
            && set("date_of_birth", v != self.date_of_birth)
        {
            self.date_of_birth = v;
        }
        if let Some(v) = changes.sexe
            && set("sexe", v != self.sexe)
        {
            self.sexe = v;
        }
        if let Some(v) = changes.adresse.map(trimmed)
            && set("adresse", v != self.adresse)
        {
            self.adresse = v;
        }
        if let Some(v) = changes.poste_actuel.map(trimmed)
            && set("poste_actuel", v != self.poste_actuel)
        {
            self.poste_actuel = v;
        }
        if let Some(v) = changes.annees_experience
            && set("annees_experience", v != self.annees_experience)
        {
            self.annees_experience = v;
        }
        if !touched.is_empty() {
            self.updated_at = at;
        }
        touched
    }
}

/// What only an administrator changes (S2): access and identity fields. `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
#[allow(clippy::option_option)] // "leave alone" and "clear" are different requests
pub struct AdminChanges {
    /// A new role.
    pub role: Option<Role>,
    /// A new statut (e.g. `bloqué` to lock the account out at once, S4).
    pub status: Option<UserStatus>,
    /// A new e-mail address (unique among users, checked by the use case).
    pub email: Option<EmailAddress>,
    /// A new matricule, or none.
    pub matricule: Option<Option<Matricule>>,
    /// A new candidate kind (legacy `candidate_status`), or none.
    pub candidate_kind: Option<Option<CandidateKind>>,
}

impl AdminChanges {
    /// Whether the changes reach what decides access: role or statut.
    pub const fn touches_access(&self) -> bool {
        self.role.is_some() || self.status.is_some()
    }
}

impl User {
    /// Applies an administrator's changes; returns the names of the fields whose value changed.
    pub fn apply_admin_changes(&mut self, changes: AdminChanges, at: DateTime<Utc>) -> Vec<&'static str> {
        let mut touched = Vec::new();
        if let Some(role) = changes.role
            && role != self.role
        {
            self.role = role;
            touched.push("role");
        }
        if let Some(status) = changes.status
            && status != self.status
        {
            self.status = status;
            touched.push("statut");
        }
        if let Some(email) = changes.email.map(|e| e.as_str().to_owned())
            && email != self.email
        {
            self.email = email;
            touched.push("email");
        }
        if let Some(matricule) = changes.matricule.map(|m| m.map(Matricule::value))
            && matricule != self.matricule
        {
            self.matricule = matricule;
            touched.push("matricule");
        }
        if let Some(kind) = changes.candidate_kind
            && kind != self.candidate_kind
        {
            self.candidate_kind = kind;
            touched.push("candidate_status");
        }
        if !touched.is_empty() {
            self.updated_at = at;
        }
        touched
    }
}

fn trimmed(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;
    use uuid::Uuid;

    use super::*;
    use crate::identity::{CandidateKind, Role, UserStatus};

    fn user() -> User {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        User {
            id: Uuid::from_u128(1),
            email: "a@example.com".into(),
            first_name: "Awa".into(),
            last_name: "Mba".into(),
            role: Role::Candidate,
            phone: Some("+241 01".into()),
            date_of_birth: None,
            sexe: Some(Sexe::Female),
            matricule: None,
            password_hash: String::new(),
            email_verified: false,
            last_login: None,
            candidate_kind: Some(CandidateKind::External),
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn only_fields_whose_value_changes_are_reported() {
        let mut u = user();
        let later = u.updated_at + chrono::TimeDelta::days(1);
        let changes = SelfServiceChanges {
            first_name: Some(PersonName::parse("Awa").unwrap()),
            last_name: Some(PersonName::parse("Obame").unwrap()),
            phone: Some(None),
            adresse: Some(Some("  Libreville  ".into())),
            ..SelfServiceChanges::default()
        };
        assert_eq!(u.apply_self_service(changes, later), ["last_name", "phone", "adresse"]);
        assert_eq!(
            (u.last_name.as_str(), u.phone.as_deref(), u.adresse.as_deref()),
            ("Obame", None, Some("Libreville"))
        );
        assert_eq!(u.updated_at, later);
    }

    #[test]
    fn admin_changes_report_the_legacy_field_names() {
        let mut u = user();
        let later = u.updated_at + chrono::TimeDelta::days(1);
        let changes = AdminChanges {
            status: Some(UserStatus::Blocked),
            role: Some(Role::Candidate),
            candidate_kind: Some(Some(CandidateKind::Internal)),
            ..AdminChanges::default()
        };
        assert!(changes.touches_access());
        assert_eq!(u.apply_admin_changes(changes, later), ["statut", "candidate_status"]);
        assert!(u.is_internal_candidate());
        assert_eq!((u.status, u.updated_at), (UserStatus::Blocked, later));
    }

    #[test]
    fn no_change_keeps_updated_at() {
        let mut u = user();
        let before = u.updated_at;
        let same = SelfServiceChanges { sexe: Some(Some(Sexe::Female)), ..SelfServiceChanges::default() };
        assert!(u.apply_self_service(same, before + chrono::TimeDelta::days(1)).is_empty());
        assert_eq!(u.updated_at, before);
    }
}
