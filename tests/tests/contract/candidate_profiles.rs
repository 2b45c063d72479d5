//! Candidate profiles: one per account, saved whole, `skills` read back as a list in order.

use chrono::TimeDelta;
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::identity::CandidateProfile;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

async fn candidate(p: &Ports, email: &str) -> seeg_domain::identity::User {
    let mut account = user(email);
    account.adresse = Some("Port-Gentil".to_owned());
    account.poste_actuel = Some("Technicien".to_owned());
    account.annees_experience = Some(3);
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&account).await.unwrap();
    tx.commit().await.unwrap();
    account
}

async fn save(p: &Ports, profile: &CandidateProfile) {
    let mut tx = p.uow.begin().await.unwrap();
    tx.candidate_profiles().save(profile).await.unwrap();
    tx.commit().await.unwrap();
}

async fn a_saved_profile_reads_back_whole_and_others_have_none(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let account = candidate(&p, "profil@example.com").await;
    let other = candidate(&p, "autre@example.com").await;
    let mut profile = CandidateProfile::seeded_from(&account, SystemIds.new_id(), base_time());
    profile.skills = vec!["Électricité".to_owned(), "SQL".to_owned(), "Anglais".to_owned()];
    profile.expected_salary_min = Some(400_000);
    profile.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 5, 1);
    profile.linkedin_url = Some("https://linkedin.com/in/x".to_owned());
    save(&p, &profile).await;
    assert_eq!(p.candidate_profiles.for_user(account.id).await.unwrap(), Some(profile));
    assert_eq!(p.candidate_profiles.for_user(other.id).await.unwrap(), None);
    assert_eq!(p.candidate_profiles.for_user(Uuid::nil()).await.unwrap(), None);
}

async fn a_second_save_updates_the_one_profile_and_keeps_its_identity(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let account = candidate(&p, "deux@example.com").await;
    let first = CandidateProfile::seeded_from(&account, SystemIds.new_id(), base_time());
    save(&p, &first).await;
    // Another id and creation time, as a concurrent first save would carry: the stored identity wins.
    let mut second = CandidateProfile::seeded_from(&account, SystemIds.new_id(), base_time() + TimeDelta::hours(1));
    second.skills = vec!["Rust".to_owned()];
    second.address = None;
    save(&p, &second).await;
    let stored = p.candidate_profiles.for_user(account.id).await.unwrap().unwrap();
    assert_eq!((stored.id, stored.created_at), (first.id, first.created_at));
    assert_eq!(stored.skills, ["Rust"]);
    assert_eq!(stored.address, None);
    assert_eq!(stored.updated_at, second.updated_at);
}

async fn a_rolled_back_save_leaves_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let account = candidate(&p, "rollback@example.com").await;
    let profile = CandidateProfile::seeded_from(&account, SystemIds.new_id(), base_time());
    let mut tx = p.uow.begin().await.unwrap();
    tx.candidate_profiles().save(&profile).await.unwrap();
    drop(tx);
    assert_eq!(p.candidate_profiles.for_user(account.id).await.unwrap(), None);
}

on_backends!(Memory, Sqlite, Postgres =>
    a_saved_profile_reads_back_whole_and_others_have_none,
    a_second_save_updates_the_one_profile_and_keeps_its_identity,
    a_rolled_back_save_leaves_nothing,
);
