//! The data-lake export of one application (K4, legacy R41–R42): three JSON documents (`dim_candidates`,
//! `dim_job_offers`, `fact_applications`) and a copy of each PDF, written through the `DataLake` port.
//!
//! Decisions:
//! - **Partition date** `D` (`ingestion_date=D`) is the UTC date of the export run, read from the `Clock` (R41:
//!   "the export's date, not the application's"). Re-running the export the same day rewrites the same keys with
//!   byte-identical objects (idempotent, I2); another day writes new partitions, as the legacy service did.
//! - **Timestamps** inside the JSON follow F2: RFC 3339 UTC ending in `Z` (fractional seconds only when the
//!   stored time has them), not Python's `isoformat()`; calendar dates (`date_of_birth`, `profile_birth_date`)
//!   are `YYYY-MM-DD` (F2; legacy `profile_birth_date` was Python's `str()` of a datetime). Keys, key order
//!   and value types are otherwise exactly R42 (K4). JSON is pretty-printed with an indent of 2, non-ASCII
//!   kept, no trailing newline (Python's `json.dumps(indent=2, ensure_ascii=False)`).
//! - **Failures**: any failed read or write fails the whole export, so the outbox retries it (the legacy service
//!   skipped a failing PDF and lost it, R43/D6); a PDF whose bytes are gone from the document store can never be
//!   copied, so it is skipped with a warning (ids only, S12) while its line stays in `fact_applications`.
//! - **One export of an application at a time** (O6), across relays, replicas and the backfill: the export holds
//!   the application's `LockScope::LakeExport` lock from its read to its last write, so two exports never
//!   interleave their writes and the one that reads last writes last. One that finds the lock taken writes
//!   nothing and fails (`Busy`): the outbox runs it again after its backoff, and it then reads the latest state.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use seeg_domain::applications::Application;
use seeg_domain::identity::{CandidateProfile, User, UserStatus};
use seeg_domain::offers::{JobOffer, MtpFamily};
use serde::Serialize;
use uuid::Uuid;

use super::{ApplicationDetail, ApplicationDetails, ApplicationDocument, ApplicationRepository};
use crate::Clock;
use crate::documents::{DocumentStore, DocumentStoreError, read_whole};
use crate::identity::{CandidateProfileRepository, UserRepository};
use crate::lake::{DataLake, LakeObject};
use crate::locks::{ExclusiveLocks, LockKey};
use crate::offers::OfferRepository;
use crate::store::StoreError;

const JSON: &str = "application/json";
const PDF: &str = "application/pdf";

/// Why an export failed; the outbox retries it.
#[derive(Debug, thiserror::Error)]
pub enum LakeExportError {
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another export of this application runs now (another relay, replica or backfill): nothing was written.
    #[error("l'application {0} est déjà en cours d'export vers le lac de données")]
    Busy(Uuid),
    /// Reading a document or writing to the lake failed, or a JSON document could not be built.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What an export did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LakeExportOutcome {
    /// The JSON documents and the PDFs were written.
    Exported {
        /// Every key written, in writing order.
        keys: Vec<String>,
    },
    /// No such application (deleted since, or never committed), or its candidate or offer is gone: nothing
    /// written.
    NotFound,
}

/// Exports applications to the data lake.
#[derive(Debug, Clone)]
pub struct LakeExport {
    details: ApplicationDetails,
    documents: Arc<dyn DocumentStore>,
    lake: Arc<dyn DataLake>,
    locks: Arc<dyn ExclusiveLocks>,
    clock: Arc<dyn Clock>,
}

impl LakeExport {
    /// The export on its ports: the read ports gather the application and what surrounds it, `documents` gives the
    /// PDFs' bytes, `lake` takes the objects, `locks` keeps two exports of one application apart (O6: every export
    /// that may run beside another, in this process or another one, must share them).
    #[allow(clippy::too_many_arguments)] // the export's ports, each of its own kind
    pub fn new(
        applications: Arc<dyn ApplicationRepository>,
        users: Arc<dyn UserRepository>,
        profiles: Arc<dyn CandidateProfileRepository>,
        offers: Arc<dyn OfferRepository>,
        documents: Arc<dyn DocumentStore>,
        lake: Arc<dyn DataLake>,
        locks: Arc<dyn ExclusiveLocks>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { details: ApplicationDetails::new(applications, users, profiles, offers), documents, lake, locks, clock }
    }

    /// Writes application `id`'s three JSON documents, then its PDFs (R41 order), overwriting what is there; holds
    /// the application's export lock from the read to the last write (`Busy` when another export holds it).
    #[tracing::instrument(name = "lake.export", skip_all, fields(application.id = %id))]
    pub async fn export(&self, id: Uuid) -> Result<LakeExportOutcome, LakeExportError> {
        let Some(lock) = self.locks.try_lock(LockKey::lake_export(id)).await? else {
            tracing::info!("another export of this application is running: retried later");
            return Err(LakeExportError::Busy(id));
        };
        let outcome = self.export_locked(id).await;
        // A failed release still lets the lock go (with its session); the export itself is what counts.
        if let Err(error) = lock.release().await {
            tracing::warn!(error = %format!("{error:#}"), "export lock release failed");
        }
        outcome
    }

    async fn export_locked(&self, id: Uuid) -> Result<LakeExportOutcome, LakeExportError> {
        let Some(ApplicationDetail { application, candidate, profile, offer, documents }) =
            self.details.load(id).await?
        else {
            return Ok(LakeExportOutcome::NotFound);
        };
        let date = self.clock.now().date_naive();
        let set = LakeDocuments::build(&application, &candidate, profile.as_ref(), &offer, &documents, date)?;
        let mut keys = Vec::new();
        for object in set.json {
            keys.push(object.key.clone());
            self.lake.put(object).await?;
        }
        for (document, key) in documents.iter().zip(set.pdf_keys) {
            let bytes = match read_whole(self.documents.as_ref(), &document.storage_key).await {
                Ok(bytes) => bytes,
                Err(DocumentStoreError::NotFound) => {
                    tracing::warn!(document.id = %document.id, "document bytes missing: PDF not exported");
                    continue;
                }
                Err(error) => return Err(anyhow::Error::new(error).context("lecture d'un document").into()),
            };
            let metadata = BTreeMap::from([
                ("application_id".to_owned(), application.id.to_string()),
                ("candidate_id".to_owned(), application.candidate_id.to_string()),
                ("document_type".to_owned(), document.document_type.as_str().to_owned()),
                ("ready_for_ocr".to_owned(), "true".to_owned()),
                ("ingestion_date".to_owned(), date.to_string()),
            ]);
            keys.push(key.clone());
            self.lake
                .put(LakeObject { key, bytes, content_type: PDF.to_owned(), content_encoding: None, metadata })
                .await?;
        }
        tracing::info!(objects = keys.len(), "application exported to the data lake");
        Ok(LakeExportOutcome::Exported { keys })
    }
}

/// The prefixes the erasure of a candidate searches.
const DIM_CANDIDATES: &str = "dimensions/dim_candidates/";
const FACT_APPLICATIONS: &str = "facts/fact_applications/";
const DOCUMENTS: &str = "documents/";

impl LakeExport {
    /// After the erasure of candidate `candidate_id` (B7): in every partition, the candidate's `dim_candidates`
    /// and its applications' `fact_applications` documents are rewritten from what the database now holds (the
    /// erased account, answers and references removed, no document), and every PDF copy of its applications is
    /// removed. Holds the export lock of each application meanwhile (`Busy` when one is taken: the outbox runs
    /// it again), so an export that read the data before the erasure cannot write it back after. Answers how
    /// many objects it rewrote or removed. Idempotent.
    #[tracing::instrument(name = "lake.erase", skip_all, fields(candidate.id = %candidate_id))]
    pub async fn erase_candidate(&self, candidate_id: Uuid, applications: &[Uuid]) -> Result<usize, LakeExportError> {
        let mut held = Vec::new();
        let mut busy = None;
        for &id in applications {
            match self.locks.try_lock(LockKey::lake_export(id)).await {
                Ok(Some(lock)) => held.push(lock),
                Ok(None) => {
                    busy = Some(Err(LakeExportError::Busy(id)));
                    break;
                }
                Err(error) => {
                    busy = Some(Err(error.into()));
                    break;
                }
            }
        }
        let outcome = match busy {
            Some(refused) => refused,
            None => self.erase_locked(candidate_id, applications).await,
        };
        for lock in held {
            if let Err(error) = lock.release().await {
                tracing::warn!(error = %format!("{error:#}"), "export lock release failed");
            }
        }
        outcome
    }

    async fn erase_locked(&self, candidate_id: Uuid, applications: &[Uuid]) -> Result<usize, LakeExportError> {
        let date = self.clock.now().date_naive();
        let documents = self.lake.keys(DOCUMENTS).await?;
        let facts = self.lake.keys(FACT_APPLICATIONS).await?;
        let dimensions = self.lake.keys(DIM_CANDIDATES).await?;
        let mut touched = 0;
        let mut dim_candidate = None;
        for &id in applications {
            let folder = format!("/{id}/");
            for key in documents.iter().filter(|k| k.contains(&folder)) {
                self.lake.delete(key).await?;
                touched += 1;
            }
            let rewritten = match self.details.load(id).await? {
                Some(ApplicationDetail { application, candidate, profile, offer, documents }) => {
                    let set =
                        LakeDocuments::build(&application, &candidate, profile.as_ref(), &offer, &documents, date)?;
                    let table = |name: &str| {
                        set.json.iter().find(|o| o.metadata.get("table").is_some_and(|t| t == name)).cloned()
                    };
                    if dim_candidate.is_none() {
                        dim_candidate = table("dim_candidates");
                    }
                    table("fact_applications")
                }
                None => None,
            };
            let name = format!("/{id}.json");
            for key in facts.iter().filter(|k| k.ends_with(&name)) {
                match &rewritten {
                    Some(object) => self.lake.put(in_partition_of(object, key)).await?,
                    None => self.lake.delete(key).await?,
                }
                touched += 1;
            }
        }
        let name = format!("/{candidate_id}.json");
        for key in dimensions.iter().filter(|k| k.ends_with(&name)) {
            match &dim_candidate {
                Some(object) => self.lake.put(in_partition_of(object, key)).await?,
                None => self.lake.delete(key).await?,
            }
            touched += 1;
        }
        tracing::info!(objects = touched, "erased candidate's lake objects rewritten or removed");
        Ok(touched)
    }
}

/// `object` under `key`, its `ingestion_date` metadata set to `key`'s partition.
fn in_partition_of(object: &LakeObject, key: &str) -> LakeObject {
    let mut object = LakeObject { key: key.to_owned(), ..object.clone() };
    if let Some(date) = key.split("ingestion_date=").nth(1).and_then(|rest| rest.split('/').next()) {
        object.metadata.insert("ingestion_date".to_owned(), date.to_owned());
    }
    object
}

/// The JSON objects of one export and the keys of its PDFs (one per document, in the documents' order).
#[derive(Debug)]
pub struct LakeDocuments {
    /// The three JSON documents (`dim_candidates`, `dim_job_offers`, `fact_applications`), in writing order.
    pub json: Vec<LakeObject>,
    /// The key of each PDF copy, in the documents' order (`pdf_key`).
    pub pdf_keys: Vec<String>,
}

/// The R41 keys of an application's three JSON documents in partition `D`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeTableKeys {
    /// `dimensions/dim_candidates/ingestion_date=D/{candidate_id}.json`
    pub dim_candidates: String,
    /// `dimensions/dim_job_offers/ingestion_date=D/{job_offer_id}.json`
    pub dim_job_offers: String,
    /// `facts/fact_applications/ingestion_date=D/{application_id}.json`
    pub fact_applications: String,
}

impl LakeTableKeys {
    /// The three keys of `application` in partition `date`.
    pub fn of(date: NaiveDate, application: &Application) -> Self {
        Self {
            dim_candidates: format!(
                "dimensions/dim_candidates/ingestion_date={date}/{}.json",
                application.candidate_id
            ),
            dim_job_offers: format!(
                "dimensions/dim_job_offers/ingestion_date={date}/{}.json",
                application.job_offer_id
            ),
            fact_applications: format!("facts/fact_applications/ingestion_date={date}/{}.json", application.id),
        }
    }
}

/// R41: `documents/ingestion_date=D/{application_id}/{document_type}_{file_name}`.
pub fn pdf_key(date: NaiveDate, application_id: Uuid, document: &ApplicationDocument) -> String {
    format!(
        "documents/ingestion_date={date}/{application_id}/{}_{}",
        document.document_type.as_str(),
        document.file_name
    )
}

impl LakeDocuments {
    /// The three R42 documents of `application` for partition `date`.
    pub fn build(
        application: &Application,
        candidate: &User,
        profile: Option<&CandidateProfile>,
        offer: &JobOffer,
        documents: &[ApplicationDocument],
        date: NaiveDate,
    ) -> anyhow::Result<Self> {
        let pdf_keys: Vec<String> = documents.iter().map(|d| pdf_key(date, application.id, d)).collect();
        let ingestion_date = date.to_string();
        let meta = |pairs: &[(&str, String)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .chain([("ingestion_date".to_owned(), ingestion_date.clone())])
                .collect()
        };
        let keys = LakeTableKeys::of(date, application);
        let json = vec![
            json_object(
                keys.dim_candidates,
                &dim_candidate(candidate, profile),
                meta(&[("table", "dim_candidates".to_owned()), ("pk", candidate.id.to_string())]),
            )?,
            json_object(
                keys.dim_job_offers,
                &dim_job_offer(offer),
                meta(&[("table", "dim_job_offers".to_owned()), ("pk", offer.id.to_string())]),
            )?,
            json_object(
                keys.fact_applications,
                &fact_application(application, documents, &pdf_keys),
                meta(&[
                    ("table", "fact_applications".to_owned()),
                    ("pk", application.id.to_string()),
                    ("fk_candidate", application.candidate_id.to_string()),
                    ("fk_job_offer", application.job_offer_id.to_string()),
                ]),
            )?,
        ];
        Ok(Self { json, pdf_keys })
    }
}

fn json_object(key: String, value: &impl Serialize, metadata: BTreeMap<String, String>) -> anyhow::Result<LakeObject> {
    let bytes = serde_json::to_vec_pretty(value)?;
    Ok(LakeObject {
        key,
        bytes: Bytes::from(bytes),
        content_type: JSON.to_owned(),
        content_encoding: Some("utf-8".to_owned()),
        metadata,
    })
}

/// F2: RFC 3339 UTC ending in `Z`.
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[derive(Serialize)]
struct DimCandidate<'a> {
    candidate_id: Uuid,
    email: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    full_name: String,
    phone: Option<&'a str>,
    date_of_birth: Option<String>,
    sexe: Option<&'static str>,
    adresse: Option<&'a str>,
    matricule: Option<i32>,
    poste_actuel: Option<&'a str>,
    annees_experience: Option<i32>,
    role: &'static str,
    candidate_status: Option<&'static str>,
    statut: &'static str,
    is_internal_candidate: bool,
    email_verified: bool,
    is_active: bool,
    profile_address: Option<&'a str>,
    profile_availability: Option<&'a str>,
    profile_birth_date: Option<String>,
    current_department: Option<&'a str>,
    current_position: Option<&'a str>,
    cv_url: Option<&'a str>,
    education: Option<&'a str>,
    expected_salary_min: Option<i32>,
    expected_salary_max: Option<i32>,
    gender: Option<&'a str>,
    linkedin_url: Option<&'a str>,
    portfolio_url: Option<&'a str>,
    skills: Option<&'a [String]>,
    profile_years_experience: Option<i32>,
    candidate_created_at: String,
    profile_id: Option<Uuid>,
}

fn dim_candidate<'a>(user: &'a User, profile: Option<&'a CandidateProfile>) -> DimCandidate<'a> {
    DimCandidate {
        candidate_id: user.id,
        email: &user.email,
        first_name: &user.first_name,
        last_name: &user.last_name,
        full_name: format!("{} {}", user.first_name, user.last_name).trim().to_owned(),
        phone: user.phone.as_deref(),
        date_of_birth: user.date_of_birth.map(|d| d.to_string()),
        sexe: user.sexe.map(seeg_domain::identity::Sexe::as_str),
        adresse: user.adresse.as_deref(),
        matricule: user.matricule,
        poste_actuel: user.poste_actuel.as_deref(),
        annees_experience: user.annees_experience,
        role: user.role.as_str(),
        candidate_status: user.candidate_kind.map(seeg_domain::identity::CandidateKind::as_str),
        statut: user.status.as_str(),
        is_internal_candidate: user.is_internal_candidate(),
        email_verified: user.email_verified,
        is_active: user.status == UserStatus::Active,
        profile_address: profile.and_then(|p| p.address.as_deref()),
        profile_availability: profile.and_then(|p| p.availability.as_deref()),
        profile_birth_date: profile.and_then(|p| p.birth_date).map(|d| d.to_string()),
        current_department: profile.and_then(|p| p.current_department.as_deref()),
        current_position: profile.and_then(|p| p.current_position.as_deref()),
        cv_url: profile.and_then(|p| p.cv_url.as_deref()),
        education: profile.and_then(|p| p.education.as_deref()),
        expected_salary_min: profile.and_then(|p| p.expected_salary_min),
        expected_salary_max: profile.and_then(|p| p.expected_salary_max),
        gender: profile.and_then(|p| p.gender.as_deref()),
        linkedin_url: profile.and_then(|p| p.linkedin_url.as_deref()),
        portfolio_url: profile.and_then(|p| p.portfolio_url.as_deref()),
        skills: profile.map(|p| p.skills.as_slice()),
        profile_years_experience: profile.and_then(|p| p.years_experience),
        candidate_created_at: timestamp(user.created_at),
        profile_id: profile.map(|p| p.id),
    }
}

/// `{questions_metier, questions_talent, questions_paradigme}`, or `{}` when the offer has no questions.
#[derive(Serialize)]
struct QuestionsObject<'a> {
    #[serde(flatten)]
    questions: Option<Questions<'a>>,
}

#[derive(Serialize)]
struct Questions<'a> {
    #[serde(rename = "questions_metier")]
    metier: &'a [String],
    #[serde(rename = "questions_talent")]
    talent: &'a [String],
    #[serde(rename = "questions_paradigme")]
    paradigme: &'a [String],
}

#[derive(Serialize)]
struct DimJobOffer<'a> {
    job_offer_id: Uuid,
    title: &'a str,
    description: &'a str,
    location: &'a str,
    contract_type: &'a str,
    department: Option<&'a str>,
    offer_status: &'static str,
    questions_mtp: QuestionsObject<'a>,
    questions_metier: &'a [String],
    questions_talent: &'a [String],
    questions_paradigme: &'a [String],
    questions_metier_count: usize,
    questions_talent_count: usize,
    questions_paradigme_count: usize,
    total_questions_count: usize,
    created_at: String,
}

fn dim_job_offer(offer: &JobOffer) -> DimJobOffer<'_> {
    let family = |f: MtpFamily| offer.questions_mtp.as_ref().map_or(&[][..], |q| q.questions(f));
    let (metier, talent, paradigme) =
        (family(MtpFamily::Metier), family(MtpFamily::Talent), family(MtpFamily::Paradigme));
    DimJobOffer {
        job_offer_id: offer.id,
        title: &offer.title,
        description: &offer.description,
        location: &offer.location,
        contract_type: &offer.contract_type,
        department: offer.department.as_deref(),
        offer_status: offer.status.as_str(),
        questions_mtp: QuestionsObject {
            questions: offer.questions_mtp.as_ref().map(|_| Questions { metier, talent, paradigme }),
        },
        questions_metier: metier,
        questions_talent: talent,
        questions_paradigme: paradigme,
        questions_metier_count: metier.len(),
        questions_talent_count: talent.len(),
        questions_paradigme_count: paradigme.len(),
        total_questions_count: metier.len() + talent.len() + paradigme.len(),
        created_at: timestamp(offer.created_at),
    }
}

/// `{reponses_metier, reponses_talent, reponses_paradigme}`, or `{}` when no answer was given.
#[derive(Serialize)]
struct AnswersObject<'a> {
    #[serde(flatten)]
    answers: Option<Answers<'a>>,
}

#[derive(Serialize)]
struct Answers<'a> {
    #[serde(rename = "reponses_metier")]
    metier: &'a [String],
    #[serde(rename = "reponses_talent")]
    talent: &'a [String],
    #[serde(rename = "reponses_paradigme")]
    paradigme: &'a [String],
}

#[derive(Serialize)]
struct FactDocument<'a> {
    document_type: &'static str,
    file_name: &'a str,
    file_size_bytes: u64,
    ready_for_ocr: bool,
    uploaded_at: String,
}

#[derive(Serialize)]
struct DocumentBlobPath<'a> {
    document_type: &'static str,
    blob_path: &'a str,
    file_name: &'a str,
    size_bytes: u64,
}

#[derive(Serialize)]
struct FactApplication<'a> {
    application_id: Uuid,
    candidate_id: Uuid,
    job_offer_id: Uuid,
    status: &'static str,
    has_been_manager: bool,
    ref_entreprise: Option<&'a str>,
    ref_fullname: Option<&'a str>,
    ref_mail: Option<&'a str>,
    ref_contact: Option<&'a str>,
    reference_contacts: Option<&'a str>,
    mtp_answers: AnswersObject<'a>,
    reponses_metier: &'a [String],
    reponses_talent: &'a [String],
    reponses_paradigme: &'a [String],
    reponses_metier_count: usize,
    reponses_talent_count: usize,
    reponses_paradigme_count: usize,
    total_reponses_count: usize,
    documents_count: usize,
    total_documents_size_bytes: u64,
    documents: Vec<FactDocument<'a>>,
    availability_start: Option<String>,
    created_at: String,
    updated_at: String,
    application_year: String,
    application_month: String,
    application_date: String,
    document_blob_paths: Vec<DocumentBlobPath<'a>>,
}

fn fact_application<'a>(
    application: &'a Application,
    documents: &'a [ApplicationDocument],
    pdf_keys: &'a [String],
) -> FactApplication<'a> {
    let answers = &application.mtp_answers;
    let (metier, talent, paradigme) =
        (answers.answers(MtpFamily::Metier), answers.answers(MtpFamily::Talent), answers.answers(MtpFamily::Paradigme));
    let any_answer = !(metier.is_empty() && talent.is_empty() && paradigme.is_empty());
    let reference = &application.reference;
    let created = application.created_at;
    FactApplication {
        application_id: application.id,
        candidate_id: application.candidate_id,
        job_offer_id: application.job_offer_id,
        status: application.status.as_str(),
        has_been_manager: application.has_been_manager,
        ref_entreprise: reference.entreprise.as_deref(),
        ref_fullname: reference.fullname.as_deref(),
        ref_mail: reference.mail.as_deref(),
        ref_contact: reference.contact.as_deref(),
        reference_contacts: application.reference_contacts.as_deref(),
        mtp_answers: AnswersObject { answers: any_answer.then_some(Answers { metier, talent, paradigme }) },
        reponses_metier: metier,
        reponses_talent: talent,
        reponses_paradigme: paradigme,
        reponses_metier_count: metier.len(),
        reponses_talent_count: talent.len(),
        reponses_paradigme_count: paradigme.len(),
        total_reponses_count: metier.len() + talent.len() + paradigme.len(),
        documents_count: documents.len(),
        total_documents_size_bytes: documents.iter().map(|d| d.file_size).sum(),
        documents: documents
            .iter()
            .map(|d| FactDocument {
                document_type: d.document_type.as_str(),
                file_name: &d.file_name,
                file_size_bytes: d.file_size,
                ready_for_ocr: true,
                uploaded_at: timestamp(d.uploaded_at),
            })
            .collect(),
        availability_start: application.availability_start.map(timestamp),
        created_at: timestamp(created),
        updated_at: timestamp(application.updated_at),
        application_year: created.format("%Y").to_string(),
        application_month: created.format("%Y-%m").to_string(),
        application_date: created.format("%Y-%m-%d").to_string(),
        document_blob_paths: documents
            .iter()
            .zip(pdf_keys)
            .map(|(d, key)| DocumentBlobPath {
                document_type: d.document_type.as_str(),
                blob_path: key,
                file_name: &d.file_name,
                size_bytes: d.file_size,
            })
            .collect(),
    }
}
