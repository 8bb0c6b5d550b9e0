//! [`Issuer`]: creating tokens, through [`TokenBuilder`] (a login's two tokens are minted by
//! the lifecycle's `LoginBuilder`, which also records the login).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Map, Value};

use super::OwnHeaders;
use super::claims::{CSRF_CLAIM, ClaimWriter, ClaimsError, PrivateClaims, TokenKind};
use super::clock::Clock;
use super::keys::SigningKey;
use super::rules::ClaimRules;
use crate::error::ConfigError;

/// Default lifetime of an access token: 15 minutes.
pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
/// Default lifetime of a refresh token: 30 days.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How long new tokens live, and sanic-jwt's `nbf` delta.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub(crate) access: Duration,
    pub(crate) refresh: Duration,
    pub(crate) nbf_delta: Option<Duration>,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            access: DEFAULT_ACCESS_TTL,
            refresh: DEFAULT_REFRESH_TTL,
            nbf_delta: None,
        }
    }
}

impl Lifetimes {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.access.is_zero() {
            return Err(ConfigError::invalid("access_ttl", "must be more than zero"));
        }
        if self.refresh.is_zero() {
            return Err(ConfigError::invalid(
                "refresh_ttl",
                "must be more than zero",
            ));
        }
        Ok(())
    }

    /// The lifetime of a new token of `kind`.
    pub(crate) fn of(&self, kind: TokenKind) -> Duration {
        match kind {
            TokenKind::Access => self.access,
            TokenKind::Refresh => self.refresh,
        }
    }

    /// The longer of the two lifetimes.
    pub(crate) fn longest(&self) -> Duration {
        self.access.max(self.refresh)
    }
}

/// Mints tokens: the signing key (none for a verify-only configuration), the claim rules
/// shared with the verifier, the lifetimes, and whether tokens carry a CSRF value (cookie
/// transport).
pub(crate) struct Issuer {
    key: Option<SigningKey>,
    rules: Arc<ClaimRules>,
    headers: OwnHeaders,
    lifetimes: Lifetimes,
    bind_csrf: bool,
    clock: Clock,
}

impl Issuer {
    pub(crate) fn new(
        key: Option<SigningKey>,
        alg_name: &str,
        kid: Option<&str>,
        rules: Arc<ClaimRules>,
        lifetimes: Lifetimes,
        bind_csrf: bool,
        clock: Clock,
    ) -> Result<Self, ConfigError> {
        lifetimes.validate()?;
        Ok(Self {
            key,
            rules,
            headers: OwnHeaders::new(alg_name, kid),
            lifetimes,
            bind_csrf,
            clock,
        })
    }

    pub(crate) fn lifetimes(&self) -> &Lifetimes {
        &self.lifetimes
    }

    /// The raw signature of `input` by this handle's key (the testing kit re-signs edited
    /// tokens with it).
    #[cfg(feature = "testing")]
    pub(crate) fn sign_raw(&self, input: &str) -> Result<Vec<u8>, SignError> {
        let key = self.key.as_ref().ok_or(SignError::NoSigningKey)?;
        key.sign(input.as_bytes()).map_err(|_| SignError::Crypto)
    }

    /// Starts a token of `kind` for `identity`.
    pub(crate) fn token(&self, kind: TokenKind, identity: String) -> TokenBuilder<'_> {
        TokenBuilder::new(self, kind, identity)
    }
}

/// Why a token could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// A private or public claim is invalid (collides with a registered claim, written twice,
    /// not serializable).
    #[error(transparent)]
    Claims(#[from] ClaimsError),
    /// This `Jwt` has only a public key: it verifies but cannot sign.
    #[error("this configuration has no private key, so it can only verify tokens")]
    NoSigningKey,
    /// The crypto backend refused to sign.
    #[error("the token could not be signed")]
    Crypto,
    /// The lifetime overflows the clock.
    #[error("the token lifetime is too large")]
    Lifetime,
    /// The revocation store could not record a new login (down, timed out, full). As a
    /// response: 503 `revocation_unavailable` with `Retry-After`, like a guarded request.
    #[error("the revocation store could not record the login")]
    StoreUnavailable,
}

/// Random bytes from the operating system, base64url-encoded: token ids and CSRF values.
pub(crate) fn random_id() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| SignError::Crypto)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// An access token and its refresh token, minted together.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token (absent after a refresh without rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The CSRF values bound to the tokens (cookie transport), for the CSRF cookies.
    #[serde(skip)]
    pub(crate) csrf_access: Option<String>,
    #[serde(skip)]
    pub(crate) csrf_refresh: Option<String>,
}

impl TokenPair {
    pub(crate) fn new(access: Signed, refresh: Option<Signed>) -> Self {
        let (refresh_token, csrf_refresh) = match refresh {
            Some(r) => (Some(r.token), r.csrf),
            None => (None, None),
        };
        Self {
            access_token: access.token,
            refresh_token,
            csrf_access: access.csrf,
            csrf_refresh,
        }
    }
}

/// A signed token and the CSRF value bound to it, if any.
pub(crate) struct Signed {
    pub(crate) token: String,
    pub(crate) csrf: Option<String>,
}

/// A token being created; finish with [`sign`](TokenBuilder::sign).
///
/// ```
/// # let jwt = axum_jwt_guard_runtime::Jwt::builder().secret([7u8; 32]).build()?;
/// let token = jwt
///     .access_token("alice")
///     .role("USER")
///     .scopes(["user:read"])
///     .fresh(true)
///     .public_claim("tenant", "acme")
///     .expires_in(std::time::Duration::from_secs(60))
///     .sign()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "call .sign() to get the token"]
#[derive(Clone)]
pub struct TokenBuilder<'a> {
    issuer: &'a Issuer,
    kind: TokenKind,
    identity: String,
    role: Option<String>,
    scopes: Option<Vec<String>>,
    fresh: bool,
    csrf: Option<String>,
    private: Map<String, Value>,
    public: Map<String, Value>,
    expires_in: Option<Duration>,
    family: Option<String>,
    generation: Option<u64>,
    error: Option<SignError>,
}

impl<'a> TokenBuilder<'a> {
    fn new(issuer: &'a Issuer, kind: TokenKind, identity: String) -> Self {
        Self {
            issuer,
            kind,
            identity,
            role: None,
            scopes: None,
            fresh: false,
            csrf: None,
            private: Map::new(),
            public: Map::new(),
            expires_in: None,
            family: None,
            generation: None,
            error: None,
        }
    }

    /// Mints the token into a login: its family, and for a refresh token its generation.
    pub(crate) fn in_login(mut self, family: String, generation: Option<u64>) -> Self {
        self.family = Some(family);
        self.generation = generation;
        self
    }

    /// The same claims for a token of another kind.
    pub(crate) fn of_kind(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// The identity the token is for.
    pub(crate) fn identity(&self) -> &str {
        &self.identity
    }

    /// Copies claims of another token (refresh): they were checked when first written.
    pub(crate) fn raw_claims(mut self, claims: &Map<String, Value>) -> Self {
        for (k, v) in claims {
            self.public.insert(k.clone(), v.clone());
        }
        self
    }

    fn fail(&mut self, e: SignError) {
        self.error.get_or_insert(e);
    }

    /// The role claim.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// The scopes claim (sanic-jwt scopes such as `user:read`).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(scopes.into_iter().map(Into::into).collect());
        self
    }

    /// Whether the token is fresh (minted from a login). Written on access tokens only.
    pub fn fresh(mut self, fresh: bool) -> Self {
        self.fresh = fresh;
        self
    }

    /// Writes a `csrf` claim (cookie transport binds its CSRF value to the token).
    pub fn csrf(mut self, value: impl Into<String>) -> Self {
        self.csrf = Some(value.into());
        self
    }

    /// The application's private claims, written as `{prefix}_{field}`. A field whose key
    /// collides with a registered or library claim makes [`sign`](Self::sign) fail.
    pub fn private_claims<C: PrivateClaims>(mut self, claims: &C) -> Self {
        let mut out = Map::new();
        let result = {
            let rules = &self.issuer.rules;
            let mut writer = ClaimWriter::new(rules.prefix.as_deref(), &rules.names, &mut out);
            claims.write(&mut writer)
        };
        match result {
            Ok(()) => self.private = out,
            Err(e) => self.fail(e.into()),
        }
        self
    }

    /// A public claim. Its key must not be a registered, library or private claim.
    pub fn public_claim(mut self, key: impl Into<String>, value: impl Serialize) -> Self {
        let key = key.into();
        if self.issuer.rules.names.is_reserved(&key) {
            self.fail(ClaimsError::Reserved(key).into());
            return self;
        }
        match serde_json::to_value(value) {
            Ok(v) => {
                if self.public.insert(key.clone(), v).is_some() {
                    self.fail(ClaimsError::Duplicate(key).into());
                }
            }
            Err(_) => self.fail(ClaimsError::NotSerializable(key).into()),
        }
        self
    }

    /// Overrides the configured lifetime for this token.
    pub fn expires_in(mut self, ttl: Duration) -> Self {
        self.expires_in = Some(ttl);
        self
    }

    /// Signs the token.
    pub fn sign(self) -> Result<String, SignError> {
        self.sign_bound().map(|s| s.token)
    }

    /// Signs the token; with cookie transport on, it carries a fresh `csrf` claim, returned
    /// for the CSRF cookie.
    pub(crate) fn sign_bound(mut self) -> Result<Signed, SignError> {
        if self.csrf.is_none() && self.issuer.bind_csrf {
            self.csrf = Some(random_id()?);
        }
        let csrf = self.csrf.clone();
        self.sign_inner().map(|token| Signed { token, csrf })
    }

    fn sign_inner(self) -> Result<String, SignError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let issuer = self.issuer;
        let Some(key) = &issuer.key else {
            return Err(SignError::NoSigningKey);
        };
        let rules = &*issuer.rules;
        if let Some(key) = self.public.keys().find(|k| self.private.contains_key(*k)) {
            return Err(ClaimsError::Duplicate(key.clone()).into());
        }
        let names = &rules.names;
        let iat = issuer.clock.now();
        let ttl = self
            .expires_in
            .unwrap_or_else(|| issuer.lifetimes.of(self.kind));
        let exp = iat.checked_add(ttl.as_secs()).ok_or(SignError::Lifetime)?;
        let mut claims = Map::with_capacity(12 + self.private.len() + self.public.len());
        claims.insert(names.identity.clone(), Value::String(self.identity));
        claims.insert(names.token_type.clone(), Value::from(self.kind.as_str()));
        claims.insert("iat".to_owned(), Value::from(iat));
        claims.insert("exp".to_owned(), Value::from(exp));
        if let Some(delta) = issuer.lifetimes.nbf_delta {
            let nbf = iat
                .checked_add(delta.as_secs())
                .ok_or(SignError::Lifetime)?;
            claims.insert("nbf".to_owned(), Value::from(nbf));
        }
        // `{family}.{unique}` (access) or `{family}.{generation}.{unique}` (refresh) for the
        // tokens of a login, `{unique}` outside one: see `revocation`.
        let unique = random_id()?;
        let jti = match (self.family, self.generation, self.kind) {
            (Some(family), Some(generation), TokenKind::Refresh) => {
                format!("{family}.{generation}.{unique}")
            }
            (Some(family), _, _) => format!("{family}.{unique}"),
            (None, _, _) => unique,
        };
        claims.insert("jti".to_owned(), Value::String(jti));
        if let Some(iss) = &rules.issuer {
            claims.insert("iss".to_owned(), Value::from(iss.as_str()));
        }
        match rules.audience.as_slice() {
            [] => {}
            [one] => {
                claims.insert("aud".to_owned(), Value::from(one.as_str()));
            }
            many => {
                claims.insert("aud".to_owned(), Value::from(many.to_vec()));
            }
        }
        if let Some(role) = self.role {
            claims.insert(names.role.clone(), Value::String(role));
        }
        if let Some(scopes) = self.scopes {
            claims.insert(names.scopes.clone(), Value::from(scopes));
        }
        if self.kind == TokenKind::Access {
            claims.insert("fresh".to_owned(), Value::Bool(self.fresh));
        }
        if let Some(csrf) = self.csrf {
            claims.insert(CSRF_CLAIM.to_owned(), Value::String(csrf));
        }
        claims.extend(self.private);
        claims.extend(self.public);
        // Custom claims are computed afresh for every token (a refresh copies the old token's
        // claims, and this replaces its custom ones).
        for custom in &rules.custom {
            let identity = claims
                .get(&names.identity)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            claims.insert(custom.key().to_owned(), custom.setup(&identity));
        }
        let payload = serde_json::to_vec(&claims).map_err(|_| SignError::Crypto)?;
        let header = issuer.headers.of(self.kind);
        let mut token = String::with_capacity(header.len() + payload.len() * 4 / 3 + 360);
        token.push_str(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let signature = key.sign(token.as_bytes()).map_err(|_| SignError::Crypto)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::Jwt;

    fn jwt() -> Jwt {
        Jwt::builder()
            .secret([3u8; 32])
            .private_claim_prefix("app")
            .build()
            .unwrap()
    }

    #[test]
    fn reserved_public_claims_are_errors() {
        for key in [
            "exp", "sub", "iat", "nbf", "iss", "aud", "jti", "type", "role", "scopes", "fresh",
            "csrf",
        ] {
            let err = jwt().access_token("a").public_claim(key, 1).sign().err();
            assert_eq!(
                err,
                Some(SignError::Claims(ClaimsError::Reserved(key.into()))),
                "{key}"
            );
        }
        let err = jwt()
            .access_token("a")
            .public_claim("x", 1)
            .public_claim("x", 2)
            .sign()
            .err();
        assert_eq!(
            err,
            Some(SignError::Claims(ClaimsError::Duplicate("x".into())))
        );
    }

    #[test]
    fn every_token_has_iat_exp_jti_and_unique_ids() {
        let j = jwt();
        let a = j
            .verify_access::<()>(&j.access_token("a").sign().unwrap())
            .unwrap();
        let b = j
            .verify_access::<()>(&j.access_token("a").sign().unwrap())
            .unwrap();
        assert!(a.issued_at().is_some());
        assert_eq!(a.expires_at() - a.issued_at().unwrap(), 15 * 60);
        assert_ne!(a.jti(), b.jti());
        assert!(!a.fresh());
        let r = j
            .verify_refresh::<()>(&j.refresh_token("a").sign().unwrap())
            .unwrap();
        assert_eq!(r.expires_at() - r.issued_at().unwrap(), 30 * 24 * 3600);
    }

    #[test]
    fn verify_only_configurations_cannot_sign() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/ed25519_public.pem"
        ))
        .unwrap();
        let j = Jwt::builder()
            .algorithm(jsonwebtoken::Algorithm::EdDSA)
            .public_key_pem(pem)
            .build()
            .unwrap();
        assert_eq!(
            j.access_token("a").sign().err(),
            Some(SignError::NoSigningKey)
        );
    }
}
