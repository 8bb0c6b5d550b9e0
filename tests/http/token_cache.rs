//! The verified-token cache is on by default. These tests show over HTTP, with the default
//! configuration, that it only skips what the token string alone decides (the signature and
//! the decoding): the clock, the kind a route asks for, revocation and the handle's own
//! configuration still decide every request. CSRF on cache hits: `tests/cookies.rs`
//! (`csrf_rows`); custom claims on cache hits: unit tests in `jwt-runtime/src/verify.rs`.

use std::time::Duration;

use crate::common::*;
use axum::Router;
use axum::routing::get;
use axum_jwt_guard::{Algorithm, Jwt, Token, jwt_required, refresh_jwt_required};
use jsonwebtoken::EncodingKey;
use serde_json::json;

#[jwt_required]
async fn access_only(token: Token) -> String {
    format!("{} {}", token.kind(), token.identity())
}

#[refresh_jwt_required]
async fn refresh_only(token: Token) -> String {
    format!("{} {}", token.kind(), token.identity())
}

async fn serve_kinds(jwt: &Jwt) -> Server {
    serve_router(
        Router::new()
            .route("/access", get(access_only))
            .route("/refresh", get(refresh_only))
            .layer(jwt.layer()),
    )
    .await
}

#[tokio::test]
async fn a_repeat_token_is_checked_for_everything_its_string_does_not_decide() {
    let jwt = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .private_key_file(fixture("rsa_private.pem"))
        .public_key_file(fixture("rsa_public.pem"))
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let token = jwt.access_token("alice").sign().unwrap();
    for _ in 0..3 {
        let r = s.get_bearer("/protected", &token).await;
        assert_eq!((r.status, &r.body["identity"]), (200, &json!("alice")));
    }
    // A validly signed token that is not valid yet is refused every time (that it is not even
    // stored is shown by the unit tests in `jwt-runtime/src/verify.rs`).
    let key = EncodingKey::from_rsa_pem(&fixture_bytes("rsa_private.pem")).unwrap();
    let early = forge(
        r#"{"alg":"RS256"}"#,
        &claims(json!({"nbf": now() + 3600})),
        &key,
        Algorithm::RS256,
    );
    for _ in 0..2 {
        s.get_bearer("/protected", &early)
            .await
            .assert_invalid_token("not_yet_valid");
    }
    // Revocation is still consulted for a cached token.
    let verified = jwt.verify_access::<()>(&token).unwrap();
    jwt.revoke(&verified).await.unwrap();
    s.get_bearer("/protected", &token)
        .await
        .assert_invalid_token("revoked");
    // Any other string, however close, is verified in full.
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut flipped = sig.to_owned();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    s.get_bearer("/protected", &format!("{input}.{flipped}"))
        .await
        .assert_invalid_token("bad_signature");
    let other = forge(
        r#"{"alg":"RS256"}"#,
        &claims(json!({"sub": "mallory"})),
        &EncodingKey::from_rsa_pem(&fixture_bytes("rsa2_private.pem")).unwrap(),
        Algorithm::RS256,
    );
    s.get_bearer("/protected", &other)
        .await
        .assert_invalid_token("bad_signature");
}

#[tokio::test]
async fn a_cached_token_expires_on_time() {
    let clock = axum_jwt_guard::testing::ManualClock::starting_now();
    let jwt = Jwt::builder()
        .secret([4u8; 32])
        .access_ttl(Duration::from_secs(60))
        .leeway(Duration::ZERO)
        .clock(clock.clone())
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let token = jwt.access_token("alice").sign().unwrap();
    assert_eq!(s.get_bearer("/protected", &token).await.status, 200);
    // Cached, and still good until the second of exp...
    clock.advance(Duration::from_secs(60));
    assert_eq!(s.get_bearer("/protected", &token).await.status, 200);
    // ...and refused the second after, cached or not.
    clock.advance(Duration::from_secs(1));
    s.get_bearer("/protected", &token)
        .await
        .assert_invalid_token("expired");
}

#[tokio::test]
async fn a_cached_token_is_still_refused_where_its_kind_is_not_asked_for() {
    let jwt = hs256_jwt();
    let s = serve_kinds(&jwt).await;
    let access = jwt.access_token("alice").sign().unwrap();
    let refresh = jwt.refresh_token("alice").sign().unwrap();
    for _ in 0..2 {
        let r = s.get_bearer("/access", &access).await;
        assert_eq!((r.status, r.body), (200, json!("access alice")));
        s.get_bearer("/refresh", &access)
            .await
            .assert_invalid_token("wrong_token_type");
        let r = s.get_bearer("/refresh", &refresh).await;
        assert_eq!((r.status, r.body), (200, json!("refresh alice")));
        s.get_bearer("/access", &refresh)
            .await
            .assert_invalid_token("wrong_token_type");
    }
}

#[tokio::test]
async fn each_handle_verifies_with_its_own_configuration() {
    let secret = [5u8; 32];
    let open = Jwt::builder().secret(secret).build().unwrap();
    let token = open.access_token("alice").sign().unwrap();
    let s = serve(&open).await;
    assert_eq!(s.get_bearer("/protected", &token).await.status, 200);
    // The same token, now cached by `open`, against handles with another key or stricter
    // rules: their own verification decides.
    // Its `kid` names a key the other handle does not have.
    let other_key = Jwt::builder().secret([6u8; 32]).build().unwrap();
    serve(&other_key)
        .await
        .get_bearer("/protected", &token)
        .await
        .assert_invalid_token("unknown_key");
    let with_issuer = Jwt::builder()
        .secret(secret)
        .issuer("https://auth.example.com")
        .build()
        .unwrap();
    serve(&with_issuer)
        .await
        .get_bearer("/protected", &token)
        .await
        .assert_invalid_token("wrong_issuer");
    assert_eq!(s.get_bearer("/protected", &token).await.status, 200);
}

#[test]
fn many_tokens_each_get_their_own_claims_back() {
    // More tokens than the default capacity (4,096), read from 4 threads at once: entries are
    // evicted and replaced while others are read, and every answer is the token's own.
    let jwt = Jwt::builder().secret([7u8; 32]).build().unwrap();
    let tokens: Vec<(String, String)> = (0..6000)
        .map(|i| {
            let identity = format!("user{i}");
            (
                jwt.access_token(identity.as_str()).sign().unwrap(),
                identity,
            )
        })
        .collect();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (jwt, tokens) = (&jwt, &tokens);
            scope.spawn(move || {
                for round in 0..2 {
                    for (token, identity) in tokens.iter().skip(t).step_by(3) {
                        let verified = jwt.verify_access::<()>(token).unwrap();
                        assert_eq!(verified.identity(), identity, "round {round}");
                        assert_eq!(verified.raw(), token);
                    }
                }
            });
        }
    });
}
