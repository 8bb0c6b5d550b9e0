//! [`RedisStore`]: revocation shared by every instance of a service.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{
    NewLogin, Rotation, StoreError, StoreFuture, TokenRef, TokenStatus, generation_status,
};

/// Revocation in Redis, through a connection manager that reconnects by itself.
///
/// - One hash per identity holds its logins (`family -> generation, grace window, end`): a
///   refresh rewrites its field, so a login is one field whatever number of refreshes it makes,
///   and an identity holds at most the configured number of logins. A login missing from Redis
///   is refused: a key that vanished never lets a logged-out or spent token through.
/// - Single revoked tokens and the "log out everywhere" instant of tokens minted outside a
///   login are keys of their own.
///
/// Every key expires with the tokens it concerns. There is no in-process cache: a token
/// revoked through one instance is refused by every other instance on its next request. When
/// Redis cannot answer, guarded requests fail closed (503).
///
/// **Redis must not evict these keys.** At connect the store reads `maxmemory-policy` and
/// refuses any policy but `noeviction` (every key here has a TTL, so `volatile-*` policies
/// evict them too); [`RedisOptions::allow_evicting_policy`] accepts one for a deployment that
/// sizes its memory itself. Where `CONFIG` is disabled (some managed services), the store
/// cannot check: it logs a warning and connects.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    namespace: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// How [`RedisStore`] connects: see [`RedisStore::options`].
#[derive(Debug, Clone)]
pub struct RedisOptions {
    namespace: String,
    allow_evicting_policy: bool,
}

fn error(e: redis::RedisError) -> StoreError {
    StoreError(format!("redis: {e}"))
}

/// Seconds from `now_ms` until `until`, at least one (Redis refuses a zero TTL).
fn ttl(until: u64, now_ms: u64) -> u64 {
    until.saturating_sub(now_ms / 1000).max(1)
}

impl RedisOptions {
    /// The key namespace (default `axum-jwt-guard`): several services can share one Redis.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// Connects even when Redis's `maxmemory-policy` may evict keys. Only for a deployment
    /// whose Redis never reaches `maxmemory`: an evicted login is logged out (safe), but an
    /// evicted single revocation or "log out everywhere" instant un-revokes tokens minted
    /// outside a login.
    pub fn allow_evicting_policy(mut self) -> Self {
        self.allow_evicting_policy = true;
        self
    }

    /// Connects to `url` (`redis://127.0.0.1:6379/0`) and checks the eviction policy.
    pub async fn connect(self, url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(2)))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let mut connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(error)?;
        check_policy(&mut connection, self.allow_evicting_policy).await?;
        Ok(RedisStore {
            connection,
            namespace: self.namespace,
        })
    }
}

/// Refuses a `maxmemory-policy` that can evict the store's keys, unless allowed.
async fn check_policy(
    connection: &mut ConnectionManager,
    allow_evicting_policy: bool,
) -> Result<(), StoreError> {
    let answer: Result<Vec<String>, _> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query_async(connection)
        .await;
    let policy = match answer {
        Ok(pair) => pair.get(1).cloned().unwrap_or_default(),
        Err(e) => {
            tracing::warn!(
                target: crate::observe::TARGET,
                error = %e,
                "cannot read Redis's maxmemory-policy (CONFIG is disabled?); make sure \
                it is `noeviction`, or evicted revocations may un-revoke tokens"
            );
            return Ok(());
        }
    };
    if policy == "noeviction" {
        return Ok(());
    }
    if allow_evicting_policy {
        tracing::warn!(
            target: crate::observe::TARGET,
            policy = %policy,
            "Redis may evict revocation entries (maxmemory-policy is not noeviction); \
            accepted by RedisOptions::allow_evicting_policy"
        );
        return Ok(());
    }
    Err(StoreError(format!(
        "Redis's maxmemory-policy is `{policy}`, which can evict revocation entries under memory \
         pressure and un-revoke tokens; set `maxmemory-policy noeviction` (or call \
         RedisOptions::allow_evicting_policy if this Redis never reaches maxmemory)"
    )))
}

impl RedisStore {
    /// Connects to `url` (`redis://127.0.0.1:6379/0`) with the key namespace `axum-jwt-guard`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::options().connect(url).await
    }

    /// Connects with a key namespace of your choice (several services can share a Redis).
    pub async fn connect_with_namespace(url: &str, namespace: &str) -> Result<Self, StoreError> {
        Self::options().namespace(namespace).connect(url).await
    }

    /// Options for [`connect`](RedisOptions::connect): the namespace, and whether an evicting
    /// memory policy is accepted.
    pub fn options() -> RedisOptions {
        RedisOptions {
            namespace: "axum-jwt-guard".to_owned(),
            allow_evicting_policy: false,
        }
    }

    /// `{namespace}:{kind}:{len(iss)}:{iss}:{id}`: the issuer's length keeps issuers that
    /// contain `:` (URLs) from colliding with ids.
    fn key(&self, kind: &str, issuer: &str, id: &str) -> String {
        format!("{}:{kind}:{}:{issuer}:{id}", self.namespace, issuer.len())
    }

    /// `EVAL`s one of the scripts below (each starts with [`EXTEND`]). Sent whole each time:
    /// they run on writes only (a login, a refresh, "log out everywhere").
    async fn eval<T: redis::FromRedisValue>(
        &self,
        body: &str,
        keys: &[String],
        args: &[String],
    ) -> Result<T, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(format!("{EXTEND}{body}"))
            .arg(keys.len())
            .arg(keys)
            .arg(args);
        let mut conn = self.connection.clone();
        cmd.query_async(&mut conn).await.map_err(error)
    }
}

/// A login's field: `generation grace_until_ms created_ms until`.
struct LoginField {
    generation: u64,
    grace_until_ms: u64,
    until: u64,
}

fn parse_login(value: &str) -> Option<LoginField> {
    let mut parts = value.split(' ').map(str::parse::<u64>);
    let generation = parts.next()?.ok()?;
    let grace_until_ms = parts.next()?.ok()?;
    let _created = parts.next()?.ok()?;
    let until = parts.next()?.ok()?;
    Some(LoginField {
        generation,
        grace_until_ms,
        until,
    })
}

/// Sets a key's expiry to `untl` (Unix seconds; `now_s` the caller's clock) unless it already
/// lasts longer; a key without one gets it. Compared here rather than with `EXPIRE .. GT`, so
/// that Redis 6 works too.
const EXTEND: &str = r"
local function extend(key, untl, now_s)
  local ttl = redis.call('TTL', key)
  if ttl == -1 or ttl < tonumber(untl) - tonumber(now_s) then
    redis.call('EXPIREAT', key, untl)
  end
end
";

/// Records a login. KEYS: the identity's hash. ARGV: family, now_ms, until, max_logins,
/// now (seconds). Expired logins go; the oldest beyond the allowance end.
const BEGIN: &str = r"
local now_s = tonumber(ARGV[5])
local fields = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #fields, 2 do
  local created, untl = string.match(fields[i + 1], '^%d+ %d+ (%d+) (%d+)$')
  if not untl or tonumber(untl) < now_s then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    table.insert(live, {fields[i], tonumber(created)})
  end
end
table.sort(live, function(a, b) return a[2] < b[2] end)
for i = 1, #live - tonumber(ARGV[4]) + 1 do
  redis.call('HDEL', KEYS[1], live[i][1])
end
redis.call('HSET', KEYS[1], ARGV[1], '0 0 ' .. ARGV[2] .. ' ' .. ARGV[3])
extend(KEYS[1], ARGV[3], ARGV[5])
return 1
";

/// Exchanges a refresh token: the same rule as `revocation::rotation`, atomically in Redis.
/// KEYS: the identity's hash, the token's jti key. ARGV: family, presented generation (`-`
/// for none), now_ms, grace_ms, until, now (seconds). Returns `{1, gen}` rotated, `{2, gen}`
/// grace, `{3}` revoked, `{4}` reused (the login is ended).
const ROTATE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return {3} end
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return {3} end
local gen, grace, created, untl = string.match(value, '^(%d+) (%d+) (%d+) (%d+)$')
if not untl or tonumber(untl) < tonumber(ARGV[6]) then return {3} end
gen = tonumber(gen)
local presented = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if presented == nil or presented > gen then return {3} end
if presented == gen then
  local new_until = math.max(tonumber(untl), tonumber(ARGV[5]))
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d %d %s %d', gen + 1,
    now + tonumber(ARGV[4]), created, new_until))
  extend(KEYS[1], ARGV[5], ARGV[6])
  return {1, gen + 1}
end
if presented + 1 == gen and now < tonumber(grace) then return {2, gen} end
redis.call('HDEL', KEYS[1], ARGV[1])
return {4}
";

/// "Log out everywhere". KEYS: the identity's hash, its cut-off key. ARGV: before_ms, ttl.
/// Every login ends; the cut-off moves forward, never back, and keeps the longest TTL.
const LOG_OUT_EVERYWHERE: &str = r"
redis.call('DEL', KEYS[1])
local old = tonumber(redis.call('GET', KEYS[2]) or '0')
if tonumber(ARGV[1]) > old then
  redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[2])
elseif redis.call('TTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return 1
";

impl super::RevocationStore for RedisStore {
    fn status<'a>(&'a self, token: TokenRef<'a>, now_ms: u64) -> StoreFuture<'a, TokenStatus> {
        Box::pin(async move {
            let mut pipe = redis::pipe();
            pipe.cmd("GET")
                .arg(self.key("jti", token.issuer, token.jti));
            match token.family {
                Some(family) => pipe
                    .cmd("HGET")
                    .arg(self.key("acct", token.issuer, token.identity))
                    .arg(family),
                None => pipe
                    .cmd("GET")
                    .arg(self.key("cut", token.issuer, token.identity)),
            };
            let mut conn = self.connection.clone();
            let (jti, other): (Option<String>, Option<String>) =
                pipe.query_async(&mut conn).await.map_err(error)?;
            match jti.as_deref() {
                Some("u") => return Ok(TokenStatus::Used),
                Some(_) => return Ok(TokenStatus::Revoked),
                None => {}
            }
            if token.family.is_none() {
                // A value we cannot read counts as "everything before the end of time".
                let before = other.map(|v| v.parse::<u64>().unwrap_or(u64::MAX));
                return Ok(match token.cut_off(before) {
                    true => TokenStatus::Revoked,
                    false => TokenStatus::Active,
                });
            }
            let login = other.as_deref().and_then(parse_login);
            Ok(match login {
                Some(l) if l.until < now_ms / 1000 => TokenStatus::Revoked,
                Some(l) if token.refresh => {
                    generation_status(token.generation, l.generation, l.grace_until_ms, now_ms)
                }
                Some(_) => TokenStatus::Active,
                // Not held: ended, logged out everywhere, expired or evicted. Refused.
                None => TokenStatus::Revoked,
            })
        })
    }

    fn begin<'a>(&'a self, login: NewLogin<'a>, now_ms: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.eval::<i64>(
                BEGIN,
                &[self.key("acct", login.issuer, login.identity)],
                &[
                    login.family.to_owned(),
                    now_ms.to_string(),
                    login.until.to_string(),
                    login.max_logins.to_string(),
                    (now_ms / 1000).to_string(),
                ],
            )
            .await
            .map(drop)
        })
    }

    fn rotate<'a>(
        &'a self,
        token: TokenRef<'a>,
        grace_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, Rotation> {
        Box::pin(async move {
            let Some(family) = token.family else {
                return Ok(Rotation::Revoked);
            };
            let answer: Vec<u64> = self
                .eval(
                    ROTATE,
                    &[
                        self.key("acct", token.issuer, token.identity),
                        self.key("jti", token.issuer, token.jti),
                    ],
                    &[
                        family.to_owned(),
                        token
                            .generation
                            .map_or_else(|| "-".to_owned(), |g| g.to_string()),
                        now_ms.to_string(),
                        grace_ms.to_string(),
                        until.to_string(),
                        (now_ms / 1000).to_string(),
                    ],
                )
                .await?;
            Ok(match answer.as_slice() {
                [1, generation] => Rotation::Rotated {
                    generation: *generation,
                },
                [2, generation] => Rotation::Grace {
                    generation: *generation,
                },
                [4] => Rotation::Reused,
                _ => Rotation::Revoked,
            })
        })
    }

    fn end<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        family: &'a str,
        _until: u64,
        _now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            redis::cmd("HDEL")
                .arg(self.key("acct", issuer, identity))
                .arg(family)
                .query_async::<i64>(&mut conn)
                .await
                .map(drop)
                .map_err(error)
        })
    }

    fn revoke<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            redis::cmd("SET")
                .arg(self.key("jti", issuer, jti))
                .arg("r")
                .arg("EX")
                .arg(ttl(until, now_ms))
                .query_async::<()>(&mut conn)
                .await
                .map_err(error)
        })
    }

    fn consume<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut conn = self.connection.clone();
            let set: Option<String> = redis::cmd("SET")
                .arg(self.key("jti", issuer, jti))
                .arg("u")
                .arg("NX")
                .arg("EX")
                .arg(ttl(until, now_ms))
                .query_async(&mut conn)
                .await
                .map_err(error)?;
            Ok(set.is_some())
        })
    }

    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.eval::<i64>(
                LOG_OUT_EVERYWHERE,
                &[
                    self.key("acct", issuer, identity),
                    self.key("cut", issuer, identity),
                ],
                &[before_ms.to_string(), ttl(until, now_ms).to_string()],
            )
            .await
            .map(drop)
        })
    }
}
