//! Rate limits (S6): quotas per class of route and per client, with the standard headers, and growing delays for
//! an account after wrong passwords.
//!
//! - The class is that of the route the router matches (its resource pattern), never of the path's text: a
//!   percent-encoded or reshaped path that reaches the login handler is counted as a login.
//! - The client is what the server verified: the user id of an access token whose signature checks, else the
//!   client address (the peer, or the right-most `X-Forwarded-For` hop that is not a configured trusted proxy).
//! - The counters live behind [`RateLimitStore`]; [`MemoryRateLimits`] keeps them in the process (`governor`
//!   GCRA keyed limiters, swept on a timer). A shared store (Redis) implements the same trait.

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _, ResponseError as _, web};
use chrono::{DateTime, Utc};
use governor::clock::{Clock, DefaultClock};
use governor::middleware::{NoOpMiddleware, StateInformationMiddleware};
use governor::state::keyed::DefaultKeyedStateStore;
use ipnet::IpNet;
use seeg_application::identity::TokenKind;

use crate::error::ApiError;
use crate::routing::route_pattern;
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

    /// The same limit as a GCRA quota: a burst of `max`, one request back every `window / max`.
    fn gcra(self) -> governor::Quota {
        let burst = NonZeroU32::new(self.max).unwrap_or(NonZeroU32::MIN);
        governor::Quota::with_period(self.window / burst.get())
            .unwrap_or_else(|| governor::Quota::per_second(burst))
            .allow_burst(burst)
    }

    /// How long one spent request takes to come back.
    fn period(self) -> Duration {
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

/// The quotas of each class, and whom to believe about the client address.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    pub enabled: bool,
    /// Proxies whose `X-Forwarded-For` is believed (addresses or CIDR blocks); empty: the peer address is the
    /// client.
    pub trusted_proxies: Vec<IpNet>,
    pub auth: Vec<Quota>,
    pub signup: Vec<Quota>,
    pub upload: Vec<Quota>,
    pub default: Vec<Quota>,
    /// Wrong passwords an account takes before each further one delays it.
    pub login_failures_free: u32,
    /// The longest such delay.
    pub login_delay_max: Duration,
}

impl RateLimitConfig {
    fn quotas(&self, class: Class) -> &[Quota] {
        match class {
            Class::Auth | Class::PasswordReset => &self.auth,
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
    /// Seconds until that quota is whole again (refused: until the next request may pass).
    pub reset_secs: u64,
}

/// Where the counters live: in the process ([`MemoryRateLimits`]) or, behind the same calls, a store shared by
/// every instance.
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Counts one request of `key` in `class`; every quota of the class applies.
    fn check(&self, class: Class, key: &str) -> Verdict;
    /// The account's failure count and the time of its last failure.
    fn failures(&self, account: &str) -> Option<(u32, DateTime<Utc>)>;
    /// One more wrong password for the account.
    fn record_failure(&self, account: &str, now: DateTime<Utc>);
    /// A right password: the account's count starts again.
    fn clear_failures(&self, account: &str);
    /// Forgets what no longer limits anyone (called on a timer, not per request).
    fn sweep(&self, now: DateTime<Utc>);
}

type Keyed<C> = governor::RateLimiter<String, DefaultKeyedStateStore<String>, C, StateInformationMiddleware>;

/// Counters in the process: one `governor` keyed limiter (sharded map) per quota of each class, and the failure
/// counts per account.
pub struct MemoryRateLimits<C: Clock = DefaultClock> {
    limiters: HashMap<Class, Vec<(Quota, Keyed<C>)>>,
    clock: C,
    /// Only wrong passwords touch it, and the sweep.
    failures: Mutex<HashMap<String, (u32, DateTime<Utc>)>>,
    /// A failure count older than this is forgotten.
    forget_after: chrono::TimeDelta,
}

impl<C: Clock> fmt::Debug for MemoryRateLimits<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimits").finish_non_exhaustive()
    }
}

/// A failure count is kept at least this long after the last failure.
const FAILURES_KEPT: Duration = Duration::from_secs(3_600);
/// The most (account, address) pairs whose wrong passwords are counted at once.
const MAX_FAILURE_KEYS: usize = 100_000;

impl MemoryRateLimits {
    pub fn new(config: &RateLimitConfig) -> Self {
        Self::with_clock(config, DefaultClock::default())
    }
}

impl<C: Clock + Clone> MemoryRateLimits<C> {
    pub fn with_clock(config: &RateLimitConfig, clock: C) -> Self {
        let classes = [Class::Auth, Class::PasswordReset, Class::Signup, Class::Upload, Class::Default];
        let limiters = classes
            .into_iter()
            .map(|class| {
                let limiters = config
                    .quotas(class)
                    .iter()
                    .map(|q| {
                        let store = DefaultKeyedStateStore::default();
                        let limiter: governor::RateLimiter<_, _, _, NoOpMiddleware<C::Instant>> =
                            governor::RateLimiter::new(q.gcra(), store, clock.clone());
                        let limiter = limiter.with_middleware::<StateInformationMiddleware>();
                        (*q, limiter)
                    })
                    .collect();
                (class, limiters)
            })
            .collect();
        let kept = FAILURES_KEPT.max(config.login_delay_max.saturating_mul(2));
        Self {
            limiters,
            clock,
            failures: Mutex::new(HashMap::new()),
            forget_after: chrono::TimeDelta::from_std(kept).unwrap_or(chrono::TimeDelta::MAX),
        }
    }
}

impl<C: Clock> MemoryRateLimits<C> {
    fn failure_table(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, DateTime<Utc>)>> {
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<C: Clock + Send + Sync> RateLimitStore for MemoryRateLimits<C>
where
    C::Instant: Send + Sync,
{
    fn check(&self, class: Class, key: &str) -> Verdict {
        let Some(limiters) = self.limiters.get(&class).filter(|l| !l.is_empty()) else {
            return Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 };
        };
        let key = key.to_owned();
        let mut tightest: Option<Verdict> = None;
        // Quotas are checked in turn; one that refuses stops the others (those before it have counted the
        // request: a refused request may cost a little of a longer quota, never give more).
        for (quota, limiter) in limiters {
            match limiter.check_key(&key) {
                Ok(snapshot) => {
                    let remaining = snapshot.remaining_burst_capacity();
                    let reset = ceil_secs(quota.period().saturating_mul(quota.max.saturating_sub(remaining)));
                    let candidate = Verdict { allowed: true, limit: quota.max, remaining, reset_secs: reset };
                    let tighter = tightest
                        .is_none_or(|t| remaining < t.remaining || (remaining == t.remaining && reset > t.reset_secs));
                    if tighter {
                        tightest = Some(candidate);
                    }
                }
                Err(not_until) => {
                    let wait = ceil_secs(not_until.wait_time_from(self.clock.now()));
                    return Verdict { allowed: false, limit: quota.max, remaining: 0, reset_secs: wait };
                }
            }
        }
        tightest.unwrap_or(Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 })
    }

    fn failures(&self, account: &str) -> Option<(u32, DateTime<Utc>)> {
        self.failure_table().get(account).copied()
    }

    fn record_failure(&self, account: &str, now: DateTime<Utc>) {
        let mut table = self.failure_table();
        // Full: the stalest count makes room (the table never grows with whatever e-mails and addresses an
        // attacker sends, and a new account is still counted).
        if table.len() >= MAX_FAILURE_KEYS
            && !table.contains_key(account)
            && let Some(stalest) = table.iter().min_by_key(|(_, (_, last))| *last).map(|(key, _)| key.clone())
        {
            table.remove(&stalest);
        }
        let entry = table.entry(account.to_owned()).or_insert((0, now));
        *entry = (entry.0.saturating_add(1), now);
    }

    fn clear_failures(&self, account: &str) {
        self.failure_table().remove(account);
    }

    fn sweep(&self, now: DateTime<Utc>) {
        for limiter in self.limiters.values().flatten().map(|(_, l)| l) {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let forget_after = self.forget_after;
        self.failure_table().retain(|_, (_, last)| now.signed_duration_since(*last) < forget_after);
    }
}

/// Whole seconds, rounded up, at least 1.
fn ceil_secs(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
}

/// The first delay after the free failures; each further failure doubles it, up to `login_delay_max`.
const FIRST_DELAY: Duration = Duration::from_secs(30);

/// The delay an account with `failures` wrong passwords is under, from its last failure.
fn login_delay(config: &RateLimitConfig, failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(config.login_failures_free)?;
    let doubled = FIRST_DELAY.saturating_mul(2_u32.saturating_pow(beyond.min(31)));
    Some(doubled.min(config.login_delay_max))
}

/// The limits of the API: the configuration and the store of counters.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    config: RateLimitConfig,
    store: Arc<dyn RateLimitStore>,
}

impl RateLimiter {
    /// Counters in the process.
    pub fn new(config: RateLimitConfig) -> Self {
        let store = Arc::new(MemoryRateLimits::new(&config));
        Self { config, store }
    }

    /// Counters in `store` (shared by instances).
    pub fn with_store(config: RateLimitConfig, store: Arc<dyn RateLimitStore>) -> Self {
        Self { config, store }
    }

    pub fn config(&self) -> &RateLimitConfig {
        &self.config
    }

    /// Forgets what no longer limits anyone; call it on a timer.
    pub fn sweep(&self, now: DateTime<Utc>) {
        self.store.sweep(now);
    }

    /// How often [`Self::sweep`] should run.
    pub fn sweep_every(&self) -> Duration {
        Duration::from_secs(60)
    }
}

/// The client address: the peer, or, when the peer is a trusted proxy, the right-most `X-Forwarded-For` hop that
/// is not one (hops left of it are the client's own words). IPv6 clients count by /64, the block one subscriber
/// usually holds.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer?;
    if is_trusted(&client) {
        let hops = forwarded_for.iter().flat_map(|v| v.split(',')).collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !is_trusted(&ip) {
                break;
            }
        }
    }
    Some(match client {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                IpAddr::V4(v4)
            } else {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        }
        v4 @ IpAddr::V4(_) => v4,
    })
}

/// A trusted proxy from configuration: an address (`10.0.0.1`, one host) or a CIDR block (`10.0.0.0/8`).
pub fn parse_trusted_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("« {text} » n'est ni une adresse IP ni un bloc CIDR"))
}

/// One hop: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// The counter key of a request: the verified account for the default and upload classes, else the address.
fn client_key(req: &ServiceRequest, state: &ApiState, class: Class) -> String {
    if matches!(class, Class::Default | Class::Upload)
        && let Some(token) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
        && let Ok(verified) = state.accounts.tokens().verify(token, TokenKind::Access, state.clock.now())
    {
        return format!("user:{}", verified.user_id);
    }
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    let peer = req.peer_addr().map(|a| a.ip());
    match client_address(peer, &forwarded, &state.rate_limits.config.trusted_proxies) {
        Some(ip) => format!("ip:{ip}"),
        None => "ip:unknown".to_owned(),
    }
}

/// The account an e-mail names, as counter key (lower-cased, digested: a fixed size whatever is sent).
fn account_key(account: &str) -> String {
    format!("account:{}", short_digest(&[account.trim().to_lowercase().as_bytes()]))
}

/// Wrong passwords are counted per account, and per (account, client address): the account's count sets the
/// delay, which holds only the addresses that already failed on it. Guesses spread over many addresses meet the
/// account's count after one try each, while the owner signing in from an address that made no wrong guess is
/// never held (no targeted lockout).
fn failure_key(account: &str, client: &ClientAddress) -> String {
    format!("failures:{}", short_digest(&[account.trim().to_lowercase().as_bytes(), b"\n", client.0.as_bytes()]))
}

fn short_digest(parts: &[&[u8]]) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(&hasher.finalize()[..16])
}

/// The client address the limiter counted a request for, kept in the request for the routes that count per
/// account as well (login).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientAddress(String);

impl ClientAddress {
    /// The address of a request the limiter did not see (limits off): every such request is one client.
    fn of(req: &actix_web::HttpRequest) -> Self {
        req.extensions().get::<Self>().cloned().unwrap_or_else(|| Self("ip:unknown".to_owned()))
    }
}

/// Forgot-password requests, per account named, in their own bucket (S6): whether a reset link may be sent now.
/// Past the quota the caller gets the usual answer and no new link (the latest one sent still works): a 429 would
/// let anyone deny the owner's own request, and tell that the address is being targeted.
pub(crate) fn reset_request(state: &ApiState, account: &str) -> bool {
    let limiter = &state.rate_limits;
    !limiter.config.enabled || limiter.store.check(Class::PasswordReset, &account_key(account)).allowed
}

/// Before a password is checked: refused while the account is under a delay for its wrong passwords, so guesses
/// spread over many addresses still meet the account's count (S6), and no password is tried meanwhile (the answer
/// would tell a right guess).
pub(crate) fn login_allowed(state: &ApiState, req: &actix_web::HttpRequest, account: &str) -> Result<(), ApiError> {
    let limiter = &state.rate_limits;
    if !limiter.config.enabled {
        return Ok(());
    }
    if limiter.store.failures(&failure_key(account, &ClientAddress::of(req))).is_none() {
        return Ok(());
    }
    let Some((failures, last)) = limiter.store.failures(&account_key(account)) else { return Ok(()) };
    let Some(delay) = login_delay(&limiter.config, failures) else { return Ok(()) };
    let until = chrono::TimeDelta::from_std(delay).ok().and_then(|d| last.checked_add_signed(d));
    let Some(until) = until else { return Err(ApiError::RateLimited { limit: 0, reset_secs: ceil_secs(delay) }) };
    let left = (until - state.clock.now()).to_std().unwrap_or_default();
    if left.is_zero() {
        return Ok(());
    }
    Err(ApiError::RateLimited { limit: limiter.config.login_failures_free, reset_secs: ceil_secs(left) })
}

/// After the password was checked: a wrong one counts for the account and for this address; a right one clears
/// this address's count (the account's own count fades after `forget_after`).
pub(crate) fn login_checked(state: &ApiState, req: &actix_web::HttpRequest, account: &str, password_right: bool) {
    let limiter = &state.rate_limits;
    if !limiter.config.enabled {
        return;
    }
    let pair = failure_key(account, &ClientAddress::of(req));
    if password_right {
        // The owner's success frees the owner's address only: the attackers' addresses stay held.
        limiter.store.clear_failures(&pair);
    } else {
        limiter.store.record_failure(&pair, state.clock.now());
        limiter.store.record_failure(&account_key(account), state.clock.now());
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
    if !limiter.config.enabled {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    }
    let pattern = route_pattern(&req);
    let class = classify(req.method(), pattern.as_deref());
    let client = client_key(&req, &state, class);
    if class == Class::Auth {
        req.extensions_mut().insert(ClientAddress(client.clone()));
    }
    let verdict = limiter.store.check(class, &client);
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
    use governor::clock::FakeRelativeClock;

    use super::*;

    fn config(quotas: &[&str]) -> RateLimitConfig {
        let quotas: Vec<Quota> = quotas.iter().map(|q| Quota::parse(q).unwrap()).collect();
        RateLimitConfig {
            enabled: true,
            trusted_proxies: Vec::new(),
            auth: quotas.clone(),
            signup: quotas.clone(),
            upload: quotas.clone(),
            default: quotas,
            login_failures_free: 3,
            login_delay_max: Duration::from_secs(900),
        }
    }

    fn store(quotas: &[&str]) -> (MemoryRateLimits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (MemoryRateLimits::with_clock(&config(quotas), clock.clone()), clock)
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
    fn the_sixth_request_in_a_burst_is_refused_until_one_comes_back() {
        let (l, clock) = store(&["5/minute", "20/hour"]);
        for i in 0..5 {
            let v = l.check(Class::Auth, "ip:a");
            assert!(v.allowed);
            assert_eq!((v.limit, v.remaining), (5, 4 - i));
        }
        let refused = l.check(Class::Auth, "ip:a");
        assert!(!refused.allowed);
        assert_eq!((refused.limit, refused.remaining, refused.reset_secs), (5, 0, 12));
        assert!(l.check(Class::Auth, "ip:b").allowed, "another client has its own counter");
        assert!(l.check(Class::Signup, "ip:a").allowed, "another class too");
        assert!(l.check(Class::PasswordReset, "ip:a").allowed, "reset requests too");
        clock.advance(Duration::from_secs(12));
        assert!(l.check(Class::Auth, "ip:a").allowed, "one request back every 12 s");
    }

    #[test]
    fn the_hourly_quota_binds_across_minutes() {
        let (l, clock) = store(&["5/minute", "8/hour"]);
        let mut allowed = 0;
        for _ in 0..20 {
            allowed += usize::from(l.check(Class::Auth, "ip:a").allowed);
            clock.advance(Duration::from_secs(60));
        }
        // A burst of 8, then one back every 7.5 minutes: 20 minutes give two more.
        assert_eq!(allowed, 10);
        let refused = l.check(Class::Auth, "ip:a");
        assert_eq!((refused.allowed, refused.limit), (false, 8));
    }

    #[test]
    fn the_sweep_forgets_whole_counters_and_old_failures() {
        let (l, clock) = store(&["5/minute"]);
        l.check(Class::Default, "ip:a");
        l.record_failure("account:x", DateTime::<Utc>::UNIX_EPOCH);
        clock.advance(Duration::from_secs(60));
        l.sweep(DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::hours(2));
        assert!(l.limiters[&Class::Default].iter().all(|(_, k)| k.is_empty()));
        assert_eq!(l.failures("account:x"), None);
    }

    #[test]
    fn a_full_failure_table_makes_room_by_forgetting_the_stalest_count() {
        let (l, _) = store(&["5/minute"]);
        let at = |s: i64| DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(s);
        for i in 0..MAX_FAILURE_KEYS {
            l.record_failure(&format!("failures:{i}"), at(i64::try_from(i).unwrap() + 10));
        }
        l.record_failure("failures:0", at(150_000));
        l.record_failure("account:nouveau", at(200_000));
        assert_eq!(l.failure_table().len(), MAX_FAILURE_KEYS, "bounded");
        assert_eq!(l.failures("account:nouveau"), Some((1, at(200_000))), "a new key is still counted");
        assert_eq!(l.failures("failures:0"), Some((2, at(150_000))), "an existing key keeps counting");
        assert_eq!(l.failures("failures:1"), None, "the stalest made room");
    }

    #[test]
    fn delays_grow_after_the_free_failures_up_to_the_maximum() {
        let c = config(&["5/minute"]);
        assert_eq!(login_delay(&c, 2), None);
        assert_eq!(login_delay(&c, 3), Some(Duration::from_secs(30)));
        assert_eq!(login_delay(&c, 4), Some(Duration::from_secs(60)));
        assert_eq!(login_delay(&c, 8), Some(Duration::from_secs(900)));
        assert_eq!(login_delay(&c, u32::MAX), Some(Duration::from_secs(900)));
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
    }

    async fn echo_pattern(
        req: ServiceRequest,
        next: Next<impl MessageBody + 'static>,
    ) -> Result<ServiceResponse<BoxBody>, Error> {
        let pattern = route_pattern(&req).unwrap_or_default();
        let response = next.call(req).await?;
        Ok(response.map_body(|_, _| BoxBody::new(pattern)))
    }

    #[actix_web::test]
    async fn encoded_and_reshaped_paths_find_the_pattern_the_router_matches() {
        use actix_web::test::{TestRequest, call_and_read_body, init_service};
        let app = init_service(
            actix_web::App::new()
                .service(crate::routing::route("/api/v1/auth/login"))
                .service(crate::routing::route("/api/v1/applications/{application_id}/documents"))
                .wrap(actix_web::middleware::from_fn(echo_pattern)),
        )
        .await;
        for (uri, expected) in [
            ("/api/v1/auth/log%69n", "/api/v1/auth/login"),
            ("/api/v1/auth/login/", "/api/v1/auth/login"),
            ("/api/v1/auth/%6C%6F%67%69%6E", "/api/v1/auth/login"),
            ("/api/v1/applications/7/d%6Fcuments/", "/api/v1/applications/{application_id}/documents"),
            ("/api/v1//auth/login", ""),
            ("/api/v1/auth/login%2F", ""),
        ] {
            let body = call_and_read_body(&app, TestRequest::post().uri(uri).to_request()).await;
            assert_eq!(String::from_utf8_lossy(&body).trim_end_matches('/'), expected, "{uri}");
        }
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop_behind_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let nets: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap(), "127.0.0.1/32".parse().unwrap()];
        let peer = Some(ip("127.0.0.1"));
        assert_eq!(client_address(peer, &["1.1.1.1, 2.2.2.2, 10.0.0.5"], &nets), Some(ip("2.2.2.2")));
        assert_eq!(client_address(peer, &["1.1.1.1", "2.2.2.2:4242"], &nets), Some(ip("2.2.2.2")));
        assert_eq!(client_address(peer, &[], &nets), Some(ip("127.0.0.1")), "no header: the proxy itself");
        assert_eq!(client_address(peer, &["10.0.0.7, 10.0.0.5"], &nets), Some(ip("10.0.0.7")), "all trusted");
        assert_eq!(client_address(peer, &["nonsense, 10.0.0.5"], &nets), Some(ip("10.0.0.5")), "stops at junk");
        let stranger = Some(ip("203.0.113.9"));
        assert_eq!(client_address(stranger, &["1.1.1.1"], &nets), stranger, "an untrusted peer is the client");
        assert_eq!(client_address(peer, &["1.1.1.1"], &[]), peer, "no trusted proxy: the peer");
        assert_eq!(
            client_address(Some(ip("2001:db8:1:2:3:4:5:6")), &[], &[]),
            Some(ip("2001:db8:1:2::")),
            "IPv6 by /64"
        );
        assert_eq!(client_address(None, &["1.1.1.1"], &nets), None);
    }
}
