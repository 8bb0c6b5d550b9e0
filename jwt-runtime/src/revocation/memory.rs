//! [`MemoryStore`]: revocation for a single instance, bounded in memory.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::{StoreError, StoreFuture, TokenRef, TokenStatus, combine};
use crate::token::clock::now;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Revoked,
    Used,
    /// Identity entries: tokens issued at or before this instant are revoked.
    Before(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jti,
    Family,
    Identity,
}

/// `issuer -> id -> (value, until)`: looked up with borrowed `&str`s, so checking a token
/// allocates nothing.
type Nested = HashMap<Box<str>, HashMap<Box<str>, (Value, u64)>>;

#[derive(Debug, Default)]
struct Maps {
    jti: Nested,
    family: Nested,
    identity: Nested,
    len: usize,
}

impl Maps {
    fn map(&self, kind: Kind) -> &Nested {
        match kind {
            Kind::Jti => &self.jti,
            Kind::Family => &self.family,
            Kind::Identity => &self.identity,
        }
    }

    fn map_mut(&mut self, kind: Kind) -> &mut Nested {
        match kind {
            Kind::Jti => &mut self.jti,
            Kind::Family => &mut self.family,
            Kind::Identity => &mut self.identity,
        }
    }

    fn get(&self, kind: Kind, issuer: &str, id: &str) -> Option<(Value, u64)> {
        self.map(kind).get(issuer)?.get(id).copied()
    }

    fn sweep(&mut self, now: u64) {
        let mut len = 0;
        for nested in [&mut self.jti, &mut self.family, &mut self.identity] {
            nested.retain(|_, inner| {
                inner.retain(|_, (_, until)| *until >= now);
                len += inner.len();
                !inner.is_empty()
            });
        }
        self.len = len;
    }
}

/// In-memory revocation for one instance (use `RedisStore` when a service runs as several).
///
/// Entries leave when the tokens they revoke would have expired anyway: expired entries are
/// ignored on read and swept on write (at most once a second, and whenever the store is
/// full). The number of entries is bounded; a revocation that finds the store full of live
/// entries fails (the request gets 503) rather than evicting a live entry, which would
/// un-revoke a token.
#[derive(Debug)]
pub struct MemoryStore {
    /// Entries held; read without the lock so that checking a token against an empty store
    /// (the common case) touches no shared lock word.
    held: AtomicUsize,
    maps: RwLock<Maps>,
    capacity: usize,
    next_sweep: AtomicU64,
}

/// Default capacity of [`MemoryStore::new`].
pub const DEFAULT_MEMORY_CAPACITY: usize = 1_000_000;

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

fn poisoned() -> StoreError {
    StoreError("memory store lock poisoned".into())
}

impl MemoryStore {
    /// A store of at most one million entries (about 100 MB at worst).
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// A store of at most `capacity` live entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            held: AtomicUsize::new(0),
            maps: RwLock::new(Maps::default()),
            capacity: capacity.max(1),
            next_sweep: AtomicU64::new(0),
        }
    }

    /// The number of entries held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.maps.read().map_or(0, |m| m.len)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired entry now.
    pub fn purge_expired(&self) {
        if let Ok(mut maps) = self.maps.write() {
            maps.sweep(now());
            self.held.store(maps.len, Ordering::Release);
        }
    }

    /// Inserts (or, with `only_if_absent`, inserts when no live entry exists). Returns
    /// whether the value was written.
    fn lookup(&self, token: TokenRef<'_>) -> Result<TokenStatus, StoreError> {
        if self.held.load(Ordering::Acquire) == 0 {
            return Ok(TokenStatus::Active);
        }
        let now = now();
        let maps = self.maps.read().map_err(|_| poisoned())?;
        let live = |kind, id: &str| maps.get(kind, token.issuer, id).filter(|(_, u)| *u >= now);
        let jti = live(Kind::Jti, token.jti).map(|(v, _)| match v {
            Value::Used => TokenStatus::Used,
            _ => TokenStatus::Revoked,
        });
        let family = token
            .family
            .is_some_and(|f| live(Kind::Family, f).is_some());
        let before = match live(Kind::Identity, token.identity) {
            Some((Value::Before(b), _)) => Some(b),
            _ => None,
        };
        Ok(combine(jti, family, before, token.issued_at))
    }

    fn put(
        &self,
        kind: Kind,
        issuer: &str,
        id: &str,
        value: Value,
        until: u64,
        only_if_absent: bool,
    ) -> Result<bool, StoreError> {
        let now = now();
        let sweep_due = self.next_sweep.load(Ordering::Relaxed) <= now;
        let mut maps = self.maps.write().map_err(|_| poisoned())?;
        if sweep_due || maps.len >= self.capacity {
            maps.sweep(now);
            self.held.store(maps.len, Ordering::Release);
            self.next_sweep
                .store(now.saturating_add(1), Ordering::Relaxed);
        }
        let existing = maps.get(kind, issuer, id);
        let live = existing.filter(|(_, u)| *u >= now);
        if only_if_absent && live.is_some() {
            return Ok(false);
        }
        if existing.is_none() && maps.len >= self.capacity {
            return Err(StoreError(format!(
                "memory store is full ({} live entries)",
                self.capacity
            )));
        }
        // Keep the longest lifetime, and for identities the latest instant.
        let entry = match (live, value) {
            (Some((Value::Before(old), old_until)), Value::Before(new)) => {
                (Value::Before(old.max(new)), old_until.max(until))
            }
            (Some((_, old_until)), _) => (value, old_until.max(until)),
            (None, _) => (value, until),
        };
        let previous = maps
            .map_mut(kind)
            .entry(issuer.into())
            .or_default()
            .insert(id.into(), entry);
        if previous.is_none() {
            maps.len += 1;
        }
        self.held.store(maps.len, Ordering::Release);
        Ok(true)
    }
}

impl super::RevocationStore for MemoryStore {
    fn status<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, TokenStatus> {
        Box::pin(async move { self.lookup(token) })
    }

    fn status_now(&self, token: TokenRef<'_>) -> Option<Result<TokenStatus, StoreError>> {
        Some(self.lookup(token))
    }

    fn revoke<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.put(Kind::Jti, issuer, jti, Value::Revoked, until, false)
                .map(drop)
        })
    }

    fn consume<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move { self.put(Kind::Jti, issuer, jti, Value::Used, until, true) })
    }

    fn revoke_family<'a>(
        &'a self,
        issuer: &'a str,
        family: &'a str,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.put(Kind::Family, issuer, family, Value::Revoked, until, false)
                .map(drop)
        })
    }

    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.put(
                Kind::Identity,
                issuer,
                identity,
                Value::Before(before),
                until,
                false,
            )
            .map(drop)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::RevocationStore;

    fn token<'a>(jti: &'a str, iat: u64) -> TokenRef<'a> {
        TokenRef {
            issuer: "",
            jti,
            family: crate::revocation::family_of(jti),
            identity: "alice",
            issued_at: Some(iat),
        }
    }

    #[tokio::test]
    async fn revoke_consume_family_identity() {
        let s = MemoryStore::new();
        let far = now() + 3600;
        assert_eq!(s.status(token("f.1", 10)).await, Ok(TokenStatus::Active));
        s.revoke("", "f.1", far).await.unwrap();
        assert_eq!(s.status(token("f.1", 10)).await, Ok(TokenStatus::Revoked));
        assert_eq!(s.consume("", "f.2", far).await, Ok(true));
        assert_eq!(s.consume("", "f.2", far).await, Ok(false));
        assert_eq!(s.status(token("f.2", 10)).await, Ok(TokenStatus::Used));
        s.revoke_family("", "g", far).await.unwrap();
        assert_eq!(s.status(token("g.9", 10)).await, Ok(TokenStatus::Revoked));
        s.revoke_identity("", "alice", 20, far).await.unwrap();
        assert_eq!(s.status(token("h.1", 20)).await, Ok(TokenStatus::Revoked));
        assert_eq!(s.status(token("h.1", 21)).await, Ok(TokenStatus::Active));
        // A later "log out everywhere" moves the instant forward, never back.
        s.revoke_identity("", "alice", 15, far).await.unwrap();
        assert_eq!(s.status(token("h.1", 20)).await, Ok(TokenStatus::Revoked));
        // Issuers are separate namespaces.
        let other = TokenRef {
            issuer: "other",
            ..token("f.1", 10)
        };
        assert_eq!(s.status(other).await, Ok(TokenStatus::Active));
    }

    #[tokio::test]
    async fn full_store_refuses_instead_of_evicting() {
        let s = MemoryStore::with_capacity(2);
        let far = now() + 3600;
        s.revoke("", "a", far).await.unwrap();
        s.revoke("", "b", far).await.unwrap();
        assert!(s.revoke("", "c", far).await.is_err());
        assert_eq!(s.status(token("a", 1)).await, Ok(TokenStatus::Revoked));
        // Re-revoking a held entry still works.
        assert!(s.revoke("", "a", far).await.is_ok());
    }

    #[tokio::test]
    async fn expired_entries_are_ignored_and_make_room() {
        let s = MemoryStore::with_capacity(2);
        let past = now() - 1;
        s.revoke("", "a", past).await.unwrap();
        s.revoke("", "b", past).await.unwrap();
        assert_eq!(s.status(token("a", 1)).await, Ok(TokenStatus::Active));
        // Full of expired entries: the write sweeps them.
        s.revoke("", "c", now() + 60).await.unwrap();
        assert_eq!(s.len(), 1);
    }
}
