//! The erasure of an account (B7) in SQL: every table that holds a personal value, in the caller's transaction
//! (the contract is `seeg_application::privacy::ErasureWriter`'s).

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QuerySelect, Set, Value};
use seeg_application::StoreError;
use seeg_application::applications::APPLICATION_DELETED;
use seeg_application::privacy::{
    AccountStanding, CLOSED_NOTE, ERASED_FIRST_NAME, ERASED_LAST_NAME, ERASED_PASSWORD_HASH, ERASED_TEXT, ErasedData,
    ErasurePlan, ErasureRecord, ErasureRepository, ErasureWriter, erased_recipients, former_addresses,
};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{Role, UserStatus};
use seeg_domain::mail::MailStatus;
use seeg_domain::outbox::OutboxState;
use uuid::Uuid;

use crate::database::{Database, SqlTransaction, store_error};
use crate::entities::{
    access_request, account_erasure, application, application_document, application_draft, application_history,
    audit_event, candidate_profile, email_log, idempotency_key, interview_slot, notification, outbox_event,
    password_reset, protocol1_evaluation, protocol2_evaluation, refresh_token, upload_reservation, user,
    user_mail_preference,
};
use crate::offers::contains;

/// A NULL of a text column.
fn no_text() -> Expr {
    Expr::value(Value::String(None))
}

#[async_trait]
impl ErasureWriter for SqlTransaction {
    async fn standing(&mut self, user_id: Uuid) -> Result<Option<AccountStanding>, StoreError> {
        // FOR UPDATE on PostgreSQL (two erasures of one account queue here; an application insert's foreign-key
        // check waits too); sea-orm leaves it out on SQLite, whose BEGIN IMMEDIATE already serialises writers.
        let Some(account) =
            user::Entity::find_by_id(user_id).lock_exclusive().one(&self.tx).await.map_err(store_error)?
        else {
            return Ok(None);
        };
        let erased = account_erasure::Entity::find_by_id(user_id).one(&self.tx).await.map_err(store_error)?.is_some();
        let applications = application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .column(application::Column::Status)
            .filter(application::Column::CandidateId.eq(user_id))
            .into_tuple::<(Uuid, String)>()
            .all(&self.tx)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|(id, status)| {
                status.parse::<ApplicationStatus>().map(|s| (id, s)).map_err(|e| StoreError::Unexpected(e.into()))
            })
            .collect::<Result<_, _>>()?;
        let last_change: Option<chrono::DateTime<chrono::Utc>> = application::Entity::find()
            .select_only()
            .column_as(application::Column::UpdatedAt.max(), "last")
            .filter(application::Column::CandidateId.eq(user_id))
            .into_tuple::<Option<chrono::DateTime<chrono::Utc>>>()
            .one(&self.tx)
            .await
            .map_err(store_error)?
            .flatten();
        let last_activity = [Some(account.created_at), account.last_login, last_change].into_iter().flatten().max();
        let role = account.role.parse::<Role>().map_err(|e| StoreError::Unexpected(e.into()))?;
        Ok(Some(AccountStanding {
            email: account.email,
            erased,
            applications,
            role,
            last_activity: last_activity.unwrap_or(account.created_at),
        }))
    }

    async fn erase(&mut self, plan: &ErasurePlan) -> Result<ErasedData, StoreError> {
        let record = &plan.record;
        let user_id = record.user_id;
        let at = record.erased_at;
        let tx = &self.tx;
        let application_ids: Vec<Uuid> = application::Entity::find()
            .select_only()
            .column(application::Column::Id)
            .filter(application::Column::CandidateId.eq(user_id))
            .into_tuple()
            .all(tx)
            .await
            .map_err(store_error)?;
        // The applications the candidate deleted: gone from the database, perhaps still in the lake.
        let deleted: Vec<Option<String>> = audit_event::Entity::find()
            .select_only()
            .column(audit_event::Column::TargetId)
            .filter(audit_event::Column::ActorId.eq(user_id))
            .filter(audit_event::Column::Action.eq(APPLICATION_DELETED))
            .into_tuple()
            .all(tx)
            .await
            .map_err(store_error)?;
        let deleted: Vec<Uuid> = deleted.into_iter().flatten().filter_map(|id| id.parse().ok()).collect();

        // Applications in progress closed (forced), each with its history line.
        for &(id, from, history_id) in &plan.closing {
            application::Entity::update_many()
                .col_expr(application::Column::Status, Expr::value(ApplicationStatus::Retiree.as_str()))
                .col_expr(application::Column::UpdatedAt, Expr::value(at))
                .filter(application::Column::Id.eq(id))
                .exec(tx)
                .await
                .map_err(store_error)?;
            application_history::ActiveModel {
                id: Set(history_id),
                application_id: Set(id),
                changed_by: Set(record.erased_by),
                previous_status: Set(Some(from.as_str().to_owned())),
                new_status: Set(ApplicationStatus::Retiree.as_str().to_owned()),
                notes: Set(Some(CLOSED_NOTE.to_owned())),
                changed_at: Set(at),
            }
            .insert(tx)
            .await
            .map_err(store_error)?;
        }

        // The applications keep their offer, status, dates and scores; what describes the person goes.
        application::Entity::update_many()
            .col_expr(application::Column::ReferenceContacts, no_text())
            .col_expr(application::Column::RefEntreprise, no_text())
            .col_expr(application::Column::RefFullname, no_text())
            .col_expr(application::Column::RefMail, no_text())
            .col_expr(application::Column::RefContact, no_text())
            .col_expr(application::Column::MtpAnswers, Expr::value(Value::Json(None)))
            .filter(application::Column::CandidateId.eq(user_id))
            .exec(tx)
            .await
            .map_err(store_error)?;
        let document_keys: Vec<String> = application_document::Entity::find()
            .select_only()
            .column(application_document::Column::StorageKey)
            .filter(application_document::Column::ApplicationId.is_in(application_ids.clone()))
            .into_tuple()
            .all(tx)
            .await
            .map_err(store_error)?;
        application_document::Entity::delete_many()
            .filter(application_document::Column::ApplicationId.is_in(application_ids.clone()))
            .exec(tx)
            .await
            .map_err(store_error)?;
        // The erasure's own lines keep their note (it names nobody); every other note goes.
        application_history::Entity::update_many()
            .col_expr(application_history::Column::Notes, no_text())
            .filter(application_history::Column::ApplicationId.is_in(application_ids.clone()))
            .filter(application_history::Column::Id.is_not_in(plan.closing.iter().map(|c| c.2)))
            .exec(tx)
            .await
            .map_err(store_error)?;
        erase_evaluations(tx, &application_ids).await?;
        interview_slot::Entity::update_many()
            .col_expr(interview_slot::Column::CandidateName, no_text())
            .col_expr(interview_slot::Column::Notes, no_text())
            .filter(interview_slot::Column::ApplicationId.is_in(application_ids.clone()))
            .exec(tx)
            .await
            .map_err(store_error)?;
        notification::Entity::delete_many()
            .filter(
                notification::Column::UserId
                    .eq(user_id)
                    .or(notification::Column::RelatedApplicationId.is_in(application_ids.clone())),
            )
            .exec(tx)
            .await
            .map_err(store_error)?;
        let former = former_addresses_held_by_nobody(tx, plan).await?;
        erase_mail(tx, plan, &former, &application_ids).await?;
        erase_events(tx, plan, &former).await?;
        erase_kept_answers(tx, plan, &former, &application_ids).await?;

        // Rows that exist only for the person.
        macro_rules! delete_where {
            ($entity:ident, $column:expr) => {
                $entity::Entity::delete_many().filter($column.eq(user_id)).exec(tx).await.map_err(store_error)?;
            };
        }
        delete_where!(candidate_profile, candidate_profile::Column::UserId);
        delete_where!(access_request, access_request::Column::UserId);
        delete_where!(application_draft, application_draft::Column::UserId);
        delete_where!(refresh_token, refresh_token::Column::UserId);
        delete_where!(password_reset, password_reset::Column::UserId);
        delete_where!(upload_reservation, upload_reservation::Column::UserId);
        delete_where!(user_mail_preference, user_mail_preference::Column::UserId);
        delete_where!(idempotency_key, idempotency_key::Column::Scope);

        let folded =
            seeg_domain::search::fold(&format!("{ERASED_FIRST_NAME} {ERASED_LAST_NAME} {}", plan.erased_email));
        user::Entity::update_many()
            .col_expr(user::Column::Email, Expr::value(plan.erased_email.clone()))
            .col_expr(user::Column::FirstName, Expr::value(ERASED_FIRST_NAME))
            .col_expr(user::Column::LastName, Expr::value(ERASED_LAST_NAME))
            .col_expr(user::Column::Phone, no_text())
            .col_expr(user::Column::DateOfBirth, Expr::value(Value::ChronoDate(None)))
            .col_expr(user::Column::Sexe, no_text())
            .col_expr(user::Column::Matricule, Expr::value(Value::Int(None)))
            .col_expr(user::Column::HashedPassword, Expr::value(ERASED_PASSWORD_HASH))
            .col_expr(user::Column::EmailVerified, Expr::value(false))
            .col_expr(user::Column::IsActive, Expr::value(false))
            .col_expr(user::Column::Adresse, no_text())
            .col_expr(user::Column::Statut, Expr::value(UserStatus::Archived.as_str()))
            .col_expr(user::Column::PosteActuel, no_text())
            .col_expr(user::Column::AnneesExperience, Expr::value(Value::Int(None)))
            .col_expr(user::Column::SearchFolded, Expr::value(folded))
            .col_expr(user::Column::UpdatedAt, Expr::value(at))
            .filter(user::Column::Id.eq(user_id))
            .exec(tx)
            .await
            .map_err(store_error)?;
        // The account's live streams end (B3), as with any account that stops being active.
        self.signal(seeg_application::live::Signal::Revoked { user_id }).await?;
        let tx = &self.tx;
        account_erasure::ActiveModel {
            user_id: Set(user_id),
            erased_at: Set(at),
            erased_by: Set(record.erased_by),
            reason: Set(record.reason.clone()),
            forced: Set(record.forced),
            applications_closed: Set(i32::try_from(record.applications_closed).unwrap_or(i32::MAX)),
            documents_deleted: Set(i32::try_from(document_keys.len()).unwrap_or(i32::MAX)),
        }
        .insert(tx)
        .await
        .map_err(store_error)?;
        Ok(ErasedData { application_ids: application_ids.into_iter().chain(deleted).collect(), document_keys })
    }
}

/// The evaluators' comments and notes on the applications: free texts about the person. The scores stay.
async fn erase_evaluations(tx: &sea_orm::DatabaseTransaction, applications: &[Uuid]) -> Result<(), StoreError> {
    use protocol1_evaluation::Column as P1;
    use protocol2_evaluation::Column as P2;
    let mut first = protocol1_evaluation::Entity::update_many();
    for column in [
        P1::CvComments,
        P1::DiplomesCertificatsComments,
        P1::LettreMotivationComments,
        P1::MetierComments,
        P1::MetierNotes,
        P1::ParadigmeComments,
        P1::ParadigmeNotes,
        P1::TalentComments,
        P1::TalentNotes,
        P1::InterviewMetierComments,
        P1::InterviewParadigmeComments,
        P1::InterviewTalentComments,
        P1::GapCompetenceComments,
        P1::GeneralSummary,
    ] {
        first = first.col_expr(column, no_text());
    }
    first.filter(P1::ApplicationId.is_in(applications.to_vec())).exec(tx).await.map_err(store_error)?;
    protocol2_evaluation::Entity::update_many()
        .col_expr(P2::InterviewNotes, no_text())
        .col_expr(P2::VisitNotes, no_text())
        .col_expr(P2::SkillsGapNotes, no_text())
        .filter(P2::ApplicationId.is_in(applications.to_vec()))
        .exec(tx)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The account's former addresses (`ErasureWriter`'s contract): from its mail, less those another account holds.
async fn former_addresses_held_by_nobody(
    tx: &sea_orm::DatabaseTransaction,
    plan: &ErasurePlan,
) -> Result<Vec<String>, StoreError> {
    let user_id = plan.record.user_id;
    let recipients: Vec<String> = email_log::Entity::find()
        .select_only()
        .column(email_log::Column::To)
        .filter(email_log::Column::UserId.eq(user_id))
        .into_tuple()
        .all(tx)
        .await
        .map_err(store_error)?;
    let mut former = former_addresses(plan, recipients.iter().map(String::as_str));
    if former.is_empty() {
        return Ok(former);
    }
    // Addresses are stored lower-cased, as `former_addresses` answers them.
    let held: Vec<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Email)
        .filter(user::Column::Email.is_in(former.clone()))
        .filter(user::Column::Id.ne(user_id))
        .into_tuple()
        .all(tx)
        .await
        .map_err(store_error)?;
    former.retain(|address| !held.contains(address));
    Ok(former)
}

/// An e-mail log row as the erasure reads it: id, recipients, application, metadata, HTML, status, account.
type MailRow = (Uuid, String, Option<Uuid>, Option<serde_json::Value>, String, String, Option<Uuid>);

/// The e-mail log rows the contract names (addressed to the account, about its applications, to its address, or
/// naming it): subject, body and text removed, the person's recipients replaced (`erased_recipients`); their
/// outbox events (a `mail.send` carries the address and the text) deleted, so a queued one is never sent.
async fn erase_mail(
    tx: &sea_orm::DatabaseTransaction,
    plan: &ErasurePlan,
    former: &[String],
    applications: &[Uuid],
) -> Result<(), StoreError> {
    let user_id = plan.record.user_id;
    let like = |column: email_log::Column, address: &str| contains(Func::lower(Expr::col(column)), address);
    let address = plan.email.to_lowercase();
    let mut found = sea_orm::Condition::any()
        .add(email_log::Column::UserId.eq(user_id))
        .add(email_log::Column::ApplicationId.is_in(applications.to_vec()))
        .add(like(email_log::Column::To, &address))
        .add(like(email_log::Column::Html, &address));
    for address in former {
        found = found.add(like(email_log::Column::Html, address));
    }
    let candidates: Vec<MailRow> = email_log::Entity::find()
        .select_only()
        .column(email_log::Column::Id)
        .column(email_log::Column::To)
        .column(email_log::Column::ApplicationId)
        .column(email_log::Column::EmailMetadata)
        .column(email_log::Column::Html)
        .column(email_log::Column::Status)
        .column(email_log::Column::UserId)
        .filter(found)
        .into_tuple()
        .all(tx)
        .await
        .map_err(store_error)?;
    for (id, to, application, metadata, html, status, account) in candidates {
        let about = application.is_some_and(|a| applications.contains(&a));
        let Some(to) = erased_recipients(&to, account, about, &html, plan, former) else {
            continue;
        };
        // The metadata keeps the message's kind only: its text (`body_plain`) goes.
        let kind = metadata.as_ref().and_then(|m| m.get("kind")).cloned().unwrap_or(serde_json::Value::Null);
        let mut update = email_log::Entity::update_many()
            .col_expr(email_log::Column::To, Expr::value(to))
            .col_expr(email_log::Column::Subject, Expr::value(ERASED_TEXT))
            .col_expr(email_log::Column::Html, Expr::value(""))
            .col_expr(email_log::Column::EmailMetadata, Expr::value(serde_json::json!({ "kind": kind })));
        // A message not sent yet never will be: its event goes with its text and address.
        if [MailStatus::Queued.as_str(), MailStatus::Failed.as_str()].contains(&status.as_str()) {
            update = update
                .col_expr(email_log::Column::Status, Expr::value(MailStatus::Dead.as_str()))
                .col_expr(email_log::Column::LastError, Expr::value("erased"))
                .col_expr(email_log::Column::UpdatedAt, Expr::value(plan.record.erased_at));
        }
        update.filter(email_log::Column::Id.eq(id)).exec(tx).await.map_err(store_error)?;
        outbox_event::Entity::delete_many()
            .filter(outbox_event::Column::Id.eq(id))
            .exec(tx)
            .await
            .map_err(store_error)?;
    }
    Ok(())
}

/// Any other outbox event whose payload holds the address (a password reset asked for carries it): deleted, so a
/// pending one never runs for the erased account and a handled one keeps nothing of it; and the done ones that
/// hold a former address (a pending or dead one may be someone else's business now: it runs, or waits for its
/// operator).
async fn erase_events(
    tx: &sea_orm::DatabaseTransaction,
    plan: &ErasurePlan,
    former: &[String],
) -> Result<(), StoreError> {
    // An address as a whole JSON string (`"a@b.ga"`), never inside a longer one (`"xa@b.ga"`).
    let holds = |address: &str| {
        contains(Func::lower(Expr::col(outbox_event::Column::Payload).cast_as("TEXT")), &format!("\"{address}\""))
    };
    let mut handled_holding = sea_orm::Condition::any();
    for address in former {
        handled_holding = handled_holding.add(holds(address));
    }
    let handled_holding =
        sea_orm::Condition::all().add(outbox_event::Column::State.eq(OutboxState::Done.as_str())).add(handled_holding);
    outbox_event::Entity::delete_many()
        .filter(sea_orm::Condition::any().add(holds(&plan.email.to_lowercase())).add(handled_holding))
        .exec(tx)
        .await
        .map_err(store_error)?;
    Ok(())
}

/// The answers kept for idempotent retries (I4) by other accounts that name the account or its applications (a
/// recruiter's booking of an interview answers with the candidate's name and the application's id): deleted, so
/// no replay hands them out again. A retry of such a request within its 24 h runs again instead of replaying.
async fn erase_kept_answers(
    tx: &sea_orm::DatabaseTransaction,
    plan: &ErasurePlan,
    former: &[String],
    applications: &[Uuid],
) -> Result<(), StoreError> {
    use sea_orm::ConnectionTrait as _;
    // Whole JSON strings (`"a@b.ga"`, `"<id>"`), never inside a longer one (`"xa@b.ga"`).
    let needles = std::iter::once(plan.email.to_lowercase())
        .chain(former.iter().cloned())
        .chain(std::iter::once(plan.record.user_id.to_string()))
        .chain(applications.iter().map(Uuid::to_string))
        .map(|needle| format!("\"{needle}\""));
    // The body is bytes: searched as bytes, on each backend its own way.
    let holds = |needle: String| match tx.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            Expr::cust_with_values("position(convert_to($1, 'UTF8') in \"body\") > 0", [needle])
        }
        _ => Expr::cust_with_values("instr(\"body\", CAST(? AS BLOB)) > 0", [needle]),
    };
    let mut condition = sea_orm::Condition::any();
    for needle in needles {
        condition = condition.add(holds(needle));
    }
    idempotency_key::Entity::delete_many().filter(condition).exec(tx).await.map_err(store_error)?;
    Ok(())
}

#[async_trait]
impl ErasureRepository for Database {
    async fn erasure_record(&self, user_id: Uuid) -> Result<Option<ErasureRecord>, StoreError> {
        let row = account_erasure::Entity::find_by_id(user_id).one(&self.conn).await.map_err(store_error)?;
        Ok(row.map(|r| ErasureRecord {
            user_id: r.user_id,
            erased_at: r.erased_at,
            erased_by: r.erased_by,
            reason: r.reason,
            forced: r.forced,
            applications_closed: u32::try_from(r.applications_closed).unwrap_or_default(),
            documents_deleted: u32::try_from(r.documents_deleted).unwrap_or_default(),
        }))
    }
}
