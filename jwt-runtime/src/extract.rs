//! axum extractors: [`Token`], `Option<Token>` and [`Jwt`] itself.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use crate::claims::{PrivateClaims, TokenKind};
use crate::config::Jwt;
use crate::error::{AuthError, AuthRejection};
use crate::token::Token;

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
        match self.inner.locations.locate(parts)? {
            None => Ok(None),
            Some(found) => self.verify::<C>(found.token, kind).map(Some),
        }
    }

    /// Resolves the access token of a request once: a token already verified for this
    /// request is reused, a new one is verified and kept for later extractors.
    pub(crate) fn access_token_of<C: PrivateClaims>(
        &self,
        parts: &mut Parts,
    ) -> Result<Option<Token<C>>, AuthError> {
        if let Some(token) = parts.extensions.get::<Token<C>>() {
            return Ok(Some(token.clone()));
        }
        let token = self.authenticate::<C>(parts, TokenKind::Access)?;
        if let Some(token) = &token {
            parts.extensions.insert(token.clone());
        }
        Ok(token)
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
        let jwt = Jwt::from_parts(parts)?;
        match jwt.access_token_of::<C>(parts) {
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
