//! In-memory implementations of every persistence port: for fast tests, and for Rust services that embed the
//! application crate. The contract suites in `tests/` hold them to the same behaviour as the SQL adapters.

mod clock;
mod store;

pub use clock::ManualClock;
pub use store::{MemoryStore, SeededApplication};
