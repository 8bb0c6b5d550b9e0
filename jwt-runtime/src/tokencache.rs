//! The bounded cache of verified tokens, keyed by the whole token string (on by default).
//!
//! What verification learns from a token string is a pure function of that string and the
//! handle's fixed configuration (keys, algorithm, claim names, prefix, issuer, audience): the
//! signature check, the header checks, the decoded claims and the type, issuer and audience
//! checks. So the exact string that verified once yields the same claims again, and the cache
//! keeps them, shared behind an `Arc`. What depends on the moment or on other state is checked
//! on every request even on a hit: `exp`, `nbf` and `iat` against the clock, the kind the
//! route asks for, the custom claims, and (by the caller) revocation and CSRF. A token
//! differing in any byte, another encoding of the same signature included, is another key and
//! is verified in full. Only tokens that verified are stored, so a forger cannot fill it.
//!
//! The layout is fixed at build: `capacity` slots (a power of two) in sets of [`WAYS`], spread
//! over [`SHARDS`] locks; a full set forgets its oldest entry. A token's set is chosen by a
//! hash of its last [`TAIL`] characters (signature bytes, which are uniformly spread for the
//! genuine tokens stored here) with a key drawn at random for each handle (std's SipHash), so
//! nobody outside can aim tokens at one set. A hit needs the whole string to be equal,
//! compared without stopping at the first difference.

use std::any::Any;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, RwLock};

/// A verified token's decoded claims (`Claims<C>`), which hold the token string they came
/// from. The private-claims type `C` is erased; [`TokenCache::get`] finds it again.
pub(crate) trait Verified: Any + Send + Sync {
    /// The token string, as presented.
    fn token(&self) -> &str;
    /// The same data, for a checked downcast to the concrete type.
    fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// Independent locks, so that requests carrying different tokens do not contend.
const SHARDS: usize = 8;
/// Entries per set: a few tokens whose hashes collide, or one token read with two
/// private-claims types on different routes, are kept side by side.
const WAYS: usize = 4;
/// The smallest layout: one set per shard.
const MIN_SLOTS: usize = SHARDS * WAYS;
/// How many of a token's last characters place it. 32 base64url characters are 192 bits of
/// signature (HS256 signatures have 43 characters, ES256 86, RS256 342); hashing only them
/// keeps a lookup short whatever the claims.
const TAIL: usize = 32;
/// The largest capacity accepted (the slots, 24 bytes each, are allocated at build).
pub(crate) const MAX_CAPACITY: usize = 1 << 20;

struct Slot {
    hash: u64,
    data: Arc<dyn Verified>,
}

/// One lock's share of the slots, set after set.
type Shard = RwLock<Box<[Option<Slot>]>>;

/// A lookup that found nothing: the token's keyed hash, for [`TokenCache::insert`] once the
/// token verified (so it is hashed once per request).
pub(crate) struct Miss(u64);

/// Remembers up to `capacity` (rounded up to a power of two) verified tokens and their
/// decoded claims.
pub(crate) struct TokenCache {
    keys: RandomState,
    shards: [Shard; SHARDS],
    /// Sets per shard, minus one (a power of two minus one).
    set_mask: usize,
}

impl TokenCache {
    /// `capacity` is at most [`MAX_CAPACITY`] (the builder checks it); at least
    /// [`MIN_SLOTS`] slots are made.
    pub(crate) fn new(capacity: usize) -> Self {
        let slots = capacity.clamp(MIN_SLOTS, MAX_CAPACITY).next_power_of_two();
        let per_shard = slots / SHARDS;
        Self {
            keys: RandomState::new(),
            shards: std::array::from_fn(|_| {
                RwLock::new(std::iter::repeat_with(|| None).take(per_shard).collect())
            }),
            set_mask: per_shard / WAYS - 1,
        }
    }

    /// The total number of slots.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        (self.set_mask + 1) * WAYS * SHARDS
    }

    fn hash(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        self.keys
            .hash_one(&bytes[bytes.len().saturating_sub(TAIL)..])
    }

    /// The shard and the range of its slots that a hash maps to.
    fn place(&self, hash: u64) -> (&Shard, std::ops::Range<usize>) {
        // Truncating is intended: the low bits pick the shard, the next ones the set.
        let h = hash as usize;
        let set = (h / SHARDS) & self.set_mask;
        (&self.shards[h % SHARDS], set * WAYS..(set + 1) * WAYS)
    }

    /// The data of this exact token string if it verified before and was read with the same
    /// private-claims type `T`; otherwise the [`Miss`] to insert it with.
    pub(crate) fn get<T: Verified>(&self, token: &str) -> Result<Arc<T>, Miss> {
        let hash = self.hash(token);
        let (shard, set) = self.place(hash);
        let Ok(slots) = shard.read() else {
            return Err(Miss(hash));
        };
        slots[set]
            .iter()
            .flatten()
            .filter(|s| s.hash == hash && same(s.data.token(), token))
            .find_map(|s| Arc::clone(&s.data).into_any().downcast::<T>().ok())
            .ok_or(Miss(hash))
    }

    /// Records a token that just verified in full, as the newest entry of its set (the
    /// oldest one leaves).
    pub(crate) fn insert(&self, miss: Miss, data: Arc<dyn Verified>) {
        debug_assert_eq!(miss.0, self.hash(data.token()));
        let (shard, set) = self.place(miss.0);
        if let Ok(mut slots) = shard.write() {
            let ways = &mut slots[set];
            ways.rotate_right(1);
            ways[0] = Some(Slot { hash: miss.0, data });
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().map_or(0, |slots| slots.iter().flatten().count()))
            .sum()
    }
}

/// Whole-string equality that reads every byte (no early exit, so the time does not tell how
/// much of a string matched); the lengths are compared first, they are not secret.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Entry<T>(String, T);

    impl<T: Send + Sync + 'static> Verified for Entry<T> {
        fn token(&self) -> &str {
            &self.0
        }
        fn into_any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
            self
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
    fn strings_sharing_the_placing_tail_are_still_told_apart() {
        let c = TokenCache::new(64);
        let tail = "s".repeat(TAIL);
        let (a, b) = (format!("a.b.{tail}"), format!("x.y.{tail}"));
        put(&c, &a, 1u32);
        assert_eq!(value::<u32>(&c, &b), None);
        put(&c, &b, 2u32);
        assert_eq!(value::<u32>(&c, &a), Some(1));
        assert_eq!(value::<u32>(&c, &b), Some(2));
        assert_eq!(value::<u32>(&c, &tail), None);
        assert!(same(&a, &a) && !same(&a, &b) && !same(&a, &a[1..]));
    }

    #[test]
    fn another_type_is_a_miss_and_both_types_can_be_kept() {
        let c = TokenCache::new(64);
        put(&c, "a.b.c", 1u32);
        // Another private-claims type is a miss, never a wrong cast.
        assert_eq!(value::<u64>(&c, "a.b.c"), None);
        put(&c, "a.b.c", 2u64);
        assert_eq!(value::<u64>(&c, "a.b.c"), Some(2));
        assert_eq!(value::<u32>(&c, "a.b.c"), Some(1));
    }

    #[test]
    fn the_bound_holds_and_recent_tokens_stay() {
        let c = TokenCache::new(100);
        assert_eq!(c.capacity(), 128);
        for i in 0..10_000u32 {
            put(&c, &format!("x.y.{i}"), i);
        }
        assert!(c.len() <= 128, "{} entries", c.len());
        assert!(c.len() >= 64, "{} entries: the slots are used", c.len());
        // The newest entry of a set is never the one that leaves.
        assert_eq!(value::<u32>(&c, "x.y.9999"), Some(9999));
        // Any WAYS tokens are kept together, whatever their hashes: the smallest cache has
        // one set per shard.
        let c = TokenCache::new(1);
        for round in 0..3 {
            for i in 0..WAYS {
                let token = format!("p.q.{i}");
                if round > 0 {
                    assert_eq!(value::<usize>(&c, &token), Some(i), "{token} round {round}");
                } else {
                    put(&c, &token, i);
                }
            }
        }
    }

    #[test]
    fn capacities_are_rounded_and_bounded() {
        assert_eq!(TokenCache::new(1).capacity(), MIN_SLOTS);
        assert_eq!(TokenCache::new(4096).capacity(), 4096);
        assert_eq!(TokenCache::new(4097).capacity(), 8192);
    }

    #[test]
    fn each_handle_has_its_own_hash_key() {
        let (a, b) = (TokenCache::new(64), TokenCache::new(64));
        let differ = (0..8).any(|i| {
            let t = format!("t.{i}");
            a.hash(&t) != b.hash(&t)
        });
        assert!(differ);
    }
}
