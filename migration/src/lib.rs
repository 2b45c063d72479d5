//! The one migration chain: it builds the whole schema on an empty PostgreSQL or SQLite database and every step
//! has a real `down` (I9, CONVENTIONS 13). Reference data (employees) is loaded by commands, never here.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_users;
mod m20261125_000002_create_job_offers;
mod m20261125_000003_create_outbox_events;
mod m20261125_000004_create_identity_tables;
mod m20261125_000005_add_users_search_folded;
mod m20261125_000006_create_password_resets;
mod m20261125_000007_create_candidate_profiles;
mod m20261125_000008_add_job_offers_search;
mod m20261125_000009_create_applications;
mod m20261125_000010_create_idempotency_keys;
mod m20261125_000011_create_application_documents_and_history;
mod m20261125_000012_create_application_drafts;
mod m20261204_000013_create_upload_reservations;
mod m20261205_000014_create_evaluations;
mod m20261205_000015_create_interview_slots;
mod m20261206_000016_notifications_application_fk;
mod m20261206_000017_create_email_logs;
mod m20261207_000018_offer_catalogue_version;
mod m20261207_000019_staff_read_indexes;
mod m20261208_000020_offer_title_trigram_index;
mod m20261209_000021_housekeeping_indexes;
mod m20261210_000022_analytics_history_index;
mod m20261211_000023_create_account_erasures;
mod m20261211_000024_create_retention_warnings;
mod m20261212_000025_email_logs_recipient_account;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_users::Migration),
            Box::new(m20261125_000002_create_job_offers::Migration),
            Box::new(m20261125_000003_create_outbox_events::Migration),
            Box::new(m20261125_000004_create_identity_tables::Migration),
            Box::new(m20261125_000005_add_users_search_folded::Migration),
            Box::new(m20261125_000006_create_password_resets::Migration),
            Box::new(m20261125_000007_create_candidate_profiles::Migration),
            Box::new(m20261125_000008_add_job_offers_search::Migration),
            Box::new(m20261125_000009_create_applications::Migration),
            Box::new(m20261125_000010_create_idempotency_keys::Migration),
            Box::new(m20261125_000011_create_application_documents_and_history::Migration),
            Box::new(m20261125_000012_create_application_drafts::Migration),
            Box::new(m20261204_000013_create_upload_reservations::Migration),
            Box::new(m20261205_000014_create_evaluations::Migration),
            Box::new(m20261205_000015_create_interview_slots::Migration),
            Box::new(m20261206_000016_notifications_application_fk::Migration),
            Box::new(m20261206_000017_create_email_logs::Migration),
            Box::new(m20261207_000018_offer_catalogue_version::Migration),
            Box::new(m20261207_000019_staff_read_indexes::Migration),
            Box::new(m20261208_000020_offer_title_trigram_index::Migration),
            Box::new(m20261209_000021_housekeeping_indexes::Migration),
            Box::new(m20261210_000022_analytics_history_index::Migration),
            Box::new(m20261211_000023_create_account_erasures::Migration),
            Box::new(m20261211_000024_create_retention_warnings::Migration),
            Box::new(m20261212_000025_email_logs_recipient_account::Migration),
        ]
    }
}
