//! Applications: submission (I1, I3, I4, S11), reads, and the persistence ports they use.

mod access;
mod dashboards;
mod details;
mod dossier_export;
pub mod drafts;
mod editing;
mod export_requests;
mod function_hook;
mod hooks;
mod intake;
mod lake_backfill;
mod lake_export;
mod lake_handler;
mod pipeline;
mod ports;
pub mod read_models;
mod reads;
mod submission;
mod uploads;

pub use access::{history_for, read_access};
pub use dashboards::{ApplicationDashboards, CANDIDATE_APPLICATIONS_LIMIT, DashboardError};
pub use details::{ApplicationDetail, ApplicationDetails, DetailError};
pub use dossier_export::{ApplicationDossiers, DossierExportError, RenderedDossier};
pub use editing::{APPLICATION_DELETED, AddedDocument, ApplicationEditing, EditError};
pub use export_requests::{ExportReceipt, ExportRequestError, ExportRequests};
pub use function_hook::{FunctionHook, FunctionHookHandler};
pub use hooks::{AZURE_FUNCTION_NOTIFY, ExportHooks, ExportReason, LAKE_EXPORT_REQUESTED};
pub use intake::DocumentIntake;
pub use lake_backfill::{
    BACKFILL_PAGE, BackfillError, BackfillProgress, BackfillResult, BackfillSummary, BackfillWindow, Concurrency,
    CreatedApplications, CreatedWithin, CreationKey, DEFAULT_CONCURRENCY, LakeBackfill, MAX_CONCURRENCY, NoProgress,
};
pub use lake_export::{LakeDocuments, LakeExport, LakeExportError, LakeExportOutcome, LakeTableKeys, pdf_key};
pub use lake_handler::LakeExportHandler;
pub use pipeline::{ApplicationPipeline, MAX_NOTE_CHARS, PipelineError};
pub use ports::{ApplicationDocument, ApplicationFilter, ApplicationRepository, ApplicationWriter, StatusChange};
pub use reads::{ApplicationReads, ApplicationView};
pub use submission::{
    DocumentContent, IncomingDocument, ReceivedDocument, SubmissionError, Submissions, SubmitCommand, Submitted,
};
pub use uploads::{
    PendingBytes, PendingUpload, QuotaExceeded, QuotaLimits, ReserveError, UploadLedger, UploadQuota, UploadReservation,
};
