//! Registered, library, private and public claims over HTTP (SECURITY.md D, E).

use std::time::Duration;

use crate::common::*;
use axum_jwt_guard::testing::TokenMint;
use axum_jwt_guard::{ClaimsError, Jwt, SignError};
use serde_json::json;

fn jwt_with(f: impl FnOnce(axum_jwt_guard::JwtBuilder) -> axum_jwt_guard::JwtBuilder) -> Jwt {
    f(Jwt::builder().secret(SECRET)).build().unwrap()
}

#[tokio::test]
async fn audience_as_string_and_as_list() {
    let jwt = jwt_with(|b| b.audiences(["api", "admin-api"]));
    let s = serve(&jwt).await;
    for (aud, status) in [
        (json!("api"), 200),
        (json!("admin-api"), 200),
        (json!(["other", "api"]), 200),
        (json!(["other"]), 401),
        (json!([]), 401),
        (json!("API"), 401),
        (json!("ap"), 401),
        (json!(null), 401),
        (json!(7), 401),
        (json!(REMOVE), 401),
    ] {
        let t = forge_hs256(HS256_HEADER, &claims(json!({ "aud": aud })));
        let r = s.get_bearer("/protected", &t).await;
        assert_eq!(r.status, status, "aud {aud}: {r:?}");
    }
    // Tokens we issue carry every configured audience.
    let t = jwt.access_token("a").sign().unwrap();
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.body["aud"], json!(["api", "admin-api"]));
}

#[tokio::test]
async fn issuer_is_required_and_exact() {
    let s = serve(&jwt_with(|b| b.issuer("https://auth.example"))).await;
    for (iss, status) in [
        (json!("https://auth.example"), 200),
        (json!("https://auth.example/"), 401),
        (json!("https://AUTH.example"), 401),
        (json!("https://auth.example.evil"), 401),
        (json!(["https://auth.example"]), 401),
        (json!(null), 401),
        (json!(1), 401),
        (json!(REMOVE), 401),
    ] {
        let t = forge_hs256(HS256_HEADER, &claims(json!({ "iss": iss })));
        let r = s.get_bearer("/protected", &t).await;
        assert_eq!(r.status, status, "iss {iss}: {r:?}");
    }
}

#[tokio::test]
async fn leeway_edges_one_second_inside_and_outside() {
    let leeway = 5;
    let s = serve(&jwt_with(|b| b.leeway(Duration::from_secs(leeway)))).await;
    let now = now();
    let cases = [
        // exp: expired iff exp + leeway < now. Time only moves towards "expired", so the
        // inside case keeps one second of margin.
        (json!({"exp": now - leeway + 1}), 200, ""),
        (json!({"exp": now - leeway - 1}), 401, "expired"),
        // nbf / iat: in the future beyond the leeway. The outside case keeps a second of
        // margin for a clock tick between forging and verifying.
        (json!({"nbf": now + leeway}), 200, ""),
        (json!({"nbf": now + leeway + 2}), 401, "not_yet_valid"),
        (json!({"iat": now + leeway}), 200, ""),
        (json!({"iat": now + leeway + 2}), 401, "issued_in_future"),
    ];
    for (over, status, reason) in cases {
        let t = forge_hs256(HS256_HEADER, &claims(over.clone()));
        let r = s.get_bearer("/protected", &t).await;
        assert_eq!(r.status, status, "{over}: {r:?}");
        if status == 401 {
            r.assert_invalid_token(reason);
        }
    }
}

/// The same edges to the second, on a clock that does not move: a token is expired iff
/// `exp + leeway < now` (so at `exp + leeway == now` it still passes), and too early iff
/// `nbf` or `iat` is beyond `now + leeway` (SECURITY.md D1-D3).
#[tokio::test]
async fn time_checks_at_the_exact_second_on_a_frozen_clock() {
    let at = now() - 100;
    let clock = axum_jwt_guard::testing::ManualClock::at_millis(at * 1000);
    for leeway in [0, 5] {
        let s = serve(&jwt_with(|b| {
            b.leeway(Duration::from_secs(leeway)).clock(clock.clone())
        }))
        .await;
        let cases = [
            (json!({"iat": at - 10, "exp": at - leeway}), 200, ""),
            (
                json!({"iat": at - 10, "exp": at - leeway - 1}),
                401,
                "expired",
            ),
            (json!({"iat": at - 10, "nbf": at + leeway}), 200, ""),
            (
                json!({"iat": at - 10, "nbf": at + leeway + 1}),
                401,
                "not_yet_valid",
            ),
            (json!({"iat": at + leeway}), 200, ""),
            (json!({"iat": at + leeway + 1}), 401, "issued_in_future"),
        ];
        for (over, status, reason) in cases {
            let t = forge_hs256(HS256_HEADER, &claims(over.clone()));
            let r = s.get_bearer("/protected", &t).await;
            assert_eq!(r.status, status, "leeway {leeway}, {over}: {r:?}");
            if status == 401 {
                r.assert_invalid_token(reason);
            }
        }
    }
}

#[tokio::test]
async fn nbf_delta_is_written_and_enforced() {
    let strict = jwt_with(|b| {
        b.not_before_delta(Duration::from_secs(30))
            .leeway(Duration::ZERO)
    });
    let s = serve(&strict).await;
    let t = strict.access_token("alice").sign().unwrap();
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("not_yet_valid");
    // A service with a larger leeway accepts it and sees nbf = iat + 30.
    let lenient = jwt_with(|b| b.leeway(Duration::from_secs(60)));
    let s = serve(&lenient).await;
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["nbf"].as_u64(),
        r.body["iat"].as_u64().map(|i| i + 30)
    );
}

#[tokio::test]
async fn extreme_numbers_never_fail_the_server() {
    let s = serve(&hs256_jwt()).await;
    for exp in [
        "18446744073709551615",
        "9223372036854775808",
        "18446744073709551616",
        "1e300",
        "1.5e9",
        "-1",
    ] {
        let p = claims(json!({})).replacen("\"exp\":", &format!("\"exp\":{exp},\"_x\":"), 1);
        let t = forge_hs256(HS256_HEADER, &p);
        let r = s.get_bearer("/protected", &t).await;
        assert!(r.status == 200 || r.status == 401, "exp {exp}: {r:?}");
    }
    let t = forge_hs256(HS256_HEADER, &claims(json!({"nbf": u64::MAX})));
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("not_yet_valid");
}

#[tokio::test]
async fn wrongly_typed_and_missing_claims_are_rejected_not_absent() {
    let s = serve(&hs256_jwt()).await;
    for over in [
        json!({"exp": "9999999999"}),
        json!({"exp": true}),
        json!({"exp": null}),
        json!({"exp": [9999999999u64]}),
        json!({"exp": REMOVE}),
        json!({"nbf": "0"}),
        // Negative NumericDates, whole or not (a negative `nbf` read as 0 would pass).
        json!({"nbf": -1}),
        json!({"nbf": -1.5}),
        json!({"iat": -0.5}),
        json!({"iat": {}}),
        json!({"sub": 12}),
        json!({"sub": REMOVE}),
        json!({"jti": 3}),
        json!({"jti": REMOVE}),
        json!({"type": REMOVE}),
        json!({"role": 1}),
        json!({"scopes": "admin"}),
        json!({"scopes": {"admin": true}}),
        json!({"fresh": "true"}),
    ] {
        let t = forge_hs256(HS256_HEADER, &claims(over.clone()));
        s.get_bearer("/protected", &t)
            .await
            .assert_invalid_token("invalid_claims");
    }
    // `Exp` is not `exp`: with the real one missing, the token has no expiry.
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"exp": REMOVE, "Exp": 9999999999u64})),
    );
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("invalid_claims");
}

#[tokio::test]
async fn token_type_is_exact_and_kinds_do_not_mix() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let (_, refresh) = s.login("alice").await;
    s.get_bearer("/protected", &refresh)
        .await
        .assert_invalid_token("wrong_token_type");
    for t in [
        json!("Access"),
        json!("access "),
        json!(["access"]),
        json!(""),
    ] {
        let tok = forge_hs256(HS256_HEADER, &claims(json!({ "type": t })));
        s.get_bearer("/protected", &tok)
            .await
            .assert_invalid_token("invalid_claims");
    }
    // A second rule: a `typ` header naming the other kind.
    let tok = forge_hs256(r#"{"alg":"HS256","typ":"refresh+jwt"}"#, &claims(json!({})));
    s.get_bearer("/protected", &tok)
        .await
        .assert_invalid_token("wrong_token_type");
    // Refresh tokens verify as refresh tokens.
    assert!(jwt.verify_refresh::<()>(&refresh).is_ok());
    assert!(jwt.verify_access::<()>(&refresh).is_err());
}

#[tokio::test]
async fn duplicates_are_refused_and_unknowns_ignored() {
    let s = serve(&hs256_jwt()).await;
    let dup = claims(json!({})).replacen('{', r#"{"sub":"mallory","#, 1);
    let t = forge_hs256(HS256_HEADER, &dup);
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("malformed");
    let t = forge_hs256(r#"{"alg":"HS256","alg":"HS256"}"#, &claims(json!({})));
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("malformed");
    // Unknown header parameters and claims are ignored (RFC 7515 §4, RFC 7519 §4).
    let t = forge_hs256(
        r#"{"alg":"HS256","x-custom":[1,2]}"#,
        &claims(json!({"unknown": {"nested": true}})),
    );
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["public"]["unknown"]["nested"], true);
    // A provider's scope claims are public claims in our own tokens: they grant nothing.
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"scope": "admin", "scp": ["root"]})),
    );
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (&r.body["public"]["scope"], &r.body["public"]["scp"]),
        (&json!("admin"), &json!(["root"]))
    );
    assert!(!r.body["scopes"].to_string().contains("admin"), "{r:?}");
    // `kid` is not unknown: it must name one of our keys (C3), even with a single key.
    let t = forge_hs256(r#"{"alg":"HS256","kid":"k1"}"#, &claims(json!({})));
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("unknown_key");
}

#[tokio::test]
async fn private_claims_round_trip_under_the_prefix() {
    let jwt = jwt_with(|b| b.private_claim_prefix("quickstart"));
    let s = serve(&jwt).await;
    let profile = Profile {
        user_id: 2,
        permission_level: 9,
    };
    for token in [
        jwt.access_token("admin")
            .private_claims(&profile)
            .sign()
            .unwrap(),
        jwt.refresh_token("admin")
            .private_claims(&profile)
            .sign()
            .unwrap(),
    ] {
        let payload = token.split('.').nth(1).unwrap();
        let json: serde_json::Value = serde_json::from_slice(
            &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(json["quickstart_user_id"], 2);
        assert_eq!(json["quickstart_permission_level"], 9);
        assert!(json.get("user_id").is_none());
    }
    let token = jwt
        .access_token("admin")
        .private_claims(&profile)
        .sign()
        .unwrap();
    let r = s.get_bearer("/profile", &token).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.body["private_claims"],
        json!({"user_id": 2, "permission_level": 9})
    );
    // Private claims are not public claims.
    assert_eq!(r.body["public"], json!({}));
    let verified = jwt.verify_refresh::<Profile>(
        &jwt.refresh_token("admin")
            .private_claims(&profile)
            .sign()
            .unwrap(),
    );
    assert_eq!(verified.unwrap().private_claims(), &profile);
}

#[tokio::test]
async fn private_claims_without_prefix_are_top_level() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"user_id": 5, "permission_level": 1, "tenant": "acme"})),
    );
    let r = s.get_bearer("/profile", &t).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["private_claims"]["user_id"], 5);
    assert_eq!(r.body["public"], json!({"tenant": "acme"}));
}

#[tokio::test]
async fn colliding_claims_are_errors_not_overwrites() {
    // With no prefix a private field named like a library claim collides.
    struct Sneaky;
    impl axum_jwt_guard::PrivateClaims for Sneaky {
        type Partial = ();
        const FIELDS: &'static [&'static str] = &["role"];
        fn read_field<'de, D: serde::Deserializer<'de>>(
            _: &mut (),
            _: &str,
            _: D,
        ) -> Result<bool, D::Error> {
            Ok(false)
        }
        fn finish(_: ()) -> Result<Self, ClaimsError> {
            Ok(Sneaky)
        }
        fn write(&self, out: &mut axum_jwt_guard::ClaimWriter<'_>) -> Result<(), ClaimsError> {
            out.field("role", "ADMIN")
        }
    }
    let jwt = hs256_jwt();
    let err = jwt.access_token("a").private_claims(&Sneaky).sign().err();
    assert_eq!(
        err,
        Some(SignError::Claims(ClaimsError::Reserved("role".into())))
    );
    // A public claim with the same key as a private one.
    let err = jwt
        .access_token("a")
        .private_claims(&Profile {
            user_id: 1,
            permission_level: 1,
        })
        .public_claim("user_id", 2)
        .sign()
        .err();
    assert_eq!(
        err,
        Some(SignError::Claims(ClaimsError::Duplicate("user_id".into())))
    );
}

#[tokio::test]
async fn claim_names_are_configurable_for_foreign_tokens() {
    // A sanic-jwt style token: `user_id` as a number, `kind` and `perm` elsewhere.
    let jwt = jwt_with(|b| {
        b.identity_claim("user_id")
            .token_type_claim("kind")
            .role_claim("perm")
            .scopes_claim("scope")
    });
    let s = serve(&jwt).await;
    let now = now();
    let t = forge_hs256(
        HS256_HEADER,
        &json!({"user_id": 42, "kind": "access", "perm": "ADMIN", "scope": ["a:b"],
                "jti": "x", "exp": now + 60})
        .to_string(),
    );
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        (&r.body["identity"], &r.body["role"], &r.body["scopes"]),
        (&json!("42"), &json!("ADMIN"), &json!(["a:b"]))
    );
    // Our own tokens use the same names.
    let own = jwt.access_token("7").role("USER").sign().unwrap();
    let payload = own.split('.').nth(1).unwrap();
    let decoded =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(
        (&v["user_id"], &v["kind"], &v["perm"]),
        (&json!("7"), &json!("access"), &json!("USER"))
    );
}

#[tokio::test]
async fn optional_token_semantics() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let r = s.get_with("/optional", &[]).await;
    assert_eq!((r.status, &r.body["identity"]), (200, &json!(null)));
    let t = jwt.access_token("alice").sign().unwrap();
    let r = s.get_bearer("/optional", &t).await;
    assert_eq!((r.status, &r.body["identity"]), (200, &json!("alice")));
    // Present but invalid: rejected, not None.
    s.get_bearer("/optional", "not.a.token")
        .await
        .assert_invalid_token("malformed");
    let expired = TokenMint::access(&jwt, "alice")
        .and_then(|t| t.expired().sign())
        .unwrap();
    s.get_bearer("/optional", &expired)
        .await
        .assert_invalid_token("expired");
    let (_, refresh) = s.login("alice").await;
    s.get_bearer("/optional", &refresh)
        .await
        .assert_invalid_token("wrong_token_type");
}

#[tokio::test]
async fn expiry_verification_can_only_be_turned_off_explicitly() {
    let jwt = hs256_jwt();
    let expired = TokenMint::access(&jwt, "alice").unwrap().expires_at(1);
    let expired = expired.sign().unwrap();
    let on = serve(&jwt).await;
    on.get_bearer("/protected", &expired)
        .await
        .assert_invalid_token("expired");
    let off = serve(&jwt_with(|b| b.dangerously_disable_expiry_verification())).await;
    assert_eq!(off.get_bearer("/protected", &expired).await.status, 200);
    // exp is still required and typed.
    let t = TokenMint::access(&jwt, "alice")
        .unwrap()
        .without_claim("exp");
    off.get_bearer("/protected", &t.sign().unwrap())
        .await
        .assert_invalid_token("invalid_claims");
}
