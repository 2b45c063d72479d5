//! What a data-lake export writes (K4, legacy R41): the keys of one submission's objects, for the tests that
//! check an export through the server (in process or the real binary).

use chrono::NaiveDate;
use seeg_adapters_blob::LakeStorage;

use crate::eventually::eventually;
use crate::submissions::REQUIRED_TYPES;

/// The partition date `D` of an export, read from its dim_candidates key.
pub fn partition(keys: &[String]) -> NaiveDate {
    let key = keys.iter().find(|k| k.starts_with("dimensions/dim_candidates/")).expect("dim_candidates written");
    let date = key.split("ingestion_date=").nth(1).expect("ingestion_date=").split('/').next().expect("a date");
    date.parse().expect("an ISO date")
}

/// The R41 keys of a submission of `submissions::submit`'s three required documents (the created application as
/// the API answers it), sorted.
pub fn expected_keys(date: NaiveDate, application: &serde_json::Value) -> Vec<String> {
    let id = |field: &str| application[field].as_str().expect("an id").to_owned();
    let (application_id, candidate, offer) = (id("id"), id("candidate_id"), id("job_offer_id"));
    let mut keys = vec![
        format!("dimensions/dim_candidates/ingestion_date={date}/{candidate}.json"),
        format!("dimensions/dim_job_offers/ingestion_date={date}/{offer}.json"),
        format!("facts/fact_applications/ingestion_date={date}/{application_id}.json"),
    ];
    for kind in REQUIRED_TYPES {
        keys.push(format!("documents/ingestion_date={date}/{application_id}/{kind}_{kind}.pdf"));
    }
    keys.sort();
    keys
}

/// The lake's keys once the export of one application has written all six objects.
pub async fn exported(lake: &LakeStorage) -> Vec<String> {
    eventually("the export of the submission", async || {
        let keys = lake.keys("").await.expect("lake listing");
        (keys.len() == 6).then_some(keys)
    })
    .await
}
