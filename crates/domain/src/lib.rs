//! The SEEG recruitment domain: entities, value objects and rules.
//!
//! No I/O, no async, no framework: every other ring depends on this one and it depends on nothing of theirs.
//! Values are parsed once into types with private fields (see `MtpQuestions`), so code past the boundary never
//! handles raw strings where a rule applies.

pub mod applications;
pub mod evaluations;
pub mod identity;
pub mod interviews;
pub mod offers;
pub mod outbox;
pub mod search;
pub mod vocabulary;
