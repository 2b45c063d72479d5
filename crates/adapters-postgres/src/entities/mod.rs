//! sea-orm models. They never leave this crate: repositories convert them to and from domain types.

pub mod access_request;
pub mod account_erasure;
pub mod application;
pub mod application_document;
pub mod application_draft;
pub mod application_history;
pub mod audit_event;
pub mod candidate_profile;
pub mod email_log;
pub mod evaluation_change;
pub mod idempotency_key;
pub mod interview_slot;
pub mod job_offer;
pub mod notification;
pub mod outbox_event;
pub mod password_reset;
pub mod protocol1_evaluation;
pub mod protocol2_evaluation;
pub mod refresh_token;
pub mod retention_warning;
pub mod seeg_agent;
pub mod upload_reservation;
pub mod user;
pub mod user_mail_preference;
