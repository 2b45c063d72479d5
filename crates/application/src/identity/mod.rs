//! Identity: who is calling and what they may do. Passwords, tokens, and (growing) the account use cases.

mod passwords;
mod tokens;

pub use passwords::PasswordHasher;
pub use tokens::{Issued, TokenError, TokenKind, TokenService, TokenSettings, Verified};
