//! The focused examples run and do what their docs say (the quickstart and the cookie page
//! have their own tests).

use crate::common::spawn_example;
use serde_json::json;

#[tokio::test]
async fn router_layer_protects_nested_routers_without_macros() {
    let e = spawn_example("router_layer", &[]);
    let s = e.server();
    let token = |role: &'static str, scopes: &'static [&'static str]| {
        let s = &s;
        async move {
            let r = s
                .post_json(
                    "/token",
                    &[],
                    &json!({"identity": "bob", "role": role, "scopes": scopes}),
                )
                .await;
            r.body["access_token"].as_str().expect("token").to_owned()
        }
    };
    let admin = token("ADMIN", &["admin"]).await;
    let analyst = token("ANALYST", &["reports"]).await;
    let r = s.get_bearer("/admin/users", &admin).await;
    assert_eq!(
        r.body,
        json!({"users": ["alice", "admin"], "asked_by": "bob"})
    );
    let r = s.get_bearer("/admin/users", &analyst).await;
    assert_eq!((r.status, r.reason()), (403, "insufficient_scope"));
    let r = s
        .request(
            "POST",
            "/admin/users/delete",
            &[("authorization", &format!("Bearer {analyst}"))],
            None,
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(s.get_bearer("/reports/daily", &analyst).await.status, 200);
    let r = s
        .get_bearer("/reports/daily", &token("USER", &[]).await)
        .await;
    assert_eq!((r.status, r.reason()), (403, "role_not_allowed"));
    assert_eq!(s.get_with("/admin/users", &[]).await.status, 401);
}

#[tokio::test]
async fn rsa_keys_signs_and_verifies_rs256() {
    let e = spawn_example("rsa_keys", &[]);
    let s = e.server();
    let r = s.request("POST", "/token", &[], None).await;
    let token = r.body["access_token"].as_str().expect("token").to_owned();
    let header = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        token.split('.').next().expect("header"),
    )
    .expect("base64");
    assert!(String::from_utf8_lossy(&header).contains("\"RS256\""));
    let r = s.get_bearer("/protected", &token).await;
    assert_eq!(r.body, json!({"identity": "alice", "role": "USER"}));
    assert!(
        e.lines()
            .iter()
            .any(|l| l.contains("verify-only handle accepts")),
        "{:#?}",
        e.lines()
    );
}

#[cfg(feature = "redis")]
#[test]
fn redis_revocation_example_checks_every_step() {
    let Some(url) = crate::common::redis_url() else {
        return;
    };
    let out = std::process::Command::new(crate::common::example_binary("redis_revocation"))
        .env("REDIS_URL", url)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("ok   ").count(), 5, "{stdout}");
}
