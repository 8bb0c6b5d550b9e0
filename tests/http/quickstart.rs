//! End to end: the compiled quickstart example, started as a child process on a free port,
//! walked through its HTTP contract (the README's) with a real client.

use std::process::Command;

use crate::common::{Example, Server, example_binary, spawn_example};
use serde_json::json;

async fn login(s: &Server, user: &str, password: &str) -> (String, String) {
    s.token_pair("/auth", &json!({"username": user, "password": password}))
        .await
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// The whole contract, on a quickstart configured by `env`.
async fn walk(q: &Example) {
    let s = &q.server();
    let r = s.get_with("/health", &[]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"status": "ok"})));

    for (user, password) in [("alice", "nope"), ("nobody", "nope")] {
        let r = s
            .post_json(
                "/auth",
                &[],
                &json!({"username": user, "password": password}),
            )
            .await;
        assert_eq!((r.status, r.reason()), (401, "authentication_failed"));
    }
    let (alice, alice_refresh) = login(s, "alice", "alice-password").await;
    let (admin, _) = login(s, "admin", "admin-password").await;

    let r = s.get_bearer("/protected", &alice).await;
    assert_eq!(
        r.body,
        json!({"identity": "alice", "role": "USER",
               "private_claims": {"user_id": 1, "permission_level": 1}})
    );
    let r = s.get_with("/protected", &[]).await;
    assert_eq!(
        (r.status, r.www_authenticate.as_deref()),
        (401, Some("Bearer"))
    );

    // alice: role USER, scope user:read. admin: role ADMIN, scopes admin, user:read:write.
    for (path, token, status) in [
        ("/admin", &alice, 403),
        ("/admin", &admin, 200),
        ("/users", &alice, 200),
        ("/users", &admin, 200),
        ("/staff", &alice, 403),
        ("/staff", &admin, 200),
        ("/auth/verify", &alice, 200),
        ("/auth/me", &admin, 200),
    ] {
        let r = s.get_bearer(path, token).await;
        assert_eq!(r.status, status, "{path}: {r:?}");
    }
    let r = s.get_bearer("/admin", &alice).await;
    assert_eq!(
        r.www_authenticate.as_deref(),
        Some(
            "Bearer error=\"insufficient_scope\", error_description=\"The token lacks the required scope\", scope=\"admin\""
        )
    );
    let r = s.get_bearer("/auth/me", &admin).await;
    assert_eq!(r.body["me"]["permission_level"], 9);
    assert_eq!(r.body["me"]["username"], "admin");

    // A login token is fresh.
    let r = s
        .request(
            "POST",
            "/account/password",
            &[("authorization", &bearer(&alice))],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // The echo body is only read for an accepted token.
    let r = s
        .post_json(
            "/echo",
            &[("authorization", &bearer(&alice))],
            &json!({"x": 1}),
        )
        .await;
    assert_eq!(r.body, json!({"identity": "alice", "body": {"x": 1}}));
    assert_eq!(
        s.post_json("/echo", &[], &json!({"x": 1})).await.status,
        401
    );

    let r = s.get_with("/greeting", &[]).await;
    assert_eq!(r.body, json!({"greeting": "hello, anonymous"}));
    let r = s.get_bearer("/greeting", &alice).await;
    assert_eq!(r.body, json!({"greeting": "hello, alice"}));
    assert_eq!(s.get_bearer("/greeting", "not.a.token").await.status, 401);

    // Refresh: a new, non-fresh access token; the old refresh token is spent.
    let r = s
        .request(
            "POST",
            "/auth/refresh",
            &[("authorization", &bearer(&alice_refresh))],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let refreshed = r.body["access_token"].as_str().expect("access").to_owned();
    let new_refresh = r.body["refresh_token"]
        .as_str()
        .expect("refresh")
        .to_owned();
    let r = s
        .request(
            "POST",
            "/account/password",
            &[("authorization", &bearer(&refreshed))],
            None,
        )
        .await;
    assert_eq!((r.status, r.reason()), (401, "not_fresh"));
    assert_eq!(s.get_bearer("/protected", &refreshed).await.status, 200);

    // Logout, then reuse: refused.
    let r = s
        .post_json(
            "/auth/logout",
            &[("authorization", &bearer(&refreshed))],
            &json!({"refresh_token": new_refresh}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    s.get_bearer("/protected", &refreshed)
        .await
        .assert_invalid_token("revoked");
    let r = s
        .post_json("/auth/refresh", &[], &json!({"refresh_token": new_refresh}))
        .await;
    assert_eq!(r.status, 401);
    // The admin session is untouched.
    assert_eq!(s.get_bearer("/admin", &admin).await.status, 200);

    // One log line per request, with the rejection reason, and never a token.
    let lines = q.lines();
    assert!(
        lines.iter().any(|l| l.contains("path=\"/admin\"")
            && l.contains("status=403")
            && l.contains("reason=\"insufficient_scope\"")),
        "{lines:#?}"
    );
    for token in [&alice, &admin, &refreshed] {
        let signature = token.rsplit('.').next().expect("signature");
        assert!(
            !lines.iter().any(|l| l.contains(signature)),
            "a token was logged"
        );
    }
}

#[tokio::test]
async fn quickstart_serves_its_contract() {
    let q = spawn_example("quickstart", &[]);
    walk(&q).await;
    // Under RUST_LOG=info, each refusal is one line of the library's own, without the token.
    let s = q.server();
    let (alice, _) = login(&s, "alice", "alice-password").await;
    assert_eq!(s.get_bearer("/admin", &alice).await.status, 403);
    let logged = |lines: &[String]| {
        lines.iter().any(|l| {
            l.contains("axum_jwt_guard: request refused")
                && l.contains(r#"reason="insufficient_scope""#)
                && l.contains(r#"route="/admin""#)
                && l.contains(r#"identity="alice""#)
        })
    };
    // The line is read from the process's stdout by another thread: wait for it, boundedly.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut lines = q.lines();
    while !logged(&lines) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        lines = q.lines();
    }
    assert!(logged(&lines), "{lines:#?}");
    let signature = alice.rsplit('.').next().expect("signature");
    assert!(lines.iter().all(|l| !l.contains(signature)), "{lines:#?}");
}

/// `GET /openapi.json`: each route's requirement from its attribute, valid OpenAPI 3.1.
#[tokio::test]
async fn quickstart_serves_its_openapi_document() {
    let q = spawn_example("quickstart", &[]);
    let doc = q.server().get_with("/openapi.json", &[]).await;
    assert_eq!(doc.status, 200);
    let doc = doc.body;
    let security = |path: &str, method: &str| doc["paths"][path][method].get("security").cloned();
    assert_eq!(
        security("/users", "get"),
        Some(json!([{"jwt": ["user:read"]}]))
    );
    assert_eq!(security("/admin", "get"), Some(json!([{"jwt": ["admin"]}])));
    assert_eq!(security("/health", "get"), None);
    assert_eq!(security("/protected", "get"), Some(json!([{"jwt": []}])));
    assert_eq!(security("/echo", "post"), Some(json!([{"jwt": []}])));
    assert_eq!(security("/greeting", "get"), Some(json!([{}, {"jwt": []}])));
    assert_eq!(
        doc["paths"]["/staff"]["get"]["x-jwt-requirement"],
        json!({"allow_roles": ["ADMIN"]})
    );
    assert_eq!(
        doc["paths"]["/account/password"]["post"]["x-jwt-requirement"],
        json!({"fresh": true})
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["jwt"]["scheme"],
        "bearer"
    );
    crate::common::assert_valid_openapi(&doc);
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn quickstart_serves_its_contract_with_redis_revocation() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let q = spawn_example("quickstart", &[("REDIS_URL", &url)]);
    walk(&q).await;
}

#[tokio::test]
async fn quickstart_reads_its_configuration_from_the_environment() {
    let fixtures = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let private = format!("{fixtures}/ec256_private.pem");
    let public = format!("{fixtures}/ec256_public.pem");
    let q = spawn_example(
        "quickstart",
        &[
            ("JWT_ALGORITHM", "ES256"),
            ("JWT_PRIVATE_KEY_FILE", &private),
            ("JWT_PUBLIC_KEY_FILE", &public),
            ("JWT_ISSUER", "https://quickstart.test"),
            ("JWT_PRIVATE_CLAIM_PREFIX", "qs"),
        ],
    );
    let s = q.server();
    let (alice, _) = login(&s, "alice", "alice-password").await;
    let decode = |part: &str| {
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, part)
            .expect("base64")
    };
    let header = decode(alice.split('.').next().expect("header"));
    assert!(String::from_utf8_lossy(&header).contains("\"ES256\""));
    let claims: serde_json::Value =
        serde_json::from_slice(&decode(alice.split('.').nth(1).expect("payload"))).expect("json");
    assert_eq!(claims["iss"], "https://quickstart.test");
    assert_eq!(claims["qs_user_id"], 1);
    let r = s.get_bearer("/protected", &alice).await;
    assert_eq!(r.status, 200, "{r:?}");

    // A bad configuration fails at start with a message naming the variable.
    let out = Command::new(example_binary("quickstart"))
        .env_clear()
        .env("BIND", "127.0.0.1:0")
        .env("JWT_ACCESS_TTL_SECS", "soon")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("JWT_ACCESS_TTL_SECS"), "{all}");
}

/// The quickstart as a resource server behind a real OpenID provider, configured from the
/// environment alone: discovery at start, the provider's tokens through the same guards,
/// no `/auth` routes.
#[tokio::test]
async fn quickstart_is_a_resource_server_behind_an_openid_provider() {
    use crate::common::{KeyDir, OidcProvider, RESOURCE, oidc_available};
    if !oidc_available() {
        return;
    }
    let dir = KeyDir::new("quickstart");
    let op = OidcProvider::start(&dir.generate("qs"), 0).await;
    let issuer = op.issuer();
    let q = spawn_example(
        "quickstart",
        &[
            ("JWT_OIDC_ISSUER", &issuer),
            ("JWT_AUDIENCE", RESOURCE),
            ("JWT_ROLES_CLAIM", "/realm_access/roles"),
        ],
    );
    let s = q.server();
    let reader = op.token("reader", "user:read orders:read").await;
    let admin = op.token("admin", "admin user:read").await;

    let reply = s.get_bearer("/protected", &reader).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body["identity"], "reader");
    assert_eq!(
        reply.body["scopes"],
        serde_json::json!(["user:read", "orders:read"])
    );
    assert_eq!(reply.body["roles"], serde_json::json!(["USER"]));
    assert_eq!(reply.body["issuer"], issuer.as_str());
    assert_eq!(s.get_bearer("/users", &reader).await.status, 200);
    let reply = s.get_bearer("/admin", &reader).await;
    assert_eq!((reply.status, reply.reason()), (403, "insufficient_scope"));
    assert_eq!(s.get_bearer("/admin", &admin).await.status, 200);
    assert_eq!(s.get_bearer("/staff", &admin).await.status, 200);
    let reply = s.get_bearer("/staff", &reader).await;
    assert_eq!((reply.status, reply.reason()), (403, "role_not_allowed"));
    let reply = s.get_with("/protected", &[]).await;
    assert_eq!((reply.status, reply.reason()), (401, "missing_token"));
    for path in ["/auth", "/auth/refresh", "/auth/verify", "/auth/me"] {
        assert_eq!(s.get_with(path, &[]).await.status, 404, "{path}");
    }
    assert!(
        q.lines()
            .iter()
            .any(|l| l.contains("identity provider keys loaded")),
        "discovery at start"
    );
    assert_eq!(op.counts().await, (1, 1));
    // Its OpenAPI document offers the provider's OpenID Connect scheme next to the bearer one.
    let doc = s.get_with("/openapi.json", &[]).await.body;
    assert_eq!(
        doc["components"]["securitySchemes"]["oidc"],
        serde_json::json!({"type": "openIdConnect",
            "openIdConnectUrl": format!("{issuer}/.well-known/openid-configuration")})
    );
    assert_eq!(
        doc["paths"]["/users"]["get"]["security"],
        serde_json::json!([{"jwt": ["user:read"]}, {"oidc": ["user:read"]}])
    );
    assert!(doc["paths"].get("/account/password").is_none());
    crate::common::assert_valid_openapi(&doc);
    drop(q);
    op.stop().await;
}
