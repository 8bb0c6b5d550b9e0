//! Where tokens come from: header (scheme, custom name), query parameter (opt-in).

use crate::common::*;
use axum_jwt_guard::{Jwt, TokenLocation};

#[tokio::test]
async fn bearer_scheme_variants() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let t = jwt.access_token("alice").sign().unwrap();
    for value in [
        format!("Bearer {t}"),
        format!("bearer {t}"),
        format!("BEARER {t}"),
        format!("Bearer  {t}"),
    ] {
        let r = s.get_with("/protected", &[("authorization", &value)]).await;
        assert_eq!(r.status, 200, "{value:.20}: {r:?}");
    }
    let one = "exactly one token after the scheme";
    for (value, message) in [
        (format!("Bearer {t} extra"), one),
        (format!("Bearer {t}\textra"), one),
        (format!("Bearer {t},{t}"), one),
        (format!("Bearer {t} {t} {t}"), one),
        ("Bearer".to_owned(), "not followed by a token"),
    ] {
        let r = s.get_with("/protected", &[("authorization", &value)]).await;
        assert_eq!(r.status, 401, "{value:.20}: {r:?}");
        assert_eq!(r.reason(), "malformed");
        let said = r.body["message"].as_str().unwrap_or_default();
        assert!(said.contains(message), "{value:.20}: {said}");
    }
    // A raw token without a scheme is not a bearer credential.
    let r = s.get_with("/protected", &[("authorization", &t)]).await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));
}

#[tokio::test]
async fn query_tokens_are_off_by_default() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let t = jwt.access_token("alice").sign().unwrap();
    let r = s
        .get_with(&format!("/protected?access_token={t}"), &[])
        .await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));
}

#[tokio::test]
async fn query_tokens_when_enabled_get_identical_validation() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .token_locations([TokenLocation::Header, TokenLocation::Query])
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let t = jwt.access_token("alice").sign().unwrap();
    let r = s
        .get_with(&format!("/protected?x=1&access_token={t}"), &[])
        .await;
    assert_eq!(
        (r.status, &r.body["identity"]),
        (200, &serde_json::json!("alice"))
    );
    // alg none through the query is refused exactly as through the header.
    let none = format!(
        "{}.{}.",
        b64(r#"{"alg":"none"}"#),
        b64(claims(serde_json::json!({})))
    );
    s.get_with(&format!("/protected?access_token={none}"), &[])
        .await
        .assert_invalid_token("wrong_algorithm");
    let r = s.get_with("/protected", &[]).await;
    let message = r.body["message"].as_str().unwrap();
    assert!(
        message.contains("authorization header")
            && message.contains("`access_token` query parameter"),
        "{message}"
    );
}

#[tokio::test]
async fn custom_header_and_scheme() {
    let jwt = Jwt::builder()
        .secret(SECRET)
        .header_name("X-Access-Token")
        .header_scheme("")
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let t = jwt.access_token("alice").sign().unwrap();
    let r = s.get_with("/protected", &[("x-access-token", &t)]).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));

    let jwt = Jwt::builder()
        .secret(SECRET)
        .header_scheme("JWT")
        .build()
        .unwrap();
    let s = serve(&jwt).await;
    let r = s
        .get_with("/protected", &[("authorization", &format!("JWT {t}"))])
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}
