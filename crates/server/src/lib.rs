//! The `seeg` binary's library: settings, telemetry, wiring and the commands. Only this crate knows every ring.

pub mod admin;
pub mod agents;
pub mod azure_function;
pub mod cli;
pub mod demo;
pub mod documents;
pub mod hashing;
pub mod lake;
pub mod privacy;
pub mod settings;
pub mod signing_key;
pub mod startup;
pub mod telemetry;

pub use settings::{Environment, MailTransport, Settings};
pub use startup::Application;
