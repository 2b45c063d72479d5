//! The erasure of an account (B7): an administrator, with a reason, or the retention job, has every personal
//! value held about a person replaced or deleted, in one transaction, and what lives outside the database (the
//! stored documents, the data lake's objects) removed after it by an outbox event (`privacy.erased`), retried
//! until done.
//!
//! What stays: the account's row (its id, role, dates; status `archivé`; e-mail and names replaced), its
//! applications' rows (offer, status, dates, scores: the recruitment's statistics), the history of statuses and
//! the audit trail (ids, actions and field names only). What goes: everything that names or describes the
//! person (see [`ErasureWriter`]'s contract).
//!
//! An application still in progress is a recruitment under way: the erasure is refused while one is, unless the
//! administrator forces it, which closes each such application as `retiree` with a history line saying why.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{EmailAddress, Role, User};
use tracing::instrument;
use uuid::Uuid;

use crate::identity::{AuditEvent, RequestContext};
use crate::outbox::OutboxEvent;
use crate::store::{StoreError, UnitOfWork};
use crate::{Clock, IdGenerator};

/// The outbox event kind that removes an erased account's documents from the store and its objects from the
/// data lake.
pub const PERSONAL_DATA_ERASED: &str = "privacy.erased";

/// The domain of the address an erased account keeps (RFC 2606: `.invalid` never delivers).
pub const ERASED_DOMAIN: &str = "compte-efface.invalid";

/// The first name an erased account shows.
pub const ERASED_FIRST_NAME: &str = "Compte";

/// The last name an erased account shows.
pub const ERASED_LAST_NAME: &str = "effacé";

/// What stands in the place of a text the erasure removed where the column cannot be empty (an e-mail's subject).
pub const ERASED_TEXT: &str = "[effacé]";

/// The password hash an erased account keeps: not a bcrypt hash, so no password ever verifies against it.
pub const ERASED_PASSWORD_HASH: &str = "!effacé";

/// The history note of an application an erasure closed.
pub const CLOSED_NOTE: &str = "Candidature close par l'effacement des données personnelles du candidat.";

/// The address an erased account keeps: unique, and never delivered.
pub fn erased_email(user_id: Uuid) -> String {
    format!("efface-{}@{ERASED_DOMAIN}", user_id.simple())
}

/// Whether `text` names `address` (lower-cased) as a whole address, not inside a longer one (`xa@b.ga` does not
/// name `a@b.ga`); case-insensitive.
pub fn mentions_address(text: &str, address: &str) -> bool {
    let text = text.to_lowercase();
    let part_of_address = |c: char| c.is_alphanumeric() || "._%+-@".contains(c);
    text.match_indices(address).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + address.len()..].chars().next();
        // A dot after is a sentence's end unless a letter follows it (`a@b.ga.evil`).
        let after_ok = match after {
            None => true,
            Some('.') => !text[at + address.len() + 1..].chars().next().is_some_and(char::is_alphanumeric),
            Some(c) => !part_of_address(c),
        };
        !before.is_some_and(part_of_address) && after_ok
    })
}

/// The address an e-mail log row was sent to, before its copies (`email_logs.to` lists it first), lower-cased:
/// for a row addressed to an account (`user_id`), the address the account had then.
pub fn first_recipient(to: &str) -> String {
    to.split(',').next().unwrap_or_default().trim().to_lowercase()
}

/// The addresses the account had before (`ErasureWriter`'s contract), from the recipients (`to`) of the e-mail
/// log rows addressed to it: each row's first recipient, when it is a well-formed address other than
/// `plan.email`; sorted, once each. The caller then leaves out those another account holds now.
pub fn former_addresses<'a>(plan: &ErasurePlan, addressed_to_it: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let current = plan.email.to_lowercase();
    let mut former: Vec<String> = addressed_to_it
        .into_iter()
        .map(first_recipient)
        .filter(|address| *address != current && EmailAddress::parse(address).is_ok_and(|a| a.as_str() == address))
        .collect();
    former.sort_unstable();
    former.dedup();
    former
}

/// Whether the recipient at position `at` of a log row addressed to `account` may be the person `subject`'s: any
/// but the first of a row addressed to another account, which is that account's own address then (even one the
/// person holds now: an address an administrator moved).
fn may_be_theirs(at: usize, account: Option<Uuid>, subject: Uuid) -> bool {
    !(at == 0 && account.is_some_and(|a| a != subject))
}

/// Whether `address` (lower-cased) is among a log row's recipients (`to`) as the address of the person `subject`
/// (`may_be_theirs`); `account` is the account the row was addressed to (`user_id`).
pub fn lists_address(to: &str, account: Option<Uuid>, subject: Uuid, address: &str) -> bool {
    to.split(',')
        .enumerate()
        .any(|(at, recipient)| may_be_theirs(at, account, subject) && recipient.trim().eq_ignore_ascii_case(address))
}

/// What the erasure `plan` leaves of an e-mail log row's recipients (`to`: the address, then the copies), or
/// `None` when the row is not the erased person's (`ErasureWriter`'s contract). `account` is the account the row
/// was addressed to (`user_id`), `about` whether it is about one of the person's applications, `html` its body,
/// `former` the account's former addresses (`former_addresses`, less those another account holds now).
///
/// The person's rows: addressed to the account (whatever address it had then), about one of its applications,
/// with its address among the recipients, whose body names its address, or, addressed to no account (the support
/// inbox's notice of an access request), whose body names a former one. The first recipient of a row addressed to
/// another account is that account's address then, even one the person holds now (an address an administrator
/// moved): such a row is not the person's by that address, nor by its body naming it. In the person's rows, the
/// first recipient of a row addressed to the account and every recipient equal to the person's address or a former
/// one (but that first one of another account's row) become `plan.erased_email`; the other recipients stay.
pub fn erased_recipients(
    to: &str,
    account: Option<Uuid>,
    about: bool,
    html: &str,
    plan: &ErasurePlan,
    former: &[String],
) -> Option<String> {
    let (subject, address) = (plan.record.user_id, plan.email.to_lowercase());
    let addressed = account == Some(subject);
    let another = account.is_some_and(|a| a != subject);
    // Another account's row whose own address then is the person's now (moved): that account's, whatever it says.
    let moved = another && first_recipient(to) == address;
    let listed = lists_address(to, account, subject, &address);
    let named = (!moved && mentions_address(html, &address))
        || (account.is_none() && former.iter().any(|former| mentions_address(html, former)));
    if !(addressed || about || listed || named) {
        return None;
    }
    let recipients: Vec<String> = to
        .split(',')
        .enumerate()
        .map(|(at, recipient)| {
            let lowered = recipient.trim().to_lowercase();
            let theirs = lowered == address || former.contains(&lowered);
            if (at == 0 && addressed) || (theirs && may_be_theirs(at, account, subject)) {
                plan.erased_email.clone()
            } else {
                recipient.trim().to_owned()
            }
        })
        .collect();
    Some(recipients.join(", "))
}

/// Why an account is erased, trimmed: between `MIN_CHARS` and `MAX_CHARS` characters, no control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureReason(String);

impl ErasureReason {
    /// Fewest characters, once trimmed.
    pub const MIN_CHARS: usize = 5;
    /// Most characters.
    pub const MAX_CHARS: usize = 1_000;

    /// Trims `raw` and checks it.
    pub fn parse(raw: &str) -> Result<Self, ErasureError> {
        let reason = raw.trim();
        let chars = reason.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(ErasureError::InvalidReason(format!(
                "La raison de l'effacement doit compter entre {} et {} caractères",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            )));
        }
        if reason.chars().any(|c| c.is_control() && c != '\n') {
            return Err(ErasureError::InvalidReason(
                "La raison de l'effacement contient un caractère de contrôle".to_owned(),
            ));
        }
        Ok(Self(reason.to_owned()))
    }

    /// The reason, trimmed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an erasure was refused.
#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    /// No such account.
    #[error("compte introuvable")]
    NotFound,
    /// The caller is not an administrator.
    #[error("Seul un administrateur peut effacer les données d'un compte")]
    Forbidden,
    /// An administrator's own account.
    #[error("Un administrateur ne peut pas effacer son propre compte")]
    OwnAccount,
    /// A staff account: erasure is for candidates' data (a staff account is deactivated instead).
    #[error("Seuls les comptes candidats peuvent être effacés ; un compte du personnel se désactive")]
    NotACandidate,
    /// Applications still in progress, and the erasure was not forced.
    #[error(
        "Le candidat a {0} candidature(s) en cours : clôturez-les, ou forcez l'effacement (force = true) avec une raison"
    )]
    ApplicationsInProgress(usize),
    /// The reason is missing, too short, too long or holds a control character.
    #[error("{0}")]
    InvalidReason(String),
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An erasure, as recorded (one per account: a second asks nothing more and answers this one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasureRecord {
    /// The account erased.
    pub user_id: Uuid,
    /// When.
    pub erased_at: DateTime<Utc>,
    /// The administrator who asked; `None` for the retention job.
    pub erased_by: Option<Uuid>,
    /// Why.
    pub reason: String,
    /// Whether applications in progress were closed to allow it.
    pub forced: bool,
    /// How many applications in progress it closed.
    pub applications_closed: u32,
    /// How many documents it removed.
    pub documents_deleted: u32,
}

/// Where an account stands, read (and, on PostgreSQL, locked) inside the erasure's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountStanding {
    /// The address it has now (the mail log is searched for it).
    pub email: String,
    /// Whether it was erased already.
    pub erased: bool,
    /// Its applications and their statuses.
    pub applications: Vec<(Uuid, ApplicationStatus)>,
    /// Its role.
    pub role: Role,
    /// Its last activity: the latest of its creation, its last sign-in and its applications' last change.
    pub last_activity: DateTime<Utc>,
}

/// What an erasure writes, decided by the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErasurePlan {
    /// The record to keep (its `documents_deleted` is filled in by the writer's answer, not read).
    pub record: ErasureRecord,
    /// The account's address before the erasure: the e-mails logged to exactly it are erased too.
    pub email: String,
    /// The address it gets (`erased_email`).
    pub erased_email: String,
    /// The applications to close, each with the id of its history line: they move to `retiree` with
    /// `CLOSED_NOTE`, by `record.erased_by`.
    pub closing: Vec<(Uuid, ApplicationStatus, Uuid)>,
}

/// What an erasure removed from the database that lives elsewhere too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasedData {
    /// The account's applications (their lake objects are rewritten or removed).
    pub application_ids: Vec<Uuid>,
    /// The storage keys of the documents whose rows were deleted (the objects go once no other row names them).
    pub document_keys: Vec<String>,
}

/// The erasure, inside a transaction.
///
/// Contract, for `erase`, on account `plan.record.user_id` (every step in the caller's transaction):
/// - the account: e-mail `plan.erased_email`, names `ERASED_FIRST_NAME`/`ERASED_LAST_NAME`, no phone, birth
///   date, sex, matricule, address, position or experience, a password that verifies nothing, e-mail not
///   verified, status `archivé`, inactive, its search text refolded;
/// - deleted: its candidate profile, access requests, drafts, sessions (refresh tokens), password resets, upload
///   reservations, e-mail preferences, idempotency records, its notifications and every notification about one of
///   its applications (staff's included), and the answers other accounts' idempotency records keep that hold its
///   address, a former one, its id or one of its applications' ids;
/// - its applications: references and MTP answers removed; their documents' rows deleted (their keys answered);
///   the notes of their history, the comments and notes of their evaluations, the candidate's name and notes on
///   their interview slots removed; `plan.closing` applied;
/// - its former addresses: `former_addresses` of the recipients of the e-mail log rows addressed to it
///   (`user_id`), less those another account holds now;
/// - the e-mail log rows that are the person's (`erased_recipients` says which: addressed to the account by
///   `user_id`, whatever address it had then, about its applications, to `plan.email`, or naming it or a former
///   address): recipients as `erased_recipients` answers, subject `ERASED_TEXT`, body and metadata removed, a
///   `queued` or `failed` one `dead` (`last_error` `erased`); the outbox events of the same ids (a `mail.send`
///   carries the address and the text) deleted, so a queued one is never sent; any other outbox event whose
///   payload holds `plan.email` (a password reset asked for), whatever its state, and any done one whose payload
///   holds a former address (a pending or dead one may be someone else's business now);
/// - the record kept (`erasure_record` reads it back).
///
/// `standing` reads where the account stands, `None` when unknown; on PostgreSQL it locks the account's row
/// until the transaction ends, so two erasures of one account run one after the other.
#[async_trait]
pub trait ErasureWriter: Send {
    /// Where account `user_id` stands (see the contract).
    async fn standing(&mut self, user_id: Uuid) -> Result<Option<AccountStanding>, StoreError>;
    /// Erases as the contract says.
    async fn erase(&mut self, plan: &ErasurePlan) -> Result<ErasedData, StoreError>;
}

/// The erasures recorded.
#[async_trait]
pub trait ErasureRepository: Send + Sync + std::fmt::Debug {
    /// The erasure of account `user_id`, if it was erased.
    async fn erasure_record(&self, user_id: Uuid) -> Result<Option<ErasureRecord>, StoreError>;
}

/// Who asks for an erasure through [`AccountErasure::erase`] (the retention job asks through
/// [`super::InactiveAccountEraser`]).
#[derive(Debug, Clone, Copy)]
pub enum Eraser<'a> {
    /// An account (it must be an administrator's).
    Account(&'a User, &'a RequestContext),
}

/// Who asks, inside the use case.
#[derive(Debug, Clone, Copy)]
enum Asker<'a> {
    /// An administrator's request.
    Account(&'a User, &'a RequestContext),
    /// The retention job, for an account warned at this time: never forced, and declined when the account was
    /// active since.
    Retention(DateTime<Utc>),
}

/// What one erasure did.
#[derive(Debug)]
enum Outcome {
    /// Erased now.
    Erased(ErasureRecord),
    /// Erased already (perhaps by another request at the same time): its first record.
    Already(ErasureRecord),
    /// The retention job's account was active since its warning (read under the account's lock): kept.
    Declined,
}

/// The erasure of accounts (B7).
#[derive(Debug, Clone)]
pub struct AccountErasure {
    uow: Arc<dyn UnitOfWork>,
    erasures: Arc<dyn ErasureRepository>,
    ids: Arc<dyn IdGenerator>,
    clock: Arc<dyn Clock>,
}

impl AccountErasure {
    /// The use case on its ports.
    pub fn new(
        uow: Arc<dyn UnitOfWork>,
        erasures: Arc<dyn ErasureRepository>,
        ids: Arc<dyn IdGenerator>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { uow, erasures, ids, clock }
    }

    /// Whether `caller` may erase accounts: administrators only.
    pub fn may_erase(caller: &User) -> Result<(), ErasureError> {
        if caller.role == Role::Admin { Ok(()) } else { Err(ErasureError::Forbidden) }
    }

    /// Erases account `subject` for `eraser`, with `reason`; `force` closes its applications in progress (refused
    /// without it). Idempotent: an account erased already answers its erasure's record, whatever is asked.
    #[instrument(name = "privacy.erase", skip_all, fields(subject = %subject))]
    pub async fn erase(
        &self,
        eraser: Eraser<'_>,
        subject: Uuid,
        reason: &ErasureReason,
        force: bool,
    ) -> Result<ErasureRecord, ErasureError> {
        let Eraser::Account(caller, context) = eraser;
        match self.erase_once(Asker::Account(caller, context), subject, reason, force).await? {
            Outcome::Erased(record) | Outcome::Already(record) => Ok(record),
            // Only the retention job's accounts are declined.
            Outcome::Declined => Err(ErasureError::NotFound),
        }
    }

    /// As `erase`, for `asker`, saying what it did.
    async fn erase_once(
        &self,
        asker: Asker<'_>,
        subject: Uuid,
        reason: &ErasureReason,
        force: bool,
    ) -> Result<Outcome, ErasureError> {
        let (erased_by, context) = match asker {
            Asker::Account(caller, context) => {
                Self::may_erase(caller)?;
                if caller.id == subject {
                    return Err(ErasureError::OwnAccount);
                }
                (Some(caller.id), Some(context))
            }
            Asker::Retention(_) => (None, None),
        };
        if let Some(record) = self.erasures.erasure_record(subject).await? {
            return Ok(Outcome::Already(record));
        }
        let mut tx = self.uow.begin().await?;
        let standing = tx.erasure().standing(subject).await?.ok_or(ErasureError::NotFound)?;
        if standing.erased {
            // Another erasure committed since the read above.
            drop(tx);
            let record = self.erasures.erasure_record(subject).await?.ok_or(ErasureError::NotFound)?;
            return Ok(Outcome::Already(record));
        }
        if standing.role != Role::Candidate {
            return Err(ErasureError::NotACandidate);
        }
        if let Asker::Retention(warned_at) = asker
            && standing.last_activity >= warned_at
        {
            return Ok(Outcome::Declined);
        }
        let in_progress: Vec<_> =
            standing.applications.iter().filter(|(_, status)| !status.is_terminal()).copied().collect();
        let force = force && matches!(asker, Asker::Account(..));
        if !in_progress.is_empty() && !force {
            return Err(ErasureError::ApplicationsInProgress(in_progress.len()));
        }
        let now = self.clock.now();
        let closing: Vec<_> = in_progress.iter().map(|&(id, status)| (id, status, self.ids.new_id())).collect();
        let mut plan = ErasurePlan {
            record: ErasureRecord {
                user_id: subject,
                erased_at: now,
                erased_by,
                reason: reason.as_str().to_owned(),
                forced: !closing.is_empty(),
                applications_closed: u32::try_from(closing.len()).unwrap_or(u32::MAX),
                documents_deleted: 0,
            },
            email: standing.email,
            erased_email: erased_email(subject),
            closing,
        };
        let removed = tx.erasure().erase(&plan).await?;
        plan.record.documents_deleted = u32::try_from(removed.document_keys.len()).unwrap_or(u32::MAX);
        let audit = AuditEvent {
            id: self.ids.new_id(),
            actor_id: erased_by,
            action: "user.erased".to_owned(),
            target_type: Some("user".to_owned()),
            target_id: Some(subject.to_string()),
            request_id: context.and_then(|c| c.request_id.clone()),
            changed_fields: ["email", "first_name", "last_name", "personal_data"].map(str::to_owned).to_vec(),
            occurred_at: now,
        };
        tx.audit().append(&audit).await?;
        let payload = serde_json::json!({
            "user_id": subject,
            "application_ids": removed.application_ids,
            "document_keys": removed.document_keys,
        });
        tx.outbox().append(&OutboxEvent::new(self.ids.new_id(), PERSONAL_DATA_ERASED, payload, now)).await?;
        tx.commit().await?;
        tracing::info!(
            applications = removed.application_ids.len(),
            documents = removed.document_keys.len(),
            closed = plan.record.applications_closed,
            "account erased"
        );
        Ok(Outcome::Erased(plan.record))
    }
}

#[async_trait]
impl super::InactiveAccountEraser for AccountErasure {
    async fn erase_inactive(&self, user_id: Uuid, reason: &str, warned_at: DateTime<Utc>) -> Result<bool, StoreError> {
        let reason = ErasureReason::parse(reason).map_err(|e| StoreError::Unexpected(anyhow::anyhow!("{e}")))?;
        match self.erase_once(Asker::Retention(warned_at), user_id, &reason, false).await {
            Ok(outcome) => Ok(matches!(outcome, Outcome::Erased(_))),
            Err(ErasureError::NotFound | ErasureError::ApplicationsInProgress(_) | ErasureError::NotACandidate) => {
                Ok(false)
            }
            Err(ErasureError::Store(error)) => Err(error),
            Err(error) => Err(StoreError::Unexpected(anyhow::anyhow!("{error}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_bounded_and_printable() {
        assert_eq!(ErasureReason::parse("  Demande du candidat  ").unwrap().as_str(), "Demande du candidat");
        assert!(matches!(ErasureReason::parse("   abc  "), Err(ErasureError::InvalidReason(_))));
        assert!(matches!(ErasureReason::parse(&"é".repeat(1_001)), Err(ErasureError::InvalidReason(_))));
        assert!(ErasureReason::parse(&"é".repeat(1_000)).is_ok());
        assert!(matches!(ErasureReason::parse("Demande\u{0}cachée"), Err(ErasureError::InvalidReason(_))));
        assert!(ErasureReason::parse("Demande\ndu candidat").is_ok());
    }

    #[test]
    fn an_address_is_named_whole_only() {
        let address = "a.b@exemple.ga";
        for text in
            ["<li>E-mail : a.b@exemple.ga</li>", "A.B@Exemple.GA", "écrire à a.b@exemple.ga.", "(a.b@exemple.ga)"]
        {
            assert!(mentions_address(text, address), "{text}");
        }
        for text in ["xa.b@exemple.ga", "a.b@exemple.gab", "a.b@exemple.ga.evil", "za.b@exemple.ga, rien"] {
            assert!(!mentions_address(text, address), "{text}");
        }
    }

    #[test]
    fn an_erased_address_is_unique_and_a_valid_address_that_never_delivers() {
        let id = Uuid::from_u128(0x1234);
        let email = erased_email(id);
        assert!(email.ends_with("@compte-efface.invalid"));
        assert!(seeg_domain::identity::EmailAddress::parse(&email).is_ok(), "{email}");
        assert_ne!(email, erased_email(Uuid::from_u128(0x1235)));
    }

    fn plan(subject: Uuid) -> ErasurePlan {
        ErasurePlan {
            record: ErasureRecord {
                user_id: subject,
                erased_at: DateTime::UNIX_EPOCH,
                erased_by: None,
                reason: "Demande".to_owned(),
                forced: false,
                applications_closed: 0,
                documents_deleted: 0,
            },
            email: "a.b@exemple.ga".to_owned(),
            erased_email: "efface@compte-efface.invalid".to_owned(),
            closing: Vec::new(),
        }
    }

    #[test]
    fn former_addresses_are_the_first_recipients_of_its_mail_well_formed_and_once() {
        let plan = plan(Uuid::from_u128(1));
        let rows =
            ["Old@Exemple.ga, copie@seeg.ga", "old@exemple.ga", "a.b@exemple.ga", "", " , x@y.ga", "pas une adresse"];
        assert_eq!(former_addresses(&plan, rows), ["old@exemple.ga"]);
    }

    #[test]
    fn erased_recipients_keep_other_people_and_other_accounts_rows() {
        let (subject, another) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let plan = plan(subject);
        let former = ["old@exemple.ga".to_owned()];
        let erased = |to, account, about, html| erased_recipients(to, account, about, html, &plan, &former);
        // Addressed to the account: its address then, first, is replaced; the copies stay.
        assert_eq!(
            erased("old@exemple.ga, copie@seeg.ga", Some(subject), false, "").as_deref(),
            Some("efface@compte-efface.invalid, copie@seeg.ga")
        );
        // Its current address among the recipients, whoever the row was addressed to (except as another
        // account's own address, which that account had before).
        assert_eq!(
            erased("x@y.ga, A.B@exemple.ga", None, false, "").as_deref(),
            Some("x@y.ga, efface@compte-efface.invalid")
        );
        assert_eq!(erased("a.b@exemple.ga", Some(another), false, "a.b@exemple.ga"), None);
        assert_eq!(
            erased("tiers@y.ga, a.b@exemple.ga", Some(another), false, "").as_deref(),
            Some("tiers@y.ga, efface@compte-efface.invalid")
        );
        // About its application: emptied, the recipients (staff) kept.
        assert_eq!(erased("rh@seeg.ga", Some(another), true, "").as_deref(), Some("rh@seeg.ga"));
        // Named in the body of a row addressed to no account: its address or a former one, as a whole address.
        assert_eq!(
            erased("support@seeg.ga", None, false, "<li>old@exemple.ga</li>").as_deref(),
            Some("support@seeg.ga")
        );
        assert_eq!(erased("support@seeg.ga", None, false, "<li>xold@exemple.ga</li>"), None);
        assert_eq!(
            erased("rh@seeg.ga", Some(another), false, "<li>a.b@exemple.ga</li>").as_deref(),
            Some("rh@seeg.ga"),
            "another account's mail naming the person"
        );
        assert_eq!(erased("rh@seeg.ga", Some(another), false, "<li>old@exemple.ga</li>"), None, "a former one");
        assert_eq!(erased("x@y.ga", None, false, "rien"), None);
        assert!(lists_address("tiers@y.ga, A.B@exemple.ga", Some(another), subject, "a.b@exemple.ga"));
        assert!(!lists_address("a.b@exemple.ga, tiers@y.ga", Some(another), subject, "a.b@exemple.ga"));
        assert!(lists_address("a.b@exemple.ga", Some(subject), subject, "a.b@exemple.ga"));
        // A former address makes no row the person's by itself (it may be someone else's now), but is replaced in
        // the person's rows.
        assert_eq!(erased("old@exemple.ga", None, false, ""), None);
        assert_eq!(
            erased("a.b@exemple.ga, old@exemple.ga", None, false, "").as_deref(),
            Some("efface@compte-efface.invalid, efface@compte-efface.invalid")
        );
    }
}
