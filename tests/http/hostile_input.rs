//! Garbage, oversized and hostile input gets a 4xx, never a 5xx, panic or dropped connection,
//! and the server keeps serving (SECURITY.md A).

use crate::common::*;
use serde_json::json;

/// A tiny xorshift generator: deterministic "random" bytes without a crate.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x & 0xff) as u8
        })
        .collect()
}

async fn still_serves(s: &Server) {
    let jwt_token = hs256_jwt().access_token("alice").sign().unwrap();
    let r = s.get_bearer("/protected", &jwt_token).await;
    assert_eq!(r.status, 200, "the server must keep serving: {r:?}");
}

#[tokio::test]
async fn random_bytes_in_the_authorization_header() {
    let s = serve(&hs256_jwt()).await;
    for seed in 1..=40u64 {
        let mut line = b"Authorization: Bearer ".to_vec();
        // Header values cannot hold CR, LF or NUL on the wire; everything else goes.
        line.extend(
            random_bytes(seed, 64 + seed as usize * 7)
                .into_iter()
                .filter(|b| !matches!(b, b'\r' | b'\n' | 0)),
        );
        let (status, text) = s.raw_get("/protected", &line).await;
        assert!((400..500).contains(&status), "seed {seed}: {text}");
    }
    still_serves(&s).await;
}

#[tokio::test]
async fn non_utf8_and_non_ascii_headers() {
    let s = serve(&hs256_jwt()).await;
    for line in [
        &b"Authorization: Bearer \xff\xfe\xfd.\x80.\x81"[..],
        b"Authorization: Bearer a\xc3\xa9b.c.d",
        b"Authorization: \xe2\x82\xac",
    ] {
        // Refused as such, valid UTF-8 or not, before any scheme or token is read.
        let (status, text) = s.raw_get("/protected", line).await;
        assert_eq!(status, 401, "{text}");
        assert!(
            text.contains("the authorization header holds characters a token cannot contain"),
            "{text}"
        );
    }
    still_serves(&s).await;
}

#[tokio::test]
async fn huge_headers_and_tokens() {
    let s = serve(&hs256_jwt()).await;
    // 100 KB token: refused by size before decoding.
    let big = format!("{}.{}.{}", "a".repeat(50_000), "b".repeat(50_000), "c");
    s.get_bearer("/protected", &big)
        .await
        .assert_invalid_token("token_too_large");
    // 1 MB header: hyper refuses it (431) before the app sees it.
    let line = format!("Authorization: Bearer {}", "a".repeat(1 << 20));
    let (status, _) = s.raw_get("/protected", line.as_bytes()).await;
    assert!((400..500).contains(&status), "1 MB header got {status}");
    // 10 MB: the connection may be cut, but the server stays up.
    let line = format!("Authorization: Bearer {}", "a".repeat(10 << 20));
    let (status, _) = s.raw_get("/protected", line.as_bytes()).await;
    assert!(
        status == 0 || (400..500).contains(&status),
        "10 MB header got {status}"
    );
    still_serves(&s).await;
}

#[tokio::test]
async fn structural_garbage_is_401() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let valid = jwt.access_token("alice").sign().unwrap();
    let (h, rest) = valid.split_once('.').unwrap();
    let (p, sig) = rest.split_once('.').unwrap();
    let cases = [
        ".".repeat(50_00),
        format!(".{valid}"),
        format!("{h}.{p}"),
        format!("{h}.{p}.{sig}.x"),
        format!("{h}.{p}.{sig}.x.y"),
        format!("{h}..{sig}"),
        format!(".{p}.{sig}"),
        format!("{h}=.{p}.{sig}"),
        format!("{h}.{p}=.{sig}"),
        format!("{h}.{p}.{sig}="),
        format!("{}.{p}.{sig}", h.replace('-', "+").replace('_', "/") + "+"),
        format!(r#"{{"payload":"{p}","signatures":[]}}"#),
    ];
    for token in cases {
        let r = s.get_bearer("/protected", &token).await;
        assert_eq!(r.status, 401, "{token:.80}: {r:?}");
    }
    still_serves(&s).await;
}

#[tokio::test]
async fn non_canonical_trailing_bits_are_refused() {
    let jwt = hs256_jwt();
    let s = serve(&jwt).await;
    let valid = jwt.access_token("alice").sign().unwrap();
    let (input, sig) = valid.rsplit_once('.').unwrap();
    // A 32-byte HMAC is 43 base64url chars: the last one carries 2 unused bits. Flipping
    // them gives a different string that decodes to the same bytes in lax decoders.
    let last = sig.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let tweaked = alphabet.chars().nth(idx ^ 1).unwrap();
    let token = format!("{input}.{}{tweaked}", &sig[..sig.len() - 1]);
    let r = s.get_bearer("/protected", &token).await;
    assert_eq!(r.status, 401, "{r:?}");
}

#[tokio::test]
async fn header_and_payload_must_be_json_objects_even_when_signed() {
    let s = serve(&hs256_jwt()).await;
    let good_claims = claims(json!({}));
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_obj = format!(r#"{{"alg":"HS256","x":{deep}}}"#);
    let many_members = format!(
        "{{\"alg\":\"HS256\",{}}}",
        (0..4000)
            .map(|i| format!("\"m{i}\":{i}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let headers = [
        "[]".to_owned(),
        "null".to_owned(),
        "\"HS256\"".to_owned(),
        r#"{"alg":"HS256"} trailing"#.to_owned(),
        r#"{"alg":"HS256" /* c */}"#.to_owned(),
        deep_obj,
    ];
    for header in &headers {
        let r = s
            .get_bearer("/protected", &forge_hs256(header, &good_claims))
            .await;
        assert_eq!(r.status, 401, "{header:.60}: {r:?}");
    }
    // 4000 unknown header members are ignored (the token is otherwise valid), never a 5xx.
    let r = s
        .get_bearer("/protected", &forge_hs256(&many_members, &good_claims))
        .await;
    assert!(r.status == 200 || r.status == 401, "{r:?}");
    let payloads = [
        "[]".to_owned(),
        "null".to_owned(),
        "42".to_owned(),
        format!("{good_claims} x"),
        format!("{good_claims}{good_claims}"),
        good_claims.replacen("\"exp\":", "\"exp\":NaN,\"_\":", 1),
        good_claims.replacen('{', "{/* c */", 1),
    ];
    for payload in &payloads {
        s.get_bearer("/protected", &forge_hs256(HS256_HEADER, payload))
            .await
            .assert_invalid_token("malformed");
    }
    // Invalid UTF-8 inside a signed payload.
    let mut bytes = good_claims.clone().into_bytes();
    bytes.splice(1..1, *b"\"\xff\":1,");
    let input = format!("{}.{}", b64(HS256_HEADER), b64(&bytes));
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        jsonwebtoken::Algorithm::HS256,
    )
    .unwrap();
    s.get_bearer("/protected", &format!("{input}.{sig}"))
        .await
        .assert_invalid_token("malformed");
    still_serves(&s).await;
}
