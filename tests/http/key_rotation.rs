//! Our own keys: every token names its key (`kid`), keys rotate without logging anyone out,
//! the public keys are published as a JWKS, and a second service verifies our tokens through
//! it without the private key.

use std::sync::Arc;

use axum::extract::Json;
use axum::routing::post;
use axum::{Router, response::IntoResponse};
use axum_jwt_guard::{
    Algorithm, ClaimProfile, IdentityProvider, Jwt, JwtBuilder, MemoryStore, RevocationStore,
    VerifyOnlyKey,
};
use serde_json::{Value, json};

use crate::common::{
    Server, app, decode_part, example_binary, fixture, serve_router, spawn_example,
};

/// The test routes, plus a login that records the login (so refresh tokens rotate), a
/// refresh endpoint, and the published documents.
fn router(jwt: &Jwt) -> Router {
    async fn login(jwt: Jwt, Json(body): Json<Value>) -> axum::response::Response {
        let identity = body["identity"].as_str().unwrap_or_default().to_owned();
        match jwt.login(identity).scopes(["user:read"]).sign().await {
            Ok(pair) => Json(json!(pair)).into_response(),
            Err(e) => {
                (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
            }
        }
    }
    async fn refresh(jwt: Jwt, Json(body): Json<Value>) -> axum::response::Response {
        let token = body["refresh_token"].as_str().unwrap_or_default();
        match jwt.refresh(token).await {
            Ok(pair) => Json(json!(pair)).into_response(),
            Err(e) => jwt.error_response(&e),
        }
    }
    app()
        .route("/login-recorded", post(login))
        .route("/refresh", post(refresh))
        .layer(jwt.layer())
        .merge(jwt.well_known_routes())
}

/// `kid` of a token's header.
fn kid(token: &str) -> String {
    decode_part(token, 0)["kid"]
        .as_str()
        .expect("our tokens name their key")
        .to_owned()
}

/// One configuration of a rotation: the current key pair and the verify-only public keys,
/// sharing one revocation store with the other steps (as instances share Redis).
fn rsa(current: &str, verify_only: &[&str], store: &Arc<dyn RevocationStore>) -> Jwt {
    let mut b = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .private_key_file(fixture(&format!("{current}_private.pem")))
        .public_key_file(fixture(&format!("{current}_public.pem")))
        .shared_revocation_store(store.clone());
    for stem in verify_only {
        b = b.verify_only_key(VerifyOnlyKey::public_key_file(fixture(&format!(
            "{stem}_public.pem"
        ))));
    }
    b.build().expect("configuration")
}

fn hmac(current: &[u8], verify_only: &[&[u8]], store: &Arc<dyn RevocationStore>) -> Jwt {
    let mut b = Jwt::builder()
        .secret(current)
        .shared_revocation_store(store.clone());
    for secret in verify_only {
        b = b.verify_only_key(VerifyOnlyKey::secret(secret));
    }
    b.build().expect("configuration")
}

/// What a client holding tokens from before a step sees after it.
struct Held {
    access: String,
    refresh: String,
}

async fn login(s: &Server, who: &str) -> Held {
    let (access, refresh) = s
        .token_pair("/login-recorded", &json!({ "identity": who }))
        .await;
    Held { access, refresh }
}

/// The documented procedure, step by step, each step a new configuration (a restart of every
/// instance) on one shared store. Clients keep their tokens across steps: they get 200 until
/// the key that signed them is retired, and 401 `unknown_key` from then on.
async fn rotate(steps: [Jwt; 4]) {
    let [old_only, next_published, next_current, old_retired] = steps;

    // 0. One key.
    let s = serve_router(router(&old_only)).await;
    let before = login(&s, "alice").await;
    let old_kid = kid(&before.access);

    // 1. The next key is published as verify-only; the old one still signs.
    let s = serve_router(router(&next_published)).await;
    assert_eq!(s.get_bearer("/protected", &before.access).await.status, 200);
    let published = login(&s, "bob").await;
    assert_eq!(kid(&published.access), old_kid, "the old key still signs");

    // 2. The next key becomes current; the old one verifies only.
    let s = serve_router(router(&next_current)).await;
    for held in [&before, &published] {
        let r = s.get_bearer("/protected", &held.access).await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let current = login(&s, "carol").await;
    let new_kid = kid(&current.access);
    assert_ne!(new_kid, old_kid);
    // A refresh token minted under the old key still works, and what it gets is signed by
    // the new key.
    let r = s
        .post_json("/refresh", &[], &json!({ "refresh_token": before.refresh }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let refreshed = Held {
        access: r.body["access_token"].as_str().expect("access").to_owned(),
        refresh: r.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    };
    assert_eq!(kid(&refreshed.access), new_kid);
    assert_eq!(kid(&refreshed.refresh), new_kid);

    // 3. The old key is retired: its tokens are refused from the first request on, refresh
    // tokens included; the new key's keep working.
    let s = serve_router(router(&old_retired)).await;
    for held in [&before, &published] {
        s.get_bearer("/protected", &held.access)
            .await
            .assert_invalid_token("unknown_key");
    }
    let r = s
        .post_json(
            "/refresh",
            &[],
            &json!({ "refresh_token": published.refresh }),
        )
        .await;
    r.assert_invalid_token("unknown_key");
    for held in [&current, &refreshed] {
        let r = s.get_bearer("/protected", &held.access).await;
        assert_eq!(r.status, 200, "{r:?}");
    }
    let r = s
        .post_json(
            "/refresh",
            &[],
            &json!({ "refresh_token": current.refresh }),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
}

#[tokio::test]
async fn rsa_keys_rotate_without_logging_anyone_out() {
    let store: Arc<dyn RevocationStore> = Arc::new(MemoryStore::new());
    rotate([
        rsa("rsa", &[], &store),
        rsa("rsa", &["rsa2"], &store),
        rsa("rsa2", &["rsa"], &store),
        rsa("rsa2", &[], &store),
    ])
    .await;
}

#[tokio::test]
async fn hmac_secrets_rotate_without_logging_anyone_out() {
    let store: Arc<dyn RevocationStore> = Arc::new(MemoryStore::new());
    let (old, next) = (&[1u8; 32][..], &[2u8; 32][..]);
    rotate([
        hmac(old, &[], &store),
        hmac(old, &[next], &store),
        hmac(next, &[old], &store),
        hmac(next, &[], &store),
    ])
    .await;
}

/// With several keys, a token must name one: a token without `kid` (an earlier version's)
/// passes while one key is configured, and is refused once there are two.
#[tokio::test]
async fn a_token_without_kid_needs_a_single_key() {
    use crate::common::{claims, forge_hs256};
    let secret = [7u8; 32];
    let t = forge_hs256(r#"{"alg":"HS256","typ":"at+jwt"}"#, &claims(json!({})));
    let single = crate::common::hs256_jwt();
    let s = serve_router(router(&single)).await;
    let r = s.get_bearer("/protected", &t).await;
    assert_eq!(r.status, 200, "{r:?}");
    let two = Jwt::builder()
        .secret(crate::common::SECRET)
        .verify_only_key(VerifyOnlyKey::secret(secret))
        .build()
        .unwrap();
    let s = serve_router(router(&two)).await;
    s.get_bearer("/protected", &t)
        .await
        .assert_invalid_token("unknown_key");
}

#[tokio::test]
async fn key_ids_are_thumbprints_unless_given_and_checked_at_build() {
    let store: Arc<dyn RevocationStore> = Arc::new(MemoryStore::new());
    let jwt = rsa("rsa", &[], &store);
    let t = jwt.access_token("a").sign().unwrap();
    // RFC 7638 thumbprint of the public key: what any JWK library computes from the JWKS.
    let jwks: Value = serde_json::from_str(jwt.jwks().unwrap()).unwrap();
    let jwk: jsonwebtoken::jwk::Jwk = serde_json::from_value(jwks["keys"][0].clone()).unwrap();
    assert_eq!(
        kid(&t),
        jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .unwrap()
    );
    let named = Jwt::builder()
        .secret([3u8; 32])
        .key_id("2026-11")
        .verify_only_key(VerifyOnlyKey::secret([4u8; 32]).kid("2026-05"))
        .build()
        .unwrap();
    assert_eq!(kid(&named.access_token("a").sign().unwrap()), "2026-11");
    // An HMAC configuration publishes nothing: a secret is never a JWK.
    assert!(named.jwks().is_none() && named.openid_configuration().is_none());

    let err = |b: JwtBuilder| b.build().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err(Jwt::builder().secret([3u8; 32]).key_id("a\"b")).contains("key_id"));
    assert!(err(Jwt::builder().secret([3u8; 32]).key_id("")).contains("key_id"));
    // The same key twice, a public key where a secret goes, a short secret.
    let same = Jwt::builder()
        .secret([3u8; 32])
        .verify_only_key(VerifyOnlyKey::secret([3u8; 32]));
    assert!(err(same).contains("key id"));
    let wrong = Jwt::builder()
        .secret([3u8; 32])
        .verify_only_key(VerifyOnlyKey::public_key_file(fixture("rsa_public.pem")));
    assert!(err(wrong).contains("secret"));
    let short = Jwt::builder()
        .secret([3u8; 32])
        .verify_only_key(VerifyOnlyKey::secret([3u8; 16]));
    assert!(err(short).contains("32"));
    let small = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .public_key_file(fixture("rsa_public.pem"))
        .verify_only_key(VerifyOnlyKey::public_key_file(fixture(
            "rsa1024_public.pem",
        )));
    assert!(err(small).contains("1024"));
}

/// Private members of each key type; none may ever be published.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

#[tokio::test]
async fn the_published_key_set_holds_public_keys_only() {
    for (alg, current, next, kty) in [
        (Algorithm::RS256, "rsa", "rsa2", "RSA"),
        (Algorithm::PS384, "rsa2", "rsa", "RSA"),
        (Algorithm::ES256, "ec256", "ec256", "EC"),
        (Algorithm::ES384, "ec384", "ec384", "EC"),
        (Algorithm::EdDSA, "ed25519", "ed25519", "OKP"),
    ] {
        let mut b = Jwt::builder()
            .algorithm(alg)
            .private_key_file(fixture(&format!("{current}_private.pem")))
            .public_key_file(fixture(&format!("{current}_public.pem")))
            .issuer("https://auth.example.com/");
        if next != current {
            b = b.verify_only_key(VerifyOnlyKey::public_key_file(fixture(&format!(
                "{next}_public.pem"
            ))));
        }
        let jwt = b.build().unwrap();
        let s = serve_router(router(&jwt)).await;
        let r = s.get_with("/.well-known/jwks.json", &[]).await;
        assert_eq!(r.status, 200, "{alg:?}: {r:?}");
        assert_eq!(r.header_values("cache-control"), ["public, max-age=300"]);
        assert_eq!(r.header_values("content-type"), ["application/json"]);
        let keys = r.body["keys"].as_array().expect("a keys array");
        assert_eq!(keys.len(), if next != current { 2 } else { 1 }, "{alg:?}");
        let (access, _) = s.login("alice").await;
        assert_eq!(keys[0]["kid"].as_str(), Some(kid(&access).as_str()));
        for key in keys {
            let key = key.as_object().expect("a JWK object");
            assert_eq!(key["kty"], kty, "{alg:?}");
            assert_eq!(key["use"], "sig");
            assert_eq!(key["alg"], json!(alg), "{alg:?}");
            for private in PRIVATE_MEMBERS {
                assert!(!key.contains_key(private), "{alg:?} publishes {private}");
            }
        }
        let r = s.get_with("/.well-known/openid-configuration", &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header_values("cache-control"), ["public, max-age=300"]);
        assert_eq!(
            r.body,
            json!({
                "issuer": "https://auth.example.com/",
                "jwks_uri": "https://auth.example.com/.well-known/jwks.json",
            })
        );
    }
    // HMAC: nothing to publish, so no routes; no issuer URL, no discovery document.
    let s = serve_router(router(&crate::common::hs256_jwt())).await;
    assert_eq!(s.get_with("/.well-known/jwks.json", &[]).await.status, 404);
    let jwt = Jwt::builder()
        .algorithm(Algorithm::ES256)
        .public_key_file(fixture("ec256_public.pem"))
        .issuer("my-service")
        .build()
        .unwrap();
    let s = serve_router(router(&jwt)).await;
    assert_eq!(s.get_with("/.well-known/jwks.json", &[]).await.status, 200);
    let r = s.get_with("/.well-known/openid-configuration", &[]).await;
    assert_eq!(r.status, 404);
}

/// A second service in identity-provider mode verifies our tokens through the published
/// JWKS alone, by discovery or by the JWKS URL: the same guards, our claim shape.
#[tokio::test]
async fn a_second_service_verifies_ours_through_the_published_keys() {
    let port = crate::common::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let first = Jwt::builder()
        .algorithm(Algorithm::RS256)
        .private_key_file(fixture("rsa_private.pem"))
        .public_key_file(fixture("rsa_public.pem"))
        .issuer(&issuer)
        .audience("shop")
        .private_claim_prefix("app")
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the issuer's port");
    let issuing = router(&first);
    tokio::spawn(async move { axum::serve(listener, issuing).await });
    let token = first
        .access_token("alice")
        .scopes(["user:read"])
        .role("ADMIN")
        .private_claims(&crate::common::Profile {
            user_id: 7,
            permission_level: 2,
        })
        .sign()
        .unwrap();
    for provider in [
        IdentityProvider::discover(&issuer),
        IdentityProvider::jwks_url(format!("{issuer}/.well-known/jwks.json")).issuer(&issuer),
    ] {
        let second = Jwt::builder()
            .identity_provider(
                provider
                    .audience("shop")
                    .profile(ClaimProfile::AxumJwtGuard)
                    .private_claim_prefix("app"),
            )
            .build()
            .unwrap();
        let s = serve_router(router(&second)).await;
        let r = s.get_bearer("/profile", &token).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.body["identity"], "alice");
        assert_eq!(r.body["role"], "ADMIN");
        assert_eq!(r.body["scopes"], json!(["user:read"]));
        assert_eq!(r.body["private_claims"]["user_id"], 7);
        // It verifies only: it holds no private key.
        assert!(second.access_token("mallory").sign().is_err());
        // A refresh token of the first service is not an access token anywhere.
        let refresh = first.refresh_token("alice").sign().unwrap();
        s.get_bearer("/protected", &refresh)
            .await
            .assert_invalid_token("wrong_token_type");
    }
}

/// The same with two quickstart processes configured from the environment alone: the second
/// has the first's JWKS URL and nothing else of its keys.
#[tokio::test]
async fn two_quickstarts_one_verifies_the_other_through_its_jwks_url() {
    let _ = example_binary("quickstart");
    let port = crate::common::free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let bind = format!("127.0.0.1:{port}");
    let (private, public) = (fixture("rsa_private.pem"), fixture("rsa_public.pem"));
    let first = spawn_example(
        "quickstart",
        &[
            ("BIND", &bind),
            ("JWT_ALGORITHM", "RS256"),
            ("JWT_PRIVATE_KEY_FILE", &private),
            ("JWT_PUBLIC_KEY_FILE", &public),
            ("JWT_ISSUER", &issuer),
            ("JWT_AUDIENCE", "quickstart"),
        ],
    );
    let a = first.server();
    let (alice, _) = a
        .token_pair(
            "/auth",
            &json!({"username": "alice", "password": "alice-password"}),
        )
        .await;
    let jwks_url = format!("{issuer}/.well-known/jwks.json");
    let second = spawn_example(
        "quickstart",
        &[
            ("JWT_JWKS_URL", &jwks_url),
            ("JWT_ISSUER", &issuer),
            ("JWT_AUDIENCE", "quickstart"),
            ("JWT_CLAIM_PROFILE", "axum-jwt-guard"),
            ("JWT_PROVIDER_PRIVATE_CLAIM_PREFIX", "quickstart"),
        ],
    );
    let b = second.server();
    let r = b.get_bearer("/protected", &alice).await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.body["identity"], "alice");
    assert_eq!(r.body["issuer"], issuer.as_str());
    let r = b.get_bearer("/users", &alice).await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = b.get_bearer("/admin", &alice).await;
    assert_eq!(r.status, 403, "{r:?}");
    // A token the first did not sign, with the first's kid: refused by the second.
    let forged = {
        let (input, _) = alice.rsplit_once('.').expect("three parts");
        format!("{input}.{}", crate::common::b64([0u8; 256]))
    };
    b.get_bearer("/protected", &forged)
        .await
        .assert_invalid_token("bad_signature");
}
