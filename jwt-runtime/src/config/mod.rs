//! [`JwtBuilder`]: collects the settings of each component, lets each group check itself,
//! and assembles the [`Jwt`] handle. Reading the environment is in `env.rs`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;

use crate::custom_claim::CustomClaim;
#[cfg(feature = "axum")]
use crate::error::AuthError;
use crate::error::ConfigError;
use crate::handle::{Components, Jwt};
use crate::revocation::{Revocation, RevocationSettings, RevocationStore};
use crate::token::cache::DEFAULT_TOKEN_CACHE;
use crate::token::clock::Clock;
use crate::token::issue::{Issuer, Lifetimes};
use crate::token::keys::{KeySource, Keys, VerifyOnlyKey, compiled_backend};
use crate::token::provider::{IdentityProvider, ProviderVerifier};
use crate::token::publish::PublishedKeys;
use crate::token::rules::ClaimRules;
use crate::token::verify::{DEFAULT_MAX_TOKEN_BYTES, Verifier};
#[cfg(feature = "axum")]
use crate::transport::{HttpOptions, cookies::CookieConfig, locate::TokenLocation};
#[cfg(feature = "axum")]
use axum::response::Response;

mod env;

/// Builds a [`Jwt`]. Every mistake is reported by [`build`](JwtBuilder::build) as a
/// [`ConfigError`].
#[must_use = "call .build() to get a Jwt"]
#[derive(Clone)]
pub struct JwtBuilder {
    alg: Algorithm,
    secret: Option<KeySource>,
    private_key: Option<KeySource>,
    public_key: Option<KeySource>,
    key_id: Option<String>,
    verify_only: Vec<VerifyOnlyKey>,
    rules: ClaimRules,
    lifetimes: Lifetimes,
    max_token_bytes: usize,
    token_cache: usize,
    revocation: RevocationSettings,
    clock: Clock,
    providers: Vec<IdentityProvider>,
    #[cfg(feature = "axum")]
    http: HttpOptions,
}

impl Default for JwtBuilder {
    fn default() -> Self {
        Self {
            alg: Algorithm::HS256,
            secret: None,
            private_key: None,
            public_key: None,
            key_id: None,
            verify_only: Vec::new(),
            rules: ClaimRules::default(),
            lifetimes: Lifetimes::default(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            token_cache: DEFAULT_TOKEN_CACHE,
            revocation: RevocationSettings::default(),
            clock: Clock::System,
            providers: Vec::new(),
            #[cfg(feature = "axum")]
            http: HttpOptions::default(),
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

    /// The key id (`kid`) of the current key, written into the header of every token it
    /// signs (default: the key's RFC 7638 thumbprint, which needs no bookkeeping). A key keeps
    /// its id for its whole life: give the same one to [`VerifyOnlyKey::kid`] when the key
    /// is no longer current.
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// A key this service accepts tokens from but does not sign with: the next key, added
    /// before it becomes current so that every instance (and every service reading the
    /// published key set) knows it first, or the previous one, kept until the tokens it
    /// signed have expired. Call once per key. Tokens are matched to keys by their `kid`;
    /// see the README's "Rotating keys".
    ///
    /// ```
    /// use axum_jwt_guard_runtime::{Jwt, VerifyOnlyKey};
    ///
    /// let jwt = Jwt::builder()
    ///     .secret("the new secret, thirty-two bytes or more")
    ///     .verify_only_key(VerifyOnlyKey::secret("the old secret, thirty-two bytes or more"))
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_only_key(mut self, key: VerifyOnlyKey) -> Self {
        self.verify_only.push(key);
        self
    }

    /// Lifetime of access tokens (default 15 minutes).
    pub fn access_ttl(mut self, ttl: Duration) -> Self {
        self.lifetimes.access = ttl;
        self
    }

    /// Lifetime of refresh tokens (default 30 days).
    pub fn refresh_ttl(mut self, ttl: Duration) -> Self {
        self.lifetimes.refresh = ttl;
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 5 s, at most 5 minutes).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.rules.leeway = leeway;
        self
    }

    /// Writes `nbf = iat + delta` into every token (sanic-jwt's `claim_nbf_delta`).
    /// `nbf` is verified whenever a token carries it, whether or not this is set.
    pub fn not_before_delta(mut self, delta: Duration) -> Self {
        self.lifetimes.nbf_delta = Some(delta);
        self
    }

    /// The issuer written as `iss` and required, byte for byte, on every token.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.rules.issuer = Some(issuer.into());
        self
    }

    /// One accepted audience: written as `aud`, required on every token.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.rules.audience = vec![audience.into()];
        self
    }

    /// Several accepted audiences: a token is accepted when its `aud` contains one of them.
    /// New tokens carry all of them.
    pub fn audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rules.audience = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// The claim that holds the identity (default `sub`; sanic-jwt uses `user_id`). With a
    /// name other than `sub`, integer identities are accepted too.
    pub fn identity_claim(mut self, name: impl Into<String>) -> Self {
        self.rules.names.identity = name.into();
        self
    }

    /// The claim that holds the scopes (default `scopes`).
    pub fn scopes_claim(mut self, name: impl Into<String>) -> Self {
        self.rules.names.scopes = name.into();
        self
    }

    /// The claim that holds the role (default `role`).
    pub fn role_claim(mut self, name: impl Into<String>) -> Self {
        self.rules.names.role = name.into();
        self
    }

    /// The claim that holds the token type (default `type`).
    pub fn token_type_claim(mut self, name: impl Into<String>) -> Self {
        self.rules.names.token_type = name.into();
        self
    }

    /// Private claims are written as `{prefix}_{field}` (sanic-jwt-extended's
    /// `private_claim_prefix`). Without a prefix they are top-level claims.
    pub fn private_claim_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.rules.prefix = Some(prefix.into());
        self
    }

    /// Turns off `exp` verification. Tokens still carry `exp`; a warning is logged at
    /// build. Only for migrations from systems that issued non-expiring tokens.
    pub fn dangerously_disable_expiry_verification(mut self) -> Self {
        self.rules.verify_exp = false;
        self
    }

    /// Tokens longer than this are refused before any decoding (default 8 KiB).
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }

    /// Adds a custom claim (sanic-jwt's `Claim`): written into every token, verified on every
    /// request.
    pub fn custom_claim(mut self, claim: impl CustomClaim) -> Self {
        self.rules.custom.push(Arc::new(claim));
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
    /// # let jwt = axum_jwt_guard_runtime::Jwt::builder().secret([7u8; 32]).token_cache(10_000).build()?;
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

    /// Where revoked tokens are recorded (default: a [`MemoryStore`](crate::MemoryStore), right
    /// for a single instance; use `RedisStore` when several instances serve the same tokens).
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocation.store = Some(Some(Arc::new(store)));
        self
    }

    /// The same as [`revocation_store`](Self::revocation_store) for a store shared with other
    /// code (to inspect a `MemoryStore` in tests, say).
    pub fn shared_revocation_store(mut self, store: Arc<dyn RevocationStore>) -> Self {
        self.revocation.store = Some(Some(store));
        self
    }

    /// Turns revocation off: no store is consulted, `revoke` and `logout` fail, and refresh
    /// tokens are not rotated.
    pub fn without_revocation(mut self) -> Self {
        self.revocation.store = Some(None);
        self
    }

    /// How long a request waits for the revocation store before it fails closed with 503
    /// (default 500 ms).
    pub fn revocation_timeout(mut self, timeout: Duration) -> Self {
        self.revocation.timeout = timeout;
        self
    }

    /// Whether a refresh also returns a new refresh token and spends the old one (default
    /// true). Without rotation, refresh tokens stay valid until they expire or are revoked.
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.revocation.rotate_refresh_tokens = rotate;
        self
    }

    /// How long the refresh token a refresh just spent may be exchanged again without being
    /// treated as theft (default [`DEFAULT_REFRESH_GRACE`](crate::DEFAULT_REFRESH_GRACE), 30
    /// seconds; at most 300). It covers a client that retries after a timeout whose write
    /// landed, and two tabs refreshing at once: both get working tokens of the same login.
    /// The trade: for this long, a thief holding the token just spent can exchange it too.
    /// Zero makes every second exchange theft, as strict rotation does.
    pub fn refresh_grace(mut self, grace: Duration) -> Self {
        self.revocation.refresh_grace = grace;
        self
    }

    /// The most logins one identity holds at once (default
    /// [`DEFAULT_MAX_LOGINS_PER_IDENTITY`](crate::DEFAULT_MAX_LOGINS_PER_IDENTITY), 200): the
    /// next login ends the oldest. This bounds what one account can put in the store.
    pub fn max_logins_per_identity(mut self, max: usize) -> Self {
        self.revocation.max_logins_per_identity = max;
        self
    }

    /// The clock this handle reads for every time check and every new token (feature
    /// `testing`): see [`ManualClock`](crate::testing::ManualClock).
    #[cfg(any(test, feature = "testing"))]
    pub fn clock(mut self, clock: crate::token::clock::ManualClock) -> Self {
        self.clock = Clock::Manual(clock);
        self
    }

    /// Accepts the access tokens of an identity provider (Keycloak, Auth0, Cognito, Entra,
    /// Okta, any OpenID provider), with the same guards as our own tokens. Call once per
    /// provider; each token is routed to its provider by its `iss`. With providers and no
    /// key of our own, the service verifies only (it mints no tokens).
    pub fn identity_provider(mut self, provider: IdentityProvider) -> Self {
        self.providers.push(provider);
        self
    }

    /// Whether an algorithm other than HMAC is configured, or a key was already given.
    /// Lets an application generate a development secret only when nothing was configured.
    pub fn has_key(&self) -> bool {
        self.secret.is_some() || self.private_key.is_some() || self.public_key.is_some()
    }

    /// Checks everything and builds the handle: each group of settings checks itself, in the
    /// order the components are assembled.
    pub fn build(self) -> Result<Jwt, ConfigError> {
        compiled_backend()?;
        let has_key = self.has_key();
        self.rules.validate()?;
        let rules = Arc::new(self.rules);
        self.lifetimes.validate()?;
        #[cfg(feature = "axum")]
        let http = self.http.build()?;
        #[cfg(feature = "axum")]
        let bind_csrf = http.cookie_transport();
        #[cfg(not(feature = "axum"))]
        let bind_csrf = false;
        let revocation =
            Revocation::new(self.revocation, &rules, &self.lifetimes, self.clock.clone())?;
        // With identity providers and no key material, the service only verifies theirs.
        let keys = if self.providers.is_empty() || has_key {
            Some(Keys::load(
                self.alg,
                self.secret.as_ref(),
                self.private_key.as_ref(),
                self.public_key.as_ref(),
                self.key_id.as_deref(),
            )?)
        } else {
            None
        };
        let providers = self
            .providers
            .into_iter()
            .map(|p| ProviderVerifier::new(p, &rules, &self.clock))
            .collect::<Result<Vec<_>, _>>()?;
        let alg_name = crate::token::keys::alg_name(self.alg).ok_or(ConfigError::Invalid {
            setting: "algorithm",
            reason: format!("{:?} is not supported", self.alg),
        })?;
        if keys.is_none() && !self.verify_only.is_empty() {
            return Err(ConfigError::invalid(
                "verify_only_key",
                "a verify-only key needs the current key (a secret, or a public key) too",
            ));
        }
        let (signing, kid, own, published) = match keys {
            Some(keys) => {
                let mut own = vec![(keys.kid.clone(), keys.verifying)];
                let mut published: Vec<_> = keys.jwk.into_iter().collect();
                for extra in &self.verify_only {
                    let extra = Keys::load_verify_only(self.alg, extra)?;
                    if own.iter().any(|(kid, _)| *kid == extra.kid) {
                        return Err(ConfigError::invalid(
                            "verify_only_key",
                            format!(
                                "two keys have the key id `{}` (the same key given twice?)",
                                extra.kid
                            ),
                        ));
                    }
                    published.extend(extra.jwk);
                    own.push((extra.kid, extra.verifying));
                }
                (keys.signing, Some(keys.kid), own, published)
            }
            None => (None, None, Vec::new(), Vec::new()),
        };
        let issuer = Issuer::new(
            signing,
            alg_name,
            kid.as_deref(),
            rules.clone(),
            self.lifetimes,
            bind_csrf,
            self.clock.clone(),
        )?;
        let verifier = Verifier::new(
            self.alg,
            own,
            rules,
            providers,
            self.max_token_bytes,
            self.token_cache,
        )?;
        let published = PublishedKeys::new(published, verifier.rules().issuer.as_deref());
        Ok(Jwt {
            inner: Arc::new(Components {
                verifier,
                issuer,
                revocation,
                published,
                clock: self.clock,
                #[cfg(feature = "axum")]
                http,
            }),
        })
    }
}

/// The settings of the HTTP ring: where tokens travel, cookies, errors, the `/auth` routes.
#[cfg(feature = "axum")]
impl JwtBuilder {
    /// Where tokens are looked for, in order (default: the header only). The first
    /// location that holds a token is used.
    pub fn token_locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.http.locations = locations.into_iter().collect();
        self
    }

    /// The header that carries the token (default `Authorization`).
    pub fn header_name(mut self, name: impl Into<String>) -> Self {
        self.http.header_name = name.into();
        self
    }

    /// The scheme before the token in the header (default `Bearer`, compared
    /// case-insensitively). An empty scheme means the header holds the bare token.
    pub fn header_scheme(mut self, scheme: impl Into<String>) -> Self {
        self.http.header_scheme = scheme.into();
        self
    }

    /// The query parameter read when [`TokenLocation::Query`] is enabled (default
    /// `access_token`, as in RFC 6750 §2.3). Query tokens end up in logs and `Referer`
    /// headers: prefer the header.
    pub fn query_param(mut self, name: impl Into<String>) -> Self {
        self.http.query_param = name.into();
        self
    }

    /// The `realm` of `WWW-Authenticate` challenges.
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.http.realm = Some(realm.into());
        self
    }

    /// Cookie names, attributes and CSRF settings, used when [`TokenLocation::Cookie`] is
    /// among the token locations.
    pub fn cookie_config(mut self, config: CookieConfig) -> Self {
        self.http.cookies = config;
        self
    }

    /// Where [`Jwt::auth_routes`](crate::Jwt::auth_routes) lives (default `/auth`,
    /// sanic-jwt's `url_prefix`).
    pub fn auth_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.http.endpoints.prefix = prefix.into();
        self
    }

    /// The response field of the access token (default `access_token`, sanic-jwt's
    /// `access_token_name`).
    pub fn access_token_name(mut self, name: impl Into<String>) -> Self {
        self.http.endpoints.access_token_name = name.into();
        self
    }

    /// The response field of the refresh token (default `refresh_token`, sanic-jwt's
    /// `refresh_token_name`).
    pub fn refresh_token_name(mut self, name: impl Into<String>) -> Self {
        self.http.endpoints.refresh_token_name = name.into();
        self
    }

    /// The largest request body of the login and refresh endpoints (default 64 KiB);
    /// larger bodies get 413.
    pub fn auth_body_limit(mut self, bytes: usize) -> Self {
        self.http.endpoints.body_limit = bytes;
        self
    }

    /// Replaces the default error response (RFC 6750 challenge + JSON body) with your own.
    pub fn error_response<F>(mut self, mapper: F) -> Self
    where
        F: Fn(&AuthError) -> Response + Send + Sync + 'static,
    {
        self.http.mapper = Some(Arc::new(mapper));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

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

    /// The leeway may be up to five minutes, and not a second more.
    #[test]
    fn the_leeway_is_at_most_five_minutes() {
        let with = |secs| {
            Jwt::builder()
                .secret(SECRET)
                .leeway(Duration::from_secs(secs))
                .build()
        };
        let jwt = with(300).unwrap();
        assert_eq!(jwt.inner.verifier.rules().leeway_secs(), 300);
        let err = with(301).err().unwrap();
        assert!(err.to_string().contains("leeway"), "{err}");
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
        #[cfg(feature = "axum")]
        {
            let err = env(&[("JWT_TOKEN_LOCATIONS", "header,body")]).err();
            assert!(
                matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_TOKEN_LOCATIONS")
            );
        }
        let err = env(&[("JWT_LEEWAY_SECS", "-1")]).err();
        assert!(
            matches!(&err, Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_LEEWAY_SECS")
        );
        let cache = |vars: &[(&str, &str)]| {
            env(vars)
                .and_then(JwtBuilder::build)
                .map(|jwt| jwt.inner.verifier.cache().map(|c| c.capacity()))
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
        let rules = jwt.inner.verifier.rules();
        assert_eq!(rules.issuer.as_deref(), Some("me"));
        assert_eq!(rules.audience, ["a", "b"]);
        assert_eq!(jwt.inner.issuer.lifetimes().access, Duration::from_secs(60));
        assert_eq!(rules.leeway_secs(), 0);
        assert_eq!(rules.prefix.as_deref(), Some("app"));
    }

    #[test]
    fn an_identity_provider_from_the_environment() {
        let jwks = fixture("jwks.json");
        let jwks = jwks.to_str().unwrap();
        let jwt = env(&[
            ("JWT_JWKS_FILE", jwks),
            ("JWT_ISSUER", "https://idp.test"),
            ("JWT_AUDIENCE", "api, other"),
            ("JWT_ROLES_CLAIM", "/realm_access/roles"),
            ("JWT_IDENTITY_CLAIM", "uid"),
            ("JWT_ALGORITHMS", "RS256, ES256"),
            ("JWT_REQUIRE_AT_JWT", "1"),
        ])
        .and_then(JwtBuilder::build)
        .unwrap();
        let p = &jwt.inner.verifier.providers()[0];
        assert_eq!(p.rules.issuer.as_deref(), Some("https://idp.test"));
        assert_eq!(p.rules.audience, ["api", "other"]);
        assert_eq!(p.rules.names.identity, "uid");
        assert_eq!(p.algorithms, [Algorithm::RS256, Algorithm::ES256]);
        assert_eq!(p.roles_pointer.as_deref(), Some("/realm_access/roles"));
        assert!(p.require_at_jwt);
        // The issuer and audience went to the provider; no key of our own.
        assert_eq!(jwt.inner.verifier.rules().issuer, None);
        assert!(jwt.access_token("a").sign().is_err());
        let var = |vars: &[(&str, &str)]| match env(vars).and_then(JwtBuilder::build).err() {
            Some(ConfigError::InvalidEnv { var, .. }) => var,
            other => format!("{other:?}"),
        };
        assert_eq!(var(&[("JWT_JWKS_FILE", jwks)]), "JWT_AUDIENCE");
        assert_eq!(
            var(&[("JWT_JWKS_FILE", jwks), ("JWT_JWKS_URL", "https://x/jwks")]),
            "JWT_JWKS_FILE"
        );
        let base = [("JWT_JWKS_FILE", jwks), ("JWT_AUDIENCE", "api")];
        for (extra, name) in [
            (("JWT_ALGORITHMS", "RS256,rs512"), "JWT_ALGORITHMS"),
            (("JWT_REQUIRE_AT_JWT", "yes"), "JWT_REQUIRE_AT_JWT"),
            (("JWT_JWKS_COOLDOWN_SECS", "soon"), "JWT_JWKS_COOLDOWN_SECS"),
        ] {
            let mut vars = base.to_vec();
            vars.push(extra);
            assert_eq!(var(&vars), name);
        }
        #[cfg(not(feature = "oidc"))]
        assert_eq!(
            var(&[
                ("JWT_OIDC_ISSUER", "https://idp.test"),
                ("JWT_AUDIENCE", "a")
            ]),
            "JWT_OIDC_ISSUER"
        );
        #[cfg(feature = "oidc")]
        assert_eq!(
            var(&[
                ("JWT_OIDC_ISSUER", "https://idp.test"),
                ("JWT_ISSUER", "https://other.test"),
                ("JWT_AUDIENCE", "a")
            ]),
            "JWT_ISSUER"
        );
    }

    #[test]
    fn verify_only_keys_and_claim_profiles_from_the_environment() {
        use crate::token::claims::Shape;
        let next = "n".repeat(32);
        let old = "o".repeat(32);
        let both = format!("{next}, {old}");
        let jwt = env(&[("JWT_SECRET", SECRET), ("JWT_VERIFY_ONLY_SECRETS", &both)])
            .and_then(JwtBuilder::build)
            .unwrap();
        // A token of each verify-only secret verifies; one of another secret does not.
        let signed_by = |secret: &str| {
            Jwt::builder()
                .secret(secret)
                .build()
                .unwrap()
                .access_token("a")
                .sign()
                .unwrap()
        };
        assert!(jwt.verify_access::<()>(&signed_by(&next)).is_ok());
        assert!(jwt.verify_access::<()>(&signed_by(&old)).is_ok());
        assert_eq!(
            jwt.verify_access::<()>(&signed_by(&"x".repeat(32))).err(),
            Some(crate::AuthError::UnknownKey)
        );
        let files = format!(
            "{},{}",
            fixture("rsa2_public.pem").display(),
            fixture("rsa_public.pem").display()
        );
        let rsa = env(&[
            ("JWT_ALGORITHM", "RS256"),
            (
                "JWT_PUBLIC_KEY_FILE",
                fixture("rsa_public.pem").to_str().unwrap(),
            ),
            ("JWT_VERIFY_ONLY_PUBLIC_KEY_FILES", &files),
        ])
        .and_then(JwtBuilder::build);
        // The current key listed again among the verify-only ones.
        assert!(matches!(
            rsa.err(),
            Some(ConfigError::Invalid {
                setting: "verify_only_key",
                ..
            })
        ));
        let jwks = fixture("jwks.json");
        let jwks = jwks.to_str().unwrap();
        let profile = |name: &str| {
            env(&[
                ("JWT_JWKS_FILE", jwks),
                ("JWT_CLAIM_PROFILE", name),
                ("JWT_PROVIDER_PRIVATE_CLAIM_PREFIX", "legacy"),
                ("JWT_PROVIDER_LEEWAY_SECS", "180"),
            ])
            .and_then(JwtBuilder::build)
        };
        // Without an audience: only the OpenID profile requires one (RFC 9068).
        let jwt = profile("sanic-jwt").unwrap();
        let p = &jwt.inner.verifier.providers()[0];
        assert_eq!(p.shape, Shape::SanicJwt);
        assert_eq!(p.rules.names.identity, "user_id");
        assert_eq!(p.rules.prefix.as_deref(), Some("legacy"));
        assert_eq!(p.rules.leeway_secs(), 180);
        assert_eq!(
            profile("axum-jwt-guard")
                .unwrap()
                .inner
                .verifier
                .providers()[0]
                .shape,
            Shape::Own
        );
        assert!(matches!(
            profile("oidc").err(),
            Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_AUDIENCE"
        ));
        assert!(matches!(
            profile("sanic").err(),
            Some(ConfigError::InvalidEnv { var, .. }) if var == "JWT_CLAIM_PROFILE"
        ));
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
        #[cfg(feature = "axum")]
        {
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
        }
        assert!(matches!(
            b().leeway(Duration::from_secs(3600)).build().err(),
            Some(ConfigError::Invalid {
                setting: "leeway",
                ..
            })
        ));
    }
}
