//! The access-request desk (legacy §1.3, R35, decisions I8 and S3): internal candidates without a company e-mail
//! wait, `en_attente`, until a recruiter or an admin approves (account `actif`) or rejects (account `bloqué`)
//! their request. Each decision is audited (B2) and e-mailed to the applicant (R37, through the outbox) in the
//! transaction that makes it.

use std::sync::Arc;

use chrono::NaiveDate;
use seeg_domain::identity::{
    AccessRequestStatus, Action, Decision, Ownership, RejectionReason, Sexe, User, UserStatus, decide,
};
use tracing::instrument;
use uuid::Uuid;

use super::{
    AccessRequest, AccessRequestCounts, AccessRequestFilter, AccessRequestRepository, AuditEvent, RequestContext,
    UserRepository,
};
use crate::mail::{Outgoing, queue_mail, templates};
use crate::store::{Page, StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an access-request action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccessRequestError {
    /// The caller may not do this (S3: reviewing is for recruiters and admins).
    #[error("Accès réservé aux recruteurs et administrateurs")]
    Forbidden,
    /// No request with this id.
    #[error("demande d'accès introuvable")]
    NotFound,
    /// The request was already approved or rejected.
    #[error("La demande a déjà été traitée (statut: {0})")]
    AlreadyProcessed(AccessRequestStatus),
    /// The account is no longer waiting (an administrator activated, blocked or archived it): a decision on
    /// the request may not override theirs.
    #[error("Le compte n'est plus en attente (statut: {0}) : la demande ne peut plus être traitée")]
    AccountNotPending(UserStatus),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A request with the applicant's account fields that the legacy response left empty (D26; I8 fills them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequestView {
    /// The request.
    pub request: AccessRequest,
    /// The applicant's birth date.
    pub date_of_birth: Option<NaiveDate>,
    /// The applicant's `sexe`.
    pub sexe: Option<Sexe>,
    /// The applicant's postal address.
    pub adresse: Option<String>,
    /// The account's current statut; `None` only if the account vanished.
    pub user_statut: Option<UserStatus>,
}

/// One page of requests, the true total (F5) and the global counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRequestsPage {
    /// The requests of the page, newest first.
    pub items: Vec<AccessRequestView>,
    /// How many requests match, across every page.
    pub total: u64,
    /// The global counters, whatever the filter.
    pub counts: AccessRequestCounts,
}

/// Access-request use cases.
#[derive(Debug, Clone)]
pub struct AccessRequestDesk {
    uow: Arc<dyn UnitOfWork>,
    requests: Arc<dyn AccessRequestRepository>,
    users: Arc<dyn UserRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

fn allowed(role_decision: Decision) -> Result<(), AccessRequestError> {
    match role_decision {
        Decision::Allow => Ok(()),
        // Access requests belong to no candidate: a candidate is refused, not hidden from them.
        Decision::Forbid | Decision::Hide => Err(AccessRequestError::Forbidden),
    }
}

/// A decision on a pending request.
enum Review {
    Approve,
    Reject(RejectionReason),
}

impl AccessRequestDesk {
    /// Whether `actor` may review requests at all, decided before the request is read.
    pub fn may_review(&self, actor: &User) -> Result<(), AccessRequestError> {
        allowed(decide(actor.role, Action::HandleAccessRequests, Ownership::Any))
    }

    /// The desk on its ports: `requests` reads the requests, `users` their applicants' accounts.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        requests: Arc<dyn AccessRequestRepository>,
        users: Arc<dyn UserRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, requests, users, clock, ids }
    }

    /// Lists requests, newest first, with the counters (recruiters and admins: the people who decide).
    #[instrument(name = "access_requests.list", skip_all, fields(actor.id = %actor.id))]
    pub async fn list(
        &self,
        actor: &User,
        filter: &AccessRequestFilter,
        page: Page,
    ) -> Result<AccessRequestsPage, AccessRequestError> {
        allowed(decide(actor.role, Action::HandleAccessRequests, Ownership::Any))?;
        let found = self.requests.list(filter, page).await?;
        let counts = self.requests.counts().await?;
        // Three queries whatever the page size: the page (with its total), the counters, the applicants.
        let ids: Vec<Uuid> = found.items.iter().map(|r| r.user_id).collect();
        let applicants: std::collections::HashMap<Uuid, User> =
            self.users.get_many(&ids).await?.into_iter().map(|u| (u.id, u)).collect();
        let items = found.items.into_iter().map(|r| {
            let applicant = applicants.get(&r.user_id);
            view(r, applicant)
        });
        let items = items.collect();
        Ok(AccessRequestsPage { items, total: found.total, counts })
    }

    /// How many pending requests nobody has viewed yet (observers too: it is a read).
    #[instrument(name = "access_requests.unviewed_count", skip_all, fields(actor.id = %actor.id))]
    pub async fn unviewed_count(&self, actor: &User) -> Result<u64, AccessRequestError> {
        allowed(decide(actor.role, Action::ReadAccessRequests, Ownership::Any))?;
        Ok(self.requests.counts().await?.unviewed)
    }

    /// Marks every pending, unviewed request as viewed; returns how many. Allowed to whoever may read requests
    /// (legacy: observers included): it records that the requests were seen, and decides nothing.
    #[instrument(name = "access_requests.mark_all_viewed", skip_all, fields(actor.id = %actor.id))]
    pub async fn mark_all_viewed(&self, actor: &User, context: &RequestContext) -> Result<u64, AccessRequestError> {
        // A stored flag changes: a write, so not for observers (S3 wins over the legacy route's access).
        allowed(decide(actor.role, Action::HandleAccessRequests, Ownership::Any))?;
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        let marked = tx.access_requests().mark_all_viewed(now).await?;
        if marked > 0 {
            tx.audit()
                .append(&AuditEvent {
                    id: self.ids.new_id(),
                    actor_id: Some(actor.id),
                    action: "access_request.viewed".to_owned(),
                    target_type: Some("access_request".to_owned()),
                    target_id: None,
                    request_id: context.request_id.clone(),
                    changed_fields: vec!["viewed".to_owned()],
                    occurred_at: now,
                })
                .await?;
        }
        tx.commit().await?;
        Ok(marked)
    }

    /// Approves a pending request: the account becomes `actif` and may sign in.
    #[instrument(name = "access_requests.approve", skip_all, fields(actor.id = %actor.id, access_request.id = %id))]
    pub async fn approve(
        &self,
        actor: &User,
        id: Uuid,
        context: &RequestContext,
    ) -> Result<AccessRequestView, AccessRequestError> {
        self.review(actor, id, Review::Approve, context).await
    }

    /// Rejects a pending request with its reason: the account becomes `bloqué`.
    #[instrument(name = "access_requests.reject", skip_all, fields(actor.id = %actor.id, access_request.id = %id))]
    pub async fn reject(
        &self,
        actor: &User,
        id: Uuid,
        reason: RejectionReason,
        context: &RequestContext,
    ) -> Result<AccessRequestView, AccessRequestError> {
        self.review(actor, id, Review::Reject(reason), context).await
    }

    async fn review(
        &self,
        actor: &User,
        id: Uuid,
        review: Review,
        context: &RequestContext,
    ) -> Result<AccessRequestView, AccessRequestError> {
        allowed(decide(actor.role, Action::HandleAccessRequests, Ownership::Any))?;
        let mut request = self.requests.get(id).await?.ok_or(AccessRequestError::NotFound)?;
        if request.status != AccessRequestStatus::Pending {
            return Err(AccessRequestError::AlreadyProcessed(request.status));
        }
        let now = self.clock.now();
        let mut tx = self.uow.begin().await?;
        // The account is read under the transaction's lock: an administrator's block or archive committed
        // meanwhile is seen, and a decision on the request never overrides it.
        let mut applicant = tx.users().lock(request.user_id).await?.ok_or_else(|| {
            StoreError::Unexpected(anyhow::anyhow!("compte {} de la demande {id} introuvable", request.user_id))
        })?;
        if applicant.status != UserStatus::Pending {
            return Err(AccessRequestError::AccountNotPending(applicant.status));
        }
        let (status, account_status, action, mut changed, rendered) = match review {
            Review::Approve => (
                AccessRequestStatus::Approved,
                UserStatus::Active,
                "access_request.approved",
                Vec::new(),
                templates::access_approved(&applicant),
            ),
            Review::Reject(reason) => {
                request.rejection_reason = Some(reason.as_str().to_owned());
                (
                    AccessRequestStatus::Rejected,
                    UserStatus::Blocked,
                    "access_request.rejected",
                    vec!["rejection_reason"],
                    templates::access_rejected(&applicant, reason.as_str()),
                )
            }
        };
        request.status = status;
        request.reviewed_at = Some(now);
        request.reviewed_by = Some(actor.id);
        request.updated_at = now;
        changed.extend(["status", "reviewed_at", "reviewed_by", "user.statut"]);
        applicant.status = account_status;
        applicant.updated_at = now;

        if !tx.access_requests().record_review(&request).await? {
            // Another reviewer decided between our read and our write.
            drop(tx);
            let current = self.requests.get(id).await?.ok_or(AccessRequestError::NotFound)?;
            return Err(AccessRequestError::AlreadyProcessed(current.status));
        }
        tx.users().update(&applicant).await?;
        if account_status != UserStatus::Active {
            tx.refresh_tokens().revoke_user(applicant.id, now).await?;
        }
        tx.audit()
            .append(&AuditEvent {
                id: self.ids.new_id(),
                actor_id: Some(actor.id),
                action: action.to_owned(),
                target_type: Some("access_request".to_owned()),
                target_id: Some(id.to_string()),
                request_id: context.request_id.clone(),
                changed_fields: changed.into_iter().map(str::to_owned).collect(),
                occurred_at: now,
            })
            .await?;
        let kind = if status == AccessRequestStatus::Approved { "access_approved" } else { "access_rejected" };
        let mail = Outgoing::new(kind, &applicant.email, rendered).for_account(applicant.id);
        queue_mail(tx.as_mut(), self.ids.as_ref(), mail, now).await?;
        tx.commit().await?;
        tracing::info!(user.id = %applicant.id, access_request.status = %status, "access request reviewed");
        Ok(view(request, Some(&applicant)))
    }
}

fn view(request: AccessRequest, applicant: Option<&User>) -> AccessRequestView {
    AccessRequestView {
        date_of_birth: applicant.and_then(|u| u.date_of_birth),
        sexe: applicant.and_then(|u| u.sexe),
        adresse: applicant.and_then(|u| u.adresse.clone()),
        user_statut: applicant.map(|u| u.status),
        request,
    }
}
