//! axum extractors: [`Token`], `Option<Token>` and [`Jwt`] itself, and the guard the
//! attribute macros put first in a handler. Each admits the request through
//! [`admit`](super::admit) and keeps the token for the extractors after it.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::admit::admit;
use super::admit::{ACCESS, ACCESS_OPTIONAL};
use crate::error::AuthError;
use crate::handle::Jwt;
use crate::requirement::{Requirement, StaticRequirement};
use crate::token::Token;
use crate::token::claims::PrivateClaims;
use crate::transport::response::AuthRejection;

/// A token that passed a guard's requirement, kept for the handler's `Token<C>` argument.
/// Distinct from the plain access token kept by `Token<C>` so that a refresh token accepted
/// by `#[refresh_jwt_required]` is never seen by an unguarded `Token` extractor.
struct Guarded<C>(Token<C>);

impl<C> Clone for Guarded<C> {
    fn clone(&self) -> Self {
        Guarded(self.0.clone())
    }
}

/// The handle installed by the layer, or the 500 `layer_missing` rejection.
fn installed(parts: &Parts) -> Result<&Jwt, AuthRejection> {
    parts
        .extensions
        .get::<Jwt>()
        .ok_or_else(|| AuthRejection::new(AuthError::LayerMissing, None))
}

fn rejection(jwt: &Jwt, error: AuthError) -> AuthRejection {
    AuthRejection::new(error, Some(jwt.inner.http.render.clone()))
}

/// Resolves the access token of a request once: a token already admitted for this request
/// is reused, a new one is admitted under `requirement` (plain or optional access) and kept.
async fn access_token<C: PrivateClaims>(
    parts: &mut Parts,
    requirement: &Requirement,
) -> Result<Option<Token<C>>, AuthRejection> {
    if let Some(Guarded(token)) = parts.extensions.get::<Guarded<C>>() {
        return Ok(Some(token.clone()));
    }
    if let Some(token) = parts.extensions.get::<Token<C>>() {
        return Ok(Some(token.clone()));
    }
    let jwt = installed(parts)?.clone();
    let token = admit::<C>(&jwt.inner, parts, requirement)
        .await
        .map_err(|e| rejection(&jwt, e))?;
    if let Some(token) = &token {
        parts.extensions.insert(token.clone());
    }
    Ok(token)
}

/// Requires a valid access token.
impl<S, C> FromRequestParts<S> for Token<C>
where
    S: Send + Sync,
    C: PrivateClaims,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let token = access_token::<C>(parts, &ACCESS).await?;
        // `admit` answers a required token with a token or an error; `None` would be a
        // missing token all the same.
        token.ok_or_else(|| match installed(parts) {
            Ok(jwt) => rejection(jwt, jwt.inner.http.missing_token()),
            Err(rejection) => rejection,
        })
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
        access_token::<C>(parts, &ACCESS_OPTIONAL).await
    }
}

/// The handle, for handlers that create tokens (login).
impl<S> FromRequestParts<S> for Jwt
where
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        installed(parts).cloned()
    }
}

/// Keeps a token admitted by a guard for the handler's `Token<C>` argument.
pub(crate) fn keep_guarded<C: PrivateClaims>(parts: &mut Parts, token: Option<Token<C>>) {
    if let Some(token) = token {
        parts.extensions.insert(Guarded(token));
    }
}

/// Applies `requirement` with the handle the layer installed, borrowed from the request (no
/// reference count touched on the hot path).
async fn guard<C: PrivateClaims>(
    parts: &mut Parts,
    requirement: &Requirement,
) -> Result<(), AuthRejection> {
    let admitted = {
        let jwt = installed(parts)?;
        admit::<C>(&jwt.inner, parts, requirement)
            .await
            .map_err(|e| rejection(jwt, e))?
    };
    keep_guarded(parts, admitted);
    Ok(())
}

/// The extractor the attribute macros put first in a handler's arguments: it admits the
/// request under the requirement `R` and leaves the verified `Token<C>` for the handler's own
/// token argument. Because it runs first, body extractors never run for a rejected request.
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
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        guard::<C>(parts, R::REQUIREMENT)
            .await
            .map_err(IntoResponse::into_response)?;
        let inner = E::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
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
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        guard::<C>(&mut parts, R::REQUIREMENT)
            .await
            .map_err(IntoResponse::into_response)?;
        let request = axum::extract::Request::from_parts(parts, body);
        let inner = E::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(WithGuard(inner, PhantomData))
    }
}

/// Compiles only for [`PrivateClaims`] types: the macros call it at the span of the user's
/// claims type, so a wrong type is reported there.
pub const fn assert_private_claims<C: PrivateClaims>() {}
