//! Each attribute over real HTTP: allowed, denied (status, `WWW-Authenticate`, JSON body),
//! body extractors never run on rejection, `Option<Token>` semantics, stacking, composition
//! with `State`, `debug_handler`, `?` and `impl IntoResponse`.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::*;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_jwt_guard::{
    Jwt, PrivateClaims, Requirement, Token, fresh_jwt_required, jwt_optional, jwt_required,
    refresh_jwt_required, scoped,
};
use serde_json::{Value, json};

#[derive(PrivateClaims, Debug, Clone, PartialEq)]
struct Profile {
    user_id: u64,
    #[claim(rename = "perm")]
    permission_level: u8,
    #[claim(skip_serializing_if_none)]
    nickname: Option<String>,
    #[claim(default)]
    karma: i32,
}

/// Counts how often a request body was read: proves the body extractor never runs for a
/// rejected request.
static BODIES_READ: AtomicUsize = AtomicUsize::new(0);

struct CountingBody(Value);

impl<S: Send + Sync> FromRequest<S> for CountingBody {
    type Rejection = axum::response::Response;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        BODIES_READ.fetch_add(1, Ordering::SeqCst);
        let Json(v) = Json::<Value>::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(CountingBody(v))
    }
}

#[jwt_required]
async fn required(token: Token) -> String {
    token.identity().to_owned()
}

#[jwt_required(allow = ["ADMIN", "STAFF"])]
async fn staff(token: Token) -> String {
    format!("staff {}", token.identity())
}

#[jwt_required(deny = ["BANNED"])]
async fn not_banned() -> &'static str {
    "welcome"
}

#[jwt_optional]
async fn optional(token: Option<Token>) -> String {
    format!(
        "hello, {}",
        token.as_ref().map_or("anonymous", |t| t.identity())
    )
}

#[fresh_jwt_required]
async fn fresh_only(token: Token) -> String {
    format!("fresh {}", token.identity())
}

#[refresh_jwt_required]
async fn refresh_only(token: Token) -> String {
    format!("{} {}", token.kind(), token.identity())
}

#[scoped("admin")]
async fn admin() -> &'static str {
    "admin area"
}

#[scoped("user:read", "user:write")]
async fn read_write() -> &'static str {
    "rw"
}

#[scoped("user:read", "admin", require_all = false)]
async fn read_or_admin() -> &'static str {
    "either"
}

#[scoped(":read:write", require_all_actions = false)]
async fn any_read_or_write() -> &'static str {
    "some action"
}

#[scoped("user:read")]
#[jwt_required(allow = ["ADMIN"])]
async fn stacked(token: Token) -> String {
    format!("stacked {}", token.identity())
}

#[jwt_required]
async fn echo(token: Token, CountingBody(body): CountingBody) -> Json<Value> {
    Json(json!({ "identity": token.identity(), "body": body }))
}

#[jwt_required]
async fn body_only(CountingBody(body): CountingBody) -> Json<Value> {
    Json(body)
}

#[jwt_required]
async fn profile(token: Token<Profile>) -> Json<Value> {
    let p = token.private_claims();
    Json(json!({
        "user_id": p.user_id, "perm": p.permission_level,
        "nickname": p.nickname, "karma": p.karma,
    }))
}

/// Counts how often private claims were read: proves one decode per request.
static DECODES: AtomicUsize = AtomicUsize::new(0);

struct Counted;

impl PrivateClaims for Counted {
    type Partial = ();
    const FIELDS: &'static [&'static str] = &[];
    fn read_field<'de, D: serde::Deserializer<'de>>(
        _: &mut (),
        _: &str,
        _: D,
    ) -> Result<bool, D::Error> {
        Ok(false)
    }
    fn finish(_: ()) -> Result<Self, axum_jwt_guard::ClaimsError> {
        DECODES.fetch_add(1, Ordering::SeqCst);
        Ok(Counted)
    }
    fn write(
        &self,
        _: &mut axum_jwt_guard::ClaimWriter<'_>,
    ) -> Result<(), axum_jwt_guard::ClaimsError> {
        Ok(())
    }
}

#[scoped("admin")]
async fn counted(token: Token<Counted>) -> String {
    token.identity().to_owned()
}

#[derive(Clone)]
struct AppState {
    greeting: &'static str,
}

#[axum::debug_handler]
#[jwt_required]
async fn debug_outer(State(state): State<AppState>, token: Token) -> String {
    format!("{} {}", state.greeting, token.identity())
}

#[jwt_required]
#[axum::debug_handler]
async fn debug_inner(State(state): State<AppState>, token: Token) -> String {
    format!("{} {}", state.greeting, token.identity())
}

#[jwt_required]
async fn early_return(token: Token) -> Result<impl IntoResponse, StatusCode> {
    if token.identity() == "mallory" {
        return Err(StatusCode::IM_A_TEAPOT);
    }
    let n: u32 = token
        .identity()
        .len()
        .try_into()
        .map_err(|_| StatusCode::BAD_REQUEST)?;
    Ok((StatusCode::ACCEPTED, format!("{n}")))
}

fn app(jwt: &Jwt) -> Router {
    let admin_api: Router<AppState> = Router::new()
        .route(
            "/report",
            get(|t: Token| async move { format!("report for {}", t.identity()) }),
        )
        .route_layer(
            jwt.require(
                Requirement::access()
                    .scopes(["admin"])
                    .expect("valid scope"),
            ),
        );
    Router::new()
        .route("/required", get(required))
        .route("/staff", get(staff))
        .route("/not-banned", get(not_banned))
        .route("/optional", get(optional))
        .route("/fresh", post(fresh_only))
        .route("/refresh", post(refresh_only))
        .route("/admin", get(admin))
        .route("/read-write", get(read_write))
        .route("/read-or-admin", get(read_or_admin))
        .route("/any-action", get(any_read_or_write))
        .route("/stacked", get(stacked))
        .route("/echo", post(echo))
        .route("/body-only", post(body_only))
        .route("/profile", get(profile))
        .route("/debug-outer", get(debug_outer))
        .route("/debug-inner", get(debug_inner))
        .route("/early", get(early_return))
        .route("/counted", get(counted))
        .nest("/api", admin_api)
        .with_state(AppState { greeting: "hi" })
        .layer(jwt.layer())
}

struct Fixture {
    jwt: Jwt,
    s: Server,
}

impl Fixture {
    async fn new() -> Self {
        let jwt = Jwt::builder()
            .secret(SECRET)
            .private_claim_prefix("app")
            .build()
            .unwrap();
        let s = serve_router(app(&jwt)).await;
        Fixture { jwt, s }
    }

    fn token(&self, identity: &str, role: Option<&str>, scopes: &[&str]) -> String {
        let mut b = self
            .jwt
            .access_token(identity)
            .scopes(scopes.iter().copied());
        if let Some(role) = role {
            b = b.role(role);
        }
        b.sign().unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> Reply {
        self.s.get_bearer(path, token).await
    }
}

#[track_caller]
fn assert_forbidden(r: &Reply, reason: &str, scope: Option<&str>) {
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.reason(), reason, "{r:?}");
    assert_eq!(r.body["error"], "insufficient_scope");
    let challenge = r.www_authenticate.as_deref().unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\""),
        "{challenge}"
    );
    match scope {
        Some(s) => assert!(
            challenge.ends_with(&format!("scope=\"{s}\"")),
            "{challenge}"
        ),
        None => assert!(!challenge.contains("scope=\""), "{challenge}"),
    }
}

#[tokio::test]
async fn jwt_required_with_roles() {
    let f = Fixture::new().await;
    let r = f.get("/required", &f.token("alice", None, &[])).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("alice")));
    let r = f.s.get_with("/required", &[]).await;
    assert_eq!(
        (r.status, r.www_authenticate.as_deref()),
        (401, Some("Bearer"))
    );

    for role in ["ADMIN", "STAFF"] {
        let r = f.get("/staff", &f.token("bob", Some(role), &[])).await;
        assert_eq!(r.status, 200, "{role}: {r:?}");
    }
    for role in [Some("USER"), Some("admin"), None] {
        let r = f.get("/staff", &f.token("bob", role, &[])).await;
        assert_forbidden(&r, "role_not_allowed", None);
    }
    assert_eq!(
        f.get("/not-banned", &f.token("a", Some("USER"), &[]))
            .await
            .status,
        200
    );
    assert_eq!(
        f.get("/not-banned", &f.token("a", None, &[])).await.status,
        200
    );
    let r = f
        .get("/not-banned", &f.token("a", Some("BANNED"), &[]))
        .await;
    assert_forbidden(&r, "role_not_allowed", None);
    // An invalid token is a 401 before any role check.
    f.get("/staff", "x.y.z")
        .await
        .assert_invalid_token("malformed");
}

#[tokio::test]
async fn jwt_optional_semantics() {
    let f = Fixture::new().await;
    let r = f.s.get_with("/optional", &[]).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("hello, anonymous")));
    let r = f.get("/optional", &f.token("alice", None, &[])).await;
    assert_eq!(r.body, json!("hello, alice"));
    f.get("/optional", "x.y.z")
        .await
        .assert_invalid_token("malformed");
    let (_, refresh) = ((), f.jwt.refresh_token("alice").sign().unwrap());
    f.get("/optional", &refresh)
        .await
        .assert_invalid_token("wrong_token_type");
}

#[tokio::test]
async fn freshness() {
    let f = Fixture::new().await;
    let fresh = f.jwt.access_token("alice").fresh(true).sign().unwrap();
    let stale = f.jwt.access_token("alice").sign().unwrap();
    let post = |t: String| {
        let s = &f.s;
        async move {
            s.request(
                "POST",
                "/fresh",
                &[("authorization", &format!("Bearer {t}"))],
                None,
            )
            .await
        }
    };
    let r = post(fresh).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("fresh alice")));
    post(stale).await.assert_invalid_token("not_fresh");
}

#[tokio::test]
async fn refresh_tokens_only() {
    let f = Fixture::new().await;
    let refresh = f.jwt.refresh_token("alice").sign().unwrap();
    let access = f.token("alice", None, &[]);
    let post = |t: String| {
        let s = &f.s;
        async move {
            s.request(
                "POST",
                "/refresh",
                &[("authorization", &format!("Bearer {t}"))],
                None,
            )
            .await
        }
    };
    let r = post(refresh.clone()).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("refresh alice")));
    post(access).await.assert_invalid_token("wrong_token_type");
    // And a refresh token never opens an access route.
    f.get("/required", &refresh)
        .await
        .assert_invalid_token("wrong_token_type");
}

#[tokio::test]
async fn scopes_follow_sanic_jwt() {
    let f = Fixture::new().await;
    let cases: &[(&str, &[&str], u16)] = &[
        ("/admin", &["admin"], 200),
        ("/admin", &["admin:read"], 403),
        ("/admin", &["administrator", "Admin", "user:admin"], 403),
        ("/admin", &[], 403),
        ("/read-write", &["user"], 200),
        ("/read-write", &["user:read:write"], 200),
        ("/read-write", &["user:read", "user:write"], 200),
        ("/read-write", &["user:read"], 403),
        ("/read-or-admin", &["admin"], 200),
        ("/read-or-admin", &["user:read"], 200),
        ("/read-or-admin", &["user:write"], 403),
        ("/any-action", &["doc:write"], 200),
        ("/any-action", &["admin"], 200),
        ("/any-action", &["doc:delete"], 403),
    ];
    for (path, scopes, status) in cases {
        let r = f.get(path, &f.token("alice", None, scopes)).await;
        assert_eq!(r.status, *status, "{path} with {scopes:?}: {r:?}");
    }
    let r = f
        .get("/read-write", &f.token("alice", None, &["user:read"]))
        .await;
    assert_forbidden(&r, "insufficient_scope", Some("user:read user:write"));
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("user:read user:write")
    );
    // Invalid token on a scoped route: 401, not 403.
    f.get("/admin", "x.y.z")
        .await
        .assert_invalid_token("malformed");
    let r = f.s.get_with("/admin", &[]).await;
    assert_eq!(r.status, 401);
    // A scopes claim of the wrong shape is never a pass.
    for bad in [
        json!("admin"),
        json!({"admin": true}),
        json!([["admin"]]),
        json!(null),
    ] {
        let t = forge_hs256(HS256_HEADER, &claims(json!({ "scopes": bad })));
        assert_eq!(f.get("/admin", &t).await.status, 401, "{bad}");
    }
}

#[tokio::test]
async fn stacked_attributes_combine() {
    let f = Fixture::new().await;
    let ok = f.token("root", Some("ADMIN"), &["user:read"]);
    assert_eq!(f.get("/stacked", &ok).await.body, json!("stacked root"));
    let wrong_role = f.token("alice", Some("USER"), &["user:read"]);
    assert_forbidden(
        &f.get("/stacked", &wrong_role).await,
        "role_not_allowed",
        None,
    );
    let no_scope = f.token("root", Some("ADMIN"), &[]);
    assert_forbidden(
        &f.get("/stacked", &no_scope).await,
        "insufficient_scope",
        Some("user:read"),
    );
}

#[tokio::test]
async fn body_extractors_never_run_for_rejected_requests() {
    let f = Fixture::new().await;
    let before = BODIES_READ.load(Ordering::SeqCst);
    let body = Some(br#"{"x":1}"#.to_vec());
    let json_ct = ("content-type", "application/json");
    for path in ["/echo", "/body-only"] {
        let r = f.s.request("POST", path, &[json_ct], body.clone()).await;
        assert_eq!(r.status, 401, "{path}");
        let r =
            f.s.request(
                "POST",
                path,
                &[json_ct, ("authorization", "Bearer x.y.z")],
                body.clone(),
            )
            .await;
        assert_eq!(r.status, 401, "{path}");
    }
    assert_eq!(
        BODIES_READ.load(Ordering::SeqCst),
        before,
        "a body was read for a rejected request"
    );
    let token = f.token("alice", None, &[]);
    let auth = format!("Bearer {token}");
    let r =
        f.s.request(
            "POST",
            "/echo",
            &[json_ct, ("authorization", &auth)],
            body.clone(),
        )
        .await;
    assert_eq!(r.body, json!({"identity": "alice", "body": {"x": 1}}));
    let r =
        f.s.request(
            "POST",
            "/body-only",
            &[json_ct, ("authorization", &auth)],
            body,
        )
        .await;
    assert_eq!(r.body, json!({"x": 1}));
    assert!(BODIES_READ.load(Ordering::SeqCst) >= before + 2);
}

#[tokio::test]
async fn derived_private_claims_round_trip() {
    let f = Fixture::new().await;
    let p = Profile {
        user_id: 7,
        permission_level: 3,
        nickname: None,
        karma: 5,
    };
    let t = f
        .jwt
        .access_token("alice")
        .private_claims(&p)
        .sign()
        .unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            t.split('.').nth(1).unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (
            &payload["app_user_id"],
            &payload["app_perm"],
            &payload["app_karma"]
        ),
        (&json!(7), &json!(3), &json!(5))
    );
    assert!(
        payload.get("app_nickname").is_none(),
        "skip_serializing_if_none"
    );
    let r = f.get("/profile", &t).await;
    assert_eq!(
        r.body,
        json!({"user_id": 7, "perm": 3, "nickname": null, "karma": 5})
    );
    // Optional and default fields may be missing; required ones may not.
    let t = forge_hs256(
        HS256_HEADER,
        &claims(json!({"app_user_id": 1, "app_perm": 2})),
    );
    assert_eq!(f.get("/profile", &t).await.body["karma"], 0);
    for bad in [
        json!({"app_perm": 2}),
        json!({"app_user_id": "1", "app_perm": 2}),
        json!({"app_user_id": 1, "app_perm": 2, "app_nickname": 5}),
    ] {
        let t = forge_hs256(HS256_HEADER, &claims(bad.clone()));
        f.get("/profile", &t)
            .await
            .assert_invalid_token("invalid_private_claims");
    }
}

#[tokio::test]
async fn composes_with_state_debug_handler_and_early_returns() {
    let f = Fixture::new().await;
    let t = f.token("alice", None, &[]);
    for path in ["/debug-outer", "/debug-inner"] {
        let r = f.get(path, &t).await;
        assert_eq!(
            (r.status, r.body.clone()),
            (200, json!("hi alice")),
            "{path}"
        );
        assert_eq!(f.s.get_with(path, &[]).await.status, 401, "{path}");
    }
    let r = f.get("/early", &t).await;
    assert_eq!((r.status, r.body.clone()), (202, json!(5)));
    let r = f.get("/early", &f.token("mallory", None, &[])).await;
    assert_eq!(r.status, 418);
}

#[tokio::test]
async fn the_token_is_decoded_once_per_request() {
    let f = Fixture::new().await;
    let before = DECODES.load(Ordering::SeqCst);
    let r = f.get("/counted", &f.token("root", None, &["admin"])).await;
    assert_eq!((r.status, r.body.clone()), (200, json!("root")));
    assert_eq!(DECODES.load(Ordering::SeqCst), before + 1);
}

#[tokio::test]
async fn router_level_requirement_without_macros() {
    let f = Fixture::new().await;
    let r = f
        .get("/api/report", &f.token("root", None, &["admin"]))
        .await;
    assert_eq!((r.status, r.body.clone()), (200, json!("report for root")));
    let r = f
        .get("/api/report", &f.token("alice", None, &["user"]))
        .await;
    assert_forbidden(&r, "insufficient_scope", Some("admin"));
    let r = f.s.get_with("/api/report", &[]).await;
    assert_eq!((r.status, r.reason()), (401, "missing_token"));
}
