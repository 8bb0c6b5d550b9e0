//! The documents that let other services verify our tokens without the private key: the
//! JWKS of our public keys (the current key and every verify-only key, so that the next key
//! is known before it signs), and a minimal OpenID discovery document pointing at it.

use jsonwebtoken::jwk::{Jwk, JwkSet};

/// How long readers may cache the published documents (`Cache-Control: max-age`). The
/// rotation procedure waits at least this long between its steps.
pub const PUBLISHED_KEYS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(300);

/// The published documents, serialised once at build.
pub(crate) struct PublishedKeys {
    /// None with an HMAC algorithm: a secret is never published.
    jwks: Option<String>,
    /// Only when the issuer is an `http(s)` URL (the `jwks_uri` is derived from it, never
    /// from a request's `Host`).
    discovery: Option<String>,
}

impl PublishedKeys {
    /// `keys` hold public members only (`Jwk::from_decoding_key` of a public key).
    pub(crate) fn new(keys: Vec<Jwk>, issuer: Option<&str>) -> Self {
        if keys.is_empty() {
            return Self {
                jwks: None,
                discovery: None,
            };
        }
        let jwks = serde_json::to_string(&JwkSet { keys }).ok();
        let discovery = issuer
            .filter(|iss| iss.starts_with("https://") || iss.starts_with("http://"))
            .map(|iss| {
                serde_json::json!({
                    "issuer": iss,
                    "jwks_uri": format!("{}/.well-known/jwks.json", iss.trim_end_matches('/')),
                })
                .to_string()
            });
        Self {
            discovery: discovery.filter(|_| jwks.is_some()),
            jwks,
        }
    }

    pub(crate) fn jwks(&self) -> Option<&str> {
        self.jwks.as_deref()
    }

    pub(crate) fn discovery(&self) -> Option<&str> {
        self.discovery.as_deref()
    }
}
