//! Accounts, access requests and refresh tokens: reads on the pool, writes inside a transaction. Unique indexes
//! (e-mail, matricule, token hash) decide conflicts, so concurrent writers cannot both win.

use std::collections::BTreeMap;

use anyhow::anyhow;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel, Order, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use seeg_application::identity::{
    AccessRequest, AccessRequestCounts, AccessRequestFilter, AccessRequestRepository, AccessRequestWriter,
    RefreshTokenRecord, RefreshTokenRepository, RefreshTokenWriter, SortOrder, UserFilter, UserRepository, UserSort,
    UserSortKey, UserWriter,
};
use seeg_application::{Page, PageOf, StoreError};
use seeg_domain::identity::{AccessRequestStatus, Role, User};
use seeg_domain::search;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, fetch_page, store_error};
use crate::entities::{access_request, refresh_token, user};
use crate::offers::escape_like;

#[async_trait]
impl UserRepository for Database {
    async fn get(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        user::Entity::find_by_id(id).one(&self.conn).await.map_err(store_error)?.map(user_to_domain).transpose()
    }

    async fn get_many(&self, ids: &[Uuid]) -> Result<Vec<User>, StoreError> {
        let mut wanted = ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = Vec::with_capacity(wanted.len());
        // Bounded statements: SQLite allows 32 766 parameters, PostgreSQL 65 535.
        for chunk in wanted.chunks(1000) {
            let rows = user::Entity::find()
                .filter(user::Column::Id.is_in(chunk.iter().copied()))
                .all(&self.conn)
                .await
                .map_err(store_error)?;
            for row in rows {
                found.push(user_to_domain(row)?);
            }
        }
        Ok(found)
    }

    async fn find_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(user_to_domain)
            .transpose()
    }

    async fn matricule_taken(&self, matricule: i32) -> Result<bool, StoreError> {
        let n = user::Entity::find()
            .filter(user::Column::Matricule.eq(matricule))
            .count(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(n > 0)
    }

    async fn any_admin(&self) -> Result<bool, StoreError> {
        let admin = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Role.eq(Role::Admin.as_str()))
            .into_tuple::<Uuid>()
            .one(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(admin.is_some())
    }

    async fn count_by_role(&self) -> Result<BTreeMap<Role, u64>, StoreError> {
        let rows: Vec<(String, i64)> = user::Entity::find()
            .select_only()
            .column(user::Column::Role)
            .column_as(Expr::col(user::Column::Id).count(), "n")
            .group_by(user::Column::Role)
            .into_tuple()
            .all(&self.conn)
            .await
            .map_err(store_error)?;
        rows.into_iter()
            .map(|(role, n)| {
                let role = role.parse().map_err(|e| anyhow!("users.role: {e}"))?;
                Ok((role, u64::try_from(n).unwrap_or_default()))
            })
            .collect()
    }

    async fn list(&self, filter: &UserFilter, page: Page, sort: UserSort) -> Result<PageOf<User>, StoreError> {
        let mut condition = Condition::all();
        if let Some(q) = &filter.q {
            let pattern = format!("%{}%", escape_like(&search::fold(q)));
            condition = condition.add(Expr::col(user::Column::SearchFolded).like(LikeExpr::new(pattern).escape('\\')));
        }
        if let Some(role) = filter.role {
            condition = condition.add(user::Column::Role.eq(role.as_str()));
        }
        if let Some(status) = filter.status {
            condition = condition.add(user::Column::Statut.eq(status.as_str()));
        }
        let column = match sort.key {
            UserSortKey::FirstName => user::Column::FirstName,
            UserSortKey::LastName => user::Column::LastName,
            UserSortKey::Email => user::Column::Email,
            UserSortKey::CreatedAt => user::Column::CreatedAt,
        };
        let order = match sort.order {
            SortOrder::Asc => Order::Asc,
            SortOrder::Desc => Order::Desc,
        };
        let select =
            user::Entity::find().filter(condition).order_by(column, order.clone()).order_by(user::Column::Id, order);
        let found = fetch_page(&self.conn, select, page).await?;
        let items = found.items.into_iter().map(user_to_domain).collect::<Result<_, _>>()?;
        Ok(PageOf { items, total: found.total })
    }
}

#[async_trait]
impl UserWriter for SqlTransaction {
    async fn insert(&mut self, user: &User) -> Result<(), StoreError> {
        user_from_domain(user).into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn record_login(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::LastLogin, Expr::value(at))
            .filter(user::Column::Id.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn lock(&mut self, id: Uuid) -> Result<Option<User>, StoreError> {
        // FOR UPDATE on PostgreSQL; sea-orm leaves it out on SQLite, whose BEGIN IMMEDIATE already serialises
        // writers.
        user::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .map(user_to_domain)
            .transpose()
    }

    async fn update(&mut self, user: &User) -> Result<(), StoreError> {
        user_from_domain(user).into_active_model().reset_all().update(&self.tx).await.map_err(store_error)?;
        if user.status != seeg_domain::identity::UserStatus::Active {
            // An account that may no longer sign in loses its live streams at once (B3).
            self.signal(seeg_application::live::Signal::Revoked { user_id: user.id }).await?;
        }
        Ok(())
    }

    async fn set_password(&mut self, id: Uuid, password_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        user::Entity::update_many()
            .col_expr(user::Column::HashedPassword, Expr::value(password_hash))
            .col_expr(user::Column::UpdatedAt, Expr::value(at))
            .filter(user::Column::Id.eq(id))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }
}

pub(crate) fn user_to_domain(m: user::Model) -> Result<User, StoreError> {
    Ok(User {
        id: m.id,
        email: m.email,
        first_name: m.first_name,
        last_name: m.last_name,
        role: m.role.parse().map_err(|e| anyhow!("users.role: {e}"))?,
        phone: m.phone,
        date_of_birth: m.date_of_birth,
        sexe: m.sexe.map(|s| s.parse()).transpose().map_err(|e| anyhow!("users.sexe: {e}"))?,
        matricule: m.matricule,
        password_hash: m.hashed_password,
        email_verified: m.email_verified,
        last_login: m.last_login,
        candidate_kind: m
            .candidate_status
            .map(|s| s.parse())
            .transpose()
            .map_err(|e| anyhow!("users.candidate_status: {e}"))?,
        status: m.statut.parse().map_err(|e| anyhow!("users.statut: {e}"))?,
        adresse: m.adresse,
        poste_actuel: m.poste_actuel,
        annees_experience: m.annees_experience,
        no_seeg_email: m.no_seeg_email,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn user_from_domain(u: &User) -> user::Model {
    user::Model {
        id: u.id,
        email: u.email.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        role: u.role.as_str().to_owned(),
        phone: u.phone.clone(),
        date_of_birth: u.date_of_birth,
        sexe: u.sexe.map(|s| s.as_str().to_owned()),
        matricule: u.matricule,
        hashed_password: u.password_hash.clone(),
        email_verified: u.email_verified,
        last_login: u.last_login,
        // Legacy flags: `is_active` is superseded by `statut`, `is_internal_candidate` derives from the kind.
        is_active: true,
        is_internal_candidate: u.is_internal_candidate(),
        adresse: u.adresse.clone(),
        candidate_status: u.candidate_kind.map(|k| k.as_str().to_owned()),
        statut: u.status.as_str().to_owned(),
        poste_actuel: u.poste_actuel.clone(),
        annees_experience: u.annees_experience,
        no_seeg_email: u.no_seeg_email,
        search_folded: Some(u.search_folded()),
        created_at: u.created_at,
        updated_at: u.updated_at,
    }
}

#[async_trait]
impl AccessRequestRepository for Database {
    async fn find_pending_for_user(&self, user_id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        access_request::Entity::find()
            .filter(access_request::Column::UserId.eq(user_id))
            .filter(access_request::Column::Status.eq(AccessRequestStatus::Pending.as_str()))
            .order_by_desc(access_request::Column::CreatedAt)
            .order_by_desc(access_request::Column::Id)
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(access_request_to_domain)
            .transpose()
    }

    async fn get(&self, id: Uuid) -> Result<Option<AccessRequest>, StoreError> {
        access_request::Entity::find_by_id(id)
            .one(&self.conn)
            .await
            .map_err(store_error)?
            .map(access_request_to_domain)
            .transpose()
    }

    async fn list(&self, filter: &AccessRequestFilter, page: Page) -> Result<PageOf<AccessRequest>, StoreError> {
        let mut condition = Condition::all();
        if let Some(status) = filter.status {
            condition = condition.add(access_request::Column::Status.eq(status.as_str()));
        }
        if let Some(viewed) = filter.viewed {
            condition = condition.add(access_request::Column::Viewed.eq(viewed));
        }
        let select = access_request::Entity::find()
            .filter(condition)
            .order_by_desc(access_request::Column::CreatedAt)
            .order_by_desc(access_request::Column::Id);
        let found = fetch_page(&self.conn, select, page).await?;
        let items = found.items.into_iter().map(access_request_to_domain).collect::<Result<_, _>>()?;
        Ok(PageOf { items, total: found.total })
    }

    async fn counts(&self) -> Result<AccessRequestCounts, StoreError> {
        let pending = access_request::Entity::find()
            .filter(access_request::Column::Status.eq(AccessRequestStatus::Pending.as_str()));
        let unviewed = pending.clone().filter(access_request::Column::Viewed.eq(false));
        Ok(AccessRequestCounts {
            pending: pending.count(&self.conn).await.map_err(store_error)?,
            unviewed: unviewed.count(&self.conn).await.map_err(store_error)?,
        })
    }
}

#[async_trait]
impl AccessRequestWriter for SqlTransaction {
    async fn insert(&mut self, request: &AccessRequest) -> Result<(), StoreError> {
        let r = request.clone();
        let model = access_request::Model {
            id: r.id,
            user_id: r.user_id,
            email: r.email,
            first_name: Some(r.first_name),
            last_name: Some(r.last_name),
            phone: r.phone,
            matricule: r.matricule,
            request_type: r.request_type,
            status: r.status.as_str().to_owned(),
            rejection_reason: r.rejection_reason,
            viewed: r.viewed,
            created_at: r.created_at,
            reviewed_at: r.reviewed_at,
            reviewed_by: r.reviewed_by,
            updated_at: r.updated_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn record_review(&mut self, request: &AccessRequest) -> Result<bool, StoreError> {
        // One conditional UPDATE: a concurrent reviewer waits on the row lock, then no longer matches.
        let result = access_request::Entity::update_many()
            .col_expr(access_request::Column::Status, Expr::value(request.status.as_str()))
            .col_expr(access_request::Column::RejectionReason, Expr::value(request.rejection_reason.clone()))
            .col_expr(access_request::Column::ReviewedAt, Expr::value(request.reviewed_at))
            .col_expr(access_request::Column::ReviewedBy, Expr::value(request.reviewed_by))
            .col_expr(access_request::Column::UpdatedAt, Expr::value(request.updated_at))
            .filter(access_request::Column::Id.eq(request.id))
            .filter(access_request::Column::Status.eq(AccessRequestStatus::Pending.as_str()))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn close_pending_for_user(
        &mut self,
        user_id: Uuid,
        status: AccessRequestStatus,
        by: Uuid,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let result = access_request::Entity::update_many()
            .col_expr(access_request::Column::Status, Expr::value(status.as_str()))
            .col_expr(access_request::Column::RejectionReason, Expr::value(None::<String>))
            .col_expr(access_request::Column::ReviewedAt, Expr::value(at))
            .col_expr(access_request::Column::ReviewedBy, Expr::value(by))
            .col_expr(access_request::Column::UpdatedAt, Expr::value(at))
            .filter(access_request::Column::UserId.eq(user_id))
            .filter(access_request::Column::Status.eq(AccessRequestStatus::Pending.as_str()))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }

    async fn mark_all_viewed(&mut self, at: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = access_request::Entity::update_many()
            .col_expr(access_request::Column::Viewed, Expr::value(true))
            .col_expr(access_request::Column::UpdatedAt, Expr::value(at))
            .filter(access_request::Column::Status.eq(AccessRequestStatus::Pending.as_str()))
            .filter(access_request::Column::Viewed.eq(false))
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }
}

fn access_request_to_domain(m: access_request::Model) -> Result<AccessRequest, StoreError> {
    Ok(AccessRequest {
        id: m.id,
        user_id: m.user_id,
        email: m.email,
        // Nullable in the legacy schema; a request imported without names still reads.
        first_name: m.first_name.unwrap_or_default(),
        last_name: m.last_name.unwrap_or_default(),
        phone: m.phone,
        matricule: m.matricule,
        request_type: m.request_type,
        status: m.status.parse().map_err(|e| anyhow!("access_requests.status: {e}"))?,
        rejection_reason: m.rejection_reason,
        viewed: m.viewed,
        created_at: m.created_at,
        reviewed_at: m.reviewed_at,
        reviewed_by: m.reviewed_by,
        updated_at: m.updated_at,
    })
}

#[async_trait]
impl RefreshTokenRepository for Database {
    async fn find_by_hash(&self, token_hash: &str) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let found = refresh_token::Entity::find()
            .filter(refresh_token::Column::TokenHash.eq(token_hash))
            .one(&self.conn)
            .await
            .map_err(store_error)?;
        Ok(found.map(|m| RefreshTokenRecord {
            id: m.id,
            user_id: m.user_id,
            family_id: m.family_id,
            token_hash: m.token_hash,
            issued_at: m.issued_at,
            expires_at: m.expires_at,
            used_at: m.used_at,
            revoked_at: m.revoked_at,
        }))
    }

    async fn remove_expired(&self, expired_before: DateTime<Utc>) -> Result<u64, StoreError> {
        let expired = sea_orm::Condition::all().add(refresh_token::Column::ExpiresAt.lt(expired_before));
        crate::database::delete_in_batches::<refresh_token::Entity>(&self.conn, refresh_token::Column::Id, expired)
            .await
    }
}

#[async_trait]
impl RefreshTokenWriter for SqlTransaction {
    async fn insert(&mut self, token: &RefreshTokenRecord) -> Result<(), StoreError> {
        let t = token.clone();
        let model = refresh_token::Model {
            id: t.id,
            user_id: t.user_id,
            family_id: t.family_id,
            token_hash: t.token_hash,
            issued_at: t.issued_at,
            expires_at: t.expires_at,
            used_at: t.used_at,
            revoked_at: t.revoked_at,
        };
        model.into_active_model().insert(&self.tx).await.map_err(store_error)?;
        Ok(())
    }

    async fn consume(&mut self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        // One conditional UPDATE: a concurrent consumer waits on the row lock, then no longer matches.
        let result = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(at))
            .filter(refresh_token::Column::Id.eq(id))
            .filter(refresh_token::Column::UsedAt.is_null())
            .filter(refresh_token::Column::RevokedAt.is_null())
            .exec(&self.tx)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected == 1)
    }

    async fn revoke_family(&mut self, family_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        revoke(&self.tx, refresh_token::Column::FamilyId.eq(family_id), at).await
    }

    async fn revoke_user(&mut self, user_id: Uuid, at: DateTime<Utc>) -> Result<u64, StoreError> {
        revoke(&self.tx, refresh_token::Column::UserId.eq(user_id), at).await
    }
}

async fn revoke(
    tx: &sea_orm::DatabaseTransaction,
    which: sea_orm::sea_query::SimpleExpr,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(at))
        .filter(which)
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(tx)
        .await
        .map_err(store_error)?;
    Ok(result.rows_affected)
}
