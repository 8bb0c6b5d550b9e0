//! [`Revocation`]: the revocation side of a configuration (its store, the store's timeout,
//! refresh rotation), and the token lifecycle built on it: the revocation check of every
//! request, revoke, log out everywhere, refresh with rotation and reuse detection, logout.

use std::future::Future;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use super::{MemoryStore, RevocationStore, StoreError, TokenRef, TokenStatus, family_of};
use crate::error::{AuthError, ConfigError};
use crate::requirement::Requirement;
use crate::token::Token;
use crate::token::claims::TokenKind;
use crate::token::clock::now;
use crate::token::issue::{Issuer, Lifetimes, TokenBuilder, TokenPair};
use crate::token::rules::ClaimRules;
use crate::token::verify::Verifier;

/// Default time a guarded request waits for the revocation store before failing closed.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_millis(500);

/// The revocation settings of the builder.
#[derive(Clone)]
pub(crate) struct RevocationSettings {
    /// `None`: the default store; `Some(None)`: revocation turned off.
    pub(crate) store: Option<Option<Arc<dyn RevocationStore>>>,
    pub(crate) timeout: Duration,
    pub(crate) rotate_refresh_tokens: bool,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        Self {
            store: None,
            timeout: DEFAULT_REVOCATION_TIMEOUT,
            rotate_refresh_tokens: true,
        }
    }
}

/// The store, and what the lifecycle needs to know of the tokens it revokes: how long they
/// live, the leeway they are accepted with, and the issuer.
pub(crate) struct Revocation {
    store: Option<Arc<dyn RevocationStore>>,
    timeout: Duration,
    rotate: bool,
    leeway: u64,
    longest_lifetime: u64,
    issuer: Option<String>,
}

/// A store that could not answer: the request is refused (fail closed).
fn store_failed(e: StoreError) -> AuthError {
    tracing::warn!(error = %e, "axum-jwt: revocation store failed; refusing the request");
    AuthError::RevocationUnavailable
}

fn token_ref<C>(token: &Token<C>) -> TokenRef<'_> {
    TokenRef {
        issuer: token.issuer().unwrap_or(""),
        jti: token.jti(),
        family: family_of(token.jti()),
        identity: token.identity(),
        issued_at: token.issued_at(),
    }
}

impl Revocation {
    pub(crate) fn new(
        settings: RevocationSettings,
        rules: &ClaimRules,
        lifetimes: &Lifetimes,
    ) -> Result<Self, ConfigError> {
        if settings.timeout.is_zero() {
            return Err(ConfigError::invalid(
                "revocation_timeout",
                "must be more than zero",
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
            leeway: rules.leeway_secs(),
            longest_lifetime: lifetimes.longest().as_secs(),
            issuer: rules.issuer.clone(),
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
                tracing::warn!("axum-jwt: revocation store timed out; refusing the request");
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
        match &self.store {
            None => Ok(TokenStatus::Active),
            Some(store) => match store.status_now(token_ref(token)) {
                Some(answer) => answer.map_err(store_failed),
                None => self.call(store.status(token_ref(token))).await,
            },
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
        self.until(now().saturating_add(self.longest_lifetime))
    }

    /// Revokes one token until it would have expired.
    pub(crate) async fn revoke<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let until = self.until(token.expires_at());
        self.call(store.revoke(token.issuer().unwrap_or(""), token.jti(), until))
            .await
    }

    /// Revokes every token of the token's login.
    pub(crate) async fn revoke_login<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let issuer = token.issuer().unwrap_or("");
        match family_of(token.jti()) {
            Some(family) => {
                let until = self
                    .longest_lifetime_from_now()
                    .max(self.until(token.expires_at()));
                self.call(store.revoke_family(issuer, family, until)).await
            }
            None => self.revoke(token).await,
        }
    }

    /// Revokes every token of `identity` issued up to now.
    pub(crate) async fn revoke_all_for(&self, identity: &str) -> Result<(), AuthError> {
        let store = self.store()?;
        let issuer = self.issuer.as_deref().unwrap_or("");
        let until = self.longest_lifetime_from_now();
        self.call(store.revoke_identity(issuer, identity, now(), until))
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

/// Logs out: revokes the access token and its login family, and a refresh token of the same
/// identity with its family.
pub(crate) async fn logout<C>(
    verifier: &Verifier,
    revocation: &Revocation,
    access: &Token<C>,
    refresh: Option<&str>,
) -> Result<(), AuthError> {
    revocation.revoke(access).await?;
    revocation.revoke_login(access).await?;
    if let Some(raw) = refresh {
        let refresh = verifier.verify::<()>(raw, TokenKind::Refresh, now())?;
        if refresh.identity() != access.identity() {
            return Err(AuthError::InvalidRequest(
                "the refresh token belongs to another identity than the access token",
            ));
        }
        revocation.revoke(&refresh).await?;
        revocation.revoke_login(&refresh).await?;
    }
    Ok(())
}

/// Exchanges a verified refresh token for new tokens: the store's verdict first (a spent
/// token is theft: its login is revoked), then, with rotation, the token is spent atomically,
/// and new tokens of the same login are minted with the old token's claims.
pub(crate) async fn refresh(
    issuer: &Issuer,
    revocation: &Revocation,
    old: &Token,
) -> Result<TokenPair, AuthError> {
    match revocation.status(old).await? {
        TokenStatus::Active => {}
        TokenStatus::Revoked => return Err(AuthError::Revoked),
        TokenStatus::Used => {
            revocation.revoke_login(old).await?;
            return Err(AuthError::RefreshTokenReused);
        }
    }
    if revocation.rotate {
        let store = revocation.store()?;
        let first = revocation
            .call(store.consume(
                old.issuer().unwrap_or(""),
                old.jti(),
                revocation.until(old.expires_at()),
            ))
            .await?;
        if !first {
            // Another request spent it a moment ago: the same theft signal.
            revocation.revoke_login(old).await?;
            return Err(AuthError::RefreshTokenReused);
        }
    }
    let family = family_of(old.jti()).map(str::to_owned);
    let mint = |builder: TokenBuilder<'_>| {
        let mut b = builder.raw_claims(old.public_claims());
        if let Some(role) = old.role() {
            b = b.role(role);
        }
        if !old.scopes().is_empty() {
            b = b.scopes(old.scopes().iter().cloned());
        }
        if let Some(family) = &family {
            b = b.in_family(family.clone());
        }
        b.sign_bound().map_err(|e| {
            tracing::error!(error = %e, "axum-jwt: could not mint tokens on refresh");
            AuthError::Malformed("the refresh token's claims cannot be copied into new tokens")
        })
    };
    let identity = old.identity().to_owned();
    let access_token = mint(
        issuer
            .token(TokenKind::Access, identity.clone())
            .fresh(false),
    )?;
    let refresh_token = if revocation.rotate {
        Some(mint(issuer.token(TokenKind::Refresh, identity))?)
    } else {
        None
    };
    Ok(TokenPair::new(access_token, refresh_token))
}

/// The lifecycle without HTTP: what a gRPC or CLI user of the core gets.
#[cfg(test)]
mod tests {
    use crate::{AuthError, Jwt, Requirement};

    fn jwt() -> Jwt {
        Jwt::builder().secret([5u8; 32]).build().unwrap()
    }

    #[tokio::test]
    async fn refresh_rotates_and_a_spent_token_revokes_its_login() {
        let jwt = jwt();
        let login = jwt.login("alice").scopes(["user:read"]).sign().unwrap();
        let first_refresh = login.refresh_token.clone().unwrap();
        let next = jwt.refresh(&first_refresh).await.unwrap();
        let access = jwt.verify_access::<()>(&next.access_token).unwrap();
        assert_eq!(access.scopes(), ["user:read"]);
        assert!(!access.fresh());
        // The exchanged token is spent: presenting it again is theft, and every token of the
        // login, the new ones included, is revoked.
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
    async fn logout_and_log_out_everywhere() {
        let jwt = jwt();
        let any = Requirement::access();
        let one = jwt.login("alice").sign().unwrap();
        let two = jwt.login("alice").sign().unwrap();
        let bob = jwt.login("bob").sign().unwrap();
        let access = jwt.authorize::<()>(&one.access_token, &any).await.unwrap();
        jwt.logout(&access, one.refresh_token.as_deref())
            .await
            .unwrap();
        assert_eq!(
            jwt.authorize::<()>(&one.access_token, &any).await.err(),
            Some(AuthError::Revoked)
        );
        assert!(jwt.authorize::<()>(&two.access_token, &any).await.is_ok());
        jwt.revoke_all_for("alice").await.unwrap();
        assert_eq!(
            jwt.authorize::<()>(&two.access_token, &any).await.err(),
            Some(AuthError::Revoked)
        );
        assert!(jwt.authorize::<()>(&bob.access_token, &any).await.is_ok());
    }

    #[tokio::test]
    async fn revocation_comes_before_the_requirement() {
        let jwt = jwt();
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
    async fn without_revocation_nothing_is_spent_and_revoking_fails_closed() {
        let jwt = Jwt::builder()
            .secret([5u8; 32])
            .without_revocation()
            .build()
            .unwrap();
        let login = jwt.login("alice").sign().unwrap();
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
