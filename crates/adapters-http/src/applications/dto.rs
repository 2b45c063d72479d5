//! The legacy shapes of an application and of what hangs from it (`Application`, `Document`, one history row),
//! shared by every application route and the dashboards; the document a JSON body uploads (`DocumentUpload`).

use chrono::{DateTime, Utc};
use seeg_application::applications::{ApplicationDocument, StatusChange};
use seeg_domain::applications::{Application, MtpAnswers};
use seeg_domain::offers::MtpFamily;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

/// Legacy `Application`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationBody {
    pub id: Uuid,
    pub candidate_id: Uuid,
    pub job_offer_id: Uuid,
    /// `candidature`, `incubation`, `entretien_programme`, `simulation_programmee`, `embauche`, `refuse`, `retiree`.
    pub status: String,
    pub reference_contacts: Option<String>,
    pub availability_start: Option<DateTime<Utc>>,
    pub has_been_manager: bool,
    pub ref_entreprise: Option<String>,
    pub ref_fullname: Option<String>,
    pub ref_mail: Option<String>,
    pub ref_contact: Option<String>,
    /// `{reponses_metier: [..], reponses_talent: [..], reponses_paradigme: [..]}`.
    #[schema(value_type = Object)]
    pub mtp_answers: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationBody {
    fn from(a: &Application) -> Self {
        let mut answers = serde_json::Map::new();
        for family in MtpFamily::ALL {
            answers
                .insert(MtpAnswers::answers_key(family).to_owned(), serde_json::json!(a.mtp_answers.answers(family)));
        }
        Self {
            id: a.id,
            candidate_id: a.candidate_id,
            job_offer_id: a.job_offer_id,
            status: a.status.as_str().to_owned(),
            reference_contacts: a.reference_contacts.clone(),
            availability_start: a.availability_start,
            has_been_manager: a.has_been_manager,
            ref_entreprise: a.reference.entreprise.clone(),
            ref_fullname: a.reference.fullname.clone(),
            ref_mail: a.reference.mail.clone(),
            ref_contact: a.reference.contact.clone(),
            mtp_answers: Value::Object(answers),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// Legacy `Document` (no bytes), with the sha256 that is also the download's `ETag`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentBody {
    pub id: Uuid,
    pub application_id: Uuid,
    pub document_type: String,
    pub file_name: String,
    pub file_size: u64,
    pub file_type: String,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<&ApplicationDocument> for DocumentBody {
    fn from(d: &ApplicationDocument) -> Self {
        Self {
            id: d.id,
            application_id: d.application_id,
            document_type: d.document_type.as_str().to_owned(),
            file_name: d.file_name.clone(),
            file_size: d.file_size,
            file_type: d.file_type.clone(),
            sha256: d.sha256.clone(),
            uploaded_at: d.uploaded_at,
        }
    }
}

/// One document of a submission: base64 bytes (no `data:` prefix).
#[derive(Debug, Deserialize, ToSchema)]
pub struct DocumentUpload {
    pub document_type: Option<String>,
    pub file_name: Option<String>,
    pub file_data: Option<String>,
}

/// One history row (legacy §2.8).
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryBody {
    pub id: Uuid,
    pub application_id: Uuid,
    pub changed_by: Option<Uuid>,
    pub previous_status: Option<String>,
    pub new_status: String,
    pub notes: Option<String>,
    pub changed_at: DateTime<Utc>,
}

impl From<&StatusChange> for HistoryBody {
    fn from(c: &StatusChange) -> Self {
        Self {
            id: c.id,
            application_id: c.application_id,
            changed_by: c.changed_by,
            previous_status: c.previous_status.map(|s| s.as_str().to_owned()),
            new_status: c.new_status.as_str().to_owned(),
            notes: c.notes.clone(),
            changed_at: c.changed_at,
        }
    }
}
