//! Who may read an application (S3), decided once for every read route and the PDF export.

use seeg_domain::applications::Application;
use seeg_domain::identity::{Action, Decision, Ownership, Role, User, decide};

/// `Allow`; `Forbid` (403) for staff without the permission; `Hide` (404) for another candidate's
/// application, so that ids cannot be probed.
pub fn read_access(caller: &User, application: &Application) -> Decision {
    let ownership = if application.candidate_id == caller.id { Ownership::Own } else { Ownership::Any };
    match (caller.role, decide(caller.role, Action::ReadApplications, ownership)) {
        (Role::Candidate, _) if ownership == Ownership::Any => Decision::Hide,
        (_, decision) => decision,
    }
}

/// An application's history as `caller` may see it: staff see every row whole; a candidate sees when and to
/// which status the application moved, never the staff's notes nor who made a move.
pub fn history_for(caller: &User, mut history: Vec<super::StatusChange>) -> Vec<super::StatusChange> {
    if caller.role == Role::Candidate {
        for change in &mut history {
            change.notes = None;
            change.changed_by = None;
        }
    }
    history
}
