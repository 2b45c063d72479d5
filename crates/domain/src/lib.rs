//! The SEEG recruitment domain: entities, value objects and rules.
//!
//! No I/O, no async, no framework: every other ring depends on this one and it depends on nothing of theirs.
//! Values are parsed once into types with private fields (see `MtpQuestions`), so code past the boundary never
//! handles raw strings where a rule applies.
//!
//! The rules other services most often need carry runnable examples: the MTP question limits
//! ([`offers::MtpQuestions`]) and answers ([`applications::MtpAnswers::parse`]), the documents a submission needs
//! ([`applications::check_document_types`]) and what each must be ([`applications::PdfScan`]), the status machine
//! by actor ([`applications::ApplicationStatus::transition`]) and the permission matrix ([`identity::decide`]).

#![warn(missing_docs)]

pub mod applications;
pub mod evaluations;
pub mod identity;
pub mod interviews;
pub mod mail;
pub mod offers;
pub mod outbox;
pub mod search;
pub mod vocabulary;
