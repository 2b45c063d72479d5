//! The PDF dossier of an application: everything a recruiter prints about one candidature,
//! gathered by the read side into a plain `Dossier`, and the `DossierRenderer` port that turns it into a PDF.
//!
//! The dossier is French only: labels, dates (`25/11/2026`) and numbers (`14,5 / 20`) follow French usage.
//! The legacy route ignored its `language` query parameter while advertising it; the new one must not pretend
//! to honour a language it does not render (see the route's note). `page_size` is the legacy `format` (A4 or
//! Letter), honoured here.

use chrono::{DateTime, NaiveDate, Utc};
use seeg_domain::applications::{ApplicationStatus, DocumentType};
use seeg_domain::identity::{CandidateKind, Matricule, Sexe};
use seeg_domain::offers::MtpFamily;
use uuid::Uuid;

/// Everything the dossier shows, already read and checked: the renderer formats, it decides nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    /// When the dossier is produced (from the `Clock`): printed in the header and used as the PDF's creation
    /// date, so the same input gives the same bytes.
    pub generated_at: DateTime<Utc>,
    /// A4 or Letter.
    pub page_size: PageSize,
    /// Who applied.
    pub candidate: DossierCandidate,
    /// The offer applied to.
    pub offer: DossierOffer,
    /// The application itself.
    pub application: DossierApplication,
    /// The offer's MTP questions with the candidate's answers, one entry per family that has questions, in
    /// the order Métier, Talent, Paradigme.
    pub mtp: Vec<MtpFamilyAnswers>,
    /// The documents sent, listed (never embedded).
    pub documents: Vec<DossierDocument>,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// The scores, per protocol.
    pub evaluations: DossierEvaluations,
}

/// The paper the dossier is laid out on (legacy query `format`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PageSize {
    /// 210 × 297 mm (the default, as the legacy route's).
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

/// The candidate's account, as printed in the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierCandidate {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// The account's e-mail address.
    pub email: String,
    /// Phone number.
    pub phone: Option<String>,
    /// Birth date, printed `dd/mm/yyyy`.
    pub date_of_birth: Option<NaiveDate>,
    /// Legacy `sexe`.
    pub sexe: Option<Sexe>,
    /// Internal or external candidate.
    pub kind: CandidateKind,
    /// Internal candidates only.
    pub matricule: Option<Matricule>,
    /// Postal address.
    pub address: Option<String>,
    /// Current job.
    pub current_position: Option<String>,
    /// Years of experience.
    pub years_of_experience: Option<i32>,
}

/// The offer, as printed in the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierOffer {
    /// The offer's id.
    pub id: Uuid,
    /// The offer's own reference when it has one; the dossier shows the id otherwise.
    pub reference: Option<String>,
    /// Title.
    pub title: String,
    /// Department, if any.
    pub department: Option<String>,
    /// Place of work.
    pub location: String,
    /// Contract type (`CDI`, `CDD`, …).
    pub contract_type: String,
}

/// The application's own facts, as printed in the dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierApplication {
    /// The application's id.
    pub id: Uuid,
    /// Its word (`entretien_programme`) and its French label (`ApplicationStatus::label`) are both printed.
    pub status: ApplicationStatus,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// Asked of internal candidates (R19); `None` when not given.
    pub has_been_manager: Option<bool>,
    /// The reference contact asked of external candidates (R19, K3d: lists already joined with ", ").
    pub reference: DossierReference,
}

/// The legacy `ref_*` fields; each may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DossierReference {
    /// Legacy `ref_entreprise`.
    pub company: Option<String>,
    /// Legacy `ref_fullname`.
    pub full_name: Option<String>,
    /// Legacy `ref_mail`.
    pub email: Option<String>,
    /// Legacy `ref_contact`.
    pub contact: Option<String>,
}

/// One MTP family: its questions in order, each with the candidate's answer when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtpFamilyAnswers {
    /// Which family.
    pub family: MtpFamily,
    /// Its questions in order, each with its answer.
    pub items: Vec<MtpItem>,
}

/// One MTP question and the candidate's answer to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MtpItem {
    /// The question as the offer asks it.
    pub question: String,
    /// `None` (or blank) is printed as "Aucune réponse".
    pub answer: Option<String>,
}

/// A document's metadata; the dossier lists documents, it never embeds their bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierDocument {
    /// Printed with its French label (`DocumentType::label`).
    pub kind: DocumentType,
    /// The file name as sent.
    pub file_name: String,
    /// Length in bytes.
    pub size_bytes: u64,
    /// Hex, lower case.
    pub sha256: String,
}

/// One row of the status history (I5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// When the status changed.
    pub at: DateTime<Utc>,
    /// `None` for the row written at submission.
    pub from: Option<ApplicationStatus>,
    /// The status it moved to.
    pub to: ApplicationStatus,
    /// The display name of who made the change, when known.
    pub by: Option<String>,
    /// The notes given with the change (I5), if any.
    pub notes: Option<String>,
}

/// The evaluations of the application; a protocol not yet evaluated is `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DossierEvaluations {
    /// Documentary, MTP and interview (external candidates, I6).
    pub protocol1: Option<EvaluationSummary>,
    /// QCM rôle and QCM CODIR (internal candidates, I6).
    pub protocol2: Option<EvaluationSummary>,
}

impl DossierEvaluations {
    /// Whether neither protocol has been evaluated yet.
    pub fn is_empty(&self) -> bool {
        self.protocol1.is_none() && self.protocol2.is_none()
    }
}

/// One protocol's scores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvaluationSummary {
    /// Out of 20.
    pub overall_score: Option<f64>,
    /// The sub-scores worth printing, in order, each out of 20 (`None`: not scored yet).
    pub scores: Vec<NamedScore>,
}

/// One sub-score with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedScore {
    /// French, e.g. "Évaluation documentaire".
    pub label: String,
    /// Out of 20; `None`: not scored yet.
    pub score: Option<f64>,
}

impl Dossier {
    /// The file name the legacy route gave the export: `Candidature_<Nom>_<Prénom>_<Titre>.pdf`, spaces
    /// turned into `_`. Characters that would break a path or a header (`/ \ " : * ? < > |` and controls)
    /// become `_` too; accents are kept, so the route must send it as RFC 6266 `filename*` (UTF-8).
    pub fn file_name(&self) -> String {
        let stem = format!(
            "Candidature_{}_{}_{}",
            self.candidate.last_name.trim(),
            self.candidate.first_name.trim(),
            self.offer.title.trim()
        );
        let safe: String = stem
            .chars()
            .map(|c| if c.is_whitespace() || c.is_control() || "/\\\":*?<>|".contains(c) { '_' } else { c })
            .collect();
        format!("{safe}.pdf")
    }
}

/// Why no dossier came out.
#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    /// The PDF writer failed (never the dossier's content).
    #[error("le dossier PDF n'a pas pu être produit")]
    Unexpected(#[from] anyhow::Error),
}

/// Turns a `Dossier` into the bytes of a PDF.
///
/// Contract:
/// - Returns one complete PDF document (`%PDF-` header, `%%EOF` trailer) on pages of `dossier.page_size`,
///   labelled in French, with a header naming SEEG, the offer title and `generated_at`, and each page numbered
///   "Page n / N".
/// - Every text of the dossier appears in the document, extractable as text (accents, `œ`, `« »`, `€`
///   included): long texts wrap and continue on the next page, nothing is cut off. Any string is accepted;
///   a character the font cannot draw shows as a placeholder but is still extracted as itself.
/// - Deterministic: the same dossier gives the same bytes (no clock, no random ids; the PDF's creation date
///   is `generated_at`). Title metadata names the candidate and the offer; the author is "SEEG — OneHCM".
/// - CPU-bound and synchronous (milliseconds for a large dossier): async callers run it on the blocking pool.
/// - `Unexpected` only when the PDF writer itself fails; never because of the dossier's content.
pub trait DossierRenderer: Send + Sync + std::fmt::Debug {
    /// The PDF bytes of `dossier` (see the contract above).
    fn render(&self, dossier: &Dossier) -> Result<Vec<u8>, DossierError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_french_label_of_its_own() {
        let labels: std::collections::BTreeSet<_> =
            ApplicationStatus::ALL.into_iter().map(ApplicationStatus::label).collect();
        assert_eq!(labels.len(), ApplicationStatus::ALL.len());
        assert_eq!(ApplicationStatus::EntretienProgramme.label(), "Entretien programmé");
    }

    #[test]
    fn the_file_name_follows_the_legacy_pattern_and_cannot_escape_a_header() {
        let mut dossier = sample();
        assert_eq!(dossier.file_name(), "Candidature_Mba_Ngoma_Élodie_Chef_de_service_Électricité.pdf");
        dossier.offer.title = "Technicien \"réseau\" / nuit".to_owned();
        assert_eq!(dossier.file_name(), "Candidature_Mba_Ngoma_Élodie_Technicien__réseau____nuit.pdf");
    }

    fn sample() -> Dossier {
        let at = DateTime::from_timestamp(1_764_000_000, 0).unwrap_or_default();
        Dossier {
            generated_at: at,
            page_size: PageSize::A4,
            candidate: DossierCandidate {
                first_name: "Élodie".to_owned(),
                last_name: "Mba Ngoma".to_owned(),
                email: "elodie@example.com".to_owned(),
                phone: None,
                date_of_birth: None,
                sexe: Some(Sexe::Female),
                kind: CandidateKind::External,
                matricule: None,
                address: None,
                current_position: None,
                years_of_experience: None,
            },
            offer: DossierOffer {
                id: Uuid::nil(),
                reference: None,
                title: "Chef de service Électricité".to_owned(),
                department: None,
                location: "Libreville".to_owned(),
                contract_type: "CDI".to_owned(),
            },
            application: DossierApplication {
                id: Uuid::nil(),
                status: ApplicationStatus::Candidature,
                submitted_at: at,
                has_been_manager: None,
                reference: DossierReference::default(),
            },
            mtp: Vec::new(),
            documents: Vec::new(),
            history: Vec::new(),
            evaluations: DossierEvaluations::default(),
        }
    }
}
