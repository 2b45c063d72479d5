//! Accounts once they exist (legacy §1.3, §1.4): the caller's own and, for staff, everyone's (`accounts`), the
//! candidate's profile (`profiles`), and the access requests of internal candidates awaiting a decision
//! (`access_requests`).

pub(crate) mod access_requests;
pub(crate) mod accounts;
pub(crate) mod erasure;
pub(crate) mod export;
pub(crate) mod profiles;

use actix_web::web;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    profiles::configure(cfg);
    export::configure(cfg);
    erasure::configure(cfg);
    accounts::configure(cfg);
    access_requests::configure(cfg);
}
