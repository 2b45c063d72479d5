//! Interview slots (I7, R31): booking, moving, cancelling and reading them, and the persistence ports they use.

pub mod invitation;
mod ports;
mod scheduling;

pub use ports::{InterviewSlotRepository, InterviewSlotWriter, SlotFilter, SlotStats};
pub use scheduling::{
    INTERVIEW_CANCELLED, INTERVIEW_SCHEDULED, INTERVIEW_UPDATED, InterviewSlots, NOTIFICATION_INTERVIEW_CANCELLED,
    NOTIFICATION_INTERVIEW_SCHEDULED, NewSlot, SlotError, SlotPatch,
};
