//! [`MemoryStore`]: revocation for a single instance, bounded in memory.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use super::{
    Nested, NewLogin, Rotation, StoreError, StoreFuture, TokenRef, TokenStatus, generation_status,
    get, rotation,
};

/// One login: its current generation and grace window.
#[derive(Debug)]
struct Login {
    generation: u64,
    grace_until_ms: u64,
    created_ms: u64,
    until: u64,
    /// Taken over from a token older than this store (see [`MemoryStore`]).
    adopted: bool,
    /// An adopted login that ended: kept so that its tokens are not adopted again.
    ended: bool,
}

/// What the store holds for one identity: its logins, and the "log out everywhere" instant.
#[derive(Debug, Default)]
struct Account {
    /// By family: a request finds its login in one lookup, however many the identity holds.
    logins: HashMap<Box<str>, Login>,
    /// `(before_ms, until)`.
    cut_off: Option<(u64, u64)>,
    until: u64,
}

impl Account {
    fn login(&self, family: &str, now: u64) -> Option<&Login> {
        self.logins.get(family).filter(|l| l.until >= now)
    }

    fn cut_off_ms(&self, now: u64) -> Option<u64> {
        self.cut_off
            .filter(|(_, until)| *until >= now)
            .map(|(b, _)| b)
    }

    /// Drops expired logins and cut-off; returns how many entries left.
    fn prune(&mut self, now: u64) -> usize {
        let before = self.logins.len();
        self.logins.retain(|_, l| l.until >= now);
        let mut removed = before - self.logins.len();
        if self.cut_off.is_some_and(|(_, until)| until < now) {
            self.cut_off = None;
            removed += 1;
        }
        removed
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Deny {
    Revoked,
    Used,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Deny(Box<str>, Box<str>),
    Account(Box<str>, Box<str>),
}

#[derive(Debug, Default)]
struct State {
    accounts: Nested<Account>,
    deny: Nested<(Deny, u64)>,
    /// One entry per account and deny entry, ordered by the time it may be forgotten; an entry
    /// whose time moved later is pushed back when it comes up, so each key is here once.
    expiry: BinaryHeap<Reverse<(u64, Key)>>,
    /// Logins, deny entries and cut-offs held.
    len: usize,
}

fn get_mut<'m, V>(map: &'m mut Nested<V>, issuer: &str, id: &str) -> Option<&'m mut V> {
    map.get_mut(issuer)?.get_mut(id)
}

/// Expired entries forgotten per write: a write never pays for a sweep of the whole store.
const FORGET_PER_WRITE: usize = 8;

impl State {
    /// Forgets up to `limit` entries whose time has passed.
    fn forget_expired(&mut self, now: u64, limit: usize) {
        for _ in 0..limit {
            match self.expiry.peek() {
                Some(Reverse((until, _))) if *until < now => {}
                _ => return,
            }
            let Some(Reverse((_, key))) = self.expiry.pop() else {
                return;
            };
            match key {
                Key::Deny(issuer, jti) => {
                    let Some(&(_, until)) = get(&self.deny, &issuer, &jti) else {
                        continue;
                    };
                    if until >= now {
                        self.expiry.push(Reverse((until, Key::Deny(issuer, jti))));
                    } else if let Some(inner) = self.deny.get_mut(&issuer) {
                        inner.remove(&jti);
                        self.len -= 1;
                        if inner.is_empty() {
                            self.deny.remove(&issuer);
                        }
                    }
                }
                Key::Account(issuer, identity) => {
                    let Some(account) = get_mut(&mut self.accounts, &issuer, &identity) else {
                        continue;
                    };
                    let removed = account.prune(now);
                    let until = account.until;
                    self.len -= removed;
                    if until >= now {
                        self.expiry
                            .push(Reverse((until, Key::Account(issuer, identity))));
                    } else if let Some(inner) = self.accounts.get_mut(&issuer) {
                        // Its time is the latest of its entries': `prune` just removed them all.
                        inner.remove(&identity);
                        if inner.is_empty() {
                            self.accounts.remove(&issuer);
                        }
                    }
                }
            }
        }
    }

    /// The account of `identity`, created (and scheduled for expiry) when missing.
    fn account(&mut self, issuer: &str, identity: &str, until: u64) -> &mut Account {
        let inner = self.accounts.entry(issuer.into()).or_default();
        if !inner.contains_key(identity) {
            self.expiry.push(Reverse((
                until,
                Key::Account(issuer.into(), identity.into()),
            )));
        }
        let account = inner.entry(identity.into()).or_default();
        account.until = account.until.max(until);
        account
    }
}

/// In-memory revocation for one instance (use `RedisStore` when a service runs as several).
///
/// - **Bounded per login.** A login is one entry, whatever number of refreshes it makes; an
///   identity holds at most the configured number of logins. Entries leave when the tokens
///   they concern would have expired anyway, a few at each write: a write never sweeps the
///   whole store.
/// - **Bounded in total.** A write that needs a new entry in a store full of live entries fails
///   (503) rather than evicting a revocation. Refreshes and logouts of existing logins change
///   their entry in place, so a full store never denies them.
/// - **A restart forgets.** Revocations made before the process started are lost (use Redis
///   to keep them). So that a restart does not log everyone out, a token of a login the store
///   does not hold is accepted, and its login taken over at the token's generation, when the
///   token was issued before the store first ran; a login the store held and ended is refused.
#[derive(Debug)]
pub struct MemoryStore {
    /// Entries held; read without the lock so that checking a token against an empty store
    /// touches no shared lock word.
    held: AtomicUsize,
    /// The handle's clock at the first call, in milliseconds (0: not yet).
    started_ms: AtomicU64,
    state: RwLock<State>,
    capacity: usize,
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

fn full(capacity: usize) -> StoreError {
    StoreError(format!("memory store is full ({capacity} live entries)"))
}

impl MemoryStore {
    /// A store of at most one million entries (about 150 MB at worst).
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// A store of at most `capacity` live entries.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            held: AtomicUsize::new(0),
            started_ms: AtomicU64::new(0),
            state: RwLock::new(State::default()),
            capacity: capacity.max(1),
        }
    }

    /// The number of entries held (logins, revoked tokens, "log out everywhere" instants),
    /// expired ones not yet forgotten included.
    pub fn len(&self) -> usize {
        self.state.read().map_or(0, |s| s.len)
    }

    /// Whether the store holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every expired entry now (`now_ms`: the handle's clock).
    pub fn purge_expired(&self, now_ms: u64) {
        if let Ok(mut state) = self.state.write() {
            state.forget_expired(now_ms / 1000, usize::MAX);
            self.held.store(state.len, Ordering::Release);
        }
    }

    fn start(&self, now_ms: u64) -> u64 {
        match self.started_ms.load(Ordering::Relaxed) {
            0 => {
                let _ = self.started_ms.compare_exchange(
                    0,
                    now_ms.max(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
                self.started_ms.load(Ordering::Relaxed)
            }
            started => started,
        }
    }

    /// Whether a token of a login this store does not hold may be taken over: issued in a
    /// whole second before the store first ran, and not cut off by "log out everywhere".
    fn adoptable(&self, token: &TokenRef<'_>, cut_off_ms: Option<u64>, now_ms: u64) -> bool {
        let started = self.start(now_ms);
        let predates = token
            .issued_at
            .is_some_and(|iat| iat.saturating_add(1).saturating_mul(1000) <= started);
        predates && !token.cut_off(cut_off_ms) && (!token.refresh || token.generation.is_some())
    }

    fn lookup(&self, token: TokenRef<'_>, now_ms: u64) -> Result<TokenStatus, StoreError> {
        if self.held.load(Ordering::Acquire) == 0 {
            return Ok(match token.family {
                None => TokenStatus::Active,
                Some(_) if self.adoptable(&token, None, now_ms) => TokenStatus::Active,
                Some(_) => TokenStatus::Revoked,
            });
        }
        let now = now_ms / 1000;
        let state = self.state.read().map_err(|_| poisoned())?;
        if let Some(&(deny, until)) = get(&state.deny, token.issuer, token.jti)
            && until >= now
        {
            return Ok(match deny {
                Deny::Used => TokenStatus::Used,
                Deny::Revoked => TokenStatus::Revoked,
            });
        }
        let account = get(&state.accounts, token.issuer, token.identity);
        let cut_off = account.and_then(|a| a.cut_off_ms(now));
        let Some(family) = token.family else {
            return Ok(match token.cut_off(cut_off) {
                true => TokenStatus::Revoked,
                false => TokenStatus::Active,
            });
        };
        Ok(match account.and_then(|a| a.login(family, now)) {
            Some(login) if login.ended => TokenStatus::Revoked,
            Some(login) if token.refresh => generation_status(
                token.generation,
                login.generation,
                login.grace_until_ms,
                now_ms,
            ),
            Some(_) => TokenStatus::Active,
            None if self.adoptable(&token, cut_off, now_ms) => TokenStatus::Active,
            None => TokenStatus::Revoked,
        })
    }

    /// Runs a write under the lock, after forgetting a few expired entries.
    fn write<T>(
        &self,
        now_ms: u64,
        f: impl FnOnce(&mut State, u64) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.start(now_ms);
        let now = now_ms / 1000;
        let mut state = self.state.write().map_err(|_| poisoned())?;
        state.forget_expired(now, FORGET_PER_WRITE);
        let result = f(&mut state, now);
        self.held.store(state.len, Ordering::Release);
        result
    }

    fn deny(
        &self,
        issuer: &str,
        jti: &str,
        value: Deny,
        until: u64,
        now_ms: u64,
        only_if_absent: bool,
    ) -> Result<bool, StoreError> {
        let capacity = self.capacity;
        self.write(now_ms, |state, now| {
            if let Some(entry) = get_mut(&mut state.deny, issuer, jti)
                && entry.1 >= now
            {
                if only_if_absent {
                    return Ok(false);
                }
                *entry = (value, entry.1.max(until));
                return Ok(true);
            }
            if let Some(entry) = get_mut(&mut state.deny, issuer, jti) {
                // Expired but not yet forgotten: reuse its place and its expiry entry.
                *entry = (value, until);
                return Ok(true);
            }
            if state.len >= capacity {
                return Err(full(capacity));
            }
            state
                .deny
                .entry(issuer.into())
                .or_default()
                .insert(jti.into(), (value, until));
            state
                .expiry
                .push(Reverse((until, Key::Deny(issuer.into(), jti.into()))));
            state.len += 1;
            Ok(true)
        })
    }
}

/// Ends a login of `account`: removed, or kept as ended when it was adopted (so that its
/// tokens are not adopted again). Returns the entries removed.
fn end_login(account: &mut Account, family: &str) -> usize {
    match account.logins.get_mut(family) {
        Some(login) if login.adopted => {
            login.ended = true;
            0
        }
        Some(_) => {
            account.logins.remove(family);
            1
        }
        None => 0,
    }
}

impl super::RevocationStore for MemoryStore {
    fn status<'a>(&'a self, token: TokenRef<'a>, now_ms: u64) -> StoreFuture<'a, TokenStatus> {
        Box::pin(async move { self.lookup(token, now_ms) })
    }

    fn status_now(
        &self,
        token: TokenRef<'_>,
        now_ms: u64,
    ) -> Option<Result<TokenStatus, StoreError>> {
        Some(self.lookup(token, now_ms))
    }

    fn begin<'a>(&'a self, login: NewLogin<'a>, now_ms: u64) -> StoreFuture<'a, ()> {
        let capacity = self.capacity;
        Box::pin(async move {
            self.write(now_ms, |state, now| {
                let account = state.account(login.issuer, login.identity, login.until);
                let mut removed = account.prune(now);
                // The oldest logins beyond the identity's allowance end.
                // (A scan of the identity's logins, at login time only.)
                while account.logins.values().filter(|l| !l.ended).count() >= login.max_logins {
                    let oldest = account
                        .logins
                        .iter()
                        .filter(|(_, l)| !l.ended)
                        .min_by_key(|(_, l)| l.created_ms)
                        .map(|(family, _)| family.clone());
                    match oldest {
                        Some(family) => removed += end_login(account, &family),
                        None => break,
                    }
                }
                let at_capacity = state.len - removed >= capacity;
                state.len -= removed;
                if at_capacity {
                    return Err(full(capacity));
                }
                let account = state.account(login.issuer, login.identity, login.until);
                let previous = account.logins.insert(
                    login.family.into(),
                    Login {
                        generation: 0,
                        grace_until_ms: 0,
                        created_ms: now_ms,
                        until: login.until,
                        adopted: false,
                        ended: false,
                    },
                );
                state.len += usize::from(previous.is_none());
                Ok(())
            })
        })
    }

    fn rotate<'a>(
        &'a self,
        token: TokenRef<'a>,
        grace_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, Rotation> {
        let capacity = self.capacity;
        Box::pin(async move {
            let Some(family) = token.family else {
                return Ok(Rotation::Revoked);
            };
            self.write(now_ms, |state, now| {
                if get(&state.deny, token.issuer, token.jti).is_some_and(|(_, u)| *u >= now) {
                    return Ok(Rotation::Revoked);
                }
                let account = get(&state.accounts, token.issuer, token.identity);
                let cut_off = account.and_then(|a| a.cut_off_ms(now));
                let held = account.and_then(|a| a.login(family, now)).is_some();
                if !held {
                    if !self.adoptable(&token, cut_off, now_ms) {
                        return Ok(Rotation::Revoked);
                    }
                    if state.len >= capacity {
                        return Err(full(capacity));
                    }
                    let account = state.account(token.issuer, token.identity, until);
                    let previous = account.logins.insert(
                        family.into(),
                        Login {
                            generation: token.generation.unwrap_or(0),
                            grace_until_ms: 0,
                            created_ms: now_ms,
                            until,
                            adopted: true,
                            ended: false,
                        },
                    );
                    state.len += usize::from(previous.is_none());
                }
                let account = state.account(token.issuer, token.identity, until);
                let Some(login) = account.logins.get_mut(family).filter(|l| l.until >= now) else {
                    return Ok(Rotation::Revoked);
                };
                if login.ended {
                    return Ok(Rotation::Revoked);
                }
                let (verdict, update) = rotation(
                    token.generation,
                    login.generation,
                    login.grace_until_ms,
                    grace_ms,
                    now_ms,
                );
                if let Some((generation, grace_until_ms)) = update {
                    login.generation = generation;
                    login.grace_until_ms = grace_until_ms;
                    login.until = login.until.max(until);
                }
                if verdict == Rotation::Reused {
                    let removed = end_login(account, family);
                    state.len -= removed;
                }
                Ok(verdict)
            })
        })
    }

    fn end<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        family: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        let capacity = self.capacity;
        Box::pin(async move {
            self.write(now_ms, |state, now| {
                let len = state.len;
                let until = until.max(now);
                let account = state.account(issuer, identity, until);
                if account.logins.contains_key(family) {
                    let removed = end_login(account, family);
                    state.len -= removed;
                    return Ok(());
                }
                // Not held: a login older than the store, ended before it was taken over.
                // Keep it as ended so that its tokens are not adopted.
                if len >= capacity {
                    return Err(full(capacity));
                }
                account.logins.insert(
                    family.into(),
                    Login {
                        generation: 0,
                        grace_until_ms: 0,
                        created_ms: now_ms,
                        until,
                        adopted: true,
                        ended: true,
                    },
                );
                state.len += 1;
                Ok(())
            })
        })
    }

    fn revoke<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.deny(issuer, jti, Deny::Revoked, until, now_ms, false)
                .map(drop)
        })
    }

    fn consume<'a>(
        &'a self,
        issuer: &'a str,
        jti: &'a str,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move { self.deny(issuer, jti, Deny::Used, until, now_ms, true) })
    }

    fn revoke_identity<'a>(
        &'a self,
        issuer: &'a str,
        identity: &'a str,
        before_ms: u64,
        until: u64,
        now_ms: u64,
    ) -> StoreFuture<'a, ()> {
        let capacity = self.capacity;
        Box::pin(async move {
            self.write(now_ms, |state, _| {
                let len = state.len;
                let account = state.account(issuer, identity, until);
                let removed = account.logins.len();
                let new_entry = account.cut_off.is_none();
                // The cut-off takes the place of an ended login; without one it needs room.
                if new_entry && removed == 0 && len >= capacity {
                    return Err(full(capacity));
                }
                // Logins end in place; the cut-off covers tokens minted outside a login and
                // stops older tokens from being taken over.
                account.logins.clear();
                account.cut_off = Some(match account.cut_off {
                    Some((b, u)) => (b.max(before_ms), u.max(until)),
                    None => (before_ms, until),
                });
                state.len = state.len - removed + usize::from(new_entry);
                Ok(())
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revocation::RevocationStore;

    const NOW: u64 = 1_000_000_000_000;
    const FAR: u64 = NOW / 1000 + 3600;

    fn token(jti: &str, iat: u64) -> TokenRef<'_> {
        let refresh = jti.matches('.').count() == 2;
        let (family, generation) = crate::revocation::parse_jti(jti, refresh);
        TokenRef {
            issuer: "",
            jti,
            family,
            generation,
            refresh,
            identity: "alice",
            issued_at: Some(iat),
        }
    }

    fn login<'a>(family: &'a str, max_logins: usize) -> NewLogin<'a> {
        NewLogin {
            issuer: "",
            identity: "alice",
            family,
            until: FAR,
            max_logins,
        }
    }

    const IAT: u64 = NOW / 1000;

    #[tokio::test]
    async fn a_login_is_one_entry_whatever_the_number_of_refreshes() {
        let s = MemoryStore::new();
        s.begin(login("f", 8), NOW).await.unwrap();
        assert_eq!(
            s.status(token("f.a", IAT), NOW).await,
            Ok(TokenStatus::Active)
        );
        for generation in 0..1000u64 {
            let jti = format!("f.{generation}.x");
            assert_eq!(
                s.rotate(token(&jti, IAT), 0, FAR, NOW).await,
                Ok(Rotation::Rotated {
                    generation: generation + 1
                })
            );
        }
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.status(token("f.999.x", IAT), NOW).await,
            Ok(TokenStatus::Used)
        );
        assert_eq!(
            s.rotate(token("f.5.x", IAT), 0, FAR, NOW).await,
            Ok(Rotation::Reused)
        );
        // Reuse ended the login: its access tokens are refused, and the store is empty.
        assert_eq!(
            s.status(token("f.a", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(s.len(), 0);
    }

    #[tokio::test]
    async fn a_login_the_store_never_held_is_refused() {
        let s = MemoryStore::new();
        s.begin(login("f", 8), NOW).await.unwrap();
        assert_eq!(
            s.status(token("g.a", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.rotate(token("g.0.x", IAT), 0, FAR, NOW).await,
            Ok(Rotation::Revoked)
        );
    }

    #[tokio::test]
    async fn logins_older_than_the_store_are_taken_over_once() {
        let s = MemoryStore::new();
        let old = IAT - 10;
        assert_eq!(
            s.status(token("f.a", old), NOW).await,
            Ok(TokenStatus::Active)
        );
        assert_eq!(
            s.rotate(token("f.4.x", old), 0, FAR, NOW).await,
            Ok(Rotation::Rotated { generation: 5 })
        );
        assert_eq!(
            s.rotate(token("f.3.x", old), 0, FAR, NOW).await,
            Ok(Rotation::Reused)
        );
        // Ended, the adopted login is remembered as ended: not taken over again.
        assert_eq!(
            s.status(token("f.a", old), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.rotate(token("f.5.x", old), 0, FAR, NOW).await,
            Ok(Rotation::Revoked)
        );
        // Logout of an old login never taken over.
        s.end("", "alice", "g", FAR, NOW).await.unwrap();
        assert_eq!(
            s.status(token("g.a", old), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        // "Log out everywhere" stops every older token from being taken over.
        assert_eq!(
            s.status(token("h.a", old), NOW).await,
            Ok(TokenStatus::Active)
        );
        s.revoke_identity("", "alice", NOW, FAR, NOW).await.unwrap();
        assert_eq!(
            s.status(token("h.a", old), NOW).await,
            Ok(TokenStatus::Revoked)
        );
    }

    #[tokio::test]
    async fn an_identity_holds_a_bounded_number_of_logins() {
        let s = MemoryStore::new();
        for (i, family) in ["a", "b", "c", "d"].into_iter().enumerate() {
            s.begin(login(family, 2), NOW + i as u64).await.unwrap();
        }
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.status(token("a.x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.status(token("b.x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.status(token("d.x", IAT), NOW).await,
            Ok(TokenStatus::Active)
        );
    }

    #[tokio::test]
    async fn deny_entries_and_the_cut_off() {
        let s = MemoryStore::new();
        s.revoke("", "plain", FAR, NOW).await.unwrap();
        assert_eq!(
            s.status(token("plain", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(s.consume("", "once", FAR, NOW).await, Ok(true));
        assert_eq!(s.consume("", "once", FAR, NOW).await, Ok(false));
        assert_eq!(
            s.status(token("once", IAT), NOW).await,
            Ok(TokenStatus::Used)
        );
        s.revoke_identity("", "alice", NOW + 5000, FAR, NOW)
            .await
            .unwrap();
        assert_eq!(
            s.status(token("other", IAT + 5), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.status(token("other", IAT + 6), NOW).await,
            Ok(TokenStatus::Active)
        );
        // A later call moves the instant forward, never back.
        s.revoke_identity("", "alice", NOW, FAR, NOW).await.unwrap();
        assert_eq!(
            s.status(token("other", IAT + 5), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        // A login after "log out everywhere" is not touched by it.
        s.begin(login("new", 8), NOW).await.unwrap();
        assert_eq!(
            s.status(token("new.x", IAT), NOW).await,
            Ok(TokenStatus::Active)
        );
        // Issuers are separate namespaces.
        let other = TokenRef {
            issuer: "other",
            ..token("plain", IAT)
        };
        assert_eq!(s.status(other, NOW).await, Ok(TokenStatus::Active));
    }

    #[tokio::test]
    async fn a_full_store_refuses_new_entries_but_not_refresh_or_logout() {
        let s = MemoryStore::with_capacity(2);
        s.begin(login("a", 8), NOW).await.unwrap();
        s.revoke("", "x", FAR, NOW).await.unwrap();
        assert!(s.revoke("", "y", FAR, NOW).await.is_err());
        assert!(s.begin(login("b", 8), NOW).await.is_err());
        assert_eq!(
            s.status(token("x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.rotate(token("a.0.r", IAT), 0, FAR, NOW).await,
            Ok(Rotation::Rotated { generation: 1 })
        );
        s.end("", "alice", "a", FAR, NOW).await.unwrap();
        assert_eq!(
            s.status(token("a.x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
    }

    #[tokio::test]
    async fn expired_logins_leave_when_their_identity_logs_in_again() {
        let s = MemoryStore::with_capacity(2);
        let soon = NewLogin {
            until: NOW / 1000 + 1,
            ..login("a", 8)
        };
        s.begin(soon, NOW).await.unwrap();
        s.begin(login("b", 8), NOW).await.unwrap();
        assert_eq!(s.len(), 2);
        // Later, the identity logs in again: its expired login makes room for the new one.
        let later = NOW + 10_000;
        s.begin(login("c", 8), later).await.unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.status(token("a.x", IAT), later).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.status(token("c.x", IAT), later).await,
            Ok(TokenStatus::Active)
        );
    }

    #[tokio::test]
    async fn a_log_out_everywhere_instant_lives_until_its_end_and_then_leaves() {
        let s = MemoryStore::with_capacity(2);
        let end = NOW / 1000 + 5;
        s.revoke_identity("", "alice", NOW, end, NOW).await.unwrap();
        assert_eq!(s.len(), 1);
        // At its last second it still cuts tokens off, and a login does not displace it.
        let last = end * 1000;
        assert_eq!(
            s.status(token("old", IAT), last).await,
            Ok(TokenStatus::Revoked)
        );
        s.begin(login("a", 8), last).await.unwrap();
        assert_eq!(s.len(), 2);
        // A second later it is gone, and its place is free.
        let after = last + 1000;
        assert_eq!(
            s.status(token("old", IAT), after).await,
            Ok(TokenStatus::Active)
        );
        s.begin(login("b", 8), after).await.unwrap();
        assert_eq!(s.len(), 2);
    }

    #[tokio::test]
    async fn an_entry_is_not_forgotten_in_its_last_second() {
        let s = MemoryStore::new();
        let end = NOW / 1000 + 5;
        s.revoke("", "j", end, NOW).await.unwrap();
        // A write at its last second forgets what has expired, not this.
        s.revoke("", "k", FAR, end * 1000).await.unwrap();
        assert_eq!(
            s.status(token("j", IAT), end * 1000).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(s.len(), 2);
        // Nor by a purge of everything expired.
        s.purge_expired(end * 1000);
        assert_eq!(s.len(), 2);
        s.revoke("", "l", FAR, end * 1000 + 1000).await.unwrap();
        assert_eq!(s.len(), 2);
    }

    #[tokio::test]
    async fn an_identity_whose_logins_expired_is_forgotten_by_later_writes() {
        let s = MemoryStore::new();
        assert!(s.is_empty());
        let soon = NewLogin {
            until: NOW / 1000 + 1,
            ..login("a", 8)
        };
        s.begin(soon, NOW).await.unwrap();
        assert_eq!(s.len(), 1);
        assert!(!s.is_empty());
        // Any later write (here another token's revocation) forgets alice's expired login.
        s.revoke("", "x", FAR, NOW + 10_000).await.unwrap();
        assert_eq!(s.len(), 1);
        s.purge_expired(FAR * 1000 + 1000);
        assert!(s.is_empty());
    }

    #[tokio::test]
    async fn an_identity_logged_out_everywhere_is_forgotten_by_later_writes() {
        let s = MemoryStore::new();
        let soon = NOW / 1000 + 1;
        s.revoke_identity("", "bob", NOW, soon, NOW).await.unwrap();
        assert_eq!(s.len(), 1);
        s.revoke("", "x", FAR, NOW + 10_000).await.unwrap();
        assert_eq!(s.len(), 1);
    }

    #[tokio::test]
    async fn a_refreshed_login_outlives_the_end_it_started_with() {
        let s = MemoryStore::new();
        let soon = NewLogin {
            until: NOW / 1000 + 1,
            ..login("a", 8)
        };
        s.begin(soon, NOW).await.unwrap();
        assert_eq!(
            s.rotate(token("a.0.r", IAT), 0, FAR, NOW).await,
            Ok(Rotation::Rotated { generation: 1 })
        );
        let later = NOW + 10_000;
        s.revoke("", "x", FAR, later).await.unwrap();
        assert_eq!(
            s.status(token("a.x", IAT), later).await,
            Ok(TokenStatus::Active)
        );
        assert_eq!(s.len(), 2);
    }

    #[tokio::test]
    async fn in_a_full_store_a_login_beyond_the_allowance_replaces_the_oldest() {
        let s = MemoryStore::with_capacity(2);
        s.begin(login("a", 2), NOW).await.unwrap();
        s.begin(login("b", 2), NOW + 1).await.unwrap();
        // Full, and alice at her allowance: her next login ends her oldest and takes its place.
        s.begin(login("c", 2), NOW + 2).await.unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.status(token("a.x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        assert_eq!(
            s.status(token("c.x", IAT), NOW).await,
            Ok(TokenStatus::Active)
        );
    }

    #[tokio::test]
    async fn a_refresh_token_revoked_alone_does_not_rotate() {
        let s = MemoryStore::new();
        s.begin(login("a", 8), NOW).await.unwrap();
        s.revoke("", "a.0.r", FAR, NOW).await.unwrap();
        assert_eq!(
            s.rotate(token("a.0.r", IAT), 0, FAR, NOW).await,
            Ok(Rotation::Revoked)
        );
        // The login itself goes on: its access tokens are not touched.
        assert_eq!(
            s.status(token("a.x", IAT), NOW).await,
            Ok(TokenStatus::Active)
        );
    }

    #[tokio::test]
    async fn log_out_everywhere_in_a_full_store() {
        let s = MemoryStore::with_capacity(2);
        s.begin(login("a", 8), NOW).await.unwrap();
        s.begin(login("b", 8), NOW).await.unwrap();
        // Alice's instant takes the place of her ended logins.
        s.revoke_identity("", "alice", NOW, FAR, NOW).await.unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.status(token("a.x", IAT), NOW).await,
            Ok(TokenStatus::Revoked)
        );
        s.revoke("", "x", FAR, NOW).await.unwrap();
        // Full, and bob holds no login to end: his instant needs room it does not find.
        let bob = s.revoke_identity("", "bob", NOW, FAR, NOW).await;
        assert!(bob.is_err());
        assert_eq!(s.len(), 2);
        // Alice's instant moves in place.
        s.revoke_identity("", "alice", NOW + 1, FAR, NOW)
            .await
            .unwrap();
        assert_eq!(s.len(), 2);
    }

    #[tokio::test]
    async fn expired_entries_are_ignored_and_forgotten_a_few_at_a_time() {
        let s = MemoryStore::with_capacity(100);
        let soon = NOW / 1000 + 1;
        for i in 0..20 {
            s.revoke("", &format!("j{i}"), soon, NOW).await.unwrap();
        }
        assert_eq!(s.len(), 20);
        let later = NOW + 10_000;
        assert_eq!(
            s.status(token("j1", IAT), later).await,
            Ok(TokenStatus::Active)
        );
        s.revoke("", "k", FAR, later).await.unwrap();
        assert_eq!(s.len(), 20 - FORGET_PER_WRITE + 1);
        s.purge_expired(later);
        assert_eq!(s.len(), 1);
    }
}
