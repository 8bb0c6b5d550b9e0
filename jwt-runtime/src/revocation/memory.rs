//! [`MemoryStore`]: revocation for a single instance, bounded in memory.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{StoreError, StoreFuture, TokenRef, TokenStatus, combine};
use crate::verify::now;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Revoked,
    Used,
    /// Identity entries: tokens issued at or before this instant are revoked.
    Before(u64),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Jti(String, String),
    Family(String, String),
    Identity(String, String),
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
    entries: RwLock<HashMap<Key, (Value, u64)>>,
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

impl MemoryStore {
    /// A store of at most one million entries (about 100 MB at worst).
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// A store of at most `capacity` live entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            capacity: capacity.max(1),
            next_sweep: AtomicU64::new(0),
        }
    }

    /// The number of entries held, expired ones not yet swept included.
    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |e| e.len())
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every expired entry now.
    pub fn purge_expired(&self) {
        let now = now();
        if let Ok(mut entries) = self.entries.write() {
            entries.retain(|_, (_, until)| *until >= now);
            entries.shrink_to_fit();
        }
    }

    fn get(&self, key: &Key, now: u64) -> Result<Option<Value>, StoreError> {
        let entries = self
            .entries
            .read()
            .map_err(|_| StoreError("memory store lock poisoned".into()))?;
        Ok(entries
            .get(key)
            .filter(|(_, until)| *until >= now)
            .map(|(v, _)| *v))
    }

    /// Inserts (or, with `only_if_absent`, inserts when no live entry exists). Returns
    /// whether the value was written.
    fn put(
        &self,
        key: Key,
        value: Value,
        until: u64,
        only_if_absent: bool,
    ) -> Result<bool, StoreError> {
        let now = now();
        let sweep_due = self.next_sweep.load(Ordering::Relaxed) <= now;
        let mut entries = self
            .entries
            .write()
            .map_err(|_| StoreError("memory store lock poisoned".into()))?;
        if sweep_due || entries.len() >= self.capacity {
            entries.retain(|_, (_, until)| *until >= now);
            self.next_sweep
                .store(now.saturating_add(1), Ordering::Relaxed);
        }
        let live = entries.get(&key).filter(|(_, u)| *u >= now).copied();
        if only_if_absent && live.is_some() {
            return Ok(false);
        }
        if live.is_none() && entries.len() >= self.capacity {
            return Err(StoreError(format!(
                "memory store is full ({} live entries)",
                self.capacity
            )));
        }
        let until = match (live, value) {
            // Keep the longest lifetime and the strongest value for an existing entry.
            (Some((Value::Before(old), old_until)), Value::Before(new)) => {
                entries.insert(key, (Value::Before(old.max(new)), old_until.max(until)));
                return Ok(true);
            }
            (Some((_, old_until)), _) => old_until.max(until),
            (None, _) => until,
        };
        entries.insert(key, (value, until));
        Ok(true)
    }
}

fn owned(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

impl super::RevocationStore for MemoryStore {
    fn status<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, TokenStatus> {
        Box::pin(async move {
            let now = now();
            let (i, j) = owned(token.issuer, token.jti);
            let jti = match self.get(&Key::Jti(i, j), now)? {
                Some(Value::Used) => Some(TokenStatus::Used),
                Some(_) => Some(TokenStatus::Revoked),
                None => None,
            };
            let family = match token.family {
                Some(f) => self
                    .get(&Key::Family(token.issuer.into(), f.into()), now)?
                    .is_some(),
                None => false,
            };
            let before = match self.get(
                &Key::Identity(token.issuer.into(), token.identity.into()),
                now,
            )? {
                Some(Value::Before(b)) => Some(b),
                _ => None,
            };
            Ok(combine(jti, family, before, token.issued_at))
        })
    }

    fn revoke<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let (i, j) = owned(issuer, jti);
            self.put(Key::Jti(i, j), Value::Revoked, until, false)
                .map(drop)
        })
    }

    fn consume<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let (i, j) = owned(issuer, jti);
            self.put(Key::Jti(i, j), Value::Used, until, true)
        })
    }

    fn revoke_family<'a>(
        &'a self,
        issuer: &'a str,
        family: &'a str,
        until: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let (i, f) = owned(issuer, family);
            self.put(Key::Family(i, f), Value::Revoked, until, false)
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
            let (i, s) = owned(issuer, identity);
            self.put(Key::Identity(i, s), Value::Before(before), until, false)
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
