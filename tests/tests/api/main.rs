//! Black-box HTTP tests: the real service on port 0, a fresh database per test, on SQLite and PostgreSQL.

mod docs;
mod health;
mod http_conventions;
mod public_offers;
