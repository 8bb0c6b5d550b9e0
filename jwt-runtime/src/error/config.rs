//! [`ConfigError`]: a configuration that cannot work, reported at start-up.

use std::path::PathBuf;

/// A configuration that cannot work. Returned by
/// [`JwtBuilder::build`](crate::JwtBuilder::build) and [`Jwt::from_env`](crate::Jwt::from_env),
/// never at request time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The build has zero or two crypto backends enabled.
    #[error("crypto backend: {0}")]
    CryptoBackend(&'static str),
    /// The algorithm needs a key that was not given.
    #[error("{alg} needs a {what}")]
    MissingKey {
        /// The configured algorithm.
        alg: &'static str,
        /// `"secret"`, `"public key"` or `"private key"`.
        what: &'static str,
    },
    /// A key of the other family (a secret for RS256, a PEM key for HS256).
    #[error("{alg}: {reason}")]
    WrongKeyKind {
        /// The configured algorithm.
        alg: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The HMAC secret is shorter than the hash output (RFC 7518 §3.2).
    #[error(
        "{alg} needs a secret of at least {min} bytes (got {actual}); generate one with a CSPRNG, e.g. `openssl rand -base64 48`"
    )]
    SecretTooShort {
        /// The configured algorithm.
        alg: &'static str,
        /// The minimum length in bytes.
        min: usize,
        /// The given length in bytes.
        actual: usize,
    },
    /// The PEM could not be read as a key of the algorithm's family.
    #[error("{alg}: the {what} is not a valid PEM key for this algorithm")]
    InvalidKey {
        /// The configured algorithm.
        alg: &'static str,
        /// `"public key"` or `"private key"`.
        what: &'static str,
    },
    /// The private key does not match the public key.
    #[error("{alg}: the private key does not match the public key")]
    KeyPairMismatch {
        /// The configured algorithm.
        alg: &'static str,
    },
    /// RSA keys must have at least 2048 bits (RFC 7518 §3.3).
    #[error("RSA keys must have at least 2048 bits (this one has {bits})")]
    RsaKeyTooSmall {
        /// The modulus size.
        bits: usize,
    },
    /// A key file could not be read.
    #[error("cannot read the {what} file {path:?}: {reason}")]
    KeyFile {
        /// `"public key"`, `"private key"` or `"secret"`.
        what: &'static str,
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// A required environment variable is unset or empty.
    #[error("environment variable {var} is not set (needed for the {what})")]
    MissingEnv {
        /// The variable.
        var: String,
        /// What it was needed for.
        what: &'static str,
    },
    /// An environment variable has a value that cannot be used.
    #[error("environment variable {var} is invalid: {reason}")]
    InvalidEnv {
        /// The variable.
        var: String,
        /// Why.
        reason: String,
    },
    /// Any other invalid setting, with the setting's name.
    #[error("invalid setting `{setting}`: {reason}")]
    Invalid {
        /// The builder method or setting.
        setting: &'static str,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    /// A setting with a value that cannot work.
    pub(crate) fn invalid(setting: &'static str, reason: impl Into<String>) -> Self {
        ConfigError::Invalid {
            setting,
            reason: reason.into(),
        }
    }
}
