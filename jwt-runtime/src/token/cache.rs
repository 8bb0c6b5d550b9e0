//! The bounded cache of verified tokens, keyed by the whole token string (on by default).
//!
//! What a hit skips is a pure function of the token string and the handle's fixed
//! configuration (keys, algorithm, claim names, prefix): the signature check, the header checks
//! and the decoding. So the exact string that verified once yields the same claims again, and
//! the cache keeps them, shared behind an `Arc`. Every claim is still validated on every
//! request, hit or miss: `exp`, `nbf` and `iat` against the clock, the type against the kind
//! the route asks for, the issuer, the audience, the custom claims, and (by the caller)
//! revocation and CSRF. A token differing in any byte, another encoding of the same signature
//! included, is another key and is verified in full. Only tokens that verified are stored, so
//! a forger cannot fill it.
//!
//! Each handle has its own cache: [`SHARDS`] locks, each over a map of at most
//! `capacity / SHARDS` entries that forgets its oldest entry when full (first in, first out).
//! An entry is found by a hash of the whole token string and of the private-claims type, keyed
//! at random for each handle (std's SipHash), so nobody outside can aim tokens at one shard. A
//! hit also needs the whole string to be equal, compared without stopping at the first
//! difference.

use std::any::{Any, TypeId};
use std::collections::VecDeque;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, RwLock};

use hashbrown::HashTable;
use subtle::ConstantTimeEq;

/// A verified token's decoded claims (`Claims<C>`), which hold the token string they came
/// from. The private-claims type `C` is erased; [`TokenCache::get`] finds it again.
pub(crate) trait Verified: Any + Send + Sync {
    /// The token string, as presented.
    fn token(&self) -> &str;
}

/// Independent locks, so that requests carrying different tokens do not contend.
const SHARDS: usize = 8;
/// Default capacity of the [verified-token cache](crate::JwtBuilder::token_cache): 4,096
/// tokens.
pub const DEFAULT_TOKEN_CACHE: usize = 4096;
/// The largest capacity accepted.
pub(crate) const MAX_CAPACITY: usize = 1 << 20;

/// One shard: entries found by their keyed hash (already a hash made with the handle's random
/// key, so hashbrown's `HashTable` uses it as it is), and their hashes oldest first.
struct Shard {
    entries: HashTable<(u64, Arc<dyn Verified>)>,
    order: VecDeque<u64>,
}

/// A lookup that found nothing: the token's keyed hash, for [`TokenCache::insert`] once the
/// token verified (so it is hashed once per request).
pub(crate) struct Miss(u64);

/// Remembers up to `capacity` verified tokens (rounded up to a multiple of [`SHARDS`]) and
/// their decoded claims.
pub(crate) struct TokenCache {
    keys: RandomState,
    shards: [RwLock<Shard>; SHARDS],
    per_shard: usize,
}

impl TokenCache {
    /// `capacity` is at most [`MAX_CAPACITY`] (the builder checks it). The maps are sized
    /// for it here: filling them allocates nothing, and a full map grows at most once, when
    /// removals have left too many deleted marks in it.
    pub(crate) fn new(capacity: usize) -> Self {
        let per_shard = capacity.clamp(1, MAX_CAPACITY).div_ceil(SHARDS);
        Self {
            keys: RandomState::new(),
            shards: std::array::from_fn(|_| {
                RwLock::new(Shard {
                    entries: HashTable::with_capacity(per_shard),
                    order: VecDeque::with_capacity(per_shard),
                })
            }),
            per_shard,
        }
    }

    /// The most tokens it holds.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.per_shard * SHARDS
    }

    /// The key of a token read as `T`: every byte of the token counts, so two tokens that
    /// share any part (a signature, a header, claims) are two keys.
    fn hash<T: 'static>(&self, token: &str) -> u64 {
        self.keys.hash_one((token, TypeId::of::<T>()))
    }

    fn shard(&self, hash: u64) -> &RwLock<Shard> {
        // Bits the tables do not use: their low bits pick a bucket, their top 7 a tag.
        &self.shards[(hash >> 32) as usize % SHARDS]
    }

    /// The data of this exact token string if it verified before and was read with the same
    /// private-claims type `T`; otherwise the [`Miss`] to insert it with.
    pub(crate) fn get<T: Verified>(&self, token: &str) -> Result<Arc<T>, Miss> {
        let hash = self.hash::<T>(token);
        let Ok(shard) = self.shard(hash).read() else {
            return Err(Miss(hash));
        };
        shard
            .entries
            .find(hash, |(h, _)| *h == hash)
            .map(|(_, data)| data)
            .filter(|data| same(data.token(), token))
            .and_then(|data| {
                // Trait upcasting: `Verified` has `Any + Send + Sync` as supertraits.
                let any: Arc<dyn Any + Send + Sync> = data.clone();
                any.downcast::<T>().ok()
            })
            .ok_or(Miss(hash))
    }

    /// Records a token that just verified in full; a full shard forgets its oldest entry.
    pub(crate) fn insert<T: Verified>(&self, miss: Miss, data: Arc<T>) {
        let Miss(hash) = miss;
        let Ok(mut shard) = self.shard(hash).write() else {
            return;
        };
        let shard = &mut *shard;
        if let Some((_, entry)) = shard.entries.find_mut(hash, |(h, _)| *h == hash) {
            *entry = data;
            return;
        }
        if shard.entries.len() >= self.per_shard
            && let Some(oldest) = shard.order.pop_front()
            && let Ok(entry) = shard.entries.find_entry(oldest, |(h, _)| *h == oldest)
        {
            entry.remove();
        }
        shard.entries.insert_unique(hash, (hash, data), |(h, _)| *h);
        shard.order.push_back(hash);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |s| s.entries.len()))
            .sum()
    }
}

/// Whole-string equality that reads every byte (no early exit, so the time does not tell how
/// much of a string matched); the lengths are compared first, they are not secret.
///
/// The differences are folded in one pass the compiler vectorises, and `subtle` turns the
/// result into the answer behind its optimisation barrier. `subtle`'s own slice comparison
/// puts that barrier on every byte: for a 400-byte token it made a cache hit several times
/// slower (1.9 µs against 0.3 µs in `cargo bench --bench verify`).
fn same(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let difference = a
        .bytes()
        .zip(b.bytes())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    bool::from(difference.ct_eq(&0))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Entry<T>(String, T);

    impl<T: Send + Sync + 'static> Verified for Entry<T> {
        fn token(&self) -> &str {
            &self.0
        }
    }

    fn put<T: Send + Sync + 'static>(c: &TokenCache, token: &str, value: T) {
        if let Err(miss) = c.get::<Entry<T>>(token) {
            c.insert(miss, Arc::new(Entry(token.to_owned(), value)));
        }
    }

    fn value<T: Copy + Send + Sync + 'static>(c: &TokenCache, token: &str) -> Option<T> {
        c.get::<Entry<T>>(token).ok().map(|e| e.1)
    }

    #[test]
    fn exact_strings_only() {
        let c = TokenCache::new(64);
        put(&c, "a.b.c", 1u32);
        assert_eq!(value::<u32>(&c, "a.b.c"), Some(1));
        for other in ["a.b.C", "a.b", "a.b.c.", "", " a.b.c"] {
            assert_eq!(value::<u32>(&c, other), None, "{other:?}");
        }
    }

    #[test]
    fn strings_sharing_a_part_are_told_apart() {
        let c = TokenCache::new(64);
        let signature = "s".repeat(342);
        let (a, b) = (format!("a.b.{signature}"), format!("x.y.{signature}"));
        put(&c, &a, 1u32);
        // The same signature under other claims, the same claims under another signature.
        for other in [
            b.clone(),
            signature.clone(),
            format!("a.b.{signature}s"),
            format!("a.b.t{}", &signature[1..]),
        ] {
            assert_eq!(value::<u32>(&c, &other), None, "{other}");
        }
        assert_eq!(value::<u32>(&c, &a), Some(1));
        assert!(same(&a, &a) && !same(&a, &b) && !same(&a, &a[1..]));
        // Differences that would cancel out if they were folded with `^` instead of `|`
        // (what a cache hit on a colliding hash relies on): two bytes off by the same bit.
        assert!(!same("a.b.bc", "a.b.cb") && !same("xxbxc", "xxcxb"));
    }

    #[test]
    fn another_type_is_a_miss_and_both_types_are_kept() {
        let c = TokenCache::new(64);
        put(&c, "a.b.c", 1u32);
        // Another private-claims type is a miss, never a wrong cast...
        assert_eq!(value::<u64>(&c, "a.b.c"), None);
        // ...and one token read on two routes with two types is kept for both.
        put(&c, "a.b.c", 2u64);
        assert_eq!(value::<u64>(&c, "a.b.c"), Some(2));
        assert_eq!(value::<u32>(&c, "a.b.c"), Some(1));
    }

    #[test]
    fn the_bound_holds_and_the_oldest_entries_leave_first() {
        let c = TokenCache::new(100);
        assert_eq!(c.capacity(), 104);
        for i in 0..10_000u32 {
            put(&c, &format!("x.y.{i}"), i);
        }
        assert!(c.len() <= 104, "{} entries", c.len());
        // The newest token of each shard is kept: the last 8 tokens, whatever their shards.
        for i in 9_992..10_000u32 {
            assert_eq!(value::<u32>(&c, &format!("x.y.{i}")), Some(i));
        }
        assert_eq!(value::<u32>(&c, "x.y.0"), None);
    }

    #[test]
    fn a_working_set_under_the_capacity_stays_whole() {
        // 2,000 tokens read in turn by a cache of 4,096: after the first round, every read is
        // a hit (with 4,096 / 8 per shard, a shard would need 512 of the 2,000 to overflow).
        let c = TokenCache::new(4096);
        let tokens: Vec<String> = (0..2000).map(|i| format!("t.{i}.{i:040}")).collect();
        for (i, token) in tokens.iter().enumerate() {
            put(&c, token, i);
        }
        for round in 0..2 {
            for (i, token) in tokens.iter().enumerate() {
                assert_eq!(value::<usize>(&c, token), Some(i), "round {round}");
            }
        }
    }

    #[test]
    fn each_handle_has_its_own_hash_key() {
        let (a, b) = (TokenCache::new(64), TokenCache::new(64));
        let differ = (0..8).any(|i| {
            let t = format!("t.{i}");
            a.hash::<u8>(&t) != b.hash::<u8>(&t)
        });
        assert!(differ);
    }
}
