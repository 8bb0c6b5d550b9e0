//! Tokens of a real OpenID provider (panva's oidc-provider, RFC 9068 access tokens by the
//! client-credentials grant): discovery, scopes and roles through the same attributes as our
//! own tokens, key rotation, outages, a start while the provider is down, an unknown-`kid`
//! flood, two issuers, and forged tokens (`SECURITY.md` J1-J6, C2, C3, B2).
//!
//! Time moves by a `ManualClock` (cooldowns, max ages, the outage limit), never by sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use axum_jwt_guard::testing::ManualClock;
use axum_jwt_guard::{Algorithm, IdentityProvider, Jwt, Token, jwt_required, scoped};
use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

use crate::common::*;

#[jwt_required]
async fn protected(token: Token) -> axum::Json<Value> {
    axum::Json(json!({
        "identity": token.identity(),
        "scopes": token.scopes(),
        "roles": token.roles().collect::<Vec<_>>(),
        "iss": token.issuer(),
        "jti": token.jti(),
    }))
}

#[scoped("user:read")]
async fn users() -> &'static str {
    "users"
}

#[scoped("admin")]
async fn admin() -> &'static str {
    "admin"
}

#[jwt_required(allow = ["ADMIN"])]
async fn staff() -> &'static str {
    "staff"
}

#[jwt_required(deny = ["USER"])]
async fn no_users() -> &'static str {
    "no users"
}

async fn health() -> &'static str {
    "ok"
}

fn routes(jwt: &Jwt) -> Router {
    Router::new()
        .route("/protected", get(protected))
        .route("/users", get(users))
        .route("/admin", get(admin))
        .route("/staff", get(staff))
        .route("/no-users", get(no_users))
        .layer(jwt.layer())
        .route("/health", get(health))
}

/// The provider as the tests configure it: discovery, the test resource as audience,
/// Keycloak-shaped roles, a 1 s cooldown.
fn discover(issuer: &str) -> IdentityProvider {
    IdentityProvider::discover(issuer)
        .audience(RESOURCE)
        .roles_claim("/realm_access/roles")
        .cooldown(Duration::from_secs(1))
        .max_age(Duration::from_secs(60))
        .outage_limit(Duration::from_secs(120))
}

fn build(provider: IdentityProvider, clock: &ManualClock) -> Jwt {
    Jwt::builder()
        .identity_provider(provider)
        .clock(clock.clone())
        .build()
        .expect("configuration builds")
}

/// The status and reason of a guarded GET.
async fn status(server: &Server, path: &str, token: &str) -> (u16, String) {
    let reply = server.get_bearer(path, token).await;
    let reason = if reply.status == 200 {
        String::new()
    } else {
        reply.reason().to_owned()
    };
    (reply.status, reason)
}

fn ok() -> (u16, String) {
    (200, String::new())
}

fn refused(status: u16, reason: &str) -> (u16, String) {
    (status, reason.to_owned())
}

#[tokio::test]
async fn discovery_scopes_and_roles_work_through_the_attributes() {
    if !oidc_available() {
        return;
    }
    let keys = KeyDir::new("scopes");
    let op = OidcProvider::start(&keys.0.join("keys.json"), 0).await;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    jwt.load_keys().await.expect("discovery at start");
    let server = serve_router(routes(&jwt)).await;

    let reader = op.token("reader", "user:read orders:read").await;
    let admin_token = op.token("admin", "admin user:read").await;
    let nobody = op.token("nobody", "orders:read").await;
    // RFC 9068 shape: typ at+jwt, a kid, aud, scope as a string, no `type` claim.
    assert_eq!(decode_part(&reader, 0)["typ"], "at+jwt");
    assert!(decode_part(&reader, 0)["kid"].is_string());
    assert!(decode_part(&reader, 1).get("type").is_none());

    let reply = server.get_bearer("/protected", &reader).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["identity"], "reader");
    assert_eq!(reply.body["scopes"], json!(["user:read", "orders:read"]));
    assert_eq!(reply.body["roles"], json!(["USER"]));
    assert_eq!(reply.body["iss"], op.issuer());

    assert_eq!(status(&server, "/users", &reader).await, ok());
    let forbidden = server.get_bearer("/admin", &reader).await;
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.reason(), "insufficient_scope");
    assert!(forbidden.www_authenticate.as_deref().is_some_and(|c| {
        c.contains("error=\"insufficient_scope\"") && c.contains("scope=\"admin\"")
    }));
    assert_eq!(status(&server, "/admin", &admin_token).await, ok());
    assert_eq!(status(&server, "/users", &admin_token).await, ok());
    assert_eq!(
        status(&server, "/users", &nobody).await,
        refused(403, "insufficient_scope")
    );
    // Roles: any allowed role passes, any denied role refuses.
    assert_eq!(status(&server, "/staff", &admin_token).await, ok());
    assert_eq!(
        status(&server, "/staff", &reader).await,
        refused(403, "role_not_allowed")
    );
    assert_eq!(
        status(&server, "/no-users", &admin_token).await,
        refused(403, "role_not_allowed")
    );
    assert_eq!(status(&server, "/no-users", &nobody).await, ok());
    assert_eq!(status(&server, "/health", "").await.0, 200);

    // One discovery and one JWKS fetch served all of it.
    assert_eq!(op.counts().await, (1, 1));
    op.stop().await;
}

#[tokio::test]
async fn keys_rotate_without_a_dropped_request_and_a_removed_key_is_refused_at_once() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("rotation");
    let old = dir.generate("old");
    let new = dir.generate("new");
    let op = OidcProvider::start(&old, 0).await;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    let server = serve_router(routes(&jwt)).await;
    let token_old = op.token("reader", "user:read").await;
    assert_eq!(decode_part(&token_old, 0)["kid"], "old");
    // Verified twice: the second answer comes from the verified-token cache.
    for _ in 0..2 {
        assert_eq!(status(&server, "/users", &token_old).await, ok());
    }

    // Step 1: the provider signs with a new key and still publishes the old one.
    let op = op.restart(&dir.combine("both", &[&new, &old])).await;
    let token_new = op.token("reader", "user:read").await;
    assert_eq!(decode_part(&token_new, 0)["kid"], "new");
    // The unknown kid triggers one refresh (the cooldown since the first fetch has passed),
    // and the request that triggered it waits for it and passes.
    clock.advance(Duration::from_secs(2));
    assert_eq!(status(&server, "/users", &token_new).await, ok());
    assert_eq!(status(&server, "/users", &token_old).await, ok());

    // Step 2: the old key is removed. Once a refresh sees it gone, the old key's tokens are
    // refused from the next request on, the cached one included.
    let op = op.restart(&new).await;
    clock.advance(Duration::from_secs(2));
    let stranger = forge_rs256(&json!({"alg": "RS256", "kid": "stranger"}), &op.issuer());
    assert_eq!(
        status(&server, "/users", &stranger).await,
        refused(401, "unknown_key")
    );
    assert_eq!(
        status(&server, "/users", &token_old).await,
        refused(401, "unknown_key")
    );
    assert_eq!(status(&server, "/users", &token_new).await, ok());
    op.stop().await;
}

#[tokio::test]
async fn keys_refresh_in_the_background_after_their_max_age() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("max-age");
    let old = dir.generate("old");
    let new = dir.generate("new");
    let op = OidcProvider::start(&old, 0).await;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    let server = serve_router(routes(&jwt)).await;
    let token_old = op.token("reader", "user:read").await;
    assert_eq!(status(&server, "/users", &token_old).await, ok());
    let op = op.restart(&new).await;
    // Past the max age, the next request still answers with the keys held (it does not
    // wait) and starts a refresh; once that refresh is in, the removed key is refused.
    clock.advance(Duration::from_secs(61));
    assert_eq!(status(&server, "/users", &token_old).await, ok());
    let mut refused_after = None;
    for attempt in 0..100 {
        if status(&server, "/users", &token_old).await.0 == 401 {
            refused_after = Some(attempt);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused_after.is_some(),
        "the background refresh never landed"
    );
    assert_eq!(
        op.counts().await.1,
        1,
        "one JWKS fetch by the restarted provider"
    );
    op.stop().await;
}

#[tokio::test]
async fn an_outage_keeps_the_last_keys_until_the_limit_then_fails_closed() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("outage");
    let keys = dir.generate("only");
    let op = OidcProvider::start(&keys, 0).await;
    let port = op.port;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    let server = serve_router(routes(&jwt)).await;
    let token = op.token("reader", "user:read").await;
    assert_eq!(status(&server, "/users", &token).await, ok());

    op.stop().await;
    // Past the max age, refreshes fail; the last good keys keep working...
    clock.advance(Duration::from_secs(90));
    assert_eq!(status(&server, "/users", &token).await, ok());
    // ...until the outage limit (120 s after the last success): then 503, not 200 or 500.
    clock.advance(Duration::from_secs(31));
    let reply = server.get_bearer("/users", &token).await;
    assert_eq!(reply.status, 503, "{reply:?}");
    assert_eq!(reply.reason(), "keys_unavailable");
    assert_eq!(reply.body["error"], "temporarily_unavailable");
    assert!(reply.headers.get("retry-after").is_some());
    assert_eq!(status(&server, "/health", "").await.0, 200);

    // Recovery: the provider is back, the next request after the cooldown fetches again.
    let op = OidcProvider::start(&keys, port).await;
    clock.advance(Duration::from_secs(2));
    assert_eq!(status(&server, "/users", &token).await, ok());
    op.stop().await;
}

#[tokio::test]
async fn a_service_starts_while_the_provider_is_down() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("start-down");
    let keys = dir.generate("k");
    let port = free_port();
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&format!("http://127.0.0.1:{port}")), &clock);
    assert!(jwt.load_keys().await.is_err(), "nothing listens yet");
    let server = serve_router(routes(&jwt)).await;
    // Unguarded routes answer; guarded ones 503 with Retry-After, never 500.
    assert_eq!(status(&server, "/health", "").await.0, 200);
    let issuer = format!("http://127.0.0.1:{port}");
    let early = forge_rs256(&json!({"alg": "RS256", "kid": "k"}), &issuer);
    let reply = server.get_bearer("/users", &early).await;
    assert_eq!((reply.status, reply.reason()), (503, "keys_unavailable"));
    assert!(reply.headers.get("retry-after").is_some());

    let op = OidcProvider::start(&keys, port).await;
    let token = op.token("reader", "user:read").await;
    // Within the cooldown no new fetch is made: still 503.
    assert_eq!(
        status(&server, "/users", &token).await,
        refused(503, "keys_unavailable")
    );
    clock.advance(Duration::from_secs(2));
    assert_eq!(status(&server, "/users", &token).await, ok());
    op.stop().await;
}

/// The synchronous `Jwt::verify_access` cannot wait for keys, but it starts the fetch it
/// needs (none yet, or an unknown `kid` once the cooldown passed), so a later call finds them.
#[tokio::test]
async fn a_synchronous_verification_starts_the_fetch_it_cannot_wait_for() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("sync");
    let old = dir.generate("old");
    let new = dir.generate("new");
    let op = OidcProvider::start(&old, 0).await;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    let token = op.token("reader", "user:read").await;
    let eventually = |token: String| {
        let jwt = jwt.clone();
        async move {
            for _ in 0..100 {
                tokio::time::sleep(Duration::from_millis(20)).await;
                if jwt.verify_access::<()>(&token).is_ok() {
                    return true;
                }
            }
            false
        }
    };
    // No keys yet.
    assert_eq!(
        jwt.verify_access::<()>(&token).err(),
        Some(axum_jwt_guard::AuthError::KeysUnavailable)
    );
    assert!(eventually(token).await, "the first fetch never landed");
    // Keys held and fresh, a token of a new key: the unknown kid starts a refresh.
    let op = op.restart(&dir.combine("both", &[&new, &old])).await;
    let token = op.token("reader", "user:read").await;
    clock.advance(Duration::from_secs(2));
    assert_eq!(
        jwt.verify_access::<()>(&token).err(),
        Some(axum_jwt_guard::AuthError::UnknownKey)
    );
    assert!(
        eventually(token).await,
        "the refresh for the new kid never landed"
    );
    op.stop().await;
}

/// An RS256 token signed by the attacker's key (the test fixture), with `header` and a
/// payload that would pass every claim check for the provider at `issuer`.
fn forge_rs256(header: &Value, issuer: &str) -> String {
    let now = now();
    let payload = json!({
        "iss": issuer, "sub": "mallory", "aud": RESOURCE, "iat": now, "exp": now + 300,
        "scope": "admin user:read", "realm_access": {"roles": ["ADMIN"]},
    });
    let key = EncodingKey::from_rsa_pem(&fixture_bytes("rsa_private.pem")).expect("pem");
    forge(
        &header.to_string(),
        &payload.to_string(),
        &key,
        Algorithm::RS256,
    )
}

#[tokio::test]
async fn an_unknown_kid_flood_makes_one_fetch_per_cooldown() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("flood");
    let op = OidcProvider::start(&dir.generate("k"), 0).await;
    let clock = ManualClock::starting_now();
    let jwt = build(discover(&op.issuer()), &clock);
    jwt.load_keys().await.expect("keys");
    let server = Arc::new(serve_router(routes(&jwt)).await);
    let good = op.token("reader", "user:read").await;
    let before = op.counts().await;
    // 2,000 requests with distinct unknown kids, 50 at a time, within one cooldown.
    let mut handles = Vec::new();
    for worker in 0..50 {
        let server = server.clone();
        let issuer = op.issuer();
        handles.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..40 {
                let t = forge_rs256(
                    &json!({"alg": "RS256", "kid": format!("kid-{worker}-{i}")}),
                    &issuer,
                );
                statuses.push(status(&server, "/users", &t).await);
            }
            statuses
        }));
    }
    let mut answers = 0;
    for h in handles {
        for s in h.await.expect("worker") {
            assert_eq!(s, refused(401, "unknown_key"));
            answers += 1;
        }
    }
    assert_eq!(answers, 2000);
    // Known keys kept working meanwhile.
    assert_eq!(status(&server, "/users", &good).await, ok());
    let after = op.counts().await;
    assert!(
        after.1 - before.1 <= 1,
        "at most one JWKS fetch for the whole flood within one cooldown: {before:?} -> {after:?}"
    );

    // Without a cooldown, the refreshes are still single-flight: requests that arrive while
    // a fetch is in flight wait for that one instead of starting their own.
    let eager = build(discover(&op.issuer()).cooldown(Duration::ZERO), &clock);
    eager.load_keys().await.expect("keys");
    let server = Arc::new(serve_router(routes(&eager)).await);
    let before = op.counts().await.1;
    let mut handles = Vec::new();
    for worker in 0..50 {
        let server = server.clone();
        let issuer = op.issuer();
        handles.push(tokio::spawn(async move {
            for i in 0..10 {
                let kid = format!("eager-{worker}-{i}");
                let t = forge_rs256(&json!({"alg": "RS256", "kid": kid}), &issuer);
                assert_eq!(
                    status(&server, "/users", &t).await,
                    refused(401, "unknown_key")
                );
            }
        }));
    }
    for h in handles {
        h.await.expect("worker");
    }
    let fetches = op.counts().await.1 - before;
    assert!(
        (1..=100).contains(&fetches),
        "500 unknown-kid requests, 50 at a time, shared their fetches: {fetches}"
    );
    op.stop().await;
}

#[tokio::test]
async fn two_providers_are_two_issuers_and_an_unknown_issuer_costs_no_fetch() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("two");
    let a = OidcProvider::start(&dir.generate("a"), 0).await;
    let b = OidcProvider::start(&dir.generate("b"), 0).await;
    let clock = ManualClock::starting_now();
    let jwt = Jwt::builder()
        .identity_provider(discover(&a.issuer()))
        .identity_provider(discover(&b.issuer()).roles_claim("/groups"))
        .clock(clock.clone())
        .build()
        .expect("two providers");
    jwt.load_keys().await.expect("both load");
    let server = serve_router(routes(&jwt)).await;
    let from_a = a.token("admin", "admin").await;
    let from_b = b.token("admin", "admin").await;
    assert_eq!(status(&server, "/admin", &from_a).await, ok());
    assert_eq!(status(&server, "/admin", &from_b).await, ok());
    // Each issuer's claim shape: B reads roles at /groups, which its tokens lack.
    assert_eq!(status(&server, "/staff", &from_a).await, ok());
    assert_eq!(
        status(&server, "/staff", &from_b).await,
        refused(403, "role_not_allowed")
    );
    let counts = (a.counts().await, b.counts().await);
    clock.advance(Duration::from_secs(5));
    // A token naming an issuer nobody configured: 401 before any key lookup or fetch.
    let stranger = forge_rs256(
        &json!({"alg": "RS256", "kid": "x"}),
        "http://127.0.0.1:1/unknown",
    );
    for _ in 0..20 {
        assert_eq!(
            status(&server, "/admin", &stranger).await,
            refused(401, "wrong_issuer")
        );
    }
    assert_eq!((a.counts().await, b.counts().await), counts);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn forged_tokens_are_refused_and_header_urls_are_never_fetched() {
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("forged");
    let op = OidcProvider::start(&dir.generate("real"), 0).await;
    let clock = ManualClock::starting_now();
    let provider = discover(&op.issuer()).algorithms([Algorithm::RS256, Algorithm::ES256]);
    let jwt = build(provider, &clock);
    jwt.load_keys().await.expect("keys");
    let server = serve_router(routes(&jwt)).await;
    let iss = op.issuer();
    let jwks = op.jwks().await;
    let real_kid = jwks["keys"][0]["kid"].as_str().expect("kid").to_owned();

    // A listener that must never be contacted.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let probe_url = format!("http://{}/keys", probe.local_addr().expect("addr"));
    let contacted = Arc::new(AtomicUsize::new(0));
    let seen = contacted.clone();
    tokio::spawn(async move {
        while probe.accept().await.is_ok() {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let attacker = {
        let pem = fixture_bytes("rsa_public.pem");
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(&pem).expect("pem");
        let jwk =
            jsonwebtoken::jwk::Jwk::from_decoding_key(&key, Some(Algorithm::RS256)).expect("jwk");
        serde_json::to_value(jwk).expect("json")
    };
    // C2: key material or key URLs in the header, with the real kid or the attacker's own.
    for kid in [Value::from(real_kid.clone()), Value::from("attacker")] {
        for (param, value) in [
            ("jku", Value::from(probe_url.clone())),
            ("x5u", Value::from(probe_url.clone())),
            ("jwk", attacker.clone()),
            ("x5c", json!(["MIIB"])),
        ] {
            let mut header = json!({"alg": "RS256", "kid": kid});
            header[param] = value;
            let (code, reason) = status(&server, "/admin", &forge_rs256(&header, &iss)).await;
            assert_eq!(code, 401, "{param} with kid {kid}");
            assert!(
                reason == "bad_signature" || reason == "unknown_key",
                "{param}: {reason}"
            );
        }
    }
    // C3: a kid is an exact key, never a path or a query, never reflected.
    for kid in [
        "../../../../dev/null".to_owned(),
        "\" or \"1\"=\"1".to_owned(),
        "k\r\nX-Injected: 1".to_owned(),
        "x".repeat(10 * 1024),
    ] {
        let token = forge_rs256(&json!({"alg": "RS256", "kid": kid}), &iss);
        let reply = server.get_bearer("/admin", &token).await;
        assert_eq!(reply.status, 401, "{reply:?}");
        assert!(
            ["unknown_key", "token_too_large"].contains(&reply.reason()),
            "{reply:?}"
        );
        assert!(reply.headers.get("x-injected").is_none());
        assert!(
            !reply
                .www_authenticate
                .as_deref()
                .unwrap_or_default()
                .contains("dev/null")
        );
    }
    // J2: a kid that names the provider's RSA key, on an ES256 token (an accepted algorithm
    // that key may not verify).
    let ec = EncodingKey::from_ec_pem(&fixture_bytes("ec256_private.pem")).expect("ec pem");
    let now = now();
    let payload =
        json!({"iss": iss, "sub": "m", "aud": RESOURCE, "exp": now + 300, "scope": "admin"});
    let es = forge(
        &json!({"alg": "ES256", "kid": real_kid}).to_string(),
        &payload.to_string(),
        &ec,
        Algorithm::ES256,
    );
    assert_eq!(
        status(&server, "/admin", &es).await,
        refused(401, "unknown_key")
    );
    // B1, B2: none, and HS256 keyed with the provider's public key in every encoding a
    // confused verifier might use.
    let real = &jwks["keys"][0];
    let n = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        real["n"].as_str().expect("n"),
    )
    .expect("n");
    for secret in [
        real.to_string().into_bytes(),
        jwks.to_string().into_bytes(),
        n,
    ] {
        let hs = forge(
            &json!({"alg": "HS256", "kid": real_kid}).to_string(),
            &payload.to_string(),
            &EncodingKey::from_secret(&secret),
            Algorithm::HS256,
        );
        assert_eq!(
            status(&server, "/admin", &hs).await,
            refused(401, "wrong_algorithm")
        );
    }
    let none = format!(
        "{}.{}.",
        b64(json!({"alg": "none", "kid": real_kid}).to_string()),
        b64(payload.to_string())
    );
    assert_eq!(status(&server, "/admin", &none).await.0, 401);
    // The refresh endpoint's kind: a provider's access token is never a refresh token.
    let real_token = op.token("admin", "admin").await;
    assert_eq!(
        jwt.verify_refresh::<()>(&real_token).err(),
        Some(axum_jwt_guard::AuthError::WrongTokenType)
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        contacted.load(Ordering::SeqCst),
        0,
        "a header URL was fetched"
    );
    op.stop().await;
}

/// A hostile or broken "provider" (a listener of the test's own, since a real provider does
/// not misbehave on request): every bad answer is a clear `load_keys` error and a 503 for
/// guarded requests, never a 500, a hang or an unbounded read.
#[tokio::test]
async fn bad_provider_answers_fail_closed_with_a_clear_error() {
    use axum::response::IntoResponse;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    // A chunked body without a length that never ends (bounded at 50 MB by the writer).
    let endless = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endless_addr = endless.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = endless.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
                for _ in 0..800 {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let discovery = |name: &str, jwks_uri: String| {
        json!({"issuer": format!("{base}/{name}"), "jwks_uri": jwks_uri}).to_string()
    };
    let huge = vec![b' '; 50 * 1024 * 1024];
    let router = Router::new()
        .route(
            "/bad-json/.well-known/openid-configuration",
            get(|| async { "{not json" }),
        )
        .route(
            "/huge/.well-known/openid-configuration",
            get(move || async move { huge.clone().into_response() }),
        )
        .route(
            "/slow/.well-known/openid-configuration",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "{}"
            }),
        )
        .route("/other-issuer/.well-known/openid-configuration", {
            let body = json!({"issuer": "https://evil.example", "jwks_uri": format!("{base}/x")})
                .to_string();
            get(move || async move { body })
        })
        .route("/plain-http/.well-known/openid-configuration", {
            let body = discovery("plain-http", "http://idp.example.com/jwks".into());
            get(move || async move { body })
        })
        .route("/no-keys/.well-known/openid-configuration", {
            let body = discovery("no-keys", format!("{base}/no-keys/jwks"));
            get(move || async move { body })
        })
        .route(
            "/no-keys/jwks",
            get(|| async { r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"# }),
        )
        .route("/endless/.well-known/openid-configuration", {
            let body = discovery("endless", format!("http://{endless_addr}/jwks"));
            get(move || async move { body })
        });
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    for (name, expected) in [
        ("bad-json", "not a JSON object"),
        ("missing", "answered 404"),
        ("huge", "more than 262144 bytes"),
        ("slow", "timed out"),
        ("other-issuer", "names the issuer"),
        ("plain-http", "https only"),
        ("no-keys", "no usable signing key"),
        ("endless", "more than 262144 bytes"),
    ] {
        let issuer = format!("{base}/{name}");
        let clock = ManualClock::starting_now();
        // Only the slow provider meets the fetch timeout; the others get one long enough that
        // a busy machine (the suite runs in parallel on 2 cores) never turns their answer
        // into a timeout.
        let timeout = Duration::from_millis(if name == "slow" { 500 } else { 5000 });
        let jwt = build(discover(&issuer).fetch_timeout(timeout), &clock);
        let started = std::time::Instant::now();
        let error = jwt.load_keys().await.expect_err(name).to_string();
        assert!(error.contains(expected), "{name}: {error}");
        assert!(
            started.elapsed() < timeout + Duration::from_millis(2500),
            "{name}: bounded"
        );
        let server = serve_router(routes(&jwt)).await;
        let token = forge_rs256(&json!({"alg": "RS256", "kid": "k"}), &issuer);
        let reply = server.get_bearer("/users", &token).await;
        assert_eq!(
            (reply.status, reply.reason()),
            (503, "keys_unavailable"),
            "{name}"
        );
        assert_eq!(status(&server, "/health", "").await.0, 200);
    }

    // A request waits for the refresh it needs at most `refresh_wait`, however long the
    // provider takes (here 10 s, within a 5 s fetch timeout).
    let issuer = format!("{base}/slow");
    let jwt = build(
        discover(&issuer).refresh_wait(Duration::from_millis(300)),
        &ManualClock::starting_now(),
    );
    let server = serve_router(routes(&jwt)).await;
    let token = forge_rs256(&json!({"alg": "RS256", "kid": "k"}), &issuer);
    let started = std::time::Instant::now();
    let reply = server.get_bearer("/users", &token).await;
    assert_eq!((reply.status, reply.reason()), (503, "keys_unavailable"));
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the request waited {:?}",
        started.elapsed()
    );
}

/// A provider in the test process (the testing kit's `TestIssuer`, signing with the
/// fixture's RS256 key `rsa-sig`): the claim-shape rules, with tokens its own key signs.
mod shape {
    use super::*;
    use axum_jwt_guard::testing::{TestIssuer, TestKey, TokenMint};

    const ISSUER: &str = "https://idp.test";

    /// The settings checks below read the fixture's JWKS file.
    fn provider() -> IdentityProvider {
        IdentityProvider::jwks_file(fixture("jwks.json"))
            .issuer(ISSUER)
            .audience(RESOURCE)
            .roles_claim("/realm_access/roles")
    }

    fn rsa_key() -> TestKey {
        TestKey::from_pem(Algorithm::RS256, fixture_bytes("rsa_private.pem"))
            .expect("pem")
            .kid("rsa-sig")
    }

    fn issuer() -> TestIssuer {
        TestIssuer::with_key(ISSUER, RESOURCE, rsa_key())
    }

    fn jwt_of(idp: &TestIssuer) -> Jwt {
        Jwt::builder()
            .identity_provider(idp.provider().roles_claim("/realm_access/roles"))
            .build()
            .expect("builds")
    }

    /// An RFC 9068 access token of `idp` (`typ: at+jwt`, `kid`), for two audiences, with the
    /// scope `user:read`.
    fn access(idp: &TestIssuer) -> TokenMint {
        idp.token("svc")
            .claim("aud", [RESOURCE, "other"])
            .claim("scope", "user:read")
    }

    fn sign(mint: TokenMint) -> String {
        mint.sign().expect("signs")
    }

    #[jwt_required]
    async fn public_claims(token: Token) -> axum::Json<Value> {
        axum::Json(Value::Object(token.public_claims().clone()))
    }

    /// Claims that are ours only in our own tokens (`csrf`) are a provider's public claims,
    /// whatever their type.
    #[tokio::test]
    async fn a_provider_claim_named_like_one_of_ours_is_public() {
        let idp = issuer();
        let jwt = jwt_of(&idp);
        let router = Router::new()
            .route("/public", axum::routing::get(public_claims))
            .layer(jwt.layer());
        let server = serve_router(router).await;
        let token = sign(access(&idp).claim("csrf", 7).claim("tenant", "acme"));
        let r = server.get_bearer("/public", &token).await;
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(
            (&r.body["csrf"], &r.body["tenant"]),
            (&json!(7), &json!("acme"))
        );
    }

    #[tokio::test]
    async fn id_tokens_audiences_and_the_at_jwt_type() {
        let idp = issuer();
        let jwt = jwt_of(&idp);
        let server = serve_router(routes(&jwt)).await;
        let plain = || access(&idp).header("typ", "JWT");
        // aud as an array holding ours; no type claim, no jti.
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).without_claim("jti"))).await,
            ok()
        );
        assert_eq!(status(&server, "/users", &sign(plain())).await, ok());
        // J6: an ID token (typ JWT with nonce or at_hash) is not an access token.
        for (claim, value) in [("nonce", "n"), ("at_hash", "h")] {
            assert_eq!(
                status(&server, "/users", &sign(plain().claim(claim, value))).await,
                refused(401, "wrong_token_type")
            );
        }
        // D7: aud is required and must hold ours.
        for aud in [
            json!(null),
            json!("other"),
            json!([]),
            json!(["https://api.test/"]),
        ] {
            let token = sign(access(&idp).claim("aud", &aud));
            let (code, _) = status(&server, "/users", &token).await;
            assert_eq!(code, 401, "{aud}");
        }
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).without_claim("aud"))).await,
            refused(401, "wrong_audience")
        );
        // A refresh-typed header is never an access token.
        let refresh = access(&idp).header("typ", "refresh+jwt");
        assert_eq!(
            status(&server, "/users", &sign(refresh)).await,
            refused(401, "wrong_token_type")
        );
        // A roles claim of the wrong shape is a claim error, not an empty list.
        let bad_roles = access(&idp).claim("realm_access", json!({"roles": "x"}));
        assert_eq!(status(&server, "/staff", &sign(bad_roles)).await.0, 403);
        let bad_roles = access(&idp).claim("realm_access", json!({"roles": [1]}));
        assert_eq!(
            status(&server, "/staff", &sign(bad_roles)).await,
            refused(401, "invalid_claims")
        );
        // Expired and not yet valid, past the default leeway.
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).expired())).await,
            refused(401, "expired")
        );
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).not_yet_valid())).await,
            refused(401, "not_yet_valid")
        );

        // With the RFC 9068 type required, a plain JWT typ is refused.
        let strict = Jwt::builder()
            .identity_provider(idp.provider().require_access_token_type(true))
            .build()
            .expect("builds");
        let server = serve_router(routes(&strict)).await;
        assert_eq!(
            status(&server, "/users", &sign(plain())).await,
            refused(401, "wrong_token_type")
        );
        assert_eq!(status(&server, "/users", &sign(access(&idp))).await, ok());
    }

    /// A provider's own claims, read typed.
    #[derive(axum_jwt_guard::PrivateClaims)]
    struct ClientClaims {
        client_id: String,
        tenant: Option<u32>,
    }

    #[jwt_required]
    async fn client(token: Token<ClientClaims>) -> axum::Json<Value> {
        let c = token.private_claims();
        axum::Json(json!({"client_id": c.client_id, "tenant": c.tenant}))
    }

    #[tokio::test]
    async fn typed_claims_read_the_provider_s_own_claims() {
        // Our private claim prefix does not apply to a provider's claims.
        let idp = issuer();
        let jwt = Jwt::builder()
            .private_claim_prefix("app")
            .identity_provider(idp.provider())
            .build()
            .expect("builds");
        let router = Router::new()
            .route("/client", get(client))
            .layer(jwt.layer());
        let server = serve_router(router).await;
        let token = sign(access(&idp).claim("client_id", "shop").claim("tenant", 7));
        let reply = server.get_bearer("/client", &token).await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(reply.body, json!({"client_id": "shop", "tenant": 7}));
        let missing = sign(access(&idp).claim("tenant", 7));
        assert_eq!(
            status(&server, "/client", &missing).await,
            refused(401, "invalid_private_claims")
        );
    }

    #[tokio::test]
    async fn a_token_without_jti_is_revoked_by_the_digest_of_its_payload() {
        let idp = issuer();
        let jwt = jwt_of(&idp);
        let server = serve_router(routes(&jwt)).await;
        let mint = access(&idp).without_claim("jti");
        let token = sign(mint.clone());
        assert_eq!(status(&server, "/users", &token).await, ok());
        let verified = jwt.verify_access::<()>(&token).expect("valid");
        assert!(verified.jti().starts_with('#'));
        jwt.revoke(&verified).await.expect("revoked");
        assert_eq!(
            status(&server, "/users", &token).await,
            refused(401, "revoked")
        );
        // F3: the same payload re-encoded with another header is still revoked; another
        // payload is not.
        let same_payload = sign(mint.clone().header("x", 1));
        assert_ne!(same_payload, token);
        assert_eq!(
            status(&server, "/users", &same_payload).await,
            refused(401, "revoked")
        );
        let other = sign(mint.claim("sub", "svc2"));
        assert_eq!(status(&server, "/users", &other).await, ok());
    }

    /// With a fixed key set, an unknown `kid` is final; a token naming another issuer is
    /// refused for its issuer, as with fetched keys (where it must not start a fetch).
    #[tokio::test]
    async fn an_unknown_kid_in_a_fixed_set() {
        let idp = issuer();
        // Two RS256 keys published: the fixture's second key signs from now on.
        let second =
            TestKey::from_pem(Algorithm::RS256, fixture_bytes("rsa2_private.pem")).expect("pem");
        idp.rotate_to(second);
        let jwt = jwt_of(&idp);
        let server = serve_router(routes(&jwt)).await;
        assert_eq!(status(&server, "/users", &sign(access(&idp))).await, ok());
        let old = access(&idp).signed_with(rsa_key());
        assert_eq!(status(&server, "/users", &sign(old)).await, ok());
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).kid("nope"))).await,
            refused(401, "unknown_key")
        );
        let elsewhere = access(&idp).kid("nope").issuer("https://elsewhere.test");
        assert_eq!(
            status(&server, "/users", &sign(elsewhere)).await,
            refused(401, "wrong_issuer")
        );
        // Without a kid, two keys fit RS256: never try both.
        assert_eq!(
            status(&server, "/users", &sign(access(&idp).without_header("kid"))).await,
            refused(401, "unknown_key")
        );
        // Signed by a key the issuer never published, under a published kid.
        let kid = idp
            .current_key()
            .key_id()
            .map(str::to_owned)
            .unwrap_or_default();
        let forged = access(&idp)
            .signed_with(
                TestKey::from_pem(Algorithm::RS256, fixture_bytes("rsa_private.pem")).expect("pem"),
            )
            .kid(kid);
        assert_eq!(
            status(&server, "/users", &sign(forged)).await,
            refused(401, "bad_signature")
        );
    }

    /// A provider's `jti` that looks like one of our login ids (`family.unique`) names no
    /// login of ours: the token passes, and revoking it revokes that token alone.
    #[tokio::test]
    async fn a_provider_jti_with_dots_is_not_a_login_of_ours() {
        let idp = issuer();
        let jwt = jwt_of(&idp);
        let server = serve_router(routes(&jwt)).await;
        let first = sign(access(&idp).claim("jti", "fam.one"));
        let second = sign(access(&idp).claim("jti", "fam.two"));
        assert_eq!(status(&server, "/users", &first).await, ok());
        assert_eq!(status(&server, "/users", &second).await, ok());
        let verified = jwt.verify_access::<()>(&first).expect("valid");
        jwt.revoke_login(&verified).await.expect("revoked");
        assert_eq!(
            status(&server, "/users", &first).await,
            refused(401, "revoked")
        );
        assert_eq!(status(&server, "/users", &second).await, ok());
    }

    #[tokio::test]
    async fn own_tokens_and_a_provider_s_on_one_service() {
        let idp = issuer();
        let jwt = Jwt::builder()
            .secret(SECRET)
            .identity_provider(idp.provider())
            .build()
            .expect("builds");
        let server = serve_router(routes(&jwt)).await;
        let ours = jwt
            .access_token("alice")
            .scopes(["user:read"])
            .sign()
            .expect("signs");
        assert_eq!(status(&server, "/users", &ours).await, ok());
        assert_eq!(status(&server, "/users", &sign(access(&idp))).await, ok());
        // A provider-shaped token naming no known issuer is checked as ours: refused.
        let foreign = sign(access(&idp).issuer("https://elsewhere.test"));
        assert_eq!(status(&server, "/users", &foreign).await.0, 401);
    }

    /// The testing kit's issuer served in the test process: discovery, a rotation seen
    /// through a fetch, and a retired key refused once the keys are fetched again.
    #[tokio::test]
    async fn a_served_test_issuer_rotates_its_keys() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("addr");
        let clock = ManualClock::starting_now();
        let idp = TestIssuer::new(format!("http://{addr}"), RESOURCE)
            .expect("key")
            .clock(&clock);
        let served = serve_on(listener, idp.router());
        let jwt = build(
            discover(idp.issuer()).algorithms([Algorithm::EdDSA]),
            &clock,
        );
        let server = serve_router(routes(&jwt)).await;
        let first = sign(access(&idp));
        assert_eq!(status(&server, "/users", &first).await, ok());

        idp.rotate_to(TestKey::generate().expect("key"));
        let second = sign(access(&idp));
        clock.advance(Duration::from_secs(2)); // past the 1 s cooldown
        assert_eq!(status(&server, "/users", &second).await, ok());
        assert_eq!(status(&server, "/users", &first).await, ok());

        idp.retire_previous_keys();
        clock.advance(Duration::from_secs(2));
        let stranger = sign(access(&idp).kid("stranger"));
        assert_eq!(
            status(&server, "/users", &stranger).await,
            refused(401, "unknown_key")
        );
        assert_eq!(
            status(&server, "/users", &first).await,
            refused(401, "unknown_key")
        );
        assert_eq!(status(&server, "/users", &second).await, ok());
        served.abort();
    }

    #[test]
    fn provider_settings_are_checked_at_build() {
        let err = |p: IdentityProvider| {
            Jwt::builder()
                .identity_provider(p)
                .build()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err(IdentityProvider::jwks_file(fixture("jwks.json"))).contains("audience"));
        assert!(err(provider().algorithms([Algorithm::HS256])).contains("public keys only"));
        assert!(err(provider().algorithms([])).contains("algorithm"));
        assert!(err(IdentityProvider::jwks("{}").audience("a")).contains("JWKS"));
        assert!(err(provider().cooldown(Duration::from_secs(600))).contains("cooldown <= max_age"));
        // One source may leave out its issuer (it takes the tokens no other source names);
        // two may not.
        let unnamed = || IdentityProvider::jwks_file(fixture("jwks.json")).audience("a");
        let one = Jwt::builder()
            .identity_provider(unnamed())
            .identity_provider(provider())
            .build();
        assert!(one.is_ok(), "{:?}", one.err());
        let two = Jwt::builder()
            .identity_provider(unnamed())
            .identity_provider(unnamed())
            .build();
        assert!(two.err().is_some_and(|e| e.to_string().contains("issuer")));
        let same = Jwt::builder()
            .identity_provider(provider())
            .identity_provider(provider())
            .build();
        assert!(
            same.err()
                .is_some_and(|e| e.to_string().contains("share one issuer"))
        );
        let insecure = Jwt::builder()
            .identity_provider(IdentityProvider::discover("http://idp.example.com").audience("a"))
            .build();
        assert!(
            insecure
                .err()
                .is_some_and(|e| e.to_string().contains("https only"))
        );
        // Minting needs a key of our own.
        let verify_only = Jwt::builder()
            .identity_provider(provider())
            .build()
            .expect("builds");
        assert!(verify_only.access_token("a").sign().is_err());
    }
}
