//! [`IdentityProvider`]: the access tokens of an OpenID provider (Keycloak, Auth0, Cognito,
//! Entra, Okta, panva's oidc-provider, ...), verified with the keys of its JWKS and read with
//! the claim shape of RFC 9068.
//!
//! The configuration and the verification live in the core; fetching keys over HTTP (a JWKS
//! URL, OpenID discovery) is the `oidc` feature's `remote.rs`. A key set given as a document
//! or a file needs neither.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, AlgorithmFamily};

use super::claims::{ClaimNames, Shape};
use super::jwks::{KeySet, Pick, SetKey};
use super::keys::KeySource;
use super::rules::ClaimRules;
use crate::error::{AuthError, ConfigError};

/// How long fetched keys are used before a refresh, at most (a `Cache-Control: max-age`
/// shorter than this is honoured, down to [`DEFAULT_JWKS_COOLDOWN`]).
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(300);
/// The least time between two fetches of a provider's keys (an unknown `kid` triggers one).
pub const DEFAULT_JWKS_COOLDOWN: Duration = Duration::from_secs(10);
/// How long a request waits for a refresh its unknown `kid` triggered, at most.
pub const DEFAULT_JWKS_WAIT: Duration = Duration::from_secs(2);
/// How long the last keys fetched keep working while the provider cannot be reached.
pub const DEFAULT_JWKS_OUTAGE_LIMIT: Duration = Duration::from_secs(3600);
/// The largest key document or discovery document read.
pub const DEFAULT_JWKS_MAX_BYTES: usize = 256 * 1024;
/// The time one fetch may take, connection included.
pub const DEFAULT_JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// How a token source's claims are shaped: which claims hold the identity, the scopes, the
/// role and the token type. Set with [`IdentityProvider::profile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ClaimProfile {
    /// An OpenID provider's access tokens (RFC 9068, the default): no type claim, `jti`
    /// optional, scopes in the space-separated `scope` string or the `scp` array or string,
    /// roles at [`roles_claim`](IdentityProvider::roles_claim).
    #[default]
    Oidc,
    /// Another axum-jwt-guard service's tokens (read through its published JWKS): the `type` claim
    /// (access tokens only), the `scopes` array, `role`, `fresh`, private claims under
    /// [`private_claim_prefix`](IdentityProvider::private_claim_prefix).
    AxumJwtGuard,
    /// sanic-jwt 1.8 tokens: the identity in `user_id` (an integer or a string), the
    /// `scopes` list (`null` items skipped, as sanic-jwt does), no type claim and no `jti`.
    SanicJwt,
    /// sanic-jwt-extended 1.0 access tokens: the identity in `sub`, the token type in the
    /// JOSE header `class` (`access` only), `role`, `fresh`, private claims under
    /// [`private_claim_prefix`](IdentityProvider::private_claim_prefix).
    SanicJwtExtended,
}

impl ClaimProfile {
    /// The shape the claims parser reads.
    pub(crate) fn shape(self) -> Shape {
        match self {
            ClaimProfile::Oidc => Shape::Provider,
            ClaimProfile::AxumJwtGuard => Shape::Own,
            ClaimProfile::SanicJwt => Shape::SanicJwt,
            ClaimProfile::SanicJwtExtended => Shape::SanicJwtExtended,
        }
    }

    /// The identity claim when none is configured.
    fn identity_claim(self) -> &'static str {
        match self {
            ClaimProfile::SanicJwt => "user_id",
            _ => "sub",
        }
    }
}

/// Where a provider's keys come from.
#[derive(Clone)]
pub(crate) enum Keys {
    /// An HMAC secret shared with the issuing service (a Python service during a migration).
    Secret(super::keys::VerifyOnlyKey),
    /// A JWKS document given in full (a string, bytes or a file): never refreshed.
    Document(KeySource),
    /// A JWKS URL, fetched and refreshed (feature `oidc`).
    #[cfg(feature = "oidc")]
    Url(String),
    /// OpenID discovery from the issuer URL (feature `oidc`).
    #[cfg(feature = "oidc")]
    Discovery,
}

/// When and how keys are refreshed (feature `oidc`).
#[derive(Clone, Debug)]
pub(crate) struct RefreshPolicy {
    pub(crate) max_age: Duration,
    pub(crate) cooldown: Duration,
    pub(crate) wait: Duration,
    pub(crate) outage_limit: Duration,
    pub(crate) max_bytes: usize,
    pub(crate) fetch_timeout: Duration,
    #[cfg(feature = "oidc")]
    pub(crate) allow_plain_http: bool,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            max_age: DEFAULT_JWKS_MAX_AGE,
            cooldown: DEFAULT_JWKS_COOLDOWN,
            wait: DEFAULT_JWKS_WAIT,
            outage_limit: DEFAULT_JWKS_OUTAGE_LIMIT,
            max_bytes: DEFAULT_JWKS_MAX_BYTES,
            fetch_timeout: DEFAULT_JWKS_FETCH_TIMEOUT,
            #[cfg(feature = "oidc")]
            allow_plain_http: false,
        }
    }
}

/// An identity provider whose access tokens this service accepts, with the same guards as
/// its own tokens (`#[jwt_required]`, `#[scoped(..)]`, role lists). Add one or more with
/// [`JwtBuilder::identity_provider`](crate::JwtBuilder::identity_provider); a token is routed
/// to its provider by its `iss` before any key is looked up.
///
/// By default ([`ClaimProfile::Oidc`]) tokens are read as RFC 9068 access tokens: `aud` is
/// required (set [`audience`](IdentityProvider::audience)), there is no type claim and `jti`
/// is optional; scopes come from the space-separated `scope` string or the `scp` array (or
/// string); the identity from `sub` (or [`identity_claim`](IdentityProvider::identity_claim));
/// roles from the JSON pointer of [`roles_claim`](IdentityProvider::roles_claim). A token
/// whose `typ` is not `at+jwt` and that carries `nonce` or `at_hash` is an ID token, never
/// accepted. Other [profiles](IdentityProvider::profile) read another axum-jwt-guard service's
/// tokens or a Python service's; from every source, only access tokens are accepted.
/// `Token<C>` reads the source's own claims into a `#[derive(PrivateClaims)]` type, by their
/// top-level names or under [`private_claim_prefix`](IdentityProvider::private_claim_prefix)
/// (the custom claims of our own tokens do not apply); the service's leeway does, unless
/// [`leeway`](IdentityProvider::leeway) is set.
///
/// ```
/// use axum_jwt_guard_runtime::{IdentityProvider, Jwt};
///
/// # let jwks = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/jwks.json"))?;
/// let jwt = Jwt::builder()
///     .identity_provider(
///         IdentityProvider::jwks(jwks)
///             .issuer("https://login.example.com/realms/shop")
///             .audience("orders-api")
///             .roles_claim("/realm_access/roles"),
///     )
///     .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
#[must_use = "hand it to JwtBuilder::identity_provider"]
pub struct IdentityProvider {
    pub(crate) keys: Keys,
    pub(crate) issuer: Option<String>,
    pub(crate) audience: Vec<String>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) identity_claim: Option<String>,
    pub(crate) roles_pointer: Option<String>,
    pub(crate) require_at_jwt: bool,
    pub(crate) profile: ClaimProfile,
    pub(crate) prefix: Option<String>,
    pub(crate) leeway: Option<Duration>,
    pub(crate) refresh: RefreshPolicy,
    #[cfg(feature = "oidc")]
    pub(crate) client: Option<reqwest::Client>,
}

impl std::fmt::Debug for IdentityProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityProvider")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

impl IdentityProvider {
    fn with_keys(keys: Keys) -> Self {
        Self {
            keys,
            issuer: None,
            audience: Vec::new(),
            algorithms: vec![Algorithm::RS256],
            identity_claim: None,
            roles_pointer: None,
            require_at_jwt: false,
            profile: ClaimProfile::Oidc,
            prefix: None,
            leeway: None,
            refresh: RefreshPolicy::default(),
            #[cfg(feature = "oidc")]
            client: None,
        }
    }

    /// Keys from a JWKS document given in full (never refreshed: restart to change them).
    pub fn jwks(document: impl AsRef<[u8]>) -> Self {
        Self::with_keys(Keys::Document(KeySource::Bytes(document.as_ref().to_vec())))
    }

    /// Tokens signed with an HMAC secret shared with the service that issues them: the way to
    /// accept the tokens of a sanic-jwt or sanic-jwt-extended service while it keeps running
    /// during a migration (with [`profile`](IdentityProvider::profile)). The algorithm
    /// defaults to HS256; the secret must be as long as the hash output, as ours.
    ///
    /// ```
    /// use axum_jwt_guard_runtime::{ClaimProfile, IdentityProvider, Jwt};
    ///
    /// let jwt = Jwt::builder()
    ///     .secret("our own secret, thirty-two bytes or more")
    ///     .identity_provider(
    ///         IdentityProvider::secret("the sanic-jwt service's secret, 32 bytes+")
    ///             .profile(ClaimProfile::SanicJwt)
    ///             .audience("orders"),
    ///     )
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn secret(secret: impl AsRef<[u8]>) -> Self {
        let mut p = Self::with_keys(Keys::Secret(super::keys::VerifyOnlyKey::secret(secret)));
        p.algorithms = vec![Algorithm::HS256];
        p
    }

    /// How this source's claims are shaped (default [`ClaimProfile::Oidc`]).
    pub fn profile(mut self, profile: ClaimProfile) -> Self {
        self.profile = profile;
        self
    }

    /// The prefix of the private claims `Token<C>` reads (`{prefix}_{field}`), for the
    /// [`AxumJwtGuard`](ClaimProfile::AxumJwtGuard) and
    /// [`SanicJwtExtended`](ClaimProfile::SanicJwtExtended) profiles. Without it, private
    /// claims are read by their top-level names.
    pub fn private_claim_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The clock skew tolerated on this source's `exp`, `nbf` and `iat` (default: the
    /// service's [`leeway`](crate::JwtBuilder::leeway); at most 5 minutes). sanic-jwt writes
    /// `nbf` as its own leeway (3 minutes) ahead of the time of issue, so its tokens with
    /// `nbf` need `.leeway(Duration::from_secs(180))` to pass as soon as sanic-jwt issues
    /// them.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = Some(leeway);
        self
    }

    /// Keys from a JWKS file, read when the configuration is built.
    pub fn jwks_file(path: impl Into<PathBuf>) -> Self {
        Self::with_keys(Keys::Document(KeySource::File(path.into())))
    }

    /// Keys fetched from a JWKS URL and refreshed (feature `oidc`). Set the
    /// [`issuer`](IdentityProvider::issuer) too, unless this is the only provider and its
    /// tokens may name any issuer.
    #[cfg(feature = "oidc")]
    pub fn jwks_url(url: impl Into<String>) -> Self {
        Self::with_keys(Keys::Url(url.into()))
    }

    /// OpenID discovery (feature `oidc`): the keys at the `jwks_uri` of
    /// `{issuer}/.well-known/openid-configuration`, whose `issuer` must equal `issuer`
    /// exactly, as must every token's `iss`.
    #[cfg(feature = "oidc")]
    pub fn discover(issuer: impl Into<String>) -> Self {
        Self::with_keys(Keys::Discovery).issuer(issuer)
    }

    /// The `iss` of this provider's tokens, compared byte for byte.
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// An accepted `aud` (required for [`ClaimProfile::Oidc`]: RFC 9068 §4; for the other
    /// profiles, `aud` is checked when an audience is set). Call again to accept several.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// The accepted algorithms (default RS256; HS256 for [`secret`](IdentityProvider::secret)).
    /// A key set holds public keys only, so its algorithms are asymmetric; a secret's are
    /// HMAC. `none` is no algorithm.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// The identity claim (default `sub`; a string, or an integer for other names).
    pub fn identity_claim(mut self, name: impl Into<String>) -> Self {
        self.identity_claim = Some(name.into());
        self
    }

    /// Where the roles are: a JSON pointer such as `/realm_access/roles` (Keycloak),
    /// `/resource_access/my-client/roles` or `/groups`, or a plain claim name (`roles`
    /// means `/roles`). The value is a list of strings or one string. A route's
    /// `allow = [..]` passes when any role is allowed, `deny = [..]` refuses when any is
    /// denied.
    pub fn roles_claim(mut self, pointer: impl Into<String>) -> Self {
        let pointer = pointer.into();
        self.roles_pointer = Some(if pointer.starts_with('/') || pointer.is_empty() {
            pointer
        } else {
            format!("/{}", pointer.replace('~', "~0").replace('/', "~1"))
        });
        self
    }

    /// Requires the `typ` header `at+jwt` of RFC 9068 (default: not required, as Keycloak
    /// and Cognito write `JWT` or nothing).
    pub fn require_access_token_type(mut self, require: bool) -> Self {
        self.require_at_jwt = require;
        self
    }

    /// The longest time fetched keys are used before a refresh (default 5 minutes); a
    /// shorter `Cache-Control: max-age` of the key document is honoured down to the
    /// cooldown. This and the other refresh settings below apply to keys fetched over HTTP
    /// (feature `oidc`); a JWKS given in full is never refreshed.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.refresh.max_age = max_age;
        self
    }

    /// The least time between two fetches (default 10 s): a flood of unknown `kid`s makes
    /// at most one fetch per cooldown, and the others are answered at once.
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.refresh.cooldown = cooldown;
        self
    }

    /// How long a request with an unknown `kid`, or arriving before the first keys, waits
    /// for the refresh it triggered (default 2 s). Requests with known keys never wait.
    pub fn refresh_wait(mut self, wait: Duration) -> Self {
        self.refresh.wait = wait;
        self
    }

    /// How long the last keys keep working while the provider cannot be reached (default
    /// 1 hour, counted from the last successful fetch); after it, guarded requests fail
    /// closed with 503 `keys_unavailable` until a fetch succeeds.
    pub fn outage_limit(mut self, limit: Duration) -> Self {
        self.refresh.outage_limit = limit;
        self
    }

    /// The largest key or discovery document read (default 256 KiB).
    pub fn max_document_bytes(mut self, bytes: usize) -> Self {
        self.refresh.max_bytes = bytes;
        self
    }

    /// The longest one fetch may take (default 5 s).
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.refresh.fetch_timeout = timeout;
        self
    }

    /// Allows `http://` URLs to hosts other than loopback (feature `oidc`; default: `https`
    /// only, plain `http` to `127.0.0.1`, `[::1]` and `localhost`).
    #[cfg(feature = "oidc")]
    pub fn allow_plain_http(mut self) -> Self {
        self.refresh.allow_plain_http = true;
        self
    }

    /// The HTTP client that fetches keys (feature `oidc`): a proxy, a private CA, your own
    /// timeouts. The default client has connect and response timeouts, follows no
    /// redirects and uses rustls.
    #[cfg(feature = "oidc")]
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }
}

/// The keys of one provider, as verification sees them.
pub(crate) enum KeyHolder {
    Fixed(Arc<KeySet>),
    #[cfg(feature = "oidc")]
    Remote(Arc<super::remote::RemoteKeys>),
}

/// What verification needs from a provider's keys that it does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Missing {
    /// No key fits the token's `kid` and algorithm.
    Key,
    /// No keys at all: none fetched yet, or past the outage limit.
    Keys,
}

impl Missing {
    pub(crate) fn error(self) -> AuthError {
        match self {
            Missing::Key => AuthError::UnknownKey,
            Missing::Keys => AuthError::KeysUnavailable,
        }
    }
}

/// One configured provider: its claim rules and its keys.
pub(crate) struct ProviderVerifier {
    pub(crate) rules: Arc<ClaimRules>,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) roles_pointer: Option<String>,
    pub(crate) require_at_jwt: bool,
    pub(crate) shape: Shape,
    pub(crate) keys: KeyHolder,
}

impl ProviderVerifier {
    /// The URL of the provider's OpenID discovery document, when its keys come from
    /// discovery (the OpenAPI security scheme points at it).
    #[cfg_attr(not(feature = "utoipa"), allow(dead_code))]
    pub(crate) fn discovery_url(&self) -> Option<String> {
        match &self.keys {
            KeyHolder::Fixed(_) => None,
            #[cfg(feature = "oidc")]
            KeyHolder::Remote(remote) => remote.discovery_url(),
        }
    }

    /// Checks the provider's settings and loads a fixed key set. `own` is the service's own
    /// claim rules: their leeway and expiry rule apply to the provider's tokens too.
    pub(crate) fn new(
        provider: IdentityProvider,
        own: &ClaimRules,
        clock: &super::clock::Clock,
    ) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::invalid("identity_provider", reason);
        // RFC 9068 §4 requires `aud`; the other profiles are services that may write none.
        if (provider.audience.is_empty() && provider.profile == ClaimProfile::Oidc)
            || provider.audience.iter().any(String::is_empty)
        {
            return Err(invalid(
                "an audience is required (RFC 9068 §4): call .audience(..)".into(),
            ));
        }
        if provider.issuer.as_deref() == Some("") {
            return Err(invalid("the issuer must not be empty".into()));
        }
        if provider.algorithms.is_empty() {
            return Err(invalid("at least one algorithm is required".into()));
        }
        let secret = matches!(provider.keys, Keys::Secret(_));
        for alg in &provider.algorithms {
            let hmac = matches!(alg.family(), AlgorithmFamily::Hmac);
            if super::keys::alg_name(*alg).is_none() || hmac != secret {
                return Err(invalid(if secret {
                    format!("{alg:?} cannot verify with a secret: use HS256, HS384 or HS512")
                } else {
                    format!(
                        "{alg:?} cannot verify a provider's tokens: a key set holds public keys only"
                    )
                }));
            }
        }
        if secret && provider.algorithms.len() > 1 {
            return Err(invalid("a secret verifies one HMAC algorithm".into()));
        }
        if let Some(pointer) = &provider.roles_pointer
            && !pointer.starts_with('/')
        {
            return Err(invalid("roles_claim must not be empty".into()));
        }
        let policy = &provider.refresh;
        if policy.cooldown > policy.max_age || policy.max_age > policy.outage_limit {
            return Err(invalid(
                "keys need cooldown <= max_age <= outage_limit".into(),
            ));
        }
        if policy.max_bytes < 1024 || policy.wait.is_zero() || policy.fetch_timeout.is_zero() {
            return Err(invalid(
                "max_document_bytes is at least 1024, refresh_wait and fetch_timeout above zero"
                    .into(),
            ));
        }
        let mut names = ClaimNames {
            identity: provider.profile.identity_claim().to_owned(),
            ..ClaimNames::default()
        };
        if let Some(identity) = &provider.identity_claim {
            names.identity.clone_from(identity);
        }
        // The provider's claims are its own: its private claim prefix (none by default),
        // none of the custom claims our tokens carry. The leeway and expiry rule are the
        // service's.
        let rules = ClaimRules {
            names,
            prefix: provider.prefix.clone(),
            leeway: provider.leeway.unwrap_or(own.leeway),
            issuer: provider.issuer.clone(),
            audience: provider.audience.clone(),
            verify_exp: own.verify_exp,
            custom: Vec::new(),
        };
        rules.validate()?;
        let keys = match &provider.keys {
            Keys::Secret(secret) => {
                let alg = provider
                    .algorithms
                    .first()
                    .copied()
                    .unwrap_or(Algorithm::HS256);
                // A key that verifies only: no signing key is made from the other service's
                // secret.
                let key = super::keys::Keys::load_verify_only(alg, secret)?;
                let key = SetKey::configured(None, key.verifying);
                KeyHolder::Fixed(Arc::new(KeySet::of(vec![Arc::new(key)])))
            }
            Keys::Document(source) => {
                let document = source.load("JWKS document")?;
                let set = KeySet::parse(&document, &provider.algorithms, None)
                    .map_err(|e| invalid(e.to_string()))?;
                KeyHolder::Fixed(Arc::new(set))
            }
            #[cfg(feature = "oidc")]
            Keys::Url(_) | Keys::Discovery => KeyHolder::Remote(Arc::new(
                super::remote::RemoteKeys::new(&provider, clock.clone())?,
            )),
        };
        #[cfg(not(feature = "oidc"))]
        let _ = clock;
        Ok(Self {
            rules: Arc::new(rules),
            algorithms: provider.algorithms,
            roles_pointer: provider.roles_pointer,
            require_at_jwt: provider.require_at_jwt,
            shape: provider.profile.shape(),
            keys,
        })
    }

    /// Whether a token naming `iss` is this provider's (any issuer, when none is set).
    pub(crate) fn accepts_issuer(&self, iss: Option<&str>) -> bool {
        match &self.rules.issuer {
            Some(issuer) => iss == Some(issuer.as_str()),
            None => true,
        }
    }

    /// The key set as of now, if usable.
    fn current(&self) -> Option<Arc<KeySet>> {
        match &self.keys {
            KeyHolder::Fixed(set) => Some(set.clone()),
            #[cfg(feature = "oidc")]
            KeyHolder::Remote(remote) => remote.current(),
        }
    }

    /// The key a token's header names.
    pub(crate) fn pick(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<SetKey>, Missing> {
        let set = self.current().ok_or(Missing::Keys)?;
        match set.pick(kid, alg) {
            Pick::Key(key) => Ok(key.clone()),
            Pick::Unknown => Err(Missing::Key),
            // Never try several keys: a token without `kid` needs exactly one candidate.
            Pick::Ambiguous => Err(Missing::Key),
        }
    }

    /// Whether a key that verified a cached token is still in the usable set.
    pub(crate) fn still_holds(&self, key: &Arc<SetKey>) -> bool {
        self.current().is_some_and(|set| set.holds(key))
    }

    /// Waits (boundedly) for a refresh of the keys, starting one if the cooldown allows.
    pub(crate) async fn refresh(&self) {
        #[cfg(feature = "oidc")]
        if let KeyHolder::Remote(remote) = &self.keys {
            remote.refresh_and_wait().await;
        }
    }

    /// Fetches this provider's keys now (a fixed set is loaded already).
    #[cfg(feature = "oidc")]
    pub(crate) async fn load(&self) -> Result<(), super::remote::KeysError> {
        match &self.keys {
            KeyHolder::Fixed(_) => Ok(()),
            KeyHolder::Remote(remote) => remote.load().await,
        }
    }

    /// Starts a refresh without waiting (a synchronous verification that missed a key).
    pub(crate) fn kick(&self) {
        #[cfg(feature = "oidc")]
        if let KeyHolder::Remote(remote) = &self.keys {
            remote.kick();
        }
    }
}
