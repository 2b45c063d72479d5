//! Reading the audit trail (B2): administrators only, filtered and paged, newest first.

use std::sync::Arc;

use seeg_domain::identity::{Action, Decision, Ownership, User, decide};
use tracing::instrument;

use super::{AuditEvent, AuditFilter, AuditRepository};
use crate::store::{Page, PageOf, StoreError};

/// Why the audit trail was not listed.
#[derive(Debug, thiserror::Error)]
pub enum AuditTrailError {
    /// The caller is not an admin (S3).
    #[error("Not enough permissions")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The audit trail as staff read it.
#[derive(Debug, Clone)]
pub struct AuditTrail {
    audit: Arc<dyn AuditRepository>,
}

impl AuditTrail {
    /// The trail, read from `audit`.
    pub fn new(audit: Arc<dyn AuditRepository>) -> Self {
        Self { audit }
    }

    /// One page of the events matching `filter`, with the true total (S3: `ReadAudit`).
    #[instrument(name = "audit.list", skip_all, fields(actor.id = %actor.id))]
    pub async fn list(
        &self,
        actor: &User,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<PageOf<AuditEvent>, AuditTrailError> {
        match decide(actor.role, Action::ReadAudit, Ownership::Any) {
            Decision::Allow => Ok(self.audit.list(filter, page).await?),
            // The trail is not a per-record resource: nothing to hide, refusing is the honest answer.
            Decision::Forbid | Decision::Hide => Err(AuditTrailError::Forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use seeg_domain::identity::{Role, UserStatus};

    use super::*;

    #[derive(Debug)]
    struct OneEvent;

    #[async_trait]
    impl AuditRepository for OneEvent {
        async fn list(&self, _: &AuditFilter, _: Page) -> Result<PageOf<AuditEvent>, StoreError> {
            Ok(PageOf { items: Vec::new(), total: 1 })
        }
    }

    fn actor(role: Role) -> User {
        let now = chrono::DateTime::UNIX_EPOCH;
        User {
            id: uuid::Uuid::nil(),
            email: "x@seeg-gabon.com".to_owned(),
            first_name: "X".to_owned(),
            last_name: "Y".to_owned(),
            role,
            phone: None,
            date_of_birth: None,
            sexe: None,
            matricule: None,
            password_hash: String::new(),
            email_verified: false,
            last_login: None,
            candidate_kind: None,
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[tokio::test]
    async fn only_admins_read_the_trail() {
        let trail = AuditTrail::new(Arc::new(OneEvent));
        let page = Page { skip: 0, limit: 10 };
        let listed = trail.list(&actor(Role::Admin), &AuditFilter::default(), page).await.unwrap();
        assert_eq!(listed.total, 1);
        for role in [Role::Recruiter, Role::Observer, Role::Candidate] {
            let refused = trail.list(&actor(role), &AuditFilter::default(), page).await;
            assert!(matches!(refused, Err(AuditTrailError::Forbidden)), "{}", role.as_str());
        }
    }
}
