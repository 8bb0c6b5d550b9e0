//! The configuration from environment variables: [`JwtBuilder::from_env`].

use std::ffi::OsString;
use std::time::Duration;

use super::JwtBuilder;
use crate::error::ConfigError;
use crate::token::keys::KeySource;

impl JwtBuilder {
    /// Reads the configuration from the environment.
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `JWT_ALGORITHM` | `HS256` ... `EdDSA`, exactly as in a JOSE header | `HS256` |
    /// | `JWT_SECRET` | HMAC secret (its UTF-8 bytes) | required for HS* |
    /// | `JWT_PRIVATE_KEY_FILE` | PEM private key path | optional (verify-only) |
    /// | `JWT_PUBLIC_KEY_FILE` | PEM public key path | required for RS*/PS*/ES*/EdDSA |
    /// | `JWT_ISSUER` | `iss` | none |
    /// | `JWT_AUDIENCE` | `aud`, several separated by commas | none |
    /// | `JWT_ACCESS_TTL_SECS` | access token lifetime | 900 |
    /// | `JWT_REFRESH_TTL_SECS` | refresh token lifetime | 2592000 |
    /// | `JWT_LEEWAY_SECS` | clock skew | 5 |
    /// | `JWT_PRIVATE_CLAIM_PREFIX` | private claim prefix | none |
    /// | `JWT_TOKEN_LOCATIONS` | ordered, comma separated: `header`, `cookie`, `query` | `header` |
    /// | `JWT_REFRESH_GRACE_SECS` | [refresh grace window](JwtBuilder::refresh_grace), `0` for strict rotation | 30 |
    /// | `JWT_MAX_LOGINS_PER_IDENTITY` | [logins one identity holds](JwtBuilder::max_logins_per_identity) | 200 |
    /// | `JWT_TOKEN_CACHE` | capacity of the [verified-token cache](JwtBuilder::token_cache), `0` for off | 4096 |
    ///
    /// A malformed value is an error naming the variable. A missing secret or key is
    /// reported by [`build`](JwtBuilder::build), so the caller can still supply one.
    pub fn from_env() -> Result<JwtBuilder, ConfigError> {
        Self::from_lookup(|var| std::env::var_os(var))
    }

    pub(crate) fn from_lookup(
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<JwtBuilder, ConfigError> {
        let get = |var: &str| -> Result<Option<String>, ConfigError> {
            match lookup(var) {
                None => Ok(None),
                Some(v) => match v.into_string() {
                    Ok(s) if s.is_empty() => Ok(None),
                    Ok(s) => Ok(Some(s)),
                    Err(_) => Err(ConfigError::InvalidEnv {
                        var: var.to_owned(),
                        reason: "not valid UTF-8".to_owned(),
                    }),
                },
            }
        };
        let secs = |var: &str| -> Result<Option<Duration>, ConfigError> {
            get(var)?
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .map(Duration::from_secs)
                        .map_err(|_| ConfigError::InvalidEnv {
                            var: var.to_owned(),
                            reason: format!("expected a whole number of seconds, got {v:?}"),
                        })
                })
                .transpose()
        };
        let mut b = JwtBuilder::default();
        if let Some(alg) = get("JWT_ALGORITHM")? {
            b.alg = alg.trim().parse().map_err(|_| ConfigError::InvalidEnv {
                var: "JWT_ALGORITHM".to_owned(),
                reason: format!(
                    "unknown algorithm {alg:?}; expected one of HS256, HS384, HS512, RS256, \
                     RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA"
                ),
            })?;
        }
        if let Some(secret) = get("JWT_SECRET")? {
            b.secret = Some(KeySource::Bytes(secret.into_bytes()));
        }
        if let Some(path) = get("JWT_PRIVATE_KEY_FILE")? {
            b.private_key = Some(KeySource::File(path.into()));
        }
        if let Some(path) = get("JWT_PUBLIC_KEY_FILE")? {
            b.public_key = Some(KeySource::File(path.into()));
        }
        b.rules.issuer = get("JWT_ISSUER")?;
        if let Some(aud) = get("JWT_AUDIENCE")? {
            b.rules.audience = aud
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(ttl) = secs("JWT_ACCESS_TTL_SECS")? {
            b.lifetimes.access = ttl;
        }
        if let Some(ttl) = secs("JWT_REFRESH_TTL_SECS")? {
            b.lifetimes.refresh = ttl;
        }
        if let Some(leeway) = secs("JWT_LEEWAY_SECS")? {
            b.rules.leeway = leeway;
        }
        b.rules.prefix = get("JWT_PRIVATE_CLAIM_PREFIX")?;
        if let Some(grace) = secs("JWT_REFRESH_GRACE_SECS")? {
            b.revocation.refresh_grace = grace;
        }
        if let Some(max) = get("JWT_MAX_LOGINS_PER_IDENTITY")? {
            b.revocation.max_logins_per_identity =
                max.trim().parse().map_err(|_| ConfigError::InvalidEnv {
                    var: "JWT_MAX_LOGINS_PER_IDENTITY".to_owned(),
                    reason: format!("expected a number of logins, got {max:?}"),
                })?;
        }
        if let Some(capacity) = get("JWT_TOKEN_CACHE")? {
            b.token_cache = capacity
                .trim()
                .parse()
                .map_err(|_| ConfigError::InvalidEnv {
                    var: "JWT_TOKEN_CACHE".to_owned(),
                    reason: format!("expected a number of tokens, got {capacity:?}"),
                })?;
        }
        #[cfg(feature = "axum")]
        if let Some(list) = get("JWT_TOKEN_LOCATIONS")? {
            b.http.locations = list
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| match l.to_ascii_lowercase().as_str() {
                    "header" => Ok(crate::transport::locate::TokenLocation::Header),
                    "cookie" | "cookies" => Ok(crate::transport::locate::TokenLocation::Cookie),
                    "query" | "query_string" => Ok(crate::transport::locate::TokenLocation::Query),
                    other => Err(ConfigError::InvalidEnv {
                        var: "JWT_TOKEN_LOCATIONS".to_owned(),
                        reason: format!(
                            "unknown location {other:?}; expected header, cookie or query"
                        ),
                    }),
                })
                .collect::<Result<_, _>>()?;
        }
        Ok(b)
    }
}
