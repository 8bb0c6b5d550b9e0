//! End to end: the compiled quickstart example, started as a child process on a free port,
//! walked through its HTTP contract (DESIGN.md) with a real client.

mod common;

use std::process::{Child, Command};

use common::{Server, example_binary, spawn_example};
use serde_json::json;

struct Quickstart {
    child: Child,
    server: Server,
}

impl Drop for Quickstart {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binary() -> std::path::PathBuf {
    example_binary("quickstart")
}

async fn start(env: &[(&str, &str)]) -> Quickstart {
    let (child, addr) = spawn_example("quickstart", env);
    Quickstart {
        child,
        server: Server {
            base: format!("http://{addr}"),
            addr,
        },
    }
}

async fn login(s: &Server, user: &str, password: &str) -> (String, String) {
    let r = s
        .post_json(
            "/auth",
            &[],
            &json!({"username": user, "password": password}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    (
        r.body["access_token"].as_str().expect("access").to_owned(),
        r.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

#[tokio::test]
async fn quickstart_serves_its_contract() {
    let q = start(&[]).await;
    let s = &q.server;
    let r = s.get_with("/health", &[]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"status": "ok"})));

    let r = s
        .post_json(
            "/auth",
            &[],
            &json!({"username": "alice", "password": "nope"}),
        )
        .await;
    assert_eq!(r.status, 401);
    let (alice, _) = login(s, "alice", "alice-password").await;
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

    // Scopes and roles: alice has user:read and role USER; admin has admin, user:read:write.
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

    // A login token is fresh.
    let r = s
        .request(
            "POST",
            "/account/password",
            &[("authorization", &format!("Bearer {alice}"))],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");

    // The echo body is only read for an accepted token.
    let r = s
        .post_json(
            "/echo",
            &[("authorization", &format!("Bearer {alice}"))],
            &json!({"x": 1}),
        )
        .await;
    assert_eq!(r.body, json!({"identity": "alice", "body": {"x": 1}}));
    let r = s.post_json("/echo", &[], &json!({"x": 1})).await;
    assert_eq!(r.status, 401);

    let r = s.get_with("/greeting", &[]).await;
    assert_eq!(r.body, json!({"greeting": "hello, anonymous"}));
    let r = s.get_bearer("/greeting", &alice).await;
    assert_eq!(r.body, json!({"greeting": "hello, alice"}));
    let r = s.get_bearer("/greeting", "not.a.token").await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn quickstart_reads_its_configuration_from_the_environment() {
    let fixtures = format!("{}/tests/fixtures", env!("CARGO_MANIFEST_DIR"));
    let private = format!("{fixtures}/ec256_private.pem");
    let public = format!("{fixtures}/ec256_public.pem");
    let q = start(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PRIVATE_KEY_FILE", &private),
        ("JWT_PUBLIC_KEY_FILE", &public),
        ("JWT_ISSUER", "https://quickstart.test"),
        ("JWT_PRIVATE_CLAIM_PREFIX", "qs"),
    ])
    .await;
    let (alice, _) = login(&q.server, "alice", "alice-password").await;
    let header = alice.split('.').next().expect("header");
    let header = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, header)
        .expect("base64");
    assert!(String::from_utf8_lossy(&header).contains("\"ES256\""));
    let payload = alice.split('.').nth(1).expect("payload");
    let payload =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .expect("base64");
    let claims: serde_json::Value = serde_json::from_slice(&payload).expect("json");
    assert_eq!(claims["iss"], "https://quickstart.test");
    assert_eq!(claims["qs_user_id"], 1);
    let r = q.server.get_bearer("/protected", &alice).await;
    assert_eq!(r.status, 200, "{r:?}");

    // A bad configuration fails at start with a message naming the variable.
    let out = Command::new(binary())
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
