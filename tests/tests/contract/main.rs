//! Port contract suites: ONE suite per port, run against the in-memory adapter, SQLite and PostgreSQL, so the
//! fakes stay honest (CONVENTIONS 6).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::similar_names)] // tests fail loudly

mod access_requests;
mod agents;
mod analytics;
mod application_read_model;
mod application_reads;
mod applications;
mod audit;
mod candidate_profiles;
mod document_sweep;
mod documents;
mod drafts;
mod email_logs;
mod erasure;
mod evaluations;
mod housekeeping;
mod idempotency;
mod identity;
mod interview_slots;
mod lake_backfill;
mod lake_export;
mod live;
mod live_hardening;
mod locks;
mod mailers;
mod notifications;
mod offer_desk;
mod offers;
mod outbox;
mod password_resets;
mod rate_limits;
mod relay;
mod retention;
mod service_stats;
mod sessions;
mod uploads;
mod users_list;
