//! Applications: the pipeline of statuses (I5), the documents a submission carries (R20, R21, S11), the answers
//! to an offer's MTP questions (R23, K3) and the references asked of each kind of candidate (R19, K3d).

mod answers;
mod application;
mod documents;
mod references;
mod status;

pub use answers::{MAX_ANSWER_CHARS, MtpAnswers, MtpAnswersError};
pub use application::Application;
pub use documents::{
    ACTIVE_NAMES, DocumentLimits, DocumentProblem, DocumentType, MAX_FILE_NAME_CHARS, PdfScan, check_document_types,
    check_file_name,
};
pub use references::{
    MAX_REFERENCE_CONTACT, MAX_REFERENCE_CONTACTS, MAX_REFERENCE_TEXT, Reference, ReferenceError, ReferenceInput,
    check_references, join_legacy_list, reference_contacts,
};
pub use status::{ApplicationStatus, InvalidTransition, StatusActor};
