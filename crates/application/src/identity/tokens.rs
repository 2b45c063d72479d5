//! JWT access and refresh tokens (HS256; claims K2/S4: `sub, role, type, iss, aud, exp, iat, nbf`, plus `jti` on
//! refresh tokens). Expiry is checked against the injected clock, not the wall clock, so tests control it.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use seeg_domain::identity::Role;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a token may be used for (claim `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// `access`: authenticates requests.
    Access,
    /// `refresh`: exchanged for a new pair, once (S4).
    Refresh,
    /// `stream_ticket`: opens live notification streams from a URL (`EventSource` cannot send headers, B3);
    /// valid `STREAM_TICKET_LIFETIME` only, and for nothing else.
    StreamTicket,
}

/// How long a stream ticket is valid: long enough to open the stream it was asked for.
pub const STREAM_TICKET_LIFETIME: Duration = Duration::from_secs(60);

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    role: String,
    #[serde(rename = "type")]
    kind: TokenKind,
    iss: String,
    aud: String,
    exp: i64,
    iat: i64,
    nbf: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jti: Option<String>,
}

/// Why a token was refused. The HTTP layer answers 401 for all of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, `iss` or `aud`, malformed claims, or not yet valid.
    #[error("jeton invalide")]
    Invalid,
    /// Past its `exp`.
    #[error("jeton expiré")]
    Expired,
    /// An access token where a refresh token was expected, or the reverse (S4).
    #[error("type de jeton incorrect")]
    WrongKind,
}

/// Lifetimes and the `iss`/`aud` values.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// The `iss` claim written and required.
    pub issuer: String,
    /// The `aud` claim written and required.
    pub audience: String,
    /// How long an access token is valid (`expires_in`, F4).
    pub access_lifetime: Duration,
    /// How long a refresh token is valid.
    pub refresh_lifetime: Duration,
}

/// A signed token and when it stops being valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The signed JWT.
    pub token: String,
    /// Its `exp`.
    pub expires_at: DateTime<Utc>,
}

/// What a valid token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The account (`sub`).
    pub user_id: Uuid,
    /// The role the token was issued for (the request checks the stored account anyway, S4).
    pub role: Role,
    /// Refresh tokens only: the stored token this one stands for (rotation and reuse detection).
    pub token_id: Option<Uuid>,
    /// Its `exp`: a live stream opened with it ends then.
    pub expires_at: DateTime<Utc>,
}

/// Signs and checks tokens.
#[derive(Clone)]
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: TokenSettings,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl TokenService {
    /// Signs and verifies with the HMAC `secret` (HS256; S1 wants at least 32 bytes in production).
    pub fn new(secret: &[u8], settings: TokenSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Time is checked against the injected clock in `verify`.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            settings,
        }
    }

    /// The access-token lifetime in seconds (`expires_in`, F4).
    pub fn access_lifetime_secs(&self) -> u64 {
        self.settings.access_lifetime.as_secs()
    }

    /// An access token for the account, valid from `now` for `access_lifetime`.
    pub fn issue_access(&self, user_id: Uuid, role: Role, now: DateTime<Utc>) -> anyhow::Result<Issued> {
        self.issue(TokenKind::Access, user_id, role, None, now, self.settings.access_lifetime)
    }

    /// A refresh token standing for the stored token `token_id`.
    pub fn issue_refresh(
        &self,
        user_id: Uuid,
        role: Role,
        token_id: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Issued> {
        self.issue(TokenKind::Refresh, user_id, role, Some(token_id), now, self.settings.refresh_lifetime)
    }

    /// A stream ticket for the account, valid from `now` for `STREAM_TICKET_LIFETIME`.
    pub fn issue_stream_ticket(&self, user_id: Uuid, role: Role, now: DateTime<Utc>) -> anyhow::Result<Issued> {
        self.issue(TokenKind::StreamTicket, user_id, role, None, now, STREAM_TICKET_LIFETIME)
    }

    fn issue(
        &self,
        kind: TokenKind,
        user_id: Uuid,
        role: Role,
        token_id: Option<Uuid>,
        now: DateTime<Utc>,
        lifetime: Duration,
    ) -> anyhow::Result<Issued> {
        let expires_at = now + TimeDelta::from_std(lifetime)?;
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.as_str().to_owned(),
            kind,
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            exp: expires_at.timestamp(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            jti: token_id.map(|id| id.to_string()),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(Issued { token, expires_at })
    }

    /// Checks signature, `iss`, `aud`, `type` and the times against `now`.
    pub fn verify(&self, token: &str, expected: TokenKind, now: DateTime<Utc>) -> Result<Verified, TokenError> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.kind != expected {
            return Err(TokenError::WrongKind);
        }
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.timestamp() + 5 {
            return Err(TokenError::Invalid);
        }
        let user_id = Uuid::parse_str(&claims.sub).map_err(|_| TokenError::Invalid)?;
        let role = claims.role.parse().map_err(|_| TokenError::Invalid)?;
        let token_id = match (expected, claims.jti) {
            (TokenKind::Refresh, Some(jti)) => Some(Uuid::parse_str(&jti).map_err(|_| TokenError::Invalid)?),
            (TokenKind::Refresh, None) => return Err(TokenError::Invalid),
            (TokenKind::Access | TokenKind::StreamTicket, _) => None,
        };
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(TokenError::Invalid)?;
        Ok(Verified { user_id, role, token_id, expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> TokenSettings {
        TokenSettings {
            issuer: "seeg-api".into(),
            audience: "seeg-clients".into(),
            access_lifetime: Duration::from_secs(30 * 60),
            refresh_lifetime: Duration::from_secs(7 * 86_400),
        }
    }

    fn service() -> TokenService {
        TokenService::new(b"0123456789abcdef0123456789abcdef", settings())
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z").unwrap().with_timezone(&Utc)
    }

    #[test]
    fn an_access_token_verifies_until_it_expires() {
        let tokens = service();
        let user = Uuid::from_u128(7);
        let issued = tokens.issue_access(user, Role::Recruiter, now()).unwrap();
        assert_eq!(issued.expires_at, now() + TimeDelta::minutes(30));
        let verified = tokens.verify(&issued.token, TokenKind::Access, now() + TimeDelta::minutes(29)).unwrap();
        let expires_at = issued.expires_at;
        assert_eq!(verified, Verified { user_id: user, role: Role::Recruiter, token_id: None, expires_at });
        assert_eq!(
            tokens.verify(&issued.token, TokenKind::Access, now() + TimeDelta::minutes(30)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn a_stream_ticket_opens_streams_only_for_a_minute() {
        let tokens = service();
        let user = Uuid::from_u128(7);
        let ticket = tokens.issue_stream_ticket(user, Role::Candidate, now()).unwrap();
        assert_eq!(ticket.expires_at, now() + TimeDelta::seconds(60));
        assert_eq!(tokens.verify(&ticket.token, TokenKind::Access, now()), Err(TokenError::WrongKind));
        assert_eq!(tokens.verify(&ticket.token, TokenKind::Refresh, now()), Err(TokenError::WrongKind));
        let verified = tokens.verify(&ticket.token, TokenKind::StreamTicket, now() + TimeDelta::seconds(59)).unwrap();
        assert_eq!((verified.user_id, verified.expires_at), (user, ticket.expires_at));
        let late = tokens.verify(&ticket.token, TokenKind::StreamTicket, now() + TimeDelta::seconds(60));
        assert_eq!(late, Err(TokenError::Expired));
        let access = tokens.issue_access(user, Role::Candidate, now()).unwrap();
        assert_eq!(tokens.verify(&access.token, TokenKind::StreamTicket, now()), Err(TokenError::WrongKind));
    }

    #[test]
    fn a_refresh_token_is_not_an_access_token_and_carries_its_id() {
        let tokens = service();
        let id = Uuid::from_u128(42);
        let refresh = tokens.issue_refresh(Uuid::from_u128(7), Role::Candidate, id, now()).unwrap();
        assert_eq!(tokens.verify(&refresh.token, TokenKind::Access, now()), Err(TokenError::WrongKind));
        assert_eq!(tokens.verify(&refresh.token, TokenKind::Refresh, now()).unwrap().token_id, Some(id));
        let access = tokens.issue_access(Uuid::from_u128(7), Role::Candidate, now()).unwrap();
        assert_eq!(tokens.verify(&access.token, TokenKind::Refresh, now()), Err(TokenError::WrongKind));
    }

    #[test]
    fn foreign_keys_issuers_and_audiences_are_refused() {
        let issued = service().issue_access(Uuid::from_u128(7), Role::Admin, now()).unwrap();
        let other_key = TokenService::new(b"another key, another key, another", settings());
        assert_eq!(other_key.verify(&issued.token, TokenKind::Access, now()), Err(TokenError::Invalid));
        let other_issuer =
            TokenService::new(b"0123456789abcdef0123456789abcdef", TokenSettings { issuer: "x".into(), ..settings() });
        assert_eq!(other_issuer.verify(&issued.token, TokenKind::Access, now()), Err(TokenError::Invalid));
        let other_audience = TokenService::new(
            b"0123456789abcdef0123456789abcdef",
            TokenSettings { audience: "x".into(), ..settings() },
        );
        assert_eq!(other_audience.verify(&issued.token, TokenKind::Access, now()), Err(TokenError::Invalid));
        assert_eq!(service().verify("pas.un.jeton", TokenKind::Access, now()), Err(TokenError::Invalid));
    }
}
