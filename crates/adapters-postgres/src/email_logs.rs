//! The e-mail log (`email_logs`) and the accounts' e-mail preferences (`user_mail_preferences`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use seeg_application::mail::{
    Attempt, EmailLog, EmailLogFilter, EmailLogRepository, EmailLogWriter, MailPreferenceRepository, MailPreferences,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::mail::MailStatus;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::{email_log, user_mail_preference};
use crate::offers::contains;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Unexpected(anyhow::anyhow!("{what} illisible : {detail}"))
}

fn into_log(m: email_log::Model) -> Result<EmailLog, StoreError> {
    let metadata = m.email_metadata.unwrap_or_default();
    let field = |name: &str| metadata.get(name).and_then(serde_json::Value::as_str).unwrap_or_default().to_owned();
    Ok(EmailLog {
        id: m.id,
        application_id: m.application_id,
        user_id: m.user_id,
        text: field("body_plain"),
        kind: field("kind"),
        to: m.to,
        subject: m.subject,
        html: m.html,
        status: m.status.parse().map_err(|e| corrupt("email_logs.status", e))?,
        attempts: u32::try_from(m.attempts).map_err(|e| corrupt("email_logs.attempts", e))?,
        last_error: m.last_error,
        provider_message_id: m.provider_message_id,
        sent_at: m.sent_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn from_log(log: &EmailLog) -> Result<email_log::Model, StoreError> {
    Ok(email_log::Model {
        id: log.id,
        application_id: log.application_id,
        user_id: log.user_id,
        to: log.to.clone(),
        subject: log.subject.clone(),
        html: log.html.clone(),
        category: log.status.as_str().to_owned(),
        provider_message_id: log.provider_message_id.clone(),
        sent_at: log.sent_at,
        email_metadata: Some(serde_json::json!({ "body_plain": log.text, "kind": log.kind })),
        status: log.status.as_str().to_owned(),
        attempts: i32::try_from(log.attempts).map_err(|e| StoreError::Unexpected(e.into()))?,
        last_error: log.last_error.clone(),
        created_at: log.created_at,
        updated_at: log.updated_at,
    })
}

fn attempts(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[async_trait]
impl EmailLogWriter for SqlTransaction {
    async fn insert(&mut self, log: &EmailLog) -> Result<(), StoreError> {
        from_log(log)?.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn preferences(&mut self, user_id: Uuid) -> Result<MailPreferences, StoreError> {
        Ok(preferences_of(user_mail_preference::Entity::find_by_id(user_id).one(&self.tx).await.map_err(store_error)?))
    }
}

fn preferences_of(row: Option<user_mail_preference::Model>) -> MailPreferences {
    row.map_or_else(MailPreferences::default, |r| MailPreferences { email_non_essential: r.email_non_essential })
}

#[async_trait]
impl EmailLogRepository for Database {
    async fn get(&self, id: Uuid) -> Result<Option<EmailLog>, StoreError> {
        email_log::Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(into_log).transpose()
    }

    async fn list(&self, filter: &EmailLogFilter, page: Page) -> Result<PageOf<EmailLog>, StoreError> {
        use email_log::Column;
        let mut select = email_log::Entity::find();
        if let Some(status) = filter.status {
            select = select.filter(Column::Status.eq(status.as_str()));
        }
        if let Some(recipient) = filter.recipient.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            select = select.filter(contains(Func::lower(Expr::col(Column::To)), &recipient.to_lowercase()));
        }
        if let Some(application_id) = filter.application_id {
            select = select.filter(Column::ApplicationId.eq(application_id));
        }
        if let Some(user_id) = filter.user_id {
            select = select.filter(Column::UserId.eq(user_id));
        }
        if let Some(from) = filter.queued_from {
            select = select.filter(Column::CreatedAt.gte(from));
        }
        if let Some(before) = filter.queued_before {
            select = select.filter(Column::CreatedAt.lt(before));
        }
        let select = select.order_by_desc(Column::CreatedAt).order_by_desc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        Ok(PageOf { total: found.total, items: found.items.into_iter().map(into_log).collect::<Result<_, _>>()? })
    }

    async fn record(&self, id: Uuid, attempt: &Attempt, now: DateTime<Utc>) -> Result<bool, StoreError> {
        use email_log::Column;
        let status = |s: MailStatus| Expr::value(s.as_str());
        let update = email_log::Entity::update_many().col_expr(Column::UpdatedAt, Expr::value(now));
        let update = match attempt {
            Attempt::Sent { attempts: n, provider_message_id } => update
                .col_expr(Column::Status, status(MailStatus::Sent))
                .col_expr(Column::Category, status(MailStatus::Sent))
                .col_expr(Column::Attempts, Expr::value(attempts(*n)))
                .col_expr(Column::ProviderMessageId, Expr::value(provider_message_id.clone()))
                .col_expr(Column::SentAt, Expr::value(Some(now)))
                .col_expr(Column::LastError, Expr::value(Option::<String>::None)),
            Attempt::Failed { attempts: n, error } => update
                .col_expr(Column::Status, status(MailStatus::Failed))
                .col_expr(Column::Category, status(MailStatus::Failed))
                .col_expr(Column::Attempts, Expr::value(attempts(*n)))
                .col_expr(Column::LastError, Expr::value(error.as_str())),
            Attempt::Dead => update
                .col_expr(Column::Status, status(MailStatus::Dead))
                .col_expr(Column::Category, status(MailStatus::Dead)),
        };
        let result = update.filter(Column::Id.eq(id)).exec(&self.conn).await.map_err(store_error)?;
        Ok(result.rows_affected > 0)
    }
}

#[async_trait]
impl MailPreferenceRepository for Database {
    async fn get(&self, user_id: Uuid) -> Result<MailPreferences, StoreError> {
        Ok(preferences_of(
            user_mail_preference::Entity::find_by_id(user_id).one(&self.conn).await.map_err(store_error)?,
        ))
    }

    async fn save(&self, user_id: Uuid, preferences: MailPreferences, now: DateTime<Utc>) -> Result<(), StoreError> {
        use user_mail_preference::Column;
        let row = user_mail_preference::Model {
            user_id,
            email_non_essential: preferences.email_non_essential,
            updated_at: now,
        };
        user_mail_preference::Entity::insert(row.into_active_model())
            .on_conflict(
                OnConflict::column(Column::UserId)
                    .update_columns([Column::EmailNonEssential, Column::UpdatedAt])
                    .to_owned(),
            )
            .exec_without_returning(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}
