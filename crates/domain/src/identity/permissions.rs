//! The permission matrix (S3), defined once: every route asks `decide` before acting.

use super::Role;

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Reading offers: everyone (candidates only those their kind sees, K3b).
    ReadOffers,
    /// Creating an offer: recruiters and admins.
    CreateOffer,
    /// Changing an offer: a recruiter its own (`Own`), admins any.
    UpdateOffer,
    /// Deleting an offer: a recruiter its own (`Own`), admins any.
    DeleteOffer,
    /// The caller's own offers and their statistics (`/jobs/recruiter/*`): the people who publish offers.
    ReadOwnOffers,
    /// The applications to one offer (`/jobs/{id}/applications`): staff, who read every application (S3).
    ReadOfferApplications,
    /// Reading applications: staff any; a candidate its own.
    ReadApplications,
    /// Moving an application through the pipeline (I5): recruiters and admins.
    ChangeApplicationStatus,
    /// A candidate withdrawing its own application (`retiree`, I5): not a staff status change.
    WithdrawApplication,
    /// Deleting an application, deleting or adding/replacing its documents (I10): its candidate (while
    /// `candidature`, decided by the use case) and admins.
    EditApplication,
    /// Reading an application's documents: staff any; a candidate those of its own applications.
    ReadDocuments,
    /// Scoring an application (I6): recruiters and admins.
    Evaluate,
    /// Reading evaluations: staff.
    ReadEvaluations,
    /// Creating, changing or cancelling interview slots (I7): recruiters and admins.
    ScheduleInterviews,
    /// Reading interview slots: staff.
    ReadInterviews,
    /// Approving or rejecting access requests (R35): recruiters and admins.
    HandleAccessRequests,
    /// Reading access requests: staff.
    ReadAccessRequests,
    /// Reading one account: anyone reads its own; staff read any; another account does not exist for a candidate.
    ReadUsers,
    /// Listing and searching accounts: recruiters and admins.
    ListUsers,
    /// Creating accounts and changing what only an administrator changes (S2): admins.
    ManageUsers,
    /// Sending e-mails through `/emails/*` (S8): recruiters and admins.
    SendEmails,
    /// Reading the e-mail log (`/emails/logs`, S8): admins.
    ReadEmailLogs,
    /// Reading the audit trail (B2): admins.
    ReadAudit,
    /// Reading statistics and dashboards: staff.
    ReadStatistics,
    /// Listing, retrying and replaying outbox events (I2): admins.
    ManageOutbox,
    /// The service's metrics (`/monitoring/metrics`): admins (and a scraper holding the configured token, which
    /// is not an account).
    ReadMetrics,
    /// The service's own figures (`/monitoring/stats`: accounts, offers, applications, outbox): admins, as legacy.
    ReadServiceStats,
}

impl Action {
    /// Every action, for tests that walk the whole matrix.
    pub const ALL: [Self; 27] = [
        Self::ReadOffers,
        Self::CreateOffer,
        Self::UpdateOffer,
        Self::DeleteOffer,
        Self::ReadOwnOffers,
        Self::ReadOfferApplications,
        Self::ReadApplications,
        Self::ChangeApplicationStatus,
        Self::WithdrawApplication,
        Self::EditApplication,
        Self::ReadDocuments,
        Self::Evaluate,
        Self::ReadEvaluations,
        Self::ScheduleInterviews,
        Self::ReadInterviews,
        Self::HandleAccessRequests,
        Self::ReadAccessRequests,
        Self::ReadUsers,
        Self::ListUsers,
        Self::ManageUsers,
        Self::SendEmails,
        Self::ReadEmailLogs,
        Self::ReadAudit,
        Self::ReadStatistics,
        Self::ManageOutbox,
        Self::ReadMetrics,
        Self::ReadServiceStats,
    ];
}

/// Whether the target belongs to the caller: for a candidate, its own application or document; for a
/// recruiter, an offer it created. Actions on collections (lists, creations) pass `Any`, except a candidate
/// listing its own applications, which passes `Own`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ownership {
    /// The target is the caller's own (its application, document or account; for a recruiter, an offer it created).
    Own,
    /// Any target, or a collection.
    Any,
}

impl Ownership {
    /// Both answers, for tests that walk the whole matrix.
    pub const ALL: [Self; 2] = [Self::Own, Self::Any];
}

/// The answer to a permission question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The caller may go ahead.
    Allow,
    /// 403: staff lacking the permission, or a candidate attempting a staff action.
    Forbid,
    /// 404: a candidate reaching another user's resource, so that ids cannot be probed (S3).
    Hide,
}

impl Decision {
    /// Whether the caller may go ahead (`Forbid` and `Hide` both refuse).
    pub const fn is_allowed(self) -> bool {
        matches!(self, Self::Allow)
    }
}

/// Whether `role` may perform `action` on at least one target. A caller refused here is refused whatever the
/// request carries, so the HTTP layer answers 401/403 before reading a body (S3).
pub const fn may_attempt(role: Role, action: Action) -> bool {
    decide(role, action, Ownership::Own).is_allowed() || decide(role, action, Ownership::Any).is_allowed()
}

/// S3: admins may do everything; recruiters run recruitments but change only their own offers and do not
/// administer the service; observers only read; candidates read offers and their own applications and
/// documents, and other candidates' ones do not exist for them.
///
/// Every action is named for every role, so adding an action does not compile until each role is decided.
///
/// ```rust
/// use seeg_domain::identity::{Action, Decision, Ownership, Role, decide, may_attempt};
///
/// // A recruiter changes its own offers, not another recruiter's; admins change any.
/// assert_eq!(decide(Role::Recruiter, Action::UpdateOffer, Ownership::Own), Decision::Allow);
/// assert_eq!(decide(Role::Recruiter, Action::UpdateOffer, Ownership::Any), Decision::Forbid);
/// assert_eq!(decide(Role::Admin, Action::UpdateOffer, Ownership::Any), Decision::Allow);
///
/// // Observers read and never write.
/// assert!(decide(Role::Observer, Action::ReadApplications, Ownership::Any).is_allowed());
/// assert_eq!(decide(Role::Observer, Action::ChangeApplicationStatus, Ownership::Any), Decision::Forbid);
///
/// // Another candidate's application does not exist for a candidate (404), its own is readable.
/// assert_eq!(decide(Role::Candidate, Action::ReadApplications, Ownership::Any), Decision::Hide);
/// assert_eq!(decide(Role::Candidate, Action::ReadApplications, Ownership::Own), Decision::Allow);
/// assert!(!may_attempt(Role::Candidate, Action::ChangeApplicationStatus));
/// assert!(may_attempt(Role::Candidate, Action::WithdrawApplication));
/// ```
#[allow(clippy::match_same_arms)] // one block of arms per role, to read as the S3 matrix
pub const fn decide(role: Role, action: Action, ownership: Ownership) -> Decision {
    use Action::{
        ChangeApplicationStatus, CreateOffer, DeleteOffer, EditApplication, Evaluate, HandleAccessRequests, ListUsers,
        ManageOutbox, ManageUsers, ReadAccessRequests, ReadApplications, ReadAudit, ReadDocuments, ReadEmailLogs,
        ReadEvaluations, ReadInterviews, ReadMetrics, ReadOfferApplications, ReadOffers, ReadOwnOffers,
        ReadServiceStats, ReadStatistics, ReadUsers, ScheduleInterviews, SendEmails, UpdateOffer, WithdrawApplication,
    };
    use Decision::{Allow, Forbid, Hide};
    use Ownership::{Any, Own};

    match (role, action, ownership) {
        (Role::Admin, _, _) => Allow,

        (Role::Recruiter, UpdateOffer | DeleteOffer, Own) => Allow,
        (Role::Recruiter, UpdateOffer | DeleteOffer, Any) => Forbid,
        (
            Role::Recruiter,
            ReadOffers
            | CreateOffer
            | ReadOwnOffers
            | ReadOfferApplications
            | ReadApplications
            | ChangeApplicationStatus
            | ReadDocuments
            | Evaluate
            | ReadEvaluations
            | ScheduleInterviews
            | ReadInterviews
            | HandleAccessRequests
            | ReadAccessRequests
            | ReadUsers
            | ListUsers
            | SendEmails
            | ReadStatistics,
            _,
        ) => Allow,
        (
            Role::Recruiter,
            WithdrawApplication | EditApplication | ManageUsers | ReadEmailLogs | ReadAudit | ManageOutbox
            | ReadMetrics | ReadServiceStats,
            _,
        ) => Forbid,

        (
            Role::Observer,
            ReadOffers
            | ReadOfferApplications
            | ReadApplications
            | ReadDocuments
            | ReadEvaluations
            | ReadInterviews
            | ReadAccessRequests
            | ReadUsers
            | ReadStatistics,
            _,
        ) => Allow,
        (
            Role::Observer,
            CreateOffer
            | UpdateOffer
            | DeleteOffer
            | ReadOwnOffers
            | ChangeApplicationStatus
            | WithdrawApplication
            | EditApplication
            | Evaluate
            | ScheduleInterviews
            | HandleAccessRequests
            | ListUsers
            | ManageUsers
            | SendEmails
            | ReadEmailLogs
            | ReadAudit
            | ManageOutbox
            | ReadMetrics
            | ReadServiceStats,
            _,
        ) => Forbid,

        (Role::Candidate, ReadOffers, _)
        | (
            Role::Candidate,
            ReadApplications | ReadDocuments | ReadInterviews | WithdrawApplication | EditApplication | ReadUsers,
            Own,
        ) => Allow,
        (
            Role::Candidate,
            ReadApplications | ReadDocuments | ReadInterviews | WithdrawApplication | EditApplication | ReadUsers,
            Any,
        ) => Hide,
        (
            Role::Candidate,
            CreateOffer
            | UpdateOffer
            | DeleteOffer
            | ReadOwnOffers
            | ReadOfferApplications
            | ChangeApplicationStatus
            | Evaluate
            | ReadEvaluations
            | ScheduleInterviews
            | HandleAccessRequests
            | ReadAccessRequests
            | ListUsers
            | ManageUsers
            | SendEmails
            | ReadEmailLogs
            | ReadAudit
            | ReadStatistics
            | ManageOutbox
            | ReadMetrics
            | ReadServiceStats,
            _,
        ) => Forbid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Decision::{Allow as A, Forbid as F, Hide as H};

    /// The whole S3 matrix: for each action, the decision for (own, any) of admin, recruiter, observer, candidate.
    #[rustfmt::skip]
    const MATRIX: [(Action, [[Decision; 2]; 4]); 27] = [
        //                          admin     recruiter  observer   candidate
        //                          own  any  own  any   own  any   own  any
        (ReadOffers,              [[A, A], [A, A],  [A, A],  [A, A]]),
        (CreateOffer,             [[A, A], [A, A],  [F, F],  [F, F]]),
        (UpdateOffer,             [[A, A], [A, F],  [F, F],  [F, F]]),
        (DeleteOffer,             [[A, A], [A, F],  [F, F],  [F, F]]),
        (ReadOwnOffers,           [[A, A], [A, A],  [F, F],  [F, F]]),
        (ReadOfferApplications,   [[A, A], [A, A],  [A, A],  [F, F]]),
        (ReadApplications,        [[A, A], [A, A],  [A, A],  [A, H]]),
        (ChangeApplicationStatus, [[A, A], [A, A],  [F, F],  [F, F]]),
        (WithdrawApplication,     [[A, A], [F, F],  [F, F],  [A, H]]),
        (EditApplication,         [[A, A], [F, F],  [F, F],  [A, H]]),
        (ReadDocuments,           [[A, A], [A, A],  [A, A],  [A, H]]),
        (Evaluate,                [[A, A], [A, A],  [F, F],  [F, F]]),
        (ReadEvaluations,         [[A, A], [A, A],  [A, A],  [F, F]]),
        (ScheduleInterviews,      [[A, A], [A, A],  [F, F],  [F, F]]),
        (ReadInterviews,          [[A, A], [A, A],  [A, A],  [A, H]]),
        (HandleAccessRequests,    [[A, A], [A, A],  [F, F],  [F, F]]),
        (ReadAccessRequests,      [[A, A], [A, A],  [A, A],  [F, F]]),
        (ReadUsers,               [[A, A], [A, A],  [A, A],  [A, H]]),
        (ListUsers,               [[A, A], [A, A],  [F, F],  [F, F]]),
        (ManageUsers,             [[A, A], [F, F],  [F, F],  [F, F]]),
        (SendEmails,              [[A, A], [A, A],  [F, F],  [F, F]]),
        (ReadEmailLogs,           [[A, A], [F, F],  [F, F],  [F, F]]),
        (ReadAudit,               [[A, A], [F, F],  [F, F],  [F, F]]),
        (ReadStatistics,          [[A, A], [A, A],  [A, A],  [F, F]]),
        (ManageOutbox,            [[A, A], [F, F],  [F, F],  [F, F]]),
        (ReadMetrics,             [[A, A], [F, F],  [F, F],  [F, F]]),
        (ReadServiceStats,        [[A, A], [F, F],  [F, F],  [F, F]]),
    ];

    fn expected(role: Role, action: Action, ownership: Ownership) -> Decision {
        let rows: Vec<_> = MATRIX.iter().filter(|(a, _)| *a == action).collect();
        assert_eq!(rows.len(), 1, "{action:?} must have exactly one row in the matrix");
        let by_role = rows[0].1;
        let role_index = Role::ALL.iter().position(|r| *r == role).unwrap();
        let ownership_index = Ownership::ALL.iter().position(|o| *o == ownership).unwrap();
        by_role[role_index][ownership_index]
    }

    #[test]
    fn every_role_action_and_ownership_gets_the_matrix_decision() {
        // The matrix columns follow Role::ALL and Ownership::ALL.
        assert_eq!(Role::ALL, [Role::Admin, Role::Recruiter, Role::Observer, Role::Candidate]);
        assert_eq!(Ownership::ALL, [Ownership::Own, Ownership::Any]);
        assert_eq!(MATRIX.map(|(a, _)| a), Action::ALL, "one row per action, in Action::ALL order");

        let mut checked = 0;
        for role in Role::ALL {
            for action in Action::ALL {
                for ownership in Ownership::ALL {
                    assert_eq!(
                        decide(role, action, ownership),
                        expected(role, action, ownership),
                        "{role} {action:?} {ownership:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 4 * Action::ALL.len() * 2);
    }

    #[test]
    fn only_candidates_are_ever_hidden_from_and_only_from_others_resources() {
        for role in Role::ALL {
            for action in Action::ALL {
                for ownership in Ownership::ALL {
                    if decide(role, action, ownership) == Decision::Hide {
                        assert_eq!((role, ownership), (Role::Candidate, Ownership::Any), "{action:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn observers_never_write_and_admins_never_are_refused() {
        for action in Action::ALL {
            for ownership in Ownership::ALL {
                assert!(decide(Role::Admin, action, ownership).is_allowed());
            }
        }
        let observer_may: Vec<Action> =
            Action::ALL.into_iter().filter(|a| decide(Role::Observer, *a, Ownership::Any).is_allowed()).collect();
        assert_eq!(
            observer_may,
            [
                ReadOffers,
                ReadOfferApplications,
                ReadApplications,
                ReadDocuments,
                ReadEvaluations,
                ReadInterviews,
                ReadAccessRequests,
                ReadUsers,
                ReadStatistics
            ]
        );
    }
}
