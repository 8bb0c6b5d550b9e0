//! The token core, which knows nothing of HTTP: claims and their one-pass parse, keys,
//! signing ([`Issuer`](issue::Issuer)), verification ([`Verifier`](verify::Verifier)), the
//! verified-token cache and the clock. [`Token`] is what a verification hands back.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

pub(crate) mod cache;
pub(crate) mod claims;
pub(crate) mod clock;
pub(crate) mod issue;
pub(crate) mod jwks;
pub(crate) mod keys;
pub(crate) mod provider;
pub(crate) mod publish;
#[cfg(feature = "oidc")]
pub(crate) mod remote;
pub(crate) mod rules;
pub(crate) mod verify;

use claims::{Claims, TokenKind};

/// The JOSE headers of the tokens this configuration issues, base64url-encoded once: the
/// issuer writes them, the verifier recognises them byte for byte without decoding.
pub(crate) struct OwnHeaders {
    access: String,
    refresh: String,
}

impl OwnHeaders {
    /// The headers of tokens signed with `alg_name` by the key `kid` (none: the headers of
    /// versions before key ids, still recognised while one key is configured). A `kid` is
    /// checked at build to need no JSON escaping.
    pub(crate) fn new(alg_name: &str, kid: Option<&str>) -> Self {
        let header = |kind: TokenKind| {
            let typ = kind.typ();
            URL_SAFE_NO_PAD.encode(match kid {
                Some(kid) => format!(r#"{{"alg":"{alg_name}","typ":"{typ}","kid":"{kid}"}}"#),
                None => format!(r#"{{"alg":"{alg_name}","typ":"{typ}"}}"#),
            })
        };
        Self {
            access: header(TokenKind::Access),
            refresh: header(TokenKind::Refresh),
        }
    }

    pub(crate) fn of(&self, kind: TokenKind) -> &str {
        match kind {
            TokenKind::Access => &self.access,
            TokenKind::Refresh => &self.refresh,
        }
    }

    /// The kind whose header `header_b64` is, if it is one of ours.
    pub(crate) fn kind_of(&self, header_b64: &str) -> Option<TokenKind> {
        if header_b64 == self.access {
            Some(TokenKind::Access)
        } else if header_b64 == self.refresh {
            Some(TokenKind::Refresh)
        } else {
            None
        }
    }
}

/// A verified token: signature, algorithm, type, time claims, issuer and audience have all
/// been checked, and the claims were read once, typed.
///
/// As an extractor, `Token<C>` requires a valid **access** token and answers every failure
/// with the RFC 6750 error contract; `Option<Token<C>>` is `None` only when the request
/// carries no token at all (a present but invalid token is still rejected).
///
/// `C` is the application's [`PrivateClaims`](crate::PrivateClaims) type (`()` for none).
pub struct Token<C = ()> {
    pub(crate) inner: Arc<Claims<C>>,
}

impl<C> Clone for Token<C> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C: fmt::Debug> fmt::Debug for Token<C> {
    /// Never prints the raw token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner;
        f.debug_struct("Token")
            .field("identity", &c.identity())
            .field("kind", &c.kind)
            .field("role", &c.role())
            .field("scopes", &c.scopes)
            .field("fresh", &c.fresh)
            .field("jti", &c.jti())
            .field("exp", &c.exp)
            .field("private_claims", &c.private)
            .finish_non_exhaustive()
    }
}

impl<C> Token<C> {
    fn claims(&self) -> &Claims<C> {
        &self.inner
    }

    /// The identity (`sub`, or the configured identity claim).
    pub fn identity(&self) -> &str {
        self.claims().identity()
    }

    /// The role, if the token has one (for a provider's token with several roles, the
    /// first).
    pub fn role(&self) -> Option<&str> {
        self.claims().role()
    }

    /// Every role: the one role of a token of ours, the roles an identity provider's token
    /// holds at the configured [`roles_claim`](crate::IdentityProvider::roles_claim).
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.claims().roles()
    }

    /// The scopes (empty when the token has none).
    pub fn scopes(&self) -> &[String] {
        &self.claims().scopes
    }

    /// Access or refresh.
    pub fn kind(&self) -> TokenKind {
        self.claims().kind
    }

    /// Whether the token was minted from a login (not from a refresh).
    pub fn fresh(&self) -> bool {
        self.claims().fresh
    }

    /// The unique token id (`jti`).
    pub fn jti(&self) -> &str {
        self.claims().jti()
    }

    /// `iat`, seconds since the Unix epoch.
    pub fn issued_at(&self) -> Option<u64> {
        self.claims().iat
    }

    /// `exp`, seconds since the Unix epoch.
    pub fn expires_at(&self) -> u64 {
        self.claims().exp
    }

    /// `nbf`, seconds since the Unix epoch.
    pub fn not_before(&self) -> Option<u64> {
        self.claims().nbf
    }

    /// `iss`.
    pub fn issuer(&self) -> Option<&str> {
        self.claims().iss()
    }

    /// `aud` (a single audience is a list of one).
    pub fn audience(&self) -> &[String] {
        &self.claims().aud
    }

    /// The `csrf` claim of tokens issued for cookie transport.
    pub fn csrf(&self) -> Option<&str> {
        self.claims().csrf()
    }

    /// Claims that are neither registered, library nor private claims.
    pub fn public_claims(&self) -> &Map<String, Value> {
        &self.claims().public
    }

    /// The application's typed private claims.
    pub fn private_claims(&self) -> &C {
        &self.claims().private
    }

    /// The token as it was sent.
    pub fn raw(&self) -> &str {
        self.claims().raw()
    }
}
