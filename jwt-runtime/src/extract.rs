//! axum extractors: [`Token`], `Option<Token>` and [`Jwt`] itself.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use crate::claims::{PrivateClaims, TokenKind};
use crate::config::Jwt;
use crate::error::{AuthError, AuthRejection};
use crate::requirement::Requirement;
use crate::token::Token;

/// A token that passed a guard's requirement, kept for the handler's `Token<C>` argument.
/// Distinct from the plain access-token cache so that a refresh token accepted by
/// `#[refresh_jwt_required]` is never seen by an unguarded `Token` extractor.
struct Guarded<C>(Token<C>);

impl<C> Clone for Guarded<C> {
    fn clone(&self) -> Self {
        Guarded(self.0.clone())
    }
}

impl Jwt {
    /// The handle installed by [`Jwt::layer`], or the 500 `layer_missing` rejection.
    pub(crate) fn from_parts(parts: &Parts) -> Result<Jwt, AuthRejection> {
        parts
            .extensions
            .get::<Jwt>()
            .cloned()
            .ok_or_else(|| AuthRejection::new(AuthError::LayerMissing, None))
    }

    pub(crate) fn rejection(&self, error: AuthError) -> AuthRejection {
        AuthRejection::new(error, Some(self.inner.render.clone()))
    }

    /// Finds and verifies the request's token. `Ok(None)`: the request carries no token.
    pub(crate) fn authenticate<C: PrivateClaims>(
        &self,
        parts: &Parts,
        kind: TokenKind,
    ) -> Result<Option<Token<C>>, AuthError> {
        let Some(found) = self.inner.locations.locate(parts)? else {
            return Ok(None);
        };
        let token = self.verify::<C>(found.token, kind)?;
        if found.location == crate::locate::TokenLocation::Cookie {
            crate::cookies::check_csrf(
                &self.inner.cookies,
                &parts.method,
                &parts.headers,
                token.csrf(),
            )?;
        }
        Ok(Some(token))
    }

    /// Resolves the access token of a request once: a token already verified for this
    /// request is reused, a new one is verified and kept for later extractors.
    pub(crate) async fn access_token_of<C: PrivateClaims>(
        &self,
        parts: &mut Parts,
    ) -> Result<Option<Token<C>>, AuthError> {
        if let Some(Guarded(token)) = parts.extensions.get::<Guarded<C>>() {
            return Ok(Some(token.clone()));
        }
        if let Some(token) = parts.extensions.get::<Token<C>>() {
            return Ok(Some(token.clone()));
        }
        let token = self.authenticate::<C>(parts, TokenKind::Access)?;
        if let Some(token) = &token {
            self.check_revocation(token).await?;
            parts.extensions.insert(token.clone());
        }
        Ok(token)
    }

    /// Applies a requirement to the request: finds and verifies the token of the required
    /// kind, checks freshness, roles and scopes. `Ok(None)`: an optional requirement and no
    /// token. Borrows the request only, so a guard can run with the handle borrowed from the
    /// request's extensions (no reference count touched on the hot path); the caller keeps
    /// the token with [`keep_guarded`].
    pub(crate) async fn admit<C: PrivateClaims>(
        &self,
        parts: &Parts,
        requirement: &Requirement,
    ) -> Result<Option<Token<C>>, AuthError> {
        let token = match self.authenticate::<C>(parts, requirement.kind())? {
            Some(token) => token,
            None if requirement.is_optional() => return Ok(None),
            None => return Err(self.missing_token()),
        };
        // A revoked token is an invalid token: 401 before any 403 of the requirement.
        if !requirement.skips_revocation() {
            self.check_revocation(&token).await?;
        }
        requirement.check(&token)?;
        Ok(Some(token))
    }

    pub(crate) fn missing_token(&self) -> AuthError {
        AuthError::MissingToken {
            looked_in: self.inner.locations.looked_in().to_owned().into(),
        }
    }
}

/// Requires a valid access token.
impl<S, C> FromRequestParts<S> for Token<C>
where
    S: Send + Sync,
    C: PrivateClaims,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(Guarded(token)) = parts.extensions.get::<Guarded<C>>() {
            return Ok(token.clone());
        }
        let jwt = Jwt::from_parts(parts)?;
        match jwt.access_token_of::<C>(parts).await {
            Ok(Some(token)) => Ok(token),
            Ok(None) => Err(jwt.rejection(jwt.missing_token())),
            Err(e) => Err(jwt.rejection(e)),
        }
    }
}

/// `None` only when the request carries no token; a present but invalid token is rejected
/// (sanic-jwt-extended's `jwt_optional`).
impl<S, C> OptionalFromRequestParts<S> for Token<C>
where
    S: Send + Sync,
    C: PrivateClaims,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let jwt = Jwt::from_parts(parts)?;
        jwt.access_token_of::<C>(parts)
            .await
            .map_err(|e| jwt.rejection(e))
    }
}

/// The handle, for handlers that create tokens (login).
impl<S> FromRequestParts<S> for Jwt
where
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Jwt::from_parts(parts)
    }
}

/// Keeps a token admitted by a guard for the handler's `Token<C>` argument.
pub(crate) fn keep_guarded<C: PrivateClaims>(parts: &mut Parts, token: Option<Token<C>>) {
    if let Some(token) = token {
        parts.extensions.insert(Guarded(token));
    }
}

/// Applies `requirement` with the handle the layer installed, borrowed from the request.
pub(crate) async fn guard<C: PrivateClaims>(
    parts: &mut Parts,
    requirement: &Requirement,
) -> Result<(), AuthRejection> {
    let admitted = {
        let Some(jwt) = parts.extensions.get::<Jwt>() else {
            return Err(AuthRejection::new(AuthError::LayerMissing, None));
        };
        match jwt.admit::<C>(parts, requirement).await {
            Ok(token) => token,
            Err(e) => return Err(jwt.rejection(e)),
        }
    };
    keep_guarded(parts, admitted);
    Ok(())
}

/// A requirement known at compile time. The attribute macros implement it on a hidden unit
/// struct per handler; not meant to be implemented by hand.
pub trait StaticRequirement: Send + Sync + 'static {
    /// The requirement.
    const REQUIREMENT: &'static Requirement;
}

/// The extractor the attribute macros put first in a handler's arguments: it verifies the
/// token once, applies the requirement `R`, and leaves the verified `Token<C>` for the
/// handler's own token argument. Because it runs first, body extractors never run for a
/// rejected request.
pub struct Guard<R, C = ()> {
    _marker: PhantomData<fn() -> (R, C)>,
}

impl<R, C> std::fmt::Debug for Guard<R, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Guard")
    }
}

impl<S, R, C> FromRequestParts<S> for Guard<R, C>
where
    S: Send + Sync,
    R: StaticRequirement,
    C: PrivateClaims,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        guard::<C>(parts, R::REQUIREMENT).await?;
        Ok(Guard {
            _marker: PhantomData,
        })
    }
}

/// The guard fused with the handler's first extractor `E`: the requirement `R` is enforced
/// first, then `E` runs. The attribute macros wrap an existing argument instead of adding one,
/// so the handler keeps its arity (and `#[axum::debug_handler]` can sit on either side).
/// Works for request-parts extractors and for body extractors (`Json<T>` as the only
/// argument), which then never run for a rejected request.
pub struct WithGuard<R, C, E>(pub E, pub PhantomData<fn() -> (R, C)>);

impl<R, C, E: std::fmt::Debug> std::fmt::Debug for WithGuard<R, C, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("WithGuard").field(&self.0).finish()
    }
}

impl<S, R, C, E> FromRequestParts<S> for WithGuard<R, C, E>
where
    S: Send + Sync,
    R: StaticRequirement,
    C: PrivateClaims,
    E: FromRequestParts<S>,
{
    type Rejection = axum::response::Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        guard::<C>(parts, R::REQUIREMENT)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        let inner = E::from_request_parts(parts, state)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        Ok(WithGuard(inner, PhantomData))
    }
}

impl<S, R, C, E> axum::extract::FromRequest<S> for WithGuard<R, C, E>
where
    S: Send + Sync,
    R: StaticRequirement,
    C: PrivateClaims,
    E: axum::extract::FromRequest<S>,
{
    type Rejection = axum::response::Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        guard::<C>(&mut parts, R::REQUIREMENT)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        let request = axum::extract::Request::from_parts(parts, body);
        let inner = E::from_request(request, state)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        Ok(WithGuard(inner, PhantomData))
    }
}

/// Compiles only for [`PrivateClaims`] types: the macros call it at the span of the user's
/// claims type, so a wrong type is reported there.
pub const fn assert_private_claims<C: PrivateClaims>() {}
