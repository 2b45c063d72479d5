//! SEEG recruitment use cases and the ports they need.
//!
//! One module per capability; each use case is a struct of `Arc<dyn Port>` with one method per operation.
//! Ports are small `async_trait` traits whose doc comments are their contracts; the adapters implement them and
//! the contract suites in `tests/` hold every implementation to the same behaviour.
//!
//! A service that embeds the use cases without the HTTP server builds them on adapters of its choosing:
//! `crates/adapters-memory/examples/outside_service.rs` wires sign-up, offers, submissions and the pipeline on the
//! in-memory store (`cargo run -p seeg-adapters-memory --example outside_service`).

#![warn(missing_docs)]

pub mod analytics;
pub mod applications;
pub mod clock;
pub mod documents;
pub mod documents_sweep;
pub mod dossier;
pub mod evaluations;
pub mod health;
pub mod housekeeping;
pub mod idempotency;
pub mod identity;
pub mod interviews;
pub mod lake;
pub mod live;
pub mod locks;
pub mod mail;
pub mod monitoring;
pub mod notifications;
pub mod offers;
pub mod outbox;
pub mod privacy;
pub mod service_stats;
pub mod store;

pub use clock::{Clock, IdGenerator, SystemClock, SystemIds};
pub use store::{Outage, Page, PageOf, StoreError, StoreOutage, Transaction, UnitOfWork};
