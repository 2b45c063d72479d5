//! Rate limits (S6): fixed windows per class of route and per client, with the standard headers. A burst of
//! login attempts from one address is cut at the class's limit; everything else has a generous default.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _, web};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::state::ApiState;

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
}

/// The classes of S6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// Login, token, refresh, forgot/reset password, public matricule check: per client address, and login,
    /// token and forgot-password also per account (`per_account`).
    Auth,
    /// Sign-up: per client address.
    Signup,
    /// Document uploads: per account.
    Upload,
    /// Everything else: per account when a token is presented, per address otherwise.
    Default,
}

/// Which class a request belongs to.
pub fn classify(method: &Method, path: &str) -> Class {
    let path = path.trim_end_matches('/');
    if method != Method::POST {
        return Class::Default;
    }
    match path {
        "/api/v1/auth/signup" => Class::Signup,
        "/api/v1/auth/login"
        | "/api/v1/auth/token"
        | "/api/v1/auth/refresh"
        | "/api/v1/auth/forgot-password"
        | "/api/v1/auth/reset-password"
        | "/api/v1/auth/verify-matricule" => Class::Auth,
        "/api/v1/applications" => Class::Upload,
        p if p.starts_with("/api/v1/applications/") && p.ends_with("/documents") => Class::Upload,
        _ => Class::Default,
    }
}

/// The quotas of each class.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Trust `X-Forwarded-For` / `Forwarded` for the client address (only behind a proxy that sets them).
    pub trust_proxy_headers: bool,
    pub auth: Vec<Quota>,
    pub signup: Vec<Quota>,
    pub upload: Vec<Quota>,
    pub default: Vec<Quota>,
}

impl RateLimitConfig {
    fn quotas(&self, class: Class) -> &[Quota] {
        match class {
            Class::Auth => &self.auth,
            Class::Signup => &self.signup,
            Class::Upload => &self.upload,
            Class::Default => &self.default,
        }
    }
}

/// The verdict for one request, with what the headers report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The tightest quota's limit and what remains of it.
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until that window starts again.
    pub reset_secs: u64,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: DateTime<Utc>,
    count: u32,
}

/// Counters per (class, client), one window per quota.
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    windows: Mutex<HashMap<(Class, String), Vec<Window>>>,
}

/// Counters are swept once the table holds this many clients.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    pub fn new(config: RateLimitConfig) -> Self {
        Self { config, windows: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Counts the request of `client` in `class` at `now`. A refused request is not counted.
    pub fn check(&self, class: Class, client: &str, now: DateTime<Utc>) -> Verdict {
        let quotas = self.config.quotas(class);
        let mut table = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if table.len() > SWEEP_ABOVE {
            let longest = self.longest_window();
            table.retain(|_, windows| windows.iter().any(|w| now - w.started < longest));
        }
        let windows = table
            .entry((class, client.to_owned()))
            .or_insert_with(|| vec![Window { started: now, count: 0 }; quotas.len()]);
        for (window, quota) in windows.iter_mut().zip(quotas) {
            if now - window.started >= to_delta(quota.window) {
                *window = Window { started: now, count: 0 };
            }
        }
        let allowed = windows.iter().zip(quotas).all(|(w, q)| w.count < q.max);
        if allowed {
            for window in windows.iter_mut() {
                window.count += 1;
            }
        }
        // Report the quota closest to exhaustion (the one refusing, when refused).
        let mut tightest: Option<Verdict> = None;
        for (w, q) in windows.iter().zip(quotas) {
            let remaining = q.max.saturating_sub(w.count);
            let reset = (w.started + to_delta(q.window) - now).num_seconds().max(1).unsigned_abs();
            let candidate = Verdict { allowed, limit: q.max, remaining, reset_secs: reset };
            let tighter = match tightest {
                None => true,
                Some(t) => remaining < t.remaining || (remaining == t.remaining && reset > t.reset_secs),
            };
            if tighter {
                tightest = Some(candidate);
            }
        }
        tightest.unwrap_or(Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 })
    }

    fn longest_window(&self) -> chrono::TimeDelta {
        let c = &self.config;
        let longest = [&c.auth, &c.signup, &c.upload, &c.default].iter().flat_map(|q| q.iter()).map(|q| q.window).max();
        to_delta(longest.unwrap_or_default())
    }
}

fn to_delta(duration: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(duration).unwrap_or(chrono::TimeDelta::MAX)
}

/// The client a request is counted for: the presented token (one account) for the default and upload classes,
/// else the client address.
fn client_key(req: &ServiceRequest, class: Class, trust_proxy: bool) -> String {
    if matches!(class, Class::Default | Class::Upload)
        && let Some(token) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
    {
        // The token itself stays out of the table: a short digest of it is enough to tell accounts apart.
        return format!("token:{:016x}", digest(token));
    }
    let info = req.connection_info();
    let address = if trust_proxy { info.realip_remote_addr() } else { info.peer_addr() };
    format!("ip:{}", address.unwrap_or("unknown"))
}

/// FNV-1a: keys of the table without the secrets or addresses they stand for.
fn digest(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The auth class counted per account as well as per address (S6): spreading guesses over many addresses still
/// meets the account's quota. `account` is the e-mail the request names (compared lower-cased).
pub(crate) fn per_account(state: &ApiState, account: &str) -> Result<(), ApiError> {
    let limiter = &state.rate_limits;
    if !limiter.config().enabled {
        return Ok(());
    }
    let key = format!("account:{:016x}", digest(&account.trim().to_lowercase()));
    let verdict = limiter.check(Class::Auth, &key, state.clock.now());
    if verdict.allowed {
        Ok(())
    } else {
        Err(ApiError::RateLimited { limit: verdict.limit, reset_secs: verdict.reset_secs })
    }
}

pub(crate) async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<ApiState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let limiter = &state.rate_limits;
    if !limiter.config().enabled {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let class = classify(req.method(), req.path());
    let client = client_key(&req, class, limiter.config().trust_proxy_headers);
    let verdict = limiter.check(class, &client, state.clock.now());
    if !verdict.allowed {
        let refused = ApiError::RateLimited { limit: verdict.limit, reset_secs: verdict.reset_secs };
        return Ok(req.into_response(refused.error_response()));
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    // A refusal decided inside the route (per account) already carries its own figures.
    if response.status() != StatusCode::TOO_MANY_REQUESTS {
        insert_headers(response.headers_mut(), verdict.limit, verdict.remaining, verdict.reset_secs);
    }
    Ok(response)
}

/// `X-RateLimit-Limit`, `-Remaining` and `-Reset` (seconds).
pub(crate) fn insert_headers(headers: &mut HeaderMap, limit: u32, remaining: u32, reset_secs: u64) {
    headers.insert(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(limit));
    headers.insert(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(remaining));
    headers.insert(HeaderName::from_static("x-ratelimit-reset"), HeaderValue::from(reset_secs));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(quotas: &[&str]) -> RateLimiter {
        let quotas: Vec<Quota> = quotas.iter().map(|q| Quota::parse(q).unwrap()).collect();
        RateLimiter::new(RateLimitConfig {
            enabled: true,
            trust_proxy_headers: false,
            auth: quotas.clone(),
            signup: quotas.clone(),
            upload: quotas.clone(),
            default: quotas,
        })
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(1_800_000_000 + seconds)
    }

    #[test]
    fn quotas_parse_and_refuse_nonsense() {
        assert_eq!(Quota::parse("5/minute"), Ok(Quota { max: 5, window: Duration::from_secs(60) }));
        assert_eq!(Quota::parse(" 20 / hour "), Ok(Quota { max: 20, window: Duration::from_secs(3600) }));
        for bad in ["5", "x/minute", "0/minute", "5/week"] {
            assert!(Quota::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_sixth_request_in_a_minute_is_refused_until_the_window_ends() {
        let l = limiter(&["5/minute", "20/hour"]);
        for i in 0..5 {
            let v = l.check(Class::Auth, "ip:a", at(i));
            assert!(v.allowed);
            assert_eq!((v.limit, v.remaining), (5, 4 - u32::try_from(i).unwrap()));
        }
        let refused = l.check(Class::Auth, "ip:a", at(10));
        assert!(!refused.allowed);
        assert_eq!((refused.remaining, refused.reset_secs), (0, 50));
        assert!(l.check(Class::Auth, "ip:b", at(10)).allowed, "another client has its own counter");
        assert!(l.check(Class::Signup, "ip:a", at(10)).allowed, "another class too");
        assert!(l.check(Class::Auth, "ip:a", at(60)).allowed, "a new minute");
    }

    #[test]
    fn the_hourly_quota_binds_across_minutes() {
        let l = limiter(&["5/minute", "8/hour"]);
        let allowed = (0..20).filter(|m| l.check(Class::Auth, "ip:a", at(m * 60)).allowed).count();
        assert_eq!(allowed, 8);
        let refused = l.check(Class::Auth, "ip:a", at(20 * 60));
        assert_eq!((refused.allowed, refused.limit), (false, 8));
        assert_eq!(refused.reset_secs, 40 * 60);
    }

    #[test]
    fn routes_fall_in_their_class() {
        assert_eq!(classify(&Method::POST, "/api/v1/auth/login/"), Class::Auth);
        assert_eq!(classify(&Method::POST, "/api/v1/auth/signup"), Class::Signup);
        assert_eq!(classify(&Method::POST, "/api/v1/applications/"), Class::Upload);
        assert_eq!(classify(&Method::POST, "/api/v1/applications/42/documents"), Class::Upload);
        assert_eq!(classify(&Method::GET, "/api/v1/auth/login"), Class::Default);
        assert_eq!(classify(&Method::GET, "/api/v1/public/jobs"), Class::Default);
    }
}
