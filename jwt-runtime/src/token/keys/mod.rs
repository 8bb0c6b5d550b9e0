//! Algorithms and key material: read from bytes, files or the environment, checked once when
//! the [`Jwt`](crate::Jwt) is built, then held pre-keyed by the build's crypto backend.
//!
//! One module per backend (`aws_lc.rs`, `rust_crypto.rs`, and jsonwebtoken's per-call path in
//! `generic.rs`), each with a `Verifier` and a `Signer` of the same shape: the rest of the
//! crate sees [`VerifyingKey`] and [`SigningKey`] and no `#[cfg]`.

use std::path::PathBuf;

use jsonwebtoken::jwk::{Jwk, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::error::ConfigError;

#[cfg(feature = "aws-lc-rs")]
mod aws_lc;
mod generic;
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
mod rust_crypto;

#[cfg(feature = "aws-lc-rs")]
use aws_lc as backend;
#[cfg(not(any(feature = "aws-lc-rs", feature = "rust-crypto")))]
use generic as backend;
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
use rust_crypto as backend;

/// Where a key or secret comes from; read when the configuration is built.
#[derive(Clone)]
pub(crate) enum KeySource {
    Bytes(Vec<u8>),
    File(PathBuf),
    Env(String),
}

impl KeySource {
    pub(crate) fn load(&self, what: &'static str) -> Result<Vec<u8>, ConfigError> {
        match self {
            KeySource::Bytes(b) => Ok(b.clone()),
            KeySource::File(path) => std::fs::read(path).map_err(|e| ConfigError::KeyFile {
                what,
                path: path.clone(),
                reason: e.to_string(),
            }),
            KeySource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(v.into_bytes()),
                Ok(_) | Err(std::env::VarError::NotPresent) => Err(ConfigError::MissingEnv {
                    var: var.clone(),
                    what,
                }),
                Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError::InvalidEnv {
                    var: var.clone(),
                    reason: "not valid UTF-8".to_owned(),
                }),
            },
        }
    }
}

/// The crypto backend chosen by this build's features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    AwsLcRs,
    RustCrypto,
}

/// Exactly one backend feature must be active; jsonwebtoken would otherwise panic on the
/// first token it signs or verifies.
pub(crate) fn select_backend(aws_lc_rs: bool, rust_crypto: bool) -> Result<Backend, ConfigError> {
    match (aws_lc_rs, rust_crypto) {
        (true, false) => Ok(Backend::AwsLcRs),
        (false, true) => Ok(Backend::RustCrypto),
        (true, true) => Err(ConfigError::CryptoBackend(
            "both `aws-lc-rs` and `rust-crypto` features are enabled; enable exactly one \
             (use `default-features = false, features = [\"rust-crypto\"]` for RustCrypto)",
        )),
        (false, false) => Err(ConfigError::CryptoBackend(
            "no crypto backend feature is enabled; enable `aws-lc-rs` (the default) or `rust-crypto`",
        )),
    }
}

pub(crate) fn compiled_backend() -> Result<Backend, ConfigError> {
    select_backend(cfg!(feature = "aws-lc-rs"), cfg!(feature = "rust-crypto"))
}

/// The name of an algorithm as it appears in the JOSE header (the inverse of jsonwebtoken's
/// `Algorithm::from_str`, which parses it exactly, case-sensitively).
pub(crate) fn alg_name(alg: Algorithm) -> Option<&'static str> {
    Some(match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => return None,
    })
}

/// The smallest accepted HMAC secret: the hash output length (RFC 7518 §3.2).
fn min_secret_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

/// The key that checks signatures, for the one configured algorithm.
pub(crate) struct VerifyingKey {
    alg: Algorithm,
    name: &'static str,
    key: backend::Verifier,
}

impl VerifyingKey {
    /// The algorithm's name, as the header of every accepted token must spell it.
    pub(crate) fn alg_name(&self) -> &'static str {
        self.name
    }

    pub(crate) fn alg(&self) -> Algorithm {
        self.alg
    }

    /// Checks a signature over `message` with the configured algorithm only. `signature` is
    /// the decoded form of `signature_b64`.
    pub(crate) fn verify(&self, signature_b64: &str, signature: &[u8], message: &[u8]) -> bool {
        self.key.verify(self.alg, signature_b64, signature, message)
    }

    /// A public key of a key set (a JWK) for `alg`, parsed once by the backend.
    pub(crate) fn public(alg: Algorithm, key: DecodingKey) -> Option<Self> {
        Some(Self {
            alg,
            name: alg_name(alg)?,
            key: backend::Verifier::new(alg, key),
        })
    }

    /// Whether the key was parsed once (the fast path) rather than per call.
    #[cfg(test)]
    pub(crate) fn is_prekeyed(&self) -> bool {
        self.key.is_prekeyed()
    }
}

/// The key that signs new tokens (absent for a verify-only configuration).
pub(crate) struct SigningKey {
    alg: Algorithm,
    key: backend::Signer,
}

impl SigningKey {
    /// Signs `message`, returning the raw signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignFailed> {
        self.key.sign(self.alg, message)
    }
}

/// The backend refused to sign.
#[derive(Debug)]
pub(crate) struct SignFailed;

/// The keys of one configuration: always a verifying key, a signing key when a secret or a
/// private key was given, the key id written into every token it signs, and (for a public
/// key) the JWK that publishes it.
pub(crate) struct Keys {
    pub(crate) verifying: VerifyingKey,
    pub(crate) signing: Option<SigningKey>,
    pub(crate) kid: String,
    pub(crate) jwk: Option<Jwk>,
}

/// A key this service verifies but does not sign with: the next key, published before it
/// becomes current, or a previous one, kept until the tokens it signed have expired. Hand it
/// to [`JwtBuilder::verify_only_key`](crate::JwtBuilder::verify_only_key); it uses the
/// configured algorithm.
///
/// Its key id is the RFC 7638 thumbprint of the key unless [`kid`](VerifyOnlyKey::kid) names
/// one; a token signed by it must carry that `kid`.
#[derive(Clone)]
#[must_use = "hand it to JwtBuilder::verify_only_key"]
pub struct VerifyOnlyKey {
    source: KeySource,
    secret: bool,
    kid: Option<String>,
}

impl std::fmt::Debug for VerifyOnlyKey {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOnlyKey")
            .field("secret", &self.secret)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyOnlyKey {
    /// An HMAC secret (HS256/384/512), as long as the hash output at least.
    pub fn secret(secret: impl AsRef<[u8]>) -> Self {
        Self {
            source: KeySource::Bytes(secret.as_ref().to_vec()),
            secret: true,
            kid: None,
        }
    }

    /// A PEM public key (RS*, PS*, ES*, EdDSA).
    pub fn public_key_pem(pem: impl AsRef<[u8]>) -> Self {
        Self {
            source: KeySource::Bytes(pem.as_ref().to_vec()),
            secret: false,
            kid: None,
        }
    }

    /// A PEM public key, read from a file at build.
    pub fn public_key_file(path: impl Into<PathBuf>) -> Self {
        Self {
            source: KeySource::File(path.into()),
            secret: false,
            kid: None,
        }
    }

    /// The key id tokens signed by this key carry (default: its RFC 7638 thumbprint). A key
    /// keeps its id for its whole life: give the same one when it was current.
    pub fn kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }
}

/// The longest key id accepted in a configuration.
const MAX_KID_LEN: usize = 128;

/// A configured key id: printable ASCII without quotes or backslashes, so that it is written
/// into headers and key documents as it is.
fn check_kid(kid: &str) -> Result<(), ConfigError> {
    if kid.is_empty()
        || kid.len() > MAX_KID_LEN
        || !kid
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err(ConfigError::invalid(
            "key_id",
            "1 to 128 printable ASCII characters, without quotes or backslashes",
        ));
    }
    Ok(())
}

/// The key id (`given`, or the RFC 7638 SHA-256 thumbprint) and, for a public key, the JWK
/// that publishes it (`kid`, `alg`, `use: sig`; public members only).
fn identify(
    alg: Algorithm,
    name: &'static str,
    decoding: &DecodingKey,
    given: Option<&str>,
) -> Result<(String, Option<Jwk>), ConfigError> {
    let bad = || ConfigError::InvalidKey {
        alg: name,
        what: "key",
    };
    let mut jwk = Jwk::from_decoding_key(decoding, Some(alg)).map_err(|_| bad())?;
    let kid = match given {
        Some(kid) => {
            check_kid(kid)?;
            kid.to_owned()
        }
        None => jwk.thumbprint(ThumbprintHash::SHA256).map_err(|_| bad())?,
    };
    if alg.family() == AlgorithmFamily::Hmac {
        // A secret is never published, not even as a JWK.
        return Ok((kid, None));
    }
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok((kid, Some(jwk)))
}

/// A secret for `alg`, checked for length (B5).
fn checked_secret(
    alg: Algorithm,
    name: &'static str,
    source: &KeySource,
) -> Result<Vec<u8>, ConfigError> {
    let secret = source.load("secret")?;
    let min = min_secret_len(alg);
    if secret.len() < min {
        return Err(ConfigError::SecretTooShort {
            alg: name,
            min,
            actual: secret.len(),
        });
    }
    Ok(secret)
}

/// A PEM public key for `alg`, of its family, and RSA moduli of 2048 bits or more (B6).
fn checked_public(
    alg: Algorithm,
    name: &'static str,
    source: &KeySource,
) -> Result<DecodingKey, ConfigError> {
    let pem = source.load("public key")?;
    let bad_pem = |what: &'static str| ConfigError::InvalidKey { alg: name, what };
    let family = alg.family();
    let decoding = match family {
        AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(&pem),
        AlgorithmFamily::Ec => DecodingKey::from_ec_pem(&pem),
        _ => DecodingKey::from_ed_pem(&pem),
    }
    .map_err(|_| bad_pem("public key"))?;
    if family == AlgorithmFamily::Rsa {
        let bits = match decoding.kind() {
            jsonwebtoken::DecodingKeyKind::SecretOrDer(der) => rsa_modulus_bits(der),
            jsonwebtoken::DecodingKeyKind::RsaModulusExponent { n, .. } => Some(bits_of(n)),
        }
        .ok_or_else(|| bad_pem("public key"))?;
        if bits < 2048 {
            return Err(ConfigError::RsaKeyTooSmall { bits });
        }
    }
    Ok(decoding)
}

/// The supported name of `alg`, or a configuration error.
fn supported(alg: Algorithm) -> Result<&'static str, ConfigError> {
    alg_name(alg).ok_or(ConfigError::Invalid {
        setting: "algorithm",
        reason: format!("{alg:?} is not supported"),
    })
}

impl Keys {
    /// Reads and checks the key material for `alg`: the right kind of key for its family,
    /// long enough secrets, RSA moduli of 2048 bits or more, and a private key that matches
    /// the public one. `kid` is the key id to write (default: the key's thumbprint).
    pub(crate) fn load(
        alg: Algorithm,
        secret: Option<&KeySource>,
        private: Option<&KeySource>,
        public: Option<&KeySource>,
        kid: Option<&str>,
    ) -> Result<Self, ConfigError> {
        let name = supported(alg)?;
        let verifying = |key| VerifyingKey {
            alg,
            name,
            key: backend::Verifier::new(alg, key),
        };
        let signing = |key, what| {
            backend::Signer::new(alg, key)
                .map(|key| SigningKey { alg, key })
                .map_err(|SignFailed| ConfigError::InvalidKey { alg: name, what })
        };
        let family = alg.family();
        if family == AlgorithmFamily::Hmac {
            if private.is_some() || public.is_some() {
                return Err(ConfigError::WrongKeyKind {
                    alg: name,
                    reason: "an HMAC algorithm takes a secret, not a PEM key pair",
                });
            }
            let source = secret.ok_or(ConfigError::MissingKey {
                alg: name,
                what: "secret",
            })?;
            let secret = checked_secret(alg, name, source)?;
            let decoding = DecodingKey::from_secret(&secret);
            let (kid, jwk) = identify(alg, name, &decoding, kid)?;
            return Ok(Self {
                signing: Some(signing(EncodingKey::from_secret(&secret), "secret")?),
                verifying: verifying(decoding),
                kid,
                jwk,
            });
        }

        if secret.is_some() {
            return Err(ConfigError::WrongKeyKind {
                alg: name,
                reason: "an asymmetric algorithm takes a PEM key pair, not a secret",
            });
        }
        let public = public.ok_or(ConfigError::MissingKey {
            alg: name,
            what: "public key",
        })?;
        let decoding = checked_public(alg, name, public)?;
        let bad_pem = |what: &'static str| ConfigError::InvalidKey { alg: name, what };
        let signing = match private {
            None => None,
            Some(source) => {
                let pem = source.load("private key")?;
                let key = match family {
                    AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(&pem),
                    AlgorithmFamily::Ec => EncodingKey::from_ec_pem(&pem),
                    _ => EncodingKey::from_ed_pem(&pem),
                }
                .map_err(|_| bad_pem("private key"))?;
                Some(signing(key, "private key")?)
            }
        };
        let (kid, jwk) = identify(alg, name, &decoding, kid)?;
        let keys = Self {
            verifying: verifying(decoding),
            signing,
            kid,
            jwk,
        };
        keys.self_test()?;
        Ok(keys)
    }

    /// Reads a verify-only key for `alg`: a secret for HMAC, a public key otherwise.
    pub(crate) fn load_verify_only(
        alg: Algorithm,
        key: &VerifyOnlyKey,
    ) -> Result<Self, ConfigError> {
        let name = supported(alg)?;
        let hmac = alg.family() == AlgorithmFamily::Hmac;
        if hmac != key.secret {
            return Err(ConfigError::WrongKeyKind {
                alg: name,
                reason: if hmac {
                    "a verify-only key of an HMAC algorithm is a secret"
                } else {
                    "a verify-only key of an asymmetric algorithm is a PEM public key"
                },
            });
        }
        let decoding = if hmac {
            DecodingKey::from_secret(&checked_secret(alg, name, &key.source)?)
        } else {
            checked_public(alg, name, &key.source)?
        };
        let (kid, jwk) = identify(alg, name, &decoding, key.kid.as_deref())?;
        Ok(Self {
            verifying: VerifyingKey {
                alg,
                name,
                key: backend::Verifier::new(alg, decoding),
            },
            signing: None,
            kid,
            jwk,
        })
    }

    /// Signs and verifies a probe message once, so that a key of the wrong curve, a private
    /// key that does not match the public key, or a key the backend refuses fails at build.
    fn self_test(&self) -> Result<(), ConfigError> {
        let Some(signing) = &self.signing else {
            return Ok(());
        };
        let name = self.verifying.alg_name();
        let probe = b"axum-jwt-guard key pair self-test";
        let signature = signing.sign(probe).map_err(|_| ConfigError::InvalidKey {
            alg: name,
            what: "private key",
        })?;
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &signature,
        );
        if !self.verifying.verify(&b64, &signature, probe) {
            return Err(ConfigError::KeyPairMismatch { alg: name });
        }
        Ok(())
    }
}

/// SHA-256 of `bytes`, with this build's backend: the revocation key of a token that has no
/// `jti` is the digest of its decoded payload (never of the token string, which can be
/// re-encoded).
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    backend::sha256(bytes)
}

/// Bit length of a big-endian unsigned integer.
pub(crate) fn bits_of(n: &[u8]) -> usize {
    let n = match n.iter().position(|b| *b != 0) {
        Some(i) => &n[i..],
        None => return 0,
    };
    n.len() * 8 - n[0].leading_zeros() as usize
}

/// Reads a DER length at the start of `der`, returning (length, rest).
fn der_len(der: &[u8]) -> Option<(usize, &[u8])> {
    let (&first, rest) = der.split_first()?;
    if first < 0x80 {
        return Some((first as usize, rest));
    }
    let count = (first & 0x7f) as usize;
    if count == 0 || count > 4 || rest.len() < count {
        return None;
    }
    let len = rest[..count]
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | *b as usize);
    Some((len, &rest[count..]))
}

/// The modulus size of a PKCS#1 `RSAPublicKey ::= SEQUENCE { modulus INTEGER, ... }`.
pub(crate) fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    let (&tag, rest) = der.split_first()?;
    if tag != 0x30 {
        return None;
    }
    let (_, rest) = der_len(rest)?;
    let (&tag, rest) = rest.split_first()?;
    if tag != 0x02 {
        return None;
    }
    let (len, rest) = der_len(rest)?;
    Some(bits_of(rest.get(..len)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_one_backend() {
        assert_eq!(select_backend(true, false).ok(), Some(Backend::AwsLcRs));
        assert_eq!(select_backend(false, true).ok(), Some(Backend::RustCrypto));
        let both = select_backend(true, true).err().map(|e| e.to_string());
        assert!(both.is_some_and(|m| m.contains("both")));
        let none = select_backend(false, false).err().map(|e| e.to_string());
        assert!(none.is_some_and(|m| m.contains("no crypto backend")));
        assert_eq!(
            compiled_backend().is_ok(),
            cfg!(feature = "aws-lc-rs") != cfg!(feature = "rust-crypto")
        );
    }

    #[test]
    fn alg_names_round_trip_case_sensitively() {
        for alg in [Algorithm::HS256, Algorithm::PS512, Algorithm::EdDSA] {
            assert_eq!(alg_name(alg).and_then(|n| n.parse().ok()), Some(alg));
        }
        for name in ["hs256", "none", "HS256 "] {
            assert!(name.parse::<Algorithm>().is_err(), "{name}");
        }
    }

    #[test]
    fn keys_are_parsed_once_on_the_default_backend() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
        let read = |n: &str| KeySource::File(format!("{fixtures}{n}").into());
        let hmac = Keys::load(
            Algorithm::HS256,
            Some(&KeySource::Bytes(vec![1; 32])),
            None,
            None,
            None,
        )
        .unwrap();
        assert!(hmac.verifying.is_prekeyed());
        let rsa = Keys::load(
            Algorithm::RS256,
            None,
            Some(&read("rsa_private.pem")),
            Some(&read("rsa_public.pem")),
            None,
        )
        .unwrap();
        assert_eq!(rsa.verifying.is_prekeyed(), cfg!(feature = "aws-lc-rs"));
    }

    #[test]
    fn key_ids_are_printable_ascii_without_quotes() {
        for good in [
            "2026-11",
            "k",
            &"a".repeat(MAX_KID_LEN),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
        ] {
            assert!(check_kid(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            &"a".repeat(MAX_KID_LEN + 1),
            "a\"b",
            "a\\b",
            "a b",
            "é",
            "a\nb",
            "\u{7f}",
        ] {
            assert!(check_kid(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn modulus_bits() {
        assert_eq!(bits_of(&[0, 0x80, 0]), 16);
        assert_eq!(bits_of(&[0x01]), 1);
        // SEQUENCE { INTEGER 0x00 0x80 0x00 0x00 , INTEGER 3 }
        let der = [
            0x30, 0x09, 0x02, 0x04, 0x00, 0x80, 0x00, 0x00, 0x02, 0x01, 0x03,
        ];
        assert_eq!(rsa_modulus_bits(&der), Some(24));
        assert_eq!(rsa_modulus_bits(&[0x31]), None);
    }
}
