//! The e-mail log and the accounts' e-mail preferences in memory. As the SQL schema does: a row's application
//! must exist (foreign key) and is forgotten when the application is deleted (`ON DELETE SET NULL`); preferences
//! belong to an existing account.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use seeg_application::mail::{
    Attempt, EmailLog, EmailLogFilter, EmailLogRepository, EmailLogWriter, MailPreferenceRepository, MailPreferences,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::mail::MailStatus;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, page_of};

/// The log, by id.
pub(crate) type Table = BTreeMap<Uuid, EmailLog>;

/// `ON DELETE SET NULL` from the application.
pub(crate) fn forget_application(table: &mut Table, application_id: Uuid) {
    for log in table.values_mut().filter(|l| l.application_id == Some(application_id)) {
        log.application_id = None;
    }
}

fn matches(filter: &EmailLogFilter, log: &EmailLog) -> bool {
    let recipient = filter.recipient.as_deref().map(str::trim).filter(|r| !r.is_empty());
    filter.status.is_none_or(|s| log.status == s)
        && recipient.is_none_or(|r| log.to.to_lowercase().contains(&r.to_lowercase()))
        && filter.application_id.is_none_or(|a| log.application_id == Some(a))
        && filter.user_id.is_none_or(|u| log.user_id == Some(u))
        && filter.queued_from.is_none_or(|from| log.created_at >= from)
        && filter.queued_before.is_none_or(|before| log.created_at < before)
}

#[async_trait]
impl EmailLogWriter for MemoryTransaction {
    async fn insert(&mut self, log: &EmailLog) -> Result<(), StoreError> {
        if let Some(application_id) = log.application_id
            && self.application_status(application_id).is_none()
        {
            return Err(StoreError::Unexpected(anyhow::anyhow!("candidature {application_id} inconnue")));
        }
        self.record(Change::InsertEmailLog(Box::new(log.clone())))
    }

    async fn preferences(&mut self, user_id: Uuid) -> Result<MailPreferences, StoreError> {
        Ok(self.store.read(|state| state.mail_preferences.get(&user_id).copied().unwrap_or_default()))
    }
}

#[async_trait]
impl EmailLogRepository for MemoryStore {
    async fn get(&self, id: Uuid) -> Result<Option<EmailLog>, StoreError> {
        Ok(self.read(|state| state.email_logs.get(&id).cloned()))
    }

    async fn list(&self, filter: &EmailLogFilter, page: Page) -> Result<PageOf<EmailLog>, StoreError> {
        Ok(self.read(|state| {
            let mut rows: Vec<&EmailLog> = state.email_logs.values().filter(|l| matches(filter, l)).collect();
            rows.sort_by_key(|l| std::cmp::Reverse((l.created_at, l.id)));
            page_of(rows, page)
        }))
    }

    async fn record(&self, id: Uuid, attempt: &Attempt, now: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.write(|state| {
            let Some(log) = state.email_logs.get_mut(&id) else { return false };
            match attempt {
                Attempt::Sent { attempts, provider_message_id } => {
                    log.status = MailStatus::Sent;
                    log.attempts = *attempts;
                    log.provider_message_id.clone_from(provider_message_id);
                    log.sent_at = Some(now);
                    log.last_error = None;
                }
                Attempt::Failed { attempts, error } => {
                    log.status = MailStatus::Failed;
                    log.attempts = *attempts;
                    log.last_error = Some(error.as_str().to_owned());
                }
                Attempt::Dead => log.status = MailStatus::Dead,
            }
            log.updated_at = now;
            true
        }))
    }
}

#[async_trait]
impl MailPreferenceRepository for MemoryStore {
    async fn get(&self, user_id: Uuid) -> Result<MailPreferences, StoreError> {
        Ok(self.read(|state| state.mail_preferences.get(&user_id).copied().unwrap_or_default()))
    }

    async fn save(&self, user_id: Uuid, preferences: MailPreferences, _now: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(|state| {
            if !state.users.contains_key(&user_id) {
                return Err(StoreError::Unexpected(anyhow::anyhow!("compte {user_id} inconnu")));
            }
            state.mail_preferences.insert(user_id, preferences);
            Ok(())
        })
    }
}
