//! The aws-lc-rs backend: every key is parsed once, at build, by aws-lc-rs itself (the crate
//! jsonwebtoken's `aws_lc_rs` feature uses), instead of on every call.

use aws_lc_rs::signature as s;
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};

use super::{SignFailed, generic};

// One per handle, behind its `Arc`: the size does not matter, a box would cost a pointer
// chase on every verification.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Verifier {
    Hmac(aws_lc_rs::hmac::Key),
    Public(s::ParsedPublicKey),
    /// An RSA key given as modulus and exponent, which aws-lc-rs does not parse from DER.
    Generic(generic::Verifier),
}

#[allow(clippy::large_enum_variant)]
pub(crate) enum Signer {
    Hmac(aws_lc_rs::hmac::Key),
    Rsa(s::RsaKeyPair, &'static dyn s::RsaEncoding),
    Ecdsa(s::EcdsaKeyPair),
    Ed25519(s::Ed25519KeyPair),
}

fn hmac_algorithm(alg: Algorithm) -> aws_lc_rs::hmac::Algorithm {
    match alg {
        Algorithm::HS384 => aws_lc_rs::hmac::HMAC_SHA384,
        Algorithm::HS512 => aws_lc_rs::hmac::HMAC_SHA512,
        _ => aws_lc_rs::hmac::HMAC_SHA256,
    }
}

fn verification_algorithm(alg: Algorithm) -> Option<&'static dyn s::VerificationAlgorithm> {
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
    pub(crate) fn new(alg: Algorithm, key: DecodingKey) -> Self {
        if let DecodingKeyKind::SecretOrDer(bytes) = key.kind() {
            if alg.family() == AlgorithmFamily::Hmac {
                return Verifier::Hmac(aws_lc_rs::hmac::Key::new(hmac_algorithm(alg), bytes));
            }
            if let Some(parsed) =
                verification_algorithm(alg).and_then(|v| s::ParsedPublicKey::new(v, bytes).ok())
            {
                return Verifier::Public(parsed);
            }
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
            Verifier::Hmac(key) => aws_lc_rs::hmac::verify(key, message, signature).is_ok(),
            Verifier::Public(key) => key.verify_sig(message, signature).is_ok(),
            Verifier::Generic(key) => key.verify(alg, signature_b64, signature, message),
        }
    }

    #[cfg(test)]
    pub(crate) fn is_prekeyed(&self) -> bool {
        match self {
            Verifier::Hmac(_) | Verifier::Public(_) => true,
            Verifier::Generic(key) => key.is_prekeyed(),
        }
    }
}

impl Signer {
    pub(crate) fn new(alg: Algorithm, key: EncodingKey) -> Result<Self, SignFailed> {
        let bytes = key.as_bytes();
        Ok(match alg.family() {
            AlgorithmFamily::Hmac => {
                Signer::Hmac(aws_lc_rs::hmac::Key::new(hmac_algorithm(alg), bytes))
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
                Signer::Rsa(
                    s::RsaKeyPair::from_der(bytes).map_err(|_| SignFailed)?,
                    padding,
                )
            }
            AlgorithmFamily::Ec => {
                let signing = if alg == Algorithm::ES384 {
                    &s::ECDSA_P384_SHA384_FIXED_SIGNING
                } else {
                    &s::ECDSA_P256_SHA256_FIXED_SIGNING
                };
                Signer::Ecdsa(s::EcdsaKeyPair::from_pkcs8(signing, bytes).map_err(|_| SignFailed)?)
            }
            AlgorithmFamily::Ed => {
                Signer::Ed25519(s::Ed25519KeyPair::from_pkcs8(bytes).map_err(|_| SignFailed)?)
            }
        })
    }

    pub(crate) fn sign(&self, _: Algorithm, message: &[u8]) -> Result<Vec<u8>, SignFailed> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        match self {
            Signer::Hmac(key) => Ok(aws_lc_rs::hmac::sign(key, message).as_ref().to_vec()),
            Signer::Rsa(pair, padding) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(*padding, &rng, message, &mut signature)
                    .map_err(|_| SignFailed)?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| SignFailed),
            Signer::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}
