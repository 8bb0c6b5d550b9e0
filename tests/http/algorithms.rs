//! Every algorithm family signs and verifies over HTTP; the key, never the token, decides the
//! algorithm (SECURITY.md B1-B5).

use crate::common::*;
use axum_jwt_guard::{Algorithm, Jwt};
use jsonwebtoken::EncodingKey;
use serde_json::json;

fn asymmetric(alg: Algorithm, stem: &str) -> Jwt {
    Jwt::builder()
        .algorithm(alg)
        .private_key_file(fixture(&format!("{stem}_private.pem")))
        .public_key_file(fixture(&format!("{stem}_public.pem")))
        .build()
        .unwrap_or_else(|e| panic!("{alg:?}: {e}"))
}

const FAMILIES: [(Algorithm, &str); 9] = [
    (Algorithm::RS256, "rsa"),
    (Algorithm::RS384, "rsa"),
    (Algorithm::RS512, "rsa"),
    (Algorithm::PS256, "rsa"),
    (Algorithm::PS384, "rsa"),
    (Algorithm::PS512, "rsa"),
    (Algorithm::ES256, "ec256"),
    (Algorithm::ES384, "ec384"),
    (Algorithm::EdDSA, "ed25519"),
];

#[tokio::test]
async fn every_algorithm_signs_and_verifies_over_http() {
    for (alg, stem) in FAMILIES {
        let jwt = asymmetric(alg, stem);
        assert_eq!(jwt.algorithm(), alg);
        let s = serve(&jwt).await;
        let (access, _) = s.login("alice").await;
        let r = s.get_bearer("/protected", &access).await;
        assert_eq!(r.status, 200, "{alg:?}: {r:?}");
        assert_eq!(r.body["identity"], "alice");
        assert_eq!(r.body["fresh"], true);
    }
    for (alg, secret) in [
        (Algorithm::HS256, vec![1u8; 32]),
        (Algorithm::HS384, vec![2u8; 48]),
        (Algorithm::HS512, vec![3u8; 64]),
    ] {
        let jwt = Jwt::builder()
            .algorithm(alg)
            .secret(secret)
            .build()
            .unwrap();
        assert_eq!(jwt.algorithm(), alg);
        let s = serve(&jwt).await;
        let (access, _) = s.login("bob").await;
        let r = s.get_bearer("/protected", &access).await;
        assert_eq!(
            (r.status, &r.body["identity"]),
            (200, &json!("bob")),
            "{alg:?}"
        );
    }
}

/// The largest RSA key (8192 bits): its 1,024-byte signature, 1,366 base64url characters, is
/// the longest a token may carry, and it verifies; one character more is refused before it
/// is decoded.
#[tokio::test]
async fn the_largest_rsa_key_signs_and_verifies() {
    let jwt = asymmetric(Algorithm::RS256, "rsa8192");
    let s = serve(&jwt).await;
    let (access, _) = s.login("alice").await;
    assert_eq!(access.rsplit('.').next().map(str::len), Some(1366));
    let r = s.get_bearer("/protected", &access).await;
    assert_eq!((r.status, &r.body["identity"]), (200, &json!("alice")));
    s.get_bearer("/protected", &format!("{access}A"))
        .await
        .assert_invalid_token("bad_signature");
}

#[tokio::test]
async fn a_verify_only_service_accepts_tokens_of_the_signing_service() {
    let issuer = asymmetric(Algorithm::ES256, "ec256");
    let verifier = Jwt::builder()
        .algorithm(Algorithm::ES256)
        .public_key_file(fixture("ec256_public.pem"))
        .build()
        .unwrap();
    let s = serve(&verifier).await;
    let token = issuer.access_token("alice").sign().unwrap();
    assert_eq!(s.get_bearer("/protected", &token).await.status, 200);
    // It cannot sign: its login handler fails with a 500 saying so.
    let r = s.post_json("/login", &[], &json!({"identity": "x"})).await;
    assert_eq!(r.status, 500);
}

#[tokio::test]
async fn hs256_token_to_an_rs256_service_and_the_reverse() {
    let rsa = asymmetric(Algorithm::RS256, "rsa");
    let hmac = hs256_jwt();
    let rsa_server = serve(&rsa).await;
    let hmac_server = serve(&hmac).await;
    let hs_token = hmac.access_token("alice").sign().unwrap();
    let rs_token = rsa.access_token("alice").sign().unwrap();
    rsa_server
        .get_bearer("/protected", &hs_token)
        .await
        .assert_invalid_token("wrong_algorithm");
    hmac_server
        .get_bearer("/protected", &rs_token)
        .await
        .assert_invalid_token("wrong_algorithm");
}

#[tokio::test]
async fn hmac_keyed_with_the_public_key_is_refused() {
    // CVE-2015-9235: an HS256 token whose HMAC key is the server's RSA public key.
    let s = serve(&asymmetric(Algorithm::RS256, "rsa")).await;
    let public = fixture_bytes("rsa_public.pem");
    let mut without_newline = public.clone();
    without_newline.pop();
    for key in [public, without_newline] {
        let token = forge(
            HS256_HEADER,
            &claims(json!({})),
            &EncodingKey::from_secret(&key),
            Algorithm::HS256,
        );
        s.get_bearer("/protected", &token)
            .await
            .assert_invalid_token("wrong_algorithm");
    }
}

#[tokio::test]
async fn one_algorithm_per_key() {
    // PS256 and RS512 tokens signed by the RS256 service's own key are refused.
    let s = serve(&asymmetric(Algorithm::RS256, "rsa")).await;
    for (alg, name) in [(Algorithm::PS256, "PS256"), (Algorithm::RS512, "RS512")] {
        let key = EncodingKey::from_rsa_pem(&fixture_bytes("rsa_private.pem")).unwrap();
        let token = forge(
            &format!(r#"{{"alg":"{name}"}}"#),
            &claims(json!({})),
            &key,
            alg,
        );
        s.get_bearer("/protected", &token)
            .await
            .assert_invalid_token("wrong_algorithm");
    }
}

#[tokio::test]
async fn alg_none_and_look_alikes_never_pass() {
    let s = serve(&hs256_jwt()).await;
    let body = b64(claims(json!({})));
    let valid = forge_hs256(HS256_HEADER, &claims(json!({})));
    let valid_sig = valid.rsplit('.').next().unwrap();
    for alg in [
        r#""none""#,
        r#""None""#,
        r#""NONE""#,
        r#""nOnE""#,
        r#""hs256""#,
        r#""HS256 ""#,
        r#""ＨS256""#,
        "null",
    ] {
        let header = b64(format!(r#"{{"alg":{alg}}}"#));
        for sig in ["", valid_sig] {
            let token = format!("{header}.{body}.{sig}");
            s.get_bearer("/protected", &token)
                .await
                .assert_invalid_token("wrong_algorithm");
        }
    }
    // alg missing or not a string.
    for header in [r#"{"typ":"JWT"}"#, r#"{"alg":["HS256"]}"#] {
        let token = format!("{}.{body}.{valid_sig}", b64(header));
        let r = s.get_bearer("/protected", &token).await;
        assert_eq!(r.status, 401, "{header}: {r:?}");
    }
}

#[tokio::test]
async fn ecdsa_signatures_of_the_wrong_shape() {
    let s = serve(&asymmetric(Algorithm::ES256, "ec256")).await;
    let input = format!("{}.{}", b64(r#"{"alg":"ES256"}"#), b64(claims(json!({}))));
    // r = s = 0 (CVE-2022-21449), and a DER-encoded signature.
    let zero = b64([0u8; 64]);
    let der = b64([0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]);
    for sig in [zero, der] {
        s.get_bearer("/protected", &format!("{input}.{sig}"))
            .await
            .assert_invalid_token("bad_signature");
    }
}

#[tokio::test]
async fn rsa_signatures_of_the_wrong_length() {
    let jwt = asymmetric(Algorithm::RS256, "rsa");
    let s = serve(&jwt).await;
    let token = jwt.access_token("alice").sign().unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let raw =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, sig).unwrap();
    let mut longer = vec![0u8];
    longer.extend_from_slice(&raw);
    let shorter = &raw[1..];
    for bad in [b64(longer), b64(shorter)] {
        s.get_bearer("/protected", &format!("{input}.{bad}"))
            .await
            .assert_invalid_token("bad_signature");
    }
}

#[tokio::test]
async fn weak_secrets_never_verify() {
    let s = serve(&hs256_jwt()).await;
    for weak in ["secret", "your-256-bit-secret", "changeme", ""] {
        let token = forge(
            HS256_HEADER,
            &claims(json!({})),
            &EncodingKey::from_secret(weak.as_bytes()),
            Algorithm::HS256,
        );
        s.get_bearer("/protected", &token)
            .await
            .assert_invalid_token("bad_signature");
    }
}

#[tokio::test]
async fn keys_carried_in_the_header_are_ignored() {
    // A token signed with the attacker's key that it carries (jwk / jku / x5u / kid tricks).
    let s = serve(&asymmetric(Algorithm::RS256, "rsa")).await;
    let attacker = EncodingKey::from_rsa_pem(&fixture_bytes("rsa2_private.pem")).unwrap();
    for header in [
        r#"{"alg":"RS256","jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"}}"#,
        r#"{"alg":"RS256","jku":"http://127.0.0.1:9/jwks.json"}"#,
        r#"{"alg":"RS256","x5u":"http://127.0.0.1:9/cert.pem"}"#,
    ] {
        let token = forge(header, &claims(json!({})), &attacker, Algorithm::RS256);
        s.get_bearer("/protected", &token)
            .await
            .assert_invalid_token("bad_signature");
    }
    // C3: a `kid` is an exact key into our key set, never a path: none of ours is named.
    let token = forge(
        r#"{"alg":"RS256","kid":"../../dev/null"}"#,
        &claims(json!({})),
        &attacker,
        Algorithm::RS256,
    );
    s.get_bearer("/protected", &token)
        .await
        .assert_invalid_token("unknown_key");
}
