//! An account as stored: candidates and staff alike (legacy §2.1). Values were checked by the parsers of this
//! module when the account was created or changed; the stored state keeps them as plain values so that an
//! account imported from the legacy service always reads.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{CandidateKind, Role, Sexe, UserStatus};
use crate::offers::Audience;

/// An account as stored: a candidate or a staff member (legacy §2.1). Only an `actif` account signs in (S4);
/// deleting one archives it (I10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The account's id (the `sub` of its tokens).
    pub id: Uuid,
    /// Lower-cased (S5).
    pub email: String,
    /// First name (`PersonName` when written).
    pub first_name: String,
    /// Last name (`PersonName` when written).
    pub last_name: String,
    /// What the account may do (S3).
    pub role: Role,
    /// Phone number (`Phone` when written).
    pub phone: Option<String>,
    /// Birth date (`DateOfBirth` when written: 18 to 100 years old).
    pub date_of_birth: Option<NaiveDate>,
    /// Legacy `sexe`; decides the salutation (R38).
    pub sexe: Option<Sexe>,
    /// SEEG employee number: required of internal candidates at sign-up (R4, K3c) and unique among users.
    pub matricule: Option<i32>,
    /// bcrypt.
    pub password_hash: String,
    /// Legacy column, read and returned as stored; accounts this service creates start `false` (no address is
    /// verified).
    pub email_verified: bool,
    /// When the account last signed in.
    pub last_login: Option<DateTime<Utc>>,
    /// Candidates only (legacy `candidate_status`).
    pub candidate_kind: Option<CandidateKind>,
    /// Legacy `statut`: only `actif` accounts may sign in and use their tokens (S4).
    pub status: UserStatus,
    /// Postal address, self-service (S2).
    pub adresse: Option<String>,
    /// Current job, self-service (S2).
    pub poste_actuel: Option<String>,
    /// Years of experience, self-service (S2), 0 to `MAX_YEARS_OF_EXPERIENCE`.
    pub annees_experience: Option<i32>,
    /// An internal candidate who signed up without a company e-mail: the account waits for an access request to be
    /// approved (R35).
    pub no_seeg_email: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When a change last altered it.
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Legacy `is_internal_candidate`: what the visibility rule R14 reads.
    pub fn is_internal_candidate(&self) -> bool {
        self.role == Role::Candidate && self.candidate_kind == Some(CandidateKind::Internal)
    }

    /// What the user search `q` is compared with (B8): first name, last name and e-mail, folded. Stored beside
    /// the account by the SQL adapter (`users.search_folded`) so every backend compares the same text.
    pub fn search_folded(&self) -> String {
        Self::search_text(&self.first_name, &self.last_name, &self.email)
    }

    /// `search_folded` of an account with these names and e-mail (an adapter rewriting them in place, B7).
    pub fn search_text(first_name: &str, last_name: &str, email: &str) -> String {
        crate::search::fold(&format!("{first_name} {last_name} {email}"))
    }

    /// Which offers this account sees (R14, K3b).
    pub fn audience(&self) -> Audience {
        match self.role {
            Role::Candidate if self.is_internal_candidate() => Audience::Candidate(CandidateKind::Internal),
            Role::Candidate => Audience::Candidate(CandidateKind::External),
            Role::Admin | Role::Recruiter | Role::Observer => Audience::Staff,
        }
    }
}
