//! The local view of a [`RedisStore`](super::RedisStore)'s keys, so that a guarded request is
//! answered without a round trip to Redis.
//!
//! Every write of the store is a script that also appends the new state of each key it
//! changed to a stream (`{ns}:log`, one entry per key: its whole state, or its deletion) and
//! numbers the entry from a counter (`{ns}:seq`). Each instance keeps a copy of the keys:
//!
//! 1. it reads the counter and the stream's last id in one script, copies every key of the
//!    namespace (`SCAN`), then reads the stream from that id on: whole-key states applied in
//!    order converge on Redis's state, whatever the copy caught of the writes made meanwhile;
//! 2. it then reads the stream on a connection of its own, five times per lease when idle and
//!    at once when a write of this instance waits for its entry. An entry whose number is not
//!    the next one (the stream was trimmed past it, Redis restarted) and any connection error
//!    start over at 1; a view over its size limit is dropped and copied again later.
//!
//! The view answers only while it is **current**: a read of the stream sent less than the
//! lease ago (100 ms by default) came back. A revocation committed before that read was sent
//! is in the view, so a token revoked on one instance is refused by every instance within the
//! lease, or the instance is not current. Not current (starting, copying, reconnecting, Redis
//! paused or down, the view over its size limit), the store asks Redis for every request, as
//! in strict mode, and so fails closed when Redis cannot answer.
//!
//! Entries expire with the tokens they concern (each value carries its `until`), so the view
//! holds what Redis holds: live logins and live revocations.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

use redis::Value;

use super::conn::{Conn, Source};
use super::{Nested, get};

/// One key's state, as Redis holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A string (`{value} {until}`).
    Text(Box<str>),
    /// An identity's logins: family -> its field, read once here rather than on every check.
    /// A field that cannot be read is left out: a login the view does not hold is refused,
    /// as one Redis cannot read is.
    Hash(HashMap<Box<str>, Login>),
}

/// A login's field (`generation grace_until_ms created_ms until`), read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Login {
    pub(crate) generation: u64,
    pub(crate) grace_until_ms: u64,
    /// Unix seconds.
    pub(crate) until: u64,
}

impl Login {
    /// Reads a field whole (four decimal numbers) or not at all.
    pub(crate) fn parse(value: &str) -> Option<Login> {
        let mut parts = value.split(' ').map(str::parse::<u64>);
        let generation = parts.next()?.ok()?;
        let grace_until_ms = parts.next()?.ok()?;
        let _created = parts.next()?.ok()?;
        let until = parts.next()?.ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Login {
            generation,
            grace_until_ms,
            until,
        })
    }
}

/// A hash's fields, each read as a login (see [`Entry::Hash`]).
fn logins<F: Into<Box<str>>>(pairs: impl Iterator<Item = (F, impl AsRef<str>)>) -> Entry {
    Entry::Hash(
        pairs
            .filter_map(|(f, v)| Some((f.into(), Login::parse(v.as_ref())?)))
            .collect(),
    )
}

/// The kinds of key a check reads (see [`write_local_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A token revoked or spent: `u…`/`r…` then its `until`.
    Jti,
    /// An identity's "log out everywhere" instant: `{before_ms} {until}`.
    Cut,
    /// An identity's logins: a hash, family -> login.
    Acct,
}

/// Appends `{kind}:{len(iss)}:{iss}:{id}`, a key of the store after its `{namespace}:`
/// prefix: the issuer's length keeps issuers that contain `:` (URLs) from colliding with
/// ids. The length is written without `fmt`, which cost more than the rest of the key.
pub(crate) fn write_local_key(out: &mut String, kind: &str, issuer: &str, id: &str) {
    out.push_str(kind);
    out.push(':');
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut len = issuer.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (len % 10) as u8;
        len /= 10;
        if len == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
    out.push(':');
    out.push_str(issuer);
    out.push(':');
    out.push_str(id);
}

/// What [`write_local_key`] wrote: `None` for a key of no kind a check reads.
fn split_local_key(key: &str) -> Option<(Kind, &str, &str)> {
    let (kind, rest) = key.split_once(':')?;
    let kind = match kind {
        "jti" => Kind::Jti,
        "cut" => Kind::Cut,
        "acct" => Kind::Acct,
        _ => return None,
    };
    let (len, rest) = rest.split_once(':')?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let len: usize = len.parse().ok()?;
    let issuer = rest.get(..len)?;
    let id = rest.get(len..)?.strip_prefix(':')?;
    Some((kind, issuer, id))
}

/// Sets (`Some`) or removes (`None`) one value; returns the one it replaces.
fn set<V>(map: &mut Nested<V>, issuer: &str, id: &str, value: Option<V>) -> Option<V> {
    match value {
        Some(value) => match map.get_mut(issuer) {
            Some(ids) => ids.insert(id.into(), value),
            None => {
                map.insert(issuer.into(), HashMap::from([(id.into(), value)]));
                None
            }
        },
        None => {
            let ids = map.get_mut(issuer)?;
            let old = ids.remove(id);
            if ids.is_empty() {
                map.remove(issuer);
            }
            old
        }
    }
}

/// Sets a string key (removes it unless `entry` is a string); returns the entries added and
/// removed.
fn set_text(
    map: &mut Nested<Box<str>>,
    issuer: &str,
    id: &str,
    entry: Option<Entry>,
) -> (usize, usize) {
    let value = match entry {
        Some(Entry::Text(value)) => Some(value),
        _ => None,
    };
    let added = usize::from(value.is_some());
    (added, usize::from(set(map, issuer, id, value).is_some()))
}

/// The copy of the namespace's keys that checks read.
#[derive(Debug, Default)]
pub(crate) struct View {
    jtis: Nested<Box<str>>,
    cut_offs: Nested<Box<str>>,
    accounts: Nested<HashMap<Box<str>, Login>>,
    /// Strings plus hash fields: what the size limit counts.
    entries: usize,
}

/// The `until` (Unix seconds) a value ends with; a value without one never expires here.
fn until_of(value: &str) -> u64 {
    value
        .rsplit(' ')
        .next()
        .and_then(|u| u.parse().ok())
        .unwrap_or(u64::MAX)
}

impl View {
    /// Sets or removes `key` (Redis's name after `{namespace}:`). A key of no kind a check
    /// reads is not held; nor is a key whose type is not its kind's (a check would not find
    /// it either).
    pub(crate) fn apply(&mut self, key: &str, entry: Option<Entry>) {
        let Some((kind, issuer, id)) = split_local_key(key) else {
            return;
        };
        let (added, removed) = match kind {
            Kind::Jti => set_text(&mut self.jtis, issuer, id, entry),
            Kind::Cut => set_text(&mut self.cut_offs, issuer, id, entry),
            Kind::Acct => {
                let fields = match entry {
                    Some(Entry::Hash(fields)) if !fields.is_empty() => Some(fields),
                    _ => None,
                };
                let added = fields.as_ref().map_or(0, HashMap::len);
                let old = set(&mut self.accounts, issuer, id, fields);
                (added, old.map_or(0, |old| old.len()))
            }
        };
        self.entries = (self.entries + added).saturating_sub(removed);
    }

    /// The value of a token's `jti` key.
    pub(crate) fn jti(&self, issuer: &str, jti: &str) -> Option<&str> {
        get(&self.jtis, issuer, jti).map(|v| &**v)
    }

    /// The value of an identity's cut-off key.
    pub(crate) fn cut_off(&self, issuer: &str, identity: &str) -> Option<&str> {
        get(&self.cut_offs, issuer, identity).map(|v| &**v)
    }

    /// One login of an identity.
    pub(crate) fn login(&self, issuer: &str, identity: &str, family: &str) -> Option<Login> {
        get(&self.accounts, issuer, identity)?.get(family).copied()
    }

    /// Forgets what ended before `now_s`: the tokens it concerns are expired.
    pub(crate) fn prune(&mut self, now_s: u64) {
        let mut removed = 0;
        for texts in [&mut self.jtis, &mut self.cut_offs] {
            texts.retain(|_, ids| {
                ids.retain(|_, value| {
                    let keep = until_of(value) >= now_s;
                    removed += usize::from(!keep);
                    keep
                });
                !ids.is_empty()
            });
        }
        self.accounts.retain(|_, ids| {
            ids.retain(|_, fields| {
                let before = fields.len();
                fields.retain(|_, login| login.until >= now_s);
                removed += before - fields.len();
                !fields.is_empty()
            });
            !ids.is_empty()
        });
        self.entries = self.entries.saturating_sub(removed);
    }

    /// Strings plus hash fields held.
    pub(crate) fn entries(&self) -> usize {
        self.entries
    }
}

/// How the view is kept.
#[derive(Debug, Clone)]
pub(crate) struct ReplicaSettings {
    /// The longest a view answers after its last read of the stream was sent.
    pub(crate) lease: Duration,
    /// The most strings and hash fields held; beyond it the store asks Redis.
    pub(crate) max_entries: usize,
}

/// The view and whether it may answer.
#[derive(Debug)]
pub(crate) struct Replica {
    view: RwLock<View>,
    /// Start of the process's monotonic clock, for the lease.
    epoch: Instant,
    /// Monotonic milliseconds (since `epoch`) until which the view is current; 0: not.
    current_until: AtomicU64,
    /// The number of the last stream entry applied.
    applied: AtomicU64,
    settings: ReplicaSettings,
    applied_changed: tokio::sync::Notify,
    /// A write waits for its entry: the follower reads the log now instead of after its pause.
    wake: tokio::sync::Notify,
}

impl Replica {
    pub(crate) fn new(settings: ReplicaSettings) -> Self {
        Replica {
            view: RwLock::new(View::default()),
            epoch: Instant::now(),
            current_until: AtomicU64::new(0),
            applied: AtomicU64::new(0),
            settings,
            applied_changed: tokio::sync::Notify::new(),
            wake: tokio::sync::Notify::new(),
        }
    }

    fn mono_ms(&self, at: Instant) -> u64 {
        u64::try_from(at.duration_since(self.epoch).as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs `f` on the view if it is current, `None` otherwise (ask Redis).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&View) -> T) -> Option<T> {
        let until = self.current_until.load(Ordering::Acquire);
        if until == 0 || self.mono_ms(Instant::now()) >= until {
            return None;
        }
        let view = self.view.read().ok()?;
        Some(f(&view))
    }

    /// Whether the view answers now.
    pub(crate) fn is_current(&self) -> bool {
        self.read(|_| ()).is_some()
    }

    fn invalidate(&self) {
        self.current_until.store(0, Ordering::Release);
    }

    /// Waits (at most the lease) until the entry `seq` is applied, so that a write is seen
    /// by the next request on this instance; otherwise the view stops answering until it has
    /// read the stream again.
    pub(crate) async fn wait_applied(&self, seq: u64) {
        let deadline = tokio::time::Instant::now() + self.settings.lease;
        self.wake.notify_one();
        loop {
            let notified = self.applied_changed.notified();
            // A view that is not current answers nothing, and becomes current only by a read
            // of the log sent after this write: no need to wait for it.
            if self.applied.load(Ordering::Acquire) >= seq || !self.is_current() {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                if self.applied.load(Ordering::Acquire) < seq {
                    self.invalidate();
                }
                return;
            }
        }
    }

    /// Entries held (for the memory report).
    pub(crate) fn entries(&self) -> usize {
        self.view.read().map(|v| v.entries()).unwrap_or(0)
    }
}

/// The keys the follower reads.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub(crate) log: String,
    pub(crate) seq: String,
    /// `SCAN MATCH` pattern of the namespace's keys.
    pub(crate) pattern: String,
    /// `{namespace}:`, left out of the view's keys (shorter to hash and to hold).
    pub(crate) prefix: String,
}

/// Reads the counter and the stream's last id at one instant.
const SNAPSHOT: &str = r"
local seq = redis.call('GET', KEYS[1]) or '0'
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
local id = '0-0'
if #last > 0 then id = last[1][1] end
return {seq, id}
";

/// One page of the copy. KEYS: the counter (it routes the call). ARGV: cursor, `MATCH`
/// pattern, the log's key. Returns the next cursor, then `key, h|s, value` for each hash or
/// string of the page (the log and the counter left out).
const COPY_PAGE: &str = r"
local page = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 500)
local out = {page[1]}
for _, key in ipairs(page[2]) do
  if key ~= ARGV[3] and key ~= KEYS[1] then
    local kind = redis.call('TYPE', key)['ok']
    if kind == 'hash' then
      table.insert(out, key); table.insert(out, 'h'); table.insert(out, redis.call('HGETALL', key))
    elseif kind == 'string' then
      table.insert(out, key); table.insert(out, 's'); table.insert(out, redis.call('GET', key))
    end
  end
end
return out
";

/// How long the follower waits between two reads of an idle log: a fifth of the lease, so
/// that a read or two may be slow without the view going stale. (Not `XREAD BLOCK`: Redis
/// times blocked clients out on its `hz` tick, 100 ms by default, too coarse to renew a
/// 100 ms lease.)
fn poll_of(lease: Duration) -> Duration {
    (lease / 5).max(Duration::from_millis(2))
}

/// Starts the task that keeps `replica` current; it ends when the replica is dropped.
pub(crate) fn follow(source: Source, names: Names, replica: &Arc<Replica>) {
    let weak = Arc::downgrade(replica);
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(50);
        loop {
            let Some(replica) = weak.upgrade() else {
                return;
            };
            replica.invalidate();
            let lease = replica.settings.lease;
            drop(replica);
            let outcome = match source.reader(lease.max(Duration::from_secs(2))).await {
                Ok(conn) => run(conn, &names, &weak).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(Stop::Dropped) => return,
                Ok(Stop::Resync) => {
                    // A pause, so that something unreadable that stays does not make a loop
                    // of copies; meanwhile Redis answers.
                    backoff = Duration::from_millis(50);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(Stop::OverLimit(limit)) => {
                    // The view is dropped (its memory freed); Redis answers every request
                    // until a later copy fits.
                    warn(
                        "the revocation view is over its size limit; asking Redis per request",
                        &limit,
                    );
                    tokio::time::sleep(OVER_LIMIT_PAUSE).await;
                }
                Err(e) => {
                    warn(
                        "the revocation view lost Redis; asking Redis per request",
                        &e,
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
            }
        }
    });
}

/// How long an instance whose view went over its limit asks Redis before copying again.
const OVER_LIMIT_PAUSE: Duration = Duration::from_secs(10);

enum Stop {
    /// The store is gone.
    Dropped,
    /// The view holds more than its limit: dropped, to be copied again later.
    OverLimit(usize),
    /// A gap in the numbers, or an answer it cannot read: copy again.
    Resync,
}

/// Copies the keys, then follows the stream until something goes wrong.
async fn run(
    mut conn: Conn,
    names: &Names,
    weak: &Weak<Replica>,
) -> Result<Stop, redis::RedisError> {
    // 1. The counter and the stream's position, then every key.
    let (seq, mut last_id): (String, String) = redis::cmd("EVAL")
        .arg(SNAPSHOT)
        .arg(2)
        .arg(&names.seq)
        .arg(&names.log)
        .query_async(&mut conn)
        .await?;
    let mut last_seq: u64 = seq.parse().unwrap_or(0);
    let max_entries = match weak.upgrade() {
        Some(replica) => replica.settings.max_entries,
        None => return Ok(Stop::Dropped),
    };
    let mut view = View::default();
    let mut cursor = "0".to_owned();
    loop {
        // One page per call, in a script keyed by the counter: on a cluster it runs on the
        // node of the namespace's slot, where all its keys are.
        let page: Vec<Value> = redis::cmd("EVAL")
            .arg(COPY_PAGE)
            .arg(1)
            .arg(&names.seq)
            .arg(&cursor)
            .arg(&names.pattern)
            .arg(&names.log)
            .query_async(&mut conn)
            .await?;
        // Anything unreadable starts the copy over: a key skipped could be a revocation.
        let mut items = page.into_iter();
        let Some(Ok(next)) = items.next().map(redis::from_redis_value::<String>) else {
            return Ok(Stop::Resync);
        };
        cursor = next;
        loop {
            let (key, kind, value) = match (items.next(), items.next(), items.next()) {
                (Some(key), Some(kind), Some(value)) => (key, kind, value),
                (None, None, None) => break,
                _ => return Ok(Stop::Resync),
            };
            let (Ok(key), Ok(kind)) = (
                redis::from_redis_value::<String>(key),
                redis::from_redis_value::<String>(kind),
            ) else {
                return Ok(Stop::Resync);
            };
            let Some(entry) = entry_of(&kind, value) else {
                return Ok(Stop::Resync);
            };
            let local = key.strip_prefix(&names.prefix).unwrap_or(&key);
            view.apply(local, Some(entry));
        }
        if view.entries() > max_entries {
            return Ok(Stop::OverLimit(max_entries));
        }
        if cursor == "0" {
            break;
        }
    }
    let Some(replica) = weak.upgrade() else {
        return Ok(Stop::Dropped);
    };
    let settings = replica.settings.clone();
    {
        let mut current = replica.view.write().unwrap_or_else(|e| e.into_inner());
        *current = view;
    }
    replica.applied.store(last_seq, Ordering::Release);
    replica.applied_changed.notify_waiters();
    drop(replica);

    // 2. The stream from there on.
    let poll = poll_of(settings.lease);
    let mut last_prune = Instant::now();
    loop {
        let sent = Instant::now();
        let answer: Value = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(512)
            .arg("STREAMS")
            .arg(&names.log)
            .arg(&last_id)
            .query_async(&mut conn)
            .await?;
        let Some(replica) = weak.upgrade() else {
            return Ok(Stop::Dropped);
        };
        let entries = stream_entries(answer);
        let idle = entries.is_empty();
        if !entries.is_empty() {
            let mut view = replica.view.write().unwrap_or_else(|e| e.into_inner());
            for (id, number, key, entry) in entries {
                if number != last_seq + 1 {
                    drop(view);
                    replica.invalidate();
                    tracing::info!(
                        target: crate::observe::TARGET,
                        expected = last_seq + 1,
                        got = number,
                        "revocation log has a gap (trimmed, or Redis restarted): copying again"
                    );
                    return Ok(Stop::Resync);
                }
                view.apply(key.strip_prefix(&names.prefix).unwrap_or(&key), entry);
                last_seq = number;
                last_id = id;
            }
        }
        replica.applied.store(last_seq, Ordering::Release);
        replica.applied_changed.notify_waiters();
        let now = Instant::now();
        if now.duration_since(last_prune) >= Duration::from_secs(1) {
            let now_s = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let mut view = replica.view.write().unwrap_or_else(|e| e.into_inner());
            view.prune(now_s);
            last_prune = now;
        }
        if replica.entries() > settings.max_entries {
            replica.invalidate();
            let mut view = replica.view.write().unwrap_or_else(|e| e.into_inner());
            *view = View::default();
            return Ok(Stop::OverLimit(settings.max_entries));
        }
        let until = replica.mono_ms(sent) + ms(settings.lease);
        replica.current_until.store(until, Ordering::Release);
        if idle {
            // Until the pause is over or a write of this instance waits for its entry.
            let _ = tokio::time::timeout(poll, replica.wake.notified()).await;
        }
    }
}

static WARNINGS: crate::observe::RateLimit = crate::observe::RateLimit::new();

/// A WARN event, at most one a second.
fn warn(message: &'static str, detail: &dyn std::fmt::Display) {
    if let Some(held_back) = WARNINGS.allow() {
        tracing::warn!(target: crate::observe::TARGET, %detail, held_back, "{message}");
    }
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A key's state from the copy script's `h` (`HGETALL`) or `s` (`GET`) and its value;
/// `None` for anything else, which starts the copy over.
fn entry_of(kind: &str, value: Value) -> Option<Entry> {
    match (kind, value) {
        ("h", value) => {
            let pairs: Vec<(String, String)> = redis::from_redis_value(value).ok()?;
            Some(logins(pairs.into_iter()))
        }
        ("s", value) => {
            let text: String = redis::from_redis_value(value).ok()?;
            Some(Entry::Text(text.into_boxed_str()))
        }
        _ => None,
    }
}

/// The entries of an `XREAD` answer: `(id, number, key, state)`. An entry is
/// `n <number> k <key> t s|h|d` then `v <value>` (string) or the hash's field/value pairs.
/// Entries that cannot be read count as a gap (number 0).
fn stream_entries(answer: Value) -> Vec<(String, u64, String, Option<Entry>)> {
    type Streams = Vec<(String, Vec<(String, Vec<String>)>)>;
    let Ok(streams) = redis::from_redis_value::<Option<Streams>>(answer) else {
        return vec![(String::new(), 0, String::new(), None)];
    };
    let mut out = Vec::new();
    for (_, entries) in streams.into_iter().flatten() {
        for (id, fields) in entries {
            out.push(match parse_entry(&fields) {
                Some((number, key, state)) => (id, number, key, state),
                None => (id, 0, String::new(), None),
            });
        }
    }
    out
}

fn parse_entry(fields: &[String]) -> Option<(u64, String, Option<Entry>)> {
    let [n, number, k, key, t, kind, rest @ ..] = fields else {
        return None;
    };
    if n != "n" || k != "k" || t != "t" {
        return None;
    }
    let number = number.parse().ok()?;
    let state = match (kind.as_str(), rest) {
        ("d", []) => None,
        ("s", [v, value]) if v == "v" => Some(Entry::Text(value.as_str().into())),
        ("h", pairs) if pairs.len() % 2 == 0 => Some(logins(
            pairs
                .chunks_exact(2)
                .map(|p| (p[0].as_str(), p[1].as_str())),
        )),
        _ => return None,
    };
    Some((number, key.clone(), state))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn entries_are_read_positionally() {
        assert_eq!(
            parse_entry(&strings(&[
                "n",
                "7",
                "k",
                "ns:jti:0::a",
                "t",
                "s",
                "v",
                "r 99"
            ])),
            Some((7, "ns:jti:0::a".into(), Some(Entry::Text("r 99".into()))))
        );
        assert_eq!(
            parse_entry(&strings(&["n", "8", "k", "ns:acct", "t", "d"])),
            Some((8, "ns:acct".into(), None))
        );
        // A hash field may be called anything, "n" and "k" included.
        let Some((9, _, Some(Entry::Hash(fields)))) = parse_entry(&strings(&[
            "n", "9", "k", "ns:acct", "t", "h", "n", "0 0 1 5", "k", "1 0 2 6",
        ])) else {
            panic!("a hash entry");
        };
        assert_eq!(fields.len(), 2);
        assert_eq!(fields.get("k").map(|l| l.until), Some(6));
        for bad in [
            &["n", "x", "k", "a", "t", "d"][..],
            &["k", "1", "n", "a", "t", "d"],
            &["n", "1", "k", "a", "t", "s"],
            &["n", "1", "k", "a", "t", "h", "odd"],
            &["n", "1", "k", "a", "t", "q"],
        ] {
            assert_eq!(parse_entry(&strings(bad)), None, "{bad:?}");
        }
    }

    #[test]
    fn a_local_key_spells_the_issuer_length_in_decimal_and_reads_back() {
        for issuer in [
            "",
            "a",
            "https://idp:8443/x",
            "https://idp.example.com/realms/x",
            &"i".repeat(123),
        ] {
            for (kind, name) in [(Kind::Jti, "jti"), (Kind::Cut, "cut"), (Kind::Acct, "acct")] {
                let mut key = String::from("left over ");
                write_local_key(&mut key, name, issuer, "alice:1");
                assert_eq!(
                    key,
                    format!("left over {name}:{}:{issuer}:alice:1", issuer.len())
                );
                let key = &key["left over ".len()..];
                assert_eq!(split_local_key(key), Some((kind, issuer, "alice:1")));
            }
        }
        for bad in [
            "seq",
            "log:0::x",
            "jti",
            "jti:",
            "jti:1:",
            "jti:+1:a:x",
            "jti::a:x",
            "jti:2:a:x",
            "jti:1:ab",
            "jti:99999999999999999999999:a:x",
            "jti:1:\u{e9}:x",
        ] {
            assert_eq!(split_local_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_view_counts_and_prunes_what_expired() {
        let mut view = View::default();
        view.apply("jti:0::a", Some(Entry::Text("r 100".into())));
        view.apply("cut:3:iss:b", Some(Entry::Text("5 200".into())));
        view.apply(
            "acct:0::h",
            Some(logins(
                [("f1", "0 0 1 100"), ("f2", "7 9 1 300"), ("bad", "0 0 1")].into_iter(),
            )),
        );
        // Not read by any check: not held.
        view.apply("other:0::a", Some(Entry::Text("r 100".into())));
        view.apply("jti:0::h", Some(logins([("f", "0 0 1 100")].into_iter())));
        assert_eq!(view.entries(), 4);
        view.apply("jti:0::a", Some(Entry::Text("r 150".into())));
        assert_eq!(view.entries(), 4);
        assert_eq!(view.jti("", "a"), Some("r 150"));
        assert_eq!(view.jti("", "h"), None);
        assert_eq!(view.cut_off("iss", "b"), Some("5 200"));
        assert_eq!(view.cut_off("", "b"), None);
        view.prune(160);
        assert_eq!(view.jti("", "a"), None);
        assert_eq!(view.cut_off("iss", "b"), Some("5 200"));
        assert_eq!(view.login("", "h", "f1"), None);
        assert_eq!(
            view.login("", "h", "f2"),
            Some(Login {
                generation: 7,
                grace_until_ms: 9,
                until: 300
            })
        );
        assert_eq!(view.login("", "h", "bad"), None);
        assert_eq!(view.entries(), 2);
        view.apply("acct:0::h", None);
        view.apply("cut:3:iss:b", Some(Entry::Hash(HashMap::new())));
        assert_eq!(view.entries(), 0);
        assert_eq!(view.cut_off("iss", "b"), None);
        assert!(view.jtis.is_empty() && view.cut_offs.is_empty() && view.accounts.is_empty());
    }
}
