//! Revocation: a store trait, an in-memory store and (feature `redis`) a Redis store.
//!
//! Entries are keyed by `(iss, jti)`, never by the token string, so a re-encoded token
//! cannot escape (`SECURITY.md` F3). A token is refused when its `jti` was revoked or spent by
//! a refresh, when its family (everything descended from one login) was revoked, or when all
//! tokens of its identity issued up to an instant were revoked ("log out everywhere").

use std::fmt;
use std::future::Future;
use std::pin::Pin;

mod lifecycle;
mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use lifecycle::DEFAULT_REVOCATION_TIMEOUT;
pub(crate) use lifecycle::{Revocation, RevocationSettings, authorize, logout, refresh};
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// The future returned by [`RevocationStore`] methods.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// The store could not answer (connection lost, timeout, full). Guarded requests then fail
/// closed with 503 `revocation_unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("revocation store error: {0}")]
pub struct StoreError(pub String);

/// What the store knows about one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenStatus {
    /// Not revoked.
    Active,
    /// Revoked: by `jti`, by family or by identity.
    Revoked,
    /// A refresh token already exchanged for new tokens: presenting it again is theft.
    Used,
}

/// The parts of a verified token the store looks at.
#[derive(Debug, Clone, Copy)]
pub struct TokenRef<'a> {
    /// `iss`, or `""` without one.
    pub issuer: &'a str,
    /// `jti`.
    pub jti: &'a str,
    /// The login the token descends from, if it has one.
    pub family: Option<&'a str>,
    /// The identity.
    pub identity: &'a str,
    /// `iat`, if present.
    pub issued_at: Option<u64>,
}

/// A revocation backend. Implementations must be safe to share between instances of a
/// service: no cache that could let one instance accept a token another has revoked.
/// Every `until` is a Unix time after which the entry may be forgotten (the token would be
/// expired anyway).
pub trait RevocationStore: Send + Sync + 'static {
    /// The token's status, in one round trip.
    fn status<'a>(&'a self, token: TokenRef<'a>) -> StoreFuture<'a, TokenStatus>;
    /// The token's status when the store can tell without waiting (an in-process store),
    /// sparing the future; `None` (the default) means "ask [`status`](Self::status)".
    fn status_now(&self, _token: TokenRef<'_>) -> Option<Result<TokenStatus, StoreError>> {
        None
    }
    /// Revokes one token.
    fn revoke<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, ()>;
    /// Marks a refresh token as spent, atomically: `true` for the first caller only.
    fn consume<'a>(&'a self, issuer: &'a str, jti: &'a str, until: u64) -> StoreFuture<'a, bool>;
    /// Revokes every token of one login.
    fn revoke_family<'a>(
        &'a self,
        issuer: &'a str,
        family: &'a str,
        until: u64,
    ) -> StoreFuture<'a, ()>;
    /// Revokes every token of `identity` issued at or before `before`.
    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before: u64,
        until: u64,
    ) -> StoreFuture<'a, ()>;
}

impl fmt::Debug for dyn RevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RevocationStore")
    }
}

/// Token ids are `{family}.{unique}`: every token minted from one login shares the family.
pub(crate) fn family_of(jti: &str) -> Option<&str> {
    jti.split_once('.')
        .map(|(family, _)| family)
        .filter(|f| !f.is_empty())
}

/// Combines the three entries that can revoke a token.
pub(crate) fn combine(
    jti: Option<TokenStatus>,
    family_revoked: bool,
    identity_revoked_before: Option<u64>,
    issued_at: Option<u64>,
) -> TokenStatus {
    if let Some(status @ (TokenStatus::Used | TokenStatus::Revoked)) = jti {
        return status;
    }
    if family_revoked {
        return TokenStatus::Revoked;
    }
    match (identity_revoked_before, issued_at) {
        // Without `iat` the token cannot prove it came later: fail closed.
        (Some(_), None) => TokenStatus::Revoked,
        (Some(before), Some(iat)) if iat <= before => TokenStatus::Revoked,
        _ => TokenStatus::Active,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_come_from_the_jti() {
        assert_eq!(family_of("fam.id"), Some("fam"));
        assert_eq!(family_of("plain"), None);
        assert_eq!(family_of(".id"), None);
    }

    #[test]
    fn combining_entries() {
        use TokenStatus::*;
        assert_eq!(combine(None, false, None, Some(5)), Active);
        assert_eq!(combine(Some(Used), false, None, Some(5)), Used);
        assert_eq!(combine(Some(Revoked), false, None, Some(5)), Revoked);
        assert_eq!(combine(None, true, None, Some(5)), Revoked);
        assert_eq!(combine(None, false, Some(5), Some(5)), Revoked);
        assert_eq!(combine(None, false, Some(5), Some(6)), Active);
        assert_eq!(combine(None, false, Some(5), None), Revoked);
    }
}
