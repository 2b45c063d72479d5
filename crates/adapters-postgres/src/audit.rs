//! The audit trail: appended inside the transaction of the action it records, listed newest first.

use anyhow::Context as _;
use async_trait::async_trait;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use seeg_application::identity::{AuditEvent, AuditFilter, AuditRepository, AuditWriter};
use seeg_application::{Page, PageOf, StoreError};
use serde_json::{Value, json};

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::audit_event::{Column, Entity, Model};

#[async_trait]
impl AuditRepository for Database {
    async fn list(&self, filter: &AuditFilter, page: Page) -> Result<PageOf<AuditEvent>, StoreError> {
        let mut select = Entity::find();
        if let Some(actor_id) = filter.actor_id {
            select = select.filter(Column::ActorId.eq(actor_id));
        }
        if let Some(action) = &filter.action {
            select = select.filter(Column::Action.eq(action.as_str()));
        }
        if let Some(target_type) = &filter.target_type {
            select = select.filter(Column::TargetType.eq(target_type.as_str()));
        }
        if let Some(target_id) = &filter.target_id {
            select = select.filter(Column::TargetId.eq(target_id.as_str()));
        }
        if let Some(from) = filter.from {
            select = select.filter(Column::OccurredAt.gte(from));
        }
        if let Some(to) = filter.to {
            select = select.filter(Column::OccurredAt.lt(to));
        }
        let select = select.order_by_desc(Column::OccurredAt).order_by_desc(Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        let items = found.items.into_iter().map(to_domain).collect::<Result<_, _>>()?;
        Ok(PageOf { items, total: found.total })
    }
}

#[async_trait]
impl AuditWriter for SqlTransaction {
    async fn append(&mut self, event: &AuditEvent) -> Result<(), StoreError> {
        let e = event.clone();
        let model = Model {
            id: e.id,
            actor_id: e.actor_id,
            action: e.action,
            target_type: e.target_type,
            target_id: e.target_id,
            request_id: e.request_id,
            changes: Some(json!(e.changed_fields)),
            occurred_at: e.occurred_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }
}

fn to_domain(m: Model) -> Result<AuditEvent, StoreError> {
    let changed_fields = match m.changes {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => serde_json::from_value(v).context("audit_events.changes n'est pas une liste de textes")?,
    };
    Ok(AuditEvent {
        id: m.id,
        actor_id: m.actor_id,
        action: m.action,
        target_type: m.target_type,
        target_id: m.target_id,
        request_id: m.request_id,
        changed_fields,
        occurred_at: m.occurred_at,
    })
}
