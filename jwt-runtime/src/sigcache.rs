//! An optional, bounded cache of verified signatures, keyed by the whole token string.
//!
//! A signature check is a pure function of the key (fixed for a `Jwt` handle), the signing
//! input and the signature, and all of those are bytes of the token string. So the exact
//! string that verified once verifies again; the cache skips only that check. Everything else
//! (header, claims, times, issuer, audience, type, custom claims, revocation) is still done on
//! every request. A token differing in any byte (another encoding of the same signature
//! included) is a different key and is checked in full.

use std::collections::HashSet;
use std::sync::RwLock;

/// Remembers up to `capacity` token strings whose signature verified.
pub(crate) struct SignatureCache {
    seen: RwLock<HashSet<Box<str>>>,
    capacity: usize,
}

impl SignatureCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            seen: RwLock::new(HashSet::with_capacity(capacity.min(4096))),
            capacity,
        }
    }

    /// Whether this exact token's signature verified before.
    pub(crate) fn contains(&self, token: &str) -> bool {
        self.seen.read().is_ok_and(|seen| seen.contains(token))
    }

    /// Records a token whose signature just verified. When full, the cache starts over: the
    /// bound holds, and a forgotten token is simply verified in full again.
    pub(crate) fn insert(&self, token: &str) {
        if let Ok(mut seen) = self.seen.write() {
            if seen.len() >= self.capacity {
                seen.clear();
            }
            seen.insert(token.into());
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.seen.read().map_or(0, |s| s.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_exact() {
        let c = SignatureCache::new(2);
        c.insert("a.b.c");
        assert!(c.contains("a.b.c"));
        assert!(!c.contains("a.b.C"));
        assert!(!c.contains("a.b"));
        c.insert("d.e.f");
        c.insert("g.h.i");
        assert!(c.len() <= 2);
        assert!(c.contains("g.h.i"));
    }
}
