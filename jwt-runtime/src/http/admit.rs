//! The admission pipeline: the one path from a request to a verified token that meets a
//! route's requirement. Every extractor, the router layer and the `/auth` endpoints admit
//! requests here, and the steps run in this order:
//!
//! 1. **locate** the token (header, query or cookie; one token per request);
//! 2. **verify** it as the kind the route asks for (signature, header, claims, clock);
//! 3. check **CSRF** when it came from a cookie;
//! 4. ask the **revocation** store (a revoked token is a 401, before any 403);
//! 5. check the **requirement** (freshness, roles, scopes).
//!
//! Each admission runs in a DEBUG span `admit` (method, route) of the target `axum_jwt_guard`, and
//! each refusal writes one INFO event there (see `observe.rs`).

use axum::extract::MatchedPath;
use axum::http::request::Parts;
use tracing::Instrument as _;

use crate::error::AuthError;
use crate::handle::Components;
use crate::requirement::{Requirement, Roles};
use crate::revocation;
use crate::token::Token;
use crate::token::claims::{PrivateClaims, TokenKind};
use crate::transport::locate::TokenLocation;

/// What `Token<C>` asks with no attribute: a valid access token.
pub(crate) const ACCESS: Requirement = Requirement::access();
/// What `Option<Token<C>>` asks: a valid access token, or none at all.
pub(crate) const ACCESS_OPTIONAL: Requirement = Requirement {
    kind: TokenKind::Access,
    fresh: false,
    optional: true,
    roles: Roles::Any,
    scopes: None,
    skip_revocation: false,
};

/// The route template axum matched (`/users/{id}`), else the path.
fn route(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<MatchedPath>()
        .map_or(parts.uri.path(), MatchedPath::as_str)
}

/// The one event of a refused request: the reason and status; the method and route; what
/// the token's header and `iss` say (unverified, bounded, escaped by the subscriber); the
/// identity when the token verified and a later step refused it. Never the token itself.
pub(crate) fn refused(
    c: &Components,
    parts: &Parts,
    raw: Option<&str>,
    identity: Option<&str>,
    error: &AuthError,
) {
    if !tracing::enabled!(target: crate::observe::TARGET, tracing::Level::INFO) {
        return;
    }
    let hints = raw.map(|t| c.verifier.hints(t)).unwrap_or_default();
    tracing::info!(
        target: crate::observe::TARGET,
        reason = error.reason(),
        status = error.status().as_u16(),
        method = %parts.method,
        route = route(parts),
        alg = hints.alg.as_deref(),
        kid = hints.kid.as_deref(),
        iss = hints.iss.as_deref(),
        identity,
        "request refused"
    );
}

/// Admits a request under `requirement`. `Ok(None)`: an optional requirement and no token.
pub(crate) async fn admit<C: PrivateClaims>(
    c: &Components,
    parts: &Parts,
    requirement: &Requirement,
) -> Result<Option<Token<C>>, AuthError> {
    let span = tracing::debug_span!(
        target: crate::observe::TARGET,
        "admit",
        method = %parts.method,
        route = route(parts),
    );
    async {
        let located = c.http.locations.locate(parts).inspect_err(|e| {
            refused(c, parts, None, None, e);
        })?;
        let Some(found) = located else {
            return if requirement.is_optional() {
                Ok(None)
            } else {
                let e = c.http.missing_token();
                refused(c, parts, None, None, &e);
                Err(e)
            };
        };
        let from_cookie = found.location == TokenLocation::Cookie;
        admit_found(c, parts, found.token, from_cookie, requirement)
            .await
            .map(Some)
    }
    .instrument(span)
    .await
}

/// Steps 2 to 5 for a token already located (the refresh endpoint also reads it from the
/// JSON body). `from_cookie`: the browser sent it by itself, so CSRF applies.
pub(crate) async fn admit_found<C: PrivateClaims>(
    c: &Components,
    parts: &Parts,
    raw: &str,
    from_cookie: bool,
    requirement: &Requirement,
) -> Result<Token<C>, AuthError> {
    let token = c
        .verifier
        .verify_now::<C>(raw, requirement.kind(), &c.clock)
        .await
        .inspect_err(|e| refused(c, parts, Some(raw), None, e))?;
    let checked = async {
        if from_cookie {
            c.http
                .cookies
                .check_csrf(&parts.method, &parts.headers, token.csrf())?;
        }
        revocation::authorize(&c.revocation, &token, requirement).await
    }
    .await;
    if let Err(e) = &checked {
        refused(c, parts, Some(raw), Some(token.identity()), e);
    }
    checked.map(|()| token)
}
