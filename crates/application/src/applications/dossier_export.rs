//! The PDF dossier of an application (`GET /applications/{id}/export/pdf`): gathered from the ports, rendered by
//! the `DossierRenderer` on the blocking pool (never on an async worker).

use std::collections::HashMap;
use std::sync::Arc;

use seeg_domain::identity::{CandidateKind, Decision, Matricule, User};
use seeg_domain::offers::MtpFamily;
use tracing::instrument;
use uuid::Uuid;

use super::{ApplicationRepository, StatusChange};
use crate::Clock;
use crate::dossier::{
    Dossier, DossierApplication, DossierCandidate, DossierDocument, DossierEvaluations, DossierOffer, DossierReference,
    DossierRenderer, HistoryEntry, MtpFamilyAnswers, MtpItem, PageSize,
};
use crate::identity::UserRepository;
use crate::offers::OfferRepository;
use crate::store::StoreError;

/// Why a dossier or a history could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DossierExportError {
    /// Unknown, or another candidate's (S3).
    #[error("candidature introuvable")]
    NotFound,
    /// Staff without the permission to read applications.
    #[error("Accès interdit")]
    Forbidden,
    /// A persistence port failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The renderer failed, or its blocking task was interrupted.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A rendered dossier and the file name to send it under.
#[derive(Debug, Clone)]
pub struct RenderedDossier {
    /// `Candidature_<Nom>_<Prénom>_<Titre>.pdf` (see `Dossier::file_name`).
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

/// An application's PDF dossier and its history, for the callers allowed to read it (S3).
#[derive(Debug, Clone)]
pub struct ApplicationDossiers {
    applications: Arc<dyn ApplicationRepository>,
    users: Arc<dyn UserRepository>,
    offers: Arc<dyn OfferRepository>,
    renderer: Arc<dyn DossierRenderer>,
    clock: Arc<dyn Clock>,
}

impl ApplicationDossiers {
    /// The use case on its ports; `renderer` turns the gathered `Dossier` into a PDF.
    pub fn new(
        applications: Arc<dyn ApplicationRepository>,
        users: Arc<dyn UserRepository>,
        offers: Arc<dyn OfferRepository>,
        renderer: Arc<dyn DossierRenderer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { applications, users, offers, renderer, clock }
    }

    /// The history of application `id`, oldest first, as `caller` may see it (`history_for`): its own candidate
    /// (dates and statuses only) or staff (notes and authors too).
    #[instrument(name = "applications.dossier.history", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn history(&self, caller: &User, id: Uuid) -> Result<Vec<StatusChange>, DossierExportError> {
        let application = self.applications.get(id).await?.ok_or(DossierExportError::NotFound)?;
        match super::read_access(caller, &application) {
            Decision::Allow => {}
            Decision::Hide => return Err(DossierExportError::NotFound),
            Decision::Forbid => return Err(DossierExportError::Forbidden),
        }
        Ok(super::history_for(caller, self.applications.history(id).await?))
    }

    /// The dossier of application `id`, for staff (S3: they read every application) or its own candidate.
    #[instrument(name = "applications.dossier.export", skip_all, fields(actor.id = %caller.id, application.id = %id))]
    pub async fn export(
        &self,
        caller: &User,
        id: Uuid,
        page_size: PageSize,
    ) -> Result<RenderedDossier, DossierExportError> {
        let application = self.applications.get(id).await?.ok_or(DossierExportError::NotFound)?;
        match super::read_access(caller, &application) {
            Decision::Allow => {}
            Decision::Hide => return Err(DossierExportError::NotFound),
            Decision::Forbid => return Err(DossierExportError::Forbidden),
        }
        let candidate = self.users.get(application.candidate_id).await?.ok_or(DossierExportError::NotFound)?;
        let offer = self.offers.get(application.job_offer_id).await?.ok_or(DossierExportError::NotFound)?;
        let documents = self.applications.documents(id).await?;
        let history = super::history_for(caller, self.applications.history(id).await?);
        let authors: Vec<Uuid> = history.iter().filter_map(|h| h.changed_by).collect();
        let names: HashMap<Uuid, String> = self
            .users
            .get_many(&authors)
            .await?
            .into_iter()
            .map(|u| (u.id, format!("{} {}", u.first_name, u.last_name)))
            .collect();

        let questions = offer.questions_mtp.clone().unwrap_or_default();
        let mtp = MtpFamily::ALL
            .into_iter()
            .map(|family| {
                let answers = application.mtp_answers.answers(family);
                let items = questions
                    .questions(family)
                    .iter()
                    .enumerate()
                    .map(|(i, q)| MtpItem { question: q.clone(), answer: answers.get(i).cloned() })
                    .collect();
                MtpFamilyAnswers { family, items }
            })
            .filter(|f| !f.items.is_empty())
            .collect();
        let kind = candidate.candidate_kind.unwrap_or(CandidateKind::External);
        let dossier = Dossier {
            generated_at: self.clock.now(),
            page_size,
            candidate: DossierCandidate {
                first_name: candidate.first_name.clone(),
                last_name: candidate.last_name.clone(),
                email: candidate.email.clone(),
                phone: candidate.phone.clone(),
                date_of_birth: candidate.date_of_birth,
                sexe: candidate.sexe,
                kind,
                matricule: candidate.matricule.and_then(|m| Matricule::parse_i64(i64::from(m)).ok()),
                address: candidate.adresse.clone(),
                current_position: candidate.poste_actuel.clone(),
                years_of_experience: candidate.annees_experience,
            },
            offer: DossierOffer {
                id: offer.id,
                reference: None,
                title: offer.title.clone(),
                department: offer.department.clone(),
                location: offer.location.clone(),
                contract_type: offer.contract_type.clone(),
            },
            application: DossierApplication {
                id: application.id,
                status: application.status,
                submitted_at: application.created_at,
                has_been_manager: Some(application.has_been_manager),
                reference: DossierReference {
                    company: application.reference.entreprise.clone(),
                    full_name: application.reference.fullname.clone(),
                    email: application.reference.mail.clone(),
                    contact: application.reference.contact.clone(),
                },
            },
            mtp,
            documents: documents
                .iter()
                .map(|d| DossierDocument {
                    kind: d.document_type,
                    file_name: d.file_name.clone(),
                    size_bytes: d.file_size,
                    sha256: d.sha256.clone(),
                })
                .collect(),
            history: history
                .iter()
                .map(|h| HistoryEntry {
                    at: h.changed_at,
                    from: h.previous_status,
                    to: h.new_status,
                    by: h.changed_by.and_then(|id| names.get(&id).cloned()),
                    notes: h.notes.clone(),
                })
                .collect(),
            evaluations: DossierEvaluations::default(),
        };
        let file_name = dossier.file_name();
        let renderer = Arc::clone(&self.renderer);
        let bytes = tokio::task::spawn_blocking(move || renderer.render(&dossier))
            .await
            .map_err(|e| anyhow::anyhow!("rendu du dossier interrompu : {e}"))?
            .map_err(anyhow::Error::new)?;
        Ok(RenderedDossier { file_name, bytes })
    }
}
