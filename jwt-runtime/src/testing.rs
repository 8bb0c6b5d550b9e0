//! Test support (feature `testing`): the way to test a guarded app without sleeping and without
//! an identity provider.
//!
//! - [`ManualClock`]: a clock a handle reads instead of the system clock;
//! - [`TokenMint`]: any token, valid or not: expired, not yet valid, for another audience,
//!   signed by another key or naming another `kid`, of any claim shape;
//! - [`TestKey`]: a key that signs such tokens (a fresh Ed25519 key, a PEM key or a secret);
//! - [`TestIssuer`]: an identity provider in the test process, with a JWKS document, key
//!   rotation and (feature `axum`) a router that serves its discovery document and keys.
//!
//! ```
//! use axum_jwt_guard_runtime::{AuthError, Jwt, testing::{TestIssuer, TokenMint}};
//!
//! let jwt = Jwt::builder().secret([7u8; 32]).audience("orders").build()?;
//! // One of ours, then the same token with one thing wrong.
//! let expired = TokenMint::access(&jwt, "alice")?.expired().sign()?;
//! assert_eq!(jwt.verify_access::<()>(&expired).err(), Some(AuthError::Expired));
//! let elsewhere = TokenMint::access(&jwt, "alice")?.audience("billing").sign()?;
//! assert_eq!(jwt.verify_access::<()>(&elsewhere).err(), Some(AuthError::WrongAudience));
//!
//! // A provider's access tokens.
//! let idp = TestIssuer::new("https://idp.test", "orders")?;
//! let jwt = Jwt::builder().identity_provider(idp.provider()).build()?;
//! let token = idp.token("svc-1").claim("scope", "orders:read").sign()?;
//! assert_eq!(jwt.verify_access::<()>(&token)?.identity(), "svc-1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::{Arc, Mutex, PoisonError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, AlgorithmFamily, EncodingKey};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::token::clock::Clock;
pub use crate::token::clock::ManualClock;
use crate::{IdentityProvider, Jwt};

/// Why a test token or key could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MintError {
    /// The key could not be read or does not fit the algorithm.
    #[error("test key: {0}")]
    Key(String),
    /// The token to edit is not a JWT of three base64url parts with JSON objects.
    #[error("not a token to edit: {0}")]
    Token(&'static str),
    /// The handle could not sign (no signing key, or the backend refused).
    #[error(transparent)]
    Sign(#[from] crate::SignError),
    /// A claim value could not be serialised.
    #[error("claim {0} could not be serialised")]
    Claim(String),
}

/// A key that signs test tokens, with the key id it puts in their header.
///
/// [`TestKey::generate`] makes a fresh Ed25519 key (`EdDSA`) named by its RFC 7638 thumbprint;
/// [`TestKey::from_pem`] takes a PEM private key for `RS*`, `PS*` or `ES*` when the code under
/// test only accepts those; [`TestKey::secret`] an HMAC secret.
#[derive(Clone)]
pub struct TestKey {
    alg: Algorithm,
    key: EncodingKey,
    kid: Option<String>,
    public: Option<Jwk>,
}

impl std::fmt::Debug for TestKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKey")
            .field("alg", &self.alg)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// The PKCS #8 (v1) prefix of an Ed25519 private key (RFC 8410, section 7): the 32-byte seed
/// follows it.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

impl TestKey {
    /// A fresh Ed25519 key (`EdDSA`), its `kid` the RFC 7638 thumbprint of its public key.
    pub fn generate() -> Result<TestKey, MintError> {
        let mut der = [0u8; 48];
        der[..16].copy_from_slice(&ED25519_PKCS8_PREFIX);
        getrandom::fill(&mut der[16..]).map_err(|e| MintError::Key(e.to_string()))?;
        Self::asymmetric(Algorithm::EdDSA, EncodingKey::from_ed_der(&der))
    }

    /// A PEM private key (PKCS #1 or PKCS #8 for RSA, PKCS #8 for EC and Ed25519) for `alg`,
    /// its `kid` the RFC 7638 thumbprint of its public key.
    pub fn from_pem(alg: Algorithm, pem: impl AsRef<[u8]>) -> Result<TestKey, MintError> {
        let pem = pem.as_ref();
        let key = match alg.family() {
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
            AlgorithmFamily::Hmac => {
                return Err(MintError::Key(
                    "an HMAC algorithm takes a secret: TestKey::secret".to_owned(),
                ));
            }
        }
        .map_err(|e| MintError::Key(e.to_string()))?;
        Self::asymmetric(alg, key)
    }

    /// An HMAC secret for `alg` (`HS256`, `HS384`, `HS512`); no `kid` unless [`kid`]
    /// names one, and nothing to publish.
    ///
    /// [`kid`]: TestKey::kid
    pub fn secret(alg: Algorithm, secret: impl AsRef<[u8]>) -> Result<TestKey, MintError> {
        if alg.family() != AlgorithmFamily::Hmac {
            return Err(MintError::Key(format!("{alg:?} is not an HMAC algorithm")));
        }
        Ok(TestKey {
            alg,
            key: EncodingKey::from_secret(secret.as_ref()),
            kid: None,
            public: None,
        })
    }

    fn asymmetric(alg: Algorithm, key: EncodingKey) -> Result<TestKey, MintError> {
        let bad = |e: jsonwebtoken::errors::Error| MintError::Key(e.to_string());
        let mut public = Jwk::from_encoding_key(&key, alg).map_err(bad)?;
        let kid = public.thumbprint(ThumbprintHash::SHA256).map_err(bad)?;
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        Ok(TestKey {
            alg,
            key,
            kid: Some(kid),
            public: Some(public),
        })
    }

    /// Names the key `kid` (in the tokens it signs and in its JWK).
    #[must_use]
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The key id written into the tokens this key signs.
    pub fn key_id(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The public JWK of this key (`kid`, `alg`, `use: sig`, no private member); `None` for a
    /// secret.
    pub fn jwk(&self) -> Option<Value> {
        let mut jwk = self.public.clone()?;
        jwk.common.key_id.clone_from(&self.kid);
        serde_json::to_value(jwk).ok()
    }

    fn sign(&self, message: &str) -> Result<String, MintError> {
        jsonwebtoken::crypto::sign(message.as_bytes(), &self.key, self.alg)
            .map_err(|e| MintError::Key(e.to_string()))
    }
}

/// Who signs a minted token.
#[derive(Clone, Debug)]
enum Signer {
    /// The signing key of this handle.
    Handle(Jwt),
    Key(Box<TestKey>),
}

/// Any token: a header and claims as JSON, edited freely, then signed.
///
/// Start from a valid token of a handle ([`TokenMint::access`], [`TokenMint::edit`]) or of a
/// [`TestIssuer`] ([`TestIssuer::token`]), or from nothing ([`TokenMint::new`]), then break
/// exactly what the test is about. Times are relative to the token's own `iat` (the minting
/// handle's clock, a [`ManualClock`] when it has one).
///
/// ```
/// use axum_jwt_guard_runtime::{AuthError, Jwt, testing::{TestKey, TokenMint}};
///
/// let jwt = Jwt::builder().secret([7u8; 32]).build()?;
/// let valid = jwt.access_token("alice").scopes(["admin"]).sign()?;
/// let forged = TokenMint::edit(&jwt, &valid)?.signed_with(TestKey::generate()?).sign()?;
/// assert!(jwt.verify_access::<()>(&forged).is_err());
/// let refresh = TokenMint::edit(&jwt, &valid)?.claim("type", "refresh").sign()?;
/// assert_eq!(jwt.verify_access::<()>(&refresh).err(), Some(AuthError::WrongTokenType));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a TokenMint does nothing until signed"]
pub struct TokenMint {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    /// The header exactly as the handle wrote it, while it is unchanged: our own headers are
    /// recognised byte for byte.
    original_header: Option<String>,
    signer: Signer,
    error: Option<MintError>,
}

/// Seconds an [`expired`](TokenMint::expired) token is past its `exp`, and a
/// [`not_yet_valid`](TokenMint::not_yet_valid) one before its `nbf`: more than any leeway a
/// test would set.
const FAR: i64 = 3600;

impl TokenMint {
    /// A token with this header and these claims (JSON objects), signed by `key`. The
    /// header's `alg` (and `kid`, when the key has one) are the key's unless set here.
    pub fn new(key: TestKey, header: Value, claims: Value) -> Self {
        let mut mint = TokenMint {
            header: into_map(header),
            claims: into_map(claims),
            original_header: None,
            signer: Signer::Key(Box::new(key.clone())),
            error: None,
        };
        mint.header
            .entry("alg")
            .or_insert_with(|| alg_value(key.alg));
        if let Some(kid) = &key.kid {
            mint.header
                .entry("kid")
                .or_insert_with(|| Value::from(kid.as_str()));
        }
        mint
    }

    /// A valid access token of `jwt` for `identity`, to edit. Equal to
    /// `TokenMint::edit(jwt, &jwt.access_token(identity).sign()?)`.
    pub fn access(jwt: &Jwt, identity: impl Into<String>) -> Result<Self, MintError> {
        let token = jwt.access_token(identity).sign()?;
        Self::edit(jwt, &token)
    }

    /// The token `token`, minted by `jwt` (with any of its builder's settings), to edit and
    /// sign again with `jwt`'s key.
    pub fn edit(jwt: &Jwt, token: &str) -> Result<Self, MintError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(MintError::Token("a JWT has three parts"));
        };
        let decode = |part: &str| -> Result<Map<String, Value>, MintError> {
            let bytes = URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| MintError::Token("a part is not base64url"))?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(MintError::Token("a part is not a JSON object")),
            }
        };
        Ok(TokenMint {
            header: decode(header)?,
            claims: decode(payload)?,
            original_header: Some(header.to_owned()),
            signer: Signer::Handle(jwt.clone()),
            error: None,
        })
    }

    /// Sets the claim `name` (any JSON value).
    pub fn claim(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => {
                self.claims.insert(name, value);
            }
            Err(_) => self.error = Some(MintError::Claim(name)),
        }
        self
    }

    /// Removes the claim `name`.
    pub fn without_claim(mut self, name: &str) -> Self {
        self.claims.remove(name);
        self
    }

    /// Sets the header member `name`.
    pub fn header(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(value) => {
                self.header.insert(name, value);
                self.original_header = None;
            }
            Err(_) => self.error = Some(MintError::Claim(name)),
        }
        self
    }

    /// Removes the header member `name`.
    pub fn without_header(mut self, name: &str) -> Self {
        if self.header.remove(name).is_some() {
            self.original_header = None;
        }
        self
    }

    /// Names another key in the header (the signature is still the signer's).
    pub fn kid(self, kid: impl Into<String>) -> Self {
        self.header("kid", kid.into())
    }

    /// Sets `iss`.
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.claim("iss", issuer.into())
    }

    /// Sets `aud` to this one audience.
    pub fn audience(self, audience: impl Into<String>) -> Self {
        self.claim("aud", audience.into())
    }

    /// Sets `exp` to this Unix time.
    pub fn expires_at(self, unix_seconds: i64) -> Self {
        self.claim("exp", unix_seconds)
    }

    /// An expired token: `exp` an hour before its `iat`'s time, `iat` two hours before.
    pub fn expired(self) -> Self {
        let now = self.iat();
        self.claim("iat", now - 2 * FAR).claim("exp", now - FAR)
    }

    /// A token not valid yet: `nbf` an hour after its `iat`.
    pub fn not_yet_valid(self) -> Self {
        let now = self.iat();
        self.claim("nbf", now + FAR)
    }

    /// Signs with `key` instead (the header's `alg` becomes the key's, and its `kid` the
    /// key's, or none).
    pub fn signed_with(mut self, key: TestKey) -> Self {
        self.header.insert("alg".to_owned(), alg_value(key.alg));
        match &key.kid {
            Some(kid) => self
                .header
                .insert("kid".to_owned(), Value::from(kid.as_str())),
            None => self.header.remove("kid"),
        };
        self.original_header = None;
        self.signer = Signer::Key(Box::new(key));
        self
    }

    /// The token's claims as they stand.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The compact JWT: header and claims as set, signed by the signer.
    pub fn sign(&self) -> Result<String, MintError> {
        if let Some(e) = &self.error {
            return Err(e.clone());
        }
        let header = match &self.original_header {
            Some(original) => original.clone(),
            None => encode(&self.header)?,
        };
        let input = format!("{header}.{}", encode(&self.claims)?);
        let signature = match &self.signer {
            Signer::Handle(jwt) => URL_SAFE_NO_PAD.encode(jwt.inner.issuer.sign_raw(&input)?),
            Signer::Key(key) => key.sign(&input)?,
        };
        Ok(format!("{input}.{signature}"))
    }

    /// The token's `iat`, or the current system time without one.
    fn iat(&self) -> i64 {
        self.claims
            .get("iat")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| unix_now(&Clock::System))
    }
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn alg_value(alg: Algorithm) -> Value {
    serde_json::to_value(alg).unwrap_or(Value::Null)
}

fn encode(map: &Map<String, Value>) -> Result<String, MintError> {
    serde_json::to_vec(map)
        .map(|bytes| URL_SAFE_NO_PAD.encode(bytes))
        .map_err(|_| MintError::Token("not serialisable"))
}

fn unix_now(clock: &Clock) -> i64 {
    i64::try_from(clock.now()).unwrap_or(i64::MAX)
}

/// An identity provider in the test process: an issuer URL, an audience, and signing keys
/// published as a JWKS document.
///
/// [`provider`](TestIssuer::provider) configures a [`Jwt`] to accept its tokens from the
/// document directly; with the `axum` feature, [`router`](TestIssuer::router) serves its
/// discovery document and keys so that a service can fetch them the way it fetches a real
/// provider's (`IdentityProvider::discover`, feature `oidc`), rotation included. The tokens
/// are RFC 9068 access tokens (`typ: at+jwt`) with `iss`, `sub`, `aud`, `iat`, `exp` (five
/// minutes) and `jti`, to edit like any [`TokenMint`].
///
/// Clones share the keys: a rotation is seen by every clone and the router.
#[derive(Clone, Debug)]
pub struct TestIssuer {
    issuer: String,
    audience: String,
    keys: Arc<Mutex<KeyList>>,
    clock: Clock,
}

impl TestIssuer {
    /// An issuer with a fresh Ed25519 key.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Result<Self, MintError> {
        Ok(Self::with_key(issuer, audience, TestKey::generate()?))
    }

    /// An issuer signing with `key` (for instance RS256 from a PEM file, when the code under
    /// test accepts only that).
    pub fn with_key(issuer: impl Into<String>, audience: impl Into<String>, key: TestKey) -> Self {
        TestIssuer {
            issuer: issuer.into(),
            audience: audience.into(),
            keys: Arc::new(Mutex::new(KeyList {
                current: key,
                previous: Vec::new(),
            })),
            clock: Clock::System,
        }
    }

    /// Reads `clock` for `iat` and `exp` (give the service under test the same one).
    #[must_use]
    pub fn clock(mut self, clock: &ManualClock) -> Self {
        self.clock = Clock::Manual(clock.clone());
        self
    }

    /// The issuer URL (`iss`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    fn keys(&self) -> std::sync::MutexGuard<'_, KeyList> {
        // A panic while the lock is held leaves the list whole: keep using it.
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The key that signs new tokens.
    pub fn current_key(&self) -> TestKey {
        self.keys().current.clone()
    }

    /// Signs new tokens with `key` from now on; the previous keys stay published.
    pub fn rotate_to(&self, key: TestKey) {
        let mut keys = self.keys();
        let previous = std::mem::replace(&mut keys.current, key);
        keys.previous.insert(0, previous);
    }

    /// Stops publishing every key but the current one.
    pub fn retire_previous_keys(&self) {
        self.keys().previous.clear();
    }

    /// The JWKS document: the public keys, current first.
    pub fn jwks(&self) -> String {
        let keys: Vec<Value> = self.keys().all().filter_map(TestKey::jwk).collect();
        json!({ "keys": keys }).to_string()
    }

    /// The OpenID discovery document (`issuer`, `jwks_uri` under
    /// `/.well-known/jwks.json`).
    pub fn openid_configuration(&self) -> String {
        json!({
            "issuer": self.issuer,
            "jwks_uri": format!("{}/.well-known/jwks.json", self.issuer.trim_end_matches('/')),
            "id_token_signing_alg_values_supported": self.algorithms(),
        })
        .to_string()
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        let mut algs: Vec<Algorithm> = Vec::new();
        for alg in self.keys().all().map(TestKey::algorithm) {
            if !algs.contains(&alg) {
                algs.push(alg);
            }
        }
        algs
    }

    /// This issuer as an [`IdentityProvider`] reading the keys published now: issuer,
    /// audience and algorithms set. Build the handle again after a rotation, or serve
    /// [`router`](TestIssuer::router) and use `IdentityProvider::discover`.
    pub fn provider(&self) -> IdentityProvider {
        IdentityProvider::jwks(self.jwks())
            .issuer(&self.issuer)
            .audience(&self.audience)
            .algorithms(self.algorithms())
    }

    /// A valid access token for `subject`, signed by the current key, to edit.
    pub fn token(&self, subject: impl Into<String>) -> TokenMint {
        let now = unix_now(&self.clock);
        let claims = json!({
            "iss": self.issuer,
            "sub": subject.into(),
            "aud": self.audience,
            "iat": now,
            "exp": now + 300,
            "jti": crate::token::issue::random_id().unwrap_or_else(|_| format!("jti-{now}")),
        });
        TokenMint::new(self.current_key(), json!({ "typ": "at+jwt" }), claims)
    }

    /// `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json` with this
    /// issuer's keys as they are at each request. Serve it on the loopback address the issuer
    /// URL names.
    #[cfg(feature = "axum")]
    #[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
    pub fn router(&self) -> axum::Router {
        use axum::http::header::CONTENT_TYPE;
        use axum::routing::get;
        let json_of = |body: String| ([(CONTENT_TYPE, "application/json")], body);
        let discovery = self.clone();
        let keys = self.clone();
        axum::Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(move || std::future::ready(json_of(discovery.openid_configuration()))),
            )
            .route(
                "/.well-known/jwks.json",
                get(move || std::future::ready(json_of(keys.jwks()))),
            )
    }
}

/// The keys of a [`TestIssuer`]: one signs, the others are still published.
#[derive(Debug)]
struct KeyList {
    current: TestKey,
    previous: Vec<TestKey>,
}

impl KeyList {
    fn all(&self) -> impl Iterator<Item = &TestKey> {
        std::iter::once(&self.current).chain(&self.previous)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AuthError;

    fn jwt(clock: &ManualClock) -> Jwt {
        Jwt::builder()
            .secret([9u8; 32])
            .audience("orders")
            .clock(clock.clone())
            .build()
            .expect("builds")
    }

    #[test]
    fn an_unchanged_edit_keeps_our_header_bytes_and_verifies() {
        let clock = ManualClock::starting_now();
        let jwt = jwt(&clock);
        let token = jwt.access_token("alice").sign().expect("signs");
        let again = TokenMint::edit(&jwt, &token)
            .and_then(|m| m.sign())
            .expect("signs");
        assert_eq!(again.split('.').next(), token.split('.').next());
        assert!(jwt.verify_access::<()>(&again).is_ok());
    }

    #[test]
    fn times_follow_the_handle_s_clock() {
        let clock = ManualClock::at_millis(1_000_000_000_000);
        let jwt = jwt(&clock);
        let mint = TokenMint::access(&jwt, "alice").expect("mints");
        let early = mint.clone().not_yet_valid().sign().expect("signs");
        assert_eq!(
            jwt.verify_access::<()>(&early).err(),
            Some(AuthError::NotYetValid)
        );
        let expired = mint.expired();
        assert_eq!(expired.claims()["exp"], json!(1_000_000_000 - 3600));
        let expired = expired.sign().expect("signs");
        assert_eq!(
            jwt.verify_access::<()>(&expired).err(),
            Some(AuthError::Expired)
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let jwt = jwt(&ManualClock::starting_now());
        for token in ["", "a.b", "a.b.c.d", "!!.e30.x", "e30.W10.x"] {
            assert!(
                matches!(TokenMint::edit(&jwt, token), Err(MintError::Token(_))),
                "{token}"
            );
        }
        assert!(matches!(
            TestKey::from_pem(Algorithm::HS256, b"x"),
            Err(MintError::Key(_))
        ));
        assert!(matches!(
            TestKey::from_pem(Algorithm::RS256, b"not a pem"),
            Err(MintError::Key(_))
        ));
        assert!(matches!(
            TestKey::secret(Algorithm::RS256, b"x"),
            Err(MintError::Key(_))
        ));
        let verify_only = Jwt::builder()
            .identity_provider(
                TestIssuer::new("https://idp.test", "a")
                    .expect("key")
                    .provider(),
            )
            .build()
            .expect("builds");
        let token = jwt.access_token("alice").sign().expect("signs");
        assert_eq!(
            TokenMint::edit(&verify_only, &token).and_then(|m| m.sign()),
            Err(MintError::Sign(crate::SignError::NoSigningKey))
        );
    }

    #[test]
    fn a_generated_key_publishes_its_public_half_only() {
        let key = TestKey::generate().expect("key");
        let jwk = key.jwk().expect("public");
        assert_eq!(jwk["kty"], "OKP");
        assert_eq!(jwk["alg"], "EdDSA");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kid"].as_str(), key.key_id());
        assert!(jwk.get("d").is_none());
        assert_ne!(key.key_id(), TestKey::generate().expect("key").key_id());
        assert!(
            TestKey::secret(Algorithm::HS256, [1u8; 32])
                .expect("secret")
                .jwk()
                .is_none()
        );
    }

    #[test]
    fn a_rotation_publishes_both_keys_until_the_old_one_is_retired() {
        let idp = TestIssuer::new("https://idp.test", "a").expect("key");
        let first = idp.current_key();
        idp.rotate_to(TestKey::generate().expect("key"));
        let kids = |doc: String| -> Vec<String> {
            let doc: Value = serde_json::from_str(&doc).unwrap_or_default();
            doc["keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                .collect()
        };
        let both = kids(idp.jwks());
        assert_eq!(both.len(), 2);
        assert_eq!(both[1].as_str(), first.key_id().unwrap_or_default());
        idp.retire_previous_keys();
        assert_eq!(kids(idp.jwks()), both[..1]);
        let discovery: Value =
            serde_json::from_str(&idp.openid_configuration()).unwrap_or_default();
        assert_eq!(
            discovery["jwks_uri"],
            "https://idp.test/.well-known/jwks.json"
        );
    }
}
