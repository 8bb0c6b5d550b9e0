//! The admission pipeline: the one path from a request to a verified token that meets a
//! route's requirement. Every extractor, the router layer and the `/auth` endpoints admit
//! requests here, and the steps run in this order:
//!
//! 1. **locate** the token (header, query or cookie; one token per request);
//! 2. **verify** it as the kind the route asks for (signature, header, claims, clock);
//! 3. check **CSRF** when it came from a cookie;
//! 4. ask the **revocation** store (a revoked token is a 401, before any 403);
//! 5. check the **requirement** (freshness, roles, scopes).

use axum::http::request::Parts;

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

/// Admits a request under `requirement`. `Ok(None)`: an optional requirement and no token.
pub(crate) async fn admit<C: PrivateClaims>(
    c: &Components,
    parts: &Parts,
    requirement: &Requirement,
) -> Result<Option<Token<C>>, AuthError> {
    let Some(found) = c.http.locations.locate(parts)? else {
        return if requirement.is_optional() {
            Ok(None)
        } else {
            Err(c.http.missing_token())
        };
    };
    let from_cookie = found.location == TokenLocation::Cookie;
    admit_found(c, parts, found.token, from_cookie, requirement)
        .await
        .map(Some)
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
        .await?;
    if from_cookie {
        c.http
            .cookies
            .check_csrf(&parts.method, &parts.headers, token.csrf())?;
    }
    revocation::authorize(&c.revocation, &token, requirement).await?;
    Ok(token)
}
