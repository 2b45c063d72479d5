//! sea-orm models. They never leave this crate: repositories convert them to and from domain types.

pub mod job_offer;
pub mod outbox_event;
