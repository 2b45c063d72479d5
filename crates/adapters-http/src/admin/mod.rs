//! For administrators, the service's own records: the audit trail (`audit`, B2) and the outbox of side effects
//! with its replays (`outbox`).

pub(crate) mod audit;
pub(crate) mod outbox;

use actix_web::web;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    audit::configure(cfg);
    outbox::configure(cfg);
}
