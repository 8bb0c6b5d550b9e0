//! The RustCrypto backend: HMAC keys are set up once with the hmac crate (the one
//! jsonwebtoken's `rust_crypto` feature uses); other keys go through jsonwebtoken per call.

use hmac::{Hmac, Mac as _};
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};

use super::{SignFailed, generic};

/// RustCrypto's HMAC, keyed once; each use clones the keyed state.
#[derive(Clone)]
pub(crate) enum Mac {
    S256(Hmac<Sha256>),
    S384(Hmac<Sha384>),
    S512(Hmac<Sha512>),
}

impl Mac {
    fn new(alg: Algorithm, key: &[u8]) -> Option<Self> {
        Some(match alg {
            Algorithm::HS256 => Mac::S256(Hmac::new_from_slice(key).ok()?),
            Algorithm::HS384 => Mac::S384(Hmac::new_from_slice(key).ok()?),
            Algorithm::HS512 => Mac::S512(Hmac::new_from_slice(key).ok()?),
            _ => return None,
        })
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
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
    fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
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

pub(crate) enum Verifier {
    Hmac(Mac),
    Generic(generic::Verifier),
}

pub(crate) enum Signer {
    Hmac(Mac),
    Generic(generic::Signer),
}

impl Verifier {
    pub(crate) fn new(alg: Algorithm, key: DecodingKey) -> Self {
        if let DecodingKeyKind::SecretOrDer(bytes) = key.kind()
            && let Some(mac) = Mac::new(alg, bytes)
        {
            return Verifier::Hmac(mac);
        }
        Verifier::Generic(generic::Verifier::new(alg, key))
    }

    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        signature_b64: &str,
        signature: &[u8],
        message: &[u8],
    ) -> bool {
        match self {
            Verifier::Hmac(mac) => mac.verify(message, signature),
            Verifier::Generic(key) => key.verify(alg, signature_b64, signature, message),
        }
    }

    #[cfg(test)]
    pub(crate) fn is_prekeyed(&self) -> bool {
        match self {
            Verifier::Hmac(_) => true,
            Verifier::Generic(key) => key.is_prekeyed(),
        }
    }
}

impl Signer {
    pub(crate) fn new(alg: Algorithm, key: EncodingKey) -> Result<Self, SignFailed> {
        match Mac::new(alg, key.as_bytes()) {
            Some(mac) => Ok(Signer::Hmac(mac)),
            None => generic::Signer::new(alg, key).map(Signer::Generic),
        }
    }

    pub(crate) fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, SignFailed> {
        match self {
            Signer::Hmac(mac) => Ok(mac.sign(message)),
            Signer::Generic(key) => key.sign(alg, message),
        }
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    Sha256::digest(bytes).into()
}
