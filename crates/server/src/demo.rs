//! `seeg demo seed`: a handful of realistic offers so a newcomer sees data. Idempotent: fixed ids, and an offer
//! already present is left as it is.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::offers::OfferRepository;
use seeg_application::{Clock, UnitOfWork};
use seeg_domain::offers::{JobOffer, MtpQuestions, OfferStatus, OfferVisibility};
use uuid::Uuid;

struct Sample {
    id: u128,
    title: &'static str,
    location: &'static str,
    contract_type: &'static str,
    department: &'static str,
    visibility: OfferVisibility,
    status: OfferStatus,
    salary: Option<(i64, i64)>,
    description: &'static str,
    requirements: &'static [&'static str],
}

const SAMPLES: [Sample; 6] = [
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0001,
        title: "Ingénieur réseaux électriques",
        location: "Libreville",
        contract_type: "CDI",
        department: "Direction de l'Électricité",
        visibility: OfferVisibility::Everyone,
        status: OfferStatus::Active,
        salary: Some((1_200_000, 1_800_000)),
        description: "Concevoir, exploiter et fiabiliser le réseau de distribution électrique du Grand Libreville.",
        requirements: &["Diplôme d'ingénieur en génie électrique", "5 ans d'expérience en distribution HTA/BT"],
    },
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0002,
        title: "Technicien de maintenance des stations de pompage",
        location: "Port-Gentil",
        contract_type: "CDD",
        department: "Direction de l'Eau",
        visibility: OfferVisibility::Everyone,
        status: OfferStatus::Active,
        salary: Some((450_000, 650_000)),
        description: "Assurer la maintenance préventive et corrective des stations de pompage et de traitement d'eau.",
        requirements: &["BTS en électromécanique", "Habilitation électrique"],
    },
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0003,
        title: "Chargé de clientèle",
        location: "Franceville",
        contract_type: "CDI",
        department: "Direction Commerciale",
        visibility: OfferVisibility::ExternalOnly,
        status: OfferStatus::Active,
        salary: None,
        description: "Accueillir les abonnés, traiter les demandes de branchement et suivre les réclamations en agence.",
        requirements: &["Bac+2 en commerce ou gestion", "Sens du service client"],
    },
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0004,
        title: "Chef de service contrôle de gestion",
        location: "Libreville",
        contract_type: "CDI",
        department: "Direction Financière",
        visibility: OfferVisibility::InternalOnly,
        status: OfferStatus::Active,
        salary: None,
        description: "Piloter le contrôle de gestion des directions opérationnelles ; poste réservé aux agents SEEG.",
        requirements: &["Agent SEEG, 3 ans d'ancienneté", "Maîtrise des outils de reporting"],
    },
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0005,
        title: "Stagiaire data analyst",
        location: "Libreville",
        contract_type: "Stage",
        department: "Direction des Systèmes d'Information",
        visibility: OfferVisibility::Everyone,
        status: OfferStatus::Active,
        salary: Some((150_000, 150_000)),
        description: "Construire les tableaux de bord de suivi de la qualité de service eau et électricité.",
        requirements: &["Master en statistique ou informatique en cours", "SQL et Python"],
    },
    Sample {
        id: 0x5eec_0000_0000_4000_8000_0000_0000_0006,
        title: "Responsable sécurité des systèmes d'information",
        location: "Libreville",
        contract_type: "CDI",
        department: "Direction des Systèmes d'Information",
        visibility: OfferVisibility::Everyone,
        status: OfferStatus::Draft,
        salary: None,
        description: "Offre en préparation : définir et conduire la politique de sécurité des systèmes d'information.",
        requirements: &[],
    },
];

fn offer(sample: &Sample, index: i64, now: DateTime<Utc>) -> anyhow::Result<JobOffer> {
    let created_at = now - TimeDelta::hours(index);
    let questions = MtpQuestions::parse(
        vec![
            "Décrivez une intervention technique dont vous êtes fier.".into(),
            "Comment organisez-vous vos priorités en situation d'urgence ?".into(),
        ],
        vec!["Quel talent vos collègues vous reconnaissent-ils ?".into()],
        vec!["Qu'est-ce que le service public de l'eau et de l'électricité représente pour vous ?".into()],
    )?;
    Ok(JobOffer {
        id: Uuid::from_u128(sample.id),
        recruiter_id: None,
        title: sample.title.to_owned(),
        description: sample.description.to_owned(),
        location: sample.location.to_owned(),
        contract_type: sample.contract_type.to_owned(),
        department: Some(sample.department.to_owned()),
        salary_min: sample.salary.map(|s| s.0),
        salary_max: sample.salary.map(|s| s.1),
        salary_note: sample.salary.map(|_| "Salaire mensuel brut en FCFA".to_owned()),
        requirements: sample.requirements.iter().map(|r| (*r).to_owned()).collect(),
        benefits: vec!["Couverture médicale".to_owned(), "Prime de fin d'année".to_owned()],
        responsibilities: Vec::new(),
        status: sample.status,
        visibility: sample.visibility,
        application_deadline: Some(now + TimeDelta::days(60)),
        date_limite: None,
        start_date: None,
        reporting_line: Some(format!("Directeur — {}", sample.department)),
        profile: None,
        categorie_metier: None,
        job_grade: None,
        questions_mtp: Some(questions),
        created_at,
        updated_at: created_at,
    })
}

/// Inserts the sample offers that are missing; returns how many were added.
pub async fn seed(uow: &dyn UnitOfWork, offers: &dyn OfferRepository, clock: &dyn Clock) -> anyhow::Result<usize> {
    let now = clock.now();
    let mut tx = uow.begin().await?;
    let mut added = 0;
    for (index, sample) in (0_i64..).zip(SAMPLES.iter()) {
        if offers.get(Uuid::from_u128(sample.id)).await?.is_none() {
            tx.offers().insert(&offer(sample, index, now)?).await?;
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}
