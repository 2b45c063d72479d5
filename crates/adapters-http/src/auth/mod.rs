//! Who calls, and their account (legacy §1.2, R1–R12; decisions S4–S7, F2, F4): sign-up, sessions, passwords,
//! matricule checks, accounts created by an administrator, and the `Caller` every signed-in route extracts.

pub(crate) mod account;
mod caller;
pub(crate) mod matricules;
pub(crate) mod passwords;
pub(crate) mod session;
pub(crate) mod signup;
pub(crate) mod user_creation;

use actix_web::web;

pub(crate) use account::{CandidateProfileBody, UserBody, UserWithProfile, with_profile};
pub use caller::Caller;
pub(crate) use caller::signed_in;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    signup::configure(cfg);
    session::configure(cfg);
    passwords::configure(cfg);
    matricules::configure(cfg);
    user_creation::configure(cfg);
}
