//! The `AgentDirectory` port: the employees list, upserted by matricule and looked up by matricule (R4).

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::identity::Agent;
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, on_backends, ports};

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn agent(matricule: i32, last_name: Option<&str>, first_name: Option<&str>) -> Agent {
    Agent { matricule, last_name: last_name.map(str::to_owned), first_name: first_name.map(str::to_owned) }
}

async fn agents_are_inserted_then_updated_by_matricule(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let awa = agent(1001, Some("Mba Ondo"), Some("Awâ-Éloïse"));
    let unnamed = agent(1002, None, None);
    assert_eq!(p.agents.upsert(&[awa.clone(), unnamed.clone()], at(0)).await.unwrap(), 2);
    assert_eq!(p.agents.find(1001).await.unwrap(), Some(awa));
    assert_eq!(p.agents.find(1002).await.unwrap(), Some(unnamed.clone()), "names are optional");
    assert_eq!(p.agents.find(1003).await.unwrap(), None);

    let renamed = agent(1001, Some("Mba"), None);
    let new = agent(1003, Some("Obame"), Some("Paul"));
    assert_eq!(p.agents.upsert(&[renamed.clone(), new.clone()], at(5)).await.unwrap(), 2);
    assert_eq!(p.agents.find(1001).await.unwrap(), Some(renamed), "nom and prenom replaced, even by nothing");
    assert_eq!(p.agents.find(1002).await.unwrap(), Some(unnamed), "an agent left out is left alone");
    assert_eq!(p.agents.find(1003).await.unwrap(), Some(new));
}

async fn a_matricule_given_twice_in_one_call_is_written_once_the_later_winning(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let batch = [agent(7, Some("Avant"), None), agent(8, Some("Autre"), None), agent(7, Some("Après"), Some("Zoé"))];
    assert_eq!(p.agents.upsert(&batch, at(0)).await.unwrap(), 2);
    assert_eq!(p.agents.find(7).await.unwrap(), Some(agent(7, Some("Après"), Some("Zoé"))));
}

async fn an_empty_call_writes_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    assert_eq!(p.agents.upsert(&[], at(0)).await.unwrap(), 0);
    assert_eq!(p.agents.find(1).await.unwrap(), None);
}

async fn a_call_larger_than_one_statement_is_written_whole(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let many: Vec<Agent> = (1..=2_500).map(|m| agent(m, Some(&format!("Nom {m}")), Some("Prénom"))).collect();
    assert_eq!(p.agents.upsert(&many, at(0)).await.unwrap(), 2_500);
    for m in [1, 1_000, 1_001, 2_500] {
        assert_eq!(p.agents.find(m).await.unwrap().as_ref(), many.get(usize::try_from(m - 1).unwrap()));
    }
    assert_eq!(p.agents.upsert(&many, at(1)).await.unwrap(), 2_500, "again: every one updated");
}

async fn the_largest_matricule_round_trips(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let last = agent(i32::MAX, Some("Dernier"), Some("Matricule"));
    p.agents.upsert(std::slice::from_ref(&last), at(0)).await.unwrap();
    assert_eq!(p.agents.find(i32::MAX).await.unwrap(), Some(last));
}

on_backends!(Memory, Sqlite, Postgres =>
    agents_are_inserted_then_updated_by_matricule,
    a_matricule_given_twice_in_one_call_is_written_once_the_later_winning,
    an_empty_call_writes_nothing,
    a_call_larger_than_one_statement_is_written_whole,
    the_largest_matricule_round_trips,
);
