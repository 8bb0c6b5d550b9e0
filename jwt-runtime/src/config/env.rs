//! The configuration from environment variables: [`JwtBuilder::from_env`].

use std::ffi::OsString;
use std::time::Duration;

use super::JwtBuilder;
use crate::error::ConfigError;
use crate::token::keys::{KeySource, VerifyOnlyKey};
use crate::token::provider::ClaimProfile;
use crate::token::provider::IdentityProvider;

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
    /// | `JWT_VERIFY_ONLY_SECRETS` | [verify-only](JwtBuilder::verify_only_key) HMAC secrets (next or previous), comma separated | none |
    /// | `JWT_VERIFY_ONLY_PUBLIC_KEY_FILES` | verify-only PEM public keys (next or previous), comma separated paths | none |
    ///
    /// Keys read from the environment are named by their RFC 7638 thumbprint, so a key keeps
    /// its `kid` when it moves from `JWT_PRIVATE_KEY_FILE` to the verify-only list.
    ///
    /// An [identity provider](crate::IdentityProvider)'s tokens are verified instead of (or
    /// next to, when a key is configured too) our own when one of these is set:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `JWT_OIDC_ISSUER` | OpenID discovery from this issuer URL (feature `oidc`) | none |
    /// | `JWT_JWKS_URL` | keys from this JWKS URL (feature `oidc`); `JWT_ISSUER` optional | none |
    /// | `JWT_JWKS_FILE` | keys from this JWKS file; `JWT_ISSUER` optional | none |
    /// | `JWT_AUDIENCE` | the provider's tokens' `aud` | required |
    /// | `JWT_ROLES_CLAIM` | JSON pointer to the roles, e.g. `/realm_access/roles` | none |
    /// | `JWT_IDENTITY_CLAIM` | the identity claim | `sub` |
    /// | `JWT_ALGORITHMS` | accepted algorithms, comma separated | `RS256` |
    /// | `JWT_JWKS_MAX_AGE_SECS` | keys are refreshed at least this often | 300 |
    /// | `JWT_JWKS_COOLDOWN_SECS` | least time between two fetches (unknown `kid`s) | 10 |
    /// | `JWT_JWKS_OUTAGE_LIMIT_SECS` | the last keys keep working this long while the provider is down | 3600 |
    /// | `JWT_REQUIRE_AT_JWT` | `1`: require the `typ` header `at+jwt` | `0` |
    /// | `JWT_PROVIDER_PRIVATE_CLAIM_PREFIX` | the provider's private claim prefix (profiles `axum-jwt-guard`, `sanic-jwt-extended`) | none |
    /// | `JWT_PROVIDER_LEEWAY_SECS` | clock skew tolerated on the provider's tokens (180 for sanic-jwt's `nbf`) | `JWT_LEEWAY_SECS` |
    /// | `JWT_CLAIM_PROFILE` | [claim shape](crate::ClaimProfile): `oidc`, `axum-jwt-guard`, `sanic-jwt`, `sanic-jwt-extended` | `oidc` |
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
        let list = |var: &str| -> Result<Vec<String>, ConfigError> {
            Ok(get(var)?
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default())
        };
        for secret in list("JWT_VERIFY_ONLY_SECRETS")? {
            b.verify_only.push(VerifyOnlyKey::secret(secret));
        }
        for path in list("JWT_VERIFY_ONLY_PUBLIC_KEY_FILES")? {
            b.verify_only.push(VerifyOnlyKey::public_key_file(path));
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
        if let Some(provider) = provider_from(&get, &secs, &mut b)? {
            b.providers.push(provider);
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

type Get<'a> = dyn Fn(&str) -> Result<Option<String>, ConfigError> + 'a;
type Secs<'a> = dyn Fn(&str) -> Result<Option<Duration>, ConfigError> + 'a;

/// The identity provider the environment describes, if any. `JWT_ISSUER` and `JWT_AUDIENCE`
/// then describe the provider's tokens, not ours.
fn provider_from(
    get: &Get<'_>,
    secs: &Secs<'_>,
    b: &mut JwtBuilder,
) -> Result<Option<IdentityProvider>, ConfigError> {
    let invalid = |var: &str, reason: String| ConfigError::InvalidEnv {
        var: var.to_owned(),
        reason,
    };
    let sources = [
        ("JWT_OIDC_ISSUER", get("JWT_OIDC_ISSUER")?),
        ("JWT_JWKS_URL", get("JWT_JWKS_URL")?),
        ("JWT_JWKS_FILE", get("JWT_JWKS_FILE")?),
    ];
    let mut given = sources.into_iter().filter_map(|(k, v)| v.map(|v| (k, v)));
    let Some((var, value)) = given.next() else {
        return Ok(None);
    };
    if let Some((other, _)) = given.next() {
        return Err(invalid(
            other,
            format!(
                "set only one of JWT_OIDC_ISSUER, JWT_JWKS_URL and JWT_JWKS_FILE ({var} is set too)"
            ),
        ));
    }
    let issuer = b.rules.issuer.take();
    let mut p = match var {
        "JWT_JWKS_FILE" => IdentityProvider::jwks_file(value),
        #[cfg(feature = "oidc")]
        "JWT_JWKS_URL" => IdentityProvider::jwks_url(value),
        #[cfg(feature = "oidc")]
        _ => {
            if issuer.as_ref().is_some_and(|i| *i != value) {
                return Err(invalid(
                    "JWT_ISSUER",
                    "differs from JWT_OIDC_ISSUER; leave it unset".to_owned(),
                ));
            }
            IdentityProvider::discover(value)
        }
        #[cfg(not(feature = "oidc"))]
        _ => {
            return Err(invalid(
                var,
                "fetching keys over HTTP needs the `oidc` feature of axum-jwt-guard".to_owned(),
            ));
        }
    };
    if let Some(issuer) = issuer {
        p = p.issuer(issuer);
    }
    let profile = match get("JWT_CLAIM_PROFILE")? {
        None => ClaimProfile::Oidc,
        Some(profile) => match profile.trim() {
            "oidc" => ClaimProfile::Oidc,
            "axum-jwt-guard" => ClaimProfile::AxumJwtGuard,
            "sanic-jwt" => ClaimProfile::SanicJwt,
            "sanic-jwt-extended" => ClaimProfile::SanicJwtExtended,
            other => {
                return Err(invalid(
                    "JWT_CLAIM_PROFILE",
                    format!(
                        "unknown profile {other:?}; expected oidc, axum-jwt-guard, sanic-jwt or sanic-jwt-extended"
                    ),
                ));
            }
        },
    };
    p = p.profile(profile);
    if let Some(prefix) = get("JWT_PROVIDER_PRIVATE_CLAIM_PREFIX")? {
        p = p.private_claim_prefix(prefix);
    }
    if let Some(leeway) = secs("JWT_PROVIDER_LEEWAY_SECS")? {
        p = p.leeway(leeway);
    }
    let audience = std::mem::take(&mut b.rules.audience);
    if audience.is_empty() && profile == ClaimProfile::Oidc {
        return Err(invalid(
            "JWT_AUDIENCE",
            "required with an identity provider (RFC 9068: access tokens name their audience)"
                .to_owned(),
        ));
    }
    for aud in audience {
        p = p.audience(aud);
    }
    if let Some(pointer) = get("JWT_ROLES_CLAIM")? {
        p = p.roles_claim(pointer);
    }
    if let Some(claim) = get("JWT_IDENTITY_CLAIM")? {
        p = p.identity_claim(claim);
    }
    if let Some(list) = get("JWT_ALGORITHMS")? {
        let algs = list
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<jsonwebtoken::Algorithm>()
                    .map_err(|_| invalid("JWT_ALGORITHMS", format!("unknown algorithm {a:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        p = p.algorithms(algs);
    }
    if let Some(age) = secs("JWT_JWKS_MAX_AGE_SECS")? {
        p = p.max_age(age);
    }
    if let Some(cooldown) = secs("JWT_JWKS_COOLDOWN_SECS")? {
        p = p.cooldown(cooldown);
    }
    if let Some(limit) = secs("JWT_JWKS_OUTAGE_LIMIT_SECS")? {
        p = p.outage_limit(limit);
    }
    match get("JWT_REQUIRE_AT_JWT")?.as_deref() {
        None | Some("0") => {}
        Some("1") => p = p.require_access_token_type(true),
        Some(other) => {
            return Err(invalid(
                "JWT_REQUIRE_AT_JWT",
                format!("expected 0 or 1, got {other:?}"),
            ));
        }
    }
    Ok(Some(p))
}
