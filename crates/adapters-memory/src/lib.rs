//! In-memory implementations of every persistence port: for fast tests, and for Rust services that embed the
//! application crate. The contract suites in `tests/` hold them to the same behaviour as the SQL adapters.
//!
//! The modules mirror `seeg-adapters-postgres`, one per capability: `database` holds the state, the transaction
//! and its commit; each other module implements its ports on `MemoryStore` (reads) and on the transaction
//! (writes, as the transaction sees its own changes).

mod agents;
mod analytics;
mod applications;
mod audit;
mod candidate_profiles;
mod clock;
mod created_applications;
mod database;
mod document_references;
mod drafts;
mod email_logs;
mod erasure;
mod evaluations;
mod idempotency;
mod identity;
mod interview_slots;
mod live;
mod notifications;
mod offers;
mod outbox;
mod password_resets;
mod read_models;
mod retention;
mod uploads;

pub use clock::ManualClock;
pub use database::MemoryStore;
