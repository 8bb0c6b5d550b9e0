//! An optional, bounded cache of verified tokens, keyed by the whole token string.
//!
//! What verification learns from a token string is a pure function of that string and the
//! handle's fixed configuration (keys, algorithm, claim names, prefix, issuer, audience): the
//! signature check, the header checks, the decoded claims and the type, issuer and audience
//! checks. So the exact string that verified once yields the same claims again, and the cache
//! keeps them, shared behind an `Arc`. What depends on the moment or on other state is checked
//! on every request even on a hit: `exp`, `nbf` and `iat` against the clock, the kind the
//! route asks for, the custom claims, and (by the caller) revocation. A token differing in any
//! byte, another encoding of the same signature included, is another key and is verified in
//! full. Only tokens that verified are stored, so a forger cannot fill the cache.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// A verified token's claims, with their private-claims type erased (`Claims<C>`).
type Erased = Arc<dyn Any + Send + Sync>;

/// Independent locks, so that requests carrying different tokens do not contend.
const SHARDS: usize = 8;

/// Remembers about `capacity` verified tokens and their decoded claims.
pub(crate) struct TokenCache {
    shards: [RwLock<HashMap<Box<str>, Erased>>; SHARDS],
    per_shard: usize,
}

impl TokenCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            shards: std::array::from_fn(|_| RwLock::new(HashMap::new())),
            per_shard: (capacity / SHARDS).max(1),
        }
    }

    fn shard(&self, token: &str) -> &RwLock<HashMap<Box<str>, Erased>> {
        // The last characters encode signature bytes, evenly spread for genuine tokens (and
        // only genuine tokens are stored). Each shard's map hashes with a random key.
        let i = token
            .as_bytes()
            .iter()
            .rev()
            .take(2)
            .fold(0usize, |acc, &b| acc * 31 + usize::from(b));
        &self.shards[i % SHARDS]
    }

    /// The data of this exact token string if it verified before and was read with the same
    /// private-claims type `T`.
    pub(crate) fn get<T: Any + Send + Sync>(&self, token: &str) -> Option<Arc<T>> {
        let entry = self.shard(token).read().ok()?.get(token).cloned()?;
        entry.downcast::<T>().ok()
    }

    /// Records a token that just verified in full. A full shard starts over: the bound holds,
    /// and a forgotten token is simply verified in full again.
    pub(crate) fn insert<T: Any + Send + Sync>(&self, token: &str, data: Arc<T>) {
        if let Ok(mut map) = self.shard(token).write() {
            if map.len() >= self.per_shard && !map.contains_key(token) {
                map.clear();
            }
            map.insert(token.into(), data);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |m| m.len()))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_typed_and_bounded() {
        let c = TokenCache::new(16);
        c.insert("a.b.c", Arc::new(1u32));
        assert_eq!(c.get::<u32>("a.b.c").as_deref(), Some(&1));
        // Another private-claims type is a miss, not a wrong cast.
        assert_eq!(c.get::<u64>("a.b.c"), None);
        assert_eq!(c.get::<u32>("a.b.C"), None);
        assert_eq!(c.get::<u32>("a.b"), None);
        for i in 0..1000 {
            c.insert(&format!("x.y.{i}"), Arc::new(i));
        }
        assert!(c.len() <= 16, "{} entries", c.len());
        assert_eq!(c.get::<i32>("x.y.999").as_deref(), Some(&999));
    }
}
