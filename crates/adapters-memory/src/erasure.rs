//! The erasure of an account (B7) in memory, held to `ErasureWriter`'s contract as the SQL adapter is.

use async_trait::async_trait;
use seeg_application::StoreError;
use seeg_application::applications::{APPLICATION_DELETED, StatusChange};
use seeg_application::privacy::{
    AccountStanding, CLOSED_NOTE, ERASED_FIRST_NAME, ERASED_LAST_NAME, ERASED_PASSWORD_HASH, ERASED_TEXT, ErasedData,
    ErasurePlan, ErasureRecord, ErasureRepository, ErasureWriter, erased_recipients, former_addresses,
};
use seeg_domain::applications::{ApplicationStatus, MtpAnswers, Reference};
use seeg_domain::identity::UserStatus;
use seeg_domain::mail::MailStatus;
use seeg_domain::outbox::OutboxState;
use uuid::Uuid;

use crate::database::{Change, MemoryStore, MemoryTransaction, State};

#[async_trait]
impl ErasureWriter for MemoryTransaction {
    async fn standing(&mut self, user_id: Uuid) -> Result<Option<AccountStanding>, StoreError> {
        Ok(self.store.read(|state| {
            let user = state.users.get(&user_id)?;
            let own = || state.applications.values().filter(|a| a.candidate_id == user_id);
            let applications = own().map(|a| (a.id, a.status)).collect();
            let last_activity =
                own().map(|a| a.updated_at).chain(user.last_login).fold(user.created_at, chrono::DateTime::max);
            Some(AccountStanding {
                email: user.email.clone(),
                erased: state.erasures.contains_key(&user_id),
                applications,
                role: user.role,
                last_activity,
            })
        }))
    }

    async fn erase(&mut self, plan: &ErasurePlan) -> Result<ErasedData, StoreError> {
        let user_id = plan.record.user_id;
        let erased = self.store.read(|state| {
            let application_ids: Vec<Uuid> =
                state.applications.values().filter(|a| a.candidate_id == user_id).map(|a| a.id).collect();
            let document_keys = state
                .application_documents
                .values()
                .filter(|d| application_ids.contains(&d.application_id))
                .map(|d| d.storage_key.clone())
                .collect();
            // The applications the candidate deleted: gone from the database, perhaps still in the lake.
            let deleted = state
                .audit
                .values()
                .filter(|e| e.actor_id == Some(user_id) && e.action == APPLICATION_DELETED)
                .filter_map(|e| e.target_id.as_deref().and_then(|id| id.parse().ok()));
            ErasedData { application_ids: application_ids.iter().copied().chain(deleted).collect(), document_keys }
        });
        let mut record = plan.record.clone();
        record.documents_deleted = u32::try_from(erased.document_keys.len()).unwrap_or(u32::MAX);
        self.changes.push(Change::Erase(Box::new(ErasurePlan { record, ..plan.clone() })));
        Ok(erased)
    }
}

#[async_trait]
impl ErasureRepository for MemoryStore {
    async fn erasure_record(&self, user_id: Uuid) -> Result<Option<ErasureRecord>, StoreError> {
        Ok(self.read(|state| state.erasures.get(&user_id).cloned()))
    }
}

/// Applies a committed erasure.
pub(crate) fn apply(plan: &ErasurePlan, state: &mut State) {
    let record = &plan.record;
    let user_id = record.user_id;
    let at = record.erased_at;
    let applications: Vec<Uuid> =
        state.applications.values().filter(|a| a.candidate_id == user_id).map(|a| a.id).collect();
    for &(id, from, history_id) in &plan.closing {
        if let Some(application) = state.applications.get_mut(&id) {
            application.status = ApplicationStatus::Retiree;
            application.updated_at = at;
        }
        state.application_history.insert(
            history_id,
            StatusChange {
                id: history_id,
                application_id: id,
                changed_by: record.erased_by,
                previous_status: Some(from),
                new_status: ApplicationStatus::Retiree,
                notes: Some(CLOSED_NOTE.to_owned()),
                changed_at: at,
            },
        );
    }
    for id in &applications {
        if let Some(application) = state.applications.get_mut(id) {
            application.reference_contacts = None;
            application.reference = Reference::default();
            application.mtp_answers = MtpAnswers::default();
        }
        crate::evaluations::clear_texts(&mut state.evaluations, *id);
    }
    let closing: Vec<Uuid> = plan.closing.iter().map(|c| c.2).collect();
    state.application_documents.retain(|_, d| !applications.contains(&d.application_id));
    for change in state.application_history.values_mut() {
        if applications.contains(&change.application_id) && !closing.contains(&change.id) {
            change.notes = None;
        }
    }
    for slot in state.interview_slots.values_mut().filter(|s| applications.contains(&s.application_id)) {
        slot.candidate_name = None;
        slot.notes = None;
    }
    state
        .notifications
        .retain(|_, n| n.user_id != user_id && n.related_application_id.is_none_or(|a| !applications.contains(&a)));
    let address = plan.email.to_lowercase();
    let addressed_to_it = state.email_logs.values().filter(|log| log.user_id == Some(user_id));
    let mut former = former_addresses(plan, addressed_to_it.map(|log| log.to.as_str()));
    former.retain(|former| !state.users.values().any(|u| u.id != user_id && u.email.as_str() == former));
    let mut erased_mail = Vec::new();
    for log in state.email_logs.values_mut() {
        let about = log.application_id.is_some_and(|a| applications.contains(&a));
        if let Some(to) = erased_recipients(&log.to, log.user_id, about, &log.html, plan, &former) {
            log.to = to;
            ERASED_TEXT.clone_into(&mut log.subject);
            log.html.clear();
            log.text.clear();
            if matches!(log.status, MailStatus::Queued | MailStatus::Failed) {
                log.status = MailStatus::Dead;
                log.last_error = Some("erased".to_owned());
                log.updated_at = at;
            }
            erased_mail.push(log.id);
        }
    }
    state.outbox.retain(|id, stored| {
        let payload = stored.event.payload.to_string().to_lowercase();
        let holds = |address: &String| payload.contains(&format!("\"{address}\""));
        let handled = stored.event.state == OutboxState::Done;
        let erased = erased_mail.contains(id) || holds(&address) || (handled && former.iter().any(holds));
        !erased
    });
    state.candidate_profiles.remove(&user_id);
    state.access_requests.retain(|_, r| r.user_id != user_id);
    state.drafts.retain(|(user, _), _| *user != user_id);
    state.refresh_tokens.retain(|_, t| t.user_id != user_id);
    state.password_resets.retain(|_, r| r.user_id != user_id);
    state.upload_reservations.retain(|_, r| r.user_id != user_id);
    state.mail_preferences.remove(&user_id);
    // Whole JSON strings, as the SQL adapter searches them.
    let needles: Vec<Vec<u8>> = std::iter::once(address.clone())
        .chain(former.iter().cloned())
        .chain(std::iter::once(user_id.to_string()))
        .chain(applications.iter().map(Uuid::to_string))
        .map(|needle| format!("\"{needle}\"").into_bytes())
        .collect();
    state.idempotency.retain(|(scope, _), record| {
        let body = record.response.as_ref().map_or(&[][..], |r| r.body.as_slice());
        *scope != user_id && !needles.iter().any(|n| body.windows(n.len()).any(|w| w == n.as_slice()))
    });
    if let Some(user) = state.users.get_mut(&user_id) {
        plan.erased_email.clone_into(&mut user.email);
        ERASED_FIRST_NAME.clone_into(&mut user.first_name);
        ERASED_LAST_NAME.clone_into(&mut user.last_name);
        user.phone = None;
        user.date_of_birth = None;
        user.sexe = None;
        user.matricule = None;
        ERASED_PASSWORD_HASH.clone_into(&mut user.password_hash);
        user.email_verified = false;
        user.status = UserStatus::Archived;
        user.adresse = None;
        user.poste_actuel = None;
        user.annees_experience = None;
        user.updated_at = at;
    }
    state.erasures.insert(user_id, record.clone());
}
