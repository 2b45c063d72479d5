//! Black-box HTTP tests: the real service on port 0, a fresh database per test, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::similar_names)] // tests fail loudly

mod access_requests;
mod accounts_admin;
mod admin;
mod analytics;
mod application_edits;
mod application_mail;
mod application_stats;
mod applications;
mod audit;
mod auth;
mod authz_before_body;
mod doc_ids;
mod docs;
mod document_sweep;
mod drafts;
mod emails;
mod evaluations;
mod health;
mod housekeeping;
mod http_conventions;
mod idempotency;
mod interviews;
mod jobs;
mod lake_backfill;
mod lake_export;
mod live_hardening;
mod live_notifications;
mod matricules;
mod multipart;
mod notifications;
mod offer_cache;
mod outbox_admin;
mod passwords;
mod pdf_active_content;
mod permissions;
mod profiles;
mod public_offers;
mod rate_limits;
mod server_relay;
mod service_routes;
mod upload_limits;
mod users;
mod webhooks;
