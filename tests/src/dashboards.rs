//! One recruitment, small enough to count by hand, for the dashboards' read model (contract suite) and their
//! routes (HTTP suite): two recruiters, three candidates, four offers in two departments (and one without), five
//! applications across three UTC months, six documents, a status change and notifications.
//!
//! The expected figures, which the suites assert:
//! - statuses: candidature 2 (a1, a5), incubation 1 (a2), refuse 1 (a3), embauche 1 (a4);
//! - documents: cv 3, cover_letter 1, diplome 1, portfolio 1;
//! - by offer: o1 2, o3 2, o4 1 (o2 none); by month: 2026-04 1, 2026-05 1, 2026-06 3 (a1 at 23:30 UTC on 31 May
//!   is May, a2 at 00:30 UTC on 1 June is June);
//! - newest first: a5, a3, a2, a1, a4;
//! - recruiter r1 (o1 active and o2 closed, "Direction de l'Eau"): 2 offers, 1 active, 1 with applications, 2
//!   applications by c1 (M) and c2 (F); every offer: departments None (o4) 1/1/1, "Direction de l'Eau" 2/1/2,
//!   "Finances" (o3, r2) 1/1/2; 2 active; candidates M 1, F 1, unknown 1 (c3).

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::applications::{ApplicationDocument, StatusChange};
use seeg_application::identity::Notification;
use seeg_application::{IdGenerator, SystemIds, UnitOfWork};
use seeg_domain::applications::{Application, ApplicationStatus, DocumentType, MtpAnswers, Reference};
use seeg_domain::identity::{CandidateProfile, Role, Sexe, User};
use seeg_domain::offers::{JobOffer, OfferStatus};

use crate::offers::offer;
use crate::users::user;

/// What `seed` stored.
#[derive(Debug, Clone)]
pub struct Recruitment {
    /// `r1` owns o1 and o2; `r2` owns o3.
    pub recruiters: [User; 2],
    /// c1 (`M`, with a profile), c2 (`F`), c3 (no `sexe`).
    pub candidates: [User; 3],
    pub profile: CandidateProfile,
    /// o1 (r1, active), o2 (r1, closed, no application), o3 (r2, "Finances", active), o4 (no recruiter, no
    /// department, draft).
    pub offers: [JobOffer; 4],
    /// a1..a5, see the module's doc.
    pub applications: [Application; 5],
    /// a1: cv, cover_letter, diplome; a2: cv, portfolio (in upload order); a4: cv.
    pub documents: Vec<ApplicationDocument>,
    /// a2: candidature -> incubation, by r1.
    pub change: StatusChange,
    /// About a2, newest first; a third notification of c2 is about no application.
    pub notifications: [Notification; 2],
}

fn at(raw: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(raw).expect("time").with_timezone(&Utc)
}

fn application(candidate: &User, offer: &JobOffer, status: ApplicationStatus, created: &str) -> Application {
    Application {
        id: SystemIds.new_id(),
        candidate_id: candidate.id,
        job_offer_id: offer.id,
        status,
        reference_contacts: None,
        availability_start: None,
        has_been_manager: false,
        reference: Reference::default(),
        mtp_answers: MtpAnswers::from_stored(vec!["R1".into()], Vec::new(), Vec::new()),
        created_at: at(created),
        updated_at: at(created) + TimeDelta::hours(1),
    }
}

fn document(application: &Application, kind: DocumentType, minutes: i64) -> ApplicationDocument {
    let sha = format!("{:0>64}", format!("{minutes}{}", kind.as_str().len()));
    ApplicationDocument {
        id: SystemIds.new_id(),
        application_id: application.id,
        document_type: kind,
        file_name: format!("{}.pdf", kind.as_str()),
        file_size: 1000 + u64::try_from(minutes).expect("minutes"),
        file_type: "application/pdf".into(),
        storage_key: seeg_application::documents::document_key(&sha),
        sha256: sha,
        uploaded_at: application.created_at + TimeDelta::minutes(minutes),
    }
}

fn notification(user: &User, about: Option<&Application>, title: &str, created: DateTime<Utc>) -> Notification {
    Notification {
        id: SystemIds.new_id(),
        user_id: user.id,
        related_application_id: about.map(|a| a.id),
        title: title.to_owned(),
        message: format!("{title} : message"),
        kind: "application_status_changed".to_owned(),
        link: None,
        read: false,
        created_at: created,
    }
}

/// Stores the recruitment. Its accounts cannot sign in (`accounts::sign_in_as` gives them a password).
pub async fn seed(uow: &dyn UnitOfWork) -> Recruitment {
    let staff = |email: &str| User { role: Role::Recruiter, candidate_kind: None, ..user(email) };
    let r1 = staff("r1@seeg-gabon.com");
    let r2 = staff("r2@seeg-gabon.com");
    let c1 = User { sexe: Some(Sexe::Male), ..user("c1@exemple.ga") };
    let c2 = user("c2@exemple.ga");
    let c3 = User { sexe: None, ..user("c3@exemple.ga") };
    let mut profile = CandidateProfile::seeded_from(&c1, SystemIds.new_id(), c1.created_at);
    profile.gender = Some("Homme".into());
    profile.linkedin_url = Some("https://linkedin.com/in/c1".into());

    let owned = |mut o: JobOffer, recruiter: Option<&User>, status: OfferStatus, department: Option<&str>| {
        o.recruiter_id = recruiter.map(|r| r.id);
        o.status = status;
        o.department = department.map(str::to_owned);
        o
    };
    let water = Some("Direction de l'Eau");
    let o1 = owned(offer("Chef de réseau", 0), Some(&r1), OfferStatus::Active, water);
    let o2 = owned(offer("Technicien de maintenance", 1), Some(&r1), OfferStatus::Closed, water);
    let o3 = owned(offer("Comptable principal", 2), Some(&r2), OfferStatus::Active, Some("Finances"));
    let o4 = owned(offer("Stagiaire juriste", 3), None, OfferStatus::Draft, None);

    let a1 = application(&c1, &o1, ApplicationStatus::Candidature, "2026-05-31T23:30:00Z");
    let a2 = application(&c2, &o1, ApplicationStatus::Incubation, "2026-06-01T00:30:00Z");
    let a3 = application(&c3, &o3, ApplicationStatus::Refuse, "2026-06-15T10:00:00Z");
    let a4 = application(&c1, &o3, ApplicationStatus::Embauche, "2026-04-10T09:00:00Z");
    let a5 = application(&c2, &o4, ApplicationStatus::Candidature, "2026-06-20T16:45:00Z");
    let documents = vec![
        document(&a1, DocumentType::Cv, 1),
        document(&a1, DocumentType::CoverLetter, 2),
        document(&a1, DocumentType::Diplome, 3),
        document(&a2, DocumentType::Cv, 1),
        document(&a2, DocumentType::Portfolio, 2),
        document(&a4, DocumentType::Cv, 1),
    ];
    let change = StatusChange {
        id: SystemIds.new_id(),
        application_id: a2.id,
        changed_by: Some(r1.id),
        previous_status: Some(ApplicationStatus::Candidature),
        new_status: ApplicationStatus::Incubation,
        notes: Some("Profil solide".into()),
        changed_at: a2.created_at + TimeDelta::days(2),
    };
    let notifications = [
        notification(&c2, Some(&a2), "Candidature en incubation", a2.created_at + TimeDelta::days(2)),
        notification(&c2, Some(&a2), "Candidature reçue", a2.created_at),
    ];
    let unrelated = notification(&c2, None, "Bienvenue", a2.created_at - TimeDelta::days(30));

    let mut tx = uow.begin().await.expect("begin");
    for account in [&r1, &r2, &c1, &c2, &c3] {
        tx.users().insert(account).await.expect("account");
    }
    tx.candidate_profiles().save(&profile).await.expect("profile");
    for o in [&o1, &o2, &o3, &o4] {
        tx.offers().insert(o).await.expect("offer");
    }
    for a in [&a1, &a2, &a3, &a4, &a5] {
        tx.applications().insert(a).await.expect("application");
    }
    for d in &documents {
        tx.applications().insert_document(d).await.expect("document");
    }
    tx.applications().append_history(&change).await.expect("history");
    for n in notifications.iter().chain([&unrelated]) {
        tx.notifications().insert(n).await.expect("notification");
    }
    tx.commit().await.expect("commit");
    Recruitment {
        recruiters: [r1, r2],
        candidates: [c1, c2, c3],
        profile,
        offers: [o1, o2, o3, o4],
        applications: [a1, a2, a3, a4, a5],
        documents,
        change,
        notifications,
    }
}
