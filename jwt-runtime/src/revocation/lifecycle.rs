//! [`Revocation`]: the revocation side of a configuration (its store, the store's timeout,
//! refresh rotation and its grace window), and the token lifecycle built on it: logins, the
//! revocation check of every request, revoke, log out everywhere, refresh with rotation and
//! reuse detection, logout.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use serde::Serialize;

use super::{
    DEFAULT_MAX_LOGINS_PER_IDENTITY, DEFAULT_REFRESH_GRACE, DEFAULT_REVOCATION_TIMEOUT,
    MemoryStore, NewLogin, RevocationStore, Rotation, StoreError, TokenRef, TokenStatus,
};
use crate::error::{AuthError, ConfigError};
use crate::requirement::Requirement;
use crate::token::Token;
use crate::token::claims::{PrivateClaims, TokenKind};
use crate::token::clock::Clock;
use crate::token::issue::{Issuer, Lifetimes, SignError, TokenBuilder, TokenPair, random_id};
use crate::token::rules::ClaimRules;
use crate::token::verify::Verifier;

/// The revocation settings of the builder.
#[derive(Clone)]
pub(crate) struct RevocationSettings {
    /// `None`: the default store; `Some(None)`: revocation turned off.
    pub(crate) store: Option<Option<Arc<dyn RevocationStore>>>,
    pub(crate) timeout: Duration,
    pub(crate) rotate_refresh_tokens: bool,
    pub(crate) refresh_grace: Duration,
    pub(crate) max_logins_per_identity: usize,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        Self {
            store: None,
            timeout: DEFAULT_REVOCATION_TIMEOUT,
            rotate_refresh_tokens: true,
            refresh_grace: DEFAULT_REFRESH_GRACE,
            max_logins_per_identity: DEFAULT_MAX_LOGINS_PER_IDENTITY,
        }
    }
}

/// The store, and what the lifecycle needs to know of the tokens it revokes: how long they
/// live, the leeway they are accepted with, the issuer, and the handle's clock.
pub(crate) struct Revocation {
    store: Option<Arc<dyn RevocationStore>>,
    timeout: Duration,
    rotate: bool,
    grace_ms: u64,
    max_logins: usize,
    leeway: u64,
    longest_lifetime: u64,
    issuer: Option<String>,
    clock: Clock,
}

/// Store failures and timeouts: warnings, at most one a second.
static STORE_WARNINGS: crate::observe::RateLimit = crate::observe::RateLimit::new();

/// A store that could not answer: the request is refused (fail closed).
fn store_failed(e: StoreError) -> AuthError {
    if let Some(held_back) = STORE_WARNINGS.allow() {
        tracing::warn!(
            target: crate::observe::TARGET,
            error = %e,
            held_back,
            "revocation store failed; refusing the request"
        );
    }
    AuthError::RevocationUnavailable
}

/// The largest grace window: beyond a few minutes a stolen token's replay is not a retry.
const MAX_REFRESH_GRACE: Duration = Duration::from_secs(300);

impl Revocation {
    pub(crate) fn new(
        settings: RevocationSettings,
        rules: &ClaimRules,
        lifetimes: &Lifetimes,
        clock: Clock,
    ) -> Result<Self, ConfigError> {
        if settings.timeout.is_zero() {
            return Err(ConfigError::invalid(
                "revocation_timeout",
                "must be more than zero",
            ));
        }
        if settings.refresh_grace > MAX_REFRESH_GRACE {
            return Err(ConfigError::invalid(
                "refresh_grace",
                "at most 300 seconds (a longer window lets a stolen refresh token be replayed)",
            ));
        }
        if settings.max_logins_per_identity == 0 {
            return Err(ConfigError::invalid(
                "max_logins_per_identity",
                "must be at least 1",
            ));
        }
        let store = match settings.store {
            Some(choice) => choice,
            None => Some(Arc::new(MemoryStore::new()) as Arc<dyn RevocationStore>),
        };
        Ok(Self {
            rotate: settings.rotate_refresh_tokens && store.is_some(),
            store,
            timeout: settings.timeout,
            grace_ms: u64::try_from(settings.refresh_grace.as_millis()).unwrap_or(u64::MAX),
            max_logins: settings.max_logins_per_identity,
            leeway: rules.leeway_secs(),
            longest_lifetime: lifetimes.longest().as_secs(),
            issuer: rules.issuer.clone(),
            clock,
        })
    }

    /// Runs one store call under the configured timeout; an error or a timeout is
    /// `revocation_unavailable` (fail closed).
    async fn call<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        // A store that answers at once (the memory store) needs no timer: poll once first,
        // and arm the timeout only for an answer that has to wait (Redis).
        let mut call = std::pin::pin!(call);
        let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
        let answer = match first {
            Poll::Ready(answer) => Ok(answer),
            Poll::Pending => tokio::time::timeout(self.timeout, call).await,
        };
        match answer {
            Ok(answer) => answer.map_err(store_failed),
            Err(_) => {
                if let Some(held_back) = STORE_WARNINGS.allow() {
                    tracing::warn!(
                        target: crate::observe::TARGET,
                        held_back,
                        "revocation store timed out; refusing the request"
                    );
                }
                Err(AuthError::RevocationUnavailable)
            }
        }
    }

    fn store(&self) -> Result<&dyn RevocationStore, AuthError> {
        self.store
            .as_deref()
            .ok_or(AuthError::RevocationUnavailable)
    }

    /// The store's view of a verified token (`Active` when revocation is off).
    async fn status<C>(&self, token: &Token<C>) -> Result<TokenStatus, AuthError> {
        let Some(store) = &self.store else {
            return Ok(TokenStatus::Active);
        };
        let (token, now_ms) = (TokenRef::of(token), self.clock.now_ms());
        match store.status_now(token, now_ms) {
            Some(answer) => answer.map_err(store_failed),
            None => self.call(store.status(token, now_ms)).await,
        }
    }

    /// Refuses a revoked or spent token.
    async fn check<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        match self.status(token).await? {
            TokenStatus::Active => Ok(()),
            TokenStatus::Revoked | TokenStatus::Used => Err(AuthError::Revoked),
        }
    }

    /// Keep entries a little longer than the token: it is accepted up to `exp + leeway`.
    fn until(&self, exp: u64) -> u64 {
        exp.saturating_add(self.leeway).saturating_add(1)
    }

    /// The longest a token of any kind minted now can live.
    fn longest_lifetime_from_now(&self) -> u64 {
        self.until(self.clock.now().saturating_add(self.longest_lifetime))
    }

    /// Records a new login of `identity` (nothing without a store).
    async fn begin(&self, identity: &str, family: &str) -> Result<(), AuthError> {
        let Some(store) = &self.store else {
            return Ok(());
        };
        let login = NewLogin {
            issuer: self.issuer.as_deref().unwrap_or(""),
            identity,
            family,
            until: self.longest_lifetime_from_now(),
            max_logins: self.max_logins,
        };
        self.call(store.begin(login, self.clock.now_ms())).await
    }

    /// Revokes one token until it would have expired.
    pub(crate) async fn revoke<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let until = self.until(token.expires_at());
        let now_ms = self.clock.now_ms();
        self.call(store.revoke(token.issuer().unwrap_or(""), token.jti(), until, now_ms))
            .await
    }

    /// Ends the token's login (every token of its family); a token minted outside a login
    /// is revoked alone.
    pub(crate) async fn revoke_login<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let r = TokenRef::of(token);
        match r.family {
            Some(family) => {
                let until = self
                    .longest_lifetime_from_now()
                    .max(self.until(token.expires_at()));
                let now_ms = self.clock.now_ms();
                self.call(store.end(r.issuer, r.identity, family, until, now_ms))
                    .await
            }
            None => self.revoke(token).await,
        }
    }

    /// "Log out everywhere": ends every login of `identity` (exactly, whatever the clocks of
    /// the instances that minted its tokens), and revokes its tokens minted outside a login
    /// whose `iat` is up to now plus the leeway, since tokens are accepted with `iat` that far
    /// ahead.
    pub(crate) async fn revoke_all_for(&self, identity: &str) -> Result<(), AuthError> {
        let store = self.store()?;
        let issuer = self.issuer.as_deref().unwrap_or("");
        let until = self.longest_lifetime_from_now();
        let now_ms = self.clock.now_ms();
        let before_ms = now_ms.saturating_add(self.leeway.saturating_mul(1000));
        self.call(store.revoke_identity(issuer, identity, before_ms, until, now_ms))
            .await
    }
}

/// The steps of admission after verification: the revocation store (unless the requirement
/// skips it), then the requirement. A revoked token is an invalid token: 401 before any 403.
pub(crate) async fn authorize<C>(
    revocation: &Revocation,
    token: &Token<C>,
    requirement: &Requirement,
) -> Result<(), AuthError> {
    if !requirement.skips_revocation() {
        revocation.check(token).await?;
    }
    requirement.check(token)
}

/// Logs out: ends the access token's login (which holds its refresh token and every token
/// refreshed from them), and the login of a refresh token of the same identity.
pub(crate) async fn logout<C>(
    verifier: &Verifier,
    revocation: &Revocation,
    access: &Token<C>,
    refresh: Option<&str>,
) -> Result<(), AuthError> {
    revocation.revoke_login(access).await?;
    if let Some(raw) = refresh {
        let refresh = verifier.verify::<()>(raw, TokenKind::Refresh, revocation.clock.now())?;
        if refresh.identity() != access.identity() {
            return Err(AuthError::InvalidRequest(
                "the refresh token belongs to another identity than the access token",
            ));
        }
        revocation.revoke_login(&refresh).await?;
    }
    Ok(())
}

/// A login being created; see [`Jwt::login`](crate::Jwt::login). Signing records the login
/// in the revocation store, which is why [`sign`](LoginBuilder::sign) is `async`.
#[must_use = "call .sign().await to get the tokens"]
pub struct LoginBuilder<'a> {
    template: TokenBuilder<'a>,
    revocation: &'a Revocation,
}

impl<'a> LoginBuilder<'a> {
    pub(crate) fn new(issuer: &'a Issuer, revocation: &'a Revocation, identity: String) -> Self {
        Self {
            template: issuer.token(TokenKind::Access, identity),
            revocation,
        }
    }

    /// The role of both tokens.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.template = self.template.role(role);
        self
    }

    /// The scopes of both tokens.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.template = self.template.scopes(scopes);
        self
    }

    /// The private claims of both tokens.
    pub fn private_claims<C: PrivateClaims>(mut self, claims: &C) -> Self {
        self.template = self.template.private_claims(claims);
        self
    }

    /// A public claim of both tokens.
    pub fn public_claim(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        self.template = self.template.public_claim(key, value);
        self
    }

    /// The claims template, for a refresh that re-reads the user.
    #[cfg(feature = "axum")]
    pub(crate) fn into_template(self) -> TokenBuilder<'a> {
        self.template
    }

    /// Signs the fresh access token and the refresh token of a new login, and records the
    /// login in the revocation store ([`SignError::StoreUnavailable`] when it cannot answer:
    /// 503 as a response).
    pub async fn sign(self) -> Result<TokenPair, SignError> {
        let family = random_id()?;
        let identity = self.template.identity().to_owned();
        let tokens = mint(self.template, &family, Some(0), true)?;
        self.revocation
            .begin(&identity, &family)
            .await
            .map_err(|_| SignError::StoreUnavailable)?;
        Ok(tokens)
    }
}

/// Mints an access token and a refresh token (`generation` `None`: none) of one login from
/// a claims template.
fn mint(
    template: TokenBuilder<'_>,
    family: &str,
    generation: Option<u64>,
    fresh: bool,
) -> Result<TokenPair, SignError> {
    let refresh = match generation {
        Some(generation) => Some(
            template
                .clone()
                .of_kind(TokenKind::Refresh)
                .in_login(family.to_owned(), Some(generation))
                .sign_bound()?,
        ),
        None => None,
    };
    let access = template
        .fresh(fresh)
        .in_login(family.to_owned(), None)
        .sign_bound()?;
    Ok(TokenPair::new(access, refresh))
}

/// Exchanges a verified refresh token for new tokens of the same login.
///
/// With rotation, the store moves the login's generation atomically: the current token
/// rotates, the previous one within the grace window gets tokens of the current generation
/// (a retry, a second tab), anything older is theft and ends the login. The new tokens carry
/// `claims` when the application re-read the user, else the old token's claims.
pub(crate) async fn refresh(
    issuer: &Issuer,
    revocation: &Revocation,
    old: &Token,
    claims: Option<TokenBuilder<'_>>,
) -> Result<TokenPair, AuthError> {
    let r = TokenRef::of(old);
    let now_ms = revocation.clock.now_ms();
    let (family, generation) = match (&revocation.store, r.family) {
        (None, family) => (family.map(str::to_owned), None),
        (Some(store), Some(family)) if revocation.rotate => {
            let until = revocation.longest_lifetime_from_now();
            let rotated = revocation
                .call(store.rotate(r, revocation.grace_ms, until, now_ms))
                .await?;
            match rotated {
                Rotation::Rotated { generation } => (Some(family.to_owned()), Some(generation)),
                Rotation::Grace { generation } => {
                    tracing::info!(
                        target: crate::observe::TARGET,
                        "a refresh token was exchanged again within the grace window"
                    );
                    (Some(family.to_owned()), Some(generation))
                }
                Rotation::Reused => return Err(AuthError::RefreshTokenReused),
                Rotation::Revoked => return Err(AuthError::Revoked),
            }
        }
        (Some(_), family) => {
            match revocation.status(old).await? {
                TokenStatus::Active => {}
                TokenStatus::Revoked => return Err(AuthError::Revoked),
                TokenStatus::Used => return Err(AuthError::RefreshTokenReused),
            }
            match (family, revocation.rotate) {
                // Without rotation the refresh token stays; only an access token is minted.
                (Some(family), false) => (Some(family.to_owned()), None),
                (None, false) => (None, None),
                // A refresh token minted outside a login is spent once, and its new tokens
                // start a login.
                (_, true) => {
                    let store = revocation.store()?;
                    let until = revocation.until(old.expires_at());
                    let first = revocation
                        .call(store.consume(r.issuer, r.jti, until, now_ms))
                        .await?;
                    if !first {
                        return Err(AuthError::RefreshTokenReused);
                    }
                    let family = random_id().map_err(|_| AuthError::RevocationUnavailable)?;
                    revocation.begin(old.identity(), &family).await?;
                    (Some(family), Some(0))
                }
            }
        }
    };
    let template = match claims {
        Some(template) => template,
        None => {
            let mut b = issuer
                .token(TokenKind::Access, old.identity().to_owned())
                .raw_claims(old.public_claims());
            if let Some(role) = old.role() {
                b = b.role(role);
            }
            if !old.scopes().is_empty() {
                b = b.scopes(old.scopes().iter().cloned());
            }
            b
        }
    };
    let minted = match &family {
        Some(family) => mint(template, family, generation, false),
        None => template
            .fresh(false)
            .sign_bound()
            .map(|a| TokenPair::new(a, None)),
    };
    minted.map_err(|e| {
        tracing::error!(
            target: crate::observe::TARGET,
            error = %e, "could not mint tokens on refresh"
        );
        AuthError::Malformed("the refresh token's claims cannot be copied into new tokens")
    })
}

/// The lifecycle without HTTP: what a gRPC or CLI user of the core gets.
#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::token::clock::ManualClock;
    use crate::{AuthError, Jwt, MemoryStore, Requirement};

    fn jwt() -> (Jwt, ManualClock) {
        let clock = ManualClock::starting_now();
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .clock(clock.clone())
            .build()
            .unwrap();
        (jwt, clock)
    }

    const GRACE: Duration = crate::DEFAULT_REFRESH_GRACE;

    #[tokio::test]
    async fn refresh_rotates_and_a_spent_token_revokes_its_login() {
        let (jwt, clock) = jwt();
        let login = jwt
            .login("alice")
            .scopes(["user:read"])
            .sign()
            .await
            .unwrap();
        let first_refresh = login.refresh_token.clone().unwrap();
        let next = jwt.refresh(&first_refresh).await.unwrap();
        let access = jwt.verify_access::<()>(&next.access_token).unwrap();
        assert_eq!(access.scopes(), ["user:read"]);
        assert!(!access.fresh());
        // After the grace window the exchanged token is spent: presenting it again is theft,
        // and every token of the login, the new ones included, is revoked.
        clock.advance(GRACE);
        assert_eq!(
            jwt.refresh(&first_refresh).await.err(),
            Some(AuthError::RefreshTokenReused)
        );
        let any = Requirement::access();
        for token in [&login.access_token, &next.access_token] {
            assert_eq!(
                jwt.authorize::<()>(token, &any).await.err(),
                Some(AuthError::Revoked)
            );
        }
        let newest = next.refresh_token.unwrap();
        assert_eq!(jwt.refresh(&newest).await.err(), Some(AuthError::Revoked));
    }

    #[tokio::test]
    async fn within_the_grace_window_the_previous_token_is_a_retry_not_theft() {
        let (jwt, clock) = jwt();
        let login = jwt.login("alice").sign().await.unwrap();
        let first = login.refresh_token.unwrap();
        let winner = jwt.refresh(&first).await.unwrap();
        clock.advance(GRACE - Duration::from_millis(1));
        let retry = jwt.refresh(&first).await.unwrap();
        let any = Requirement::access();
        // Both answers work: the winner's tokens were not revoked by the retry.
        for pair in [&winner, &retry] {
            assert!(jwt.authorize::<()>(&pair.access_token, &any).await.is_ok());
        }
        // Both refresh tokens are of the current generation: either rotates once, and then
        // the other is the previous one, inside the window opened by that rotation.
        let next = jwt
            .refresh(retry.refresh_token.as_deref().unwrap())
            .await
            .unwrap();
        assert!(
            jwt.refresh(winner.refresh_token.as_deref().unwrap())
                .await
                .is_ok()
        );
        // Two generations back is theft at once, window or not.
        assert_eq!(
            jwt.refresh(&first).await.err(),
            Some(AuthError::RefreshTokenReused)
        );
        assert_eq!(
            jwt.authorize::<()>(&next.access_token, &any).await.err(),
            Some(AuthError::Revoked)
        );
    }

    #[tokio::test]
    async fn a_zero_grace_window_is_strict_rotation() {
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .refresh_grace(Duration::ZERO)
            .build()
            .unwrap();
        let login = jwt.login("alice").sign().await.unwrap();
        let first = login.refresh_token.unwrap();
        jwt.refresh(&first).await.unwrap();
        assert_eq!(
            jwt.refresh(&first).await.err(),
            Some(AuthError::RefreshTokenReused)
        );
    }

    #[tokio::test]
    async fn a_login_is_one_entry_whatever_the_number_of_refreshes() {
        let store = std::sync::Arc::new(MemoryStore::new());
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .shared_revocation_store(store.clone())
            .build()
            .unwrap();
        let mut refresh = jwt
            .login("alice")
            .sign()
            .await
            .unwrap()
            .refresh_token
            .unwrap();
        for _ in 0..10_000 {
            refresh = jwt.refresh(&refresh).await.unwrap().refresh_token.unwrap();
        }
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn logout_and_log_out_everywhere() {
        let (jwt, _clock) = jwt();
        let any = Requirement::access();
        let one = jwt.login("alice").sign().await.unwrap();
        let two = jwt.login("alice").sign().await.unwrap();
        let bob = jwt.login("bob").sign().await.unwrap();
        let access = jwt.authorize::<()>(&one.access_token, &any).await.unwrap();
        jwt.logout(&access, one.refresh_token.as_deref())
            .await
            .unwrap();
        assert_eq!(
            jwt.authorize::<()>(&one.access_token, &any).await.err(),
            Some(AuthError::Revoked)
        );
        assert!(jwt.authorize::<()>(&two.access_token, &any).await.is_ok());
        let outside = jwt.access_token("alice").sign().unwrap();
        jwt.revoke_all_for("alice").await.unwrap();
        for token in [&two.access_token, &outside] {
            assert_eq!(
                jwt.authorize::<()>(token, &any).await.err(),
                Some(AuthError::Revoked)
            );
        }
        assert_eq!(
            jwt.refresh(two.refresh_token.as_deref().unwrap())
                .await
                .err(),
            Some(AuthError::Revoked)
        );
        assert!(jwt.authorize::<()>(&bob.access_token, &any).await.is_ok());
        // A login right after the call, in the same second, is not touched by it.
        let after = jwt.login("alice").sign().await.unwrap();
        assert!(jwt.authorize::<()>(&after.access_token, &any).await.is_ok());
    }

    #[tokio::test]
    async fn log_out_everywhere_covers_tokens_stamped_within_the_leeway() {
        // Another instance's clock runs 4 s ahead (the default leeway is 5 s): its tokens are
        // accepted here, and "log out everywhere" called here must cover them.
        let here = ManualClock::starting_now();
        let ahead = ManualClock::at_millis(here.now_ms() + 4_000);
        let build = |clock: &ManualClock| {
            Jwt::builder()
                .secret([5u8; 32])
                .clock(clock.clone())
                .build()
                .unwrap()
        };
        let (jwt, other) = (build(&here), build(&ahead));
        let any = Requirement::access();
        let stamped_ahead = other.access_token("alice").sign().unwrap();
        assert!(jwt.authorize::<()>(&stamped_ahead, &any).await.is_ok());
        jwt.revoke_all_for("alice").await.unwrap();
        assert_eq!(
            jwt.authorize::<()>(&stamped_ahead, &any).await.err(),
            Some(AuthError::Revoked)
        );
    }

    #[tokio::test]
    async fn revocation_comes_before_the_requirement() {
        let (jwt, _clock) = jwt();
        let token = jwt
            .access_token("alice")
            .scopes(["user:read"])
            .sign()
            .unwrap();
        let admin = Requirement::access().scopes(["admin"]).unwrap();
        assert!(matches!(
            jwt.authorize::<()>(&token, &admin).await,
            Err(AuthError::InsufficientScope { .. })
        ));
        let verified = jwt.verify_access::<()>(&token).unwrap();
        jwt.revoke(&verified).await.unwrap();
        // A revoked token is an invalid token (401), not a missing scope (403)...
        assert_eq!(
            jwt.authorize::<()>(&token, &admin).await.err(),
            Some(AuthError::Revoked)
        );
        // ...unless the requirement skips the store.
        let cheap = Requirement::access().skip_revocation_check();
        assert!(jwt.authorize::<()>(&token, &cheap).await.is_ok());
    }

    #[tokio::test]
    async fn a_refresh_token_minted_outside_a_login_is_spent_once_and_starts_one() {
        let (jwt, _clock) = jwt();
        let standalone = jwt.refresh_token("alice").sign().unwrap();
        let next = jwt.refresh(&standalone).await.unwrap();
        assert_eq!(
            jwt.refresh(&standalone).await.err(),
            Some(AuthError::RefreshTokenReused)
        );
        // The new tokens are a login of their own, with its own rotation.
        let again = jwt
            .refresh(next.refresh_token.as_deref().unwrap())
            .await
            .unwrap();
        assert!(again.refresh_token.is_some());
    }

    /// The claim names of a token, read from its payload.
    fn claim_names(raw: &str) -> Vec<String> {
        use base64::Engine as _;
        let payload = raw.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        let claims: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).unwrap();
        claims.keys().cloned().collect()
    }

    #[tokio::test]
    async fn a_refresh_copies_the_claims_it_found_and_adds_none() {
        let (jwt, _clock) = jwt();
        let bare = jwt.login("alice").sign().await.unwrap();
        let next = jwt
            .refresh(bare.refresh_token.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(
            claim_names(&next.access_token),
            claim_names(&bare.access_token)
        );
        let full = jwt
            .login("bob")
            .role("ADMIN")
            .scopes(["admin"])
            .public_claim("tenant", "acme")
            .sign()
            .await
            .unwrap();
        let next = jwt
            .refresh(full.refresh_token.as_deref().unwrap())
            .await
            .unwrap();
        assert_eq!(
            claim_names(&next.access_token),
            claim_names(&full.access_token)
        );
        let token = jwt.verify_access::<()>(&next.access_token).unwrap();
        assert_eq!(token.role(), Some("ADMIN"));
        assert_eq!(token.scopes(), ["admin"]);
        assert_eq!(token.public_claims()["tenant"], "acme");
    }

    #[tokio::test]
    async fn without_rotation_the_refresh_token_stays_until_its_login_ends() {
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .rotate_refresh_tokens(false)
            .build()
            .unwrap();
        let login = jwt.login("alice").sign().await.unwrap();
        let refresh = login.refresh_token.unwrap();
        let any = Requirement::access();
        for _ in 0..3 {
            let next = jwt.refresh(&refresh).await.unwrap();
            assert!(next.refresh_token.is_none(), "no new refresh token");
            assert!(jwt.authorize::<()>(&next.access_token, &any).await.is_ok());
        }
        let access = jwt.verify_access::<()>(&login.access_token).unwrap();
        jwt.logout(&access, None).await.unwrap();
        assert_eq!(jwt.refresh(&refresh).await.err(), Some(AuthError::Revoked));
    }

    #[tokio::test]
    async fn without_revocation_nothing_is_spent_and_revoking_fails_closed() {
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .without_revocation()
            .build()
            .unwrap();
        let login = jwt.login("alice").sign().await.unwrap();
        let refresh = login.refresh_token.unwrap();
        let next = jwt.refresh(&refresh).await.unwrap();
        assert!(next.refresh_token.is_none(), "no rotation without a store");
        assert!(jwt.refresh(&refresh).await.is_ok());
        let access = jwt.verify_access::<()>(&login.access_token).unwrap();
        assert_eq!(
            jwt.revoke(&access).await.err(),
            Some(AuthError::RevocationUnavailable)
        );
    }
}
