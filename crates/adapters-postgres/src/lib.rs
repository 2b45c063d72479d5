//! sea-orm repositories for every persistence port. PostgreSQL in production, SQLite as the embedded default:
//! the same code serves both, and the only backend-specific piece (row locks for the outbox claim) is chosen by
//! sea-query's builder for the connected backend.

mod agents;
mod analytics;
mod applications;
mod audit;
mod candidate_profiles;
mod created_applications;
mod database;
mod document_references;
mod drafts;
mod email_logs;
mod entities;
mod erasure;
mod evaluations;
mod idempotency;
mod identity;
mod interview_slots;
mod live;
mod locks;
mod notifications;
mod offers;
mod outbox;
mod password_resets;
mod query_spans;
mod read_models;
mod retention;
mod uploads;

pub use database::{Database, DatabaseError, MigrationStatus};
