//! The built-in endpoints over HTTP: login, verify, me, refresh (body and header), logout,
//! payload hooks, custom claims, and every failure.

use crate::common::*;
use axum::Router;
use axum::routing::get;
use axum_jwt_guard::{
    AuthError, Authenticator, CustomClaim, Jwt, JwtBuilder, Payload, PrivateClaims, Token,
    jwt_required, scoped,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

struct User {
    name: &'static str,
    role: &'static str,
    scopes: &'static [&'static str],
    user_id: u64,
}

#[derive(Serialize)]
struct UserView {
    username: String,
    user_id: u64,
}

#[derive(PrivateClaims)]
struct Profile {
    user_id: u64,
}

struct Users;

const USERS: [(&str, &str, User); 2] = [
    (
        "alice",
        "alice-password",
        User {
            name: "alice",
            role: "USER",
            scopes: &["user:read"],
            user_id: 1,
        },
    ),
    (
        "admin",
        "admin-password",
        User {
            name: "admin",
            role: "ADMIN",
            scopes: &["admin"],
            user_id: 2,
        },
    ),
];

impl Authenticator for Users {
    type Credentials = Credentials;
    type User = &'static User;
    type UserView = UserView;
    type Claims = Profile;

    async fn authenticate(&self, c: Credentials) -> Result<&'static User, AuthError> {
        USERS
            .iter()
            .find(|(name, password, _)| *name == c.username && *password == c.password)
            .map(|(_, _, user)| user)
            .ok_or(AuthError::AuthenticationFailed)
    }

    fn identity(&self, user: &&'static User) -> String {
        user.name.to_owned()
    }

    fn scopes(&self, user: &&'static User) -> Vec<String> {
        user.scopes.iter().map(|s| s.to_string()).collect()
    }

    fn role(&self, user: &&'static User) -> Option<String> {
        Some(user.role.to_owned())
    }

    fn extend_payload(&self, user: &&'static User, payload: &mut Payload<'_>) {
        payload
            .private_claims(&Profile {
                user_id: user.user_id,
            })
            .public_claim("tenant", "acme");
    }

    async fn retrieve_user(&self, token: &Token<Profile>) -> Option<UserView> {
        Some(UserView {
            username: token.identity().to_owned(),
            user_id: token.private_claims().user_id,
        })
    }
}

/// sanic-jwt's `Claim`: the token is bound to a deployment.
struct Deployment(&'static str);

impl CustomClaim for Deployment {
    fn key(&self) -> &str {
        "deployment"
    }
    fn setup(&self, _identity: &str) -> Value {
        json!(self.0)
    }
    fn verify(&self, value: Option<&Value>) -> bool {
        value == Some(&json!(self.0))
    }
}

use axum::Json;

#[jwt_required]
async fn protected(token: Token<Profile>) -> Json<Value> {
    Json(json!({
        "identity": token.identity(),
        "user_id": token.private_claims().user_id,
        "tenant": token.public_claims().get("tenant"),
    }))
}

#[scoped("admin")]
async fn admin() -> &'static str {
    "admin"
}

fn builder() -> JwtBuilder {
    Jwt::builder()
        .secret(SECRET)
        .private_claim_prefix("app")
        .custom_claim(Deployment("eu-1"))
}

async fn start_with(b: JwtBuilder) -> (Jwt, Server) {
    let jwt = b.build().expect("config");
    let app = Router::new()
        .route("/protected", get(protected))
        .route("/admin", get(admin))
        .layer(jwt.layer())
        .merge(jwt.auth_routes(Users));
    let s = serve_router(app).await;
    (jwt, s)
}

async fn start() -> (Jwt, Server) {
    start_with(builder()).await
}

async fn login(s: &Server, user: &str, password: &str) -> Reply {
    s.post_json(
        "/auth",
        &[],
        &json!({"username": user, "password": password}),
    )
    .await
}

fn tokens(r: &Reply) -> (String, String) {
    (
        r.body["access_token"].as_str().expect("access").to_owned(),
        r.body["refresh_token"]
            .as_str()
            .expect("refresh")
            .to_owned(),
    )
}

#[tokio::test]
async fn login_issues_tokens_with_the_hooks_applied() {
    let (jwt, s) = start().await;
    let r = login(&s, "alice", "alice-password").await;
    assert_eq!(r.status, 200, "{r:?}");
    let (access, refresh) = tokens(&r);
    let token = jwt.verify_access::<Profile>(&access).unwrap();
    assert_eq!(token.identity(), "alice");
    assert_eq!(token.role(), Some("USER"));
    assert_eq!(token.scopes(), ["user:read"]);
    assert!(token.fresh());
    assert_eq!(token.private_claims().user_id, 1);
    assert_eq!(token.public_claims()["tenant"], "acme");
    assert_eq!(token.public_claims()["deployment"], "eu-1");
    let r = s.get_bearer("/protected", &access).await;
    assert_eq!(
        r.body,
        json!({"identity": "alice", "user_id": 1, "tenant": "acme"})
    );
    // The refresh token carries the same claims.
    let refresh = jwt.verify_refresh::<Profile>(&refresh).unwrap();
    assert_eq!(refresh.private_claims().user_id, 1);
    assert_eq!(refresh.scopes(), ["user:read"]);
    // Scopes from the hook open scoped routes.
    let (admin, _) = tokens(&login(&s, "admin", "admin-password").await);
    assert_eq!(s.get_bearer("/admin", &admin).await.status, 200);
    assert_eq!(s.get_bearer("/admin", &access).await.status, 403);
}

#[tokio::test]
async fn wrong_credentials_get_one_answer() {
    let (_, s) = start().await;
    let wrong_password = login(&s, "alice", "nope").await;
    let unknown_user = login(&s, "mallory", "nope").await;
    for r in [&wrong_password, &unknown_user] {
        assert_eq!(r.status, 401, "{r:?}");
        assert_eq!(r.reason(), "authentication_failed");
        assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"));
    }
    assert_eq!(wrong_password.body, unknown_user.body);
}

#[tokio::test]
async fn malformed_login_requests() {
    let (_, s) = start().await;
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [u8], u16, &'a str);
    let cases: [Case<'_>; 5] = [
        (
            &[("content-type", "application/json")],
            b"{not json",
            400,
            "JSON body is invalid",
        ),
        (
            &[("content-type", "application/json")],
            br#"{"username":"alice"}"#,
            400,
            "missing field `password`",
        ),
        (
            &[("content-type", "text/plain")],
            br#"{"username":"a","password":"b"}"#,
            400,
            "`text/plain`",
        ),
        (
            &[],
            br#"{"username":"a","password":"b"}"#,
            400,
            "no content type",
        ),
        (
            &[("content-type", "application/json")],
            b"",
            400,
            "JSON body is required",
        ),
    ];
    for (headers, body, status, message) in cases {
        let r = s
            .request("POST", "/auth", headers, Some(body.to_vec()))
            .await;
        assert_eq!(r.status, status, "{r:?}");
        assert_eq!(r.reason(), "invalid_request");
        assert_eq!(r.body["error"], "invalid_request");
        let m = r.body["message"].as_str().unwrap_or_default();
        assert!(m.contains(message), "{m}");
    }
    // Over the 64 KiB default: 413.
    let big = format!(
        r#"{{"username":"{}","password":"x"}}"#,
        "a".repeat(70 * 1024)
    );
    let r = s
        .post_json("/auth", &[], &serde_json::from_str::<Value>(&big).unwrap())
        .await;
    assert_eq!((r.status, r.reason()), (413, "payload_too_large"));
}

#[tokio::test]
async fn configurable_limits_names_and_prefix() {
    let (_, s) = start_with(
        builder()
            .auth_prefix("/api/session")
            .access_token_name("jwt")
            .refresh_token_name("renew")
            .auth_body_limit(1024),
    )
    .await;
    let r = s
        .post_json(
            "/api/session",
            &[],
            &json!({"username": "alice", "password": "alice-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body["jwt"].is_string() && r.body["renew"].is_string(),
        "{r:?}"
    );
    let renew = r.body["renew"].as_str().unwrap().to_owned();
    let r = s
        .post_json("/api/session/refresh", &[], &json!({ "renew": renew }))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let r = s
        .post_json(
            "/api/session",
            &[],
            &json!({"username": "a".repeat(2000), "password": "x"}),
        )
        .await;
    assert_eq!(r.status, 413);
    assert_eq!(s.post_json("/auth", &[], &json!({})).await.status, 404);
}

#[tokio::test]
async fn verify_and_me() {
    let (_, s) = start().await;
    let (access, refresh) = tokens(&login(&s, "admin", "admin-password").await);
    let r = s.get_bearer("/auth/verify", &access).await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"valid": true})));
    let r = s.get_bearer("/auth/verify", "x.y.z").await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["valid"], false);
    assert_eq!(r.body["reason"], "malformed");
    assert!(r.www_authenticate.is_some());
    let r = s.get_bearer("/auth/verify", &refresh).await;
    assert_eq!(
        (r.status, &r.body["reason"]),
        (401, &json!("wrong_token_type"))
    );
    let r = s.get_with("/auth/verify", &[]).await;
    assert_eq!((r.status, &r.body["valid"]), (401, &json!(false)));

    let r = s.get_bearer("/auth/me", &access).await;
    assert_eq!(r.body, json!({"me": {"username": "admin", "user_id": 2}}));
    assert_eq!(s.get_with("/auth/me", &[]).await.status, 401);
}

#[tokio::test]
async fn refresh_through_body_and_header_with_rotation() {
    let (jwt, s) = start().await;
    let (_, refresh) = tokens(&login(&s, "alice", "alice-password").await);
    // JSON body.
    let r = s
        .post_json("/auth/refresh", &[], &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    let (access2, refresh2) = tokens(&r);
    let t = jwt.verify_access::<Profile>(&access2).unwrap();
    assert!(!t.fresh(), "a refreshed token is not fresh");
    assert_eq!(t.private_claims().user_id, 1);
    assert_eq!(t.public_claims()["deployment"], "eu-1");
    // Authorization header.
    let r = s
        .request(
            "POST",
            "/auth/refresh",
            &[("authorization", &format!("Bearer {refresh2}"))],
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    // The spent token: reuse.
    let r = s
        .post_json("/auth/refresh", &[], &json!({"refresh_token": refresh}))
        .await;
    r.assert_invalid_token("refresh_token_reused");
    // Access tokens are refused; nothing at all is a missing token.
    let r = s
        .post_json("/auth/refresh", &[], &json!({"refresh_token": access2}))
        .await;
    assert_eq!(r.status, 401);
    let r = s.request("POST", "/auth/refresh", &[], None).await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));
    let r = s
        .post_json("/auth/refresh", &[], &json!({"refresh_token": 5}))
        .await;
    assert_eq!((r.status, r.reason()), (400, "invalid_request"));
}

/// The refresh endpoint reads its header with the bearer parser of every guarded route: one
/// token per request, never the first of two headers.
#[tokio::test]
async fn refresh_applies_the_one_token_rule_of_guarded_routes() {
    let (_, s) = start().await;
    let (access, refresh) = tokens(&login(&s, "alice", "alice-password").await);
    for path in ["/auth/refresh", "/protected"] {
        let token = if path == "/protected" {
            &access
        } else {
            &refresh
        };
        let bearer = format!("Bearer {token}");
        let method = if path == "/protected" { "GET" } else { "POST" };
        let r = s
            .request(
                method,
                path,
                &[("authorization", &bearer), ("authorization", "Bearer junk")],
                None,
            )
            .await;
        assert_eq!(
            (r.status, r.reason()),
            (400, "invalid_request"),
            "{path}: {r:?}"
        );
        // Junk after the token is malformed on both.
        let r = s
            .request(
                method,
                path,
                &[("authorization", &format!("{bearer} extra"))],
                None,
            )
            .await;
        r.assert_invalid_token("malformed");
    }
    // A refresh token in the header and another in the body: two methods, one request.
    let (_, admins) = tokens(&login(&s, "admin", "admin-password").await);
    let r = s
        .post_json(
            "/auth/refresh",
            &[("authorization", &format!("Bearer {refresh}"))],
            &json!({"refresh_token": admins}),
        )
        .await;
    assert_eq!((r.status, r.reason()), (400, "invalid_request"), "{r:?}");
    assert!(
        r.www_authenticate
            .as_deref()
            .is_some_and(|c| c.contains("error=\"invalid_request\"")),
        "{r:?}"
    );
    // The refresh tokens were never spent by the refused requests.
    for token in [&refresh, &admins] {
        let r = s
            .post_json("/auth/refresh", &[], &json!({"refresh_token": token}))
            .await;
        assert_eq!(r.status, 200, "{r:?}");
    }
}

#[tokio::test]
async fn logout_revokes_both_tokens() {
    let (_, s) = start().await;
    let (access, refresh) = tokens(&login(&s, "alice", "alice-password").await);
    let r = s
        .post_json(
            "/auth/logout",
            &[("authorization", &format!("Bearer {access}"))],
            &json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, json!({"logged_out": true}))
    );
    s.get_bearer("/protected", &access)
        .await
        .assert_invalid_token("revoked");
    s.post_json("/auth/refresh", &[], &json!({"refresh_token": refresh}))
        .await
        .assert_invalid_token("revoked");
    let r = s.request("POST", "/auth/logout", &[], None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn custom_claims_are_verified_on_every_request() {
    let (jwt, s) = start().await;
    // A token of another deployment, or without the claim.
    let other = Jwt::builder()
        .secret(SECRET)
        .private_claim_prefix("app")
        .custom_claim(Deployment("us-2"))
        .build()
        .unwrap();
    let foreign = other
        .access_token("alice")
        .private_claims(&Profile { user_id: 1 })
        .sign()
        .unwrap();
    let r = s.get_bearer("/protected", &foreign).await;
    r.assert_invalid_token("invalid_claim");
    assert!(r.body["message"].as_str().unwrap().contains("`deployment`"));
    let bare = forge_hs256(HS256_HEADER, &claims(json!({"app_user_id": 1})));
    s.get_bearer("/protected", &bare)
        .await
        .assert_invalid_token("invalid_claim");
    // A custom claim may not take a registered name.
    struct Sneaky;
    impl CustomClaim for Sneaky {
        fn key(&self) -> &str {
            "exp"
        }
        fn setup(&self, _: &str) -> Value {
            json!(0)
        }
        fn verify(&self, _: Option<&Value>) -> bool {
            true
        }
    }
    assert!(
        Jwt::builder()
            .secret(SECRET)
            .custom_claim(Sneaky)
            .build()
            .is_err()
    );
    // Our own tokens pass.
    let own = jwt
        .access_token("alice")
        .private_claims(&Profile { user_id: 1 })
        .sign()
        .unwrap();
    assert_eq!(s.get_bearer("/protected", &own).await.status, 200);
}
