//! Accounts for tests: an active external candidate by default, each field settable.

use chrono::{NaiveDate, TimeDelta};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::identity::{CandidateKind, Role, Sexe, User, UserStatus};

use crate::offers::base_time;

/// An active external candidate with every optional field filled, created at `base_time()`. `email` is stored as
/// given: pass it lower-cased, as the sign-up does.
pub fn user(email: &str) -> User {
    User {
        id: SystemIds.new_id(),
        email: email.to_owned(),
        first_name: "Aïcha".to_owned(),
        last_name: "Ndong".to_owned(),
        role: Role::Candidate,
        phone: Some("+24177000000".to_owned()),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 17),
        sexe: Some(Sexe::Female),
        matricule: None,
        password_hash: "$2b$04$abcdefghijklmnopqrstuu5YKJ0Ck1tGWKqB7L3yBx3hbt1ZbZ8ba".to_owned(),
        email_verified: false,
        last_login: None,
        candidate_kind: Some(CandidateKind::External),
        status: UserStatus::Active,
        adresse: Some("Quartier Louis, Libreville".to_owned()),
        poste_actuel: Some("Technicienne".to_owned()),
        annees_experience: Some(6),
        no_seeg_email: false,
        created_at: base_time(),
        updated_at: base_time() + TimeDelta::minutes(1),
    }
}
