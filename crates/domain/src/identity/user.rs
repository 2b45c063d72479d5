//! An account as stored: candidates and staff alike (legacy §2.1). Values were checked by the parsers of this
//! module when the account was created or changed; the stored state keeps them as plain values so that an
//! account imported from the legacy service always reads.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{CandidateKind, Role, Sexe, UserStatus};
use crate::offers::Audience;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    /// Lower-cased (S5).
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub sexe: Option<Sexe>,
    pub matricule: Option<i32>,
    /// bcrypt.
    pub password_hash: String,
    pub email_verified: bool,
    pub last_login: Option<DateTime<Utc>>,
    /// Candidates only (legacy `candidate_status`).
    pub candidate_kind: Option<CandidateKind>,
    /// Legacy `statut`: only `actif` accounts may sign in and use their tokens (S4).
    pub status: UserStatus,
    pub adresse: Option<String>,
    pub poste_actuel: Option<String>,
    pub annees_experience: Option<i32>,
    pub no_seeg_email: bool,
    pub created_at: DateTime<Utc>,
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
        crate::search::fold(&format!("{} {} {}", self.first_name, self.last_name, self.email))
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
