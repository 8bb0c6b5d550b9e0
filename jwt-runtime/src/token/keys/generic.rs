//! jsonwebtoken's own per-call path: the key is handed to jsonwebtoken on every call. The
//! backends fall back to it for what they cannot pre-key, and it is the whole backend of a
//! build without a backend feature (such a build is refused before any key is used).
//!
//! Every backend module offers the same two types with the same methods: `Verifier::new`,
//! `Verifier::verify`, `Signer::new`, `Signer::sign`.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::SignFailed;

pub(crate) struct Verifier(DecodingKey);

impl Verifier {
    pub(crate) fn new(_: Algorithm, key: DecodingKey) -> Self {
        Verifier(key)
    }

    /// jsonwebtoken decodes the signature itself, so it takes the base64url text.
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        signature_b64: &str,
        _signature: &[u8],
        message: &[u8],
    ) -> bool {
        matches!(
            jsonwebtoken::crypto::verify(signature_b64, message, &self.0, alg),
            Ok(true)
        )
    }

    #[cfg(test)]
    pub(crate) fn is_prekeyed(&self) -> bool {
        false
    }
}

/// The aws-lc-rs backend signs with every algorithm itself and never falls back to this.
#[cfg_attr(feature = "aws-lc-rs", allow(dead_code))]
pub(crate) struct Signer(EncodingKey);

#[cfg_attr(feature = "aws-lc-rs", allow(dead_code))]
impl Signer {
    pub(crate) fn new(_: Algorithm, key: EncodingKey) -> Result<Self, SignFailed> {
        Ok(Signer(key))
    }

    pub(crate) fn sign(&self, alg: Algorithm, message: &[u8]) -> Result<Vec<u8>, SignFailed> {
        let b64 = jsonwebtoken::crypto::sign(message, &self.0, alg).map_err(|_| SignFailed)?;
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, b64)
            .map_err(|_| SignFailed)
    }
}

/// A build without a backend feature is refused before any token is read
/// (`compiled_backend`), so this is never reached; it keeps that build compiling.
#[cfg_attr(any(feature = "aws-lc-rs", feature = "rust-crypto"), allow(dead_code))]
pub(crate) fn sha256(_: &[u8]) -> [u8; 32] {
    [0; 32]
}
