//! Port contract suites: ONE suite per port, run against the in-memory adapter, SQLite and PostgreSQL, so the
//! fakes stay honest (CONVENTIONS 6).

mod offers;
mod outbox;
mod relay;
