//! Application drafts (R27, I8): one per (user, offer), saved whole, read back equal, deleted for real, and gone
//! with their offer; the submission deletes one inside its own transaction.

use chrono::TimeDelta;
use seeg_application::applications::drafts::{Draft, DraftContent, discard_submitted};
use seeg_domain::identity::User;
use seeg_domain::offers::JobOffer;
use seeg_tests::offers::{base_time, offer};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, insert_offers, on_backends, ports};
use serde_json::{Value, json};
use uuid::Uuid;

async fn account(p: &Ports, email: &str) -> User {
    let account = user(email);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&account).await.unwrap();
    tx.commit().await.unwrap();
    account
}

async fn an_offer(p: &Ports, title: &str) -> JobOffer {
    let job = offer(title, 0);
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&job)).await;
    job
}

fn content(value: Value) -> DraftContent {
    DraftContent::parse(value).unwrap()
}

fn draft(user: &User, job: &JobOffer, form_data: Value, ui_state: Value, minutes: i64) -> Draft {
    let at = base_time() + TimeDelta::minutes(minutes);
    Draft {
        user_id: user.id,
        job_offer_id: job.id,
        form_data: content(form_data),
        ui_state: content(ui_state),
        created_at: at,
        updated_at: at,
    }
}

async fn save(p: &Ports, draft: &Draft) {
    let mut tx = p.uow.begin().await.unwrap();
    tx.drafts().save(draft).await.unwrap();
    tx.commit().await.unwrap();
}

async fn delete(p: &Ports, user_id: Uuid, job_offer_id: Uuid) -> bool {
    let mut tx = p.uow.begin().await.unwrap();
    let deleted = tx.drafts().delete(user_id, job_offer_id).await.unwrap();
    tx.commit().await.unwrap();
    deleted
}

async fn drafts_read_back_whole_each_under_its_user_and_offer(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (awa, paul) = (account(&p, "awa@example.com").await, account(&p, "paul@example.com").await);
    let (network, water) = (an_offer(&p, "Technicien réseau").await, an_offer(&p, "Chef d'usine d'eau").await);
    let rich = json!({
        "motivation": "Électricité, « réseau » et 水",
        "answers": {"metier": ["Réponse 1", "Réponse 2"], "talent": []},
        "experience_years": 7,
        "has_been_manager": false,
        "reference": null,
    });
    let awa_network = draft(&awa, &network, rich, json!({"step": 3, "open": ["documents"]}), 0);
    let awa_water = draft(&awa, &water, json!({"motivation": "Eau"}), json!({}), 1);
    let paul_network = draft(&paul, &network, json!({}), json!({"step": 1}), 2);
    for d in [&awa_network, &awa_water, &paul_network] {
        save(&p, d).await;
    }
    assert_eq!(p.drafts.get(awa.id, network.id).await.unwrap(), Some(awa_network));
    assert_eq!(p.drafts.get(awa.id, water.id).await.unwrap(), Some(awa_water));
    assert_eq!(p.drafts.get(paul.id, network.id).await.unwrap(), Some(paul_network));
    assert_eq!(p.drafts.get(paul.id, water.id).await.unwrap(), None);
    assert_eq!(p.drafts.get(Uuid::nil(), network.id).await.unwrap(), None);
}

async fn a_second_save_replaces_both_objects_and_keeps_the_creation_time(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = account(&p, "awa@example.com").await;
    let job = an_offer(&p, "Technicien réseau").await;
    let first = draft(&awa, &job, json!({"motivation": "Première version"}), json!({"step": 1}), 0);
    save(&p, &first).await;
    let second = draft(&awa, &job, json!({}), json!({"step": 2}), 30);
    save(&p, &second).await;
    let stored = p.drafts.get(awa.id, job.id).await.unwrap().unwrap();
    assert_eq!(stored, Draft { created_at: first.created_at, ..second });
}

async fn delete_removes_the_one_draft_and_says_whether_there_was_one(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (awa, paul) = (account(&p, "awa@example.com").await, account(&p, "paul@example.com").await);
    let job = an_offer(&p, "Technicien réseau").await;
    let pauls = draft(&paul, &job, json!({"a": 1}), json!({}), 0);
    save(&p, &draft(&awa, &job, json!({"a": 1}), json!({}), 0)).await;
    save(&p, &pauls).await;
    assert!(delete(&p, awa.id, job.id).await);
    assert_eq!(p.drafts.get(awa.id, job.id).await.unwrap(), None);
    assert!(!delete(&p, awa.id, job.id).await, "nothing left to delete");
    assert_eq!(p.drafts.get(paul.id, job.id).await.unwrap(), Some(pauls), "another user's draft stays");
}

async fn a_transaction_sees_its_own_draft_writes_and_a_rollback_undoes_them(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = account(&p, "awa@example.com").await;
    let job = an_offer(&p, "Technicien réseau").await;
    let mut tx = p.uow.begin().await.unwrap();
    tx.drafts().save(&draft(&awa, &job, json!({"a": 1}), json!({}), 0)).await.unwrap();
    assert!(tx.drafts().delete(awa.id, job.id).await.unwrap(), "the transaction's own save");
    assert!(!tx.drafts().delete(awa.id, job.id).await.unwrap());
    tx.drafts().save(&draft(&awa, &job, json!({"b": 2}), json!({}), 1)).await.unwrap();
    drop(tx);
    assert_eq!(p.drafts.get(awa.id, job.id).await.unwrap(), None, "rolled back");

    let kept = draft(&awa, &job, json!({"c": 3}), json!({}), 2);
    save(&p, &kept).await;
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.drafts().delete(awa.id, job.id).await.unwrap());
    drop(tx);
    assert_eq!(p.drafts.get(awa.id, job.id).await.unwrap(), Some(kept), "a rolled-back delete keeps the draft");
}

/// I8: the submission deletes the draft in its own transaction, so the draft goes only if the submission commits.
async fn the_submission_discards_the_draft_with_its_transaction(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = account(&p, "awa@example.com").await;
    let (job, other) = (an_offer(&p, "Technicien réseau").await, an_offer(&p, "Chef d'usine d'eau").await);
    save(&p, &draft(&awa, &job, json!({"a": 1}), json!({}), 0)).await;
    let untouched = draft(&awa, &other, json!({"b": 1}), json!({}), 0);
    save(&p, &untouched).await;

    let mut tx = p.uow.begin().await.unwrap();
    assert!(discard_submitted(tx.as_mut(), awa.id, job.id).await.unwrap());
    drop(tx);
    assert!(p.drafts.get(awa.id, job.id).await.unwrap().is_some(), "a failed submission keeps the draft");

    let mut tx = p.uow.begin().await.unwrap();
    assert!(discard_submitted(tx.as_mut(), awa.id, job.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(p.drafts.get(awa.id, job.id).await.unwrap(), None);
    assert_eq!(p.drafts.get(awa.id, other.id).await.unwrap(), Some(untouched));

    let mut tx = p.uow.begin().await.unwrap();
    assert!(!discard_submitted(tx.as_mut(), awa.id, job.id).await.unwrap(), "no draft is no error");
    tx.commit().await.unwrap();
}

async fn deleting_the_offer_deletes_its_drafts(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = account(&p, "awa@example.com").await;
    let (job, other) = (an_offer(&p, "Technicien réseau").await, an_offer(&p, "Chef d'usine d'eau").await);
    save(&p, &draft(&awa, &job, json!({"a": 1}), json!({}), 0)).await;
    let kept = draft(&awa, &other, json!({"b": 1}), json!({}), 0);
    save(&p, &kept).await;
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().delete(job.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(p.drafts.get(awa.id, job.id).await.unwrap(), None);
    assert_eq!(p.drafts.get(awa.id, other.id).await.unwrap(), Some(kept));
}

async fn a_draft_needs_an_existing_user_and_offer(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = account(&p, "awa@example.com").await;
    let job = an_offer(&p, "Technicien réseau").await;
    let stranger = user("inconnu@example.com");
    let unknown_offer = offer("Offre jamais publiée", 0);
    for bad in [draft(&awa, &unknown_offer, json!({}), json!({}), 0), draft(&stranger, &job, json!({}), json!({}), 0)] {
        let mut tx = p.uow.begin().await.unwrap();
        let saved = tx.drafts().save(&bad).await;
        // The foreign keys are not deferred: the row is refused at once.
        assert!(saved.is_err(), "{:?} {:?}", bad.user_id, bad.job_offer_id);
        drop(tx);
        assert_eq!(p.drafts.get(bad.user_id, bad.job_offer_id).await.unwrap(), None);
    }
}

on_backends!(Memory, Sqlite, Postgres =>
    drafts_read_back_whole_each_under_its_user_and_offer,
    a_second_save_replaces_both_objects_and_keeps_the_creation_time,
    delete_removes_the_one_draft_and_says_whether_there_was_one,
    a_transaction_sees_its_own_draft_writes_and_a_rollback_undoes_them,
    the_submission_discards_the_draft_with_its_transaction,
    deleting_the_offer_deletes_its_drafts,
    a_draft_needs_an_existing_user_and_offer,
);
