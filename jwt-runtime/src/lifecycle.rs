//! The token lifecycle through the [`Jwt`] handle: revocation checks, revoke, log out
//! everywhere, refresh with rotation and reuse detection, logout.

use std::future::Future;
use std::task::Poll;

use crate::config::Jwt;
use crate::error::AuthError;
use crate::issue::{TokenBuilder, TokenPair};
use crate::revocation::{StoreError, TokenRef, TokenStatus, family_of};
use crate::token::Token;
use crate::verify::now;

/// A store that could not answer: the request is refused (fail closed).
fn store_failed(e: StoreError) -> AuthError {
    tracing::warn!(error = %e, "axum-jwt: revocation store failed; refusing the request");
    AuthError::RevocationUnavailable
}

impl Jwt {
    /// Runs one store call under the configured timeout; an error or a timeout is
    /// `revocation_unavailable` (fail closed).
    async fn store_call<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, AuthError> {
        // A store that answers at once (the memory store) needs no timer: poll once first,
        // and arm the timeout only for an answer that has to wait (Redis).
        let mut call = std::pin::pin!(call);
        let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
        let answer = match first {
            Poll::Ready(answer) => Ok(answer),
            Poll::Pending => tokio::time::timeout(self.inner.store_timeout, call).await,
        };
        match answer {
            Ok(answer) => answer.map_err(store_failed),
            Err(_) => {
                tracing::warn!("axum-jwt: revocation store timed out; refusing the request");
                Err(AuthError::RevocationUnavailable)
            }
        }
    }

    fn token_ref<'a, C>(token: &'a Token<C>) -> TokenRef<'a> {
        TokenRef {
            issuer: token.issuer().unwrap_or(""),
            jti: token.jti(),
            family: family_of(token.jti()),
            identity: token.identity(),
            issued_at: token.issued_at(),
        }
    }

    /// The store's view of a verified token (`Active` when revocation is off).
    async fn status<C>(&self, token: &Token<C>) -> Result<TokenStatus, AuthError> {
        match &self.inner.store {
            None => Ok(TokenStatus::Active),
            Some(store) => match store.status_now(Self::token_ref(token)) {
                Some(answer) => answer.map_err(store_failed),
                None => self.store_call(store.status(Self::token_ref(token))).await,
            },
        }
    }

    /// Refuses a revoked or spent token.
    pub(crate) async fn check_revocation<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        match self.status(token).await? {
            TokenStatus::Active => Ok(()),
            TokenStatus::Revoked | TokenStatus::Used => Err(AuthError::Revoked),
        }
    }

    /// Keep entries a little longer than the token: it is accepted up to `exp + leeway`.
    fn until(&self, exp: u64) -> u64 {
        exp.saturating_add(self.inner.leeway).saturating_add(1)
    }

    /// The longest a token of any kind minted now can live.
    fn longest_lifetime_from_now(&self) -> u64 {
        let longest = self.inner.access_ttl.max(self.inner.refresh_ttl).as_secs();
        self.until(now().saturating_add(longest))
    }

    fn store(&self) -> Result<&dyn crate::revocation::RevocationStore, AuthError> {
        self.inner
            .store
            .as_deref()
            .ok_or(AuthError::RevocationUnavailable)
    }

    /// Revokes one token until it would have expired. Every instance that shares the store
    /// refuses it from the next request on.
    pub async fn revoke<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let until = self.until(token.expires_at());
        self.store_call(store.revoke(token.issuer().unwrap_or(""), token.jti(), until))
            .await
    }

    /// Revokes every token of one login (the access token, its refresh token and every
    /// token refreshed from them).
    pub async fn revoke_login<C>(&self, token: &Token<C>) -> Result<(), AuthError> {
        let store = self.store()?;
        let issuer = token.issuer().unwrap_or("");
        match family_of(token.jti()) {
            Some(family) => {
                let until = self
                    .longest_lifetime_from_now()
                    .max(self.until(token.expires_at()));
                self.store_call(store.revoke_family(issuer, family, until))
                    .await
            }
            None => self.revoke(token).await,
        }
    }

    /// "Log out everywhere": revokes every token of `identity` issued up to now, access and
    /// refresh, on every instance sharing the store.
    pub async fn revoke_all_for(&self, identity: &str) -> Result<(), AuthError> {
        let store = self.store()?;
        let issuer = self.inner.issuer.as_deref().unwrap_or("");
        let until = self.longest_lifetime_from_now();
        self.store_call(store.revoke_identity(issuer, identity, now(), until))
            .await
    }

    /// Logs out: revokes the access token and its login family, which holds the paired
    /// refresh token (and any token refreshed from it). A refresh token of the same identity
    /// given as well is revoked with its family.
    pub async fn logout<C>(
        &self,
        access: &Token<C>,
        refresh: Option<&str>,
    ) -> Result<(), AuthError> {
        self.revoke(access).await?;
        self.revoke_login(access).await?;
        if let Some(raw) = refresh {
            let refresh = self.verify_refresh::<()>(raw)?;
            if refresh.identity() != access.identity() {
                return Err(AuthError::InvalidRequest(
                    "the refresh token belongs to another identity than the access token",
                ));
            }
            self.revoke(&refresh).await?;
            self.revoke_login(&refresh).await?;
        }
        Ok(())
    }

    /// Exchanges a refresh token for a new access token (never fresh) and, with rotation (the
    /// default), a new refresh token; the presented refresh token is spent. Presenting a spent
    /// refresh token again is treated as theft: every token of its login is revoked and the
    /// answer is 401 `refresh_token_reused`.
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, AuthError> {
        let old = self.verify_refresh::<()>(refresh_token)?;
        match self.status(&old).await? {
            TokenStatus::Active => {}
            TokenStatus::Revoked => return Err(AuthError::Revoked),
            TokenStatus::Used => {
                self.revoke_login(&old).await?;
                return Err(AuthError::RefreshTokenReused);
            }
        }
        let rotate = self.inner.rotate_refresh_tokens && self.inner.store.is_some();
        if rotate {
            let store = self.store()?;
            let first = self
                .store_call(store.consume(
                    old.issuer().unwrap_or(""),
                    old.jti(),
                    self.until(old.expires_at()),
                ))
                .await?;
            if !first {
                // Another request spent it a moment ago: the same theft signal.
                self.revoke_login(&old).await?;
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
        let access_token = mint(self.access_token(old.identity()).fresh(false))?;
        let refresh_token = if rotate {
            Some(mint(self.refresh_token(old.identity()))?)
        } else {
            None
        };
        Ok(TokenPair::new(access_token, refresh_token))
    }
}
