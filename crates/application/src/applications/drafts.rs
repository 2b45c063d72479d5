//! Application drafts (legacy R27, kept and made to persist by I8): while filling in an application, a candidate
//! keeps one draft per offer, the form's data and the page's state as two free JSON objects. The key is the caller
//! and the offer, never ids from the body. Only candidates draft (S3: staff do not apply); the offer must be one
//! the caller sees (K3b), an unknown and a hidden offer being the same 404. Saving writes a `draft_saved`
//! notification in the same transaction (R32); the submission of the application deletes the draft, inside its
//! own transaction, with `discard_submitted` (I8).
//!
//! The per-application routes (`/applications/{id}/draft`) name the same draft: (caller, the application's offer)
//! (R27). There the application decides access: the caller's own application (another's is the same 404 as an
//! unknown one, S3), whatever the offer's visibility since.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::identity::{Decision, Role, User};
use serde_json::{Map, Value};
use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationRepository, read_access};
use crate::identity::Notification;
use crate::offers::OfferRepository;
use crate::store::{StoreError, Transaction, UnitOfWork};
use crate::{Clock, IdGenerator};

/// One of the two free objects of a draft (`form_data`, `ui_state`): a JSON object of bounded size. `null` is the
/// empty object: saving `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftContent(Map<String, Value>);

/// Why a draft object was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DraftContentError {
    /// Neither an object nor `null`.
    #[error("doit être un objet JSON ou null")]
    NotAnObject,
    /// Over `DraftContent::MAX_BYTES` once serialized.
    #[error(
        "trop volumineux : {bytes} octets une fois sérialisé, {max} au plus ({max_kib} Kio)",
        max = DraftContent::MAX_BYTES,
        max_kib = DraftContent::MAX_BYTES / 1024
    )]
    TooLarge {
        /// Its serialized size.
        bytes: usize,
    },
}

impl DraftContent {
    /// The largest object kept, serialized as compact JSON: an application's answers fit many times over
    /// (13 MTP answers of 5 000 characters are about 130 KB at worst), a pasted document does not.
    pub const MAX_BYTES: usize = 256 * 1024;

    /// An object, or `null` (the empty object); anything else, or an object over `MAX_BYTES`, is refused.
    pub fn parse(value: Value) -> Result<Self, DraftContentError> {
        match value {
            Value::Null => Ok(Self::default()),
            Value::Object(map) => Self::from_map(map),
            _ => Err(DraftContentError::NotAnObject),
        }
    }

    /// An object, within `MAX_BYTES`.
    pub fn from_map(map: Map<String, Value>) -> Result<Self, DraftContentError> {
        let bytes = serialized_len(&map);
        if bytes > Self::MAX_BYTES {
            return Err(DraftContentError::TooLarge { bytes });
        }
        Ok(Self(map))
    }

    /// What the store read back: written by `parse`, so not checked again. A non-object is a corrupt row.
    pub fn from_stored(value: Value) -> Result<Self, StoreError> {
        match value {
            Value::Null => Ok(Self::default()),
            Value::Object(map) => Ok(Self(map)),
            _ => Err(StoreError::Unexpected(anyhow::anyhow!("brouillon : objet JSON attendu"))),
        }
    }

    /// The object.
    pub const fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The object, taken.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    /// Whether the object has no key.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The length of the compact JSON text of `map`, counted without building it.
fn serialized_len(map: &Map<String, Value>) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    // Writing a `Map` to a sink that never fails cannot fail.
    let _ = serde_json::to_writer(&mut counter, map);
    counter.0
}

/// A candidate's draft application for one offer (legacy §2.7, keyed by (user, offer): no surrogate id, D25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The candidate whose draft it is.
    pub user_id: Uuid,
    /// The offer the draft applies to.
    pub job_offer_id: Uuid,
    /// The form's data, as the front end sent it.
    pub form_data: DraftContent,
    /// The page's state, as the front end sent it.
    pub ui_state: DraftContent,
    /// When it was first saved (kept by later saves).
    pub created_at: DateTime<Utc>,
    /// When it was last saved.
    pub updated_at: DateTime<Utc>,
}

/// Reads drafts. Contract: `get` returns the draft of (user, offer), or `None` when there is none (unknown user
/// or offer included); the objects read back equal to what was saved.
#[async_trait]
pub trait DraftRepository: Send + Sync + std::fmt::Debug {
    /// The draft of (user, offer), if any.
    async fn get(&self, user_id: Uuid, job_offer_id: Uuid) -> Result<Option<Draft>, StoreError>;
}

/// Writes drafts inside a transaction.
///
/// Contract: there is at most one draft per (user, offer), the primary key decides, so concurrent first saves
/// leave one. `save` inserts the draft when there is none; otherwise it replaces `form_data`, `ui_state` and
/// `updated_at` of the stored one and keeps its `created_at`. The user and the offer must exist (foreign keys:
/// `StoreError::Unexpected` otherwise); deleting the offer or the user deletes its drafts. `delete` removes the
/// draft of (user, offer) and says whether there was one.
#[async_trait]
pub trait DraftWriter: Send {
    /// Inserts the draft, or replaces the stored one's objects (see the contract above).
    async fn save(&mut self, draft: &Draft) -> Result<(), StoreError>;
    /// Removes the draft of (user, offer); `false` when there was none.
    async fn delete(&mut self, user_id: Uuid, job_offer_id: Uuid) -> Result<bool, StoreError>;
}

/// Deletes the caller's draft for the offer inside `tx`, the transaction that submits the application (I8: the
/// legacy service kept drafts after submission). `true` when there was one. Commits nothing by itself.
pub async fn discard_submitted(
    tx: &mut dyn Transaction,
    user_id: Uuid,
    job_offer_id: Uuid,
) -> Result<bool, StoreError> {
    tx.drafts().delete(user_id, job_offer_id).await
}

/// Why a draft could not be read, saved or deleted.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// Staff do not apply, so they keep no draft (S3).
    #[error("Seuls les candidats ont des brouillons de candidature")]
    NotACandidate,
    /// No such offer, or one the caller may not see (the two are indistinguishable on purpose, K3b).
    #[error("offre d'emploi introuvable")]
    OfferNotFound,
    /// No such application, or another candidate's (indistinguishable on purpose, S3).
    #[error("candidature introuvable")]
    ApplicationNotFound,
    /// The account stopped being active (blocked, archived, erased) since the caller's token was checked.
    #[error("Compte inactif")]
    AccountInactive,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The caller's drafts, one per offer.
#[derive(Debug, Clone)]
pub struct Drafts {
    uow: Arc<dyn UnitOfWork>,
    stored: Arc<dyn DraftRepository>,
    offers: Arc<dyn OfferRepository>,
    applications: Arc<dyn ApplicationRepository>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
}

impl Drafts {
    /// Whether `caller` may keep drafts at all (candidates), decided before the request is read.
    pub fn may_save(&self, caller: &User) -> Result<(), DraftError> {
        if caller.role == Role::Candidate { Ok(()) } else { Err(DraftError::NotACandidate) }
    }

    /// The use case on its ports: `drafts` reads what was saved, `offers` and `applications` decide which draft the
    /// caller may reach.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        drafts: Arc<dyn DraftRepository>,
        offers: Arc<dyn OfferRepository>,
        applications: Arc<dyn ApplicationRepository>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self { uow, stored: drafts, offers, applications, clock, ids }
    }

    /// The caller's draft for the offer, or `None` when it has none.
    #[instrument(name = "applications.drafts.get", skip_all, fields(user.id = %caller.id, offer.id = %job_offer_id))]
    pub async fn get(&self, caller: &User, job_offer_id: Uuid) -> Result<Option<Draft>, DraftError> {
        self.visible_offer(caller, job_offer_id).await?;
        Ok(self.stored.get(caller.id, job_offer_id).await?)
    }

    /// The caller's draft for the offer of its application `application_id`, or `None` when it has none.
    #[instrument(name = "applications.drafts.get_for_application", skip_all, fields(user.id = %caller.id, application.id = %application_id))]
    pub async fn get_for_application(&self, caller: &User, application_id: Uuid) -> Result<Option<Draft>, DraftError> {
        let job_offer_id = self.own_application_offer(caller, application_id).await?;
        Ok(self.stored.get(caller.id, job_offer_id).await?)
    }

    /// Saves the caller's draft for the offer whole (both objects replaced, as the legacy upsert did), with a
    /// `draft_saved` notification, in one transaction.
    #[instrument(name = "applications.drafts.save", skip_all, fields(user.id = %caller.id, offer.id = %job_offer_id))]
    pub async fn save(
        &self,
        caller: &User,
        job_offer_id: Uuid,
        form_data: DraftContent,
        ui_state: DraftContent,
    ) -> Result<Draft, DraftError> {
        let offer_title = self.visible_offer(caller, job_offer_id).await?;
        self.save_keyed(caller, job_offer_id, &offer_title, form_data, ui_state).await
    }

    /// Saves the caller's draft for the offer of its application `application_id`, as `save` does.
    #[instrument(name = "applications.drafts.save_for_application", skip_all, fields(user.id = %caller.id, application.id = %application_id))]
    pub async fn save_for_application(
        &self,
        caller: &User,
        application_id: Uuid,
        form_data: DraftContent,
        ui_state: DraftContent,
    ) -> Result<Draft, DraftError> {
        let job_offer_id = self.own_application_offer(caller, application_id).await?;
        let offer = self.offers.get(job_offer_id).await?.ok_or(DraftError::OfferNotFound)?;
        self.save_keyed(caller, job_offer_id, &offer.title, form_data, ui_state).await
    }

    async fn save_keyed(
        &self,
        caller: &User,
        job_offer_id: Uuid,
        offer_title: &str,
        form_data: DraftContent,
        ui_state: DraftContent,
    ) -> Result<Draft, DraftError> {
        let now = self.clock.now();
        let draft = Draft { user_id: caller.id, job_offer_id, form_data, ui_state, created_at: now, updated_at: now };
        let mut tx = self.uow.begin().await?;
        // Under the account's lock: a request in flight during an erasure (B7) must not write a draft back.
        if !crate::identity::still_active(tx.as_mut(), caller.id).await? {
            return Err(DraftError::AccountInactive);
        }
        tx.drafts().save(&draft).await?;
        tx.notifications().insert(&self.saved_notice(caller, job_offer_id, offer_title, now)).await?;
        tx.commit().await?;
        tracing::info!("draft saved");
        // Read back: an existing draft keeps its creation time.
        Ok(self.stored.get(caller.id, job_offer_id).await?.unwrap_or(draft))
    }

    /// Deletes the caller's draft for the offer; nothing to delete is no error. The caller's own draft can be
    /// deleted even once the offer is no longer visible to it (closed, say); otherwise the offer must be visible.
    #[instrument(name = "applications.drafts.delete", skip_all, fields(user.id = %caller.id, offer.id = %job_offer_id))]
    pub async fn delete(&self, caller: &User, job_offer_id: Uuid) -> Result<(), DraftError> {
        if caller.role != Role::Candidate {
            return Err(DraftError::NotACandidate);
        }
        if !self.delete_keyed(caller, job_offer_id).await? {
            self.visible_offer(caller, job_offer_id).await?;
        }
        Ok(())
    }

    /// Deletes the caller's draft for the offer of its application `application_id`; nothing to delete is no
    /// error.
    #[instrument(name = "applications.drafts.delete_for_application", skip_all, fields(user.id = %caller.id, application.id = %application_id))]
    pub async fn delete_for_application(&self, caller: &User, application_id: Uuid) -> Result<(), DraftError> {
        let job_offer_id = self.own_application_offer(caller, application_id).await?;
        self.delete_keyed(caller, job_offer_id).await?;
        Ok(())
    }

    async fn delete_keyed(&self, caller: &User, job_offer_id: Uuid) -> Result<bool, DraftError> {
        let mut tx = self.uow.begin().await?;
        let deleted = tx.drafts().delete(caller.id, job_offer_id).await?;
        tx.commit().await?;
        tracing::info!(draft.deleted = deleted, "draft deleted");
        Ok(deleted)
    }

    /// The title of the offer, if the caller is a candidate who may see it.
    async fn visible_offer(&self, caller: &User, job_offer_id: Uuid) -> Result<String, DraftError> {
        if caller.role != Role::Candidate {
            return Err(DraftError::NotACandidate);
        }
        match self.offers.get(job_offer_id).await? {
            Some(offer) if offer.is_visible_to(caller.audience()) => Ok(offer.title),
            _ => Err(DraftError::OfferNotFound),
        }
    }

    /// The offer of the application, if the caller is the candidate who submitted it (S3: staff keep no draft,
    /// 403; another candidate's application is 404, as an unknown one).
    async fn own_application_offer(&self, caller: &User, application_id: Uuid) -> Result<Uuid, DraftError> {
        if caller.role != Role::Candidate {
            return Err(DraftError::NotACandidate);
        }
        let application = self.applications.get(application_id).await?.ok_or(DraftError::ApplicationNotFound)?;
        match read_access(caller, &application) {
            Decision::Allow => Ok(application.job_offer_id),
            Decision::Hide | Decision::Forbid => Err(DraftError::ApplicationNotFound),
        }
    }

    fn saved_notice(&self, caller: &User, job_offer_id: Uuid, offer_title: &str, now: DateTime<Utc>) -> Notification {
        Notification {
            id: self.ids.new_id(),
            user_id: caller.id,
            related_application_id: None,
            title: "Brouillon enregistré".to_owned(),
            message: format!(
                "Votre brouillon de candidature pour l'offre « {offer_title} » a été enregistré. Vous pouvez le \
                 reprendre à tout moment."
            ),
            kind: "draft_saved".to_owned(),
            link: Some(format!("/jobs/{job_offer_id}/apply")),
            read: false,
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_object_or_null_is_kept_and_anything_else_refused() {
        let object = DraftContent::parse(json!({"step": 2, "answers": ["a", "b"]})).unwrap();
        assert_eq!(object.to_value(), json!({"step": 2, "answers": ["a", "b"]}));
        assert!(DraftContent::parse(Value::Null).unwrap().is_empty());
        for other in [json!([1, 2]), json!("texte"), json!(3), json!(true)] {
            assert_eq!(DraftContent::parse(other.clone()), Err(DraftContentError::NotAnObject), "{other}");
        }
    }

    #[test]
    fn the_size_bound_is_the_compact_json_length_and_the_message_names_it() {
        // `{"t":"…"}` is 8 bytes around the text.
        let at_limit = "x".repeat(DraftContent::MAX_BYTES - 8);
        assert!(DraftContent::parse(json!({ "t": at_limit })).is_ok());
        let over = "x".repeat(DraftContent::MAX_BYTES - 7);
        let error = DraftContent::parse(json!({ "t": over })).unwrap_err();
        assert_eq!(error, DraftContentError::TooLarge { bytes: DraftContent::MAX_BYTES + 1 });
        assert_eq!(error.to_string(), "trop volumineux : 262145 octets une fois sérialisé, 262144 au plus (256 Kio)");
    }
}
