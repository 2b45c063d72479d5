//! Offers for tests: valid by default, each field settable.

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use seeg_application::{IdGenerator, SystemIds};
use seeg_domain::offers::{JobOffer, MtpQuestions, OfferStatus, OfferVisibility};

/// A reference time for test data, to the microsecond.
pub fn base_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T08:00:00.123456Z").expect("time").with_timezone(&Utc).trunc_subsecs(6)
}

/// An active offer open to everyone, created at `base_time() + minutes`.
pub fn offer(title: &str, minutes: i64) -> JobOffer {
    let created_at = base_time() + TimeDelta::minutes(minutes);
    JobOffer {
        id: SystemIds.new_id(),
        recruiter_id: None,
        title: title.to_owned(),
        description: "Une description suffisamment longue pour une offre.".to_owned(),
        location: "Libreville".to_owned(),
        contract_type: "CDI".to_owned(),
        department: Some("Direction de l'Eau".to_owned()),
        salary_min: Some(500_000),
        salary_max: Some(900_000),
        salary_note: None,
        requirements: vec!["Bac+3".to_owned(), "Permis B".to_owned()],
        benefits: Vec::new(),
        responsibilities: vec!["Encadrer l'équipe".to_owned()],
        status: OfferStatus::Active,
        visibility: OfferVisibility::Everyone,
        application_deadline: Some(created_at + TimeDelta::days(30)),
        date_limite: None,
        start_date: None,
        reporting_line: Some("Directeur".to_owned()),
        profile: Some("Profil recherché".to_owned()),
        categorie_metier: None,
        job_grade: Some("C2".to_owned()),
        questions_mtp: Some(
            MtpQuestions::parse(vec!["Métier 1 ?".into(), "Métier 2 ?".into()], vec!["Talent ?".into()], vec![])
                .expect("questions"),
        ),
        created_at,
        updated_at: created_at,
    }
}

pub fn with(mut offer: JobOffer, status: OfferStatus, visibility: OfferVisibility) -> JobOffer {
    offer.status = status;
    offer.visibility = visibility;
    offer
}

/// A valid `POST /api/v1/jobs/` body (external candidates and the public see it), its deadline 30 days ahead.
pub fn creation_body(title: &str) -> serde_json::Value {
    let deadline =
        (seeg_application::Clock::now(&seeg_application::SystemClock) + TimeDelta::days(30)).trunc_subsecs(0);
    serde_json::json!({
        "title": title,
        "description": "Exploiter et fiabiliser le réseau de distribution électrique.",
        "location": "Libreville",
        "contract_type": "cdd",
        "department": "Direction de l'Électricité",
        "salary_min": 500_000,
        "salary_max": 900_000,
        "requirements": ["BTS électrotechnique"],
        "benefits": [],
        "offer_status": "externe",
        "application_deadline": deadline.to_rfc3339(),
        "questions_mtp": {"questions_metier": ["Métier ?"], "questions_talent": ["Talent ?"]},
    })
}
