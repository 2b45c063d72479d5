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
    pub fn login_delays(&self) -> LoginDelays {
        LoginDelays { free: self.login_failures_free, max: self.login_delay_max }
    }

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

/// The delays after wrong passwords (S6): `free` failures, then a delay from the last failure that starts at 30 s
/// and doubles with each further failure, up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginDelays {
    pub free: u32,
    pub max: Duration,
}

/// The first delay after the free failures; each further failure doubles it, up to [`LoginDelays::max`].
const FIRST_DELAY: Duration = Duration::from_secs(30);

impl LoginDelays {
    /// The delay a key with `failures` wrong passwords is under, from its last failure.
    pub fn after(self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free)?;
        let doubled = FIRST_DELAY.saturating_mul(2_u32.saturating_pow(beyond.min(31)));
        Some(doubled.min(self.max))
    }

    /// Whether one more attempt may try a password now (`Err`: how long until one could), from what the store holds
    /// for the (account, address) pair and for the account.
    ///
    /// An address with no failure and no attempt in flight on the account is never held (no targeted lockout).
    /// Any other waits out the account's delay; and attempts in flight count as the failures they may become, so
    /// that parallel guesses get no more tries than guesses one after the other: an attempt that would be held once
    /// those in flight failed is held now, for the delay their failures would set.
    pub fn admit(self, pair: LoginCount, account: LoginCount, now: DateTime<Utc>) -> Result<(), Duration> {
        if pair.failures == 0 && pair.in_flight == 0 {
            return Ok(());
        }
        if let (Some(delay), Some(last)) = (self.after(account.failures), account.last_failure) {
            let until = chrono::TimeDelta::from_std(delay).ok().and_then(|d| last.checked_add_signed(d));
            let left = until.map_or(delay, |until| (until - now).to_std().unwrap_or_default());
            if !left.is_zero() {
                return Err(left);
            }
        }
        if account.in_flight > 0
            && let Some(delay) = self.after(account.failures.saturating_add(account.in_flight))
        {
            return Err(delay);
        }
        Ok(())
    }
}

/// What a store holds for one key's login attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginCount {
    /// Wrong passwords not yet forgotten.
    pub failures: u32,
    pub last_failure: Option<DateTime<Utc>>,
    /// Attempts admitted whose password is being checked.
    pub in_flight: u32,
}

/// The keys one login attempt counts under: the account (whatever the address) and the (account, address) pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginKeys {
    pub account: String,
    pub pair: String,
}

/// A login attempt the store admitted, in flight on both of its keys until ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReservation {
    pub keys: LoginKeys,
    /// The store's name for this reservation: ending it releases this one only, once.
    pub id: u64,
}

/// How an admitted login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password was right: the pair's failures are cleared (the account's fade with time).
    PasswordRight,
    /// The password was wrong: one more failure for the pair and for the account.
    PasswordWrong,
    /// No password verdict (a store error, the request dropped mid-check): the reservation is released only.
    Unchecked,
}

/// Where the counters live: in the process ([`MemoryRateLimits`]) or, behind the same calls, a store shared by
/// every instance (Redis: one script per call).
///
/// Each login call is one atomic step for the keys it names: two processes (or two workers) calling at once see
/// each other's effect, never an interleaving.
pub trait RateLimitStore: Send + Sync + fmt::Debug {
    /// Counts one request of `key` in `class`; every quota of the class applies.
    fn check(&self, class: Class, key: &str) -> Verdict;
    /// Before a password is checked, in ONE atomic step: reads the pair's and the account's counts (failures, last
    /// failure, attempts in flight), decides with [`LoginDelays::admit`], and when admitted reserves the attempt
    /// (one more in flight on both keys). A check followed by a separate reservation would let parallel guesses
    /// all pass before any of them counts. Refused: nothing is written, and `Err` says how long to wait.
    ///
    /// A shared store lets a reservation lapse after a bound well above a password check (a process that dies
    /// mid-check never ends it); in one process, the reservations die with it.
    fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration>;
    /// After the password was checked (or not, see [`LoginOutcome::Unchecked`]): releases the reservation and
    /// applies the outcome, in one atomic step. A reservation already ended or lapsed releases nothing; a wrong
    /// password still counts.
    fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>);
    /// Forgets what no longer limits anyone (called on a timer, not per request).
    fn sweep(&self, now: DateTime<Utc>);
}

type Keyed<C> = governor::RateLimiter<String, DefaultKeyedStateStore<String>, C, StateInformationMiddleware>;

/// Counters in the process: one `governor` keyed limiter (sharded map) per quota of each class, and the login
/// attempts per account and per (account, address).
pub struct MemoryRateLimits<C: Clock = DefaultClock> {
    limiters: HashMap<Class, Vec<(Quota, Keyed<C>)>>,
    clock: C,
    /// Only password checks touch it, and the sweep; one lock makes each login step atomic.
    logins: Mutex<LoginTable>,
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
/// The most keys (accounts and (account, address) pairs) whose login attempts are counted at once.
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
            logins: Mutex::new(LoginTable::default()),
            forget_after: chrono::TimeDelta::from_std(kept).unwrap_or(chrono::TimeDelta::MAX),
        }
    }
}

impl<C: Clock> MemoryRateLimits<C> {
    fn login_table(&self) -> std::sync::MutexGuard<'_, LoginTable> {
        self.logins.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The login attempts of each key, and the next reservation's id.
#[derive(Debug, Default)]
struct LoginTable {
    keys: HashMap<String, LoginAttempts>,
    next_id: u64,
}

#[derive(Debug, Default)]
struct LoginAttempts {
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
    /// The reservations in flight (a handful at most: the delay refuses more).
    in_flight: Vec<u64>,
}

impl LoginAttempts {
    fn count(&self) -> LoginCount {
        let in_flight = u32::try_from(self.in_flight.len()).unwrap_or(u32::MAX);
        LoginCount { failures: self.failures, last_failure: self.last_failure, in_flight }
    }

    /// Holds nothing worth a row.
    fn is_empty(&self) -> bool {
        self.failures == 0 && self.in_flight.is_empty()
    }
}

impl LoginTable {
    fn count(&self, key: &str) -> LoginCount {
        self.keys.get(key).map(LoginAttempts::count).unwrap_or_default()
    }

    /// The row of `key`, made if needed. Full: the stalest count with nothing in flight makes room (the table never
    /// grows with whatever e-mails and addresses an attacker sends, and a new key is still counted).
    fn row(&mut self, key: &str) -> &mut LoginAttempts {
        if self.keys.len() >= MAX_FAILURE_KEYS
            && !self.keys.contains_key(key)
            && let Some(stalest) = self
                .keys
                .iter()
                .filter(|(_, row)| row.in_flight.is_empty())
                .min_by_key(|(_, row)| row.last_failure)
                .map(|(key, _)| key.clone())
        {
            self.keys.remove(&stalest);
        }
        self.keys.entry(key.to_owned()).or_default()
    }

    /// Releases reservation `id` of `key` and applies the outcome.
    fn end(&mut self, key: &str, id: u64, outcome: LoginOutcome, now: DateTime<Utc>) {
        if outcome == LoginOutcome::PasswordWrong {
            let row = self.row(key);
            row.failures = row.failures.saturating_add(1);
            row.last_failure = Some(now);
        }
        let Some(row) = self.keys.get_mut(key) else { return };
        row.in_flight.retain(|held| *held != id);
        if outcome == LoginOutcome::PasswordRight {
            row.failures = 0;
            row.last_failure = None;
        }
        if row.is_empty() {
            self.keys.remove(key);
        }
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

    fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration> {
        let mut table = self.login_table();
        delays.admit(table.count(&keys.pair), table.count(&keys.account), now)?;
        let id = table.next_id;
        table.next_id = table.next_id.wrapping_add(1);
        table.row(&keys.pair).in_flight.push(id);
        table.row(&keys.account).in_flight.push(id);
        Ok(LoginReservation { keys: keys.clone(), id })
    }

    fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>) {
        let mut table = self.login_table();
        let account_outcome = match outcome {
            // The account's count fades with time only: a right password clears the pair.
            LoginOutcome::PasswordRight => LoginOutcome::Unchecked,
            other => other,
        };
        table.end(&reservation.keys.pair, reservation.id, outcome, now);
        table.end(&reservation.keys.account, reservation.id, account_outcome, now);
    }

    fn sweep(&self, now: DateTime<Utc>) {
        for limiter in self.limiters.values().flatten().map(|(_, l)| l) {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let forget_after = self.forget_after;
        self.login_table().keys.retain(|_, row| {
            row.failures = match row.last_failure {
                Some(last) if now.signed_duration_since(last) < forget_after => row.failures,
                _ => 0,
            };
            if row.failures == 0 {
                row.last_failure = None;
            }
            !row.is_empty()
        });
    }
}

/// Whole seconds, rounded up, at least 1.
fn ceil_secs(duration: Duration) -> u64 {
    let secs = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    secs.max(1)
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

/// Before a password is checked: admitted, or refused while the account is under a delay for its wrong passwords,
/// so guesses spread over many addresses still meet the account's count (S6), and no password is tried meanwhile
/// (the answer would tell a right guess). The check and the reservation of the attempt are one step of the store:
/// guesses sent in parallel get no more tries than guesses sent one after the other.
pub(crate) fn login_attempt(
    state: &ApiState,
    req: &actix_web::HttpRequest,
    account: &str,
) -> Result<LoginAttempt, ApiError> {
    let limiter = &state.rate_limits;
    if !limiter.config.enabled {
        return Ok(LoginAttempt { held: None });
    }
    let keys = LoginKeys { account: account_key(account), pair: failure_key(account, &ClientAddress::of(req)) };
    let now = state.clock.now();
    match limiter.store.begin_login(&keys, limiter.config.login_delays(), now) {
        Ok(reservation) => Ok(LoginAttempt {
            held: Some(HeldAttempt { store: limiter.store.clone(), clock: state.clock.clone(), reservation }),
        }),
        Err(wait) => {
            Err(ApiError::RateLimited { limit: limiter.config.login_failures_free, reset_secs: ceil_secs(wait) })
        }
    }
}

/// A login attempt admitted to check a password, in flight in the store until [`Self::checked`]. Dropped before
/// (a store error, a request dropped mid-check), it releases its reservation and counts nothing.
#[derive(Debug)]
#[must_use = "an attempt ends with `checked`, or releases its reservation when dropped"]
pub(crate) struct LoginAttempt {
    /// `None`: limits off.
    held: Option<HeldAttempt>,
}

#[derive(Debug)]
struct HeldAttempt {
    store: Arc<dyn RateLimitStore>,
    clock: Arc<dyn seeg_application::Clock>,
    reservation: LoginReservation,
}

impl LoginAttempt {
    /// After the password was checked: a wrong one counts for the account and for this address; a right one
    /// clears this address's count (the account's own count fades after `forget_after`), and frees the owner's
    /// address only: the attackers' addresses stay held.
    pub(crate) fn checked(mut self, password_right: bool) {
        let outcome = if password_right { LoginOutcome::PasswordRight } else { LoginOutcome::PasswordWrong };
        self.end(outcome);
    }

    fn end(&mut self, outcome: LoginOutcome) {
        if let Some(held) = self.held.take() {
            held.store.end_login(&held.reservation, outcome, held.clock.now());
        }
    }
}

impl Drop for LoginAttempt {
    fn drop(&mut self) {
        self.end(LoginOutcome::Unchecked);
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

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::seconds(secs)
    }

    fn keys(account: &str, address: &str) -> LoginKeys {
        LoginKeys { account: format!("account:{account}"), pair: format!("failures:{account}/{address}") }
    }

    const DELAYS: LoginDelays = LoginDelays { free: 3, max: Duration::from_secs(900) };

    /// One wrong password from `address` on `account`, admitted or not.
    fn fail(l: &MemoryRateLimits<FakeRelativeClock>, keys: &LoginKeys, now: DateTime<Utc>) {
        let reservation = LoginReservation { keys: keys.clone(), id: u64::MAX };
        l.end_login(&reservation, LoginOutcome::PasswordWrong, now);
    }

    fn count(l: &MemoryRateLimits<FakeRelativeClock>, key: &str) -> LoginCount {
        l.login_table().count(key)
    }

    #[test]
    fn the_sweep_forgets_whole_counters_and_old_failures() {
        let (l, clock) = store(&["5/minute"]);
        l.check(Class::Default, "ip:a");
        let k = keys("x", "ip:a");
        let old = l.begin_login(&k, DELAYS, at(0)).unwrap();
        l.end_login(&old, LoginOutcome::PasswordWrong, at(0));
        let held = l.begin_login(&keys("y", "ip:b"), DELAYS, at(0)).unwrap();
        clock.advance(Duration::from_secs(60));
        l.sweep(at(7_200));
        assert!(l.limiters[&Class::Default].iter().all(|(_, k)| k.is_empty()));
        assert_eq!(count(&l, &k.account), LoginCount::default());
        assert_eq!(count(&l, &k.pair), LoginCount::default());
        assert_eq!(count(&l, &held.keys.account).in_flight, 1, "an attempt in flight is kept");
        assert_eq!(l.login_table().keys.len(), 2);
    }

    #[test]
    fn a_full_login_table_makes_room_by_forgetting_the_stalest_count() {
        let (l, _) = store(&["5/minute"]);
        for i in 0..MAX_FAILURE_KEYS {
            let row = LoginAttempts {
                failures: 1,
                last_failure: Some(at(i64::try_from(i).unwrap() + 10)),
                in_flight: if i == 0 { vec![7] } else { Vec::new() },
            };
            l.login_table().keys.insert(format!("failures:{i}"), row);
        }
        let nouveau = LoginKeys { account: "account:nouveau".to_owned(), pair: "failures:2".to_owned() };
        fail(&l, &nouveau, at(200_000));
        assert_eq!(l.login_table().keys.len(), MAX_FAILURE_KEYS, "bounded");
        assert_eq!(
            count(&l, "account:nouveau"),
            LoginCount { failures: 1, last_failure: Some(at(200_000)), in_flight: 0 }
        );
        assert_eq!(count(&l, "failures:2").failures, 2, "an existing key keeps counting");
        assert_eq!(count(&l, "failures:0").in_flight, 1, "an attempt in flight is never what makes room");
        assert_eq!(count(&l, "failures:1"), LoginCount::default(), "the stalest made room");
    }

    #[test]
    fn delays_grow_after_the_free_failures_up_to_the_maximum() {
        let d = config(&["5/minute"]).login_delays();
        assert_eq!(d, DELAYS);
        assert_eq!(d.after(2), None);
        assert_eq!(d.after(3), Some(Duration::from_secs(30)));
        assert_eq!(d.after(4), Some(Duration::from_secs(60)));
        assert_eq!(d.after(8), Some(Duration::from_secs(900)));
        assert_eq!(d.after(u32::MAX), Some(Duration::from_secs(900)));
    }

    /// The defect the atomic step closes: attempts in parallel all passing the check before any counts.
    #[test]
    fn attempts_in_flight_count_as_the_failures_they_may_become() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        let outcomes: Vec<_> = (0..8).map(|_| l.begin_login(&k, DELAYS, at(0))).collect();
        let admitted: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
        assert_eq!(admitted.len(), 3, "the free failures, no more");
        assert!(outcomes[3..].iter().all(|o| *o == Err(Duration::from_secs(30))), "{outcomes:?}");
        assert_eq!(count(&l, &k.account).in_flight, 3);
        assert_eq!(count(&l, &k.pair).in_flight, 3);
        for reservation in admitted {
            l.end_login(reservation, LoginOutcome::PasswordWrong, at(1));
        }
        assert_eq!(count(&l, &k.account), LoginCount { failures: 3, last_failure: Some(at(1)), in_flight: 0 });
        assert_eq!(l.begin_login(&k, DELAYS, at(11)), Err(Duration::from_secs(20)), "the delay from the last failure");
        assert!(l.begin_login(&keys("autre", "ip:a"), DELAYS, at(11)).is_ok(), "another account is untouched");
    }

    #[test]
    fn after_a_delay_one_attempt_at_a_time_and_a_right_password_lets_the_owner_in() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        for _ in 0..3 {
            fail(&l, &k, at(0));
        }
        assert_eq!(l.begin_login(&k, DELAYS, at(29)), Err(Duration::from_secs(1)));
        let first = l.begin_login(&k, DELAYS, at(30)).unwrap();
        assert_eq!(
            l.begin_login(&k, DELAYS, at(30)),
            Err(Duration::from_secs(60)),
            "held for the delay the first one's failure would set"
        );
        l.end_login(&first, LoginOutcome::PasswordRight, at(31));
        assert_eq!(count(&l, &k.pair), LoginCount::default(), "a right password clears the pair");
        assert_eq!(count(&l, &k.account).failures, 3, "the account's count fades with time only");
        assert!(l.begin_login(&k, DELAYS, at(31)).is_ok(), "the owner's address is no longer held");
    }

    #[test]
    fn an_address_that_never_failed_gets_one_try_while_the_account_is_held() {
        let (l, _) = store(&["5/minute"]);
        for _ in 0..5 {
            fail(&l, &keys("cible", "ip:attaquant"), at(0));
        }
        assert!(l.begin_login(&keys("cible", "ip:attaquant"), DELAYS, at(1)).is_err());
        let owner = l.begin_login(&keys("cible", "ip:owner"), DELAYS, at(1));
        assert!(owner.is_ok(), "no targeted lockout");
        assert!(
            l.begin_login(&keys("cible", "ip:owner"), DELAYS, at(1)).is_err(),
            "its attempt in flight makes it an address that may have failed"
        );
    }

    #[test]
    fn ending_a_reservation_twice_releases_it_once() {
        let (l, _) = store(&["5/minute"]);
        let k = keys("cible", "ip:a");
        let first = l.begin_login(&k, DELAYS, at(0)).unwrap();
        let second = l.begin_login(&k, DELAYS, at(0)).unwrap();
        assert_ne!(first.id, second.id);
        l.end_login(&first, LoginOutcome::Unchecked, at(0));
        l.end_login(&first, LoginOutcome::Unchecked, at(0));
        assert_eq!(count(&l, &k.account).in_flight, 1);
        assert_eq!(count(&l, &k.pair).in_flight, 1);
        l.end_login(&second, LoginOutcome::Unchecked, at(0));
        assert!(l.login_table().keys.is_empty(), "nothing counted, nothing kept");
    }

    #[derive(Debug)]
    struct At(DateTime<Utc>);

    impl seeg_application::Clock for At {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
    }

    fn attempt(l: &Arc<MemoryRateLimits<FakeRelativeClock>>, k: &LoginKeys) -> LoginAttempt {
        let reservation = l.begin_login(k, DELAYS, at(0)).unwrap();
        let store: Arc<dyn RateLimitStore> = l.clone();
        LoginAttempt { held: Some(HeldAttempt { store, clock: Arc::new(At(at(5))), reservation }) }
    }

    #[test]
    fn an_attempt_dropped_before_its_check_releases_its_reservation_and_counts_nothing() {
        let l = Arc::new(store(&["5/minute"]).0);
        let k = keys("cible", "ip:a");
        let dropped = attempt(&l, &k);
        assert_eq!(count(&l, &k.account).in_flight, 1);
        drop(dropped);
        assert_eq!(count(&l, &k.account), LoginCount::default());
        assert_eq!(count(&l, &k.pair), LoginCount::default());
        attempt(&l, &k).checked(false);
        assert_eq!(count(&l, &k.account), LoginCount { failures: 1, last_failure: Some(at(5)), in_flight: 0 });
        assert_eq!(count(&l, &k.pair).failures, 1);
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
