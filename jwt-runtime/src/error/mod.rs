//! What went wrong, as data: [`AuthError`] for a request or a token, [`ConfigError`] for a
//! configuration. Neither knows HTTP: the transport ring (`transport/response.rs`) decides the
//! status code, the challenge and the body.

use std::borrow::Cow;
use std::fmt;

mod config;

pub use config::ConfigError;

/// Why a request was not authenticated.
///
/// Every variant has a stable machine-readable [`reason`](AuthError::reason), an HTTP
/// status (with the `axum` feature, `AuthError::status`) and, for 401 and 403, the RFC 6750 `WWW-Authenticate`
/// challenge. Messages come from a fixed set of texts and the names of configured claims;
/// they never echo token contents or library internals.
///
/// | variant | status | `error` | `reason` |
/// |---|---|---|---|
/// | [`MissingToken`](AuthError::MissingToken) | 401 (bare `Bearer` challenge) | `missing_token` | `missing_token` |
/// | [`InvalidRequest`](AuthError::InvalidRequest) | 400 (challenge with `error="invalid_request"`) | `invalid_request` | `invalid_request` |
/// | [`TokenTooLarge`](AuthError::TokenTooLarge) | 401 | `invalid_token` | `token_too_large` |
/// | [`Malformed`](AuthError::Malformed) | 401 | `invalid_token` | `malformed` |
/// | [`UnsupportedHeader`](AuthError::UnsupportedHeader) | 401 | `invalid_token` | `unsupported_header` |
/// | [`WrongAlgorithm`](AuthError::WrongAlgorithm) | 401 | `invalid_token` | `wrong_algorithm` |
/// | [`BadSignature`](AuthError::BadSignature) | 401 | `invalid_token` | `bad_signature` |
/// | [`InvalidClaims`](AuthError::InvalidClaims) | 401 | `invalid_token` | `invalid_claims` |
/// | [`InvalidPrivateClaims`](AuthError::InvalidPrivateClaims) | 401 | `invalid_token` | `invalid_private_claims` |
/// | [`WrongTokenType`](AuthError::WrongTokenType) | 401 | `invalid_token` | `wrong_token_type` |
/// | [`Expired`](AuthError::Expired) | 401 | `invalid_token` | `expired` |
/// | [`NotYetValid`](AuthError::NotYetValid) | 401 | `invalid_token` | `not_yet_valid` |
/// | [`IssuedInFuture`](AuthError::IssuedInFuture) | 401 | `invalid_token` | `issued_in_future` |
/// | [`WrongIssuer`](AuthError::WrongIssuer) | 401 | `invalid_token` | `wrong_issuer` |
/// | [`WrongAudience`](AuthError::WrongAudience) | 401 | `invalid_token` | `wrong_audience` |
/// | [`UnknownKey`](AuthError::UnknownKey) | 401 | `invalid_token` | `unknown_key` |
/// | [`KeysUnavailable`](AuthError::KeysUnavailable) | 503 (with `Retry-After`) | `temporarily_unavailable` | `keys_unavailable` |
/// | [`NotFresh`](AuthError::NotFresh) | 401 | `invalid_token` | `not_fresh` |
/// | [`RoleNotAllowed`](AuthError::RoleNotAllowed) | 403 | `insufficient_scope` | `role_not_allowed` |
/// | [`InsufficientScope`](AuthError::InsufficientScope) | 403 (challenge with `scope="..."`) | `insufficient_scope` | `insufficient_scope` |
/// | [`Revoked`](AuthError::Revoked) | 401 | `invalid_token` | `revoked` |
/// | [`RefreshTokenReused`](AuthError::RefreshTokenReused) | 401 | `invalid_token` | `refresh_token_reused` |
/// | [`AccountUnavailable`](AuthError::AccountUnavailable) | 401 | `invalid_token` | `account_unavailable` |
/// | [`RevocationUnavailable`](AuthError::RevocationUnavailable) | 503 (with `Retry-After`) | `temporarily_unavailable` | `revocation_unavailable` |
/// | [`CsrfMissing`](AuthError::CsrfMissing) | 401 | `invalid_token` | `csrf_missing` |
/// | [`CsrfMismatch`](AuthError::CsrfMismatch) | 401 | `invalid_token` | `csrf_mismatch` |
/// | [`InvalidClaim`](AuthError::InvalidClaim) | 401 | `invalid_token` | `invalid_claim` |
/// | [`AuthenticationFailed`](AuthError::AuthenticationFailed) | 401 (bare `Bearer` challenge) | `authentication_failed` | `authentication_failed` |
/// | [`InvalidBody`](AuthError::InvalidBody) | 400 | `invalid_request` | `invalid_request` |
/// | [`PayloadTooLarge`](AuthError::PayloadTooLarge) | 413 | `invalid_request` | `payload_too_large` |
/// | [`LayerMissing`](AuthError::LayerMissing) | 500 | `server_error` | `layer_missing` |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No token in any configured location. `looked_in` names the locations, e.g.
    /// `"the Authorization header"`.
    MissingToken {
        /// Where the library looked, for the message.
        looked_in: Cow<'static, str>,
    },
    /// The request itself is malformed (two tokens, two `Authorization` headers, ...).
    InvalidRequest(&'static str),
    /// The token is longer than the configured maximum; it was refused before decoding.
    TokenTooLarge,
    /// Not a compact JWS: wrong segment count, bad base64url, header or payload not a JSON
    /// object.
    Malformed(&'static str),
    /// A header parameter this library does not implement (`crit`, `zip`, nested JWT).
    UnsupportedHeader(&'static str),
    /// The header's `alg` is not the configured algorithm (including `none`).
    WrongAlgorithm,
    /// The signature does not match.
    BadSignature,
    /// A registered or library claim is missing or of the wrong JSON type. Holds the claim
    /// name as configured.
    InvalidClaims(Cow<'static, str>),
    /// The application's private claims are missing or of the wrong type.
    InvalidPrivateClaims,
    /// An access token where a refresh token is required, or the reverse.
    WrongTokenType,
    /// `exp` is in the past (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    IssuedInFuture,
    /// `iss` is missing or is not the configured issuer.
    WrongIssuer,
    /// `aud` is missing or does not contain a configured audience.
    WrongAudience,
    /// No key of the identity provider's set fits the token's `kid` and algorithm (after one
    /// refresh of the set, when the cooldown allowed it), or several fit a token without
    /// `kid`.
    UnknownKey,
    /// The identity provider's keys are not available: never fetched yet (the provider was
    /// down at start), or not refreshed for longer than the outage limit. Fails closed.
    KeysUnavailable,
    /// The route needs a fresh token (minted from a login, not from a refresh).
    NotFresh,
    /// The token's role is not allowed on this route (or is denied).
    RoleNotAllowed,
    /// The token lacks the route's scopes.
    InsufficientScope {
        /// The required scopes, space-separated (the challenge's `scope` parameter).
        required: Cow<'static, str>,
    },
    /// The token was revoked (logout, `revoke`, its login's family, or "log out everywhere").
    Revoked,
    /// An already exchanged refresh token was presented again: treated as theft, its whole
    /// family is revoked.
    RefreshTokenReused,
    /// The revocation store did not answer (down, timeout): the request fails closed.
    RevocationUnavailable,
    /// At refresh, the application said the user is gone or disabled
    /// (`Authenticator::on_refresh`): the login ended.
    AccountUnavailable,
    /// A cookie-borne token on an unsafe method without the CSRF header.
    CsrfMissing,
    /// The CSRF header does not match the token's `csrf` claim.
    CsrfMismatch,
    /// A custom claim's `verify` refused the token; holds the claim key.
    InvalidClaim(Cow<'static, str>),
    /// Wrong credentials at the login endpoint: the same answer whether or not the user
    /// exists.
    AuthenticationFailed,
    /// The request body is not what the endpoint reads (content type, JSON, fields); the
    /// message names the problem.
    InvalidBody(Cow<'static, str>),
    /// The request body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// A guard ran on a router that has no `Jwt::layer` installed.
    LayerMissing,
}

impl AuthError {
    /// The stable machine-readable reason, the `reason` field of the JSON body.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::MissingToken { .. } => "missing_token",
            AuthError::InvalidRequest(_) => "invalid_request",
            AuthError::TokenTooLarge => "token_too_large",
            AuthError::Malformed(_) => "malformed",
            AuthError::UnsupportedHeader(_) => "unsupported_header",
            AuthError::WrongAlgorithm => "wrong_algorithm",
            AuthError::BadSignature => "bad_signature",
            AuthError::InvalidClaims(_) => "invalid_claims",
            AuthError::InvalidPrivateClaims => "invalid_private_claims",
            AuthError::WrongTokenType => "wrong_token_type",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::IssuedInFuture => "issued_in_future",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::UnknownKey => "unknown_key",
            AuthError::KeysUnavailable => "keys_unavailable",
            AuthError::NotFresh => "not_fresh",
            AuthError::RoleNotAllowed => "role_not_allowed",
            AuthError::InsufficientScope { .. } => "insufficient_scope",
            AuthError::Revoked => "revoked",
            AuthError::RefreshTokenReused => "refresh_token_reused",
            AuthError::RevocationUnavailable => "revocation_unavailable",
            AuthError::AccountUnavailable => "account_unavailable",
            AuthError::CsrfMissing => "csrf_missing",
            AuthError::CsrfMismatch => "csrf_mismatch",
            AuthError::InvalidClaim(_) => "invalid_claim",
            AuthError::AuthenticationFailed => "authentication_failed",
            AuthError::InvalidBody(_) => "invalid_request",
            AuthError::PayloadTooLarge => "payload_too_large",
            AuthError::LayerMissing => "layer_missing",
        }
    }

    /// The RFC 6750 error code (`invalid_token`, `invalid_request`), if the error has one.
    pub fn rfc6750_code(&self) -> Option<&'static str> {
        match self {
            AuthError::MissingToken { .. }
            | AuthError::LayerMissing
            | AuthError::AuthenticationFailed
            | AuthError::RevocationUnavailable
            | AuthError::KeysUnavailable => None,
            AuthError::InvalidRequest(_)
            | AuthError::InvalidBody(_)
            | AuthError::PayloadTooLarge => Some("invalid_request"),
            AuthError::RoleNotAllowed | AuthError::InsufficientScope { .. } => {
                Some("insufficient_scope")
            }
            _ => Some("invalid_token"),
        }
    }

    /// The `error_description` of the challenge: a fixed text per reason, restricted to the
    /// characters RFC 6750 §3 allows.
    pub fn description(&self) -> &'static str {
        match self {
            AuthError::MissingToken { .. } => "No access token was provided",
            AuthError::InvalidRequest(_) => "The request is malformed",
            AuthError::TokenTooLarge => "The token is too large",
            AuthError::Malformed(_) => "The token is malformed",
            AuthError::UnsupportedHeader(_) => "The token uses an unsupported header parameter",
            AuthError::WrongAlgorithm => {
                "The token is signed with an algorithm that is not accepted"
            }
            AuthError::BadSignature => "The token signature is invalid",
            AuthError::InvalidClaims(_) => "The token claims are invalid",
            AuthError::InvalidPrivateClaims => "The token private claims are invalid",
            AuthError::WrongTokenType => "The token is of the wrong type",
            AuthError::Expired => "The token has expired",
            AuthError::NotYetValid => "The token is not valid yet",
            AuthError::IssuedInFuture => "The token is issued in the future",
            AuthError::WrongIssuer => "The token issuer is not accepted",
            AuthError::WrongAudience => "The token audience is not accepted",
            AuthError::UnknownKey => "The token signing key is not known",
            AuthError::KeysUnavailable => "The token signing keys cannot be loaded right now",
            AuthError::NotFresh => "A fresh token is required",
            AuthError::RoleNotAllowed => "The token role is not allowed",
            AuthError::InsufficientScope { .. } => "The token lacks the required scope",
            AuthError::Revoked => "The token has been revoked",
            AuthError::RefreshTokenReused => "The refresh token was already used",
            AuthError::RevocationUnavailable => "Token revocation cannot be checked right now",
            AuthError::AccountUnavailable => "The account of the token is no longer available",
            AuthError::CsrfMissing => "The CSRF header is missing",
            AuthError::CsrfMismatch => "The CSRF header does not match the token",
            AuthError::InvalidClaim(_) => "A token claim is invalid",
            AuthError::AuthenticationFailed => "Authentication failed",
            AuthError::InvalidBody(_) => "The request body is malformed",
            AuthError::PayloadTooLarge => "The request body is too large",
            AuthError::LayerMissing => "Server misconfiguration",
        }
    }

    /// The human-readable message of the JSON body.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            AuthError::MissingToken { looked_in } => {
                Cow::Owned(format!("no access token was found; looked in {looked_in}"))
            }
            AuthError::InvalidRequest(m)
            | AuthError::Malformed(m)
            | AuthError::UnsupportedHeader(m) => Cow::Borrowed(m),
            AuthError::InvalidClaims(name) => Cow::Owned(format!(
                "the token's `{name}` claim is missing or has the wrong type"
            )),
            AuthError::LayerMissing => Cow::Borrowed(
                "axum-jwt-guard is not installed on this router: add `.layer(jwt.layer())` to the Router",
            ),
            AuthError::TokenTooLarge => {
                Cow::Borrowed("the token is longer than the accepted maximum")
            }
            AuthError::WrongAlgorithm => {
                Cow::Borrowed("the token is not signed with the algorithm this service accepts")
            }
            AuthError::BadSignature => Cow::Borrowed("the token signature does not verify"),
            AuthError::InvalidPrivateClaims => {
                Cow::Borrowed("the token's private claims are missing or have the wrong type")
            }
            AuthError::WrongTokenType => {
                Cow::Borrowed("the token is not of the type this route accepts")
            }
            AuthError::Expired => Cow::Borrowed("the token has expired"),
            AuthError::NotYetValid => Cow::Borrowed("the token is not valid yet (nbf)"),
            AuthError::IssuedInFuture => {
                Cow::Borrowed("the token's issue time (iat) is in the future")
            }
            AuthError::WrongIssuer => Cow::Borrowed("the token's issuer (iss) is not accepted"),
            AuthError::WrongAudience => Cow::Borrowed("the token's audience (aud) is not accepted"),
            AuthError::UnknownKey => Cow::Borrowed(
                "no key of the issuer's key set fits the token's key id (kid) and algorithm",
            ),
            AuthError::KeysUnavailable => Cow::Borrowed(
                "the identity provider's signing keys cannot be loaded right now; retry shortly",
            ),
            AuthError::NotFresh => Cow::Borrowed(
                "this route needs a fresh token: log in again (a refreshed token is not fresh)",
            ),
            AuthError::RoleNotAllowed => {
                Cow::Borrowed("the token's role is not allowed on this route")
            }
            AuthError::InsufficientScope { required } => {
                Cow::Owned(format!("this route requires the scope(s): {required}"))
            }
            AuthError::Revoked => Cow::Borrowed("the token has been revoked"),
            AuthError::AccountUnavailable => Cow::Borrowed(
                "the account of this token is no longer available; its login has ended",
            ),
            AuthError::CsrfMissing => Cow::Borrowed(
                "a token sent in a cookie needs the CSRF header on this method (double submit)",
            ),
            AuthError::CsrfMismatch => {
                Cow::Borrowed("the CSRF header does not match the token's CSRF value")
            }
            AuthError::InvalidClaim(key) => {
                Cow::Owned(format!("the token's `{key}` claim did not verify"))
            }
            AuthError::AuthenticationFailed => Cow::Borrowed("wrong username or password"),
            AuthError::InvalidBody(m) => m.clone(),
            AuthError::PayloadTooLarge => {
                Cow::Borrowed("the request body is larger than this endpoint accepts")
            }
            AuthError::RefreshTokenReused => Cow::Borrowed(
                "this refresh token was already exchanged; every token of its login is now revoked: log in again",
            ),
            AuthError::RevocationUnavailable => {
                Cow::Borrowed("token revocation cannot be checked right now; retry shortly")
            }
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason(), self.message())
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_use_only_rfc6750_characters() {
        let all = [
            AuthError::InvalidRequest("x"),
            AuthError::TokenTooLarge,
            AuthError::Malformed("x"),
            AuthError::UnsupportedHeader("x"),
            AuthError::WrongAlgorithm,
            AuthError::BadSignature,
            AuthError::InvalidClaims("exp".into()),
            AuthError::InvalidPrivateClaims,
            AuthError::WrongTokenType,
            AuthError::Expired,
            AuthError::NotYetValid,
            AuthError::IssuedInFuture,
            AuthError::WrongIssuer,
            AuthError::WrongAudience,
            AuthError::UnknownKey,
            AuthError::KeysUnavailable,
            AuthError::NotFresh,
            AuthError::RoleNotAllowed,
            AuthError::InsufficientScope {
                required: "admin".into(),
            },
            AuthError::Revoked,
            AuthError::RefreshTokenReused,
            AuthError::RevocationUnavailable,
            AuthError::CsrfMissing,
            AuthError::CsrfMismatch,
            AuthError::InvalidClaim("k".into()),
            AuthError::AuthenticationFailed,
            AuthError::InvalidBody("x".into()),
            AuthError::PayloadTooLarge,
            AuthError::LayerMissing,
        ];
        for e in all {
            assert!(
                e.description()
                    .bytes()
                    .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E)),
                "{e:?}"
            );
        }
    }
}
