//! Algorithms and key material: read from bytes, files or the environment, checked once when
//! the [`Jwt`](crate::Jwt) is built.

use std::path::PathBuf;

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use crate::config::ConfigError;

/// Where a key or secret comes from; read when the configuration is built.
#[derive(Clone)]
pub(crate) enum KeySource {
    Bytes(Vec<u8>),
    File(PathBuf),
    Env(String),
}

impl KeySource {
    fn load(&self, what: &'static str) -> Result<Vec<u8>, ConfigError> {
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

/// The name of an algorithm as it appears in the JOSE header.
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

/// Parses an algorithm name exactly as written in a JOSE header (case-sensitive).
pub(crate) fn parse_alg(name: &str) -> Option<Algorithm> {
    [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::EdDSA,
    ]
    .into_iter()
    .find(|a| alg_name(*a) == Some(name))
}

/// The smallest accepted HMAC secret: the hash output length (RFC 7518 §3.2).
fn min_secret_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::HS384 => 48,
        Algorithm::HS512 => 64,
        _ => 32,
    }
}

/// How tokens are verified: keys parsed once at build by the backend itself where it allows
/// it (aws-lc-rs for every algorithm, the hmac crate for HMAC with RustCrypto), otherwise
/// through jsonwebtoken's per-call path.
// One per `Jwt`, behind its `Arc`: the size does not matter, a box would cost a pointer
// chase on every verification.
#[allow(clippy::large_enum_variant)]
enum Verifier {
    #[cfg(feature = "aws-lc-rs")]
    AwsHmac(aws_lc_rs::hmac::Key),
    #[cfg(feature = "aws-lc-rs")]
    AwsPublic(aws_lc_rs::signature::ParsedPublicKey),
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    RcHmac(rc_hmac::Mac),
    Generic(DecodingKey),
}

/// How tokens are signed; the same choice as [`Verifier`].
#[allow(clippy::large_enum_variant)]
enum Signer {
    #[cfg(feature = "aws-lc-rs")]
    AwsHmac(aws_lc_rs::hmac::Key),
    #[cfg(feature = "aws-lc-rs")]
    AwsRsa(
        aws_lc_rs::signature::RsaKeyPair,
        &'static dyn aws_lc_rs::signature::RsaEncoding,
    ),
    #[cfg(feature = "aws-lc-rs")]
    AwsEcdsa(aws_lc_rs::signature::EcdsaKeyPair),
    #[cfg(feature = "aws-lc-rs")]
    AwsEd25519(aws_lc_rs::signature::Ed25519KeyPair),
    #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
    RcHmac(rc_hmac::Mac),
    Generic(EncodingKey),
}

/// RustCrypto's HMAC, keyed once; each use clones the keyed state.
#[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
mod rc_hmac {
    use hmac::{Hmac, Mac as _};
    use sha2::{Sha256, Sha384, Sha512};

    #[derive(Clone)]
    pub(crate) enum Mac {
        S256(Hmac<Sha256>),
        S384(Hmac<Sha384>),
        S512(Hmac<Sha512>),
    }

    impl Mac {
        pub(crate) fn new(alg: jsonwebtoken::Algorithm, key: &[u8]) -> Option<Self> {
            Some(match alg {
                jsonwebtoken::Algorithm::HS256 => Mac::S256(Hmac::new_from_slice(key).ok()?),
                jsonwebtoken::Algorithm::HS384 => Mac::S384(Hmac::new_from_slice(key).ok()?),
                jsonwebtoken::Algorithm::HS512 => Mac::S512(Hmac::new_from_slice(key).ok()?),
                _ => return None,
            })
        }

        pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
            match self.clone() {
                Mac::S256(mut m) => {
                    m.update(message);
                    m.finalize().into_bytes().to_vec()
                }
                Mac::S384(mut m) => {
                    m.update(message);
                    m.finalize().into_bytes().to_vec()
                }
                Mac::S512(mut m) => {
                    m.update(message);
                    m.finalize().into_bytes().to_vec()
                }
            }
        }

        /// Constant-time comparison (`verify_slice`).
        pub(crate) fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
            match self.clone() {
                Mac::S256(mut m) => {
                    m.update(message);
                    m.verify_slice(tag).is_ok()
                }
                Mac::S384(mut m) => {
                    m.update(message);
                    m.verify_slice(tag).is_ok()
                }
                Mac::S512(mut m) => {
                    m.update(message);
                    m.verify_slice(tag).is_ok()
                }
            }
        }
    }
}

#[cfg(feature = "aws-lc-rs")]
fn aws_hmac_algorithm(alg: Algorithm) -> aws_lc_rs::hmac::Algorithm {
    match alg {
        Algorithm::HS384 => aws_lc_rs::hmac::HMAC_SHA384,
        Algorithm::HS512 => aws_lc_rs::hmac::HMAC_SHA512,
        _ => aws_lc_rs::hmac::HMAC_SHA256,
    }
}

#[cfg(feature = "aws-lc-rs")]
fn aws_verification_algorithm(
    alg: Algorithm,
) -> Option<&'static dyn aws_lc_rs::signature::VerificationAlgorithm> {
    use aws_lc_rs::signature as s;
    Some(match alg {
        Algorithm::RS256 => &s::RSA_PKCS1_2048_8192_SHA256,
        Algorithm::RS384 => &s::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &s::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &s::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &s::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &s::RSA_PSS_2048_8192_SHA512,
        Algorithm::ES256 => &s::ECDSA_P256_SHA256_FIXED,
        Algorithm::ES384 => &s::ECDSA_P384_SHA384_FIXED,
        Algorithm::EdDSA => &s::ED25519,
        _ => return None,
    })
}

impl Verifier {
    fn new(alg: Algorithm, key: DecodingKey) -> Self {
        #[cfg(feature = "aws-lc-rs")]
        {
            if let jsonwebtoken::DecodingKeyKind::SecretOrDer(bytes) = key.kind() {
                if alg.family() == AlgorithmFamily::Hmac {
                    return Verifier::AwsHmac(aws_lc_rs::hmac::Key::new(
                        aws_hmac_algorithm(alg),
                        bytes,
                    ));
                }
                if let Some(parsed) = aws_verification_algorithm(alg)
                    .and_then(|v| aws_lc_rs::signature::ParsedPublicKey::new(v, bytes).ok())
                {
                    return Verifier::AwsPublic(parsed);
                }
            }
        }
        #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
        {
            if let jsonwebtoken::DecodingKeyKind::SecretOrDer(bytes) = key.kind()
                && let Some(mac) = rc_hmac::Mac::new(alg, bytes)
            {
                return Verifier::RcHmac(mac);
            }
        }
        let _ = alg;
        Verifier::Generic(key)
    }
}

impl Signer {
    #[cfg_attr(
        not(any(feature = "aws-lc-rs", feature = "rust-crypto")),
        allow(unused_variables)
    )]
    fn new(alg: Algorithm, key: EncodingKey) -> Result<Self, ()> {
        #[cfg(feature = "aws-lc-rs")]
        {
            use aws_lc_rs::signature as s;
            let bytes = key.as_bytes();
            return Ok(match alg.family() {
                AlgorithmFamily::Hmac => {
                    Signer::AwsHmac(aws_lc_rs::hmac::Key::new(aws_hmac_algorithm(alg), bytes))
                }
                AlgorithmFamily::Rsa => {
                    let padding: &'static dyn s::RsaEncoding = match alg {
                        Algorithm::RS256 => &s::RSA_PKCS1_SHA256,
                        Algorithm::RS384 => &s::RSA_PKCS1_SHA384,
                        Algorithm::RS512 => &s::RSA_PKCS1_SHA512,
                        Algorithm::PS256 => &s::RSA_PSS_SHA256,
                        Algorithm::PS384 => &s::RSA_PSS_SHA384,
                        _ => &s::RSA_PSS_SHA512,
                    };
                    Signer::AwsRsa(s::RsaKeyPair::from_der(bytes).map_err(drop)?, padding)
                }
                AlgorithmFamily::Ec => {
                    let signing = if alg == Algorithm::ES384 {
                        &s::ECDSA_P384_SHA384_FIXED_SIGNING
                    } else {
                        &s::ECDSA_P256_SHA256_FIXED_SIGNING
                    };
                    Signer::AwsEcdsa(s::EcdsaKeyPair::from_pkcs8(signing, bytes).map_err(drop)?)
                }
                AlgorithmFamily::Ed => {
                    Signer::AwsEd25519(s::Ed25519KeyPair::from_pkcs8(bytes).map_err(drop)?)
                }
            });
        }
        #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
        {
            if let Some(mac) = rc_hmac::Mac::new(alg, key.as_bytes()) {
                return Ok(Signer::RcHmac(mac));
            }
        }
        #[allow(unreachable_code)]
        Ok(Signer::Generic(key))
    }
}

/// Signing and verification keys for one algorithm.
pub(crate) struct Keys {
    pub(crate) alg: Algorithm,
    pub(crate) alg_name: &'static str,
    signer: Option<Signer>,
    verifier: Verifier,
}

impl Keys {
    pub(crate) fn load(
        alg: Algorithm,
        secret: Option<&KeySource>,
        private: Option<&KeySource>,
        public: Option<&KeySource>,
    ) -> Result<Self, ConfigError> {
        let name = alg_name(alg).ok_or(ConfigError::Invalid {
            setting: "algorithm",
            reason: format!("{alg:?} is not supported"),
        })?;
        let family = alg.family();
        if family == AlgorithmFamily::Hmac {
            if private.is_some() || public.is_some() {
                return Err(ConfigError::WrongKeyKind {
                    alg: name,
                    reason: "an HMAC algorithm takes a secret, not a PEM key pair",
                });
            }
            let secret = secret
                .ok_or(ConfigError::MissingKey {
                    alg: name,
                    what: "secret",
                })?
                .load("secret")?;
            let min = min_secret_len(alg);
            if secret.len() < min {
                return Err(ConfigError::SecretTooShort {
                    alg: name,
                    min,
                    actual: secret.len(),
                });
            }
            let signer = Signer::new(alg, EncodingKey::from_secret(&secret)).map_err(|()| {
                ConfigError::InvalidKey {
                    alg: name,
                    what: "secret",
                }
            })?;
            return Ok(Self {
                alg,
                alg_name: name,
                signer: Some(signer),
                verifier: Verifier::new(alg, DecodingKey::from_secret(&secret)),
            });
        }

        if secret.is_some() {
            return Err(ConfigError::WrongKeyKind {
                alg: name,
                reason: "an asymmetric algorithm takes a PEM key pair, not a secret",
            });
        }
        let public_pem = public
            .ok_or(ConfigError::MissingKey {
                alg: name,
                what: "public key",
            })?
            .load("public key")?;
        let bad_pem = |what: &'static str| ConfigError::InvalidKey { alg: name, what };
        let decoding = match family {
            AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(&public_pem),
            AlgorithmFamily::Ec => DecodingKey::from_ec_pem(&public_pem),
            _ => DecodingKey::from_ed_pem(&public_pem),
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
        let signer = match private {
            None => None,
            Some(source) => {
                let pem = source.load("private key")?;
                let key = match family {
                    AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(&pem),
                    AlgorithmFamily::Ec => EncodingKey::from_ec_pem(&pem),
                    _ => EncodingKey::from_ed_pem(&pem),
                }
                .map_err(|_| bad_pem("private key"))?;
                Some(Signer::new(alg, key).map_err(|()| bad_pem("private key"))?)
            }
        };
        let keys = Self {
            alg,
            alg_name: name,
            signer,
            verifier: Verifier::new(alg, decoding),
        };
        keys.self_test()?;
        Ok(keys)
    }

    /// Signs and verifies a probe message once, so that a key of the wrong curve, a private
    /// key that does not match the public key, or a key the backend refuses fails at build.
    fn self_test(&self) -> Result<(), ConfigError> {
        if self.signer.is_none() {
            return Ok(());
        }
        let probe = b"axum-jwt key pair self-test";
        let signature = self.sign(probe).map_err(|_| ConfigError::InvalidKey {
            alg: self.alg_name,
            what: "private key",
        })?;
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &signature,
        );
        if !self.verify(&b64, &signature, probe) {
            return Err(ConfigError::KeyPairMismatch { alg: self.alg_name });
        }
        Ok(())
    }

    pub(crate) fn can_sign(&self) -> bool {
        self.signer.is_some()
    }

    /// Whether keys were parsed once (the fast path) rather than per call.
    #[cfg(test)]
    pub(crate) fn is_prekeyed(&self) -> bool {
        !matches!(self.verifier, Verifier::Generic(_))
    }

    /// Signs `message`, returning the raw signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignFailed> {
        match self.signer.as_ref().ok_or(SignFailed)? {
            #[cfg(feature = "aws-lc-rs")]
            Signer::AwsHmac(key) => Ok(aws_lc_rs::hmac::sign(key, message).as_ref().to_vec()),
            #[cfg(feature = "aws-lc-rs")]
            Signer::AwsRsa(pair, padding) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*padding, &rng, message, &mut signature)
                    .map_err(|_| SignFailed)?;
                Ok(signature)
            }
            #[cfg(feature = "aws-lc-rs")]
            Signer::AwsEcdsa(pair) => {
                let rng = aws_lc_rs::rand::SystemRandom::new();
                pair.sign(&rng, message)
                    .map(|s| s.as_ref().to_vec())
                    .map_err(|_| SignFailed)
            }
            #[cfg(feature = "aws-lc-rs")]
            Signer::AwsEd25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
            Signer::RcHmac(mac) => Ok(mac.sign(message)),
            Signer::Generic(key) => {
                let b64 =
                    jsonwebtoken::crypto::sign(message, key, self.alg).map_err(|_| SignFailed)?;
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b64)
                    .map_err(|_| SignFailed)
            }
        }
    }

    /// Checks a signature over `message` with the configured algorithm only. `signature` is
    /// the decoded form of `signature_b64`.
    pub(crate) fn verify(&self, signature_b64: &str, signature: &[u8], message: &[u8]) -> bool {
        match &self.verifier {
            #[cfg(feature = "aws-lc-rs")]
            Verifier::AwsHmac(key) => aws_lc_rs::hmac::verify(key, message, signature).is_ok(),
            #[cfg(feature = "aws-lc-rs")]
            Verifier::AwsPublic(key) => key.verify_sig(message, signature).is_ok(),
            #[cfg(all(feature = "rust-crypto", not(feature = "aws-lc-rs")))]
            Verifier::RcHmac(mac) => mac.verify(message, signature),
            Verifier::Generic(key) => {
                let _ = signature;
                matches!(
                    jsonwebtoken::crypto::verify(signature_b64, message, key, self.alg),
                    Ok(true)
                )
            }
        }
    }
}

/// The backend refused to sign.
#[derive(Debug)]
pub(crate) struct SignFailed;

/// Bit length of a big-endian unsigned integer.
fn bits_of(n: &[u8]) -> usize {
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
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
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
            assert_eq!(alg_name(alg).and_then(parse_alg), Some(alg));
        }
        assert_eq!(parse_alg("hs256"), None);
        assert_eq!(parse_alg("none"), None);
        assert_eq!(parse_alg("HS256 "), None);
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
        )
        .unwrap();
        assert!(hmac.is_prekeyed());
        let rsa = Keys::load(
            Algorithm::RS256,
            None,
            Some(&read("rsa_private.pem")),
            Some(&read("rsa_public.pem")),
        )
        .unwrap();
        assert_eq!(rsa.is_prekeyed(), cfg!(feature = "aws-lc-rs"));
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
