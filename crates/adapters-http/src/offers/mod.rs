//! Job offers: what anyone sees (`public`, legacy §1.6), and what signed-in users see and recruiters publish and
//! manage (`recruiter`, legacy §1.5), with the fields a create or update body carries (`changes`).

mod changes;
pub(crate) mod public;
pub(crate) mod recruiter;

use actix_web::web;

pub(crate) use public::QuestionsMtp;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    public::configure(cfg);
    recruiter::configure(cfg);
}
