//! Counters shared by every instance (`RedisRateLimits`, O5): the same quotas and login attempts as the
//! in-process store, kept in Redis, each call one Lua script (one atomic step, one round trip).
//!
//! - **Quotas**: GCRA, as `governor` computes it in the process: per (class, quota, client) one key holding the
//!   theoretical arrival time in microseconds of Redis's own clock (`TIME`), so every instance reads one clock.
//!   The key expires when the quota is whole again.
//! - **Login attempts**: per key (account, or (account, address)) a hash of the failures and the last failure, and
//!   a sorted set of the attempts in flight, each scored with the time it lapses (a process that dies mid-check
//!   never ends its attempt). `begin` decides as [`LoginDelays::admit`] does and reserves in the same script. The
//!   failures expire as the in-process sweep forgets them.
//! - **Redis unreachable** (or slower than [`RESPONSE_TIMEOUT`]): the call is answered by counters in this process,
//!   as without Redis, and counted in `seeg_rate_limit_store_errors_total`; a warning is logged at most once a
//!   minute; Redis is not tried again for 2 s. A reservation begun there ends there.
//! - Standalone Redis (not Cluster): one script names keys of several slots.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::memory::failures_kept;
use super::store::{refused, tightest};
use sha2::Sha256;

use super::{
    Class, LoginDelays, LoginKeys, LoginOutcome, LoginReservation, MemoryRateLimits, Quota, RateLimitConfig,
    RateLimitStore, Verdict,
};

/// How long one call may take before the counters in the process answer instead.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_millis(250);
/// After [`FAILURES_BEFORE_REST`] failed calls in a row, how long the counters in the process answer without trying
/// Redis (no request waits for a Redis that is down), before calls try again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);
/// Failed calls in a row before Redis rests: one slow answer does not switch a process to its own counters.
const FAILURES_BEFORE_REST: u32 = 3;
/// How long an attempt in flight holds its keys when nobody ends it: far above a password check.
const ATTEMPT_LAPSES_AFTER: Duration = Duration::from_secs(60);

/// One request against each quota of its class. KEYS: one per quota. ARGV: the time in µs ('' = Redis's clock),
/// then per quota its period and tolerance in µs. Answers `{1, remaining…}` or `{0, quota index, wait µs}`.
const CHECK: &str = r"
local now
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[1])
end
local remaining = {1}
for i, key in ipairs(KEYS) do
  local t = tonumber(ARGV[2 * i])
  local tau = tonumber(ARGV[2 * i + 1])
  local stored = redis.call('GET', key)
  local tat = now
  if stored then tat = tonumber(stored) end
  if now < tat - tau then
    return {0, i, tat - tau - now}
  end
  local nxt = math.max(tat, now) + t
  redis.call('SET', key, string.format('%.0f', nxt), 'PX', math.floor((nxt - now) / 1000) + 1)
  remaining[i + 1] = math.floor(math.min(now + tau + t - nxt, tau + t) / t)
end
return remaining
";

/// `LoginDelays::admit`, then the reservation. KEYS: the pair's hash and set, the account's hash and set, the
/// reservation counter. ARGV: now (ms), free failures, longest delay (ms), lapse (ms). Answers `{1, id}` or
/// `{0, wait ms}`.
const BEGIN_LOGIN: &str = r"
local now, free, longest, lapse = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if ARGV[1] == '' then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local pair_failures = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local pair_in_flight = redis.call('ZCARD', KEYS[2])
local failures = tonumber(redis.call('HGET', KEYS[3], 'f') or '0')
local last = redis.call('HGET', KEYS[3], 'l')
local in_flight = redis.call('ZCARD', KEYS[4])
local function after(n)
  if n < free then return nil end
  return math.min(30000 * 2 ^ math.min(n - free, 31), longest)
end
if pair_failures > 0 or pair_in_flight > 0 then
  local delay = after(failures)
  if delay and last then
    local left = tonumber(last) + delay - now
    if left > 0 then return {0, left} end
  end
  if in_flight > 0 then
    local held = after(failures + in_flight)
    if held then return {0, held} end
  end
end
local id = redis.call('INCR', KEYS[5])
for _, set in ipairs({KEYS[2], KEYS[4]}) do
  redis.call('ZADD', set, now + lapse, id)
  redis.call('PEXPIRE', set, lapse)
end
return {1, id}
";

/// Releases a reservation and applies its outcome. KEYS as `BEGIN_LOGIN` without the counter. ARGV: the
/// reservation, the outcome (`right`, `wrong`, `unchecked`), now (ms), how long failures are kept (ms).
const END_LOGIN: &str = r"
local id, outcome, now, kept = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if now == '' then
  local t = redis.call('TIME')
  now = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
end
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[4], id)
if outcome == 'wrong' then
  for _, hash in ipairs({KEYS[1], KEYS[3]}) do
    redis.call('HINCRBY', hash, 'f', 1)
    redis.call('HSET', hash, 'l', now)
    redis.call('PEXPIRE', hash, kept)
  end
elseif outcome == 'right' then
  redis.call('DEL', KEYS[1])
end
return 1
";

/// Where the scripts read the time: Redis's clock, or a clock the caller moves (tests: the quotas read it, the
/// login steps the caller's time).
#[derive(Debug, Clone)]
enum ScriptClock {
    Redis,
    Manual(ManualClock),
}

/// A clock in microseconds that only moves when told (tests of the shared store).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock at `start_micros`.
    pub fn at(start_micros: u64) -> Self {
        Self(Arc::new(AtomicU64::new(start_micros)))
    }

    pub fn advance(&self, by: Duration) {
        let micros = u64::try_from(by.as_micros()).unwrap_or(u64::MAX);
        self.0.fetch_add(micros, Ordering::Relaxed);
    }

    fn micros(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The quotas and login attempts of every instance, in one Redis.
pub struct RedisRateLimits {
    connection: ConnectionManager,
    prefix: String,
    /// Each class's quotas with their key segment.
    quotas: Vec<(Class, Vec<Quota>)>,
    failures_kept: Duration,
    clock: ScriptClock,
    check: redis::Script,
    begin_login: redis::Script,
    end_login: redis::Script,
    /// What answers while Redis cannot.
    fallback: MemoryRateLimits,
    /// When the last warning about Redis was logged, in seconds after `started` (`u64::MAX`: never).
    last_warning: AtomicU64,
    /// Until when (milliseconds after `started`) Redis is not tried, after failures in a row.
    resting_until: AtomicU64,
    failures_in_a_row: AtomicU32,
    /// Where the calls run: the runtime the store was made on (the server's), not an HTTP worker's.
    runtime: tokio::runtime::Handle,
    /// Keys the names of the clients and accounts written in Redis.
    names: Hmac<Sha256>,
    started: Instant,
}

impl fmt::Debug for RedisRateLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimits").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Why the shared store cannot be set up.
#[derive(Debug, thiserror::Error)]
#[error("rate_limit.redis_url : {0}")]
pub struct RedisSetupError(String);

impl RedisRateLimits {
    /// Counters in the Redis at `url` (`redis://[user:password@]host[:port][/db]`), every key under `prefix`. The
    /// connection is made on first use and remade after a failure: an unreachable Redis at start-up does not stop
    /// the service (the counters in the process answer meanwhile). Needs a Tokio runtime.
    ///
    /// `secret` keys the names written in Redis: a client's address or account id and an account's e-mail digest are
    /// stored as HMAC-SHA-256 digests under it (S12), so a dump of Redis names nobody. Every instance sharing the
    /// budget must be given the same secret (the server passes its token-signing key).
    pub fn connect(url: &str, prefix: &str, config: &RateLimitConfig, secret: &[u8]) -> Result<Self, RedisSetupError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| RedisSetupError("à créer dans un runtime Tokio".to_owned()))?;
        let client = redis::Client::open(url).map_err(|e| RedisSetupError(e.to_string()))?;
        let settings = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(2));
        let connection =
            ConnectionManager::new_lazy_with_config(client, settings).map_err(|e| RedisSetupError(e.to_string()))?;
        let classes = [Class::Auth, Class::PasswordReset, Class::Signup, Class::Upload, Class::Default];
        Ok(Self {
            connection,
            prefix: prefix.to_owned(),
            quotas: classes.into_iter().map(|class| (class, config.quotas(class).to_vec())).collect(),
            failures_kept: failures_kept(config),
            clock: ScriptClock::Redis,
            check: redis::Script::new(CHECK),
            begin_login: redis::Script::new(BEGIN_LOGIN),
            end_login: redis::Script::new(END_LOGIN),
            fallback: MemoryRateLimits::new(config),
            last_warning: AtomicU64::new(u64::MAX),
            resting_until: AtomicU64::new(0),
            failures_in_a_row: AtomicU32::new(0),
            runtime,
            names: Hmac::<Sha256>::new_from_slice(secret).map_err(|e| RedisSetupError(e.to_string()))?,
            started: Instant::now(),
        })
    }

    /// The scripts read `clock` (the quotas) and the caller's time (the login steps) instead of Redis's (tests).
    #[must_use]
    pub fn with_manual_clock(mut self, clock: ManualClock) -> Self {
        self.clock = ScriptClock::Manual(clock);
        self
    }

    /// Redis's `maxmemory_policy` (from `INFO memory`), `None` when Redis does not answer. Anything but
    /// `noeviction` may evict a failure count, and with it an account's delay (O5): the server warns at start-up.
    pub async fn eviction_policy(&self) -> Option<String> {
        let mut connection = self.connection.clone();
        let info = redis::cmd("INFO").arg("memory").to_owned();
        let call = self.runtime.spawn(async move {
            tokio::time::timeout(RESPONSE_TIMEOUT, info.query_async::<String>(&mut connection)).await
        });
        let text = call.await.ok()?.ok()?.ok()?;
        text.lines().find_map(|line| line.strip_prefix("maxmemory_policy:")).map(|policy| policy.trim().to_owned())
    }

    /// Runs one script on the runtime the store was made on (so the connection's driver and its reconnections never
    /// wait on a busy HTTP worker): `None` when Redis failed, took longer than [`RESPONSE_TIMEOUT`], or is resting
    /// after [`FAILURES_BEFORE_REST`] failures in a row (the caller then counts in the process). `always`: try even
    /// while resting (ending a login attempt: its outcome must reach the instances that share it).
    async fn run<T: redis::FromRedisValue + Send + 'static>(
        &self,
        script: &redis::Script,
        keys: Vec<String>,
        args: Vec<String>,
        always: bool,
    ) -> Option<T> {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        if !always && now < self.resting_until.load(Ordering::Relaxed) {
            return None;
        }
        let (script, mut connection) = (script.clone(), self.connection.clone());
        let call = self.runtime.spawn(async move {
            let mut invocation = script.prepare_invoke();
            for key in keys {
                invocation.key(key);
            }
            for arg in args {
                invocation.arg(arg);
            }
            tokio::time::timeout(RESPONSE_TIMEOUT, invocation.invoke_async::<T>(&mut connection)).await
        });
        let failure = match call.await {
            Ok(Ok(Ok(answer))) => {
                self.failures_in_a_row.store(0, Ordering::Relaxed);
                return Some(answer);
            }
            Ok(Ok(Err(error))) => format!("{:?}", error.kind()),
            Ok(Err(_)) => "délai dépassé".to_owned(),
            Err(_) => "appel interrompu".to_owned(),
        };
        if self.failures_in_a_row.fetch_add(1, Ordering::Relaxed).saturating_add(1) >= FAILURES_BEFORE_REST {
            let rest = u64::try_from(RETRY_AFTER_FAILURE.as_millis()).unwrap_or(u64::MAX);
            self.resting_until.store(now.saturating_add(rest), Ordering::Relaxed);
        }
        self.unreachable(&failure);
        None
    }

    /// `name` as written in Redis: its HMAC under the store's secret, 128 bits in hex.
    fn private(&self, name: &str) -> String {
        let mut mac = self.names.clone();
        mac.update(name.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    fn login_keys(&self, keys: &LoginKeys) -> [String; 4] {
        let (p, pair, account) = (&self.prefix, self.private(&keys.pair), self.private(&keys.account));
        [
            format!("{p}login:{pair}:f"),
            format!("{p}login:{pair}:r"),
            format!("{p}login:{account}:f"),
            format!("{p}login:{account}:r"),
        ]
    }

    /// The time the login scripts read: Redis's own clock (one clock for every instance), or the caller's with a
    /// manual clock (tests).
    fn login_time(&self, now: DateTime<Utc>) -> String {
        match self.clock {
            ScriptClock::Redis => String::new(),
            ScriptClock::Manual(_) => now.timestamp_millis().to_string(),
        }
    }

    /// Counts a failed call, and warns (no key, no address: S12) at most once a minute.
    fn unreachable(&self, failure: &str) {
        metrics::counter!("seeg_rate_limit_store_errors_total").increment(1);
        let second = self.started.elapsed().as_secs();
        let last = self.last_warning.load(Ordering::Relaxed);
        if (last == u64::MAX || second.saturating_sub(last) >= 60)
            && self.last_warning.compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(failure, "Redis des limites de débit injoignable : compteurs de ce processus en attendant");
        }
    }
}

fn micros_to_duration(micros: i64) -> Duration {
    Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

#[async_trait::async_trait]
impl RateLimitStore for RedisRateLimits {
    async fn check(&self, class: Class, key: &str) -> Verdict {
        let Some((_, quotas)) = self.quotas.iter().find(|(c, _)| *c == class).filter(|(_, q)| !q.is_empty()) else {
            return Verdict { allowed: true, limit: 0, remaining: 0, reset_secs: 0 };
        };
        let client = self.private(key);
        let keys = (0..quotas.len()).map(|index| format!("{}quota:{}:{index}:{client}", self.prefix, class.name()));
        let mut args = vec![match &self.clock {
            ScriptClock::Redis => String::new(),
            ScriptClock::Manual(clock) => clock.micros().to_string(),
        }];
        for quota in quotas {
            let period = u64::try_from(quota.period().as_micros()).unwrap_or(u64::MAX).max(1);
            args.push(period.to_string());
            args.push(period.saturating_mul(u64::from(quota.max.saturating_sub(1))).to_string());
        }
        let answer = self.run::<Vec<i64>>(&self.check, keys.collect(), args, false).await.unwrap_or_default();
        match answer.as_slice() {
            [0, index, wait] => {
                let quota = usize::try_from(*index).ok().and_then(|i| quotas.get(i.wrapping_sub(1)));
                quota.map_or_else(
                    || self.fallback.check_in_process(class, key),
                    |q| refused(*q, micros_to_duration(*wait)),
                )
            }
            [1, remaining @ ..] if remaining.len() == quotas.len() => {
                tightest(quotas.iter().zip(remaining).map(|(q, r)| (*q, u32::try_from(*r).unwrap_or(0))))
            }
            _ => self.fallback.check_in_process(class, key),
        }
    }

    async fn begin_login(
        &self,
        keys: &LoginKeys,
        delays: LoginDelays,
        now: DateTime<Utc>,
    ) -> Result<LoginReservation, Duration> {
        let [pair_failures, pair_in_flight, failures, in_flight] = self.login_keys(keys);
        let longest = i64::try_from(delays.max.as_millis()).unwrap_or(i64::MAX);
        let lapse = i64::try_from(ATTEMPT_LAPSES_AFTER.as_millis()).unwrap_or(i64::MAX);
        let names =
            vec![pair_failures, pair_in_flight, failures, in_flight, format!("{}login-reservations", self.prefix)];
        let args = vec![self.login_time(now), delays.free.to_string(), longest.to_string(), lapse.to_string()];
        match self.run::<Vec<i64>>(&self.begin_login, names, args, false).await.as_deref() {
            Some([1, id]) => Ok(LoginReservation { keys: keys.clone(), id: id.unsigned_abs(), in_process: false }),
            Some([0, wait]) => Err(Duration::from_millis(wait.unsigned_abs()).max(Duration::from_millis(1))),
            _ => self.fallback.begin_login_in_process(keys, delays, now),
        }
    }

    async fn end_login(&self, reservation: &LoginReservation, outcome: LoginOutcome, now: DateTime<Utc>) {
        if reservation.in_process {
            self.fallback.end_login_in_process(reservation, outcome, now);
            return;
        }
        let [pair_failures, pair_in_flight, failures, in_flight] = self.login_keys(&reservation.keys);
        let outcome_name = match outcome {
            LoginOutcome::PasswordRight => "right",
            LoginOutcome::PasswordWrong => "wrong",
            LoginOutcome::Unchecked => "unchecked",
        };
        let kept = i64::try_from(self.failures_kept.as_millis()).unwrap_or(i64::MAX);
        let keys = vec![pair_failures, pair_in_flight, failures, in_flight];
        let args = vec![reservation.id.to_string(), outcome_name.to_owned(), self.login_time(now), kept.to_string()];
        if self.run::<i64>(&self.end_login, keys, args, true).await.is_none() {
            // The reservation lapses in Redis by itself; a wrong password still counts, here at least.
            if outcome == LoginOutcome::PasswordWrong {
                self.fallback.end_login_in_process(reservation, outcome, now);
            }
        }
    }

    fn is_shared(&self) -> bool {
        true
    }

    fn sweep(&self, now: DateTime<Utc>) {
        self.fallback.sweep(now);
    }
}
