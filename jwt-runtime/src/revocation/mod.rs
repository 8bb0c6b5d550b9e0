//! Revocation: a store trait, an in-memory store and (feature `redis`) a Redis store.
//!
//! Two kinds of entries, chosen so that the state one login can create is bounded by a
//! constant and a lost entry never un-revokes a token:
//!
//! - **Logins are allow-list entries.** A login (`Jwt::login`) records its family in the store:
//!   the family id and the generation of its one current refresh token. A refresh moves the
//!   generation forward in place, so a spent refresh token is "generation below current", not a
//!   new entry; logout and "log out everywhere" delete the family. A token of a family the store
//!   does not hold is refused, so an entry that vanished (evicted, flushed) logs its login out
//!   instead of letting a revoked or spent token through.
//! - **Everything else is a deny-list entry**, keyed by `(iss, jti)` (never by the token string,
//!   `SECURITY.md` F3): one revoked token (`Jwt::revoke`), a refresh token minted outside a
//!   login that was exchanged, and the instant before which tokens of an identity minted
//!   outside a login are revoked.
//!
//! Token ids carry the family: `{family}.{unique}` for access tokens, `{family}.{generation}.
//! {unique}` for refresh tokens of a login, `{unique}` (no dot) for tokens minted outside one.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

#[cfg(feature = "redis")]
mod conn;
mod lifecycle;
mod memory;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis")]
mod replica;

pub use lifecycle::LoginBuilder;
pub(crate) use lifecycle::{Revocation, RevocationSettings, authorize, logout, refresh};
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{DEFAULT_MAX_LOCAL_ENTRIES, DEFAULT_PROPAGATION_BOUND, RedisOptions, RedisStore};

use crate::token::Token;
use crate::token::claims::TokenKind;

/// `issuer -> id -> value`, how the memory store and Redis's local view hold their entries:
/// looked up with the token's borrowed `&str`s, so a check builds no key and allocates
/// nothing.
type Nested<V> = std::collections::HashMap<Box<str>, std::collections::HashMap<Box<str>, V>>;

fn get<'m, V>(map: &'m Nested<V>, issuer: &str, id: &str) -> Option<&'m V> {
    map.get(issuer)?.get(id)
}

/// Default time a guarded request waits for the revocation store before failing closed.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_millis(500);

/// Default grace window of refresh rotation: for 30 seconds after a refresh, the refresh
/// token it spent may be exchanged again (a retry after a timeout, two tabs refreshing at
/// once) without being treated as theft. Identity providers with refresh token rotation (Okta,
/// Curity, Airlock) offer a grace period of the same kind, of seconds to tens of seconds.
pub const DEFAULT_REFRESH_GRACE: Duration = Duration::from_secs(30);

/// Default number of live logins one identity may hold; the next login ends the oldest. Enough
/// for every device and browser a person uses, few enough that one account cannot fill a
/// store.
pub const DEFAULT_MAX_LOGINS_PER_IDENTITY: usize = 200;

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
    /// Revoked: by `jti`, by its login, by identity, or its login is unknown to the store.
    Revoked,
    /// A refresh token already exchanged for new tokens (outside the grace window):
    /// presenting it again is theft.
    Used,
}

/// The outcome of [`RevocationStore::rotate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    /// The token was the login's current one: the generation moved to `generation`.
    Rotated {
        /// The generation of the new refresh token.
        generation: u64,
    },
    /// The token was the previous one and the grace window is open: new tokens of the
    /// current `generation` may be minted; nothing moved.
    Grace {
        /// The current generation, for the new refresh token.
        generation: u64,
    },
    /// An older token, or the previous one after the window: theft. The store has ended the
    /// login.
    Reused,
    /// The login is unknown (ended, logged out everywhere, expired or lost): refused.
    Revoked,
}

/// The parts of a verified token the store looks at.
#[derive(Debug, Clone, Copy)]
pub struct TokenRef<'a> {
    /// `iss`, or `""` without one.
    pub issuer: &'a str,
    /// `jti`.
    pub jti: &'a str,
    /// The login the token belongs to, if it was minted by one.
    pub family: Option<&'a str>,
    /// For a refresh token of a login, its generation (`None` for access tokens; a refresh
    /// token of a login whose id holds none is refused).
    pub generation: Option<u64>,
    /// Whether this is a refresh token.
    pub refresh: bool,
    /// The identity.
    pub identity: &'a str,
    /// `iat`, if present.
    pub issued_at: Option<u64>,
}

/// A login to record: see [`RevocationStore::begin`].
#[derive(Debug, Clone, Copy)]
pub struct NewLogin<'a> {
    /// `iss`, or `""`.
    pub issuer: &'a str,
    /// The identity.
    pub identity: &'a str,
    /// The family id, unique per login.
    pub family: &'a str,
    /// Unix time (seconds) after which the entry may be forgotten.
    pub until: u64,
    /// The most logins the identity may hold: recording one more ends the oldest.
    pub max_logins: usize,
}

/// A revocation backend. Implementations must be safe to share between instances of a
/// service: a local copy may answer only within a known bound on how stale it can be (as
/// `RedisStore`'s does), and must ask the shared store, or fail closed, when it cannot be
/// sure of that bound.
/// Every `until` is a Unix time (seconds) after which an entry may be forgotten (the tokens
/// would be expired anyway); every `now_ms` is the handle's clock, in milliseconds.
///
/// The state one login creates must stay bounded by a constant, whatever number of refreshes
/// it makes, and a login the store does not hold must be refused (see the module notes).
pub trait RevocationStore: Send + Sync + 'static {
    /// The token's status, in one round trip.
    fn status<'a>(&'a self, token: TokenRef<'a>, now_ms: u64) -> StoreFuture<'a, TokenStatus>;
    /// The token's status when the store can tell without waiting (an in-process store),
    /// sparing the future; `None` (the default) means "ask [`status`](Self::status)".
    fn status_now(
        &self,
        _token: TokenRef<'_>,
        _now_ms: u64,
    ) -> Option<Result<TokenStatus, StoreError>> {
        None
    }
    /// Records a new login at generation 0; when the identity already holds
    /// `login.max_logins` logins, its oldest one ends.
    fn begin<'a>(&'a self, login: NewLogin<'a>, now_ms: u64) -> StoreFuture<'a, ()>;
    /// Exchanges the refresh token `token` of a login, atomically: see [`Rotation`]. `grace_ms`
    /// is how long the token just spent stays exchangeable; `until` the new refresh token's
    /// end.
    fn rotate<'a>(
        &'a self,
        token: TokenRef<'a>,
        grace_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, Rotation>;
    /// Ends one login: every token of its family is refused from now on.
    fn end<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        family: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()>;
    /// Revokes one token.
    fn revoke<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()>;
    /// Marks a refresh token minted outside a login as spent, atomically: `true` for the
    /// first caller only.
    fn consume<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, bool>;
    /// "Log out everywhere": ends every login of `identity`, and revokes its tokens minted
    /// outside a login whose `iat` (in milliseconds) is at or before `before_ms`.
    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()>;
}

impl fmt::Debug for dyn RevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RevocationStore")
    }
}

/// The login and generation a token id names: `{family}.{unique}` (access) or
/// `{family}.{generation}.{unique}` (refresh); `{unique}` alone is a token minted outside a
/// login.
pub(crate) fn parse_jti(jti: &str, refresh: bool) -> (Option<&str>, Option<u64>) {
    let mut parts = jti.split('.');
    let first = parts.next().unwrap_or("");
    let Some(second) = parts.next() else {
        return (None, None);
    };
    let family = Some(first).filter(|f| !f.is_empty());
    let generation = match (refresh, parts.next()) {
        (true, Some(_)) => second.parse().ok(),
        _ => None,
    };
    (family, generation)
}

impl<'a> TokenRef<'a> {
    /// The store's view of a verified token.
    pub(crate) fn of<C>(token: &'a Token<C>) -> Self {
        let refresh = token.kind() == TokenKind::Refresh;
        // An identity provider's `jti` names no login of ours, whatever its dots.
        let (family, generation) = if token.inner.foreign {
            (None, None)
        } else {
            parse_jti(token.jti(), refresh)
        };
        TokenRef {
            issuer: token.issuer().unwrap_or(""),
            jti: token.jti(),
            family,
            generation,
            refresh,
            identity: token.identity(),
            issued_at: token.issued_at(),
        }
    }

    /// Whether a token minted outside a login is cut off by "log out everywhere" at
    /// `before_ms`. Without `iat` the token cannot prove it came later: fail closed.
    pub(crate) fn cut_off(&self, before_ms: Option<u64>) -> bool {
        match (before_ms, self.issued_at) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(before), Some(iat)) => iat.saturating_mul(1000) <= before,
        }
    }
}

/// The status of a refresh token of a login at `presented`, against the login's current
/// generation and grace window.
pub(crate) fn generation_status(
    presented: Option<u64>,
    current: u64,
    grace_until_ms: u64,
    now_ms: u64,
) -> TokenStatus {
    use std::cmp::Ordering;
    // No generation: not a token of this store's logins.
    let Some(g) = presented else {
        return TokenStatus::Revoked;
    };
    match g.cmp(&current) {
        Ordering::Equal => TokenStatus::Active,
        // The previous one, within the window opened by the rotation that spent it.
        Ordering::Less if g.saturating_add(1) == current && now_ms < grace_until_ms => {
            TokenStatus::Active
        }
        Ordering::Less => TokenStatus::Used,
        // A generation the login never reached.
        Ordering::Greater => TokenStatus::Revoked,
    }
}

/// The rotation of a login at `current` (grace until `grace_until_ms`) by a token at
/// `presented`: the new generation and grace instant to store, or the verdict.
pub(crate) fn rotation(
    presented: Option<u64>,
    current: u64,
    grace_until_ms: u64,
    grace_ms: u64,
    now_ms: u64,
) -> (Rotation, Option<(u64, u64)>) {
    match generation_status(presented, current, grace_until_ms, now_ms) {
        TokenStatus::Active if presented == Some(current) => {
            let next = current.saturating_add(1);
            (
                Rotation::Rotated { generation: next },
                Some((next, now_ms.saturating_add(grace_ms))),
            )
        }
        TokenStatus::Active => (
            Rotation::Grace {
                generation: current,
            },
            None,
        ),
        TokenStatus::Used => (Rotation::Reused, None),
        TokenStatus::Revoked => (Rotation::Revoked, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_ids_name_the_login_and_generation() {
        assert_eq!(parse_jti("fam.id", false), (Some("fam"), None));
        assert_eq!(parse_jti("fam.7.id", true), (Some("fam"), Some(7)));
        assert_eq!(parse_jti("fam.x.id", true), (Some("fam"), None));
        assert_eq!(parse_jti("fam.id", true), (Some("fam"), None));
        assert_eq!(parse_jti("plain", true), (None, None));
        assert_eq!(parse_jti(".id", false), (None, None));
    }

    #[test]
    fn generations_and_the_grace_window() {
        use TokenStatus::*;
        assert_eq!(generation_status(Some(3), 3, 0, 10), Active);
        assert_eq!(generation_status(Some(2), 3, 11, 10), Active);
        assert_eq!(generation_status(Some(2), 3, 10, 10), Used);
        assert_eq!(generation_status(Some(1), 3, 11, 10), Used);
        assert_eq!(generation_status(Some(4), 3, 11, 10), Revoked);
        assert_eq!(generation_status(None, 3, 11, 10), Revoked);
        assert_eq!(
            rotation(Some(3), 3, 0, 500, 10),
            (Rotation::Rotated { generation: 4 }, Some((4, 510)))
        );
        assert_eq!(
            rotation(Some(2), 3, 11, 500, 10),
            (Rotation::Grace { generation: 3 }, None)
        );
        assert_eq!(rotation(Some(2), 3, 10, 500, 10), (Rotation::Reused, None));
    }

    #[test]
    fn the_cut_off_is_in_milliseconds_and_fails_closed_without_iat() {
        let token = |iat| TokenRef {
            issuer: "",
            jti: "x",
            family: None,
            generation: None,
            refresh: false,
            identity: "alice",
            issued_at: iat,
        };
        assert!(!token(Some(10)).cut_off(None));
        assert!(token(Some(10)).cut_off(Some(10_000)));
        assert!(!token(Some(11)).cut_off(Some(10_999)));
        assert!(token(None).cut_off(Some(1)));
    }
}
