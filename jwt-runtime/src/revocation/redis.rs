//! [`RedisStore`]: revocation shared by every instance of a service.

use std::sync::Arc;
use std::time::Duration;

use super::conn::{Conn, Source};
use super::replica::{Login, Names, Replica, ReplicaSettings, View, write_local_key};
use super::{
    NewLogin, Rotation, StoreError, StoreFuture, TokenRef, TokenStatus, generation_status,
};

/// Default bound on how long a revocation made through one instance can go unseen by
/// another: see [`RedisOptions::propagation_bound`].
pub const DEFAULT_PROPAGATION_BOUND: Duration = Duration::from_millis(100);

/// Default limit of the local view: see [`RedisOptions::max_local_entries`].
pub const DEFAULT_MAX_LOCAL_ENTRIES: usize = 1_000_000;

/// How long the revocation log keeps an entry: an instance that falls further behind (a
/// long network cut) copies the keys again. The log itself expires after twice that without
/// a write, so an idle service holds no log at all.
const LOG_RETENTION_MS: u64 = 60_000;

/// Revocation in Redis, through a connection manager that reconnects by itself.
///
/// - One hash per identity holds its logins (`family -> generation, grace window, end`): a
///   refresh rewrites its field, so a login is one field whatever number of refreshes it makes,
///   and an identity holds at most the configured number of logins. A login missing from Redis
///   is refused: a key that vanished never lets a logged-out or spent token through.
/// - Single revoked tokens and the "log out everywhere" instant of tokens minted outside a
///   login are keys of their own.
///
/// Every key expires with the tokens it concerns. When Redis cannot answer, guarded requests
/// fail closed (503).
///
/// **Checks without a round trip.** By default each instance keeps a local view of the keys,
/// fed by a log the store's writes append to (a Redis stream), and answers guarded requests
/// from it: a token revoked through one instance is refused by every other one within
/// [`propagation_bound`](RedisOptions::propagation_bound) (100 ms), and in practice within a
/// millisecond or two. While an instance cannot be sure its view is current (starting,
/// reconnecting, Redis paused or down, the log trimmed past it), it asks Redis for every
/// request and so fails closed when Redis cannot answer; it never answers from a stale or
/// empty view. [`RedisOptions::strict`] asks Redis for every request always (one round trip
/// per guarded request, no local memory). A write (a logout, a refresh) returns once this
/// instance's own view holds it.
///
/// All keys share the hash tag `{namespace}`, so that every script's keys sit in one slot of
/// a Redis Cluster.
///
/// **Redis must not evict these keys.** At connect the store reads `maxmemory-policy` and
/// refuses any policy but `noeviction` (every key here has a TTL, so `volatile-*` policies
/// evict them too); [`RedisOptions::allow_evicting_policy`] accepts one for a deployment that
/// sizes its memory itself. Where `CONFIG` is disabled (some managed services), the store
/// cannot check: it logs a warning and connects.
#[derive(Clone)]
pub struct RedisStore {
    connection: Conn,
    namespace: String,
    /// `{namespace}`: the hash tag every key starts with.
    tag: String,
    /// The local view; `None` in strict mode.
    replica: Option<Arc<Replica>>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("namespace", &self.namespace)
            .field("strict", &self.replica.is_none())
            .finish_non_exhaustive()
    }
}

/// How [`RedisStore`] connects: see [`RedisStore::options`].
#[derive(Debug, Clone)]
pub struct RedisOptions {
    namespace: String,
    allow_evicting_policy: bool,
    strict: bool,
    propagation_bound: Duration,
    max_local_entries: usize,
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
    /// outside a login. Implies [`strict`](RedisOptions::strict): an eviction is not in the
    /// log the local view follows.
    pub fn allow_evicting_policy(mut self) -> Self {
        self.allow_evicting_policy = true;
        self
    }

    /// Asks Redis for every guarded request (one round trip each) instead of keeping a local
    /// view: a revocation is seen by the next request on any instance, at the price of
    /// Redis's latency on each (see the README's figures).
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// The longest a revocation made through one instance can go unseen by another (default
    /// 100 ms): the local view answers only while its last read of the log, sent less than
    /// this long ago, came back. Shorter means more frequent reads of the log when idle (five
    /// per bound) and more fallbacks to Redis on a busy machine.
    pub fn propagation_bound(mut self, bound: Duration) -> Self {
        self.propagation_bound = bound.max(Duration::from_millis(20));
        self
    }

    /// The most entries (revoked tokens, live logins, "log out everywhere" instants) the
    /// local view holds (default 1,000,000; about 80 bytes per revoked token, see the
    /// README). Beyond it the view is dropped and the instance asks Redis for every request,
    /// copying again every 10 seconds until the keys fit (expiries bring them back under).
    pub fn max_local_entries(mut self, entries: usize) -> Self {
        self.max_local_entries = entries;
        self
    }

    /// Connects to `url` (`redis://127.0.0.1:6379/0`) and checks the eviction policy.
    pub async fn connect(self, url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(error)?;
        self.open(Source::Single(client)).await
    }

    /// Connects to a Redis Cluster through any of its `nodes` (`redis://127.0.0.1:7000/`; the
    /// others are found from them) and checks the eviction policy. Every key of the store
    /// carries the hash tag `{namespace}`, so each script's keys, the log and the view's copy
    /// sit in one slot, served by one master; redirects after a failover are followed.
    #[cfg(feature = "redis-cluster")]
    #[cfg_attr(docsrs, doc(cfg(feature = "redis-cluster")))]
    pub async fn connect_cluster<I, S>(self, nodes: I) -> Result<RedisStore, StoreError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let nodes: Vec<String> = nodes.into_iter().map(|n| n.as_ref().to_owned()).collect();
        let client = redis::cluster::ClusterClient::builder(nodes)
            .connection_timeout(Duration::from_secs(2))
            .response_timeout(Duration::from_secs(2))
            .build()
            .map_err(error)?;
        self.open(Source::Cluster(Box::new(client))).await
    }

    async fn open(self, source: Source) -> Result<RedisStore, StoreError> {
        let mut connection = source.commands().await.map_err(error)?;
        check_policy(&mut connection, self.allow_evicting_policy).await?;
        let tag = format!("{{{}}}", self.namespace);
        // Evictions are not in the log: with a policy that may evict, only Redis knows.
        let strict = self.strict || self.allow_evicting_policy;
        let replica = (!strict).then(|| {
            Arc::new(Replica::new(ReplicaSettings {
                lease: self.propagation_bound,
                max_entries: self.max_local_entries,
            }))
        });
        let store = RedisStore {
            connection,
            namespace: self.namespace,
            tag,
            replica,
        };
        if let Some(replica) = &store.replica {
            let names = Names {
                log: store.log_key(),
                seq: store.seq_key(),
                pattern: format!("{}:*", glob_escape(&store.tag)),
                prefix: format!("{}:", store.tag),
            };
            super::replica::follow(source, names, replica);
        }
        Ok(store)
    }
}

/// `pattern` matching `text` literally in `SCAN MATCH`.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Refuses a `maxmemory-policy` that can evict the store's keys, unless allowed.
async fn check_policy(
    connection: &mut Conn,
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
            strict: false,
            propagation_bound: DEFAULT_PROPAGATION_BOUND,
            max_local_entries: DEFAULT_MAX_LOCAL_ENTRIES,
        }
    }

    /// Whether this instance answers guarded requests from its local view now (`false` in
    /// strict mode, and while the view is being copied or cannot be sure it is current): for
    /// a readiness probe, or a test waiting for it.
    pub fn view_is_current(&self) -> bool {
        self.replica.as_ref().is_some_and(|r| r.is_current())
    }

    /// The entries the local view holds now (revoked tokens, live logins, "log out
    /// everywhere" instants); `None` in strict mode. For monitoring what an instance keeps.
    pub fn local_view_entries(&self) -> Option<usize> {
        self.replica.as_ref().map(|r| r.entries())
    }

    /// `{namespace}:` then [`write_local_key`]'s key, the namespace in braces (a hash tag).
    fn key(&self, kind: &str, issuer: &str, id: &str) -> String {
        let mut key = String::with_capacity(self.tag.len() + 32 + issuer.len() + id.len());
        key.push_str(&self.tag);
        key.push(':');
        write_local_key(&mut key, kind, issuer, id);
        key
    }

    fn log_key(&self) -> String {
        format!("{}:log", self.tag)
    }

    fn seq_key(&self) -> String {
        format!("{}:seq", self.tag)
    }

    /// `EVAL`s one of the scripts below (each starts with [`prelude`]), with the counter and
    /// the log appended to `keys`. Sent whole each time: they run on writes only (a login, a
    /// refresh, a logout).
    async fn eval<T: redis::FromRedisValue>(
        &self,
        body: &str,
        keys: &[String],
        args: &[String],
    ) -> Result<T, StoreError> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(format!("{}{body}", prelude()))
            .arg(keys.len() + 2)
            .arg(keys)
            .arg(self.seq_key())
            .arg(self.log_key())
            .arg(args);
        let mut conn = self.connection.clone();
        cmd.query_async(&mut conn).await.map_err(error)
    }

    /// After a write whose last log entry is `seq` (0: nothing written), waits until this
    /// instance's view holds it, so that its next request sees the write.
    async fn settle(&self, seq: u64) {
        if let (Some(replica), true) = (&self.replica, seq > 0) {
            replica.wait_applied(seq).await;
        }
    }

    /// The status of `token` from the two values that decide it: its `jti` key, and what
    /// stands for it besides (its login, or its identity's cut-off). One rule for the answers
    /// of Redis and of the local view.
    fn decide(
        token: TokenRef<'_>,
        jti: Option<&str>,
        other: Other<'_>,
        now_ms: u64,
    ) -> TokenStatus {
        match jti {
            Some(v) if v.starts_with('u') => return TokenStatus::Used,
            Some(_) => return TokenStatus::Revoked,
            None => {}
        }
        match other {
            Other::CutOff(value) => {
                // A value we cannot read counts as "everything before the end of time".
                let before = value.map(|v| {
                    v.split(' ')
                        .next()
                        .and_then(|b| b.parse::<u64>().ok())
                        .unwrap_or(u64::MAX)
                });
                match token.cut_off(before) {
                    true => TokenStatus::Revoked,
                    false => TokenStatus::Active,
                }
            }
            Other::Login(Some(l)) if l.until < now_ms / 1000 => TokenStatus::Revoked,
            Other::Login(Some(l)) if token.refresh => {
                generation_status(token.generation, l.generation, l.grace_until_ms, now_ms)
            }
            Other::Login(Some(_)) => TokenStatus::Active,
            // Not held (ended, logged out everywhere, expired or evicted) or unreadable.
            Other::Login(None) => TokenStatus::Revoked,
        }
    }

    /// What Redis answered for the second key of `token` (its login's field, or its
    /// identity's cut-off), as [`decide`](Self::decide) takes it.
    fn other_of<'v>(token: TokenRef<'_>, value: Option<&'v str>) -> Other<'v> {
        match token.family {
            Some(_) => Other::Login(value.and_then(Login::parse)),
            None => Other::CutOff(value),
        }
    }

    /// The status from the local view.
    fn status_in(view: &View, token: TokenRef<'_>, now_ms: u64) -> TokenStatus {
        let jti = view.jti(token.issuer, token.jti);
        let other = match token.family {
            Some(family) => Other::Login(view.login(token.issuer, token.identity, family)),
            None => Other::CutOff(view.cut_off(token.issuer, token.identity)),
        };
        Self::decide(token, jti, other, now_ms)
    }
}

/// What decides a token's status besides its `jti` key.
enum Other<'a> {
    /// A token of a login: the login's field, read (`None`: not held, or unreadable).
    Login(Option<Login>),
    /// A token minted outside a login: its identity's cut-off value, if any.
    CutOff(Option<&'a str>),
}

/// The start of every write script. `extend` sets a key's expiry to `untl` (Unix seconds;
/// `now_s` the caller's clock) unless it already lasts longer (compared here rather than with
/// `EXPIRE .. GT`, for Redis 6). `publish` appends a key's whole new state to the log (the
/// last key; the counter is the one before it), numbered, trimming entries older than the
/// retention by Redis's clock, and returns the number. Needs Redis 6.2 (`XADD .. MINID`).
fn prelude() -> String {
    let log_ttl = 2 * LOG_RETENTION_MS;
    format!(
        r"
local SEQ = KEYS[#KEYS - 1]
local LOG = KEYS[#KEYS]
local function extend(key, untl, now_s)
  local ttl = redis.call('TTL', key)
  if ttl == -1 or ttl < tonumber(untl) - tonumber(now_s) then
    redis.call('EXPIREAT', key, untl)
  end
end
local function publish(key)
  local n = redis.call('INCR', SEQ)
  local t = redis.call('TIME')
  local minid = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - {LOG_RETENTION_MS}
  if minid < 0 then minid = 0 end
  local args = {{'XADD', LOG, 'MINID', '~', string.format('%d', minid), '*',
    'n', string.format('%d', n), 'k', key}}
  local kind = redis.call('TYPE', key)['ok']
  if kind == 'hash' then
    table.insert(args, 't'); table.insert(args, 'h')
    local fields = redis.call('HGETALL', key)
    for i = 1, #fields do table.insert(args, fields[i]) end
  elseif kind == 'string' then
    table.insert(args, 't'); table.insert(args, 's'); table.insert(args, 'v')
    table.insert(args, redis.call('GET', key))
  else
    table.insert(args, 't'); table.insert(args, 'd')
  end
  redis.call(unpack(args))
  redis.call('PEXPIRE', LOG, {log_ttl})
  return n
end
"
    )
}

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
return publish(KEYS[1])
";

/// Exchanges a refresh token: the same rule as `revocation::rotation`, atomically in Redis.
/// KEYS: the identity's hash, the token's jti key. ARGV: family, presented generation (`-`
/// for none), now_ms, grace_ms, until, now (seconds). Returns `{1, gen, n}` rotated,
/// `{2, gen, 0}` grace, `{3, 0, 0}` revoked, `{4, 0, n}` reused (the login is ended), `n` the
/// log entry of the change.
const ROTATE: &str = r"
if redis.call('EXISTS', KEYS[2]) == 1 then return {3, 0, 0} end
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value then return {3, 0, 0} end
local gen, grace, created, untl = string.match(value, '^(%d+) (%d+) (%d+) (%d+)$')
if not untl or tonumber(untl) < tonumber(ARGV[6]) then return {3, 0, 0} end
gen = tonumber(gen)
local presented = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
if presented == nil or presented > gen then return {3, 0, 0} end
if presented == gen then
  local new_until = math.max(tonumber(untl), tonumber(ARGV[5]))
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d %d %s %d', gen + 1,
    now + tonumber(ARGV[4]), created, new_until))
  extend(KEYS[1], ARGV[5], ARGV[6])
  return {1, gen + 1, publish(KEYS[1])}
end
if presented + 1 == gen and now < tonumber(grace) then return {2, gen, 0} end
redis.call('HDEL', KEYS[1], ARGV[1])
return {4, 0, publish(KEYS[1])}
";

/// Ends one login. KEYS: the identity's hash. ARGV: family. Returns the log entry.
const END: &str = r"
redis.call('HDEL', KEYS[1], ARGV[1])
return publish(KEYS[1])
";

/// Revokes one token (`r`) or marks a refresh token spent (`u`, only if nothing is there
/// yet). KEYS: the jti key. ARGV: `r` or `u`, ttl, until. Returns `{set, n}`.
const MARK: &str = r"
if ARGV[1] == 'u' and redis.call('EXISTS', KEYS[1]) == 1 then return {0, 0} end
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. ARGV[3], 'EX', ARGV[2])
return {1, publish(KEYS[1])}
";

/// "Log out everywhere". KEYS: the identity's hash, its cut-off key. ARGV: before_ms, ttl,
/// until. Every login ends; the cut-off (`{before_ms} {until}`) moves forward, never back,
/// and keeps the longest life. Returns the last log entry.
const LOG_OUT_EVERYWHERE: &str = r"
redis.call('DEL', KEYS[1])
publish(KEYS[1])
local current = redis.call('GET', KEYS[2]) or '0 0'
local old, old_until = string.match(current, '^(%d+) ?(%d*)$')
old = tonumber(old or '0')
old_until = tonumber(old_until) or 0
local before = math.max(tonumber(ARGV[1]), old)
local untl = math.max(tonumber(ARGV[3]), old_until)
local ttl = math.max(tonumber(ARGV[2]), redis.call('TTL', KEYS[2]))
redis.call('SET', KEYS[2], string.format('%d %d', before, untl), 'EX', ttl)
return publish(KEYS[2])
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
            Ok(Self::decide(
                token,
                jti.as_deref(),
                Self::other_of(token, other.as_deref()),
                now_ms,
            ))
        })
    }

    fn status_now(
        &self,
        token: TokenRef<'_>,
        now_ms: u64,
    ) -> Option<Result<TokenStatus, StoreError>> {
        // Only a pass is answered from the view. A refusal is confirmed by Redis: the view
        // may not hold yet a login or a refresh made on another instance a moment ago (a
        // login is an allow-list entry), and a refusal is rare where a pass is every request.
        let replica = self.replica.as_ref()?;
        replica
            .read(|view| Self::status_in(view, token, now_ms))
            .filter(|status| *status == TokenStatus::Active)
            .map(Ok)
    }

    fn begin<'a>(&'a self, login: NewLogin<'a>, now_ms: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let seq = self
                .eval::<u64>(
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
                .await?;
            self.settle(seq).await;
            Ok(())
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
            let seq = answer.get(2).copied().unwrap_or(0);
            self.settle(seq).await;
            Ok(match answer.as_slice() {
                [1, generation, _] => Rotation::Rotated {
                    generation: *generation,
                },
                [2, generation, _] => Rotation::Grace {
                    generation: *generation,
                },
                [4, ..] => Rotation::Reused,
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
            let seq: u64 = self
                .eval(
                    END,
                    &[self.key("acct", issuer, identity)],
                    &[family.to_owned()],
                )
                .await?;
            self.settle(seq).await;
            Ok(())
        })
    }

    fn revoke<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.mark("r", issuer, jti, until, now_ms).await.map(drop) })
    }

    fn consume<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { self.mark("u", issuer, jti, until, now_ms).await })
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
            let seq: u64 = self
                .eval(
                    LOG_OUT_EVERYWHERE,
                    &[
                        self.key("acct", issuer, identity),
                        self.key("cut", issuer, identity),
                    ],
                    &[
                        before_ms.to_string(),
                        ttl(until, now_ms).to_string(),
                        until.to_string(),
                    ],
                )
                .await?;
            self.settle(seq).await;
            Ok(())
        })
    }
}

impl RedisStore {
    /// Writes a token's `jti` key: `r` (revoked) always, `u` (spent) only when nothing is
    /// there; `true` when written.
    async fn mark(
        &self,
        mark: &str,
        issuer: &str,
        jti: &str,
        until: u64,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let answer: Vec<u64> = self
            .eval(
                MARK,
                &[self.key("jti", issuer, jti)],
                &[
                    mark.to_owned(),
                    ttl(until, now_ms).to_string(),
                    until.to_string(),
                ],
            )
            .await?;
        let seq = answer.get(1).copied().unwrap_or(0);
        self.settle(seq).await;
        Ok(answer.first() == Some(&1))
    }
}

#[cfg(test)]
mod tests {
    use super::Login;

    #[test]
    fn a_login_field_is_read_whole_or_not_at_all() {
        let login = Login::parse("3 1700000000500 1690000000000 1700000100").expect("login");
        assert_eq!(
            (login.generation, login.grace_until_ms, login.until),
            (3, 1_700_000_000_500, 1_700_000_100)
        );
        for bad in [
            "",
            "3 1 2",
            "3  1 2 4",
            "3 1 2 x",
            "3 1 2 -4",
            "3 1 2 18446744073709551616",
            "3 1 2 4 5",
        ] {
            assert!(Login::parse(bad).is_none(), "{bad:?}");
        }
    }
}
