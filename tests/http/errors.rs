//! Every row of the error contract (the README's error table, RFC 6750 §3), over real HTTP.

use crate::common::*;
use axum::Router;
use axum::response::IntoResponse;
use axum::routing::get;
use axum_jwt_guard::{AuthError, Jwt, Token, TokenLocation};
use serde_json::json;

#[tokio::test]
async fn missing_token_is_401_with_a_bare_challenge() {
    let s = serve(&hs256_jwt()).await;
    let r = s.get_with("/protected", &[]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"));
    assert_eq!(r.body["error"], "missing_token");
    assert_eq!(r.reason(), "missing_token");
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("authorization header"), "{message}");
    // Another scheme is no bearer token.
    let r = s
        .get_with("/protected", &[("authorization", "Basic YWxpY2U6cHc=")])
        .await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));
    assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"));
}

#[tokio::test]
async fn realm_is_added_to_every_challenge() {
    let jwt = Jwt::builder().secret(SECRET).realm("api").build().unwrap();
    let s = serve(&jwt).await;
    let r = s.get_with("/protected", &[]).await;
    assert_eq!(r.www_authenticate.as_deref(), Some("Bearer realm=\"api\""));
    let r = s.get_bearer("/protected", "a.b.c").await;
    assert_eq!(
        r.www_authenticate.as_deref(),
        Some(
            "Bearer realm=\"api\", error=\"invalid_token\", error_description=\"The token is malformed\""
        )
    );
}

#[tokio::test]
async fn a_valid_token_passes() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let token = jwt.access_token("alice").role("USER").sign().unwrap();
    let r = s.get_bearer("/protected", &token).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["identity"], "alice");
    assert_eq!(r.body["role"], "USER");
    assert_eq!(r.www_authenticate, None);
}

/// A token whose header or payload segment is empty is refused as such (A1), before any
/// of it is decoded or routed to a key.
#[tokio::test]
async fn an_empty_header_or_payload_segment_is_malformed() {
    let s = serve(&hs256_jwt()).await;
    let good = hs256_jwt().access_token("alice").sign().unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    for token in [
        format!(".{}.{}", parts[1], parts[2]),
        format!("{}..{}", parts[0], parts[2]),
        format!("..{}", parts[2]),
    ] {
        let r = s.get_bearer("/protected", &token).await;
        r.assert_invalid_token("malformed");
        assert_eq!(
            r.body["message"], "the token header or payload is empty",
            "{token:.20}"
        );
    }
}

#[tokio::test]
async fn two_tokens_in_one_request_are_invalid_request() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .token_locations([TokenLocation::Header, TokenLocation::Query])
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let token = jwt.access_token("alice").sign().unwrap();
    let r = s
        .get_bearer(&format!("/protected?access_token={token}"), &token)
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.body["error"], "invalid_request");
    assert_eq!(r.reason(), "invalid_request");
    // RFC 6750 §3.1: the 400 of a request for a protected resource is challenged too.
    assert_eq!(
        r.www_authenticate.as_deref(),
        Some("Bearer error=\"invalid_request\", error_description=\"The request is malformed\"")
    );

    let line = format!("Authorization: Bearer {token}\r\nAuthorization: Bearer {token}");
    let (status, text) = s.raw_get("/protected", line.as_bytes()).await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("\"reason\":\"invalid_request\""), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("www-authenticate: bearer error=\"invalid_request\""),
        "{text}"
    );
}

#[tokio::test]
async fn each_invalid_token_reason() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .issuer("https://issuer.example")
        .audience("api")
        .leeway(std::time::Duration::ZERO)
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let ok = json!({"iss": "https://issuer.example", "aud": "api"});
    let with = |extra: serde_json::Value| {
        let mut c = ok.clone();
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        forge_hs256(HS256_HEADER, &claims(c))
    };
    // Sanity: the base forged token passes.
    assert_eq!(
        s.get_bearer("/protected", &with(json!({}))).await.status,
        200
    );

    let now = now();
    let cases: Vec<(String, &str)> = vec![
        ("x".repeat(9000), "token_too_large"),
        ("a.b".to_owned(), "malformed"),
        ("a.b.c.d.e".to_owned(), "malformed"),
        (format!("{}.x", with(json!({}))), "malformed"),
        (
            forge_hs256(r#"{"alg":"HS256","crit":["exp"]}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        (
            forge_hs256(r#"{"alg":"HS256","zip":"DEF"}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        (
            forge_hs256(r#"{"alg":"HS256","cty":"JWT"}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        // Present is present: `null` is not absence, and `cty` is a media type, compared
        // case-insensitively with or without `application/` (RFC 7515 §4.1.10).
        (
            forge_hs256(r#"{"alg":"HS256","crit":null}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        (
            forge_hs256(r#"{"alg":"HS256","zip":null}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        (
            forge_hs256(
                r#"{"alg":"HS256","cty":"application/JWT"}"#,
                &claims(ok.clone()),
            ),
            "unsupported_header",
        ),
        (
            forge_hs256(r#"{"alg":"HS256","cty":"jwt"}"#, &claims(ok.clone())),
            "unsupported_header",
        ),
        (
            format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64(claims(ok.clone()))),
            "wrong_algorithm",
        ),
        (
            forge(
                HS256_HEADER,
                &claims(ok.clone()),
                &jsonwebtoken::EncodingKey::from_secret(OTHER_SECRET.as_bytes()),
                jsonwebtoken::Algorithm::HS256,
            ),
            "bad_signature",
        ),
        (with(json!({"exp": "9999999999"})), "invalid_claims"),
        (with(json!({"type": "refresh"})), "wrong_token_type"),
        (with(json!({"exp": now - 1})), "expired"),
        (with(json!({"nbf": now + 60})), "not_yet_valid"),
        (with(json!({"iat": now + 60})), "issued_in_future"),
        (with(json!({"iss": "https://evil.example"})), "wrong_issuer"),
        (with(json!({"aud": "other"})), "wrong_audience"),
    ];
    for (token, reason) in cases {
        s.get_bearer("/protected", &token)
            .await
            .assert_invalid_token(reason);
    }
}

#[tokio::test]
async fn invalid_private_claims() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .private_claim_prefix("app")
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    // Missing entirely.
    let t = jwt.access_token("alice").sign().unwrap();
    assert_eq!(s.get_bearer("/protected", &t).await.status, 200);
    s.get_bearer("/profile", &t)
        .await
        .assert_invalid_token("invalid_private_claims");
    // Wrong type.
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"app_user_id": "one", "app_permission_level": 1})),
    );
    s.get_bearer("/profile", &t)
        .await
        .assert_invalid_token("invalid_private_claims");
    // Out of range for u8.
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"app_user_id": 1, "app_permission_level": 300})),
    );
    s.get_bearer("/profile", &t)
        .await
        .assert_invalid_token("invalid_private_claims");
}

#[tokio::test]
async fn messages_never_echo_token_contents() {
    let s = serve(&hs256_jwt()).await;
    let marker = "SECRET-MARKER-7731";
    for token in [
        forge_hs256(HS256_HEADER, &claims(json!({"exp": marker}))),
        forge_hs256(&format!(r#"{{"alg":"{marker}"}}"#), &claims(json!({}))),
        forge_hs256(HS256_HEADER, &claims(json!({"sub": {"x": marker}}))),
        format!("{marker}.{marker}.{marker}"),
    ] {
        let r = s.get_bearer("/protected", &token).await;
        assert_eq!(r.status, 401);
        let all = format!("{:?} {}", r.www_authenticate, r.body);
        assert!(!all.contains(marker), "{all}");
        assert!(!all.to_lowercase().contains("serde"), "{all}");
    }
}

#[tokio::test]
async fn a_guard_without_the_layer_is_a_500_naming_the_layer() {
    async fn h(_: Token) -> &'static str {
        "unreachable"
    }
    let s = serve_router(Router::new().route("/protected", get(h))).await;
    let r = s.get_with("/protected", &[]).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.reason(), "layer_missing");
    assert!(r.body["message"].as_str().unwrap().contains("layer"));
    assert_eq!(r.www_authenticate, None);
}

#[tokio::test]
async fn the_response_mapping_can_be_replaced() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .error_response(|e: &AuthError| {
            (
                axum::http::StatusCode::IM_A_TEAPOT,
                format!("custom:{}", e.reason()),
            )
                .into_response()
        })
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let r = s.get_with("/protected", &[]).await;
    assert_eq!(r.status, 418);
    assert_eq!(r.body, "custom:missing_token");
    let r = s.get_bearer("/protected", "a.b.c").await;
    assert_eq!(r.body, "custom:malformed");
}
