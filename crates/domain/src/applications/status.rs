//! The application pipeline (I5): the statuses today's front end shows, and who may move an application from
//! one to the next.

use crate::vocabulary::{UnknownValue, wire_enum};

wire_enum! {
    /// Where an application stands (legacy `applications.status`, I5).
    pub enum ApplicationStatus {
        /// Just submitted (legacy input alias `pending`).
        Candidature => "candidature",
        /// Under review: the first step a recruiter moves a candidature to.
        Incubation => "incubation",
        /// An interview is scheduled.
        EntretienProgramme => "entretien_programme",
        /// A simulation is scheduled: the last step before hiring.
        SimulationProgrammee => "simulation_programmee",
        /// Hired: terminal.
        Embauche => "embauche",
        /// Turned down: terminal (an admin may reopen it).
        Refuse => "refuse",
        /// Withdrawn by the candidate: terminal.
        Retiree => "retiree",
    }
}

/// Who asks for a status change; the allowed moves depend on it (I5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusActor {
    /// The application's own candidate: may only withdraw.
    Candidate,
    /// A recruiter: moves the pipeline forward or turns the application down.
    Recruiter,
    /// An administrator: as a recruiter, and may reopen a turned-down application.
    Admin,
}

/// A move the pipeline does not allow for this actor, with the statuses it does allow (F1 `allowed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Transition de statut impossible : {from} -> {to}")]
pub struct InvalidTransition {
    /// The status the application is in.
    pub from: ApplicationStatus,
    /// The status asked for.
    pub to: ApplicationStatus,
    /// The statuses this actor may move it to from `from` (`allowed_next`).
    pub allowed: Vec<ApplicationStatus>,
}

impl ApplicationStatus {
    /// Reads a status as clients send it: the legacy initial word `pending` means `candidature`.
    pub fn parse_input(raw: &str) -> Result<Self, UnknownValue> {
        match raw.trim() {
            "pending" => Ok(Self::Candidature),
            other => other.parse(),
        }
    }

    /// The French label shown to people (messages, e-mails, the PDF dossier).
    pub const fn label(self) -> &'static str {
        match self {
            Self::Candidature => "Candidature reçue",
            Self::Incubation => "En incubation",
            Self::EntretienProgramme => "Entretien programmé",
            Self::SimulationProgrammee => "Simulation programmée",
            Self::Embauche => "Embauché(e)",
            Self::Refuse => "Non retenue",
            Self::Retiree => "Retirée par le candidat",
        }
    }

    /// Whether nothing but an admin's reopening can follow.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Embauche | Self::Refuse | Self::Retiree)
    }

    /// The next pipeline step, for open statuses before hiring.
    const fn forward(self) -> Option<Self> {
        match self {
            Self::Candidature => Some(Self::Incubation),
            Self::Incubation => Some(Self::EntretienProgramme),
            Self::EntretienProgramme => Some(Self::SimulationProgrammee),
            Self::SimulationProgrammee => Some(Self::Embauche),
            Self::Embauche | Self::Refuse | Self::Retiree => None,
        }
    }

    /// The statuses `actor` may move an application in this status to, in pipeline order.
    pub fn allowed_next(self, actor: StatusActor) -> Vec<Self> {
        let mut next = Vec::new();
        match actor {
            StatusActor::Candidate => {
                if !self.is_terminal() {
                    next.push(Self::Retiree);
                }
            }
            StatusActor::Recruiter | StatusActor::Admin => {
                next.extend(self.forward());
                if !self.is_terminal() {
                    next.push(Self::Refuse);
                }
                if actor == StatusActor::Admin && self == Self::Refuse {
                    next.push(Self::Incubation);
                }
            }
        }
        next
    }

    /// Checks a move; staying in the same status is not a move.
    ///
    /// The moves, by actor (I5):
    ///
    /// ```rust
    /// use seeg_domain::applications::{ApplicationStatus as S, InvalidTransition, StatusActor as A};
    ///
    /// // Staff move the pipeline one step forward, or turn the application down from any open status.
    /// assert_eq!(S::Candidature.transition(S::Incubation, A::Recruiter), Ok(S::Incubation));
    /// assert_eq!(S::Incubation.transition(S::EntretienProgramme, A::Recruiter), Ok(S::EntretienProgramme));
    /// assert_eq!(S::EntretienProgramme.transition(S::SimulationProgrammee, A::Admin), Ok(S::SimulationProgrammee));
    /// assert_eq!(S::SimulationProgrammee.transition(S::Embauche, A::Recruiter), Ok(S::Embauche));
    /// assert_eq!(S::EntretienProgramme.transition(S::Refuse, A::Recruiter), Ok(S::Refuse));
    ///
    /// // No skipping steps, no going back; the refusal names the moves that were allowed.
    /// assert_eq!(
    ///     S::Candidature.transition(S::Embauche, A::Recruiter),
    ///     Err(InvalidTransition { from: S::Candidature, to: S::Embauche, allowed: vec![S::Incubation, S::Refuse] })
    /// );
    /// assert!(S::EntretienProgramme.transition(S::Incubation, A::Admin).is_err());
    /// assert!(S::Incubation.transition(S::Incubation, A::Recruiter).is_err(), "staying is not a move");
    ///
    /// // Staff do not withdraw an application; its candidate does, and may do nothing else.
    /// assert!(S::Incubation.transition(S::Retiree, A::Recruiter).is_err());
    /// assert_eq!(S::Incubation.transition(S::Retiree, A::Candidate), Ok(S::Retiree));
    /// assert_eq!(S::Candidature.allowed_next(A::Candidate), [S::Retiree]);
    /// assert!(S::Candidature.transition(S::Incubation, A::Candidate).is_err());
    ///
    /// // Hired, refused and withdrawn are terminal; only an admin reopens a refusal, into incubation.
    /// assert!(S::Embauche.allowed_next(A::Admin).is_empty());
    /// assert!(S::Retiree.allowed_next(A::Admin).is_empty());
    /// assert!(S::Refuse.allowed_next(A::Candidate).is_empty());
    /// assert!(S::Refuse.transition(S::Incubation, A::Recruiter).is_err());
    /// assert_eq!(S::Refuse.transition(S::Incubation, A::Admin), Ok(S::Incubation));
    /// assert_eq!(S::Refuse.allowed_next(A::Admin), [S::Incubation]);
    /// ```
    pub fn transition(self, to: Self, actor: StatusActor) -> Result<Self, InvalidTransition> {
        let allowed = self.allowed_next(actor);
        if allowed.contains(&to) { Ok(to) } else { Err(InvalidTransition { from: self, to, allowed }) }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::*;
    use super::*;

    #[test]
    fn pending_is_read_as_candidature_and_unknown_words_are_refused() {
        assert_eq!(ApplicationStatus::parse_input("pending"), Ok(Candidature));
        assert_eq!(ApplicationStatus::parse_input(" incubation "), Ok(Incubation));
        assert!(ApplicationStatus::parse_input("accepted").is_err());
        for status in ApplicationStatus::ALL {
            assert_eq!(ApplicationStatus::parse_input(status.as_str()), Ok(status));
        }
    }

    #[test]
    fn staff_move_forward_one_step_or_turn_down_an_open_application() {
        let path = [Candidature, Incubation, EntretienProgramme, SimulationProgrammee, Embauche];
        for pair in path.windows(2) {
            assert_eq!(pair[0].transition(pair[1], StatusActor::Recruiter), Ok(pair[1]));
            assert_eq!(pair[0].transition(Refuse, StatusActor::Recruiter), Ok(Refuse));
        }
        let skipped = Candidature.transition(EntretienProgramme, StatusActor::Recruiter).unwrap_err();
        assert_eq!(skipped.allowed, [Incubation, Refuse]);
        assert!(Incubation.transition(Candidature, StatusActor::Admin).is_err(), "no way back");
        assert!(Incubation.transition(Retiree, StatusActor::Recruiter).is_err(), "only the candidate withdraws");
    }

    #[test]
    fn terminal_statuses_stay_except_an_admin_reopening_a_refusal() {
        for terminal in [Embauche, Refuse, Retiree] {
            assert!(terminal.is_terminal());
            assert!(terminal.allowed_next(StatusActor::Recruiter).is_empty(), "{terminal}");
            assert!(terminal.allowed_next(StatusActor::Candidate).is_empty(), "{terminal}");
        }
        assert_eq!(Refuse.allowed_next(StatusActor::Admin), [Incubation]);
        assert!(Embauche.allowed_next(StatusActor::Admin).is_empty());
        assert!(Retiree.allowed_next(StatusActor::Admin).is_empty());
    }

    #[test]
    fn a_candidate_may_only_withdraw_an_open_application() {
        for open in [Candidature, Incubation, EntretienProgramme, SimulationProgrammee] {
            assert_eq!(open.allowed_next(StatusActor::Candidate), [Retiree]);
            assert_eq!(open.transition(Retiree, StatusActor::Candidate), Ok(Retiree));
        }
        let err = Candidature.transition(Incubation, StatusActor::Candidate).unwrap_err();
        assert_eq!((err.from, err.to, err.allowed), (Candidature, Incubation, vec![Retiree]));
        assert!(Candidature.transition(Candidature, StatusActor::Admin).is_err(), "staying is not a move");
    }
}
