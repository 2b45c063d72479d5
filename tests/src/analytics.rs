//! A hand-built status history for the analytics (B5), small enough to compute by hand; the contract suite (port)
//! and the HTTP suite assert the same figures. Day `d` is `2026-03-02T09:00:00Z` plus `d` days; each move below
//! is "new status after n days in the previous one".
//!
//! | app | offer (department)          | submitted | moves                                                        |
//! |-----|-----------------------------|-----------|--------------------------------------------------------------|
//! | a1  | A (Direction de l'Eau)      | day 0     | incubation +2, entretien +3, simulation +4, embauche +1; a note on day 30 |
//! | a2  | A                           | day 1     | incubation +1, entretien +2, simulation +3, embauche +6      |
//! | a3  | A                           | day 2     | incubation +4, entretien +1, refuse +2                       |
//! | a4  | D (no department)           | day 3     | incubation +3, entretien +5, simulation +1, embauche +2      |
//! | a5  | B (Finances)                | day 4     | a note after 1 day, refuse +2                                |
//! | a6  | B                           | day 5     | incubation +6, retiree +2                                    |
//! | a7  | C (Direction de l'Eau)      | day 6     | incubation +1, entretien +4, simulation +2, embauche +3      |
//! | a8  | C                           | day 7     | none, and no submission row (a legacy application)           |
//! | a9  | A                           | day 8     | incubation +5                                                |
//! | a10 | A                           | day 40    | refuse +2, incubation +3 (an admin's reopening), entretien +1 |
//!
//! Expected, every application (days):
//! - funnel reached: candidature 10, incubation 8, entretien 6, simulation 4, embauche 4, refuse 3 (a10 counted),
//!   retiree 1; now: candidature 1 (a8), incubation 1 (a9), entretien 1 (a10), embauche 4, refuse 2, retiree 1;
//!   conversions 80, 75, 66.67, 100 %;
//! - time to hire: overall [10, 10, 11, 12] → median 10.5, p90 11.7; offer A [10, 12] → 11, 11.8; C [10]; D [11];
//!   department "Direction de l'Eau" [10, 10, 12] → 10, 11.6; none [11];
//! - stage durations: candidature [1,1,2,2,2,3,4,5,6] → 2, 5.2; incubation [1,1,2,2,3,4,5] → 2, 4.4; entretien
//!   [1,2,2,3,4] → 2, 3.6; simulation [1,2,3,6] → 2.5, 5.1.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::applications::StatusChange;
use seeg_application::{IdGenerator, SystemIds, UnitOfWork};
use seeg_domain::applications::ApplicationStatus::{
    self, Candidature, Embauche, EntretienProgramme, Incubation, Refuse, Retiree, SimulationProgrammee,
};
use seeg_domain::applications::{Application, MtpAnswers, Reference};
use seeg_domain::identity::{Role, User};
use seeg_domain::offers::{JobOffer, OfferStatus};

use crate::offers::offer;
use crate::users::user;

/// One day, in seconds.
pub const DAY: f64 = 86_400.0;

/// What `seed` stored.
#[derive(Debug, Clone)]
pub struct History {
    /// The recruiter who moved every application.
    pub recruiter: User,
    /// A, B, C, D (see the module's table).
    pub offers: [JobOffer; 4],
    /// a1..a10.
    pub applications: Vec<Application>,
    /// One candidate per application, in order.
    pub candidates: Vec<User>,
}

/// Day `d` of the history.
pub fn day(d: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").expect("time").with_timezone(&Utc) + TimeDelta::days(d)
}

/// One application's life: its offer (index), its submission day, whether the submission row exists, its moves
/// (new status, days after the previous move) and notes (days after submission, status kept).
struct Life {
    offer: usize,
    submitted: i64,
    submission_row: bool,
    moves: &'static [(ApplicationStatus, i64)],
    notes: &'static [i64],
}

const LIVES: [Life; 10] = [
    Life {
        offer: 0,
        submitted: 0,
        submission_row: true,
        moves: &[(Incubation, 2), (EntretienProgramme, 3), (SimulationProgrammee, 4), (Embauche, 1)],
        notes: &[30],
    },
    Life {
        offer: 0,
        submitted: 1,
        submission_row: true,
        moves: &[(Incubation, 1), (EntretienProgramme, 2), (SimulationProgrammee, 3), (Embauche, 6)],
        notes: &[],
    },
    Life {
        offer: 0,
        submitted: 2,
        submission_row: true,
        moves: &[(Incubation, 4), (EntretienProgramme, 1), (Refuse, 2)],
        notes: &[],
    },
    Life {
        offer: 3,
        submitted: 3,
        submission_row: true,
        moves: &[(Incubation, 3), (EntretienProgramme, 5), (SimulationProgrammee, 1), (Embauche, 2)],
        notes: &[],
    },
    Life { offer: 1, submitted: 4, submission_row: true, moves: &[(Refuse, 2)], notes: &[1] },
    Life { offer: 1, submitted: 5, submission_row: true, moves: &[(Incubation, 6), (Retiree, 2)], notes: &[] },
    Life {
        offer: 2,
        submitted: 6,
        submission_row: true,
        moves: &[(Incubation, 1), (EntretienProgramme, 4), (SimulationProgrammee, 2), (Embauche, 3)],
        notes: &[],
    },
    Life { offer: 2, submitted: 7, submission_row: false, moves: &[], notes: &[] },
    Life { offer: 0, submitted: 8, submission_row: true, moves: &[(Incubation, 5)], notes: &[] },
    Life {
        offer: 0,
        submitted: 40,
        submission_row: true,
        moves: &[(Refuse, 2), (Incubation, 3), (EntretienProgramme, 1)],
        notes: &[],
    },
];

fn change(
    application: &Application,
    by: Option<&User>,
    from: Option<ApplicationStatus>,
    to: ApplicationStatus,
    at: DateTime<Utc>,
) -> StatusChange {
    StatusChange {
        id: SystemIds.new_id(),
        application_id: application.id,
        changed_by: by.map(|u| u.id),
        previous_status: from,
        new_status: to,
        notes: None,
        changed_at: at,
    }
}

/// Stores the history: accounts, offers, applications in their current status, and their history rows.
pub async fn seed(uow: &dyn UnitOfWork) -> History {
    let recruiter = User { role: Role::Recruiter, candidate_kind: None, ..user("rh@seeg-gabon.com") };
    let department = |mut o: JobOffer, department: Option<&str>| {
        o.recruiter_id = Some(recruiter.id);
        o.status = OfferStatus::Active;
        o.department = department.map(str::to_owned);
        o
    };
    let water = Some("Direction de l'Eau");
    let offers = [
        department(offer("Chef de réseau", 0), water),
        department(offer("Comptable principal", 1), Some("Finances")),
        department(offer("Technicien de maintenance", 2), water),
        department(offer("Juriste", 3), None),
    ];
    let mut applications = Vec::new();
    let mut candidates = Vec::new();
    let mut history = Vec::new();
    for (n, life) in LIVES.iter().enumerate() {
        let candidate = user(&format!("candidat{}@exemple.ga", n + 1));
        let submitted = day(life.submitted);
        let mut application = Application {
            id: SystemIds.new_id(),
            candidate_id: candidate.id,
            job_offer_id: offers[life.offer].id,
            status: Candidature,
            reference_contacts: None,
            availability_start: None,
            has_been_manager: false,
            reference: Reference::default(),
            mtp_answers: MtpAnswers::from_stored(vec!["R1".into()], Vec::new(), Vec::new()),
            created_at: submitted,
            updated_at: submitted,
        };
        if life.submission_row {
            history.push(change(&application, Some(&candidate), None, Candidature, submitted));
        }
        let mut at = submitted;
        let mut status = Candidature;
        for (to, days) in life.moves {
            at += TimeDelta::days(*days);
            history.push(change(&application, Some(&recruiter), Some(status), *to, at));
            status = *to;
        }
        for days in life.notes {
            let noted = submitted + TimeDelta::days(*days);
            // The status the application was in then: a note keeps it.
            let mut then = Candidature;
            let mut moved = submitted;
            for (to, d) in life.moves {
                moved += TimeDelta::days(*d);
                if moved <= noted {
                    then = *to;
                }
            }
            let mut note = change(&application, Some(&recruiter), Some(then), then, noted);
            note.notes = Some("Relance du candidat".into());
            history.push(note);
        }
        application.status = status;
        application.updated_at = at;
        applications.push(application);
        candidates.push(candidate);
    }

    let mut tx = uow.begin().await.expect("begin");
    for account in std::iter::once(&recruiter).chain(&candidates) {
        tx.users().insert(account).await.expect("account");
    }
    for o in &offers {
        tx.offers().insert(o).await.expect("offer");
    }
    for a in &applications {
        tx.applications().insert(a).await.expect("application");
    }
    for h in &history {
        tx.applications().append_history(h).await.expect("history");
    }
    tx.commit().await.expect("commit");
    History { recruiter, offers, applications, candidates }
}
