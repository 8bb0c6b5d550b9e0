//! Configuration: [`Jwt::builder`], [`JwtBuilder::from_env`], and the [`Jwt`] handle.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderName;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;

use crate::claims::{ClaimNames, TokenKind};
use crate::cookies::CookieConfig;
use crate::custom::CustomClaim;
use crate::error::{AuthError, Render};
use crate::keys::{KeySource, Keys, compiled_backend, parse_alg};
use crate::locate::{Locations, TokenLocation};
use crate::revocation::RevocationStore;

/// Default lifetime of an access token: 15 minutes.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// Default lifetime of a refresh token: 30 days.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Default leeway for `exp`, `nbf` and `iat`: 5 seconds of clock skew between instances.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Default largest accepted token: 8 KiB, checked before any decoding.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Default largest request body of the built-in login and refresh endpoints: 64 KiB.
pub const DEFAULT_AUTH_BODY_LIMIT: usize = 64 * 1024;
/// Default capacity of the [verified-token cache](JwtBuilder::token_cache): 4,096 tokens.
pub const DEFAULT_TOKEN_CACHE: usize = 4096;
/// Default time a guarded request waits for the revocation store before failing closed.
pub const DEFAULT_REVOCATION_TIMEOUT: Duration = Duration::from_millis(500);

/// A configuration that cannot work. Returned by [`JwtBuilder::build`] and
/// [`Jwt::from_env`], never at request time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The build has zero or two crypto backends enabled.
    #[error("crypto backend: {0}")]
    CryptoBackend(&'static str),
    /// The algorithm needs a key that was not given.
    #[error("{alg} needs a {what}")]
    MissingKey {
        /// The configured algorithm.
        alg: &'static str,
        /// `"secret"`, `"public key"` or `"private key"`.
        what: &'static str,
    },
    /// A key of the other family (a secret for RS256, a PEM key for HS256).
    #[error("{alg}: {reason}")]
    WrongKeyKind {
        /// The configured algorithm.
        alg: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The HMAC secret is shorter than the hash output (RFC 7518 §3.2).
    #[error(
        "{alg} needs a secret of at least {min} bytes (got {actual}); generate one with a CSPRNG, e.g. `openssl rand -base64 48`"
    )]
    SecretTooShort {
        /// The configured algorithm.
        alg: &'static str,
        /// The minimum length in bytes.
        min: usize,
        /// The given length in bytes.
        actual: usize,
    },
    /// The PEM could not be read as a key of the algorithm's family.
    #[error("{alg}: the {what} is not a valid PEM key for this algorithm")]
    InvalidKey {
        /// The configured algorithm.
        alg: &'static str,
        /// `"public key"` or `"private key"`.
        what: &'static str,
    },
    /// The private key does not match the public key.
    #[error("{alg}: the private key does not match the public key")]
    KeyPairMismatch {
        /// The configured algorithm.
        alg: &'static str,
    },
    /// RSA keys must have at least 2048 bits (RFC 7518 §3.3).
    #[error("RSA keys must have at least 2048 bits (this one has {bits})")]
    RsaKeyTooSmall {
        /// The modulus size.
        bits: usize,
    },
    /// A key file could not be read.
    #[error("cannot read the {what} file {path:?}: {reason}")]
    KeyFile {
        /// `"public key"`, `"private key"` or `"secret"`.
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A required environment variable is unset or empty.
    #[error("environment variable {var} is not set (needed for the {what})")]
    MissingEnv {
        /// The variable.
        var: String,
        /// What it was needed for.
        what: &'static str,
    },
    /// An environment variable has a value that cannot be used.
    #[error("environment variable {var} is invalid: {reason}")]
    InvalidEnv {
        /// The variable.
        var: String,
        /// Why.
        reason: String,
    },
    /// Any other invalid setting, with the setting's name.
    #[error("invalid setting `{setting}`: {reason}")]
    Invalid {
        /// The builder method or setting.
        setting: &'static str,
        /// Why.
        reason: String,
    },
}

/// The axum-jwt handle: keys, validation rules, lifetimes and token locations.
///
/// Cheap to clone (an `Arc` inside). Build it once with [`Jwt::builder`] or [`Jwt::from_env`],
/// install it on the router with [`Jwt::layer`], and take it as an extractor in handlers that
/// create tokens.
///
/// ```
/// use jwt_runtime::Jwt;
///
/// let jwt = Jwt::builder()
///     .secret("a secret of at least thirty-two bytes!!")
///     .issuer("https://auth.example.com")
///     .build()?;
/// let token = jwt.access_token("alice").role("ADMIN").scopes(["user:read"]).sign()?;
/// let verified = jwt.verify_access::<()>(&token)?;
/// assert_eq!(verified.identity(), "alice");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Jwt {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) keys: Keys,
    pub(crate) names: ClaimNames,
    pub(crate) prefix: Option<String>,
    pub(crate) access_ttl: Duration,
    pub(crate) refresh_ttl: Duration,
    pub(crate) leeway: u64,
    pub(crate) nbf_delta: Option<Duration>,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) verify_exp: bool,
    pub(crate) max_token_bytes: usize,
    pub(crate) locations: Locations,
    pub(crate) render: Render,
    /// `None`: revocation turned off with `without_revocation()`.
    pub(crate) store: Option<Arc<dyn RevocationStore>>,
    pub(crate) store_timeout: Duration,
    pub(crate) rotate_refresh_tokens: bool,
    /// base64url JOSE headers, one per kind, computed once.
    pub(crate) header_access: String,
    pub(crate) header_refresh: String,
    pub(crate) cookies: CookieConfig,
    pub(crate) cookie_transport: bool,
    pub(crate) custom_claims: Vec<Arc<dyn CustomClaim>>,
    pub(crate) endpoints: EndpointConfig,
    pub(crate) token_cache: Option<crate::tokencache::TokenCache>,
}

/// Settings of [`Jwt::auth_routes`](crate::Jwt::auth_routes).
#[derive(Debug, Clone)]
pub(crate) struct EndpointConfig {
    pub(crate) prefix: String,
    pub(crate) access_token_name: String,
    pub(crate) refresh_token_name: String,
    pub(crate) body_limit: usize,
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Jwt")
            .field("algorithm", &i.keys.alg_name)
            .field("issuer", &i.issuer)
            .field("audience", &i.audience)
            .field("access_ttl", &i.access_ttl)
            .field("refresh_ttl", &i.refresh_ttl)
            .field("leeway_secs", &i.leeway)
            .field("private_claim_prefix", &i.prefix)
            .finish_non_exhaustive()
    }
}

impl Jwt {
    /// Starts a configuration. HS256 unless [`JwtBuilder::algorithm`] says otherwise.
    pub fn builder() -> JwtBuilder {
        JwtBuilder::default()
    }

    /// Builds the configuration from the environment; see [`JwtBuilder::from_env`].
    pub fn from_env() -> Result<Jwt, ConfigError> {
        JwtBuilder::from_env()?.build()
    }

    /// The configured algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.keys.alg
    }

    /// The configured claim names.
    pub fn claim_names(&self) -> &ClaimNames {
        &self.inner.names
    }

    /// The private claim prefix, if any.
    pub fn private_claim_prefix(&self) -> Option<&str> {
        self.inner.prefix.as_deref()
    }

    /// Answers `error` the way this configuration does (realm, custom mapping).
    pub fn error_response(&self, error: &AuthError) -> Response {
        match &self.inner.render.mapper {
            Some(mapper) => {
                let mut response = mapper(error);
                response.extensions_mut().insert(error.clone());
                response
            }
            None => error.to_response(self.inner.render.realm.as_deref()),
        }
    }
}

/// Builds a [`Jwt`]. Every mistake is reported by [`build`](JwtBuilder::build) as a
/// [`ConfigError`].
#[must_use = "call .build() to get a Jwt"]
#[derive(Clone)]
pub struct JwtBuilder {
    alg: Algorithm,
    secret: Option<KeySource>,
    private_key: Option<KeySource>,
    public_key: Option<KeySource>,
    names: ClaimNames,
    prefix: Option<String>,
    access_ttl: Duration,
    refresh_ttl: Duration,
    leeway: Duration,
    nbf_delta: Option<Duration>,
    issuer: Option<String>,
    audience: Vec<String>,
    verify_exp: bool,
    max_token_bytes: usize,
    locations: Vec<TokenLocation>,
    header_name: String,
    header_scheme: String,
    query_param: String,
    realm: Option<String>,
    mapper: Option<crate::error::ErrorMapper>,
    store: Option<Option<Arc<dyn RevocationStore>>>,
    store_timeout: Duration,
    rotate_refresh_tokens: bool,
    cookies: CookieConfig,
    custom_claims: Vec<Arc<dyn CustomClaim>>,
    endpoints: EndpointConfig,
    token_cache: usize,
}

impl Default for JwtBuilder {
    fn default() -> Self {
        Self {
            alg: Algorithm::HS256,
            secret: None,
            private_key: None,
            public_key: None,
            names: ClaimNames::default(),
            prefix: None,
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            leeway: DEFAULT_LEEWAY,
            nbf_delta: None,
            issuer: None,
            audience: Vec::new(),
            verify_exp: true,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            locations: vec![TokenLocation::Header],
            header_name: "authorization".to_owned(),
            header_scheme: "Bearer".to_owned(),
            query_param: "access_token".to_owned(),
            realm: None,
            mapper: None,
            store: None,
            store_timeout: DEFAULT_REVOCATION_TIMEOUT,
            rotate_refresh_tokens: true,
            cookies: CookieConfig::default(),
            custom_claims: Vec::new(),
            endpoints: EndpointConfig {
                prefix: "/auth".into(),
                access_token_name: "access_token".into(),
                refresh_token_name: "refresh_token".into(),
                body_limit: DEFAULT_AUTH_BODY_LIMIT,
            },
            token_cache: DEFAULT_TOKEN_CACHE,
        }
    }
}

impl fmt::Debug for JwtBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtBuilder")
            .field("algorithm", &self.alg)
            .finish_non_exhaustive()
    }
}

impl JwtBuilder {
    /// The one algorithm this service signs with and accepts (default HS256). Tokens whose
    /// header names any other algorithm are refused, whatever their signature.
    pub fn algorithm(mut self, alg: Algorithm) -> Self {
        self.alg = alg;
        self
    }

    /// The HMAC secret (HS256/384/512), at least as long as the hash output.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secret = Some(KeySource::Bytes(secret.as_ref().to_vec()));
        self
    }

    /// The HMAC secret, read from the environment variable `var` (its UTF-8 bytes) at build.
    pub fn secret_from_env(mut self, var: impl Into<String>) -> Self {
        self.secret = Some(KeySource::Env(var.into()));
        self
    }

    /// The PEM private key used to sign (RS*, PS*, ES*, EdDSA).
    pub fn private_key_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.private_key = Some(KeySource::Bytes(pem.as_ref().to_vec()));
        self
    }

    /// The PEM private key, read from a file at build.
    pub fn private_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.private_key = Some(KeySource::File(path.into()));
        self
    }

    /// The PEM private key, read from the environment variable `var` at build.
    pub fn private_key_from_env(mut self, var: impl Into<String>) -> Self {
        self.private_key = Some(KeySource::Env(var.into()));
        self
    }

    /// The PEM public key used to verify. A verify-only service sets only this.
    pub fn public_key_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.public_key = Some(KeySource::Bytes(pem.as_ref().to_vec()));
        self
    }

    /// The PEM public key, read from a file at build.
    pub fn public_key_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.public_key = Some(KeySource::File(path.into()));
        self
    }

    /// The PEM public key, read from the environment variable `var` at build.
    pub fn public_key_from_env(mut self, var: impl Into<String>) -> Self {
        self.public_key = Some(KeySource::Env(var.into()));
        self
    }

    /// Lifetime of access tokens (default 15 minutes).
    pub fn access_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = ttl;
        self
    }

    /// Lifetime of refresh tokens (default 30 days).
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 5 s, at most 5 minutes).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Writes `nbf = iat + delta` into every token (sanic-jwt's `claim_nbf_delta`).
    /// `nbf` is verified whenever a token carries it, whether or not this is set.
    pub fn not_before_delta(mut self, delta: Duration) -> Self {
        self.nbf_delta = Some(delta);
        self
    }

    /// The issuer written as `iss` and required, byte for byte, on every token.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// One accepted audience: written as `aud`, required on every token.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = vec![audience.into()];
        self
    }

    /// Several accepted audiences: a token is accepted when its `aud` contains one of them.
    /// New tokens carry all of them.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audience = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// The claim that holds the identity (default `sub`; sanic-jwt uses `user_id`). With a
    /// name other than `sub`, integer identities are accepted too.
    pub fn identity_claim(mut self, name: impl Into<String>) -> Self {
        self.names.identity = name.into();
        self
    }

    /// The claim that holds the scopes (default `scopes`).
    pub fn scopes_claim(mut self, name: impl Into<String>) -> Self {
        self.names.scopes = name.into();
        self
    }

    /// The claim that holds the role (default `role`).
    pub fn role_claim(mut self, name: impl Into<String>) -> Self {
        self.names.role = name.into();
        self
    }

    /// The claim that holds the token type (default `type`).
    pub fn token_type_claim(mut self, name: impl Into<String>) -> Self {
        self.names.token_type = name.into();
        self
    }

    /// Private claims are written as `{prefix}_{field}` (sanic-jwt-extended's
    /// `private_claim_prefix`). Without a prefix they are top-level claims.
    pub fn private_claim_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Turns off `exp` verification. Tokens still carry `exp`; a warning is logged at
    /// build. Only for migrations from systems that issued non-expiring tokens.
    pub fn dangerously_disable_expiry_verification(mut self) -> Self {
        self.verify_exp = false;
        self
    }

    /// Tokens longer than this are refused before any decoding (default 8 KiB).
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// Where tokens are looked for, in order (default: the header only). The first
    /// location that holds a token is used.
    pub fn token_locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.locations = locations.into_iter().collect();
        self
    }

    /// The header that carries the token (default `Authorization`).
    pub fn header_name(mut self, name: impl Into<String>) -> Self {
        self.header_name = name.into();
        self
    }

    /// The scheme before the token in the header (default `Bearer`, compared
    /// case-insensitively). An empty scheme means the header holds the bare token.
    pub fn header_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.header_scheme = scheme.into();
        self
    }

    /// The query parameter read when [`TokenLocation::Query`] is enabled (default
    /// `access_token`, as in RFC 6750 §2.3). Query tokens end up in logs and `Referer`
    /// headers: prefer the header.
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.query_param = name.into();
        self
    }

    /// The `realm` of `WWW-Authenticate` challenges.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// Where revoked tokens are recorded (default: a [`MemoryStore`](crate::MemoryStore), right
    /// for a single instance; use `RedisStore` when several instances serve the same tokens).
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.store = Some(Some(Arc::new(store)));
        self
    }

    /// The same as [`revocation_store`](Self::revocation_store) for a store shared with other
    /// code (to inspect a `MemoryStore` in tests, say).
    pub fn shared_revocation_store(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.store = Some(Some(store));
        self
    }

    /// Turns revocation off: no store is consulted, `revoke` and `logout` fail, and refresh
    /// tokens are not rotated.
    pub fn without_revocation(mut self) -> Self {
        self.store = Some(None);
        self
    }

    /// How long a request waits for the revocation store before it fails closed with 503
    /// (default 500 ms).
    pub fn revocation_timeout(mut self, timeout: Duration) -> Self {
        self.store_timeout = timeout;
        self
    }

    /// Whether a refresh also returns a new refresh token and spends the old one (default
    /// true). Without rotation, refresh tokens stay valid until they expire or are revoked.
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.rotate_refresh_tokens = rotate;
        self
    }

    /// Cookie names, attributes and CSRF settings, used when [`TokenLocation::Cookie`] is
    /// among the token locations.
    pub fn cookie_config(mut self, config: CookieConfig) -> Self {
        self.cookies = config;
        self
    }

    /// Adds a custom claim (sanic-jwt's `Claim`): written into every token, verified on every
    /// request.
    pub fn custom_claim(mut self, claim: impl CustomClaim) -> Self {
        self.custom_claims.push(Arc::new(claim));
        self
    }

    /// Where [`Jwt::auth_routes`](crate::Jwt::auth_routes) lives (default `/auth`,
    /// sanic-jwt's `url_prefix`).
    pub fn auth_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.endpoints.prefix = prefix.into();
        self
    }

    /// The response field of the access token (default `access_token`, sanic-jwt's
    /// `access_token_name`).
    pub fn access_token_name(mut self, name: impl Into<String>) -> Self {
        self.endpoints.access_token_name = name.into();
        self
    }

    /// The response field of the refresh token (default `refresh_token`, sanic-jwt's
    /// `refresh_token_name`).
    pub fn refresh_token_name(mut self, name: impl Into<String>) -> Self {
        self.endpoints.refresh_token_name = name.into();
        self
    }

    /// The largest request body of the login and refresh endpoints (default 64 KiB);
    /// larger bodies get 413.
    pub fn auth_body_limit(mut self, bytes: usize) -> Self {
        self.endpoints.body_limit = bytes;
        self
    }

    /// The verified-token cache: remembers up to `capacity` tokens that verified (rounded up
    /// to a multiple of 8; default 4,096, at most 1,048,576), with their decoded claims, keyed
    /// by the whole token string, and forgets the oldest first. `0` turns it off.
    ///
    /// A token presented again skips the signature check and the decoding, which depend only
    /// on the token string and this configuration. Everything else is checked on every
    /// request, hit or miss: `exp`, `nbf` and `iat` against the clock, the token kind the
    /// route asks for, issuer, audience, custom claims, CSRF and revocation. Only tokens that
    /// verified are stored; any other string, however close, is verified in full. A repeat
    /// token then costs about 0.2 µs whatever the algorithm, most of it hashing and comparing
    /// the whole token (a full HS256 check about 1.1 µs, RS256 13 µs, ES256 35 µs). Each
    /// handle has its own cache, so another key or issuer is never answered from it.
    ///
    /// The cost: its tables, sized at build (0.2 MiB for 4,096 tokens); about twice the
    /// token's length per cached token (the token string and its claims: 0.7 KiB for a
    /// 385-byte token), so about 3 MiB once 4,096 different tokens were seen; and a hit
    /// answers sooner than a miss, which tells a client holding a token whether that exact
    /// token was used recently.
    ///
    /// ```
    /// # let jwt = jwt_runtime::Jwt::builder().secret([7u8; 32]).token_cache(10_000).build()?;
    /// let token = jwt.access_token("alice").sign()?;
    /// let first = jwt.verify_access::<()>(&token)?; // verified in full, then kept
    /// let again = jwt.verify_access::<()>(&token)?; // times checked, claims shared
    /// assert_eq!(first.identity(), again.identity());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token_cache(mut self, capacity: usize) -> Self {
        self.token_cache = capacity;
        self
    }

    /// Replaces the default error response (RFC 6750 challenge + JSON body) with your own.
    pub fn error_response<F>(mut self, mapper: F) -> Self
    where
        F: Fn(&AuthError) -> Response + Send + Sync + 'static,
    {
        self.mapper = Some(Arc::new(mapper));
        self
    }

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
            b.alg = parse_alg(alg.trim()).ok_or_else(|| ConfigError::InvalidEnv {
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
        b.issuer = get("JWT_ISSUER")?;
        if let Some(aud) = get("JWT_AUDIENCE")? {
            b.audience = aud
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect();
        }
        if let Some(ttl) = secs("JWT_ACCESS_TTL_SECS")? {
            b.access_ttl = ttl;
        }
        if let Some(ttl) = secs("JWT_REFRESH_TTL_SECS")? {
            b.refresh_ttl = ttl;
        }
        if let Some(leeway) = secs("JWT_LEEWAY_SECS")? {
            b.leeway = leeway;
        }
        b.prefix = get("JWT_PRIVATE_CLAIM_PREFIX")?;
        if let Some(capacity) = get("JWT_TOKEN_CACHE")? {
            b.token_cache = capacity
                .trim()
                .parse()
                .map_err(|_| ConfigError::InvalidEnv {
                    var: "JWT_TOKEN_CACHE".to_owned(),
                    reason: format!("expected a number of tokens, got {capacity:?}"),
                })?;
        }
        if let Some(list) = get("JWT_TOKEN_LOCATIONS")? {
            b.locations = list
                .split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| match l.to_ascii_lowercase().as_str() {
                    "header" => Ok(TokenLocation::Header),
                    "cookie" | "cookies" => Ok(TokenLocation::Cookie),
                    "query" | "query_string" => Ok(TokenLocation::Query),
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

    /// Whether an algorithm other than HMAC is configured, or a key was already given.
    /// Lets an application generate a development secret only when nothing was configured.
    pub fn has_key(&self) -> bool {
        self.secret.is_some() || self.private_key.is_some() || self.public_key.is_some()
    }

    /// Checks everything and builds the handle.
    pub fn build(self) -> Result<Jwt, ConfigError> {
        compiled_backend()?;
        let invalid = |setting: &'static str, reason: &str| ConfigError::Invalid {
            setting,
            reason: reason.to_owned(),
        };
        if self.access_ttl.is_zero() {
            return Err(invalid("access_ttl", "must be more than zero"));
        }
        if self.refresh_ttl.is_zero() {
            return Err(invalid("refresh_ttl", "must be more than zero"));
        }
        if self.token_cache > crate::tokencache::MAX_CAPACITY {
            return Err(invalid(
                "token_cache",
                "at most 1048576 tokens (its tables are sized at build)",
            ));
        }
        if self.leeway > Duration::from_secs(300) {
            return Err(invalid(
                "leeway",
                "at most 300 seconds (RFC 7519: a few minutes)",
            ));
        }
        if self.store_timeout.is_zero() {
            return Err(invalid("revocation_timeout", "must be more than zero"));
        }
        if self.max_token_bytes < 64 {
            return Err(invalid("max_token_bytes", "at least 64 bytes"));
        }
        let names = &self.names;
        for (setting, name) in [
            ("identity_claim", &names.identity),
            ("scopes_claim", &names.scopes),
            ("role_claim", &names.role),
            ("token_type_claim", &names.token_type),
        ] {
            if name.is_empty() {
                return Err(invalid(setting, "must not be empty"));
            }
            if crate::claims::FIXED_RESERVED.contains(&name.as_str())
                || name == crate::claims::CSRF_CLAIM
            {
                return Err(invalid(setting, &format!("`{name}` is a registered claim")));
            }
        }
        let mut all = [
            &names.identity,
            &names.scopes,
            &names.role,
            &names.token_type,
        ];
        all.sort();
        if all.windows(2).any(|w| w[0] == w[1]) {
            return Err(invalid(
                "claim names",
                "identity, scopes, role and type claims must differ",
            ));
        }
        if let Some(prefix) = &self.prefix
            && prefix.is_empty()
        {
            return Err(invalid("private_claim_prefix", "must not be empty"));
        }
        if self.issuer.as_deref() == Some("") {
            return Err(invalid("issuer", "must not be empty"));
        }
        if self.audience.iter().any(String::is_empty) {
            return Err(invalid("audience", "must not be empty"));
        }
        if let Some(realm) = &self.realm
            && !realm
                .bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        {
            return Err(invalid(
                "realm",
                "only printable ASCII without `\"` and `\\`",
            ));
        }
        let locations = Locations::new(
            &self.locations,
            &self.header_name,
            &self.header_scheme,
            &self.query_param,
            &self.cookies.access_cookie,
        )?;
        let cookie_transport = self.locations.contains(&TokenLocation::Cookie);
        let c = &self.cookies;
        for (setting, name) in [
            ("cookie_config.access_cookie", &c.access_cookie),
            ("cookie_config.refresh_cookie", &c.refresh_cookie),
            ("cookie_config.csrf_access_cookie", &c.csrf_access_cookie),
            ("cookie_config.csrf_refresh_cookie", &c.csrf_refresh_cookie),
        ] {
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            {
                return Err(invalid(
                    setting,
                    "a cookie name of letters, digits, `-`, `_`, `.`",
                ));
            }
        }
        if axum::http::HeaderName::try_from(c.csrf_header.as_str()).is_err() {
            return Err(invalid(
                "cookie_config.csrf_header",
                "not a valid header name",
            ));
        }
        if c.same_site == crate::cookies::SameSite::None && !c.secure {
            return Err(invalid(
                "cookie_config.same_site",
                "SameSite=None needs Secure",
            ));
        }
        let mut keys: Vec<&str> = Vec::new();
        for claim in &self.custom_claims {
            let key = claim.key();
            if key.is_empty() || self.names.is_reserved(key) || keys.contains(&key) {
                return Err(invalid(
                    "custom_claim",
                    &format!("`{key}` is empty, a registered or library claim, or given twice"),
                ));
            }
            keys.push(key);
        }
        let e = &self.endpoints;
        if !e.prefix.starts_with('/') || e.prefix.len() < 2 || e.prefix.ends_with('/') {
            return Err(invalid(
                "auth_prefix",
                "a path like `/auth` (leading `/`, no trailing `/`)",
            ));
        }
        if e.access_token_name.is_empty()
            || e.refresh_token_name.is_empty()
            || e.access_token_name == e.refresh_token_name
        {
            return Err(invalid(
                "access_token_name",
                "two different, non-empty field names",
            ));
        }
        if e.body_limit < 64 {
            return Err(invalid("auth_body_limit", "at least 64 bytes"));
        }
        let keys = Keys::load(
            self.alg,
            self.secret.as_ref(),
            self.private_key.as_ref(),
            self.public_key.as_ref(),
        )?;
        if !self.verify_exp {
            tracing::warn!(
                "axum-jwt: expiry verification is DISABLED (dangerously_disable_expiry_verification); \
                 expired tokens will be accepted"
            );
        }
        let header = |kind: TokenKind| {
            URL_SAFE_NO_PAD.encode(format!(
                r#"{{"alg":"{}","typ":"{}"}}"#,
                keys.alg_name,
                kind.typ()
            ))
        };
        let header_access = header(TokenKind::Access);
        let header_refresh = header(TokenKind::Refresh);
        Ok(Jwt {
            inner: Arc::new(Inner {
                keys,
                names: self.names,
                prefix: self.prefix,
                access_ttl: self.access_ttl,
                refresh_ttl: self.refresh_ttl,
                leeway: self.leeway.as_secs(),
                nbf_delta: self.nbf_delta,
                issuer: self.issuer,
                audience: self.audience,
                verify_exp: self.verify_exp,
                max_token_bytes: self.max_token_bytes,
                locations,
                render: Render {
                    realm: self.realm.map(Into::into),
                    mapper: self.mapper,
                },
                header_access,
                header_refresh,
                store: match self.store {
                    Some(choice) => choice,
                    None => Some(Arc::new(crate::revocation::MemoryStore::new())),
                },
                store_timeout: self.store_timeout,
                rotate_refresh_tokens: self.rotate_refresh_tokens,
                cookies: self.cookies,
                cookie_transport,
                custom_claims: self.custom_claims,
                endpoints: self.endpoints,
                token_cache: (self.token_cache > 0)
                    .then(|| crate::tokencache::TokenCache::new(self.token_cache)),
            }),
        })
    }
}

/// Parses a header name for the configuration.
pub(crate) fn header_name(name: &str) -> Result<HeaderName, ConfigError> {
    HeaderName::try_from(name).map_err(|_| ConfigError::Invalid {
        setting: "header_name",
        reason: format!("{name:?} is not a valid header name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(FIXTURES).join(name)
    }

    fn env(vars: &[(&str, &str)]) -> Result<JwtBuilder, ConfigError> {
        let map: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        JwtBuilder::from_lookup(move |k| map.get(k).cloned())
    }

    #[test]
    fn short_secrets_are_refused_per_hash_size() {
        for (alg, min) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            let err = Jwt::builder()
                .algorithm(alg)
                .secret(vec![7u8; min - 1])
                .build()
                .err();
            assert!(
                matches!(err, Some(ConfigError::SecretTooShort { min: m, actual, .. }) if m == min && actual == min - 1),
                "{alg:?}: {err:?}"
            );
            assert!(
                Jwt::builder()
                    .algorithm(alg)
                    .secret(vec![7u8; min])
                    .build()
                    .is_ok()
            );
        }
    }

    #[test]
    fn missing_keys() {
        assert_eq!(
            Jwt::builder().build().err(),
            Some(ConfigError::MissingKey {
                alg: "HS256",
                what: "secret"
            })
        );
        let err = Jwt::builder()
            .algorithm(Algorithm::RS256)
            .private_key_file(fixture("rsa_private.pem"))
            .build()
            .err();
        assert_eq!(
            err,
            Some(ConfigError::MissingKey {
                alg: "RS256",
                what: "public key"
            })
        );
        let err = Jwt::builder()
            .algorithm(Algorithm::ES256)
            .secret(SECRET)
            .build()
            .err();
        assert!(
            matches!(err, Some(ConfigError::WrongKeyKind { .. })),
            "{err:?}"
        );
    }

    #[test]
    fn malformed_and_mismatched_pem() {
        let err = Jwt::builder()
            .algorithm(Algorithm::RS256)
            .public_key_pem("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----\n")
            .build()
            .err();
        assert_eq!(
            err,
            Some(ConfigError::InvalidKey {
                alg: "RS256",
                what: "public key"
            })
        );
        // An EC key where RSA is configured.
        let err = Jwt::builder()
            .algorithm(Algorithm::RS256)
            .public_key_file(fixture("ec256_public.pem"))
            .build()
            .err();
        assert!(
            matches!(err, Some(ConfigError::InvalidKey { .. })),
            "{err:?}"
        );
        // A P-384 key for ES256.
        let err = Jwt::builder()
            .algorithm(Algorithm::ES256)
            .private_key_file(fixture("ec384_private.pem"))
            .public_key_file(fixture("ec384_public.pem"))
            .build()
            .err();
        assert!(err.is_some(), "a P-384 key pair must not configure ES256");
        // Two halves of different pairs.
        let err = Jwt::builder()
            .algorithm(Algorithm::RS256)
            .private_key_file(fixture("rsa_private.pem"))
            .public_key_file(fixture("rsa2_public.pem"))
            .build()
            .err();
        assert_eq!(err, Some(ConfigError::KeyPairMismatch { alg: "RS256" }));
    }

    #[test]
    fn small_rsa_keys_and_missing_files() {
        let err = Jwt::builder()
            .algorithm(Algorithm::RS256)
            .public_key_file(fixture("rsa1024_public.pem"))
            .build()
            .err();
        assert_eq!(err, Some(ConfigError::RsaKeyTooSmall { bits: 1024 }));
        let err = Jwt::builder()
            .algorithm(Algorithm::EdDSA)
            .public_key_file("/nonexistent/key.pem")
            .build()
            .err();
        assert!(
            matches!(
                &err,
                Some(ConfigError::KeyFile {
                    what: "public key",
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn every_asymmetric_family_builds_from_files() {
        for (alg, stem) in [
            (Algorithm::RS256, "rsa"),
            (Algorithm::PS512, "rsa"),
            (Algorithm::ES256, "ec256"),
            (Algorithm::ES384, "ec384"),
            (Algorithm::EdDSA, "ed25519"),
        ] {
            let jwt = Jwt::builder()
                .algorithm(alg)
                .private_key_file(fixture(&format!("{stem}_private.pem")))
                .public_key_file(fixture(&format!("{stem}_public.pem")))
                .build();
            assert!(jwt.is_ok(), "{alg:?}: {:?}", jwt.err());
            // verify-only
            let jwt = Jwt::builder()
                .algorithm(alg)
                .public_key_file(fixture(&format!("{stem}_public.pem")))
                .build();
            assert!(jwt.is_ok(), "{alg:?} verify-only: {:?}", jwt.err());
        }
    }

    #[test]
    fn env_errors_name_the_variable() {
        let err = env(&[("JWT_ALGORITHM", "hs256")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_ALGORITHM")
        );
        let err = env(&[("JWT_ACCESS_TTL_SECS", "15m")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_ACCESS_TTL_SECS")
        );
        let err = env(&[("JWT_TOKEN_LOCATIONS", "header,body")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_TOKEN_LOCATIONS")
        );
        let err = env(&[("JWT_LEEWAY_SECS", "-1")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_LEEWAY_SECS")
        );
        let cache = |vars: &[(&str, &str)]| {
            env(vars)
                .and_then(JwtBuilder::build)
                .map(|jwt| jwt.inner.token_cache.as_ref().map(|c| c.capacity()))
        };
        let secret = "k".repeat(32);
        assert_eq!(cache(&[("JWT_SECRET", &secret)]), Ok(Some(4096)));
        let set = [("JWT_SECRET", secret.as_str()), ("JWT_TOKEN_CACHE", "100")];
        assert_eq!(cache(&set), Ok(Some(104)));
        let off = [("JWT_SECRET", secret.as_str()), ("JWT_TOKEN_CACHE", "0")];
        assert_eq!(cache(&off), Ok(None));
        let huge = [
            ("JWT_SECRET", secret.as_str()),
            ("JWT_TOKEN_CACHE", "2000000"),
        ];
        assert!(matches!(
            cache(&huge),
            Err(ConfigError::Invalid {
                setting: "token_cache",
                ..
            })
        ));
        let err = env(&[("JWT_TOKEN_CACHE", "lots")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_TOKEN_CACHE")
        );
        let err = env(&[("JWT_SECRET", "short")])
            .and_then(JwtBuilder::build)
            .err();
        assert!(matches!(err, Some(ConfigError::SecretTooShort { .. })));
        let err = env(&[
            ("JWT_ALGORITHM", "RS256"),
            ("JWT_PUBLIC_KEY_FILE", "/nope.pem"),
        ])
        .and_then(JwtBuilder::build)
        .err();
        assert!(matches!(err, Some(ConfigError::KeyFile { .. })), "{err:?}");
        let missing = Jwt::builder()
            .secret_from_env("AXUM_JWT_TEST_UNSET_VAR")
            .build()
            .err();
        assert!(
            matches!(&missing, Some(ConfigError::MissingEnv { var, .. }) if var == "AXUM_JWT_TEST_UNSET_VAR")
        );
    }

    #[test]
    fn env_values_are_applied() {
        let jwt = env(&[
            ("JWT_SECRET", SECRET),
            ("JWT_ISSUER", "me"),
            ("JWT_AUDIENCE", "a, b"),
            ("JWT_ACCESS_TTL_SECS", "60"),
            ("JWT_LEEWAY_SECS", "0"),
            ("JWT_PRIVATE_CLAIM_PREFIX", "app"),
        ])
        .and_then(JwtBuilder::build)
        .unwrap();
        let i = &jwt.inner;
        assert_eq!(i.issuer.as_deref(), Some("me"));
        assert_eq!(i.audience, ["a", "b"]);
        assert_eq!(i.access_ttl, Duration::from_secs(60));
        assert_eq!(i.leeway, 0);
        assert_eq!(i.prefix.as_deref(), Some("app"));
    }

    #[test]
    fn invalid_settings() {
        let b = || Jwt::builder().secret(SECRET);
        assert!(matches!(
            b().identity_claim("exp").build().err(),
            Some(ConfigError::Invalid {
                setting: "identity_claim",
                ..
            })
        ));
        assert!(matches!(
            b().role_claim("scopes").build().err(),
            Some(ConfigError::Invalid { .. })
        ));
        assert!(matches!(
            b().realm("a\"b").build().err(),
            Some(ConfigError::Invalid {
                setting: "realm",
                ..
            })
        ));
        assert!(matches!(
            b().header_name("bad header").build().err(),
            Some(ConfigError::Invalid {
                setting: "header_name",
                ..
            })
        ));
        assert!(matches!(
            b().leeway(Duration::from_secs(3600)).build().err(),
            Some(ConfigError::Invalid {
                setting: "leeway",
                ..
            })
        ));
    }
}
