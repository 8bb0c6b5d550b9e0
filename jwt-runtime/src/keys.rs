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

/// Signing and verification keys for one algorithm.
pub(crate) struct Keys {
    pub(crate) alg: Algorithm,
    pub(crate) alg_name: &'static str,
    encoding: Option<EncodingKey>,
    decoding: DecodingKey,
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
            return Ok(Self {
                alg,
                alg_name: name,
                encoding: Some(EncodingKey::from_secret(&secret)),
                decoding: DecodingKey::from_secret(&secret),
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
        let encoding = match private {
            None => None,
            Some(source) => {
                let pem = source.load("private key")?;
                Some(
                    match family {
                        AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(&pem),
                        AlgorithmFamily::Ec => EncodingKey::from_ec_pem(&pem),
                        _ => EncodingKey::from_ed_pem(&pem),
                    }
                    .map_err(|_| bad_pem("private key"))?,
                )
            }
        };
        let keys = Self {
            alg,
            alg_name: name,
            encoding,
            decoding,
        };
        keys.self_test()?;
        Ok(keys)
    }

    /// Signs and verifies a probe message once, so that a key of the wrong curve, a private
    /// key that does not match the public key, or a key the backend refuses fails at build.
    fn self_test(&self) -> Result<(), ConfigError> {
        let Some(_) = &self.encoding else {
            return Ok(());
        };
        let probe = b"axum-jwt key pair self-test";
        let signature = self.sign(probe).map_err(|_| ConfigError::InvalidKey {
            alg: self.alg_name,
            what: "private key",
        })?;
        if !self.verify(&signature, probe) {
            return Err(ConfigError::KeyPairMismatch { alg: self.alg_name });
        }
        Ok(())
    }

    pub(crate) fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// Signs `message`, returning the base64url signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<String, jsonwebtoken::errors::Error> {
        match &self.encoding {
            Some(key) => jsonwebtoken::crypto::sign(message, key, self.alg),
            None => Err(jsonwebtoken::errors::ErrorKind::InvalidKeyFormat.into()),
        }
    }

    /// Checks a base64url signature over `message` with the configured algorithm only.
    pub(crate) fn verify(&self, signature_b64: &str, message: &[u8]) -> bool {
        matches!(
            jsonwebtoken::crypto::verify(signature_b64, message, &self.decoding, self.alg),
            Ok(true)
        )
    }
}

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
        assert!(compiled_backend().is_ok());
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
