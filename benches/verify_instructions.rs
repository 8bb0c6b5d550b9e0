//! Instruction counts of one RS256 verification, for `bench/verify_instructions.sh`: our own
//! token with a static key against an identity provider's token with a key chosen by `kid`
//! from a JWKS, under callgrind (deterministic, unlike wall time on a busy machine).
//!
//! `VERIFY_MODE=static|jwks VERIFY_COUNT=n` verifies the same token `n` times (the verified
//! token cache off); the script runs two counts and divides the difference.

use std::hint::black_box;

use axum_jwt_guard::{Algorithm, IdentityProvider, Jwt};
use jsonwebtoken::{EncodingKey, Header};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture")
}

/// Our own token for `jwt`, the same claims in every mode.
fn own(jwt: Jwt) -> (Jwt, String) {
    let token = jwt
        .access_token("alice")
        .role("USER")
        .scopes(["user:read", "orders:read:write"])
        .sign()
        .expect("sign");
    (jwt, token)
}

fn main() {
    let mode = std::env::var("VERIFY_MODE").unwrap_or_else(|_| "static".into());
    let count: usize = std::env::var("VERIFY_COUNT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let (jwt, token) = if mode == "jwks" {
        let jwt = Jwt::builder()
            .identity_provider(
                IdentityProvider::jwks(fixture("jwks.json"))
                    .issuer("https://idp.test")
                    .audience("api")
                    .roles_claim("/realm_access/roles"),
            )
            .token_cache(0)
            .build()
            .expect("config");
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some("at+jwt".into());
        header.kid = Some("rsa-sig".into());
        let claims = serde_json::json!({
            "iss": "https://idp.test", "sub": "alice", "aud": "api", "iat": now,
            "exp": now + 7200, "jti": "f.j", "scope": "user:read orders:read:write",
            "realm_access": {"roles": ["USER"]},
        });
        let key = EncodingKey::from_rsa_pem(&fixture("rsa_private.pem")).expect("key");
        let token = jsonwebtoken::encode(&header, &claims, &key).expect("sign");
        (jwt, token)
    } else if mode.starts_with("hs256") {
        // Our own HS256 token, where the header and claims work shows most: with one key, or
        // (`hs256-keys`) with two verify-only keys next to the current one.
        let mut b = Jwt::builder()
            .secret([7u8; 32])
            .issuer("https://idp.test")
            .audience("api")
            .token_cache(0);
        if mode == "hs256-keys" {
            b = b
                .verify_only_key(axum_jwt_guard::VerifyOnlyKey::secret([8u8; 32]))
                .verify_only_key(axum_jwt_guard::VerifyOnlyKey::secret([9u8; 32]));
        }
        own(b.build().expect("config"))
    } else {
        own(Jwt::builder()
            .algorithm(Algorithm::RS256)
            .issuer("https://idp.test")
            .audience("api")
            .private_key_pem(fixture("rsa_private.pem"))
            .public_key_pem(fixture("rsa_public.pem"))
            .token_cache(0)
            .build()
            .expect("config"))
    };
    for _ in 0..count {
        black_box(jwt.verify_access::<()>(black_box(&token)).expect("valid"));
    }
}
