//! Token forging: tokens no honest issuer would sign.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

use super::{SECRET, now};

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs arbitrary header and payload JSON with `key` using `alg`: the tool for building
/// tokens no honest issuer would.
pub fn forge(header: &str, payload: &str, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).expect("sign");
    format!("{input}.{sig}")
}

/// HS256 with the test secret.
pub fn forge_hs256(header: &str, payload: &str) -> String {
    forge(
        header,
        payload,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        Algorithm::HS256,
    )
}

/// Marks a claim to remove in [`claims`].
pub const REMOVE: &str = "__remove__";

/// A valid access-token payload with claims overridden (or removed with [`REMOVE`]).
pub fn claims(overrides: Value) -> String {
    let now = now();
    let mut base = json!({
        "sub": "alice", "type": "access", "jti": "j-1", "iat": now, "exp": now + 600,
    });
    if let (Some(map), Value::Object(over)) = (base.as_object_mut(), overrides) {
        for (k, v) in over {
            if v == REMOVE {
                map.remove(&k);
            } else {
                map.insert(k, v);
            }
        }
    }
    base.to_string()
}

pub const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
