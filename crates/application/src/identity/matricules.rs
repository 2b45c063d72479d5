//! Matricule checks against the employees list (legacy R4, decisions S7 and K5): the public check answers whether a
//! matricule is known and nothing more (no names to anonymous callers); the candidate's own check verifies the
//! matricule stored on their account.

use std::sync::Arc;

use seeg_domain::identity::{Matricule, Role, User};
use tracing::instrument;

use super::AgentDirectory;
use crate::store::StoreError;

/// What the caller of the public check sent as `matricule`, once read from the JSON (the HTTP adapter reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatriculeQuery {
    /// Absent, null, 0 or empty: legacy "falsy".
    Missing,
    /// An integer, sent as a number or as a numeric string.
    Number(i64),
    /// Anything that is not a whole number.
    NotNumeric,
}

/// The answer of the public check: a verdict and its French message, never the agent's identity (S7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicVerdict {
    /// No matricule was sent.
    Missing,
    /// The matricule is in the employees list.
    Known,
    /// The matricule is not in the employees list.
    Unknown,
    /// What was sent is not a whole number.
    NotNumeric,
}

impl PublicVerdict {
    /// The `valid` field of the answer: only for a known matricule.
    pub const fn valid(self) -> bool {
        matches!(self, Self::Known)
    }

    /// The legacy messages (R4); the error one keeps its prefix (K5) without any internal text.
    pub const fn message(self) -> &'static str {
        match self {
            Self::Missing => "Matricule requis",
            Self::Known => "Matricule valide",
            Self::Unknown => {
                "Matricule non trouvé dans la base SEEG. Vérifiez votre matricule ou contactez les ressources humaines."
            }
            Self::NotNumeric => "Erreur lors de la vérification: le matricule doit être un nombre entier",
        }
    }
}

/// The answer of the candidate's own check (R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnVerdict {
    /// The stored matricule is in the employees list.
    Valid(Matricule),
    /// The account has no matricule.
    NoMatricule,
    /// The stored matricule is not a positive number.
    Invalid,
    /// The stored matricule is not in the employees list.
    Unknown,
}

impl OwnVerdict {
    /// The `valid` field of the answer.
    pub const fn valid(self) -> bool {
        matches!(self, Self::Valid(_))
    }

    /// The legacy reason of a failed check; `None` when valid.
    pub const fn reason(self) -> Option<&'static str> {
        match self {
            Self::Valid(_) => None,
            Self::NoMatricule => Some("Aucun matricule enregistré pour cet utilisateur"),
            Self::Invalid => Some("Matricule invalide (doit être numérique)"),
            Self::Unknown => Some("Matricule non trouvé dans seeg_agents"),
        }
    }

    /// The matricule found in the list, when valid.
    pub const fn agent_matricule(self) -> Option<i32> {
        match self {
            Self::Valid(m) => Some(m.value()),
            Self::NoMatricule | Self::Invalid | Self::Unknown => None,
        }
    }
}

/// Why the candidate's own check was refused.
#[derive(Debug, thiserror::Error)]
pub enum MatriculeCheckError {
    /// The caller is not a candidate.
    #[error("Accessible uniquement aux candidats")]
    NotCandidate,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The two matricule checks.
#[derive(Debug, Clone)]
pub struct MatriculeChecks {
    agents: Arc<dyn AgentDirectory>,
}

impl MatriculeChecks {
    /// The checks, reading the employees list from `agents`.
    pub fn new(agents: Arc<dyn AgentDirectory>) -> Self {
        Self { agents }
    }

    /// The public check: is this matricule in the employees list? (Spans carry no matricule, S12.)
    #[instrument(name = "matricules.verify", skip_all)]
    pub async fn verify(&self, query: MatriculeQuery) -> Result<PublicVerdict, StoreError> {
        let value = match query {
            MatriculeQuery::Missing | MatriculeQuery::Number(0) => return Ok(PublicVerdict::Missing),
            MatriculeQuery::NotNumeric => return Ok(PublicVerdict::NotNumeric),
            MatriculeQuery::Number(value) => value,
        };
        // Negative or beyond the column: no employee can have it.
        let Ok(matricule) = Matricule::parse_i64(value) else { return Ok(PublicVerdict::Unknown) };
        Ok(if self.agents.find(matricule.value()).await?.is_some() {
            PublicVerdict::Known
        } else {
            PublicVerdict::Unknown
        })
    }

    /// A candidate's check of the matricule stored on their account.
    #[instrument(name = "matricules.verify_own", skip_all, fields(actor.id = %actor.id))]
    pub async fn verify_own(&self, actor: &User) -> Result<OwnVerdict, MatriculeCheckError> {
        if actor.role != Role::Candidate {
            return Err(MatriculeCheckError::NotCandidate);
        }
        let matricule = match actor.matricule {
            None | Some(0) => return Ok(OwnVerdict::NoMatricule),
            Some(value) => match Matricule::parse_i64(i64::from(value)) {
                Ok(matricule) => matricule,
                Err(_) => return Ok(OwnVerdict::Invalid),
            },
        };
        Ok(if self.agents.find(matricule.value()).await?.is_some() {
            OwnVerdict::Valid(matricule)
        } else {
            OwnVerdict::Unknown
        })
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use seeg_domain::identity::UserStatus;
    use uuid::Uuid;

    use super::*;
    use crate::identity::Agent;

    #[derive(Debug)]
    struct OneAgent;

    #[async_trait]
    impl AgentDirectory for OneAgent {
        async fn upsert(&self, _: &[Agent], _: DateTime<Utc>) -> Result<u64, StoreError> {
            Ok(0)
        }
        async fn find(&self, matricule: i32) -> Result<Option<Agent>, StoreError> {
            Ok((matricule == 4242).then(|| Agent {
                matricule,
                last_name: Some("Mba".into()),
                first_name: Some("Awa".into()),
            }))
        }
    }

    fn checks() -> MatriculeChecks {
        MatriculeChecks::new(Arc::new(OneAgent))
    }

    fn user(role: Role, matricule: Option<i32>) -> User {
        User {
            id: Uuid::nil(),
            email: "awa@example.com".into(),
            first_name: "Awa".into(),
            last_name: "Mba".into(),
            role,
            phone: None,
            date_of_birth: None,
            sexe: None,
            matricule,
            password_hash: String::new(),
            email_verified: false,
            last_login: None,
            candidate_kind: None,
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[tokio::test]
    async fn the_public_check_follows_r4() {
        let checks = checks();
        for (query, verdict) in [
            (MatriculeQuery::Missing, PublicVerdict::Missing),
            (MatriculeQuery::Number(0), PublicVerdict::Missing),
            (MatriculeQuery::Number(4242), PublicVerdict::Known),
            (MatriculeQuery::Number(4243), PublicVerdict::Unknown),
            (MatriculeQuery::Number(-4242), PublicVerdict::Unknown),
            (MatriculeQuery::Number(i64::MAX), PublicVerdict::Unknown),
            (MatriculeQuery::NotNumeric, PublicVerdict::NotNumeric),
        ] {
            assert_eq!(checks.verify(query).await.unwrap(), verdict, "{query:?}");
        }
        assert!(PublicVerdict::Unknown.message().starts_with("Matricule non trouvé dans la base SEEG"));
        assert!(PublicVerdict::NotNumeric.message().starts_with("Erreur lors de la vérification"));
        assert!(PublicVerdict::Known.valid() && !PublicVerdict::Unknown.valid());
    }

    #[tokio::test]
    async fn the_own_check_is_for_candidates_and_reads_the_stored_matricule() {
        let checks = checks();
        let known = checks.verify_own(&user(Role::Candidate, Some(4242))).await.unwrap();
        assert_eq!((known.valid(), known.reason(), known.agent_matricule()), (true, None, Some(4242)));
        let unknown = checks.verify_own(&user(Role::Candidate, Some(1))).await.unwrap();
        assert_eq!(unknown.reason(), Some("Matricule non trouvé dans seeg_agents"));
        let none = checks.verify_own(&user(Role::Candidate, None)).await.unwrap();
        assert_eq!(none.reason(), Some("Aucun matricule enregistré pour cet utilisateur"));
        let negative = checks.verify_own(&user(Role::Candidate, Some(-3))).await.unwrap();
        assert_eq!(negative.reason(), Some("Matricule invalide (doit être numérique)"));
        for role in [Role::Admin, Role::Recruiter, Role::Observer] {
            assert!(matches!(checks.verify_own(&user(role, Some(4242))).await, Err(MatriculeCheckError::NotCandidate)));
        }
    }
}
