//! Offers for signed-in users (legacy §1.5): every caller reads what K3b lets it see; recruiters and admins
//! write, a recruiter only its own offers (S3); every write commits with its audit row (B2, I1).

use std::collections::BTreeMap;
use std::sync::Arc;

use seeg_domain::identity::{Action, Decision, Ownership, User, decide, may_attempt};
use seeg_domain::offers::{Audience, JobOffer, OfferChanges, OfferRuleError, OfferStatus};
use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationCounts, OfferFilter, OfferReads};
use crate::identity::{AuditEvent, RequestContext};
use crate::store::{Page, PageOf, StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// Why an offer could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OfferDeskError {
    /// The caller's role may not do this, or the offer belongs to another recruiter.
    #[error("Pas d'autorisation pour cette action sur les offres d'emploi")]
    Forbidden,
    /// No such offer, or one the caller may not see (the two are indistinguishable on purpose).
    #[error("offre d'emploi introuvable")]
    NotFound,
    /// The offer the request would produce breaks these rules; nothing was written.
    #[error("offre d'emploi invalide")]
    Invalid(Vec<OfferRuleError>),
    /// Applications exist for the offer: it cannot be deleted (I10).
    #[error("Impossible de supprimer une offre d'emploi qui a des candidatures")]
    HasApplications,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A recruiter's figures (`/jobs/recruiter/statistics`): its offers per status, and the applications to them per
/// status, counted by the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecruiterStatistics {
    /// The recruiter's offers, counted per status.
    pub offers_by_status: BTreeMap<OfferStatus, u64>,
    /// The applications to the recruiter's offers, counted per stored status word.
    pub applications_by_status: BTreeMap<String, u64>,
}

/// Offer reads and writes for signed-in callers.
#[derive(Debug, Clone)]
pub struct OfferDesk {
    uow: Arc<dyn UnitOfWork>,
    offers: OfferReads,
    applications: Arc<dyn ApplicationCounts>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

fn require(caller: &User, action: Action, ownership: Ownership) -> Result<(), OfferDeskError> {
    match decide(caller.role, action, ownership) {
        Decision::Allow => Ok(()),
        Decision::Forbid => Err(OfferDeskError::Forbidden),
        Decision::Hide => Err(OfferDeskError::NotFound),
    }
}

fn ownership(caller: &User, offer: &JobOffer) -> Ownership {
    if offer.recruiter_id == Some(caller.id) { Ownership::Own } else { Ownership::Any }
}

impl OfferDesk {
    /// Whether `caller` may change offers at all (`action` is `CreateOffer` or `UpdateOffer`), decided before
    /// the request is read: the ownership of one offer is checked by `update` itself.
    pub fn may_write(&self, caller: &User, action: Action) -> Result<(), OfferDeskError> {
        if may_attempt(caller.role, action) { Ok(()) } else { Err(OfferDeskError::Forbidden) }
    }

    /// The use case on its ports: `uow` for writes, `offers` for reads (through their cache), `applications` to
    /// refuse deleting an offer that has some.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        offers: OfferReads,
        applications: Arc<dyn ApplicationCounts>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, offers, applications, clock, ids }
    }

    /// The offers the caller sees (K3b), filtered. The caller's audience replaces the filter's; a status filter
    /// applies to staff only (candidates see active offers whatever they ask, as the legacy list did).
    #[instrument(name = "offers.list", skip_all, fields(actor.id = %caller.id, offers.skip = page.skip, offers.limit = page.limit))]
    pub async fn list(
        &self,
        caller: &User,
        mut filter: OfferFilter,
        page: Page,
    ) -> Result<Arc<PageOf<JobOffer>>, OfferDeskError> {
        require(caller, Action::ReadOffers, Ownership::Any)?;
        filter.audience = caller.audience();
        if filter.audience != Audience::Staff {
            filter.status = None;
        }
        Ok(self.offers.list(&filter, page).await?)
    }

    /// One offer, if the caller may see it (K3b); otherwise `NotFound`.
    #[instrument(name = "offers.get", skip_all, fields(actor.id = %caller.id, offer.id = %id))]
    pub async fn get(&self, caller: &User, id: Uuid) -> Result<Arc<JobOffer>, OfferDeskError> {
        require(caller, Action::ReadOffers, Ownership::Any)?;
        match self.offers.get(id).await? {
            Some(offer) if offer.is_visible_to(caller.audience()) => Ok(offer),
            _ => Err(OfferDeskError::NotFound),
        }
    }

    /// Publishes a new offer by the caller (recruiters and admins).
    #[instrument(name = "offers.create", skip_all, fields(actor.id = %caller.id))]
    pub async fn create(
        &self,
        caller: &User,
        changes: OfferChanges,
        context: &RequestContext,
    ) -> Result<JobOffer, OfferDeskError> {
        require(caller, Action::CreateOffer, Ownership::Any)?;
        let now = self.clock.now();
        let (offer, fields) =
            JobOffer::create(self.ids.new_id(), caller.id, changes, now).map_err(OfferDeskError::Invalid)?;
        let mut tx = self.uow.begin().await?;
        tx.offers().insert(&offer).await?;
        tx.audit().append(&self.audit(caller, "job_offer.created", offer.id, &fields, context)).await?;
        tx.commit().await?;
        tracing::info!(offer.id = %offer.id, "offer created");
        Ok(offer)
    }

    /// Changes an offer: its recruiter or an admin. The whole resulting offer is checked; nothing is written
    /// when it breaks a rule, or when nothing changes.
    #[instrument(name = "offers.update", skip_all, fields(actor.id = %caller.id, offer.id = %id))]
    pub async fn update(
        &self,
        caller: &User,
        id: Uuid,
        changes: OfferChanges,
        context: &RequestContext,
    ) -> Result<JobOffer, OfferDeskError> {
        let offer = self.writable(caller, Action::UpdateOffer, id).await?;
        let now = self.clock.now();
        let (updated, fields) = offer.change(changes, now).map_err(OfferDeskError::Invalid)?;
        if fields.is_empty() {
            return Ok(updated);
        }
        let mut tx = self.uow.begin().await?;
        if !tx.offers().update(&updated).await? {
            return Err(OfferDeskError::NotFound);
        }
        tx.audit().append(&self.audit(caller, "job_offer.updated", id, &fields, context)).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Deletes an offer: its recruiter or an admin, and only while it has no application (I10).
    #[instrument(name = "offers.delete", skip_all, fields(actor.id = %caller.id, offer.id = %id))]
    pub async fn delete(&self, caller: &User, id: Uuid, context: &RequestContext) -> Result<(), OfferDeskError> {
        self.writable(caller, Action::DeleteOffer, id).await?;
        if self.applications.count_for_offer(id).await? > 0 {
            return Err(OfferDeskError::HasApplications);
        }
        let mut tx = self.uow.begin().await?;
        // An application arriving meanwhile makes the database refuse the delete (no cascade): a conflict.
        match tx.offers().delete(id).await {
            Ok(true) => {}
            Ok(false) => return Err(OfferDeskError::NotFound),
            Err(StoreError::Conflict(_)) => return Err(OfferDeskError::HasApplications),
            Err(other) => return Err(other.into()),
        }
        tx.audit().append(&self.audit(caller, "job_offer.deleted", id, &[], context)).await?;
        tx.commit().await?;
        tracing::info!(offer.id = %id, "offer deleted");
        Ok(())
    }

    /// The caller's own offers, every status, newest first (`/jobs/recruiter/my-jobs`).
    #[instrument(name = "offers.own_offers", skip_all, fields(actor.id = %caller.id))]
    pub async fn own_offers(&self, caller: &User, page: Page) -> Result<Arc<PageOf<JobOffer>>, OfferDeskError> {
        require(caller, Action::ReadOwnOffers, Ownership::Own)?;
        let filter = OfferFilter { recruiter_id: Some(caller.id), ..OfferFilter::for_audience(Audience::Staff) };
        Ok(self.offers.list(&filter, page).await?)
    }

    /// The caller's figures (`/jobs/recruiter/statistics`).
    #[instrument(name = "offers.statistics", skip_all, fields(actor.id = %caller.id))]
    pub async fn statistics(&self, caller: &User) -> Result<RecruiterStatistics, OfferDeskError> {
        require(caller, Action::ReadOwnOffers, Ownership::Own)?;
        Ok(RecruiterStatistics {
            offers_by_status: self.offers.repository().count_by_status_for_recruiter(caller.id).await?,
            applications_by_status: self.applications.counts_by_status_for_recruiter(caller.id).await?,
        })
    }

    /// The offer whose applications staff want to read (`/jobs/{id}/applications`), after the permission check.
    #[instrument(name = "offers.offer_for_applications", skip_all, fields(actor.id = %caller.id, offer.id = %id))]
    pub async fn offer_for_applications(&self, caller: &User, id: Uuid) -> Result<Arc<JobOffer>, OfferDeskError> {
        require(caller, Action::ReadOfferApplications, Ownership::Any)?;
        self.offers.get(id).await?.ok_or(OfferDeskError::NotFound)
    }

    /// The stored offer, if the caller may do `action` on it: roles that never may are refused before the read;
    /// a recruiter reaching another recruiter's offer is refused after it.
    async fn writable(&self, caller: &User, action: Action, id: Uuid) -> Result<JobOffer, OfferDeskError> {
        require(caller, action, Ownership::Own)?;
        let offer = self.offers.get(id).await?.ok_or(OfferDeskError::NotFound)?;
        require(caller, action, ownership(caller, &offer))?;
        Ok(Arc::unwrap_or_clone(offer))
    }

    fn audit(
        &self,
        caller: &User,
        action: &str,
        offer_id: Uuid,
        fields: &[&str],
        context: &RequestContext,
    ) -> AuditEvent {
        let fields = fields.iter().map(|f| (*f).to_owned()).collect();
        let target = ("job_offer", offer_id);
        AuditEvent::on_target(self.ids.new_id(), caller, action, target, fields, context, self.clock.now())
    }
}
