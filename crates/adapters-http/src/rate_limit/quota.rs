//! What is limited: the quotas (`5/minute`, …) and the classes of route they apply to (S6).

use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::Method;

/// One limit: at most `max` requests per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub max: u32,
    pub window: Duration,
}

impl Quota {
    /// `"5/minute"`, `"20/hour"`, `"300/second"`, `"1000/day"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (max, unit) = text.trim().split_once('/').ok_or_else(|| format!("quota « {text} » : attendu N/unité"))?;
        let max: u32 = max.trim().parse().map_err(|_| format!("quota « {text} » : nombre invalide"))?;
        let seconds = match unit.trim() {
            "second" | "s" => 1,
            "minute" | "m" => 60,
            "hour" | "h" => 3_600,
            "day" | "d" => 86_400,
            other => return Err(format!("quota « {text} » : unité « {other} » inconnue (second, minute, hour, day)")),
        };
        if max == 0 {
            return Err(format!("quota « {text} » : au moins 1 requête"));
        }
        Ok(Self { max, window: Duration::from_secs(seconds) })
    }

    /// The same limit as a GCRA quota: a burst of `max`, one request back every `window / max`.
    pub(super) fn gcra(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.max).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.window / burst.get())
            .unwrap_or_else(|| governor::Quota::per_second(burst))
            .allow_burst(burst)
    }

    /// How long one spent request takes to come back.
    pub(super) fn period(self) -> Duration {
        self.window / self.max.max(1)
    }
}

/// The classes of S6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Login, token, refresh, change and reset password, public matricule check: per client address.
    Auth,
    /// Forgot-password requests, per account (the e-mail named), apart from logins: asking for a reset link never
    /// uses the login budget. Same quotas as `Auth`.
    PasswordReset,
    /// Sign-up: per client address.
    Signup,
    /// Document uploads: per verified account, else per address.
    Upload,
    /// Everything else: per verified account, else per address.
    Default,
}

impl Class {
    /// The class's name, for the metrics' labels.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::PasswordReset => "password_reset",
            Self::Signup => "signup",
            Self::Upload => "upload",
            Self::Default => "default",
        }
    }
}

/// Which class a request belongs to, from the resource pattern the router matched (`None`: no route, the
/// default class).
pub fn classify(method: &Method, pattern: Option<&str>) -> Class {
    let Some(pattern) = pattern else { return Class::Default };
    if method != Method::POST {
        return Class::Default;
    }
    match pattern.trim_end_matches('/') {
        "/api/v1/auth/signup" => Class::Signup,
        "/api/v1/auth/login"
        | "/api/v1/auth/token"
        | "/api/v1/auth/refresh"
        | "/api/v1/auth/forgot-password"
        | "/api/v1/auth/reset-password"
        | "/api/v1/auth/change-password"
        | "/api/v1/auth/verify-matricule" => Class::Auth,
        "/api/v1/applications" | "/api/v1/applications/{application_id}/documents" => Class::Upload,
        _ => Class::Default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_parse_and_refuse_nonsense() {
        assert_eq!(Quota::parse("5/minute"), Ok(Quota { max: 5, window: Duration::from_secs(60) }));
        assert_eq!(Quota::parse(" 20 / hour "), Ok(Quota { max: 20, window: Duration::from_secs(3600) }));
        for bad in ["5", "x/minute", "0/minute", "5/week"] {
            assert!(Quota::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn routes_fall_in_their_class_by_pattern() {
        let post = |p: &str| classify(&Method::POST, Some(p));
        assert_eq!(post("/api/v1/auth/login/"), Class::Auth);
        assert_eq!(post("/api/v1/auth/change-password"), Class::Auth);
        assert_eq!(post("/api/v1/auth/signup"), Class::Signup);
        assert_eq!(post("/api/v1/applications/"), Class::Upload);
        assert_eq!(post("/api/v1/applications/{application_id}/documents"), Class::Upload);
        assert_eq!(classify(&Method::GET, Some("/api/v1/auth/login")), Class::Default);
        assert_eq!(classify(&Method::POST, None), Class::Default);
        // Staff e-mails are writes like any other: the default budget, per verified user.
        assert_eq!(post("/api/v1/emails/send"), Class::Default);
        assert_eq!(post("/api/v1/emails/send-interview-email"), Class::Default);
    }
}
