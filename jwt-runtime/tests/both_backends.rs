//! With both crypto backends enabled (features unify across a dependency graph), building a
//! configuration fails with a clear error instead of jsonwebtoken panicking on the first
//! token. Run with `--features rust-crypto` on top of the default `aws-lc-rs`.
#![cfg(all(feature = "aws-lc-rs", feature = "rust-crypto"))]

use axum_jwt_guard_runtime::{ConfigError, Jwt};

#[test]
fn both_backends_is_a_build_error() {
    let err = Jwt::builder().secret([7u8; 32]).build().err();
    match err {
        Some(ConfigError::CryptoBackend(message)) => {
            assert!(message.contains("both"), "{message}");
        }
        other => panic!("expected a crypto backend error, got {other:?}"),
    }
}
